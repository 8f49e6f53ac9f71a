import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Options for a whole workbook.
public struct XLSXWriterOptions: Sendable {
    /// zlib level. Measured on 1M x 11 cells (from-csv): level 1 took 11.7 s and wrote 61 MB,
    /// level 6 took 35.8 s for 48 MB. Deflate is the longest stage of writing, so 1 it is.
    public var compressionLevel: Int = 1
    /// Distinct strings kept in the shared-string table; later new strings are written inline,
    /// so memory stays bounded however many rows come. (A column of a sheet whose first 4,096
    /// text cells are at least 95% new strings, such as message ids, is written inline from
    /// there on: `RecentSharedStrings`.)
    public var sharedStringLimit: Int = 100_000
    /// Longer strings are always written inline (they rarely repeat).
    public var sharedStringMaxBytes: Int = 256
    /// Rows per sheet before a continuation sheet starts (Excel's limit; lower in tests).
    public var maxRowsPerSheet: Int = 1_048_576
    /// What to do with text longer than Excel's 32,767 characters per cell.
    public var longText: LongText = .truncate

    public enum LongText: Sendable { case truncate, refuse }

    public init() {}
}

/// Options for one sheet.
public struct XLSXSheetOptions: Sendable {
    /// The header row, written bold as row 1 (and repeated on continuation sheets).
    public var header: [String]?
    /// Column widths in characters, from column A; nil leaves a column at the default.
    public var columnWidths: [Double?]
    /// Freeze the header row (on by default when there is a header).
    public var freezeHeader: Bool
    /// Autofilter over the header and all rows (with its `_xlnm._FilterDatabase` name).
    public var autoFilter: Bool
    /// Print landscape, fit to one page wide (for wide sheets).
    public var landscapeFitToWidth: Bool

    public init(header: [String]? = nil, columnWidths: [Double?] = [], freezeHeader: Bool = true,
                autoFilter: Bool = false, landscapeFitToWidth: Bool = false) {
        self.header = header
        self.columnWidths = columnWidths
        self.freezeHeader = freezeHeader
        self.autoFilter = autoFilter
        self.landscapeFitToWidth = landscapeFitToWidth
    }
}

/// Writes an XLSX workbook as a stream: sheets one after another, rows appended in order,
/// XML generated into reusable buffers and deflated on a second core. Memory does not grow
/// with rows. The same calls give the same bytes.
///
///     let writer = try XLSXWriter(path: "out.xlsx")
///     try writer.startSheet("Summary", options: .init(header: ["Channel", "Amount"], autoFilter: true))
///     try writer.addRow([.text("SMS"), .money(micros: 15_000_000, digits: 0)])
///     try writer.close()
public final class XLSXWriter {
    struct Sheet {
        var name: String
        var baseName: String
        var part: Int
        var options: XLSXSheetOptions
        var continuation = 1
    }

    struct FinishedSheet {
        var name: String
        var autoFilter: String?
    }

    public let path: String
    let options: XLSXWriterOptions
    let logger: Logger
    private let zip: ZipWriter
    private let pipeline: DeflatePipeline
    /// The state touched per row and per cell, behind a pointer: stored `var`s of a class
    /// would cost a dynamic exclusivity check on each access.
    private struct Hot {
        var buffer: ByteBuffer
        var rows = 0
        var columns = 0
        var sharedStrings: [[UInt8]] = []
        var sharedIndex: [UTF8Key: Int] = [:]
        var sharedUses = 0
        var recent = RecentSharedStrings()
    }
    private let hot: UnsafeMutablePointer<Hot>
    private var buffer: ByteBuffer { hot.pointee.buffer }
    private let flushSize = 1 << 18
    private var sheet: Sheet?
    private var finished: [FinishedSheet] = []
    private var usedNames: Set<String> = []
    private var styles: [XLSXStyle] = XLSXStyleID.presets
    private var styleIndex: [XLSXStyle: XLSXStyleID] = [:]
    private var truncatedCells = 0
    private var closed = false
    private let rowDigits = ByteBuffer(capacity: 16)

    /// The sheet names written so far, continuation sheets included.
    public var sheetNames: [String] { finished.map(\.name) + (sheet.map { [$0.name] } ?? []) }

