import Foundation
import LedgerCore
import LedgerStore
import LedgerXLSX

extension VendorProfile {
    /// The reader for this profile, as the ingest path takes it.
    public var recordFormat: RecordFormat {
        let profile = self
        return RecordFormat(name: "\(name) (\(format.name))", vendor: vendor) { source, context in
            ProfileRecordSource(profile: profile, source: source, context: context)
        }
    }
}

/// Reads a file through a vendor profile: detail rows become canonical records (`.record`),
/// summary rows `VendorSummaryRow`s (`.summary`; they are not delivery records).
public final class ProfileRecordSource: RecordSource {
    public let profile: VendorProfile
    private let source: ByteSource
    private let context: FileContext
    private var lineReader: CSVReader?
    private var consumed: Int64 = 0

    public init(profile: VendorProfile, source: ByteSource, context: FileContext) {
        self.profile = profile
        self.source = source
        self.context = context
    }

    public var bytesRead: Int64 { lineReader?.bytesRead ?? consumed }

    public func read(_ emit: (RowResult) throws -> Void) throws {
        let mapper = ProfileRowMapper(profile: profile, context: context)
        let names = profile.inputNames
        func handle(_ row: ProfileRow) throws {
            switch profile.kind {
            case .detail:
                try mapper.mapDetail(row, emit)
            case .summary:
                do {
                    try emit(.summary(try mapper.mapSummary(row)))
                } catch let failure as ProfileRowMapper.Reject {
                    try emit(.rejected(failure.error))
                }
            }
        }
        switch profile.format {
        case .csv(let options):
            try readCSV(options, names: names, handle, emit)
        case .xlsx(let options):
            try readXLSX(options, names: names, handle)
        case .json(let path):
            try readJSON(path, names: names, handle, emit)
        case .jsonl:
            try readJSONL(names: names, handle, emit)
        case .lines(let pattern):
            try readLines(pattern, names: names, handle, emit)
        }
    }

    private func fileError(_ row: Int, _ field: String, _ value: String, _ reason: IngestError.Reason) -> IngestError {
        IngestError(file: context.path, row: row, field: field, value: value, reason: reason)
    }

    /// Header names to slot columns; a missing column refuses the file.
    private func columns(header: [String], names: [String], row: Int) throws -> [Int] {
        var positions: [String: Int] = [:]
        for (index, name) in header.enumerated() where positions[name] == nil { positions[name] = index }
        return try names.map { name in
            guard let index = positions[name] else { throw fileError(row, name, name, .missingColumn) }
            return index
        }
    }

