#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// RFC 4180 CSV read as a stream of records: quoted fields with doubled quotes and line
/// breaks inside, CRLF, LF or CR line ends, a UTF-8 byte-order mark skipped.
final class CSVReader {
    private let fd: Int32
    private let path: String
    private let chunk = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 20)
    private let chunkSize = 1 << 20
    // Per-byte state behind a pointer (no exclusivity checks on the hot path).
    private struct State {
        var length = 0
        var position = 0
        var eof = false
        var started = false
        var line = 1
        var field: [UInt8] = []
    }
    private let state: UnsafeMutablePointer<State> = {
        let p = UnsafeMutablePointer<State>.allocate(capacity: 1)
        p.initialize(to: State())
        return p
    }()
    private var length: Int { get { state.pointee.length } set { state.pointee.length = newValue } }
    private var position: Int { get { state.pointee.position } set { state.pointee.position = newValue } }
    private var eof: Bool { get { state.pointee.eof } set { state.pointee.eof = newValue } }
    private var started: Bool { get { state.pointee.started } set { state.pointee.started = newValue } }
    private(set) var line: Int { get { state.pointee.line } set { state.pointee.line = newValue } }

    init(path: String) throws(XLSXError) {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw XLSXError(.io("cannot open: \(String(cString: strerror(errno)))"), file: path) }
    }

    deinit {
        close(fd)
        chunk.deallocate()
        state.deinitialize(count: 1)
        state.deallocate()
    }

    @inline(__always) private func byte() throws(XLSXError) -> UInt8? {
        let s = state
        if s.pointee.position < s.pointee.length {
            let b = chunk[s.pointee.position]
            s.pointee.position += 1
            return b
        }
        return try refill()
    }

    private func refill() throws(XLSXError) -> UInt8? {
        if position == length {
            if eof { return nil }
            let n = read(fd, chunk, chunkSize)
            if n < 0 { throw XLSXError(.io("read failed: \(String(cString: strerror(errno)))"), file: path) }
            if n == 0 { eof = true; return nil }
            length = n
            position = 0
        }
        let b = chunk[position]
        position += 1
        return b
    }

    private func peek() throws(XLSXError) -> UInt8? {
        guard let b = try byte() else { return nil }
        position -= 1
        return b
    }

    /// The next record's fields, or nil at the end of the file.
    func next() throws(XLSXError) -> [String]? {
        if !started {
            started = true
            if try peek() == 0xEF {
                _ = try byte()
                guard try byte() == 0xBB, try byte() == 0xBF else {
                    throw XLSXError(.badCSV(line: 1, "not UTF-8"), file: path)
                }
            }
        }
        guard try peek() != nil else { return nil }
        var fields: [String] = []
        state.pointee.field.removeAll(keepingCapacity: true)
        let recordLine = line
        var quoted = false
        var atFieldStart = true
        while true {
            guard let b = try byte() else {
                if quoted { throw XLSXError(.badCSV(line: recordLine, "quoted field never closed"), file: path) }
                fields.append(String(decoding: state.pointee.field, as: UTF8.self))
                return fields
            }
            if quoted {
                if b == UInt8(ascii: "\"") {
                    if try peek() == UInt8(ascii: "\"") {
                        _ = try byte()
                        state.pointee.field.append(b)
                    } else {
                        quoted = false
                        let after = try peek()
                        if let after, after != UInt8(ascii: ","), after != 10, after != 13 {
                            throw XLSXError(.badCSV(line: line, "text after a closing quote"), file: path)
                        }
                    }
                } else {
                    if b == 10 { line += 1 }
                    state.pointee.field.append(b)
                }
                continue
            }
            switch b {
            case UInt8(ascii: "\"") where atFieldStart:
                quoted = true
                atFieldStart = false
            case UInt8(ascii: ","):
                fields.append(String(decoding: state.pointee.field, as: UTF8.self))
                state.pointee.field.removeAll(keepingCapacity: true)
                atFieldStart = true
            case 13, 10:
                if b == 13, try peek() == 10 { _ = try byte() }
                line += 1
                fields.append(String(decoding: state.pointee.field, as: UTF8.self))
                return fields
            default:
                state.pointee.field.append(b)
                atFieldStart = false
            }
        }
    }
}

/// RFC 4180 CSV written through a buffer to a file descriptor: CRLF line ends, a field quoted
/// only when it holds a comma, a quote or a line break.
///
/// Cell text that a spreadsheet program would take for a formula (it starts with `=`, `+`,
/// `-`, `@`, a tab or a carriage return) is written with a leading `'` (OWASP's advice on CSV
/// injection): a vendor's file must never run anything in Finance's Excel. Numbers stay as
/// they are ("-12.5"); only text, and number cells whose text is not a plain number, get it.
final class CSVWriter {
    private let fd: Int32
    private let ownsDescriptor: Bool
    let name: String
    private let buffer = ByteBuffer(capacity: 1 << 20)

    init(path: String) throws(XLSXError) {
        name = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        ownsDescriptor = true
        if fd < 0 { throw XLSXError(.io("cannot create: \(String(cString: strerror(errno)))"), file: path) }
    }

    init(fileDescriptor: Int32) {
        name = "fd \(fileDescriptor)"
        fd = fileDescriptor
        ownsDescriptor = false
    }

    deinit { if ownsDescriptor { close(fd) } }