    public init(path: String, options: XLSXWriterOptions = .init(),
                logger: Logger = Logger(label: "sendledger.xlsx")) throws(XLSXError) {
        self.path = path
        self.options = options
        self.logger = logger
        let output = try FileZipOutput(path: path)
        zip = ZipWriter(output: output, level: Int32(max(1, min(9, options.compressionLevel))))
        pipeline = DeflatePipeline(zip: zip, bufferSize: flushSize + (1 << 16))
        hot = .allocate(capacity: 1)
        hot.initialize(to: Hot(buffer: try pipeline.take()))
        for (i, style) in styles.enumerated() { styleIndex[style] = XLSXStyleID(UInt16(i)) }
    }

    deinit {
        pipeline.stop()
        hot.pointee.recent.deallocate()
        hot.deinitialize(count: 1)
        hot.deallocate()
    }

    /// The id for a style, registering it on first use.
    public func style(_ style: XLSXStyle) -> XLSXStyleID {
        if let id = styleIndex[style] { return id }
        let id = XLSXStyleID(UInt16(styles.count))
        styles.append(style)
        styleIndex[style] = id
        return id
    }

    /// Starts a new sheet (finishing the previous one). The name must follow Excel's rules
    /// (`XLSXSheetName.problem`); use `XLSXSheetName.sanitized` for names made from data.
    public func startSheet(_ name: String, options sheetOptions: XLSXSheetOptions = .init()) throws(XLSXError) {
        guard !closed else { throw XLSXError(.writerClosed, file: path) }
        if let problem = XLSXSheetName.problem(name) {
            throw XLSXError(.invalidSheetName(name, why: problem), file: path)
        }
        guard !usedNames.contains(name.lowercased()) else { throw XLSXError(.duplicateSheetName(name), file: path) }
        if let header = sheetOptions.header, header.count > 16_384 { throw XLSXError(.tooManyColumns(header.count), file: path) }
        try finishSheet()
        try beginSheet(Sheet(name: name, baseName: name, part: finished.count + 1, options: sheetOptions))
    }

    /// Appends a row to the current sheet; past the row limit a continuation sheet
    /// ("Name (2)") starts, with the header repeated.
    public func addRow(_ cells: [XLSXCell]) throws(XLSXError) {
        guard sheet != nil else { throw XLSXError(closed ? .writerClosed : .noSheetStarted, file: path) }
        if cells.count > 16_384 { throw XLSXError(.tooManyColumns(cells.count), file: path) }
        if hot.pointee.rows >= options.maxRowsPerSheet { try continueSheet() }
        try writeRow(cells)
    }

    /// `addRow(_:)` for cells whose text is borrowed UTF-8 (`XLSXRawCell`), valid during the
    /// call: rows streamed from a store without a `String` per cell. The same cells give the
    /// same bytes as through `addRow(_:)`.
    public func addRow(raw cells: UnsafeBufferPointer<XLSXRawCell>) throws(XLSXError) {
        guard sheet != nil else { throw XLSXError(closed ? .writerClosed : .noSheetStarted, file: path) }
        if cells.count > 16_384 { throw XLSXError(.tooManyColumns(cells.count), file: path) }
        if hot.pointee.rows >= options.maxRowsPerSheet { try continueSheet() }
        let out = beginRow(columns: cells.count)
        for column in cells.indices {
            switch cells[column] {
            case .cell(let cell):
                try writeCell(cell, column: column, to: out)
            case .text(let bytes, let style):
                if bytes.count > 32_767 {
                    // Possibly past Excel's cell limit: the `String` path measures and truncates.
                    try writeText(String(decoding: bytes, as: UTF8.self), column: column, style: style, to: out)
                } else {
                    writeShortText(bytes, column: column, style: style, to: out)
                }
            }
        }
        try endRow(out)
    }

