import Crypto
import Foundation

/// SHA-256 of a file, streamed: the identity of a delivered file in the manifest.
public enum FileDigest {
    public static func sha256(path: String) throws -> (hex: String, size: Int64) {
        let source = try FileByteSource(path: path)
        var hasher = SHA256()
        var size: Int64 = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = try source.read(into: buffer)
            if count == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            size += Int64(count)
        }
        return (hasher.finalize().withUnsafeBytes { RecipientPrivacy.hex($0) }, size)
    }
}
