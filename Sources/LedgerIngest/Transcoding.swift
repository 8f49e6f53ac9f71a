#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Transcodes another byte stream to UTF-8 with the C library's iconv (glibc knows CP949,
/// EUC-KR and the rest), chunk by chunk: memory is two buffers whatever the file's size.
///
/// A byte sequence that is not valid in the source encoding becomes U+FFFD and the stream
/// goes on; the row holding it is then rejected by whatever field it lands in (or, in a
/// header, the file is refused for a missing column): a wrongly declared encoding never
/// passes silently.
public final class TranscodingByteSource: ByteSource {
    private let inner: ByteSource
    private let path: String
    private let converter: iconv_t
    private var input: UnsafeMutableRawBufferPointer
    private var inputStart = 0, inputEnd = 0
    private var eof = false
    /// Output already converted but not yet handed out (a replacement that did not fit).
    private var pending: [UInt8] = []
    /// Invalid sequences replaced so far.
    public private(set) var replacements = 0

    /// `encoding`: an iconv name such as "CP949" or "EUC-KR".
    public init(_ inner: ByteSource, encoding: String, path: String) throws {
        self.inner = inner
        self.path = path
        let handle = iconv_open("UTF-8", encoding)
        guard let handle, Int(bitPattern: handle) != -1 else {
            throw SourceError(path: path, reason: .badGzip("unknown encoding \(encoding)"))
        }
        converter = handle
        input = .allocate(byteCount: 1 << 16, alignment: 1)
    }

    deinit {
        iconv_close(converter)
        input.deallocate()
    }

    /// Whether iconv knows an encoding name.
    public static func supports(_ encoding: String) -> Bool {
        let handle = iconv_open("UTF-8", encoding)
        guard let handle, Int(bitPattern: handle) != -1 else { return false }
        iconv_close(handle)
        return true
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard buffer.count > 0 else { return 0 }
        var produced = 0
        if !pending.isEmpty {
            let n = min(pending.count, buffer.count)
            pending.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: n) }
            pending.removeFirst(n)
            produced = n
            if produced == buffer.count { return produced }
        }
        while produced < buffer.count {
            if inputStart == inputEnd || (inputEnd - inputStart < 8 && !eof) {
                try refill()
                if inputStart == inputEnd { break }
            }
            var inPointer: UnsafeMutablePointer<CChar>? = (input.baseAddress! + inputStart).assumingMemoryBound(to: CChar.self)
            var inLeft = inputEnd - inputStart
            var outPointer: UnsafeMutablePointer<CChar>? = (buffer.baseAddress! + produced).assumingMemoryBound(to: CChar.self)
            var outLeft = buffer.count - produced
            let result = iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft)
            let code = errno
            let consumed = (inputEnd - inputStart) - inLeft
            inputStart += consumed
            produced = buffer.count - outLeft
            if result != -1 { continue }
            switch code {
            case E2BIG:
                return produced
            case EINVAL:
                // An incomplete sequence at the end of the chunk: read more, or at the end of
                // the file it is invalid.
                if eof {
                    inputStart = inputEnd
                    replace(into: buffer, produced: &produced)
                } else {
                    try refill()
                }
            case EILSEQ:
                inputStart += 1
                replace(into: buffer, produced: &produced)
            default:
                throw SourceError(path: path, reason: .readFailed(errno: code))
            }
        }
        return produced
    }

    private func replace(into buffer: UnsafeMutableRawBufferPointer, produced: inout Int) {
        replacements += 1
        let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]
        for byte in replacement {
            if produced < buffer.count {
                buffer[produced] = byte
                produced += 1
            } else {
                pending.append(byte)
            }
        }
    }

    /// Moves the unconsumed tail to the front and reads more.
    private func refill() throws {
        if inputStart > 0 {
            let live = inputEnd - inputStart
            if live > 0 { input.baseAddress!.copyMemory(from: input.baseAddress! + inputStart, byteCount: live) }
            inputStart = 0
            inputEnd = live
        }
        while !eof && inputEnd < input.count {
            let n = try inner.read(into: UnsafeMutableRawBufferPointer(rebasing: input[inputEnd...]))
            if n == 0 { eof = true } else { inputEnd += n; break }
        }
    }
}
