/// A streaming RFC 4180 reader over bytes: quoted fields with delimiters, doubled quotes and
/// line breaks; CRLF or LF; a UTF-8 BOM skipped. Memory is one buffer plus the longest row.
///
/// Rows are handed to the caller as byte spans valid only during the callback, so the hot
/// path never builds a `String` for a field it does not keep.
public final class CSVReader {
    public struct Limits: Sendable {
        /// The longest row accepted, in bytes (a 10 MB cell is fine; a runaway quote is not).
        public var maxRowBytes = 64 << 20
        public var maxFields = 10_000
        public init() {}
    }

    public struct Error: Swift.Error, CustomStringConvertible, Equatable {
        public enum Reason: Equatable, Sendable {
            case rowTooLong(limit: Int)
            case tooManyFields(limit: Int)
            case unterminatedQuote
        }
        public let line: Int
        public let reason: Reason
        public init(line: Int, reason: Reason) {
            self.line = line
            self.reason = reason
        }
        public var description: String {
            switch reason {
            case .rowTooLong(let limit): "line \(line): row longer than \(limit) bytes"
            case .tooManyFields(let limit): "line \(line): more than \(limit) fields"
            case .unterminatedQuote: "line \(line): a quoted field is never closed"
            }
        }
    }

    private let source: ByteSource
    private let delimiter: UInt8
    private let quote: UInt8
    private let limits: Limits
    private var buffer: UnsafeMutableRawBufferPointer
    private var scratch: UnsafeMutableRawBufferPointer
    /// Valid bytes are buffer[start..<end].
    private var start = 0
    private var end = 0
    private var eof = false
    private var line = 1
    /// Total bytes consumed, for progress reporting.
    public private(set) var bytesRead: Int64 = 0

    public init(source: ByteSource, delimiter: UInt8 = UInt8(ascii: ","), quote: UInt8 = UInt8(ascii: "\""), limits: Limits = Limits()) {
        self.source = source
        self.delimiter = delimiter
        self.quote = quote
        self.limits = limits
        buffer = .allocate(byteCount: 1 << 20, alignment: 16)
        scratch = .allocate(byteCount: 1 << 16, alignment: 16)
    }

    deinit {
        buffer.deallocate()
        scratch.deallocate()
    }

    /// One row: its fields as byte spans and the line it starts on (1-based).
    public struct Row {
        public let line: Int
        fileprivate let spans: UnsafeBufferPointer<Span>
        fileprivate let base: UnsafeRawPointer
        fileprivate let scratchBase: UnsafeRawPointer

        public var count: Int { spans.count }

        public subscript(index: Int) -> UnsafeBufferPointer<UInt8> {
            let span = spans[index]
            let origin = span.inScratch ? scratchBase : base
            return UnsafeBufferPointer(start: (origin + span.offset).assumingMemoryBound(to: UInt8.self), count: span.count)
        }

        /// A field decoded as UTF-8 (invalid sequences replaced); "" past the last field.
        public func string(_ index: Int) -> String {
            index < count ? String(decoding: self[index], as: UTF8.self) : ""
        }
    }

    fileprivate struct Span {
        var offset: Int
        var count: Int
        var inScratch: Bool
    }

    private var spans: [Span] = []

    /// Calls `body` for every row, in order. Empty lines are skipped.
    public func forEachRow(_ body: (Row) throws -> Void) throws {
        spans.reserveCapacity(64)
        try fill()
        // A UTF-8 byte order mark is not part of the first field.
        if end - start >= 3 {
            let b = buffer.baseAddress! + start
            if b.load(as: UInt8.self) == 0xEF && b.load(fromByteOffset: 1, as: UInt8.self) == 0xBB && b.load(fromByteOffset: 2, as: UInt8.self) == 0xBF {
                start += 3
                bytesRead += 3
            }
        }
        while true {
            guard let consumed = try scanRow() else { return }
            let rowLine = line
            line += consumed.newlines
            let isEmptyLine = spans.count == 1 && spans[0].count == 0 && !consumed.sawQuote
            if !isEmptyLine {
                try spans.withUnsafeBufferPointer { spanBuffer in
                    try body(Row(line: rowLine, spans: spanBuffer, base: UnsafeRawPointer(buffer.baseAddress!), scratchBase: UnsafeRawPointer(scratch.baseAddress!)))
                }
            }
            start += consumed.bytes
            bytesRead += Int64(consumed.bytes)
        }
    }

