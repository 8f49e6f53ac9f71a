import CLibXML2
import Foundation

/// The rows of one sheet, read as a stream. A worker thread parses the sheet (while another
/// inflates it ahead) and hands over batches of rows; `next()` takes them in order, so reading
/// overlaps with whatever the caller does with the rows. At most a few batches wait.
public final class XLSXRowCursor {
    private let producer: RowProducer
    let strings: SharedStringArena
    private var batch = RowBatch()
    private var index = 0
    private var started = false

    init(feeder: SAXFeeder, strings: SharedStringArena, dateStyles: [Bool], maxDepth: Int) throws(XLSXError) {
        self.strings = strings
        producer = try RowProducer(feeder: feeder, strings: strings, dateStyles: dateStyles, maxDepth: maxDepth)
    }

    deinit { producer.cancel() }

    /// The next row, or nil at the end of the sheet.
    public func next() throws(XLSXError) -> XLSXRow? {
        guard let (batch, index) = try nextRaw() else { return nil }
        return batch.row(index, strings: strings)
    }

    /// The next row as its batch and index in it (valid until the next call).
    func nextRaw() throws(XLSXError) -> (RowBatch, Int)? {
        if index < batch.rows.count {
            index += 1
            return (batch, index - 1)
        }
        if !started {
            started = true
            producer.start()
        }
        while true {
            guard let next = try producer.take() else {
                batch = RowBatch()
                index = 0
                return nil
            }
            if next.rows.isEmpty { continue }
            batch = next
            index = 1
            return (batch, 0)
        }
    }
}

/// The worker behind a cursor: owns the parser (only its thread touches it once started) and
/// a small queue of parsed batches guarded by a condition.
final class RowProducer: @unchecked Sendable {
    private let handler: SheetHandler
    private let condition = NSCondition()
    private var queue: [RowBatch] = []
    private var finished = false
    private var failure: XLSXError?
    private var cancelled = false
    private let maxQueued = 4

    init(feeder: SAXFeeder, strings: SharedStringArena, dateStyles: [Bool], maxDepth: Int) throws(XLSXError) {
        handler = SheetHandler(feeder: feeder, strings: strings, dateStyles: dateStyles, maxDepth: maxDepth)
        var sax = xmlSAXHandler()
        sax.startElementNs = sheetStart
        sax.endElementNs = sheetEnd
        sax.characters = sheetCharacters
        sax.cdataBlock = sheetCharacters
        sax.ignorableWhitespace = sheetCharacters
        try feeder.start(handler: &sax, userData: Unmanaged.passUnretained(handler).toOpaque())
        feeder.prefetch()
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "sendledger.xlsx.read"
        thread.start()
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch; nil at the end.
    func take() throws(XLSXError) -> RowBatch? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !finished && failure == nil { condition.wait() }
        if !queue.isEmpty {
            let batch = queue.removeFirst()
            condition.broadcast()
            return batch
        }
        if let failure { throw failure }
        return nil
    }

    private func run() {
        let state = handler.state
        let feeder = handler.feeder
        var failed: XLSXError?
        while true {
            var more = false
            do { more = try feeder.feed() } catch let error { failed = error }
            let rows = handler.takeCompleted()
            let done = failed != nil || !more || state.pointee.sheetDataEnded
            condition.lock()
            while queue.count >= maxQueued && !cancelled { condition.wait() }
            if cancelled { condition.unlock(); return }
            if !rows.rows.isEmpty { queue.append(rows) }
            if done {
                failure = failed
                finished = true
            }
            condition.broadcast()
            condition.unlock()
            if done { return }
        }
    }
}

/// What the sheet callbacks work on. Kept behind a pointer so the hot callbacks pay no
/// exclusivity checks.
struct SheetState {
    enum CellType { case number, shared, inline, string, bool, error, isoDate }

    // The batch being filled.
    var bytes: [UInt8] = []
    var cells: [RowBatch.Cell] = []
    var rows: [RowBatch.Row] = []
    var lastRow = 0
    var rowStart = 0
    var rowByteStart = 0
    var inRow = false
    var valueStart = 0
    var column = -1
    var type = CellType.number
    var style = 0
    var hasValue = false
    var capturing = false
    var inInline = false
    var inPhonetic = false
    var depth = 0
    var sheetDataEnded = false
}

final class SheetHandler: SAXFeederOwner {
    let feeder: SAXFeeder
    let strings: SharedStringArena
    let dateStyles: [Bool]
    let maxDepth: Int
    let state: UnsafeMutablePointer<SheetState>

    init(feeder: SAXFeeder, strings: SharedStringArena, dateStyles: [Bool], maxDepth: Int) {
        self.feeder = feeder
        self.strings = strings
        self.dateStyles = dateStyles
        self.maxDepth = maxDepth
        state = .allocate(capacity: 1)
        state.initialize(to: SheetState())
    }

    deinit {
        state.deinitialize(count: 1)
        state.deallocate()
    }

