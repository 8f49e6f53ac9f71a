/// One cell to write. Numbers come from exact integers (whole units or micro-units) and are
/// written digit by digit, never through Double formatting.
public struct XLSXCell: Sendable {
    enum Value: Sendable {
        case empty
        case text(String)
        case integer(Int64)
        case micros(Int64)
        case numberText(String)
        case bool(Bool)
        /// Days since 1899-12-30 (the 1900 system's epoch) and seconds into the day.
        case serial(days: Int64, seconds: Int32)
    }

    var value: Value
    var style: XLSXStyleID

    init(_ value: Value, style: XLSXStyleID) {
        self.value = value
        self.style = style
    }

    public static let empty = XLSXCell(.empty, style: .general)

    /// Text, always written as text: "=1+2" stays a string, never a formula.
    public static func text(_ text: String, style: XLSXStyleID = .general) -> XLSXCell {
        XLSXCell(.text(text), style: style)
    }

    public static func integer(_ value: Int64, style: XLSXStyleID = .general) -> XLSXCell {
        XLSXCell(.integer(value), style: style)
    }

    public static func integer(_ value: Int, style: XLSXStyleID = .general) -> XLSXCell {
        XLSXCell(.integer(Int64(value)), style: style)
    }

    /// An exact decimal given in micro-units (10^-6): `decimal(micros: 1_500_000)` is 1.5.
    public static func decimal(micros: Int64, style: XLSXStyleID = .general) -> XLSXCell {
        XLSXCell(.micros(micros), style: style)
    }

    /// Money in micro-units, shown with `digits` decimals: 0 is KRW's `#,##0`, 2 is USD's
    /// `#,##0.00`. The stored value is exact; other digit counts use `style` if given.
    public static func money(micros: Int64, digits: Int, style: XLSXStyleID? = nil) -> XLSXCell {
        XLSXCell(.micros(micros), style: style ?? (digits == 0 ? .thousands : .thousands2))
    }

    /// A fraction in micro-units shown as a percentage: 123_400 (0.1234) shows as 12.34%.
    public static func percent(micros: Int64) -> XLSXCell {
        XLSXCell(.micros(micros), style: .percent)
    }

    /// A number given as its decimal text ("-12.50", "3"); `nil` if the text is not a plain
    /// decimal (digits, at most one point, an optional leading minus).
    public static func number(text: String, style: XLSXStyleID = .general) -> XLSXCell? {
        guard XLSXCell.isPlainDecimal(text) else { return nil }
        return XLSXCell(.numberText(text), style: style)
    }

    public static func bool(_ value: Bool) -> XLSXCell { XLSXCell(.bool(value), style: .general) }

    /// A calendar date, written as a real date serial.
    public static func date(year: Int, month: Int, day: Int, style: XLSXStyleID = .date) -> XLSXCell {
        XLSXCell(.serial(days: Int64(XLSXDate.daysSince1970(year: year, month: month, day: day)) + XLSXDate.epochOffset1900, seconds: -1), style: style)
    }

    /// A date given as days since 1970-01-01.
    public static func date(daysSince1970 days: Int, style: XLSXStyleID = .date) -> XLSXCell {
        XLSXCell(.serial(days: Int64(days) + XLSXDate.epochOffset1900, seconds: -1), style: style)
    }

    /// A wall-clock date and time (no zone: convert before), as a date serial with a fraction.
    public static func dateTime(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int,
                                style: XLSXStyleID = .dateTime) -> XLSXCell {
        let days = Int64(XLSXDate.daysSince1970(year: year, month: month, day: day)) + XLSXDate.epochOffset1900
        return XLSXCell(.serial(days: days, seconds: Int32(hour * 3600 + minute * 60 + second)), style: style)
    }

    /// Wall-clock seconds since 1970-01-01T00:00 (already shifted to the zone to show).
    public static func dateTime(secondsSince1970 seconds: Int64, style: XLSXStyleID = .dateTime) -> XLSXCell {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = seconds - days * 86_400
        return XLSXCell(.serial(days: days + XLSXDate.epochOffset1900, seconds: Int32(rest)), style: style)
    }

    /// Digits with at most one point and an optional leading minus: what Excel reads back as
    /// the same number (no exponent, no thousands separators, no leading plus).
    public static func isPlainDecimal(_ text: String) -> Bool {
        var sawDigit = false, sawPoint = false, first = true
        for byte in text.utf8 {
            defer { first = false }
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): sawDigit = true
            case UInt8(ascii: "."): if sawPoint || !sawDigit { return false }; sawPoint = true
            case UInt8(ascii: "-"): if !first { return false }
            default: return false
            }
        }
        return sawDigit && text.utf8.last != UInt8(ascii: ".")
    }
}

/// A cell for `XLSXWriter.addRow(raw:)`: text as borrowed UTF-8, valid only during that call
/// (rows streamed from a store, without a `String` per cell), or any other `XLSXCell`.
public enum XLSXRawCell {
    case text(UnsafeRawBufferPointer, style: XLSXStyleID = .general)
    /// A cell that is not text (a number, date or empty cell; text cells go as `.text`).
    case cell(XLSXCell)
}
