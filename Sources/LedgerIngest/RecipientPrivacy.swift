import CLibCrypto
import Crypto
import Foundation
import LedgerCore

/// Masks recipients and keeps a keyed hash (HMAC-SHA-256) for matching, so the ledger never
/// holds a full phone number or address.
public struct RecipientPrivacy: Sendable {
    /// HMAC-SHA-256 (RFC 2104) with the key's inner and outer pads already hashed: per
    /// recipient only the message and the outer digest remain to hash. Plain C structs, copied
    /// by value for each recipient (libcrypto's low-level state: no allocation per message).
    private let pads: (inner: SHA256_CTX, outer: SHA256_CTX)?
    public let masking: Bool

    /// `key` nil: no hash is kept. `masking` false keeps recipients in full (a config choice).
    public init(key: SymmetricKey?, masking: Bool = true) {
        if let key {
            var block = [UInt8](repeating: 0, count: 64)
            key.withUnsafeBytes { raw in
                if raw.count > 64 {
                    Array(SHA256.hash(data: raw)).withUnsafeBytes { for (i, b) in $0.enumerated() { block[i] = b } }
                } else {
                    for (i, b) in raw.enumerated() { block[i] = b }
                }
            }
            var inner = SHA256_CTX(), outer = SHA256_CTX()
            clibcrypto_sha256_absorb_block(&inner, block.map { $0 ^ 0x36 })
            clibcrypto_sha256_absorb_block(&outer, block.map { $0 ^ 0x5c })
            pads = (inner, outer)
        } else {
            pads = nil
        }
        self.masking = masking
    }

    /// The display form and the hash of a recipient as it came in.
    public func protect(_ raw: String) -> (shown: String, hash: String?) {
        var raw = raw
        return raw.withUTF8 { protect(utf8: $0) }
    }

    /// The same on bytes, for readers that hold the field's bytes.
    public func protect(utf8 bytes: UnsafeBufferPointer<UInt8>) -> (shown: String, hash: String?) {
        if bytes.isEmpty { return ("", nil) }
        var out: [UInt8] = []
        let (shownCount, hashCount) = protect(utf8: bytes, appendingTo: &out)
        let shown = String(decoding: out[0..<shownCount], as: UTF8.self)
        return (shown, hashCount.map { String(decoding: out[shownCount..<shownCount + $0], as: UTF8.self) })
    }

    /// Appends the shown form, then the hash (hex) if one is kept, of a non-empty recipient's
    /// bytes; returns their lengths. The ingest hot path: no `String` made.
    public func protect(utf8 bytes: UnsafeBufferPointer<UInt8>, appendingTo out: inout [UInt8]) -> (shown: Int, hash: Int?) {
        let start = out.count
        // Already masked by the vendor: nothing to hash.
        if bytes.contains(UInt8(ascii: "*")) {
            out.append(contentsOf: bytes)
            return (bytes.count, nil)
        }
        if masking {
            RecipientMask.appendMask(utf8: bytes, to: &out)
        } else {
            out.append(contentsOf: bytes)
        }
        let shown = out.count - start
        guard var pads else { return (shown, nil) }
        // Phone numbers compare by digits (010-1234-5678 = 01012345678); addresses lower-cased.
        let isAddress = bytes.contains(UInt8(ascii: "@"))
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bytes.count + 32) { buffer in
            var length = 0
            if isAddress {
                for byte in bytes {
                    buffer[length] = byte >= 65 && byte <= 90 ? byte + 32 : byte
                    length += 1
                }
            } else {
                for byte in bytes where byte >= 48 && byte <= 57 {
                    buffer[length] = byte
                    length += 1
                }
            }
            let digest = UnsafeMutableBufferPointer(rebasing: buffer[bytes.count...])
            clibcrypto_hmac_sha256(&pads.inner, &pads.outer, buffer.baseAddress, length, digest.baseAddress)
            Self.appendHex(digest[0..<16], to: &out)
        }
        return (shown, 32)
    }

    /// Lower-case hexadecimal of `bytes`.
    static func hex(_ bytes: some Collection<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        appendHex(bytes, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func appendHex(_ bytes: some Collection<UInt8>, to out: inout [UInt8]) {
        let digits: StaticString = "0123456789abcdef"
        for byte in bytes {
            out.append(digits.utf8Start[Int(byte >> 4)])
            out.append(digits.utf8Start[Int(byte & 15)])
        }
    }

    /// Loads the key file, creating a random 32-byte key (mode 0600) when it does not exist.
    /// The new key is written to a temporary file created 0600 (never readable by others, even
    /// for a moment), fsync'd and renamed into place: a crash leaves no key or the whole key,
    /// never an empty or partial one that would silently change every hash.
    public static func loadOrCreateKey(at path: String) throws -> SymmetricKey {
        if let data = FileManager.default.contents(atPath: path), !data.isEmpty {
            return SymmetricKey(data: data)
        }
        let key = SymmetricKey(size: .bits256)
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        func failure(_ why: String) -> IngestError {
            IngestError(file: path, row: 0, field: "hash_key_file", value: path,
                        reason: .unreadable("cannot create the hash key file: \(why): \(String(cString: strerror(errno)))"))
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("open") }
        var written = true
        _ = fchmod(fd, 0o600)
        key.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { written = false; break }
                offset += n
            }
        }
        let synced = written && fsync(fd) == 0
        close(fd)
        guard synced, rename(temporary, path) == 0 else {
            let error = failure(synced ? "rename" : "write")
            unlink(temporary)
            throw error
        }
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
        return key
    }
}
