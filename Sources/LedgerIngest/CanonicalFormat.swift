import Foundation
import LedgerCore
import LedgerStore

/// The canonical record as a file: CSV with these columns (any order; a header row), or
/// JSONL with these keys. How an upstream system can feed the ledger directly.
public enum CanonicalFormat {
    public static let columns = [
        "vendor", "account", "message_id", "batch_id", "sent_at", "completed_at", "channel", "status",
        "refundable", "reason_code", "reason_text", "units", "category", "sender", "recipient",
        "fallback_of", "vendor_cost",
    ]
    public static let required: Set<String> = ["vendor", "account", "message_id", "sent_at", "channel", "status"]

    /// Usage instants outside this span are a mistake (a unit slip, a default 1900 date).
    static let earliest = Instant(date: LocalDate(year: 2000, month: 1, day: 1)!)
    static let latest = Instant(date: LocalDate(year: 2100, month: 1, day: 1)!)
}

/// Builds a record from canonical field values, field by field, naming the first bad one.
struct CanonicalRowMapper {
    let context: FileContext
    private var vendorText = RepeatedText(), accountText = RepeatedText(), channelText = RepeatedText()
    private var statusText = RepeatedText(), categoryText = RepeatedText(), senderText = RepeatedText()
    private var reasonCodeText = RepeatedText(), reasonText = RepeatedText(), batchText = RepeatedText()
    var channels = ByteMemo<Channel>(), statuses = ByteMemo<DeliveryStatus>()

    init(context: FileContext) { self.context = context }

    /// `field(name)` gives the raw bytes of a column (nil when the file has no such column).
    mutating func map(row: Int, field: (Int) -> UnsafeBufferPointer<UInt8>?) -> RowResult {
        func fail(_ index: Int, _ reason: IngestError.Reason) -> RowResult {
            let raw = field(index).map { String(decoding: $0, as: UTF8.self) } ?? ""
            return .rejected(IngestError(file: context.path, row: row, field: CanonicalFormat.columns[index], value: raw, reason: reason))
        }
        func text(_ index: Int, _ cache: inout RepeatedText, required: Bool = false) -> (String?, IngestError.Reason?) {
            guard let bytes = field(index)?.trimmed, bytes.count > 0 else { return (nil, required ? .missing : nil) }
            guard let value = cache.string(bytes) else { return (nil, .invalidUTF8) }
            return (value, nil)
        }
        func plain(_ index: Int) -> (String?, IngestError.Reason?) {
            guard let bytes = field(index)?.trimmed, bytes.count > 0 else { return (nil, nil) }
            guard let value = String(validating: bytes, as: UTF8.self) else { return (nil, .invalidUTF8) }
            return (value, nil)
        }

        let (vendor, e0) = text(0, &vendorText, required: true)
        if let e0 { return fail(0, e0) }
        var (account, e1) = text(1, &accountText, required: context.accountFromFolder == nil)
        if let e1 { return fail(1, e1) }
        if account == nil { account = context.accountFromFolder }
        let (messageID, e2) = plain(2)
        if let e2 { return fail(2, e2) }
        guard let messageID else { return fail(2, .missing) }
        let (batchID, e3) = text(3, &batchText)
        if let e3 { return fail(3, e3) }

        guard let sentBytes = field(4)?.trimmed, sentBytes.count > 0 else { return fail(4, .missing) }
        guard let sentAt = Instant.parseISO8601(sentBytes) else { return fail(4, .badTime(format: "ISO 8601 with offset")) }
        guard sentAt >= CanonicalFormat.earliest, sentAt < CanonicalFormat.latest else { return fail(4, .outOfRange("before 2000 or after 2100")) }
        var completedAt: Instant?
        if let bytes = field(5)?.trimmed, bytes.count > 0 {
            guard let instant = Instant.parseISO8601(bytes) else { return fail(5, .badTime(format: "ISO 8601 with offset")) }
            completedAt = instant
        }

        // Channels and statuses take a handful of values: found again by their bytes.
        func known<Value>(_ index: Int, _ memo: inout ByteMemo<Value>, _ cache: inout RepeatedText,
                          _ parse: (String) -> Value?, _ unknown: IngestError.Reason) -> (Value?, IngestError.Reason?) {
            if let bytes = field(index)?.trimmed, let value = memo[bytes] { return (value, nil) }
            let (name, error) = text(index, &cache, required: true)
            if let error { return (nil, error) }
            guard let value = parse(name!) else { return (nil, unknown) }
            memo.remember(field(index)!.trimmed, value)
            return (value, nil)
        }
        let (channel, e6) = known(6, &channels, &channelText, { Channel($0) }, .unknownChannel)
        if let e6 { return fail(6, e6) }
        let (status, e7) = known(7, &statuses, &statusText, { DeliveryStatus(canonical: $0) }, .unknownStatus)
        if let e7 { return fail(7, e7) }

        var refundable = false
        if let bytes = field(8)?.trimmed, bytes.count > 0 {
            guard let flag = Self.boolean(bytes) else { return fail(8, .badBoolean) }
            refundable = flag
        }

        let (reasonCode, e9) = text(9, &reasonCodeText)
        if let e9 { return fail(9, e9) }
        let (reasonTextValue, e10) = text(10, &reasonText)
        if let e10 { return fail(10, e10) }

        var units: Int64 = 1
        if let bytes = field(11)?.trimmed, bytes.count > 0 {
            guard let value = bytes.integer else { return fail(11, .badNumber) }
            guard value >= 0 else { return fail(11, .negative) }
            units = value
        }

        let (category, e12) = text(12, &categoryText)
        if let e12 { return fail(12, e12) }
        let (sender, e13) = text(13, &senderText)
        if let e13 { return fail(13, e13) }
        var recipient: String?
        var recipientHash: String?
        if let bytes = field(14)?.trimmed, bytes.count > 0 {
            guard String(validating: bytes, as: UTF8.self) != nil else { return fail(14, .invalidUTF8) }
            let protected = context.privacy.protect(utf8: bytes)
            recipient = protected.shown
            recipientHash = protected.hash
        }
        let (fallbackOf, e15) = plain(15)
        if let e15 { return fail(15, e15) }

        var vendorCost: Money?
        if let bytes = field(16)?.trimmed, bytes.count > 0 {
            do {
                let cost = try Money(parsingUTF8: bytes)
                guard cost.micros >= 0 else { return fail(16, .negative) }
                vendorCost = cost
            } catch {
                return fail(16, .badMoney(error.description))
            }
        }

        return .record(DeliveryRecord(
            vendor: vendor!, account: account!, messageID: messageID, batchID: batchID, sentAt: sentAt,
            completedAt: completedAt, channel: channel!, status: status!, refundable: refundable,
            reasonCode: reasonCode, reasonText: reasonTextValue, units: units, category: category, sender: sender,
            recipient: recipient, recipientHash: recipientHash, fallbackOf: fallbackOf, vendorCost: vendorCost,
            source: .init(fileSHA256: context.sha256, row: row)))
    }
}

