import CZlib

/// Writes a zip archive entry by entry: raw deflate, CRC-32, every entry stamped with the same
/// time (1980-01-01 00:00) so the same content is the same bytes. ZIP64 records are written
/// only when the archive needs them (offsets past 4 GiB or more than 65,535 entries).
final class ZipWriter {
    private struct Entry {
        var name: [UInt8]
        var offset: UInt64
        var crc: UInt32
        var compressed: UInt64
        var uncompressed: UInt64
    }

    // DOS date 1980-01-01, time 00:00:00.
    static let dosDate: UInt16 = (0 << 9) | (1 << 5) | 1
    static let dosTime: UInt16 = 0

    private let output: ZipOutput
    private let level: Int32
    private var entries: [Entry] = []
    private var names: Set<[UInt8]> = []
    private var current: Entry?
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    private var streamReady = false
    private let outChunk = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 17)
    private let outChunkSize = 1 << 17
    private var crc: uLong = 0
    private let header = ByteBuffer(capacity: 256)

    /// `level` is zlib's 1...9.
    init(output: ZipOutput, level: Int32) {
        self.output = output
        self.level = level
        stream.initialize(to: z_stream())
    }

    deinit {
        if streamReady { deflateEnd(stream) }
        stream.deallocate()
        outChunk.deallocate()
    }

    var file: String? { (output as? FileZipOutput)?.path }

    func beginEntry(_ name: String) throws(XLSXError) {
        precondition(current == nil, "entry already open")
        let nameBytes = Array(name.utf8)
        guard names.insert(nameBytes).inserted else { throw XLSXError(.duplicateEntry(name), file: file) }
        let entry = Entry(name: nameBytes, offset: output.offset, crc: 0, compressed: 0, uncompressed: 0)
        header.removeAll()
        header.appendLE32(0x0403_4b50)
        header.appendLE16(20)                     // version needed: 2.0 (deflate)
        header.appendLE16(flags(nameBytes))
        header.appendLE16(8)                      // deflate
        header.appendLE16(Self.dosTime)
        header.appendLE16(Self.dosDate)
        header.appendLE32(0)                      // CRC, patched in endEntry
        header.appendLE32(0)                      // compressed size, patched
        header.appendLE32(0)                      // uncompressed size, patched
        header.appendLE16(UInt16(nameBytes.count))
        header.appendLE16(0)
        header.append(contentsOf: nameBytes)
        try output.write(header.bytes)
        current = entry
        crc = crc32(0, nil, 0)
        if streamReady {
            deflateReset(stream)
        } else {
            // Raw deflate (negative window bits): zip carries its own CRC, not zlib's adler.
            guard czlib_deflateInit2(stream, level, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) == Z_OK else {
                throw XLSXError(.io("deflateInit2 failed"), file: file)
            }
            streamReady = true
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(XLSXError) {
        guard current != nil, let base = bytes.baseAddress, bytes.count > 0 else { return }
        var remaining = bytes.count
        var pointer = base.assumingMemoryBound(to: UInt8.self)
        while remaining > 0 {
            // zlib counts in UInt32; feed at most 1 GiB at a time.
            let n = min(remaining, 1 << 30)
            crc = crc32(crc, pointer, uInt(n))
            stream.pointee.next_in = UnsafeMutablePointer(mutating: pointer)
            stream.pointee.avail_in = uInt(n)
            try pump(flush: Z_NO_FLUSH)
            current!.uncompressed += UInt64(n)
            pointer += n
            remaining -= n
        }
    }

    func write(_ bytes: [UInt8]) throws(XLSXError) {
        let buffer = ByteBuffer(capacity: bytes.count)
        buffer.append(contentsOf: bytes)
        try write(buffer.bytes)
    }

    func endEntry() throws(XLSXError) {
        guard var entry = current else { return }
        stream.pointee.next_in = nil
        stream.pointee.avail_in = 0
        try pump(flush: Z_FINISH)
        entry.crc = UInt32(truncatingIfNeeded: crc)
        entry.uncompressed = current!.uncompressed
        entry.compressed = current!.compressed
        current = nil
        header.removeAll()
        header.appendLE32(entry.crc)
        // Past 4 GiB the local header says "see the central directory" (its ZIP64 extra).
        header.appendLE32(UInt32(clamping: entry.compressed))
        header.appendLE32(UInt32(clamping: entry.uncompressed))
        try output.patch(at: entry.offset + 14, header.array)
        entries.append(entry)
    }

    func addEntry(_ name: String, _ bytes: [UInt8]) throws(XLSXError) {
        try beginEntry(name)
        try write(bytes)
        try endEntry()
    }

    func finish() throws(XLSXError) {
        precondition(current == nil, "entry still open")
        let directoryStart = output.offset
        for entry in entries {
            let needs64 = entry.compressed >= 0xFFFF_FFFF || entry.uncompressed >= 0xFFFF_FFFF || entry.offset >= 0xFFFF_FFFF
            var extra: [UInt8] = []
            if needs64 {
                let zip64 = ByteBuffer(capacity: 32)
                zip64.appendLE16(0x0001)
                zip64.appendLE16(24)
                zip64.appendLE64(entry.uncompressed)
                zip64.appendLE64(entry.compressed)
                zip64.appendLE64(entry.offset)
                extra = zip64.array
            }
            header.removeAll()
            header.appendLE32(0x0201_4b50)
            header.appendLE16(needs64 ? 45 : 20)  // version made by (MS-DOS)
            header.appendLE16(needs64 ? 45 : 20)  // version needed
            header.appendLE16(flags(entry.name))
            header.appendLE16(8)
            header.appendLE16(Self.dosTime)
            header.appendLE16(Self.dosDate)
            header.appendLE32(entry.crc)
            header.appendLE32(needs64 ? 0xFFFF_FFFF : UInt32(entry.compressed))
            header.appendLE32(needs64 ? 0xFFFF_FFFF : UInt32(entry.uncompressed))
            header.appendLE16(UInt16(entry.name.count))
            header.appendLE16(UInt16(extra.count))
            header.appendLE16(0)                  // comment
            header.appendLE16(0)                  // disk
            header.appendLE16(0)                  // internal attributes
            header.appendLE32(0)                  // external attributes
            header.appendLE32(needs64 ? 0xFFFF_FFFF : UInt32(entry.offset))
            header.append(contentsOf: entry.name)
            header.append(contentsOf: extra)
            try output.write(header.bytes)
        }
        let directoryEnd = output.offset
        let directorySize = directoryEnd - directoryStart
        let count = UInt64(entries.count)
        let needs64 = count >= 0xFFFF || directoryStart >= 0xFFFF_FFFF || directorySize >= 0xFFFF_FFFF
        header.removeAll()
        if needs64 {
            header.appendLE32(0x0606_4b50)        // ZIP64 end of central directory record
            header.appendLE64(44)
            header.appendLE16(45)
            header.appendLE16(45)
            header.appendLE32(0)
            header.appendLE32(0)
            header.appendLE64(count)
            header.appendLE64(count)
            header.appendLE64(directorySize)
            header.appendLE64(directoryStart)
            header.appendLE32(0x0706_4b50)        // locator
            header.appendLE32(0)
            header.appendLE64(directoryEnd)
            header.appendLE32(1)
        }
        header.appendLE32(0x0605_4b50)
        header.appendLE16(0)
        header.appendLE16(0)
        header.appendLE16(needs64 ? 0xFFFF : UInt16(count))
        header.appendLE16(needs64 ? 0xFFFF : UInt16(count))
        header.appendLE32(needs64 ? 0xFFFF_FFFF : UInt32(directorySize))
        header.appendLE32(needs64 ? 0xFFFF_FFFF : UInt32(directoryStart))
        header.appendLE16(0)
        try output.write(header.bytes)
        try output.finish()
    }

    private func flags(_ name: [UInt8]) -> UInt16 {
        name.contains { $0 >= 0x80 } ? 0x0800 : 0 // bit 11: the name is UTF-8
    }

    private func pump(flush: Int32) throws(XLSXError) {
        while true {
            stream.pointee.next_out = outChunk
            stream.pointee.avail_out = uInt(outChunkSize)
            let status = deflate(stream, flush)
            if status == Z_STREAM_ERROR { throw XLSXError(.io("deflate failed"), file: file) }
            let produced = outChunkSize - Int(stream.pointee.avail_out)
            if produced > 0 {
                try output.write(UnsafeRawBufferPointer(start: outChunk, count: produced))
                current!.compressed += UInt64(produced)
            }
            if flush == Z_FINISH {
                if status == Z_STREAM_END { return }
            } else if stream.pointee.avail_in == 0 && stream.pointee.avail_out != 0 {
                return
            }
        }
    }
}
