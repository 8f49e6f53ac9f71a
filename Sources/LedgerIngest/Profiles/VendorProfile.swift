import Foundation
import LedgerCore

/// A vendor's report described without code (VENDORS.md): which reader, which column or key
/// fills which canonical field, with what transforms. Loaded from `jobs/vendors/<name>.toml`;
/// see docs/vendor-profiles.md.
public struct VendorProfile: Sendable {
    public enum Kind: String, Sendable { case detail, summary }

    public enum Format: Sendable, Equatable {
        case csv(CSVOptions)
        case xlsx(XLSXOptions)
        case json(recordsPath: [String])
        case jsonl
        case lines(pattern: String)

        public var name: String {
            switch self {
            case .csv: "csv"
            case .xlsx: "xlsx"
            case .json: "json"
            case .jsonl: "jsonl"
            case .lines: "lines"
            }
        }
    }

    public struct CSVOptions: Sendable, Equatable {
        /// nil: UTF-8 (a BOM is skipped); otherwise an iconv name such as "CP949".
        public var encoding: String?
        public var delimiter: UInt8 = UInt8(ascii: ",")
        public var quote: UInt8 = UInt8(ascii: "\"")
        /// 1-based line of the header row (title lines above it are skipped).
        public var headerRow = 1
        public init() {}
    }

    public struct XLSXOptions: Sendable, Equatable {
        public var sheetName: String?
        public var sheetIndex = 0
        /// 1-based sheet row of the header.
        public var headerRow = 1
        public init() {}
    }

    /// The profile's name: its file name without `.toml` (the inbox folder).
    public var name: String
    /// The vendor recorded on every record (defaults to the name).
    public var vendor: String
    public var file: String
    public var kind: Kind
    public var format: Format
    /// Canonical field (or `body`, or a summary field) to its rule.
    public var fields: [String: FieldRule]
    public var reasonCodes: ReasonCodeTable?
    /// Values that mean "empty" in every field ("-", "N/A").
    public var nullValues: [String]
    /// A second record a row may carry: the fallback SMS/LMS of a Kakao message.
    public var fallback: FallbackRule?
    /// Summary profiles: the grain of each row.
    public var summaryGrain: SummaryGrain?

    public enum SummaryGrain: String, Sendable { case dayTemplate = "day-template", batch }

    /// Every input name (column, key path, group) the rules read, in a stable order.
    var inputNames: [String] {
        var names: [String] = []
        func add(_ rule: FieldRule) {
            for name in rule.source.inputs where !names.contains(name) { names.append(name) }
        }
        for key in fields.keys.sorted() { add(fields[key]!) }
        if let fallback {
            add(fallback.status)
            if let channel = fallback.channel { add(channel) }
        }
        return names
    }
}

/// How one field is read: where from, then optional extraction and conversion.
public struct FieldRule: Sendable {
    public enum Source: Sendable, Equatable {
        case column(String)
        /// Several columns joined with a separator (a status read from two columns).
        case columns([String], separator: String)
        case constant(String)

        var inputs: [String] {
            switch self {
            case .column(let name): [name]
            case .columns(let names, _): names
            case .constant: []
            }
        }
    }

    public var source: Source
    /// A regular expression: the value becomes its group named `value`, or its first group,
    /// or the whole match.
    public var regex: String?
    /// Value table: input text to output (a status, a channel, a category...).
    public var values: [(key: String, value: MappedValue)]?
    /// When the value table has no entry: a template where `{}` is the input. Not allowed for
    /// status and channel (an unknown value is a reject, never a guess).
    public var otherwise: String?
    /// Time format: a pattern (`yyyy-MM-dd HH:mm:ss`), `iso8601`, `excel`, `epoch`, `epoch_ms`.
    public var time: String?
    public var zone: String?
    /// Parse as a whole number with thousands separators ("1,234").
    public var number = false

    public init(source: Source) { self.source = source }
}

/// What a value-table entry maps to.
public enum MappedValue: Sendable, Equatable {
    case text(String)
    case status(DeliveryStatus, refundable: Bool)
}

/// Reason codes (the vendor's own) to status and refundable; ranges such as `10000-10008`.
public struct ReasonCodeTable: Sendable {
    public struct Entry: Sendable, Equatable {
        public var status: DeliveryStatus
        public var refundable: Bool
        /// The reason text when the report has none.
        public var text: String?
    }
    public var exact: [String: Entry] = [:]
    public var ranges: [(ClosedRange<Int64>, width: Int, Entry)] = []
    /// What an unlisted code does: reject the row (default) or keep the status column's.
    public var unknownKeepsStatus = false

    public func entry(for code: String) -> Entry? {
        if let entry = exact[code] { return entry }
        guard !ranges.isEmpty, let number = Int64(code) else { return nil }
        for (range, width, entry) in ranges where range.contains(number) && code.utf8.count == width { return entry }
        return nil
    }
}

/// The fallback message a row may also describe (KT Communis' 문자발송 column).
public struct FallbackRule: Sendable {
    /// Its status; a null value means there was no fallback.
    public var status: FieldRule
    public var channel: FieldRule?
    /// Appended to the original's message_id.
    public var idSuffix = "-fallback"
}

/// A vendor profile that cannot be used, naming the file and key.
public struct ProfileError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Reason: Equatable, Sendable {
        case unreadable(String)
        case syntax(String)
        case missing
        case invalid(expected: String)
        case unknownKey
        case unknownStatus
        case unknownChannel
        case unknownZone
        case unknownEncoding
        case badRegex(String)
        case badTimeFormat
        case notAllowed(String)

        public var text: String {
            switch self {
            case .unreadable(let why): "cannot read: \(why)"
            case .syntax(let why): "not valid TOML: \(why)"
            case .missing: "required key is missing"
            case .invalid(let expected): "expected \(expected)"
            case .unknownKey: "not a key of a vendor profile"
            case .unknownStatus: "not a canonical status (SCHEDULED, PENDING, DELIVERED, FAILED, EXCLUDED, CANCELLED)"
            case .unknownChannel: "not a canonical channel"
            case .unknownZone: "not a time zone name"
            case .unknownEncoding: "not an encoding iconv knows"
            case .badRegex(let why): "not a regular expression: \(why)"
            case .badTimeFormat: "not a time format (a pattern of yyyy MM dd HH mm ss, or iso8601, excel, epoch, epoch_ms)"
            case .notAllowed(let why): why
            }
        }
    }

    public let file: String
    public let key: String
    public let value: String
    public let reason: Reason

    public init(file: String, key: String, value: String = "", reason: Reason) {
        self.file = file
        self.key = key
        self.value = value
        self.reason = reason
    }

    public var description: String {
        value.isEmpty ? "\(file): \(key): \(reason.text)" : "\(file): \(key) \"\(value)\": \(reason.text)"
    }
}
