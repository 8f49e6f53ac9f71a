import CLibXML2
import Foundation

/// The rows of one sheet, read as a stream. A worker thread inflates and parses the sheet
/// (64 KiB of XML at a time) and hands over batches of rows; `next()` takes them in order, so
/// reading overlaps with whatever the caller does with the rows. At most a few batches wait.
public final class XLSXRowCursor {
    private let producer: RowProducer
    private var batch: [XLSXRow] = []
    private var index = 0
    private var started = false

    init(feeder: SAXFeeder, strings: SharedStringArena, dateStyles: [Bool], maxDepth: Int) throws(XLSXError) {
        producer = try RowProducer(feeder: feeder, strings: strings, dateStyles: dateStyles, maxDepth: maxDepth)
    }

    deinit { producer.cancel() }

    /// The next row, or nil at the end of the sheet.
    public func next() throws(XLSXError) -> XLSXRow? {
        if index < batch.count {
            index += 1
            return batch[index - 1]
        }
        if !started {
            started = true
            producer.start()
        }
        while true {
            guard let next = try producer.take() else {
                batch = []
                index = 0
                return nil
            }
            if next.isEmpty { continue }
            batch = next
            index = 1
            return batch[0]
        }
    }
}

/// The worker behind a cursor: owns the parser (only its thread touches it once started) and
/// a small queue of parsed batches guarded by a condition.
final class RowProducer: @unchecked Sendable {
    private let handler: SheetHandler
    private let condition = NSCondition()
    private var queue: [[XLSXRow]] = []
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
    func take() throws(XLSXError) -> [XLSXRow]? {
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
            let rows = state.pointee.ready
            state.pointee.ready = []
            state.pointee.ready.reserveCapacity(rows.count)
            let done = failed != nil || !more || state.pointee.sheetDataEnded
            condition.lock()
            while queue.count >= maxQueued && !cancelled { condition.wait() }
            if cancelled { condition.unlock(); return }
            if !rows.isEmpty { queue.append(rows) }
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

    var ready: [XLSXRow] = []
    var cells: [XLSXCellValue] = []
    var value: [UInt8] = []
    var lastRow = 0
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
        state.pointee.value.reserveCapacity(256)
        state.pointee.cells.reserveCapacity(32)
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
            s.pointee.value.removeAll(keepingCapacity: true)
            s.pointee.hasValue = true
        case (UInt8(ascii: "t"), 0):
            if s.pointee.inInline && !s.pointee.inPhonetic {
                s.pointee.capturing = true
                s.pointee.hasValue = true
            }
        case (UInt8(ascii: "i"), UInt8(ascii: "s")) where name[2] == 0:
            s.pointee.inInline = true
            s.pointee.value.removeAll(keepingCapacity: true)
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
            s.pointee.cells.removeAll(keepingCapacity: true)
            s.pointee.column = -1
        case (UInt8(ascii: "r"), UInt8(ascii: "P")):
            s.pointee.inPhonetic = true
        default:
            break
        }
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
            s.pointee.ready.append(XLSXRow(number: s.pointee.lastRow, cells: s.pointee.cells))
            s.pointee.cells.removeAll(keepingCapacity: true)
        case (UInt8(ascii: "s"), UInt8(ascii: "h")):
            if strcmp8(name, "sheetData") {
                s.pointee.sheetDataEnded = true
            }
        default: break
        }
    }

    @inline(__always) func characters(_ p: UnsafePointer<UInt8>, _ n: Int) {
        if state.pointee.capturing {
            state.pointee.value.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
        }
    }

    private func endCell() {
        let s = state
        s.pointee.capturing = false
        guard s.pointee.hasValue else { return }
        let cell: XLSXCellValue
        switch s.pointee.type {
        case .shared:
            let index = s.pointee.value.withUnsafeBufferPointer { parseInt($0) }
            guard let index, let text = strings.string(at: index) else {
                feeder.stop(.badSharedStringIndex(index ?? -1))
                return
            }
            cell = .string(text)
        case .inline, .string:
            let value = s.pointee.value
            cell = .string(XLSXEscapes.containsEscape(value, from: 0)
                ? String(decoding: XLSXEscapes.decode(value), as: UTF8.self)
                : String(decoding: value, as: UTF8.self))
        case .bool:
            let first = s.pointee.value.first
            cell = .bool(first == UInt8(ascii: "1") || first == UInt8(ascii: "t") || first == UInt8(ascii: "T"))
        case .error:
            cell = .error(String(decoding: s.pointee.value, as: UTF8.self))
        case .isoDate:
            cell = .string(String(decoding: s.pointee.value, as: UTF8.self))
        case .number:
            if s.pointee.value.isEmpty { return }
            let text = String(decoding: s.pointee.value, as: UTF8.self)
            let style = s.pointee.style
            cell = style < dateStyles.count && dateStyles[style] ? .date(text) : .number(text)
        }
        let column = s.pointee.column
        if column < s.pointee.cells.count {
            s.pointee.cells[column] = cell
        } else {
            while s.pointee.cells.count < column { s.pointee.cells.append(.empty) }
            s.pointee.cells.append(cell)
        }
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
    Unmanaged<SheetHandler>.fromOpaque(ctx).takeUnretainedValue().start(localname, Int(nbAttributes), attributes)
}

private func sheetEnd(_ ctx: UnsafeMutableRawPointer?, _ localname: UnsafePointer<xmlChar>?, _ prefix: UnsafePointer<xmlChar>?,
                      _ uri: UnsafePointer<xmlChar>?) {
    guard let ctx, let localname else { return }
    Unmanaged<SheetHandler>.fromOpaque(ctx).takeUnretainedValue().end(localname)
}

private func sheetCharacters(_ ctx: UnsafeMutableRawPointer?, _ ch: UnsafePointer<xmlChar>?, _ len: Int32) {
    guard let ctx, let ch else { return }
    Unmanaged<SheetHandler>.fromOpaque(ctx).takeUnretainedValue().characters(ch, Int(len))
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
