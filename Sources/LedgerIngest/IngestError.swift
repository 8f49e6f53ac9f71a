import LedgerCore

/// Why one row (or a whole file) could not be mapped to the canonical record.
public struct IngestError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Reason: Equatable, Sendable {
        case missing
        case unknownChannel
        case unknownStatus
        case badTime(format: String)
        case badNumber
        case negative
        case badMoney(String)
        case badBoolean
        case invalidUTF8
        case wrongFieldCount(expected: Int, found: Int)
        case outOfRange(String)
        case missingColumn
        case unknownColumn
        case unreadable(String)
        case tooLong(limit: Int)
        case nulByte

        public var text: String {
            switch self {
            case .missing: "required value is empty"
            case .unknownChannel: "unknown channel"
            case .unknownStatus: "unknown status"
            case .badTime(let format): "not a time in the format \(format)"
            case .badNumber: "not a whole number"
            case .negative: "must not be negative"
            case .badMoney(let why): "not an exact amount: \(why)"
            case .badBoolean: "not true/false"
            case .invalidUTF8: "not valid UTF-8"
            case .wrongFieldCount(let expected, let found): "expected \(expected) fields, found \(found)"
            case .outOfRange(let why): "out of range: \(why)"
            case .missingColumn: "required column is missing from the header"
            case .unknownColumn: "not a column of this format"
            case .unreadable(let why): why
            case .tooLong(let limit): "longer than \(limit) bytes"
            case .nulByte: "contains a NUL byte"
            }
        }
    }

    public let file: String
    public let row: Int
    public let field: String
    public let value: String
    public let reason: Reason

    public init(file: String, row: Int, field: String, value: String, reason: Reason) {
        self.file = file
        self.row = row
        // A field name can come from the file's header: shown escaped like a value.
        self.field = Self.escapingControls(field.count > 200 ? String(field.prefix(200)) + "…" : field)
        self.value = Self.evidence(value, field: field)
        self.reason = reason
    }

    /// The value as rejects and logs may show it: cut (a 10 MB cell is evidence, not a dump),
    /// and never a full recipient: a recipient value is masked like a stored one, and whole
    /// lines or records ("(line)", "(record)") have their phone numbers and addresses masked.
    /// Control characters are shown escaped (`\0`, `\n`), so a value cannot forge a log line.
    static func evidence(_ value: String, field: String) -> String {
        var cut = value.count > 200 ? String(value.prefix(200)) + "…" : value
        if field == "recipient" { cut = RecipientMask.mask(cut) }
        if field.hasPrefix("(") { cut = RecipientMask.redact(cut) }
        return escapingControls(cut)
    }

    static func escapingControls(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return text }
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0: escaped += "\\0"
            case 9: escaped += "\\t"
            case 10: escaped += "\\n"
            case 13: escaped += "\\r"
            case 0..<0x20, 0x7F: escaped += "\\u{\(String(scalar.value, radix: 16))}"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    public var description: String { "\(file):\(row): \(field) \"\(value)\": \(reason.text)" }
}