    /// Finishes the last sheet and writes the workbook parts and the zip directory.
    public func close() throws(XLSXError) {
        guard !closed else { return }
        if sheet == nil && finished.isEmpty { try startSheet("Sheet1") }
        try finishSheet()
        try pipeline.drain()
        pipeline.stop()
        closed = true
        if truncatedCells > 0 {
            logger.warning("cells truncated to 32,767 characters",
                           metadata: ["file.path": "\(path)", "cells.truncated": "\(truncatedCells)"])
        }
        try writeSharedStrings()
        try zip.addEntry("xl/styles.xml", stylesXML())
        try zip.addEntry("xl/workbook.xml", workbookXML())
        try zip.addEntry("xl/_rels/workbook.xml.rels", workbookRelsXML())
        try zip.addEntry("_rels/.rels", Array(XLSXParts.rootRels.utf8))
        try zip.addEntry("[Content_Types].xml", contentTypesXML())
        try zip.finish()
    }

    // MARK: - Sheets

    private func beginSheet(_ new: Sheet) throws(XLSXError) {
        usedNames.insert(new.name.lowercased())
        try pipeline.drain()
        try zip.beginEntry("xl/worksheets/sheet\(new.part).xml")
        sheet = new
        hot.pointee.rows = 0
        hot.pointee.columns = 0
        hot.pointee.recent.startSheet()
        let o = new.options
        let out = buffer
        out.append(XLSXParts.xmlDeclaration)
        out.append("<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">")
        if o.landscapeFitToWidth { out.append("<sheetPr><pageSetUpPr fitToPage=\"1\"/></sheetPr>") }
        out.append("<sheetViews><sheetView workbookViewId=\"0\"")
        if new.part == 1 { out.append(" tabSelected=\"1\"") }
        if o.freezeHeader && o.header != nil {
            out.append("><pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/><selection pane=\"bottomLeft\" activeCell=\"A2\" sqref=\"A2\"/></sheetView></sheetViews>")
        } else {
            out.append("/></sheetViews>")
        }
        out.append("<sheetFormatPr defaultRowHeight=\"15\"/>")
        if o.columnWidths.contains(where: { $0 != nil }) {
            out.append("<cols>")
            for (i, width) in o.columnWidths.enumerated() {
                guard let width else { continue }
                out.append("<col min=\"")
                out.append(decimal: i + 1)
                out.append("\" max=\"")
                out.append(decimal: i + 1)
                out.append("\" width=\"")
                // Widths to 1/1000 of a character, written from integers.
                out.append(micros: Int64((max(0, min(width, 255)) * 1000).rounded()) * 1000)
                out.append("\" customWidth=\"1\"/>")
            }
            out.append("</cols>")
        }
        out.append("<sheetData>")
        if let header = o.header {
            try writeRow(header.map { XLSXCell.text($0, style: .bold) })
        }
    }

    private func continueSheet() throws(XLSXError) {
        guard let current = sheet else { return }
        var n = current.continuation + 1
        var name = XLSXSheetName.continuation(of: current.baseName, n)
        while usedNames.contains(name.lowercased()) {
            n += 1
            name = XLSXSheetName.continuation(of: current.baseName, n)
        }
        logger.info("sheet row limit reached, continuing", metadata: [
            "file.path": "\(path)", "sheet.name": "\(current.name)", "sheet.continuation": "\(name)"])
        try finishSheet()
        var next = Sheet(name: name, baseName: current.baseName, part: finished.count + 1, options: current.options)
        next.continuation = n
        try beginSheet(next)
    }

    private func finishSheet() throws(XLSXError) {
        guard let current = sheet else { return }
        let out = buffer
        out.append("</sheetData>")
        var filter: String?
        let o = current.options
        if o.autoFilter {
            let columns = max(hot.pointee.columns, o.header?.count ?? 0, 1)
            let last = XMLText.columnName(columns - 1)
            let rows = max(hot.pointee.rows, 1)
            out.append("<autoFilter ref=\"A1:")
            out.append(string: last)
            out.append(decimal: rows)
            out.append("\"/>")
            filter = "'\(String(current.name.flatMap { $0 == "'" ? ["'", "'"] : [$0] }))'!$A$1:$\(last)$\(rows)"
        }
        out.append("<pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" bottom=\"0.75\" header=\"0.3\" footer=\"0.3\"/>")
        if o.landscapeFitToWidth { out.append("<pageSetup orientation=\"landscape\" fitToWidth=\"1\" fitToHeight=\"0\"/>") }
        out.append("</worksheet>")
        try flush()
        try pipeline.drain()
        try zip.endEntry()
        finished.append(FinishedSheet(name: current.name, autoFilter: filter))
        sheet = nil
    }

    @inline(__always) private func flush() throws(XLSXError) {
        try pipeline.submit(hot.pointee.buffer)
        hot.pointee.buffer = try pipeline.take()
    }

    // MARK: - Rows and cells

    private func writeRow(_ cells: [XLSXCell]) throws(XLSXError) {
        let out = beginRow(columns: cells.count)
        for (column, cell) in cells.enumerated() {
            try writeCell(cell, column: column, to: out)
        }
        try endRow(out)
    }

    @inline(__always) private func beginRow(columns: Int) -> ByteBuffer {
        let h = hot
        h.pointee.rows += 1
        let rowNumber = h.pointee.rows
        if columns > h.pointee.columns { h.pointee.columns = columns }
        rowDigits.removeAll()
        rowDigits.append(decimal: rowNumber)
        let out = buffer
        out.append("<row r=\"")
        out.append(rowDigits.base, count: rowDigits.count)
        out.append("\">")
        return out
    }

    @inline(__always) private func endRow(_ out: ByteBuffer) throws(XLSXError) {
        out.append("</row>")
        if out.count >= flushSize { try flush() }
    }

    @inline(__always) private func cellStart(_ column: Int, _ style: XLSXStyleID, to out: ByteBuffer) {
        out.append("<c r=\"")
        XMLText.appendColumn(column, to: out)
        out.append(rowDigits.base, count: rowDigits.count)
        if style.index != 0 {
            out.append("\" s=\"")
            out.append(decimal: UInt64(style.index))
        }
        out.append(UInt8(ascii: "\""))
    }

    private func writeCell(_ cell: XLSXCell, column: Int, to out: ByteBuffer) throws(XLSXError) {
        switch cell.value {
        case .empty:
            guard cell.style.index != 0 else { return }
            cellStart(column, cell.style, to: out)
            out.append("/>")
        case .integer(let value):
            cellStart(column, cell.style, to: out)
            out.append("><v>")
            out.append(signed: value)
            out.append("</v></c>")
        case .micros(let value):
            cellStart(column, cell.style, to: out)
            out.append("><v>")
            out.append(micros: value)
            out.append("</v></c>")
        case .numberText(let text):
            cellStart(column, cell.style, to: out)
            out.append("><v>")
            out.append(string: text)
            out.append("</v></c>")
        case .bool(let value):
            cellStart(column, cell.style, to: out)
            out.append(value ? " t=\"b\"><v>1</v></c>" : " t=\"b\"><v>0</v></c>")
        case .serial(let days, let seconds):
            cellStart(column, cell.style, to: out)
            appendSerial(days: days, seconds: seconds, to: out)
        case .text(let text):
            try writeText(text, column: column, style: cell.style, to: out)
        }
    }

    /// `><v>serial</v></c>` of a date or date-time.
    @inline(__always) private func appendSerial(days: Int64, seconds: Int32, to out: ByteBuffer) {
        var days = days
        // Excel counts the phantom 1900-02-29 (serial 60): earlier dates are one less.
        if days < 61 { days -= 1 }
        out.append("><v>")
        out.append(signed: days)
        if seconds > 0 {
            // The fraction of the day to 13 places, from integers (well inside a double's
            // precision for any serial Excel shows, and it reads back to the second).
            var fraction = (Int64(seconds) * 10_000_000_000_000 + 43_200) / 86_400
            var width = 13
            while fraction % 10 == 0 { fraction /= 10; width -= 1 }
            out.append(UInt8(ascii: "."))
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 13) { digits in
                for i in stride(from: width - 1, through: 0, by: -1) {
                    digits[i] = 48 + UInt8(fraction % 10)
                    fraction /= 10
                }
                out.append(digits.baseAddress!, count: width)
            }
        }
        out.append("</v></c>")
    }

