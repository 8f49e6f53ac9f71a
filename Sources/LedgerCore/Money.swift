/// An exact amount of money: a signed count of micro-units (10^-6 of the currency's major
/// unit). BILLING.md: no Double anywhere; every operation is overflow-checked.
public struct Money: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Micro-units per major unit.
    public static let scale: Int64 = 1_000_000
    public static let zero = Money(micros: 0)

    public var micros: Int64

    public init(micros: Int64) { self.micros = micros }

    /// Whole major units, e.g. `Money(major: 15)` is 15 KRW or 15 USD.
    public init(major: Int64) throws(MoneyError) {
        let (value, overflow) = major.multipliedReportingOverflow(by: Money.scale)
        if overflow { throw .overflow }
        self.micros = value
    }

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.micros < rhs.micros }

    public var isNegative: Bool { micros < 0 }

    /// The exact decimal text, without trailing zeros: "9.9", "-0.0079", "15".
    public var description: String { Money.decimalString(micros: Int128(micros), scaleDigits: 6, minimumFractionDigits: 0) }

    /// The amount with exactly `fractionDigits` decimals, as written in statements ("1234.50").
    /// The amount must already be a multiple of that precision; extra digits are cut, never rounded.
    public func formatted(fractionDigits: Int) -> String {
        let drop = 6 - fractionDigits
        var divisor: Int64 = 1
        for _ in 0..<max(0, drop) { divisor *= 10 }
        return Money.decimalString(micros: Int128(micros / divisor), scaleDigits: fractionDigits, minimumFractionDigits: fractionDigits)
    }

    static func decimalString(micros: Int128, scaleDigits: Int, minimumFractionDigits: Int) -> String {
        var bytes: [UInt8] = []
        appendDecimal(micros: micros, scaleDigits: scaleDigits, minimumFractionDigits: minimumFractionDigits, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `description`'s bytes, appended (the JSONL writer's path, without a `String`).
    public func appendDescription(to out: inout [UInt8]) {
        Money.appendDecimal(micros: Int128(micros), scaleDigits: 6, minimumFractionDigits: 0, to: &out)
    }

    static func appendDecimal(micros: Int128, scaleDigits: Int, minimumFractionDigits: Int, to out: inout [UInt8]) {
        let negative = micros < 0
        let magnitude = negative ? -micros : micros
        var divisor: Int128 = 1
        for _ in 0..<scaleDigits { divisor *= 10 }
        if negative { out.append(UInt8(ascii: "-")) }
        DecimalText.append(magnitude / divisor, to: &out)
        var fraction = magnitude % divisor
        var width = scaleDigits
        while width > minimumFractionDigits, fraction % 10 == 0 {
            fraction /= 10
            width -= 1
        }
        guard width > 0 else { return }
        out.append(UInt8(ascii: "."))
        let start = out.count
        out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width))
        var index = start + width - 1
        while fraction > 0 {
            out[index] = 48 + UInt8(fraction % 10)
            fraction /= 10
            index -= 1
        }
    }
}

/// Why a money operation could not give an exact result.
public enum MoneyError: Error, Equatable, Sendable, CustomStringConvertible {
    case overflow
    case invalid(String)
    case tooManyDecimals(String)

    public var description: String {
        switch self {
        case .overflow: "amount out of range"
        case .invalid(let text): "not a decimal amount: \"\(text)\""
        case .tooManyDecimals(let text): "more than 6 decimals: \"\(text)\""
        }
    }
}

extension Money {
    public static func + (lhs: Money, rhs: Money) throws(MoneyError) -> Money {
        let (value, overflow) = lhs.micros.addingReportingOverflow(rhs.micros)
        if overflow { throw .overflow }
        return Money(micros: value)
    }

    public static func - (lhs: Money, rhs: Money) throws(MoneyError) -> Money {
        let (value, overflow) = lhs.micros.subtractingReportingOverflow(rhs.micros)
        if overflow { throw .overflow }
        return Money(micros: value)
    }

    public static prefix func - (value: Money) throws(MoneyError) -> Money {
        if value.micros == .min { throw .overflow }
        return Money(micros: -value.micros)
    }

    /// A unit price times a count of units, exact.
    public func times(_ count: Int64) throws(MoneyError) -> Money {
        let (value, overflow) = micros.multipliedReportingOverflow(by: count)
        if overflow { throw .overflow }
        return Money(micros: value)
    }

    public static func sum(_ amounts: some Sequence<Money>) throws(MoneyError) -> Money {
        var total = Money.zero
        for amount in amounts { total = try total + amount }
        return total
    }
}
