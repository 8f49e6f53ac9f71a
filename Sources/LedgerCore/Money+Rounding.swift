/// How an exact amount becomes an amount in minor units. BILLING.md names these four.
public enum RoundingMode: String, Sendable, CaseIterable, Codable {
    /// Toward zero: the KRW default ("원 미만 절사").
    case truncate
    /// Toward negative infinity.
    case floor
    /// Nearest, halves away from zero.
    case halfUp = "half-up"
    /// Nearest, halves to the even neighbour (banker's rounding).
    case halfEven = "half-even"
}

extension RoundingMode {
    /// Rounds the exact fraction `numerator / denominator` (denominator > 0) to an integer.
    public func divide(_ numerator: Int128, by denominator: Int128) -> Int128 {
        precondition(denominator > 0)
        var quotient = numerator / denominator // truncates toward zero
        let remainder = numerator % denominator // same sign as numerator
        if remainder == 0 { return quotient }
        switch self {
        case .truncate:
            break
        case .floor:
            if remainder < 0 { quotient -= 1 }
        case .halfUp, .halfEven:
            let twice = (remainder < 0 ? -remainder : remainder) * 2
            let awayFromZero: Bool
            if twice > denominator {
                awayFromZero = true
            } else if twice < denominator {
                awayFromZero = false
            } else {
                awayFromZero = self == .halfUp || quotient % 2 != 0
            }
            if awayFromZero { quotient += numerator < 0 ? -1 : 1 }
        }
        return quotient
    }
}

extension Money {
    /// This amount rounded once to the currency's minor unit (BILLING.md: once per line).
    public func rounded(to currency: Currency, _ mode: RoundingMode) -> Money {
        let quantum = Int128(currency.quantum)
        let units = mode.divide(Int128(micros), by: quantum)
        return Money(micros: Int64(units * quantum))
    }

    /// Whether this amount is a whole number of the currency's minor units.
    public func isWhole(in currency: Currency) -> Bool { micros % currency.quantum == 0 }

    /// `self x rate`, computed exactly in 128 bits and rounded once to the currency's minor unit.
    public func multiplied(by rate: Rate, roundingTo currency: Currency, _ mode: RoundingMode) throws(MoneyError) -> Money {
        let exact = Int128(micros) * Int128(rate.numerator)
        let denominator = Int128(rate.denominator) * Int128(currency.quantum)
        let units = mode.divide(exact, by: denominator)
        let result = units * Int128(currency.quantum)
        guard let value = Int64(exactly: result) else { throw .overflow }
        return Money(micros: value)
    }
}

/// An exact non-negative decimal ratio such as a VAT rate ("0.1", "10%").
public struct Rate: Hashable, Sendable, CustomStringConvertible {
    public let numerator: Int64
    public let denominator: Int64

    public static let zero = Rate(numerator: 0, denominator: 1)

    public init(numerator: Int64, denominator: Int64) {
        precondition(denominator > 0)
        self.numerator = numerator
        self.denominator = denominator
    }

    /// "0.1", "0.075" or "10%".
    public init(parsing text: String) throws(MoneyError) {
        var body = Substring(text)
        var percent = false
        if body.hasSuffix("%") { body = body.dropLast(); percent = true }
        let amount = try Money(parsing: body)
        guard amount.micros >= 0 else { throw .invalid(text) }
        self.init(numerator: amount.micros, denominator: percent ? Money.scale * 100 : Money.scale)
    }

    public var isZero: Bool { numerator == 0 }

    public var description: String {
        Money.decimalString(micros: Int128(numerator) * 1_000_000 / Int128(denominator), scaleDigits: 6, minimumFractionDigits: 0)
    }
}
