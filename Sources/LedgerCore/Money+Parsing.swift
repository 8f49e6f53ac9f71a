extension Money {
    /// Parses an exact decimal amount: "9.9", "-0.0079", "1,234", "+15", "1 234.5".
    /// Thousands separators (`,` and spaces between digits) are accepted in the whole part;
    /// more than 6 decimals is an error, never a rounding.
    public init(parsing text: some StringProtocol) throws(MoneyError) {
        var bytes = Array(text.utf8)
        self = try Money.parse(&bytes, original: String(text))
    }

    /// The same parse over raw bytes, for readers that never build a `String` per field.
    public init(parsingUTF8 bytes: UnsafeBufferPointer<UInt8>) throws(MoneyError) {
        var copy = Array(bytes)
        self = try Money.parse(&copy, original: String(decoding: bytes, as: UTF8.self))
    }

    private static func parse(_ bytes: inout [UInt8], original: String) throws(MoneyError) -> Money {
        var index = 0
        var end = bytes.count
        while index < end, bytes[index] == 32 { index += 1 }
        while end > index, bytes[end - 1] == 32 { end -= 1 }
        guard index < end else { throw .invalid(original) }
        var negative = false
        if bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        var whole: Int64 = 0
        var fraction: Int64 = 0
        var fractionDigits = 0
        var sawDigit = false
        var inFraction = false
        var lastWasSeparator = false
        while index < end {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let digit = Int64(byte - 48)
                if inFraction {
                    fractionDigits += 1
                    if fractionDigits > 6 {
                        // Trailing zeros past the sixth decimal change nothing.
                        if digit != 0 { throw .tooManyDecimals(original) }
                    } else {
                        fraction = fraction * 10 + digit
                    }
                } else {
                    let (shifted, o1) = whole.multipliedReportingOverflow(by: 10)
                    let (added, o2) = shifted.addingReportingOverflow(digit)
                    if o1 || o2 { throw .overflow }
                    whole = added
                }
                sawDigit = true
                lastWasSeparator = false
            case UInt8(ascii: ","), 32:
                // A separator must sit between digits of the whole part.
                guard !inFraction, sawDigit, !lastWasSeparator else { throw .invalid(original) }
                lastWasSeparator = true
            case UInt8(ascii: "."):
                guard !inFraction, !lastWasSeparator else { throw .invalid(original) }
                inFraction = true
            default:
                throw .invalid(original)
            }
            index += 1
        }
        guard sawDigit, !lastWasSeparator else { throw .invalid(original) }
        for _ in min(fractionDigits, 6)..<6 { fraction *= 10 }
        let (scaled, o1) = whole.multipliedReportingOverflow(by: Money.scale)
        let (total, o2) = scaled.addingReportingOverflow(fraction)
        if o1 || o2 { throw .overflow }
        return Money(micros: negative ? -total : total)
    }
}