    /// Reads more bytes, keeping buffer[start..<end] and growing the buffer for long rows.
    private func fill() throws {
        if start > 0 {
            let live = end - start
            if live > 0 { buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: live) }
            start = 0
            end = live
        }
        if end == buffer.count {
            guard buffer.count < limits.maxRowBytes + 2 else {
                throw Error(line: line, reason: .rowTooLong(limit: limits.maxRowBytes))
            }
            let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: min(buffer.count * 2, limits.maxRowBytes + 2), alignment: 16)
            bigger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: end)
            buffer.deallocate()
            buffer = bigger
        }
        while end < buffer.count && !eof {
            let count = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end...]))
            if count == 0 { eof = true } else { end += count }
            if count > 0 { break }
        }
    }

    private func ensureScratch(_ needed: Int) {
        guard needed > scratch.count else { return }
        var size = scratch.count
        while size < needed { size *= 2 }
        let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        bigger.baseAddress!.copyMemory(from: scratch.baseAddress!, byteCount: scratch.count)
        scratch.deallocate()
        scratch = bigger
    }

    /// Splits the row at `start` into `spans`; nil at the end of input. Refills and rescans
    /// when the row runs past the buffered bytes (rows are short; the rescan is rare).
    private func scanRow() throws -> (bytes: Int, newlines: Int, sawQuote: Bool)? {
        while true {
            if start == end {
                if eof { return nil }
                try fill()
                continue
            }
            if let result = try scan(atEOF: eof) { return result }
            if eof { throw Error(line: line, reason: .unterminatedQuote) }
            try fill()
        }
    }

    /// One attempt over the buffered bytes; nil when the row is not complete yet.
    private func scan(atEOF: Bool) throws -> (bytes: Int, newlines: Int, sawQuote: Bool)? {
        spans.removeAll(keepingCapacity: true)
        let bytes = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: UInt8.self)
        var i = start
        var newlines = 0
        var scratchUsed = 0
        var sawQuote = false
        let delimiter = self.delimiter, quote = self.quote
        while true {
            // One field.
            if spans.count >= limits.maxFields { throw Error(line: line, reason: .tooManyFields(limit: limits.maxFields)) }
            if i < end && bytes[i] == quote {
                sawQuote = true
                i += 1
                let fieldScratchStart = scratchUsed
                var runStart = i
                var closed = false
                while i < end {
                    let byte = bytes[i]
                    if byte == quote {
                        // A doubled quote is one quote; a single one closes the field.
                        if i + 1 < end {
                            let length = i - runStart
                            ensureScratch(scratchUsed + length + 1)
                            (scratch.baseAddress! + scratchUsed).copyMemory(from: bytes + runStart, byteCount: length)
                            scratchUsed += length
                            if bytes[i + 1] == quote {
                                scratch.storeBytes(of: quote, toByteOffset: scratchUsed, as: UInt8.self)
                                scratchUsed += 1
                                i += 2
                                runStart = i
                                continue
                            }
                            i += 1
                            closed = true
                            break
                        } else if atEOF {
                            let length = i - runStart
                            ensureScratch(scratchUsed + length)
                            (scratch.baseAddress! + scratchUsed).copyMemory(from: bytes + runStart, byteCount: length)
                            scratchUsed += length
                            i += 1
                            closed = true
                            break
                        } else {
                            return nil
                        }
                    }
                    if byte == 10 { newlines += 1 }
                    i += 1
                }
                if !closed { return nil }
                spans.append(Span(offset: fieldScratchStart, count: scratchUsed - fieldScratchStart, inScratch: true))
                // Stray bytes between the closing quote and the delimiter are kept verbatim,
                // as spreadsheet programs do ("a"b -> ab).
                let strayStart = i
                while i < end && bytes[i] != delimiter && bytes[i] != 10 && bytes[i] != 13 { i += 1 }
                if i > strayStart {
                    let length = i - strayStart
                    ensureScratch(scratchUsed + length)
                    (scratch.baseAddress! + scratchUsed).copyMemory(from: bytes + strayStart, byteCount: length)
                    scratchUsed += length
                    spans[spans.count - 1].count += length
                }
            } else {
                let fieldStart = i
                while i < end {
                    let byte = bytes[i]
                    if byte == delimiter || byte == 10 || byte == 13 { break }
                    i += 1
                }
                spans.append(Span(offset: fieldStart, count: i - fieldStart, inScratch: false))
            }
            // After a field: delimiter, end of line, or end of input.
            if i >= end {
                if !atEOF { return nil }
                return (i - start, newlines, sawQuote)
            }
            let byte = bytes[i]
            if byte == delimiter {
                i += 1
                continue
            }
            if byte == 13 {
                if i + 1 >= end && !atEOF { return nil }
                i += 1
                if i < end && bytes[i] == 10 { i += 1 }
                return (i - start, newlines + 1, sawQuote)
            }
            // LF
            return (i + 1 - start, newlines + 1, sawQuote)
        }
    }
}
