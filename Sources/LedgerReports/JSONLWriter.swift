#if canImport(Glibc)
import Glibc
private let systemClose = Glibc.close
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let systemClose = Darwin.close
private let systemWrite = Darwin.write
#endif
import LedgerCore

/// Writes JSON Lines: one object a line, fields in the order given (the documented order of
/// docs/statement-schema.md), no whitespace, `/` unescaped, non-ASCII as UTF-8. Buffered; the
/// same calls give the same bytes.
public final class JSONLWriter {
    public let path: String
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var closed = false

    /// Writes into an existing file (`AtomicOutput` creates it with its mode), truncating it.
    public init(path: String) throws(ReportError) {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        if fd < 0 { throw ReportError(path: path, .io("cannot create: \(String(cString: strerror(errno)))")) }
        buffer.reserveCapacity(1 << 20)
    }

    deinit { if !closed { _ = systemClose(fd) } }

    /// One object: `"record"` first, then the columns' keys with their values.
    public func write(record: String, columns: [ReportColumn], values: [ReportValue]) throws(ReportError) {
        try write(Prefixes(record: record, columns: columns), values: values)
    }

    /// The constant bytes of a record type (`{"record":"detail"` and each `,"key":`), built once
    /// for streamed rows.
    public struct Prefixes {
        let record: [UInt8]
        let keys: [[UInt8]]

        public init(record: String, columns: [ReportColumn]) {
            var head = Array(#"{"record":"#.utf8)
            JSONLWriter.appendString(record, to: &head)
            self.record = head
            keys = columns.map { column in
                var key: [UInt8] = [UInt8(ascii: ",")]
                JSONLWriter.appendString(column.key, to: &key)
                key.append(UInt8(ascii: ":"))
                return key
            }
        }
    }

    public func write(_ prefixes: Prefixes, values: [ReportValue]) throws(ReportError) {
        buffer.append(contentsOf: prefixes.record)
        for (key, value) in zip(prefixes.keys, values) {
            buffer.append(contentsOf: key)
            JSONLWriter.append(value, to: &buffer)
        }
        buffer.append(contentsOf: "}\n".utf8)
        if buffer.count >= 1 << 20 { try flush() }
    }

    /// `write(_:values:)` of the same values, given borrowed: the same bytes, written without
    /// a `String` per value.
    public func write(_ prefixes: Prefixes, raw values: UnsafeBufferPointer<RawReportValue>) throws(ReportError) {
        buffer.append(contentsOf: prefixes.record)
        for (key, value) in zip(prefixes.keys, values) {
            buffer.append(contentsOf: key)
            switch value {
            case .null: buffer.append(contentsOf: "null".utf8)
            case .text(let bytes): JSONLWriter.appendString(bytes.assumingMemoryBound(to: UInt8.self), to: &buffer)
            case .int(let n): DecimalText.append(n, to: &buffer)
            case .exact(let money):
                buffer.append(UInt8(ascii: "\""))
                money.appendDescription(to: &buffer)
                buffer.append(UInt8(ascii: "\""))
            case .date(let date):
                buffer.append(UInt8(ascii: "\""))
                date.appendDescription(to: &buffer)
                buffer.append(UInt8(ascii: "\""))
            case .dateTime(let instant, let offset):
                buffer.append(UInt8(ascii: "\""))
                instant.appendISO8601(offsetSeconds: offset, to: &buffer)
                buffer.append(UInt8(ascii: "\""))
            }
        }
        buffer.append(contentsOf: "}\n".utf8)
        if buffer.count >= 1 << 20 { try flush() }
    }

    public func close() throws(ReportError) {
        guard !closed else { return }
        try flush()
        closed = true
        if systemClose(fd) != 0 { throw ReportError(path: path, .io("close failed: \(String(cString: strerror(errno)))")) }
    }

    private func flush() throws(ReportError) {
        var done = 0
        while done < buffer.count {
            let n = buffer.withUnsafeBytes { systemWrite(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ReportError(path: path, .io("write failed: \(String(cString: strerror(errno)))"))
            }
            done += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    static func append(_ value: ReportValue, to out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .text(let text): appendString(text, to: &out)
        case .int(let n): out.append(contentsOf: String(n).utf8)
        case .money(let money, let digits): appendString(money.formatted(fractionDigits: digits), to: &out)
        case .exact(let money), .percent(let money): appendString(money.description, to: &out)
        case .date(let date): appendString(date.description, to: &out)
        case .dateTime(let instant, let offset): appendString(instant.iso8601(offsetSeconds: offset), to: &out)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        }
    }

    static let hexDigits = Array("0123456789abcdef".utf8)

    static func appendString(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { appendString($0, to: &out) }
    }

    static func appendString(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Most text needs no escape: copy it whole.
        if !bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out.append(contentsOf: bytes)
        } else {
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\""): out.append(contentsOf: [92, 34])
                case UInt8(ascii: "\\"): out.append(contentsOf: [92, 92])
                case 0x0A: out.append(contentsOf: [92, UInt8(ascii: "n")])
                case 0x0D: out.append(contentsOf: [92, UInt8(ascii: "r")])
                case 0x09: out.append(contentsOf: [92, UInt8(ascii: "t")])
                case 0..<0x20:
                    out.append(contentsOf: Array("\\u00".utf8))
                    out.append(hexDigits[Int(byte >> 4)])
                    out.append(hexDigits[Int(byte & 15)])
                default: out.append(byte)
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
