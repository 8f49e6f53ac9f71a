import CZlib
import Foundation

/// A forward-only stream of bytes: a file, or a gzip-compressed file inflated on the fly.
public protocol ByteSource: AnyObject {
    /// Reads up to `buffer.count` bytes; 0 means the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// Why bytes could not be read.
public struct SourceError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Reason: Equatable, Sendable {
        case cannotOpen(errno: Int32)
        case readFailed(errno: Int32)
        case badGzip(String)
        case tooLarge(limit: Int64)
    }
    public let path: String
    public let reason: Reason

    public init(path: String, reason: Reason) {
        self.path = path
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case .cannotOpen(let code): "\(path): cannot open: \(String(cString: strerror(code)))"
        case .readFailed(let code): "\(path): read failed: \(String(cString: strerror(code)))"
        case .badGzip(let detail): "\(path): damaged gzip data: \(detail)"
        case .tooLarge(let limit): "\(path): inflates past \(limit) bytes; refused"
        }
    }
}

/// A file read with read(2).
public final class FileByteSource: ByteSource {
    let descriptor: Int32
    let path: String

    public init(path: String) throws {
        self.path = path
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw SourceError(path: path, reason: .cannotOpen(errno: errno)) }
    }

    deinit { close(descriptor) }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let count = Foundation.read(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw SourceError(path: path, reason: .readFailed(errno: errno))
        }
    }
}

/// Inflates a gzip stream (several members allowed) from another source, with a size cap
/// so a gzip bomb cannot fill the disk or the memory of whatever reads it.
public final class GzipByteSource: ByteSource {
    private let inner: ByteSource
    private let path: String
    private var stream = z_stream()
    private var input: UnsafeMutableRawBufferPointer
    private var finished = false
    /// Input of the current gzip member was consumed but its end not yet seen.
    private var memberOpen = false
    private var produced: Int64 = 0
    private let limit: Int64

    public init(_ inner: ByteSource, path: String, limit: Int64 = 64 << 30) throws {
        self.inner = inner
        self.path = path
        self.limit = limit
        input = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 1)
        // 15 + 16: a gzip header is required (32 would also take zlib).
        guard czlib_inflateInit2(&stream, 15 + 16) == Z_OK else {
            input.deallocate()
            throw SourceError(path: path, reason: .badGzip("inflateInit2 failed"))
        }
    }

    deinit {
        inflateEnd(&stream)
        input.deallocate()
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !finished, buffer.count > 0 else { return 0 }
        stream.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = UInt32(min(buffer.count, Int(UInt32.max)))
        while stream.avail_out > 0 {
            if stream.avail_in == 0 {
                let count = try inner.read(into: input)
                if count == 0 {
                    if memberOpen { throw SourceError(path: path, reason: .badGzip("truncated")) }
                    finished = true
                    break
                }
                stream.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.avail_in = UInt32(count)
            }
            memberOpen = true
            let code = inflate(&stream, Z_NO_FLUSH)
            if code == Z_STREAM_END {
                // Another member may follow (concatenated gzip files).
                inflateReset(&stream)
                memberOpen = false
                continue
            }
            if code == Z_BUF_ERROR && stream.avail_in == 0 { continue }
            guard code == Z_OK else {
                let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(code)"
                throw SourceError(path: path, reason: .badGzip(message))
            }
        }
        let count = buffer.count - Int(stream.avail_out)
        produced += Int64(count)
        if produced > limit { throw SourceError(path: path, reason: .tooLarge(limit: limit)) }
        return count
    }
}

public enum ByteSources {
    /// Opens a file, inflating it when it starts with gzip's magic bytes (1f 8b).
    public static func open(path: String, gzipLimit: Int64 = 64 << 30) throws -> ByteSource {
        try open(file: FileByteSource(path: path), path: path, gzipLimit: gzipLimit)
    }

    /// `open(path:)` reading the file's bytes through `reopened`, a fresh source of the file.
    static func open(file reopened: ByteSource, path: String, gzipLimit: Int64 = 64 << 30) throws -> ByteSource {
        let file = try FileByteSource(path: path)
        var magic = [UInt8](repeating: 0, count: 2)
        let count = try magic.withUnsafeMutableBytes { try file.read(into: $0) }
        if count == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
            return try GzipByteSource(reopened, path: path, limit: gzipLimit)
        }
        return reopened
    }
}
