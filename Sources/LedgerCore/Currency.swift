/// A currency and the number of decimals its minor unit has (KRW 0, JPY 0, USD 2).
public struct Currency: Hashable, Sendable, CustomStringConvertible {
    public let code: String
    public let minorUnitDigits: Int

    public init(code: String, minorUnitDigits: Int) {
        precondition((0...6).contains(minorUnitDigits))
        self.code = code
        self.minorUnitDigits = minorUnitDigits
    }

    public static let krw = Currency(code: "KRW", minorUnitDigits: 0)
    public static let jpy = Currency(code: "JPY", minorUnitDigits: 0)
    public static let usd = Currency(code: "USD", minorUnitDigits: 2)
    public static let eur = Currency(code: "EUR", minorUnitDigits: 2)

    static let known: [String: Currency] = [
        "KRW": .krw, "JPY": .jpy, "USD": .usd, "EUR": .eur,
        "GBP": Currency(code: "GBP", minorUnitDigits: 2),
        "CNY": Currency(code: "CNY", minorUnitDigits: 2),
        "SGD": Currency(code: "SGD", minorUnitDigits: 2),
        "VND": Currency(code: "VND", minorUnitDigits: 0),
    ]

    /// A known ISO 4217 code, or nil.
    public init?(code: String) {
        guard let currency = Currency.known[code.uppercased()] else { return nil }
        self = currency
    }

    /// Micro-units in one minor unit: 1,000,000 for KRW, 10,000 for USD.
    public var quantum: Int64 {
        var value: Int64 = Money.scale
        for _ in 0..<minorUnitDigits { value /= 10 }
        return value
    }

    /// The default rounding (BILLING.md): truncate for KRW ("원 미만 절사"), half-even otherwise.
    public var defaultRounding: RoundingMode { code == "KRW" ? .truncate : .halfEven }

    public var description: String { code }
}
