import Logging

/// Reads an XLSX workbook in bounded memory: the zip directory and the small parts (workbook,
/// relationships, styles, shared strings) up front, then one sheet at a time as a stream of
/// rows through libxml2's `xmlTextReader`.
///
///     let reader = try XLSXReader(path: "vendor.xlsx")
///     let rows = try reader.rows(sheet: .name("Details"))
///     while let row = try rows.next() { ... row.cells ... }
public final class XLSXReader {
    public let path: String
    public let limits: XLSXLimits
    /// The workbook's sheets in order.
    public private(set) var sheets: [XLSXSheetInfo] = []
    /// Whether date serials count from 1904-01-01 (old Mac Excel) rather than 1899-12-30.
    public private(set) var date1904 = false

    let archive: ZipArchive
    let logger: Logger
    private var sharedStringsPart: String?
    private var stylesPart: String?
    private var arena: SharedStringArena?
    private(set) var dateStyles: [Bool] = []

    public init(path: String, limits: XLSXLimits = .default,
                logger: Logger = Logger(label: "sendledger.xlsx")) throws(XLSXError) {
        self.path = path
        self.limits = limits
        self.logger = logger
        archive = try ZipArchive(path: path, limits: limits)
        try readWorkbook()
    }

    /// The sheet a selector names.
    public func sheet(_ selector: XLSXSheetSelector) throws(XLSXError) -> XLSXSheetInfo {
        switch selector {
        case .index(let i):
            guard sheets.indices.contains(i) else { throw XLSXError(.noSuchSheet("#\(i)"), file: path) }
            return sheets[i]
        case .name(let name):
            if let sheet = sheets.first(where: { $0.name == name }) ?? sheets.first(where: { $0.name.lowercased() == name.lowercased() }) {
                return sheet
            }
            throw XLSXError(.noSuchSheet(name), file: path)
        }
    }

    /// A cursor over the rows of one sheet, streamed.
    public func rows(sheet selector: XLSXSheetSelector = .index(0)) throws(XLSXError) -> XLSXRowCursor {
        let info = try sheet(selector)
        let strings = try sharedStrings()
        return try XLSXRowCursor(feeder: try feeder(info.part), strings: strings, dateStyles: dateStyles,
                                 maxDepth: limits.maxXMLDepth)
    }

    /// Calls `body` with each row of one sheet, in order.
    public func forEachRow(sheet selector: XLSXSheetSelector = .index(0),
                           _ body: (XLSXRow) throws -> Void) throws {
        let cursor = try rows(sheet: selector)
        while let row = try cursor.next() { try body(row) }
    }

    // MARK: - Parts

    private func part(_ name: String) throws(XLSXError) -> XMLStream {
        guard let entry = archive.entry(named: name) else { throw XLSXError(.missingPart(name), file: path) }
        return try XMLStream(try archive.openEntry(entry), limits: limits, file: path)
    }

    private struct Relationship { var id: String, type: String, target: String }

    private func relationships(of partName: String) throws(XLSXError) -> [Relationship] {
        let directory = partName.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let file = partName.split(separator: "/").last.map(String.init) ?? partName
        let relsName = (directory.isEmpty ? "" : directory + "/") + "_rels/" + file + ".rels"
        guard archive.entry(named: relsName) != nil else { return [] }
        let xml = try part(relsName)
        var result: [Relationship] = []
        while try xml.read() {
            guard xml.nodeType == .element, xml.name == "Relationship" else { continue }
            let a = xml.attributes()
            if a["TargetMode"] == "External" { continue }
            guard let id = a["Id"], let type = a["Type"], let target = a["Target"] else { continue }
            result.append(Relationship(id: id, type: type, target: Self.resolve(target, from: directory)))
        }
        return result
    }

    /// A relationship target as a part name: relative to the source's folder, or absolute.
    static func resolve(_ target: String, from directory: String) -> String {
        var parts: [Substring] = target.hasPrefix("/") ? [] : directory.split(separator: "/")
        for piece in target.split(separator: "/") {
            if piece == ".." { if !parts.isEmpty { parts.removeLast() } } else if piece != "." { parts.append(piece) }
        }
        return parts.joined(separator: "/")
    }

    private func readWorkbook() throws(XLSXError) {
        let root = try relationships(of: "")
        let workbookPart = root.first { $0.type.hasSuffix("/officeDocument") }?.target ?? "xl/workbook.xml"
        guard archive.entry(named: workbookPart) != nil else { throw XLSXError(.missingPart(workbookPart), file: path) }
        let rels = try relationships(of: workbookPart)
        var targets: [String: String] = [:]
        for rel in rels {
            targets[rel.id] = rel.target
            if rel.type.hasSuffix("/sharedStrings") { sharedStringsPart = rel.target }
            if rel.type.hasSuffix("/styles") { stylesPart = rel.target }
        }
        let xml = try part(workbookPart)
        while try xml.read() {
            guard xml.nodeType == .element else { continue }
            switch xml.name {
            case "workbookPr":
                let value = xml.attributes()["date1904"]
                date1904 = value == "1" || value == "true"
            case "sheet":
                let a = xml.attributes()
                guard let name = a["name"] else { continue }
                let target = a["id"].flatMap { targets[$0] } ?? "xl/worksheets/sheet\(sheets.count + 1).xml"
                let visibility = XLSXSheetInfo.Visibility(rawValue: a["state"] ?? "visible") ?? .visible
                sheets.append(XLSXSheetInfo(name: name, index: sheets.count, visibility: visibility, part: target))
            default: break
            }
        }
        try readStyles()
    }

    private func readStyles() throws(XLSXError) {
        guard let stylesPart, archive.entry(named: stylesPart) != nil else { return }
        let xml = try part(stylesPart)
        var customFormats: [Int: String] = [:]
        var inCellXfs = false
        while try xml.read() {
            switch xml.nodeType {
            case .element:
                switch xml.name {
                case "numFmt":
                    let a = xml.attributes()
                    if let id = a["numFmtId"].flatMap({ Int($0) }), let code = a["formatCode"] { customFormats[id] = code }
                case "cellXfs":
                    inCellXfs = !xml.isEmptyElement
                case "xf" where inCellXfs:
                    let id = xml.attributes()["numFmtId"].flatMap { Int($0) } ?? 0
                    if let code = customFormats[id] {
                        dateStyles.append(XLSXNumberFormats.isDate(code: code))
                    } else {
                        dateStyles.append(XLSXNumberFormats.isDate(builtinID: id))
                    }
                default: break
                }
            case .endElement:
                if xml.name == "cellXfs" { inCellXfs = false }
            default: break
            }
        }
    }

    private func sharedStrings() throws(XLSXError) -> SharedStringArena {
        if let arena { return arena }
        let arena = SharedStringArena()
        self.arena = arena
        guard let name = sharedStringsPart, archive.entry(named: name) != nil else {
            arena.finish()
            return arena
        }
        try SharedStringsParser(feeder: try feeder(name), arena: arena, limits: limits).parse()
        return arena
    }

    private func feeder(_ name: String) throws(XLSXError) -> SAXFeeder {
        guard let entry = archive.entry(named: name) else { throw XLSXError(.missingPart(name), file: path) }
        return SAXFeeder(try archive.openEntry(entry), file: path)
    }
}

@inline(__always) func strlen8(_ p: UnsafePointer<UInt8>) -> Int {
    var n = 0
    while p[n] != 0 { n += 1 }
    return n
}