    @inline(__always) func start(_ name: UnsafePointer<UInt8>, _ count: Int, _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?) {
        let s = state
        s.pointee.depth += 1
        if s.pointee.depth > maxDepth { feeder.stop(.tooDeep(limit: maxDepth)); return }
        switch (name[0], name[1]) {
        case (UInt8(ascii: "c"), 0):
            var nextColumn = s.pointee.column + 1
            var type = SheetState.CellType.number
            var style = 0
            if let attributes {
                for i in 0..<count {
                    guard let n = attributes[i * 5], n[1] == 0, let start = attributes[i * 5 + 3], let end = attributes[i * 5 + 4] else { continue }
                    switch n[0] {
                    case UInt8(ascii: "r"):
                        guard let column = columnIndex(start, end) else {
                            feeder.stop(.badCellReference(text(start, end)))
                            return
                        }
                        nextColumn = column
                    case UInt8(ascii: "t"):
                        let second = end - start > 1 ? start[1] : 0
                        switch (start[0], second) {
                        case (UInt8(ascii: "s"), 0): type = .shared
                        case (UInt8(ascii: "s"), _): type = .string       // "str": a formula's text
                        case (UInt8(ascii: "i"), _): type = .inline       // "inlineStr"
                        case (UInt8(ascii: "b"), _): type = .bool
                        case (UInt8(ascii: "e"), _): type = .error
                        case (UInt8(ascii: "d"), _): type = .isoDate
                        default: type = .number
                        }
                    case UInt8(ascii: "s"):
                        style = integer(start, end) ?? 0
                    default: break
                    }
                }
            }
            s.pointee.column = nextColumn
            s.pointee.type = type
            s.pointee.style = style
            s.pointee.hasValue = false
            s.pointee.capturing = false
            s.pointee.inInline = false
        case (UInt8(ascii: "v"), 0):
            s.pointee.capturing = true
            s.pointee.valueStart = s.pointee.bytes.count
            s.pointee.hasValue = true
        case (UInt8(ascii: "t"), 0):
            if s.pointee.inInline && !s.pointee.inPhonetic {
                s.pointee.capturing = true
                s.pointee.hasValue = true
            }
        case (UInt8(ascii: "i"), UInt8(ascii: "s")) where name[2] == 0:
            s.pointee.inInline = true
            s.pointee.valueStart = s.pointee.bytes.count
            s.pointee.hasValue = true
        case (UInt8(ascii: "r"), UInt8(ascii: "o")) where name[2] == UInt8(ascii: "w") && name[3] == 0:
            var number = s.pointee.lastRow + 1
            if let attributes {
                for i in 0..<count {
                    guard let n = attributes[i * 5], n[0] == UInt8(ascii: "r"), n[1] == 0,
                          let start = attributes[i * 5 + 3], let end = attributes[i * 5 + 4] else { continue }
                    guard let parsed = integer(start, end), parsed >= 1 else {
                        feeder.stop(.badCellReference(text(start, end)))
                        return
                    }
                    number = parsed
                }
            }
            s.pointee.lastRow = number
            s.pointee.rowStart = s.pointee.cells.count
            s.pointee.rowByteStart = s.pointee.bytes.count
            s.pointee.inRow = true
            s.pointee.column = -1
        case (UInt8(ascii: "r"), UInt8(ascii: "P")):
            s.pointee.inPhonetic = true
        default:
            break
        }
    }

    /// The rows completed so far; a row still open moves on to the next batch.
    func takeCompleted() -> RowBatch {
        let s = state
        var bytes: [UInt8] = []
        var cells: [RowBatch.Cell] = []
        var rows: [RowBatch.Row] = []
        bytes.reserveCapacity(s.pointee.bytes.count + 1024)
        cells.reserveCapacity(s.pointee.cells.count + 64)
        rows.reserveCapacity(s.pointee.rows.count + 16)
        swap(&bytes, &s.pointee.bytes)
        swap(&cells, &s.pointee.cells)
        swap(&rows, &s.pointee.rows)
        if s.pointee.inRow {
            let cellStart = s.pointee.rowStart
            let byteStart = s.pointee.rowByteStart
            s.pointee.bytes.append(contentsOf: bytes[byteStart...])
            for var cell in cells[cellStart...] {
                if cell.kind != .shared { cell.offset -= UInt32(byteStart) }
                s.pointee.cells.append(cell)
            }
            bytes.removeSubrange(byteStart...)
            cells.removeSubrange(cellStart...)
            s.pointee.valueStart -= byteStart
            s.pointee.rowStart = 0
            s.pointee.rowByteStart = 0
        }
        return RowBatch(bytes: bytes, cells: cells, rows: rows)
    }

