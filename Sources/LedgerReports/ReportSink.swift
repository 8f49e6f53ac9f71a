import LedgerCore
import LedgerXLSX

/// Where a rendered report goes: the XLSX workbook or its JSONL twin. A report makes the same
/// calls on either (Summary, the table sheets, then streamed per-message rows), so the two
/// hold the same values in the same order.
public protocol ReportSink: AnyObject {
    /// The first sheet: a title, the header record's fields as label/value rows, tables as
    /// blocks with total rows, then the closing fields (totals). JSONL: one `record` object
    /// holding `fields` then `closing`, then every table's rows.
    func summary(sheet: Label, title: String, record: String, fields: [(ReportColumn, ReportValue)], tables: [ReportTable],
                 closing: [(ReportColumn, ReportValue)]) throws
    /// A whole table on its own sheet (header frozen, filter, total row when the table has one).
    func table(sheet: Label, _ table: ReportTable) throws
    /// A sheet whose rows are streamed (per message); continues on new sheets past the row limit.
    func beginStream(sheet: Label, record: String, columns: [ReportColumn]) throws
    func streamRow(_ values: [ReportValue]) throws
    /// `streamRow(_:)` of the same values, given borrowed (`RawReportValue`): the same bytes.
    func streamRow(raw values: UnsafeBufferPointer<RawReportValue>) throws
    func close() throws
}

/// The JSONL twin.
public final class JSONLSink: ReportSink {
    let writer: JSONLWriter
    private var stream: JSONLWriter.Prefixes?

    public init(path: String) throws { writer = try JSONLWriter(path: path) }

    public func summary(sheet: Label, title: String, record: String, fields: [(ReportColumn, ReportValue)], tables: [ReportTable],
                        closing: [(ReportColumn, ReportValue)]) throws {
        let all = fields + closing
        try writer.write(record: record, columns: all.map(\.0), values: all.map(\.1))
        for table in tables { try rows(table) }
    }

    public func table(sheet: Label, _ table: ReportTable) throws { try rows(table) }

    private func rows(_ table: ReportTable) throws {
        for row in table.rows { try writer.write(record: table.record, columns: table.columns, values: row) }
    }

    public func beginStream(sheet: Label, record: String, columns: [ReportColumn]) throws {
        stream = JSONLWriter.Prefixes(record: record, columns: columns)
    }

    public func streamRow(_ values: [ReportValue]) throws {
        guard let stream else { return }
        try writer.write(stream, values: values)
    }

    public func streamRow(raw values: UnsafeBufferPointer<RawReportValue>) throws {
        guard let stream else { return }
        try writer.write(stream, raw: values)
    }

    public func close() throws { try writer.close() }
}

/// The workbook finance opens: Korean or English labels, numbers as numbers (KRW `#,##0`,
/// USD `#,##0.00`), dates as real dates, frozen bold headers with filters and widths, and
/// landscape fit-to-width on wide sheets.
public final class XLSXSink: ReportSink {
    let writer: XLSXWriter
    let language: ReportLanguage
    /// Sheets with more columns than this print landscape, fit to one page wide.
    static let wideColumns = 7

    public init(path: String, language: ReportLanguage, options: XLSXWriterOptions = .init()) throws {
        writer = try XLSXWriter(path: path, options: options)
        self.language = language
    }

    public var sheetNames: [String] { writer.sheetNames }

    public func summary(sheet: Label, title: String, record: String, fields: [(ReportColumn, ReportValue)], tables: [ReportTable],
                        closing: [(ReportColumn, ReportValue)]) throws {
        let widest = tables.map(\.columns.count).max() ?? 2
        var widths: [Double?] = Array(repeating: nil, count: max(widest, 2))
        for table in tables {
            for (i, column) in table.columns.enumerated() { widths[i] = max(widths[i] ?? 0, column.width) }
        }
        widths[0] = max(widths[0] ?? 0, 22)
        widths[1] = max(widths[1] ?? 0, 24)
        try writer.startSheet(sheet.text(language), options: XLSXSheetOptions(
            columnWidths: widths, freezeHeader: false, landscapeFitToWidth: widest > Self.wideColumns))
        try writer.addRow([.text(title, style: .bold)])
        try keyValues(fields)
        for table in tables {
            try writer.addRow([])
            try writer.addRow([.text(table.title.text(language), style: .bold)])
            try writer.addRow(table.columns.map { .text($0.label.text(language), style: .bold) })
            for row in table.rows { try writer.addRow(row.map(cell)) }
            if table.totals != nil { try writer.addRow(try total(table)) }
        }
        if !closing.isEmpty {
            try writer.addRow([])
            try keyValues(closing, bold: true)
        }
    }

