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
        self.field = field
        // Evidence, not a dump: a 10 MB cell is cut.
        self.value = value.count > 200 ? String(value.prefix(200)) + "…" : value
        self.reason = reason
    }

    public var description: String { "\(file):\(row): \(field) \"\(value)\": \(reason.text)" }
}