    @inline(__always) func end(_ name: UnsafePointer<UInt8>) {
        let s = state
        s.pointee.depth -= 1
        switch (name[0], name[1]) {
        case (UInt8(ascii: "c"), 0): endCell()
        case (UInt8(ascii: "v"), 0), (UInt8(ascii: "t"), 0): s.pointee.capturing = false
        case (UInt8(ascii: "i"), UInt8(ascii: "s")) where name[2] == 0: s.pointee.inInline = false
        case (UInt8(ascii: "r"), UInt8(ascii: "P")): s.pointee.inPhonetic = false
        case (UInt8(ascii: "r"), UInt8(ascii: "o")) where name[2] == UInt8(ascii: "w") && name[3] == 0:
            s.pointee.rows.append(RowBatch.Row(number: s.pointee.lastRow, cells: s.pointee.rowStart..<s.pointee.cells.count))
            s.pointee.inRow = false
        case (UInt8(ascii: "s"), UInt8(ascii: "h")):
            if strcmp8(name, "sheetData") {
                s.pointee.sheetDataEnded = true
            }
        default: break
        }
    }

    @inline(__always) func characters(_ p: UnsafePointer<UInt8>, _ n: Int) {
        if state.pointee.capturing {
            state.pointee.bytes.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
        }
    }

    private func endCell() {
        let s = state
        s.pointee.capturing = false
        guard s.pointee.hasValue else { return }
        let start = s.pointee.valueStart
        var length = s.pointee.bytes.count - start
        var offset = start
        let kind: RowBatch.Kind
        switch s.pointee.type {
        case .shared:
            let index = s.pointee.bytes.withUnsafeBufferPointer { parseInt(UnsafeBufferPointer(rebasing: $0[start...])) }
            s.pointee.bytes.removeSubrange(start...)
            guard let index, index < strings.count else {
                feeder.stop(.badSharedStringIndex(index ?? -1))
                return
            }
            kind = .shared
            offset = index
            length = 0
        case .inline, .string:
            if XLSXEscapes.containsEscape(s.pointee.bytes, from: start) {
                let decoded = XLSXEscapes.decode(Array(s.pointee.bytes[start...]))
                s.pointee.bytes.replaceSubrange(start..., with: decoded)
                length = decoded.count
            }
            kind = .text
        case .bool: kind = .bool
        case .error: kind = .error
        case .isoDate: kind = .text
        case .number:
            if length == 0 { return }
            let style = s.pointee.style
            kind = style < dateStyles.count && dateStyles[style] ? .date : .number
        }
        s.pointee.cells.append(RowBatch.Cell(kind: kind, column: Int32(s.pointee.column), offset: UInt32(truncatingIfNeeded: offset),
                                         length: UInt32(truncatingIfNeeded: length)))
    }

    /// "AB12" -> 27 (0-based). Only the letters matter; the row comes from the row element.
    private func columnIndex(_ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) -> Int? {
        var p = start
        var index = 0
        while p < end {
            let b = p.pointee
            if b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") {
                index = index * 26 + Int(b - 64)
            } else if b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z") {
                index = index * 26 + Int(b - 96)
            } else {
                break
            }
            p += 1
            if p - start > 3 { return nil }
        }
        if p == start || index > 16_384 { return nil }
        return index - 1
    }

    private func integer(_ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) -> Int? {
        parseInt(UnsafeBufferPointer(start: start, count: end - start))
    }

    private func text(_ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) -> String {
        String(decoding: UnsafeBufferPointer(start: start, count: end - start), as: UTF8.self)
    }
}

private func sheetStart(_ ctx: UnsafeMutableRawPointer?, _ localname: UnsafePointer<xmlChar>?, _ prefix: UnsafePointer<xmlChar>?,
                        _ uri: UnsafePointer<xmlChar>?, _ nbNamespaces: Int32, _ namespaces: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?,
                        _ nbAttributes: Int32, _ nbDefaulted: Int32, _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?) {
    guard let ctx, let localname else { return }
    // Guaranteed reference: the cursor keeps the handler alive; no retain/release per callback.
    Unmanaged<SheetHandler>.fromOpaque(ctx)._withUnsafeGuaranteedRef { $0.start(localname, Int(nbAttributes), attributes) }
}

private func sheetEnd(_ ctx: UnsafeMutableRawPointer?, _ localname: UnsafePointer<xmlChar>?, _ prefix: UnsafePointer<xmlChar>?,
                      _ uri: UnsafePointer<xmlChar>?) {
    guard let ctx, let localname else { return }
    Unmanaged<SheetHandler>.fromOpaque(ctx)._withUnsafeGuaranteedRef { $0.end(localname) }
}

private func sheetCharacters(_ ctx: UnsafeMutableRawPointer?, _ ch: UnsafePointer<xmlChar>?, _ len: Int32) {
    guard let ctx, let ch else { return }
    Unmanaged<SheetHandler>.fromOpaque(ctx)._withUnsafeGuaranteedRef { $0.characters(ch, Int(len)) }
}

@inline(__always) func parseInt(_ b: UnsafeBufferPointer<UInt8>) -> Int? {
    guard !b.isEmpty, b.count <= 18 else { return nil }
    var value = 0
    for byte in b {
        guard byte >= 48 && byte <= 57 else { return nil }
        value = value * 10 + Int(byte - 48)
    }
    return value
}

func strcmp8(_ p: UnsafePointer<UInt8>, _ s: StaticString) -> Bool {
    let q = s.utf8Start
    for i in 0..<s.utf8CodeUnitCount where p[i] != q[i] { return false }
    return p[s.utf8CodeUnitCount] == 0
}