    /// A text cell of at most 32,767 bytes (so within Excel's limit): shared when short and
    /// the table has room, inline otherwise.
    private func writeShortText(_ bytes: UnsafeRawBufferPointer, column: Int, style: XLSXStyleID, to out: ByteBuffer) {
        cellStart(column, style, to: out)
        let h = hot
        if bytes.count <= options.sharedStringMaxBytes && !h.pointee.recent.isInline(column) {
            var index = h.pointee.recent.index(of: bytes, column: column)
            var new = false
            if index == nil {
                index = h.pointee.sharedIndex[UTF8Key(borrowing: bytes)]
                if index == nil, h.pointee.sharedStrings.count < options.sharedStringLimit {
                    let owned = [UInt8](bytes)
                    index = h.pointee.sharedStrings.count
                    h.pointee.sharedIndex[UTF8Key(owning: owned)] = index
                    h.pointee.sharedStrings.append(owned)
                    new = true
                }
                if let index { h.pointee.recent.remember(bytes, index: index, column: column) }
            }
            h.pointee.recent.count(column: column, new: new)
            if let index {
                h.pointee.sharedUses += 1
                out.append(" t=\"s\"><v>")
                out.append(decimal: index)
                out.append("</v></c>")
                return
            }
        }
        out.append(" t=\"inlineStr\"><is><t")
        if XMLText.needsPreserve(bytes) { out.append(" xml:space=\"preserve\"") }
        out.append(UInt8(ascii: ">"))
        XMLText.append(bytes.assumingMemoryBound(to: UInt8.self), to: out)
        out.append("</t></is></c>")
    }

