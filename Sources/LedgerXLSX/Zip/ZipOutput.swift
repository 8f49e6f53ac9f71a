#if canImport(Glibc)
import Glibc
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let systemWrite = Darwin.write
#endif

/// Where a zip archive's bytes go: appended in order, with earlier bytes patched in place once
/// an entry's CRC and sizes are known (no data descriptors, so every reader is happy).
protocol ZipOutput: AnyObject {
    var offset: UInt64 { get }
    func write(_ bytes: UnsafeRawBufferPointer) throws(XLSXError)
    func patch(at offset: UInt64, _ bytes: [UInt8]) throws(XLSXError)
    func finish() throws(XLSXError)
}

/// A file written through a 1 MiB buffer; patches go straight to the file or into the buffer.
final class FileZipOutput: ZipOutput {
    let path: String
    private let fd: Int32
    private let buffer = ByteBuffer(capacity: 1 << 20)
    private var flushed: UInt64 = 0
    private var closed = false

    init(path: String) throws(XLSXError) {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { throw XLSXError(.io("cannot create: \(String(cString: strerror(errno)))"), file: path) }
    }

    deinit { if !closed { close(fd) } }

    var offset: UInt64 { flushed + UInt64(buffer.count) }

    func write(_ bytes: UnsafeRawBufferPointer) throws(XLSXError) {
        if buffer.count + bytes.count > buffer.capacity { try flush() }
        if bytes.count >= buffer.capacity {
            try writeAll(bytes)
            flushed += UInt64(bytes.count)
        } else {
            buffer.append(bytes)
        }
    }

    func patch(at position: UInt64, _ bytes: [UInt8]) throws(XLSXError) {
        if position >= flushed {
            let start = Int(position - flushed)
            for (i, b) in bytes.enumerated() { buffer.base[start + i] = b }
            return
        }
        try flush()
        let written = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(position)) }
        if written != bytes.count { throw XLSXError(.io("write failed: \(String(cString: strerror(errno)))"), file: path) }
    }

    func finish() throws(XLSXError) {
        try flush()
        closed = true
        if close(fd) != 0 { throw XLSXError(.io("close failed: \(String(cString: strerror(errno)))"), file: path) }
    }

    private func flush() throws(XLSXError) {
        guard !buffer.isEmpty else { return }
        try writeAll(buffer.bytes)
        flushed += UInt64(buffer.count)
        buffer.removeAll()
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws(XLSXError) {
        var done = 0
        while done < bytes.count {
            let n = systemWrite(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw XLSXError(.io("write failed: \(String(cString: strerror(errno)))"), file: path)
            }
            done += n
        }
    }
}

/// An archive built in memory (tests, small workbooks).
final class MemoryZipOutput: ZipOutput {
    var bytes: [UInt8] = []
    var offset: UInt64 { UInt64(bytes.count) }
    func write(_ chunk: UnsafeRawBufferPointer) throws(XLSXError) { bytes.append(contentsOf: chunk) }
    func patch(at position: UInt64, _ patch: [UInt8]) throws(XLSXError) {
        for (i, b) in patch.enumerated() { bytes[Int(position) + i] = b }
    }
    func finish() throws(XLSXError) {}
}