    func writeRecord(_ fields: [String]) throws(XLSXError) {
        for (i, text) in fields.enumerated() {
            if i > 0 { buffer.append(UInt8(ascii: ",")) }
            let needsQuotes = text.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }
            if needsQuotes {
                buffer.append(UInt8(ascii: "\""))
                for b in text.utf8 {
                    if b == UInt8(ascii: "\"") { buffer.append(b) }
                    buffer.append(b)
                }
                buffer.append(UInt8(ascii: "\""))
            } else {
                buffer.append(string: text)
            }
        }
        buffer.append("\r\n")
        if buffer.count >= 1 << 19 { try flush() }
    }

    /// One row of cells as a record, written straight into the buffer (the to-csv hot path).
    func writeRow(_ cells: [XLSXCellValue], date1904: Bool) throws(XLSXError) {
        for (i, cell) in cells.enumerated() {
            if i > 0 { buffer.append(UInt8(ascii: ",")) }
            switch cell {
            case .empty: break
            case .number(let text): appendNumber(text)
            case .error(let text): appendText(text)
            case .string(let text): appendText(text)
            case .bool(let b): buffer.append(b ? "TRUE" : "FALSE")
            case .date(let serial):
                if let time = XLSXDateTime(serial: serial, date1904: date1904) {
                    time.append(to: buffer)
                } else {
                    appendNumber(serial)
                }
            }
        }
        buffer.append("\r\n")
        if buffer.count >= 1 << 19 { try flush() }
    }

    /// One row straight from a parsed batch: no Strings made on the way.
    func writeRow(_ batch: RowBatch, _ index: Int, strings: SharedStringArena, date1904: Bool) throws(XLSXError) {
        let row = batch.rows[index]
        var column = 0
        batch.bytes.withUnsafeBufferPointer { all in
            for i in row.cells {
                let cell = batch.cells[i]
                let target = Int(cell.column)
                // Out-of-order or repeated columns are rare; write in file order but keep the commas.
                if target < column { continue }
                while column < target {
                    if column > 0 { buffer.append(UInt8(ascii: ",")) }
                    column += 1
                }
                if column > 0 { buffer.append(UInt8(ascii: ",")) }
                column += 1
                if cell.kind == .shared {
                    strings.withBytes(at: Int(cell.offset)) { appendText($0) }
                    continue
                }
                let bytes = UnsafeBufferPointer(rebasing: all[Int(cell.offset)..<Int(cell.offset + cell.length)])
                switch cell.kind {
                case .shared: break
                case .text, .error: appendText(bytes)
                case .number: appendNumber(bytes)
                case .bool:
                    let first = bytes.first
                    buffer.append(first == UInt8(ascii: "1") || first == UInt8(ascii: "t") || first == UInt8(ascii: "T") ? "TRUE" : "FALSE")
                case .date:
                    if let time = XLSXDateTime(serial: bytes, date1904: date1904) {
                        time.append(to: buffer)
                    } else {
                        appendNumber(bytes)
                    }
                }
            }
        }
        buffer.append("\r\n")
        if buffer.count >= 1 << 19 { try flush() }
    }

    private func appendText(_ text: String) {
        var text = text
        text.withUTF8 { appendText($0) }
    }

    private func appendNumber(_ text: String) {
        var text = text
        text.withUTF8 { appendNumber($0) }
    }

    /// Text: neutralized when a spreadsheet would read it as a formula.
    private func appendText(_ u: UnsafeBufferPointer<UInt8>) {
        if let first = u.first, Self.formulaTriggers.contains(first) {
            appendField(u, prefix: UInt8(ascii: "'"))
        } else {
            appendField(u)
        }
    }

    /// A number cell's text: as written when it is a plain number, else treated as text (a
    /// crafted workbook can put anything in a number cell's value).
    private func appendNumber(_ u: UnsafeBufferPointer<UInt8>) {
        if Self.isPlainNumber(u) { appendField(u) } else { appendText(u) }
    }

    static let formulaTriggers: Set<UInt8> = [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 9, 13]

    /// `[+-]digits[.digits][(e|E)[+-]digits]`.
    static func isPlainNumber(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        func digits() -> Int {
            let start = i
            while i < u.count, u[i] >= 48, u[i] <= 57 { i += 1 }
            return i - start
        }
        if i < u.count, u[i] == UInt8(ascii: "-") || u[i] == UInt8(ascii: "+") { i += 1 }
        var count = digits()
        if i < u.count, u[i] == UInt8(ascii: ".") {
            i += 1
            count += digits()
        }
        guard count > 0 else { return false }
        if i < u.count, u[i] == UInt8(ascii: "e") || u[i] == UInt8(ascii: "E") {
            i += 1
            if i < u.count, u[i] == UInt8(ascii: "-") || u[i] == UInt8(ascii: "+") { i += 1 }
            guard digits() > 0 else { return false }
        }
        return i == u.count
    }

    private func appendField(_ u: UnsafeBufferPointer<UInt8>, prefix: UInt8? = nil) {
        guard let base = u.baseAddress else { return }
        var needsQuotes = false
        for b in u where b == UInt8(ascii: ",") || b == UInt8(ascii: "\"") || b == 10 || b == 13 {
            needsQuotes = true
            break
        }
        if !needsQuotes {
            if let prefix { buffer.append(prefix) }
            buffer.append(base, count: u.count)
            return
        }
        buffer.append(UInt8(ascii: "\""))
        if let prefix { buffer.append(prefix) }
        for b in u {
            if b == UInt8(ascii: "\"") { buffer.append(b) }
            buffer.append(b)
        }
        buffer.append(UInt8(ascii: "\""))
    }

    func flush() throws(XLSXError) {
        var done = 0
        while done < buffer.count {
            let n = write(fd, buffer.base + done, buffer.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw XLSXError(.io("write failed: \(String(cString: strerror(errno)))"), file: name)
            }
            done += n
        }
        buffer.removeAll()
    }

    func finish() throws(XLSXError) {
        try flush()
        if ownsDescriptor, fsync(fd) != 0, errno != EINVAL {
            throw XLSXError(.io("sync failed: \(String(cString: strerror(errno)))"), file: name)
        }
    }
}
