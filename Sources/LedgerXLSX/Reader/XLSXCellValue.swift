/// One cell as read. Numbers keep the text written in the file ("1234.5", "1E-3"), so the
/// caller parses them exactly (into micro-units, say) and no Double rounding sneaks in.
public enum XLSXCellValue: Hashable, Sendable {
    case empty
    case string(String)
    /// A number, exactly as written.
    case number(String)
    case bool(Bool)
    /// A number in a cell formatted as a date or time: the serial, exactly as written. See
    /// `XLSXDateTime(serial:date1904:)` and `XLSXReader.date1904`.
    case date(String)
    /// An error value such as "#DIV/0!" or "#N/A".
    case error(String)

    public var isEmpty: Bool { self == .empty }

    /// The text a CSV export shows: strings as they are, numbers as written, booleans as
    /// TRUE/FALSE, dates as ISO 8601 ("2026-11-25" or "2026-11-25 13:45:00").
    public func text(date1904: Bool = false) -> String {
        switch self {
        case .empty: ""
        case .string(let s), .number(let s), .error(let s): s
        case .bool(let b): b ? "TRUE" : "FALSE"
        case .date(let serial): XLSXDateTime(serial: serial, date1904: date1904)?.description ?? serial
        }
    }
}

/// One row: its 1-based number in the sheet and its cells from column A, gaps filled with
/// `.empty` (trailing empty cells are not included).
public struct XLSXRow: Hashable, Sendable {
    public var number: Int
    public var cells: [XLSXCellValue]

    public init(number: Int, cells: [XLSXCellValue]) {
        self.number = number
        self.cells = cells
    }

    /// The cell in a 0-based column, `.empty` past the end.
    public subscript(column: Int) -> XLSXCellValue { column < cells.count ? cells[column] : .empty }
}

/// A sheet of the workbook, in workbook order.
public struct XLSXSheetInfo: Hashable, Sendable {
    public enum Visibility: String, Sendable { case visible, hidden, veryHidden }
    public var name: String
    /// 0-based position in the workbook.
    public var index: Int
    public var visibility: Visibility
    /// The part inside the archive ("xl/worksheets/sheet1.xml").
    public var part: String
}

/// Which sheet to read: by 0-based position or by name.
public enum XLSXSheetSelector: Hashable, Sendable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case index(Int)
    case name(String)

    public init(stringLiteral value: String) { self = .name(value) }
    public init(integerLiteral value: Int) { self = .index(value) }
}
