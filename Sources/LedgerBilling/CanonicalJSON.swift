import Foundation

/// The canonical JSON of a billing result: keys sorted, no insignificant whitespace, slashes
/// unescaped, arrays in the results' stable order, amounts as exact decimal strings. The same
/// value always gives the same bytes; statement checksums are the SHA-256 of these bytes.
public enum CanonicalJSON {
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try JSONDecoder().decode(type, from: data)
    }

    /// Lower-case hex SHA-256 of the bytes.
    public static func checksum(_ data: Data) -> String { SHA256.hex(data) }
}
