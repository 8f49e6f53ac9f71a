import Logging

/// XLSX <-> CSV, for `sendledger xlsx to-csv` and `from-csv`.
public enum XLSXConversion {
    /// What a conversion did.
    public struct Summary: Equatable, Sendable {
        public var rows: Int
        /// The sheets read or written (from-csv splits past 1,048,576 rows).
        public var sheets: [String]
    }

    /// Writes one sheet (the first if `sheet` is nil) as RFC 4180 CSV to a file. Rows missing
    /// from the sheet come out as empty lines, so line N is row N; dates as ISO 8601; numbers
    /// exactly as written in the workbook.
    @discardableResult
    public static func toCSV(xlsx: String, sheet: String? = nil, csvOutput: String,
                             limits: XLSXLimits = .default,
                             logger: Logger = Logger(label: "sendledger.xlsx")) throws(XLSXError) -> Summary {
        let writer = try CSVWriter(path: csvOutput)
        return try toCSV(xlsx: xlsx, sheet: sheet, writer: writer, limits: limits, logger: logger)
    }

    /// The same, to an open file descriptor (standard output: 1), which stays open.
    @discardableResult
    public static func toCSV(xlsx: String, sheet: String? = nil, fileDescriptor: Int32,
                             limits: XLSXLimits = .default,
                             logger: Logger = Logger(label: "sendledger.xlsx")) throws(XLSXError) -> Summary {
        try toCSV(xlsx: xlsx, sheet: sheet, writer: CSVWriter(fileDescriptor: fileDescriptor), limits: limits, logger: logger)
    }

    private static func toCSV(xlsx: String, sheet: String?, writer: CSVWriter, limits: XLSXLimits,
                              logger: Logger) throws(XLSXError) -> Summary {
        let reader = try XLSXReader(path: xlsx, limits: limits, logger: logger)
        let info = try reader.sheet(sheet.map { .name($0) } ?? .index(0))
        let rows = try reader.rows(sheet: .index(info.index))
        var line = 0
        while let (batch, index) = try rows.nextRaw() {
            let number = batch.rows[index].number
            while line + 1 < number {
                try writer.writeRecord([""])
                line += 1
            }
            try writer.writeRow(batch, index, strings: rows.strings, date1904: reader.date1904)
            line = number
        }
        try writer.finish()
        logger.info("xlsx converted to csv", metadata: [
            "file.path": "\(xlsx)", "sheet.name": "\(info.name)", "csv.path": "\(writer.name)", "rows": "\(line)"])
        return Summary(rows: line, sheets: [info.name])
    }

    /// Writes a CSV file as a workbook: the first record is the header (bold, frozen, with an
    /// autofilter); plain decimals become numbers, everything else text (never a formula).
    /// Decimals that a spreadsheet would change stay text: leading zeros ("007", phone
    /// numbers) and more than 15 significant digits.
    @discardableResult
    public static func fromCSV(csv: String, xlsxOutput: String, sheetName: String? = nil,
                               options: XLSXWriterOptions = .init(),
                               logger: Logger = Logger(label: "sendledger.xlsx")) throws(XLSXError) -> Summary {
        let reader = try CSVReader(path: csv)
        let writer = try XLSXWriter(path: xlsxOutput, options: options, logger: logger)
        let base = csv.split(separator: "/").last.map(String.init) ?? "Sheet1"
        let stem = base.hasSuffix(".csv") || base.hasSuffix(".CSV") ? String(base.dropLast(4)) : base
        let name = sheetName ?? XLSXSheetName.sanitized(stem)
        var rows = 0
        var cells: [XLSXCell] = []
        if let header = try reader.next() {
            try writer.startSheet(name, options: XLSXSheetOptions(header: header, freezeHeader: true, autoFilter: true))
            rows = 1
            while let record = try reader.next() {
                cells.removeAll(keepingCapacity: true)
                for field in record { cells.append(cell(for: field)) }
                try writer.addRow(cells)
                rows += 1
            }
        } else {
            try writer.startSheet(name)
        }
        let sheets = writer.sheetNames
        try writer.close()
        logger.info("csv converted to xlsx", metadata: [
            "csv.path": "\(csv)", "file.path": "\(xlsxOutput)", "rows": "\(rows)", "sheets": "\(sheets.count)"])
        return Summary(rows: rows, sheets: sheets)
    }

    /// A CSV field as a cell: a number when the text is a plain decimal Excel keeps as is.
    public static func cell(for field: String) -> XLSXCell {
        if field.isEmpty { return .empty }
        if isSafeNumber(field), let number = XLSXCell.number(text: field) { return number }
        return .text(field)
    }

    static func isSafeNumber(_ text: String) -> Bool {
        guard XLSXCell.isPlainDecimal(text) else { return false }
        let digits = text.utf8.drop { $0 == UInt8(ascii: "-") }
        // "0", "0.5" fine; "007", "01012345678" are identifiers.
        if digits.count > 1, digits.first == UInt8(ascii: "0"), digits.dropFirst().first != UInt8(ascii: ".") { return false }
        var significant = 0
        var leading = true
        for b in digits where b != UInt8(ascii: ".") {
            if leading && b == UInt8(ascii: "0") { continue }
            leading = false
            significant += 1
        }
        return significant <= 15
    }
}