extension CanonicalRowMapper {
    /// true, false, t, f, yes, no, y, n, 1, 0 in any case; nil for anything else.
    static func boolean(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool? {
        guard bytes.count <= 5 else { return nil }
        var word: UInt64 = 0
        for byte in bytes {
            let lower = byte >= 65 && byte <= 90 ? byte + 32 : byte
            word = word << 8 | UInt64(lower)
        }
        switch word {
        case Self.packed("true"), Self.packed("t"), Self.packed("yes"), Self.packed("y"), Self.packed("1"): return true
        case Self.packed("false"), Self.packed("f"), Self.packed("no"), Self.packed("n"), Self.packed("0"): return false
        default: return nil
        }
    }

    private static func packed(_ word: StaticString) -> UInt64 {
        var value: UInt64 = 0
        for index in 0..<word.utf8CodeUnitCount { value = value << 8 | UInt64(word.utf8Start[index]) }
        return value
    }
}

/// Values looked up by a field's bytes among a few spellings (channels and statuses seen so
/// far, a vendor profile's value table), the last one hit tried first: no `String` and no
/// hashing per row.
struct ByteMemo<Value> {
    private var keys: [[UInt8]] = []
    private var values: [Value] = []
    private var last = 0
    /// Past this many spellings, new ones are not remembered (they are parsed every time).
    private let capacity: Int

    init(capacity: Int = 32) { self.capacity = capacity }

    /// A fixed table: its entries, the first of equal keys winning.
    init(entries: [([UInt8], Value)]) {
        capacity = entries.count
        for (key, value) in entries { remember(key, value) }
        last = 0
    }

    subscript(bytes: UnsafeBufferPointer<UInt8>) -> Value? {
        mutating get {
            if last < keys.count, keys[last].hasSameBytes(as: bytes) { return values[last] }
            for index in keys.indices where keys[index].hasSameBytes(as: bytes) {
                last = index
                return values[index]
            }
            return nil
        }
    }

    mutating func remember(_ bytes: UnsafeBufferPointer<UInt8>, _ value: Value) {
        remember(Array(bytes), value)
    }

    private mutating func remember(_ key: [UInt8], _ value: Value) {
        guard keys.count < capacity else { return }
        keys.append(key)
        values.append(value)
        last = keys.count - 1
    }
}

/// Canonical CSV: a header row naming canonical columns, then one row per record.
public final class CanonicalCSVSource: RecordSource, DirectRowSource {
    private let reader: CSVReader
    private let context: FileContext
    private var direct: DirectRows?

    public init(source: ByteSource, context: FileContext) {
        reader = CSVReader(source: source)
        self.context = context
    }

    public var bytesRead: Int64 { reader.bytesRead }

    func acceptDirectRows(_ rows: DirectRows) -> Bool {
        direct = rows
        return true
    }

