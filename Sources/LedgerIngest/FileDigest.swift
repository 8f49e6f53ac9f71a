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

/// SHA-256 of the bytes read through a `HashingByteSource`, for a file hashed while it is
/// parsed (`DeferredDigestLedgerStore`).
final class StreamingDigest: @unchecked Sendable {
    // @unchecked: updated by the reading thread only, and read by the caller's thread after
    // that thread was joined (`PipelinedRecordSource.readBatches` returns after the join).
    private var hasher = SHA256()
    private(set) var size: Int64 = 0

    func update(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
        size += Int64(bytes.count)
    }

    /// The hex digest, after reading what the parser left unread of `source` (nothing, when
    /// it read to the end).
    func finish(draining source: HashingByteSource) throws -> String {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { buffer.deallocate() }
        while try source.read(into: buffer) > 0 {}
        return hasher.finalize().withUnsafeBytes { RecipientPrivacy.hex($0) }
    }
}

/// A file's bytes passed on unchanged and hashed on the way.
final class HashingByteSource: ByteSource {
    private let inner: ByteSource
    let digest: StreamingDigest

    init(_ inner: ByteSource, digest: StreamingDigest) {
        self.inner = inner
        self.digest = digest
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = try inner.read(into: buffer)
        if count > 0 { digest.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count])) }
        return count
    }
}
