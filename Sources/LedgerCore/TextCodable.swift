/// Values whose JSON form is their canonical text, so the JSON is exact and readable: money
/// as its exact decimal ("1234.5"), dates "2026-10-15", months "2026-11", channels
/// "FRIENDTALK:IMAGE", instants ISO 8601 UTC.
public protocol TextCodable: Codable, CustomStringConvertible {
    /// The value of its canonical text, or nil.
    init?(canonicalText: String)
}

extension TextCodable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Self(canonicalText: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a \(Self.self): \(text)"))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension Money: TextCodable {
    public init?(canonicalText: String) {
        guard let value = try? Money(parsing: canonicalText) else { return nil }
        self = value
    }
}

extension LocalDate: TextCodable {
    public init?(canonicalText: String) { self.init(canonicalText) }
}

extension CalendarMonth: TextCodable {
    public init?(canonicalText: String) { self.init(canonicalText) }
}

extension Channel: TextCodable {
    public init?(canonicalText: String) { self.init(canonicalText) }
}

extension Instant: TextCodable {
    public init?(canonicalText: String) { self.init(iso8601: canonicalText) }
}
