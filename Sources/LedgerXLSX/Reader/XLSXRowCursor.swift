/// The rows of one sheet, read as a stream: each `next()` parses just enough XML for one row.
public final class XLSXRowCursor {
    private enum CellType { case number, shared, inline, string, bool, error, isoDate }

    private let stream: XMLStream
    private let strings: SharedStringArena
    private let dateStyles: [Bool]
    private var lastRow = 0
    private var done = false
    private var cells: [XLSXCellValue] = []
    private var value: [UInt8] = []

    // The cell being read.
    private var column = -1
    private var type = CellType.number
    private var style = 0
    private var hasValue = false
    private var capturing = false
    private var inInline = false
    private var inPhonetic = false

    init(stream: XMLStream, strings: SharedStringArena, dateStyles: [Bool]) {
        self.stream = stream
        self.strings = strings
        self.dateStyles = dateStyles
        value.reserveCapacity(256)
    }

    /// The next row, or nil at the end of the sheet.
    public func next() throws(XLSXError) -> XLSXRow? {
        guard !done else { return nil }
        let xml = stream
        while try xml.read() {
            switch xml.nodeType {
            case .element:
                let n = xml.localName
                switch (n[0], n[1]) {
                case (UInt8(ascii: "c"), 0):
                    try startCell(xml)
                    if xml.isEmptyElement { try endCell() }
                case (UInt8(ascii: "v"), 0):
                    capturing = !xml.isEmptyElement
                    value.removeAll(keepingCapacity: true)
                    hasValue = true
                case (UInt8(ascii: "t"), 0):
                    if inInline && !inPhonetic {
                        capturing = !xml.isEmptyElement
                        hasValue = true
                    }
                case (UInt8(ascii: "i"), UInt8(ascii: "s")) where n[2] == 0:
                    inInline = !xml.isEmptyElement
                    value.removeAll(keepingCapacity: true)
                    hasValue = true
                case (UInt8(ascii: "r"), UInt8(ascii: "o")) where n[2] == UInt8(ascii: "w") && n[3] == 0:
                    try startRow(xml)
                    if xml.isEmptyElement { return endRow() }
                case (UInt8(ascii: "r"), UInt8(ascii: "P")):
                    inPhonetic = !xml.isEmptyElement
                default:
                    break
                }
            case .text, .cdata, .whitespace, .significantWhitespace:
                if capturing, let p = xml.value {
                    value.append(contentsOf: UnsafeBufferPointer(start: p, count: strlen8(p)))
                }
            case .endElement:
                let n = xml.localName
                switch (n[0], n[1]) {
                case (UInt8(ascii: "c"), 0): try endCell()
                case (UInt8(ascii: "v"), 0), (UInt8(ascii: "t"), 0): capturing = false
                case (UInt8(ascii: "i"), UInt8(ascii: "s")) where n[2] == 0: inInline = false
                case (UInt8(ascii: "r"), UInt8(ascii: "P")): inPhonetic = false
                case (UInt8(ascii: "r"), UInt8(ascii: "o")) where n[2] == UInt8(ascii: "w") && n[3] == 0:
                    return endRow()
                case (UInt8(ascii: "s"), UInt8(ascii: "h")):
                    if strcmp8(n, "sheetData") { done = true; return nil }
                default: break
                }
            default:
                break
            }
        }
        done = true
        return nil
    }

    private func startRow(_ xml: XMLStream) throws(XLSXError) {
        var number = lastRow + 1
        try xml.forEachAttribute { name, v throws(XLSXError) in
            if name[0] == UInt8(ascii: "r"), name[1] == 0 {
                guard let parsed = parseInt(v), parsed >= 1 else {
                    throw xml.fail(.badCellReference(String(cString: v)))
                }
                number = parsed
            }
        }
        lastRow = number
        cells.removeAll(keepingCapacity: true)
        column = -1
    }

    private func endRow() -> XLSXRow {
        let row = XLSXRow(number: lastRow, cells: cells)
        cells.removeAll(keepingCapacity: true)
        return row
    }

    private func startCell(_ xml: XMLStream) throws(XLSXError) {
        var nextColumn = column + 1
        type = .number
        style = 0
        hasValue = false
        capturing = false
        inInline = false
        try xml.forEachAttribute { name, v throws(XLSXError) in
            guard name[1] == 0 else { return }
            switch name[0] {
            case UInt8(ascii: "r"):
                nextColumn = try columnIndex(v, xml)
            case UInt8(ascii: "t"):
                switch (v[0], v[1]) {
                case (UInt8(ascii: "s"), 0): type = .shared
                case (UInt8(ascii: "s"), _): type = .string       // "str": a formula's text
                case (UInt8(ascii: "i"), _): type = .inline       // "inlineStr"
                case (UInt8(ascii: "b"), _): type = .bool
                case (UInt8(ascii: "e"), _): type = .error
                case (UInt8(ascii: "d"), _): type = .isoDate
                default: type = .number
                }
            case UInt8(ascii: "s"):
                style = parseInt(v) ?? 0
            default:
                break
            }
        }
        column = nextColumn
    }

    private func endCell() throws(XLSXError) {
        capturing = false
        guard hasValue else { return }
        let cell: XLSXCellValue
        switch type {
        case .shared:
            guard let index = value.withUnsafeBufferPointer({ parseInt($0) }), let text = strings.string(at: index) else {
                throw stream.fail(.badSharedStringIndex(value.withUnsafeBufferPointer { parseInt($0) } ?? -1))
            }
            cell = .string(text)
        case .inline, .string:
            cell = .string(XLSXEscapes.containsEscape(value, from: 0)
                ? String(decoding: XLSXEscapes.decode(value), as: UTF8.self)
                : String(decoding: value, as: UTF8.self))
        case .bool:
            cell = .bool(value.first == UInt8(ascii: "1") || value.first == UInt8(ascii: "t") || value.first == UInt8(ascii: "T"))
        case .error:
            cell = .error(String(decoding: value, as: UTF8.self))
        case .isoDate:
            cell = .string(String(decoding: value, as: UTF8.self))
        case .number:
            if value.isEmpty { return }
            let text = String(decoding: value, as: UTF8.self)
            cell = style < dateStyles.count && dateStyles[style] ? .date(text) : .number(text)
        }
        if column < cells.count {
            cells[column] = cell
        } else {
            while cells.count < column { cells.append(.empty) }
            cells.append(cell)
        }
    }

    /// "AB12" -> 27 (0-based). Only the letters matter; the row comes from the row element.
    private func columnIndex(_ ref: UnsafePointer<UInt8>, _ xml: XMLStream) throws(XLSXError) -> Int {
        var i = 0
        var index = 0
        while true {
            let b = ref[i]
            if b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") {
                index = index * 26 + Int(b - 64)
            } else if b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z") {
                index = index * 26 + Int(b - 96)
            } else {
                break
            }
            i += 1
            if i > 3 { throw xml.fail(.badCellReference(String(cString: ref))) }
        }
        if i == 0 || index > 16_384 { throw xml.fail(.badCellReference(String(cString: ref))) }
        return index - 1
    }
}

@inline(__always) func parseInt(_ p: UnsafePointer<UInt8>) -> Int? {
    var i = 0
    var value = 0
    while p[i] >= 48 && p[i] <= 57 {
        value = value &* 10 &+ Int(p[i] - 48)
        i += 1
        if i > 18 { return nil }
    }
    return i > 0 && p[i] == 0 ? value : nil
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