    private func writeText(_ original: String, column: Int, style: XLSXStyleID, to out: ByteBuffer) throws(XLSXError) {
        var text = original
        if text.utf8.count > 32_767 {
            let length = text.utf16.count
            if length > 32_767 {
                if options.longText == .refuse {
                    throw XLSXError(.cellTooLong(length: length, limit: 32_767), file: path,
                                    part: "\(sheet!.name)!\(XMLText.columnName(column))\(hot.pointee.rows)")
                }
                text = XLSXSheetName.truncated(text, to: 32_767)
                truncatedCells += 1
                if truncatedCells <= 10 {
                    logger.warning("cell truncated to 32,767 characters", metadata: [
                        "file.path": "\(path)", "sheet.name": "\(sheet!.name)",
                        "cell": "\(XMLText.columnName(column))\(hot.pointee.rows)", "cell.length": "\(length)"])
                }
            }
        }
        text.withUTF8 { writeShortText(UnsafeRawBufferPointer($0), column: column, style: style, to: out) }
    }

    // MARK: - Workbook parts

    private func writeSharedStrings() throws(XLSXError) {
        try zip.beginEntry("xl/sharedStrings.xml")
        let out = ByteBuffer(capacity: 1 << 17)
        out.append(XLSXParts.xmlDeclaration)
        out.append("<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"")
        out.append(decimal: hot.pointee.sharedUses)
        out.append("\" uniqueCount=\"")
        out.append(decimal: hot.pointee.sharedStrings.count)
        out.append("\">")
        for text in hot.pointee.sharedStrings {
            out.append("<si><t")
            text.withUnsafeBytes { bytes in
                if XMLText.needsPreserve(bytes) { out.append(" xml:space=\"preserve\"") }
                out.append(UInt8(ascii: ">"))
                XMLText.append(bytes.assumingMemoryBound(to: UInt8.self), to: out)
            }
            out.append("</t></si>")
            if out.count >= 1 << 16 {
                try zip.write(out.bytes)
                out.removeAll()
            }
        }
        out.append("</sst>")
        try zip.write(out.bytes)
        try zip.endEntry()
    }

    private func stylesXML() -> [UInt8] {
        let out = ByteBuffer()
        out.append(XLSXParts.xmlDeclaration)
        out.append("<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">")
        var customIDs: [String: Int] = [:]
        var customOrder: [String] = []
        for style in styles where style.numberFormat.builtinID == nil {
            let code = style.numberFormat.code
            if customIDs[code] == nil {
                customIDs[code] = 164 + customOrder.count
                customOrder.append(code)
            }
        }
        if !customOrder.isEmpty {
            out.append("<numFmts count=\"")
            out.append(decimal: customOrder.count)
            out.append("\">")
            for code in customOrder {
                out.append("<numFmt numFmtId=\"")
                out.append(decimal: customIDs[code]!)
                out.append("\" formatCode=\"")
                XMLText.appendAttribute(code, to: out)
                out.append("\"/>")
            }
            out.append("</numFmts>")
        }
        out.append("<fonts count=\"2\"><font><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font><font><b/><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font></fonts>")
        out.append("<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill><fill><patternFill patternType=\"gray125\"/></fill></fills>")
        out.append("<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>")
        out.append("<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>")
        out.append("<cellXfs count=\"")
        out.append(decimal: styles.count)
        out.append("\">")
        for style in styles {
            let formatID = style.numberFormat.builtinID ?? customIDs[style.numberFormat.code]!
            out.append("<xf numFmtId=\"")
            out.append(decimal: formatID)
            out.append(style.bold ? "\" fontId=\"1\"" : "\" fontId=\"0\"")
            out.append(" fillId=\"0\" borderId=\"0\" xfId=\"0\"")
            if formatID != 0 { out.append(" applyNumberFormat=\"1\"") }
            if style.bold { out.append(" applyFont=\"1\"") }
            out.append("/>")
        }
        out.append("</cellXfs><cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles></styleSheet>")
        return out.array
    }

    private func workbookXML() -> [UInt8] {
        let out = ByteBuffer()
        out.append(XLSXParts.xmlDeclaration)
        out.append("<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><workbookPr/><bookViews><workbookView activeTab=\"0\"/></bookViews><sheets>")
        for (i, sheet) in finished.enumerated() {
            out.append("<sheet name=\"")
            XMLText.appendAttribute(sheet.name, to: out)
            out.append("\" sheetId=\"")
            out.append(decimal: i + 1)
            out.append("\" r:id=\"rId")
            out.append(decimal: i + 1)
            out.append("\"/>")
        }
        out.append("</sheets>")
        let filters = finished.enumerated().filter { $0.element.autoFilter != nil }
        if !filters.isEmpty {
            out.append("<definedNames>")
            for (i, sheet) in filters {
                out.append("<definedName name=\"_xlnm._FilterDatabase\" localSheetId=\"")
                out.append(decimal: i)
                out.append("\" hidden=\"1\">")
                XMLText.append(sheet.autoFilter!, to: out)
                out.append("</definedName>")
            }
            out.append("</definedNames>")
        }
        out.append("</workbook>")
        return out.array
    }

    private func workbookRelsXML() -> [UInt8] {
        let out = ByteBuffer()
        out.append(XLSXParts.xmlDeclaration)
        out.append("<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">")
        for i in 1...finished.count {
            out.append("<Relationship Id=\"rId")
            out.append(decimal: i)
            out.append("\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet")
            out.append(decimal: i)
            out.append(".xml\"/>")
        }
        out.append("<Relationship Id=\"rId")
        out.append(decimal: finished.count + 1)
        out.append("\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>")
        out.append("<Relationship Id=\"rId")
        out.append(decimal: finished.count + 2)
        out.append("\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" Target=\"sharedStrings.xml\"/>")
        out.append("</Relationships>")
        return out.array
    }

    private func contentTypesXML() -> [UInt8] {
        let out = ByteBuffer()
        out.append(XLSXParts.xmlDeclaration)
        out.append("<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>")
        for i in 1...finished.count {
            out.append("<Override PartName=\"/xl/worksheets/sheet")
            out.append(decimal: i)
            out.append(".xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>")
        }
        out.append("<Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/><Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/></Types>")
        return out.array
    }
}

enum XLSXParts {
    static let xmlDeclaration: StaticString = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    static let rootRels = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"
}

/// A String keyed by its UTF-8 bytes: hashing the bytes skips the Unicode normalization that
/// String's own hashing does (a measured cost with Korean text), and two spellings of the same
/// text stay two entries, each written back byte for byte.
/// Per column, the last few short shared strings and their indexes: consecutive rows repeat
/// channels, statuses and vendors, found here by comparing bytes instead of hashing them.
/// Fixed slots in raw memory (no reference counting per cell).
///
/// It also counts, per column of the current sheet, how many text cells were new strings: a
/// column whose first `probe` text cells are nearly all new (ids, which never repeat) is written
/// inline for the rest of the sheet instead of filling the table and its index.
struct RecentSharedStrings {
    static let columns = 64, slots = 4, width = 32
    static let probe: Int32 = 4096, newAtLeast: Int32 = 3891  // 95%
    private let bytes: UnsafeMutablePointer<UInt8>
    private let lengths: UnsafeMutablePointer<Int32>
    private let indexes: UnsafeMutablePointer<Int>
    private let next: UnsafeMutablePointer<UInt8>
    /// Per column: text cells seen in this sheet (up to `probe`), new strings among them, and
    /// whether the column is now written inline.
    private let seen: UnsafeMutablePointer<Int32>
    private let added: UnsafeMutablePointer<Int32>
    private let inline: UnsafeMutablePointer<Bool>

    init() {
        let count = Self.columns * Self.slots
        bytes = .allocate(capacity: count * Self.width)
        bytes.initialize(repeating: 0, count: count * Self.width)
        lengths = .allocate(capacity: count)
        lengths.initialize(repeating: -1, count: count)
        indexes = .allocate(capacity: count)
        indexes.initialize(repeating: 0, count: count)
        next = .allocate(capacity: Self.columns)
        next.initialize(repeating: 0, count: Self.columns)
        seen = .allocate(capacity: Self.columns)
        seen.initialize(repeating: 0, count: Self.columns)
        added = .allocate(capacity: Self.columns)
        added.initialize(repeating: 0, count: Self.columns)
        inline = .allocate(capacity: Self.columns)
        inline.initialize(repeating: false, count: Self.columns)
    }

    func deallocate() {
        bytes.deallocate()
        lengths.deallocate()
        indexes.deallocate()
        next.deallocate()
        seen.deallocate()
        added.deallocate()
        inline.deallocate()
    }

    func startSheet() {
        seen.update(repeating: 0, count: Self.columns)
        added.update(repeating: 0, count: Self.columns)
        inline.update(repeating: false, count: Self.columns)
    }

    @inline(__always) func isInline(_ column: Int) -> Bool { column < Self.columns && inline[column] }

    @inline(__always) func count(column: Int, new: Bool) {
        guard column < Self.columns, seen[column] < Self.probe else { return }
        seen[column] += 1
        if new { added[column] += 1 }
        if seen[column] == Self.probe && added[column] >= Self.newAtLeast { inline[column] = true }
    }

    @inline(__always) func index(of text: UnsafeRawBufferPointer, column: Int) -> Int? {
        guard column < Self.columns, text.count <= Self.width else { return nil }
        let first = column * Self.slots
        for slot in first..<first + Self.slots where Int(lengths[slot]) == text.count {
            if text.count == 0 || memcmp(bytes + slot * Self.width, text.baseAddress!, text.count) == 0 { return indexes[slot] }
        }
        return nil
    }

    @inline(__always) func remember(_ text: UnsafeRawBufferPointer, index: Int, column: Int) {
        guard column < Self.columns, text.count <= Self.width else { return }
        let slot = column * Self.slots + Int(next[column])
        next[column] = UInt8((Int(next[column]) + 1) % Self.slots)
        if text.count > 0 { (bytes + slot * Self.width).update(from: text.baseAddress!.assumingMemoryBound(to: UInt8.self), count: text.count) }
        lengths[slot] = Int32(text.count)
        indexes[slot] = index
    }
}

/// A shared string's bytes as a dictionary key: stored keys own their bytes; a lookup key
/// borrows the caller's (no copy per cell), valid during the lookup only.
struct UTF8Key: Hashable {
    private let owned: [UInt8]?
    private let borrowed: UnsafeRawBufferPointer

    init(owning bytes: [UInt8]) {
        owned = bytes
        borrowed = UnsafeRawBufferPointer(start: nil, count: 0)
    }

    init(borrowing bytes: UnsafeRawBufferPointer) {
        owned = nil
        borrowed = bytes
    }

    @inline(__always) private func withBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        if let owned { return owned.withUnsafeBytes(body) }
        return body(borrowed)
    }

    func hash(into hasher: inout Hasher) {
        withBytes { hasher.combine(bytes: $0) }
    }

    static func == (lhs: UTF8Key, rhs: UTF8Key) -> Bool {
        lhs.withBytes { a in
            rhs.withBytes { b in
                a.count == b.count && (a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
            }
        }
    }
}