    public func read(_ emit: (RowResult) throws -> Void) throws {
        var columnIndex: [Int] = []   // canonical field -> column in the file, -1 when absent
        var headerCount = 0
        var mapper = CanonicalRowMapper(context: context)
        var sawHeader = false
        // The direct path's working space, reused for every row.
        var scratch: [UInt8] = []
        scratch.reserveCapacity(256)
        let texts = UnsafeMutableBufferPointer<UnsafeBufferPointer<UInt8>?>.allocate(capacity: PreparedRecords.TextColumn.count)
        texts.initialize(repeating: nil)
        defer { texts.deallocate() }
        try reader.forEachRow { row in
            if !sawHeader {
                sawHeader = true
                headerCount = row.count
                var positions: [String: Int] = [:]
                for index in 0..<row.count {
                    let name = row.string(index).trimmingCharacters(in: .whitespaces).lowercased()
                    guard CanonicalFormat.columns.contains(name) else {
                        throw IngestError(file: context.path, row: row.line, field: name, value: name, reason: .unknownColumn)
                    }
                    positions[name] = index
                }
                for name in CanonicalFormat.required where positions[name] == nil && !(name == "account" && context.accountFromFolder != nil) {
                    throw IngestError(file: context.path, row: row.line, field: name, value: "", reason: .missingColumn)
                }
                columnIndex = CanonicalFormat.columns.map { positions[$0] ?? -1 }
                return
            }
            guard row.count == headerCount else {
                try emit(.rejected(IngestError(file: context.path, row: row.line, field: "(row)", value: "\(row.count) fields",
                                               reason: .wrongFieldCount(expected: headerCount, found: row.count))))
                return
            }
            let field = { (field: Int) -> UnsafeBufferPointer<UInt8>? in
                let column = columnIndex[field]
                return column < 0 ? nil : row[column]
            }
            if let direct, try mapper.takeClean(row: row.line, field: field, direct: direct, scratch: &scratch, texts: texts) {
                try direct.taken()
                return
            }
            try emit(mapper.map(row: row.line, field: field))
        }
        if !sawHeader {
            throw IngestError(file: context.path, row: 1, field: "(header)", value: "", reason: .unreadable("the file is empty"))
        }
    }
}

/// Canonical JSONL: one JSON object per line with canonical keys (values as strings, numbers
/// or booleans).
public final class CanonicalJSONLSource: RecordSource {
    private let reader: CSVReader
    private let context: FileContext

    public init(source: ByteSource, context: FileContext) {
        // Lines, not CSV: a delimiter and quote that never occur in UTF-8 text.
        reader = CSVReader(source: source, delimiter: 0xFF, quote: 0xFE)
        self.context = context
    }

    public var bytesRead: Int64 { reader.bytesRead }

    public func read(_ emit: (RowResult) throws -> Void) throws {
        var mapper = CanonicalRowMapper(context: context)
        let decoder = JSONDecoder()
        try reader.forEachRow { row in
            let line = Data(buffer: row[0])
            let object: [String: JSONScalar]
            do {
                object = try decoder.decode([String: JSONScalar].self, from: line)
            } catch {
                try emit(.rejected(IngestError(file: context.path, row: row.line, field: "(line)", value: String(decoding: line.prefix(80), as: UTF8.self), reason: .unreadable("not a JSON object of canonical fields"))))
                return
            }
            if let unknown = object.keys.sorted().first(where: { !CanonicalFormat.columns.contains($0) }) {
                try emit(.rejected(IngestError(file: context.path, row: row.line, field: unknown, value: unknown, reason: .unknownColumn)))
                return
            }
            // Each value as the bytes a CSV cell would hold.
            let values: [[UInt8]?] = CanonicalFormat.columns.map { key in object[key]?.text.map { Array($0.utf8) } }
            let result = values.withUnsafeFieldPointers { pointers in
                mapper.map(row: row.line) { pointers[$0] }
            }
            try emit(result)
        }
    }
}

/// A JSON value a canonical field may hold: text, a number written as text, a boolean, null.
enum JSONScalar: Decodable {
    case text(String)
    case null

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null; return }
        if let flag = try? container.decode(Bool.self) { self = .text(flag ? "true" : "false"); return }
        if let whole = try? container.decode(Int64.self) { self = .text(String(whole)); return }
        if let number = try? container.decode(Decimal.self) { self = .text(number.description); return }
        self = .text(try container.decode(String.self))
    }

    var text: String? {
        if case .text(let value) = self { return value }
        return nil
    }
}

extension Array where Element == [UInt8]? {
    /// Calls `body` with a pointer per element, valid during the call.
    func withUnsafeFieldPointers<R>(_ body: ([UnsafeBufferPointer<UInt8>?]) -> R) -> R {
        // Copies into one contiguous arena so every pointer stays valid.
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
        return arena.withUnsafeBufferPointer { base in
            body(ranges.map { range in range.map { UnsafeBufferPointer(rebasing: base[$0]) } })
        }
    }
}