    private static func clean(_ header: String) -> String {
        var text = header
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: CSV

    private func readCSV(_ options: VendorProfile.CSVOptions, names: [String], _ handle: (ProfileRow) throws -> Void,
                         _ emit: (RowResult) throws -> Void) throws {
        var bytes = source
        if let encoding = options.encoding {
            bytes = try TranscodingByteSource(source, encoding: encoding, path: context.path)
        }
        let reader = CSVReader(source: bytes, delimiter: options.delimiter, quote: options.quote)
        lineReader = reader
        var slots: [Int]?
        var headerCount = 0
        try reader.forEachRow { row in
            guard let slots else {
                guard row.line >= options.headerRow else { return }
                let header = (0..<row.count).map { Self.clean(row.string($0)) }
                slots = try columns(header: header, names: names, row: row.line)
                headerCount = row.count
                return
            }
            // Spreadsheet exports pad or trim trailing empty cells: a short or long row is
            // fine as long as every column the profile reads is there or empty.
            let count = row.count
            if count > headerCount {
                for extra in headerCount..<count where row[extra].trimmed.count > 0 {
                    try emit(.rejected(self.fileError(row.line, "(row)", "\(count) fields", .wrongFieldCount(expected: headerCount, found: count))))
                    return
                }
            }
            try handle(ProfileRow(line: row.line, value: { slot in
                let column = slots[slot]
                return column < count ? row[column] : nil
            }))
        }
        if slots == nil { throw fileError(options.headerRow, "(header)", "", .unreadable("no header row at line \(options.headerRow)")) }
    }

    // MARK: XLSX

    private func readXLSX(_ options: VendorProfile.XLSXOptions, names: [String], _ handle: (ProfileRow) throws -> Void) throws {
        // The XLSX reader reads the file itself (a zip needs random access): a gzip-compressed
        // workbook is inflated to a temporary file first.
        var path = context.path
        var inflated: String?
        defer { if let inflated { try? FileManager.default.removeItem(atPath: inflated) } }
        if try Self.isGzip(path) {
            let target = FileManager.default.temporaryDirectory.appendingPathComponent("sendledger-\(UUID().uuidString).xlsx").path
            inflated = target
            try Self.inflate(path, to: target)
            path = target
        }
        let reader = try XLSXReader(path: path)
        let selector: XLSXSheetSelector = options.sheetName.map { .name($0) } ?? .index(options.sheetIndex)
        let cursor = try reader.rows(sheet: selector)
        let date1904 = reader.date1904
        var slots: [Int]?
        var arena: [UInt8] = []
        var ranges: [Range<Int>?] = Array(repeating: nil, count: names.count)
        var dates: [Bool] = Array(repeating: false, count: names.count)
        while let row = try cursor.next() {
            guard let columns = slots else {
                guard row.number >= options.headerRow else { continue }
                let header = row.cells.map { Self.clean($0.text(date1904: date1904)) }
                slots = try self.columns(header: header, names: names, row: row.number)
                continue
            }
            if row.cells.allSatisfy({ $0.isEmpty }) { continue }
            arena.removeAll(keepingCapacity: true)
            for (slot, column) in columns.enumerated() {
                let cell = row[column]
                let text: String
                dates[slot] = false
                switch cell {
                case .empty: ranges[slot] = nil; continue
                case .date(let serial): text = serial; dates[slot] = true
                default: text = cell.text(date1904: date1904)
                }
                let start = arena.count
                arena.append(contentsOf: text.utf8)
                ranges[slot] = start..<arena.count
            }
            try arena.withUnsafeBufferPointer { base in
                try handle(ProfileRow(line: row.number, value: { slot in ranges[slot].map { UnsafeBufferPointer(rebasing: base[$0]) } },
                                      isDateCell: { dates[$0] }))
            }
        }
        if slots == nil { throw fileError(options.headerRow, "(header)", "", .unreadable("no header row at row \(options.headerRow)")) }
    }

    static func isGzip(_ path: String) throws -> Bool {
        let file = try FileByteSource(path: path)
        var magic = [UInt8](repeating: 0, count: 2)
        let count = try magic.withUnsafeMutableBytes { try file.read(into: $0) }
        return count == 2 && magic[0] == 0x1f && magic[1] == 0x8b
    }

    static func inflate(_ path: String, to target: String) throws {
        // A workbook is zip-compressed already: gzip barely shrinks it (about 1:1). So the
        // inflated size is held to 64x the file (at least 64 MiB, at most 4 GiB): a gzip bomb
        // posing as a workbook stops before it fills the disk.
        let compressed = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64) ?? 0
        let limit = min(Int64(4) << 30, max(Int64(64) << 20, compressed.multipliedReportingOverflow(by: 64).partialValue))
        let source = try ByteSources.open(path: path, gzipLimit: limit)
        guard FileManager.default.createFile(atPath: target, contents: nil, attributes: [.posixPermissions: 0o600]),
              let out = FileHandle(forWritingAtPath: target) else {
            throw IngestError(file: path, row: 0, field: "(file)", value: target, reason: .unreadable("cannot write a temporary file"))
        }
        defer { try? out.close() }
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 1)
        defer { chunk.deallocate() }
        while true {
            let n = try source.read(into: chunk)
            if n == 0 { break }
            try out.write(contentsOf: Data(UnsafeRawBufferPointer(rebasing: chunk[0..<n])))
        }
    }

    // MARK: JSON and JSONL

    /// A JSON value as the text a cell would hold; nil for null, objects and arrays.
    static func scalarText(_ value: Any?) -> String? {
        switch value {
        case nil, is NSNull: return nil
        case let text as String: return text
        case let number as NSNumber:
            let type = String(cString: number.objCType)
            if type == "c" || type == "B" { return number.boolValue ? "true" : "false" }
            if type == "d" || type == "f" {
                let decimal = number.decimalValue
                return "\(decimal)"
            }
            return number.stringValue
        default: return nil
        }
    }

    static func lookup(_ object: Any, path: [Substring]) -> Any? {
        var current: Any? = object
        for key in path {
            guard let dictionary = current as? [String: Any] else { return nil }
            current = dictionary[String(key)]
        }
        return current
    }

    private func handleObject(_ object: Any, line: Int, paths: [[Substring]], _ handle: (ProfileRow) throws -> Void) throws {
        let values: [[UInt8]?] = paths.map { path in Self.scalarText(Self.lookup(object, path: path)).map { Array($0.utf8) } }
        try values.withFieldPointers { pointers in
            try handle(ProfileRow(line: line, value: { pointers[$0] }))
        }
    }

    private func readAll() throws -> Data {
        var data = Data()
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 1)
        defer { chunk.deallocate() }
        while true {
            let n = try source.read(into: chunk)
            if n == 0 { break }
            data.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[0..<n]))
        }
        consumed = Int64(data.count)
        return data
    }

    /// A JSON document is parsed whole (the records array is one value); JSONL streams.
    private func readJSON(_ recordsPath: [String], names: [String], _ handle: (ProfileRow) throws -> Void,
                          _ emit: (RowResult) throws -> Void) throws {
        let data = try readAll()
        let document: Any
        do {
            document = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw fileError(1, "(document)", "", .unreadable("not JSON: \(error.localizedDescription)"))
        }
        let location = recordsPath.joined(separator: ".")
        guard let records = Self.lookup(document, path: recordsPath.map { Substring($0) }) as? [Any] else {
            throw fileError(1, location.isEmpty ? "(document)" : location, "", .unreadable("no array of records at \"\(location)\""))
        }
        let paths = names.map { $0.split(separator: ".") }
        for (index, record) in records.enumerated() {
            guard record is [String: Any] else {
                try emit(.rejected(fileError(index + 1, "(record)", "\(record)", .unreadable("not a JSON object"))))
                continue
            }
            try handleObject(record, line: index + 1, paths: paths, handle)
        }
    }

    private func readJSONL(names: [String], _ handle: (ProfileRow) throws -> Void, _ emit: (RowResult) throws -> Void) throws {
        // Lines, not CSV: a delimiter and quote that never occur in UTF-8 text.
        let reader = CSVReader(source: source, delimiter: 0xFF, quote: 0xFE)
        lineReader = reader
        let paths = names.map { $0.split(separator: ".") }
        try reader.forEachRow { row in
            let line = Data(buffer: row[0])
            // Say so when the bytes are not UTF-8 (a file saved as CP949), not just "not JSON".
            guard String(validating: row[0], as: UTF8.self) != nil else {
                try emit(.rejected(fileError(row.line, "(line)", String(decoding: line.prefix(80), as: UTF8.self), .invalidUTF8)))
                return
            }
            guard let object = try? JSONSerialization.jsonObject(with: line), object is [String: Any] else {
                try emit(.rejected(fileError(row.line, "(line)", String(decoding: line.prefix(80), as: UTF8.self), .unreadable("not a JSON object"))))
                return
            }
            try handleObject(object, line: row.line, paths: paths, handle)
        }
    }

    // MARK: Lines

    private func readLines(_ pattern: String, names: [String], _ handle: (ProfileRow) throws -> Void,
                           _ emit: (RowResult) throws -> Void) throws {
        let regex = try NSRegularExpression(pattern: pattern)
        let reader = CSVReader(source: source, delimiter: 0xFF, quote: 0xFE)
        lineReader = reader
        try reader.forEachRow { row in
            guard let text = String(validating: row[0], as: UTF8.self) else {
                try emit(.rejected(fileError(row.line, "(line)", String(decoding: row[0].prefix(80), as: UTF8.self), .invalidUTF8)))
                return
            }
            guard let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) else {
                try emit(.rejected(fileError(row.line, "(line)", String(text.prefix(80)), .unreadable("does not match the profile's pattern"))))
                return
            }
            let values: [[UInt8]?] = names.map { name in
                let range = match.range(withName: name)
                guard range.location != NSNotFound, let r = Range(range, in: text) else { return nil }
                return Array(text[r].utf8)
            }
            try values.withFieldPointers { pointers in
                try handle(ProfileRow(line: row.line, value: { pointers[$0] }))
            }
        }
    }
}

extension Array where Element == [UInt8]? {
    /// Calls `body` with a pointer per element, valid during the call (one contiguous arena).
    func withFieldPointers<R>(_ body: ([UnsafeBufferPointer<UInt8>?]) throws -> R) rethrows -> R {
        var arena: [UInt8] = []
        var ranges: [Range<Int>?] = []
        for element in self {
            if let element {
                ranges.append(arena.count..<(arena.count + element.count))
                arena.append(contentsOf: element)
            } else {
                ranges.append(nil)
            }
        }
        return try arena.withUnsafeBufferPointer { base in
            try body(ranges.map { range in range.map { UnsafeBufferPointer(rebasing: base[$0]) } })
        }
    }
}
