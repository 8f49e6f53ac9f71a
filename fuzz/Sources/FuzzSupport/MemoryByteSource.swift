import Foundation
import LedgerIngest
import Logging

/// Bytes held in memory, handed out in chunks of a chosen size (small chunks push the
/// readers through their refill and rescan paths).
public final class MemoryByteSource: ByteSource {
    private let bytes: [UInt8]
    private let chunk: Int
    private var offset = 0

    public init(_ bytes: [UInt8], chunk: Int) {
        self.bytes = bytes
        self.chunk = max(1, chunk)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(buffer.count, chunk, bytes.count - offset)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.baseAddress!.copyMemory(from: source.baseAddress! + offset, byteCount: count)
        }
        offset += count
        return count
    }
}

/// A per-process scratch file for readers that take a path (the zip reader needs random access).
public func scratchFile(_ name: String, _ bytes: UnsafeRawBufferPointer) -> String {
    let path = "/tmp/sendledger-fuzz-\(getpid())-\(name)"
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    precondition(fd >= 0, "cannot write \(path)")
    var written = 0
    while written < bytes.count {
        let n = write(fd, bytes.baseAddress! + written, bytes.count - written)
        precondition(n > 0, "cannot write \(path)")
        written += n
    }
    close(fd)
    return path
}

/// A context for readers: no hash key (hashing is not what is fuzzed), masking on.
public func fuzzContext(path: String, account: String? = nil) -> FileContext {
    FileContext(path: path, sha256: String(repeating: "0", count: 64), accountFromFolder: account,
                privacy: RecipientPrivacy(key: nil, masking: true))
}

/// A logger that stays quiet: the readers log at info, which would flood the fuzzer's output.
public let quietLogger: Logger = {
    var logger = Logger(label: "fuzz")
    logger.logLevel = .critical
    return logger
}()
