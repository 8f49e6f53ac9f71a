import CZlib
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A zip archive opened for reading: the central directory is read and checked first, then
/// entries are inflated as streams on demand.
final class ZipArchive {
    struct Entry {
        var name: String
        var method: UInt16
        var flags: UInt16
        var crc: UInt32
        var compressedSize: UInt64
        var uncompressedSize: UInt64
        var localHeaderOffset: UInt64
    }

    let path: String
    let limits: XLSXLimits
    private(set) var entries: [Entry] = []
    private var byName: [String: Int] = [:]
    private var byLowercasedName: [String: Int] = [:]
    private let fd: Int32
    private let fileSize: UInt64
    private var directoryStart: UInt64 = 0
    /// Inflated bytes handed out so far, over all entries (zip-bomb budget). Entries of one
    /// archive may inflate on different threads (each sheet cursor has its own), hence the lock.
    private var inflated: UInt64 = 0
    private let inflatedLock = NSLock()

    /// Adds to the archive's inflated total and returns the new total.
    func addInflated(_ n: UInt64) -> UInt64 {
        inflatedLock.lock()
        defer { inflatedLock.unlock() }
        inflated += n
        return inflated
    }

    init(path: String, limits: XLSXLimits) throws(XLSXError) {
        self.path = path
        self.limits = limits
        fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw XLSXError(.io("cannot open: \(String(cString: strerror(errno)))"), file: path) }
        var info = stat()
        if fstat(fd, &info) != 0 {
            close(fd)
            throw XLSXError(.io("cannot stat: \(String(cString: strerror(errno)))"), file: path)
        }
        fileSize = UInt64(info.st_size)
        do { try readDirectory() } catch { close(fd); throw error }
    }

    deinit { close(fd) }

    func entry(named name: String) -> Entry? {
        if let i = byName[name] { return entries[i] }
        // Some writers differ in case from their own relationships ("SharedStrings.xml").
        if let i = byLowercasedName[name.lowercased()] { return entries[i] }
        return nil
    }

    func openEntry(_ entry: Entry) throws(XLSXError) -> ZipEntryStream {
        try ZipEntryStream(archive: self, entry: entry, dataStart: try dataStart(of: entry))
    }

    func readAll(_ entry: Entry) throws(XLSXError) -> [UInt8] {
        let stream = try openEntry(entry)
        var out: [UInt8] = []
        let chunk = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 16)
        defer { chunk.deallocate() }
        while true {
            let n = try stream.read(into: chunk, capacity: 1 << 16)
            if n == 0 { break }
            out.append(contentsOf: UnsafeBufferPointer(start: chunk, count: n))
        }
        return out
    }

    func error(_ reason: XLSXError.Reason, _ part: String? = nil) -> XLSXError {
        XLSXError(reason, file: path, part: part)
    }

    /// Reads exactly `count` bytes at `offset`, or throws `.truncated`.
    func read(at offset: UInt64, count: Int) throws(XLSXError) -> [UInt8] {
        guard count > 0 else { return [] }
        if offset > fileSize || UInt64(count) > fileSize - offset { throw error(.truncated) }
        var bytes = [UInt8](repeating: 0, count: count)
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
        if n != count { throw error(.truncated) }
        return bytes
    }

    func read(at offset: UInt64, into buffer: UnsafeMutablePointer<UInt8>, count: Int) throws(XLSXError) -> Int {
        let n = pread(fd, buffer, count, off_t(offset))
        if n < 0 { throw error(.io("read failed: \(String(cString: strerror(errno)))")) }
        return n
    }

    private func readDirectory() throws(XLSXError) {
        // The end record is the last 22 bytes plus a comment of up to 65,535 bytes.
        let tailSize = Int(min(fileSize, 22 + 65_535 + 20))
        guard tailSize >= 22 else { throw try notZip() }
        let tailStart = fileSize - UInt64(tailSize)
        let tail = try read(at: tailStart, count: tailSize)
        var eocd = -1
        var i = tailSize - 22
        while i >= 0 {
            if tail[i] == 0x50, tail[i + 1] == 0x4b, tail[i + 2] == 5, tail[i + 3] == 6,
               i + 22 + Int(le16(tail, i + 20)) == tailSize {
                eocd = i
                break
            }
            i -= 1
        }
        guard eocd >= 0 else { throw try notZip() }
        var count = UInt64(le16(tail, eocd + 10))
        var size = UInt64(le32(tail, eocd + 12))
        var start = UInt64(le32(tail, eocd + 16))
        let eocdOffset = tailStart + UInt64(eocd)
        var directoryLimit = eocdOffset
        if count == 0xFFFF || size == 0xFFFF_FFFF || start == 0xFFFF_FFFF {
            // ZIP64: the locator sits just before the end record.
            guard eocd >= 20, le32(tail, eocd - 20) == 0x0706_4b50 else { throw error(.truncated) }
            let recordOffset = le64(tail, eocd - 12)
            let record = try read(at: recordOffset, count: 56)
            guard le32(record, 0) == 0x0606_4b50 else { throw error(.truncated) }
            count = le64(record, 32)
            size = le64(record, 40)
            start = le64(record, 48)
            directoryLimit = recordOffset
        }
        if count > UInt64(limits.maxEntries) {
            throw error(.tooManyEntries(count: Int(clamping: count), limit: limits.maxEntries))
        }
        guard start <= directoryLimit, size <= directoryLimit - start else { throw error(.truncated) }
        directoryStart = start
        let directory = try read(at: start, count: Int(size))
        var p = 0
        var declaredTotal: UInt64 = 0
        entries.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard p + 46 <= directory.count, le32(directory, p) == 0x0201_4b50 else { throw error(.truncated) }
            let flags = le16(directory, p + 8)
            let method = le16(directory, p + 10)
            let crc = le32(directory, p + 16)
            var compressed = UInt64(le32(directory, p + 20))
            var uncompressed = UInt64(le32(directory, p + 24))
            let nameLength = Int(le16(directory, p + 28))
            let extraLength = Int(le16(directory, p + 30))
            let commentLength = Int(le16(directory, p + 32))
            var offset = UInt64(le32(directory, p + 42))
            guard p + 46 + nameLength + extraLength + commentLength <= directory.count else { throw error(.truncated) }
            let name = String(decoding: directory[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self)
            // ZIP64 extra: only the fields saturated in the fixed header are present, in order.
            var e = p + 46 + nameLength
            let extraEnd = e + extraLength
            while e + 4 <= extraEnd {
                let id = le16(directory, e)
                let length = Int(le16(directory, e + 2))
                if id == 0x0001 {
                    var f = e + 4
                    let fieldEnd = min(f + length, extraEnd)
                    if uncompressed == 0xFFFF_FFFF, f + 8 <= fieldEnd { uncompressed = le64(directory, f); f += 8 }
                    if compressed == 0xFFFF_FFFF, f + 8 <= fieldEnd { compressed = le64(directory, f); f += 8 }
                    if offset == 0xFFFF_FFFF, f + 8 <= fieldEnd { offset = le64(directory, f); f += 8 }
                }
                e += 4 + length
            }
            p = extraEnd + commentLength
            try checkName(name)
            if flags & 1 != 0 { throw error(.encryptedEntry, name) }
            if uncompressed > limits.maxPartSize { throw error(.entryTooLarge(size: uncompressed, limit: limits.maxPartSize), name) }
            if uncompressed > limits.ratioThreshold,
               uncompressed / max(compressed, 1) > UInt64(limits.maxCompressionRatio) {
                throw error(.compressionRatioTooHigh(limit: limits.maxCompressionRatio), name)
            }
            declaredTotal &+= uncompressed
            if declaredTotal > limits.maxTotalSize { throw error(.totalSizeTooLarge(limit: limits.maxTotalSize), name) }
            if offset >= start { throw error(.truncated, name) }
            guard byName[name] == nil else { throw error(.duplicateEntry(name), name) }
            byName[name] = entries.count
            byLowercasedName[name.lowercased()] = entries.count
            entries.append(Entry(name: name, method: method, flags: flags, crc: crc, compressedSize: compressed,
                                 uncompressedSize: uncompressed, localHeaderOffset: offset))
        }
    }

    private func notZip() throws(XLSXError) -> XLSXError {
        // A file that starts like a zip but has no end record was cut short.
        if fileSize >= 4, let head = try? read(at: 0, count: 4), head == [0x50, 0x4b, 3, 4] {
            return error(.truncated)
        }
        return error(.notAZipArchive)
    }

    /// Entry names that could climb out of a directory if someone extracted the archive.
    private func checkName(_ name: String) throws(XLSXError) {
        let unsafe: Bool = {
            if name.isEmpty || name.utf8.contains(0) { return true }
            if name.hasPrefix("/") || name.hasPrefix("\\") { return true }
            let bytes = Array(name.utf8)
            if bytes.count >= 2, bytes[1] == UInt8(ascii: ":") { return true } // C:...
            let parts = name.split(omittingEmptySubsequences: false) { $0 == "/" || $0 == "\\" }
            return parts.contains("..")
        }()
        if unsafe { throw error(.unsafeEntryName(name), name) }
    }

    private func dataStart(of entry: Entry) throws(XLSXError) -> UInt64 {
        let header = try read(at: entry.localHeaderOffset, count: 30)
        guard le32(header, 0) == 0x0403_4b50 else { throw error(.corruptData("no local header"), entry.name) }
        let start = entry.localHeaderOffset + 30 + UInt64(le16(header, 26)) + UInt64(le16(header, 28))
        guard start <= directoryStart, entry.compressedSize <= directoryStart - start else {
            throw error(.truncated, entry.name)
        }
        return start
    }
}

@inline(__always) func le16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
@inline(__always) func le32(_ b: [UInt8], _ i: Int) -> UInt32 { UInt32(le16(b, i)) | UInt32(le16(b, i + 2)) << 16 }
@inline(__always) func le64(_ b: [UInt8], _ i: Int) -> UInt64 { UInt64(le32(b, i)) | UInt64(le32(b, i + 4)) << 32 }
