import Crypto
import Foundation
import LedgerCore

/// Masks recipients and keeps a keyed hash (HMAC-SHA-256) for matching, so the ledger never
/// holds a full phone number or address.
// @unchecked: the keyed HMAC state is an immutable prototype, copied (a value) for each use.
public struct RecipientPrivacy: @unchecked Sendable {
    private let keyedHash: HMAC<SHA256>?
    public let masking: Bool

    /// `key` nil: no hash is kept. `masking` false keeps recipients in full (a config choice).
    public init(key: SymmetricKey?, masking: Bool = true) {
        keyedHash = key.map { HMAC<SHA256>(key: $0) }
        self.masking = masking
    }

    /// The display form and the hash of a recipient as it came in.
    public func protect(_ raw: String) -> (shown: String, hash: String?) {
        if raw.isEmpty { return ("", nil) }
        // Already masked by the vendor: nothing to hash.
        if raw.contains("*") { return (raw, nil) }
        let normalized = Self.normalize(raw)
        var hash: String?
        if var mac = keyedHash {
            mac.update(data: Array(normalized.utf8))
            hash = Self.hex(Array(mac.finalize()).prefix(16))
        }
        return (masking ? RecipientMask.mask(raw) : raw, hash)
    }

    /// Phone numbers compared by digits (010-1234-5678 = 01012345678); addresses lower-cased.
    static func normalize(_ raw: String) -> String {
        if raw.contains("@") { return raw.lowercased() }
        return String(raw.unicodeScalars.filter { $0.value >= 48 && $0.value <= 57 }.map(Character.init))
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Loads the key file, creating a random 32-byte key (mode 0600) when it does not exist.
    public static func loadOrCreateKey(at path: String) throws -> SymmetricKey {
        if let data = FileManager.default.contents(atPath: path), !data.isEmpty {
            return SymmetricKey(data: data)
        }
        let key = SymmetricKey(size: .bits256)
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let bytes = key.withUnsafeBytes { Data($0) }
        guard FileManager.default.createFile(atPath: path, contents: bytes, attributes: [.posixPermissions: 0o600]) else {
            throw IngestError(file: path, row: 0, field: "hash_key_file", value: path, reason: .unreadable("cannot create the hash key file"))
        }
        return key
    }
}
