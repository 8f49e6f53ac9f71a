import CZlib

/// One entry inflated as a stream: bytes come out as they are asked for, counted against the
/// archive's limits, and the CRC and size are checked when the entry ends.
final class ZipEntryStream {
    private let archive: ZipArchive
    let entry: ZipArchive.Entry
    private var nextRead: UInt64
    private var compressedLeft: UInt64
    private var produced: UInt64 = 0
    private var archiveTotal: UInt64 = 0
    private var crc: uLong = crc32(0, nil, 0)
    private var finished = false
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    private var streamReady = false
    private let input: UnsafeMutablePointer<UInt8>
    private let inputCapacity = 1 << 16

    init(archive: ZipArchive, entry: ZipArchive.Entry, dataStart: UInt64) throws(XLSXError) {
        self.archive = archive
        self.entry = entry
        nextRead = dataStart
        compressedLeft = entry.compressedSize
        input = .allocate(capacity: inputCapacity)
        stream.initialize(to: z_stream())
        switch entry.method {
        case 0: break
        case 8:
            guard czlib_inflateInit2(stream, -15) == Z_OK else { throw fail(.corruptData("inflateInit2 failed")) }
            streamReady = true
        default:
            throw fail(.unsupportedCompression(method: Int(entry.method)))
        }
    }

    deinit {
        if streamReady { inflateEnd(stream) }
        stream.deallocate()
        input.deallocate()
    }

    private func fail(_ reason: XLSXError.Reason) -> XLSXError { archive.error(reason, entry.name) }

    /// Fills up to `capacity` bytes; 0 means the entry ended (and checked out).
    func read(into buffer: UnsafeMutablePointer<UInt8>, capacity: Int) throws(XLSXError) -> Int {
        if finished || capacity == 0 { return 0 }
        var n = 0
        if entry.method == 0 {
            let want = Int(min(UInt64(capacity), compressedLeft))
            if want == 0 { try finish(); return 0 }
            n = try archive.read(at: nextRead, into: buffer, count: want)
            if n <= 0 { throw fail(.truncated) }
            nextRead += UInt64(n)
            compressedLeft -= UInt64(n)
        } else {
            stream.pointee.next_out = buffer
            stream.pointee.avail_out = uInt(capacity)
            while stream.pointee.avail_out == uInt(capacity) {
                if stream.pointee.avail_in == 0 {
                    let want = Int(min(UInt64(inputCapacity), compressedLeft))
                    if want > 0 {
                        let got = try archive.read(at: nextRead, into: input, count: want)
                        if got <= 0 { throw fail(.truncated) }
                        nextRead += UInt64(got)
                        compressedLeft -= UInt64(got)
                        stream.pointee.next_in = input
                        stream.pointee.avail_in = uInt(got)
                    }
                }
                let hadInput = stream.pointee.avail_in
                let status = inflate(stream, Z_NO_FLUSH)
                if status == Z_STREAM_END {
                    n = capacity - Int(stream.pointee.avail_out)
                    account(buffer, n)
                    try check()
                    try finish()
                    return n
                }
                if status == Z_DATA_ERROR || status == Z_NEED_DICT || status == Z_MEM_ERROR || status == Z_STREAM_ERROR {
                    let message = stream.pointee.msg.map { String(cString: $0) } ?? "inflate error \(status)"
                    throw fail(.corruptData(message))
                }
                if status == Z_BUF_ERROR || (hadInput == 0 && stream.pointee.avail_out == uInt(capacity)) {
                    // No progress possible: the compressed data ran out before its end marker.
                    if compressedLeft == 0 && stream.pointee.avail_in == 0 { throw fail(.truncated) }
                }
            }
            n = capacity - Int(stream.pointee.avail_out)
        }
        account(buffer, n)
        try check()
        return n
    }

    private func account(_ buffer: UnsafeMutablePointer<UInt8>, _ n: Int) {
        guard n > 0 else { return }
        crc = crc32(crc, buffer, uInt(n))
        produced += UInt64(n)
        archiveTotal = archive.addInflated(UInt64(n))
    }

    private func check() throws(XLSXError) {
        let limits = archive.limits
        if produced > limits.maxPartSize { throw fail(.entryTooLarge(size: produced, limit: limits.maxPartSize)) }
        if archiveTotal > limits.maxTotalSize { throw fail(.totalSizeTooLarge(limit: limits.maxTotalSize)) }
        let consumed = entry.compressedSize - compressedLeft
        if produced > limits.ratioThreshold, produced / max(consumed, 1) > UInt64(limits.maxCompressionRatio) {
            throw fail(.compressionRatioTooHigh(limit: limits.maxCompressionRatio))
        }
        // A header that lies about the size is caught as soon as the data passes it.
        if produced > entry.uncompressedSize {
            throw fail(.sizeMismatch(declared: entry.uncompressedSize, actual: produced))
        }
    }

    private func finish() throws(XLSXError) {
        finished = true
        if produced != entry.uncompressedSize {
            throw fail(.sizeMismatch(declared: entry.uncompressedSize, actual: produced))
        }
        let actual = UInt32(truncatingIfNeeded: crc)
        if actual != entry.crc { throw fail(.badCRC(expected: entry.crc, actual: actual)) }
    }
}
