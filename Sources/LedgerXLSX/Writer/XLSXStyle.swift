/// A number format finance needs, or any custom Excel format code.
public enum XLSXNumberFormat: Hashable, Sendable {
    case general
    /// `#,##0` (Excel's built-in 3): KRW, counts.
    case thousands
    /// `#,##0.00` (built-in 4): USD.
    case thousands2
    /// `0.00%` (built-in 10).
    case percent
    /// `yyyy-mm-dd`, a real date serial underneath.
    case date
    /// `yyyy-mm-dd hh:mm:ss`.
    case dateTime
    case custom(String)

    public static let krw = XLSXNumberFormat.thousands
    public static let usd = XLSXNumberFormat.thousands2

    /// Excel's built-in id for the format, if it has one.
    var builtinID: Int? {
        switch self {
        case .general: 0
        case .thousands: 3
        case .thousands2: 4
        case .percent: 10
        default: nil
        }
    }

    var code: String {
        switch self {
        case .general: "General"
        case .thousands: "#,##0"
        case .thousands2: "#,##0.00"
        case .percent: "0.00%"
        case .date: "yyyy-mm-dd"
        case .dateTime: "yyyy-mm-dd hh:mm:ss"
        case .custom(let code): code
        }
    }
}

/// How a cell looks: its number format and whether it is bold.
public struct XLSXStyle: Hashable, Sendable {
    public var numberFormat: XLSXNumberFormat
    public var bold: Bool

    public init(numberFormat: XLSXNumberFormat = .general, bold: Bool = false) {
        self.numberFormat = numberFormat
        self.bold = bold
    }
}

/// A style registered with a writer (its index in `cellXfs`). The presets exist in every
/// workbook; `XLSXWriter.style(_:)` registers others.
public struct XLSXStyleID: Hashable, Sendable {
    public let index: UInt16
    init(_ index: UInt16) { self.index = index }

    public static let general = XLSXStyleID(0)
    public static let bold = XLSXStyleID(1)
    public static let thousands = XLSXStyleID(2)
    public static let thousands2 = XLSXStyleID(3)
    public static let percent = XLSXStyleID(4)
    public static let date = XLSXStyleID(5)
    public static let dateTime = XLSXStyleID(6)
    public static let krw = thousands
    public static let usd = thousands2

    static let presets: [XLSXStyle] = [
        XLSXStyle(), XLSXStyle(bold: true), XLSXStyle(numberFormat: .thousands), XLSXStyle(numberFormat: .thousands2),
        XLSXStyle(numberFormat: .percent), XLSXStyle(numberFormat: .date), XLSXStyle(numberFormat: .dateTime),
    ]
}