    private func keyValues(_ fields: [(ReportColumn, ReportValue)], bold: Bool = false) throws {
        for (column, value) in fields {
            try writer.addRow([.text(column.label.text(language), style: .bold), cell(value, bold: bold)])
        }
    }

    private func total(_ table: ReportTable) throws -> [XLSXCell] {
        try table.totalRow(label: ReportLabels.total.text(language)).enumerated().map { index, value in
            index == 0 ? .text(ReportLabels.total.text(language), style: .bold) : cell(value, bold: true)
        }
    }

    public func table(sheet: Label, _ table: ReportTable) throws {
        try start(sheet: sheet, columns: table.columns)
        for row in table.rows { try writer.addRow(row.map(cell)) }
        if table.totals != nil { try writer.addRow(try total(table)) }
    }

    public func beginStream(sheet: Label, record: String, columns: [ReportColumn]) throws {
        try start(sheet: sheet, columns: columns)
    }

    public func streamRow(_ values: [ReportValue]) throws { try writer.addRow(values.map(cell)) }

    /// Raw cells of the row in progress, reused row after row.
    private var rawCells: [XLSXRawCell] = []

    public func streamRow(raw values: UnsafeBufferPointer<RawReportValue>) throws {
        rawCells.removeAll(keepingCapacity: true)
        for value in values {
            // The same cells as `cell(_:)` makes of the owning values.
            switch value {
            case .text(let bytes): rawCells.append(.text(bytes))
            default: rawCells.append(.cell(cell(value.value)))  // no text: nothing to allocate
            }
        }
        try rawCells.withUnsafeBufferPointer { try writer.addRow(raw: $0) }
    }

    public func close() throws { try writer.close() }

    private func start(sheet: Label, columns: [ReportColumn]) throws {
        try writer.startSheet(sheet.text(language), options: XLSXSheetOptions(
            header: columns.map { $0.label.text(language) }, columns: columns))
    }

    func cell(_ value: ReportValue) -> XLSXCell { cell(value, bold: false) }

    func cell(_ value: ReportValue, bold: Bool) -> XLSXCell {
        switch value {
        case .null:
            return .empty
        case .text(let text):
            return .text(text, style: bold ? .bold : .general)
        case .int(let n):
            return .integer(n, style: style(.thousands, bold))
        case .money(let money, let digits):
            let format: XLSXNumberFormat = switch digits {
            case 0: .thousands
            case 2: .thousands2
            default: .custom("#,##0." + String(repeating: "0", count: digits))
            }
            return .decimal(micros: money.micros, style: style(format, bold))
        case .exact(let money):
            return .decimal(micros: money.micros, style: style(.general, bold))
        case .percent(let fraction):
            return .decimal(micros: fraction.micros, style: style(.percent, bold))
        case .date(let date):
            return .date(daysSince1970: date.daysSinceEpoch, style: style(.date, bold))
        case .dateTime(let instant, let offset):
            return .dateTime(secondsSince1970: instant.secondsSinceEpoch + Int64(offset), style: style(.dateTime, bold))
        case .bool(let flag):
            return .bool(flag)
        }
    }

    private func style(_ format: XLSXNumberFormat, _ bold: Bool) -> XLSXStyleID {
        if !bold {
            switch format {
            case .general: return .general
            case .thousands: return .thousands
            case .thousands2: return .thousands2
            case .percent: return .percent
            case .date: return .date
            case .dateTime: return .dateTime
            default: break
            }
        }
        return writer.style(XLSXStyle(numberFormat: format, bold: bold))
    }
}

extension XLSXSheetOptions {
    init(header: [String], columns: [ReportColumn]) {
        self.init(header: header, columnWidths: columns.map(\.width), freezeHeader: true, autoFilter: true,
                  landscapeFitToWidth: columns.count > XLSXSink.wideColumns)
    }
}
