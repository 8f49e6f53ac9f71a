/// Rows parsed from one stretch of sheet XML, kept as bytes and small cell records rather than
/// Strings: the parser thread fills a batch with a handful of allocations, and the consumer
/// either makes `XLSXRow`s from it (Strings made on the consumer's thread) or, converting to
/// CSV, copies the bytes straight out.
final class RowBatch: @unchecked Sendable {
    enum Kind: UInt8 { case shared, text, number, date, bool, error }

    struct Cell {
        var kind: Kind
        var column: Int32
        /// Into `bytes`; for shared strings, `offset` is the string's index.
        var offset: UInt32
        var length: UInt32
    }

    struct Row {
        var number: Int
        var cells: Range<Int>
    }

    // Immutable once made: `let`s cost no exclusivity checks on the consumer's hot path.
    let bytes: [UInt8]
    let cells: [Cell]
    let rows: [Row]

    init(bytes: [UInt8] = [], cells: [Cell] = [], rows: [Row] = []) {
        self.bytes = bytes
        self.cells = cells
        self.rows = rows
    }

    /// A row as public values, gaps filled with `.empty`.
    func row(_ index: Int, strings: SharedStringArena) -> XLSXRow {
        let row = rows[index]
        var values: [XLSXCellValue] = []
        if let last = row.cells.last { values.reserveCapacity(Int(cells[last].column) + 1) }
        bytes.withUnsafeBufferPointer { all in
            for i in row.cells {
                let cell = cells[i]
                let text = { String(decoding: UnsafeBufferPointer(rebasing: all[Int(cell.offset)..<Int(cell.offset + cell.length)]), as: UTF8.self) }
                let value: XLSXCellValue
                switch cell.kind {
                case .shared: value = .string(strings.string(at: Int(cell.offset)) ?? "")
                case .text: value = .string(text())
                case .number: value = .number(text())
                case .date: value = .date(text())
                case .error: value = .error(text())
                case .bool:
                    let first = cell.length > 0 ? all[Int(cell.offset)] : 0
                    value = .bool(first == UInt8(ascii: "1") || first == UInt8(ascii: "t") || first == UInt8(ascii: "T"))
                }
                let column = Int(cell.column)
                if column < values.count {
                    values[column] = value
                } else {
                    while values.count < column { values.append(.empty) }
                    values.append(value)
                }
            }
        }
        return XLSXRow(number: row.number, cells: values)
    }
}
