import LedgerCore
import PropertyBased
import Testing

@Suite("Money")
struct MoneyTests {
    @Test("parses exact decimals", arguments: [
        ("9.9", 9_900_000), ("-0.0079", -7_900), ("1,234", 1_234_000_000), ("0", 0), ("15", 15_000_000),
        ("+2.5", 2_500_000), ("1 234.5", 1_234_500_000), ("0.000001", 1), ("12,345,678.123456", 12_345_678_123_456),
        ("  7.10  ", 7_100_000), ("3.1400000", 3_140_000),
    ] as [(String, Int64)])
    func parses(text: String, micros: Int64) throws {
        #expect(try Money(parsing: text).micros == micros)
    }

    @Test("refuses what is not an exact amount", arguments: [
        ("", MoneyError.invalid("")), ("abc", .invalid("abc")), ("1.2.3", .invalid("1.2.3")), (",5", .invalid(",5")),
        ("5,", .invalid("5,")), ("1,,2", .invalid("1,,2")), ("1.0000001", .tooManyDecimals("1.0000001")),
        ("9999999999999999", .overflow), ("1e5", .invalid("1e5")), ("-", .invalid("-")),
    ])
    func refuses(text: String, error: MoneyError) {
        #expect(throws: error) { try Money(parsing: text) }
    }

    @Test("prints exactly", arguments: [(9_900_000, "9.9"), (-7_900, "-0.0079"), (15_000_000, "15"), (0, "0"), (1, "0.000001")] as [(Int64, String)])
    func prints(micros: Int64, text: String) {
        #expect(Money(micros: micros).description == text)
    }

    @Test func formatsWithFixedDecimals() {
        #expect(Money(micros: 1_234_500_000).formatted(fractionDigits: 2) == "1234.50")
        #expect(Money(micros: -5_000_000).formatted(fractionDigits: 0) == "-5")
    }

    @Test func arithmeticIsOverflowChecked() throws {
        let big = Money(micros: .max - 1)
        #expect(throws: MoneyError.overflow) { try big + Money(micros: 2) }
        #expect(throws: MoneyError.overflow) { try Money(micros: .min) - Money(micros: 1) }
        #expect(throws: MoneyError.overflow) { try big.times(2) }
        #expect(try Money(micros: 9_900_000).times(3) == Money(micros: 29_700_000))
    }

    @Test("rounds once to the currency's minor unit", arguments: [
        // micros, currency, mode, expected micros
        (1_500_000, Currency.krw, RoundingMode.truncate, 1_000_000), (1_500_000, .krw, .halfUp, 2_000_000),
        (1_500_000, .krw, .halfEven, 2_000_000), (2_500_000, .krw, .halfEven, 2_000_000),
        (-1_500_000, .krw, .halfUp, -2_000_000), (-1_500_000, .krw, .truncate, -1_000_000),
        (-1_500_000, .krw, .floor, -2_000_000), (1_999_999, .krw, .floor, 1_000_000),
        (12_345, .usd, .halfEven, 10_000), (15_000, .usd, .halfEven, 20_000), (25_000, .usd, .halfEven, 20_000),
        (25_001, .usd, .halfEven, 30_000), (-25_000, .usd, .halfEven, -20_000), (-25_000, .usd, .halfUp, -30_000),
        (7_900, .usd, .truncate, 0), (7_900, .usd, .halfUp, 10_000), (3_000_000, .jpy, .floor, 3_000_000),
    ] as [(Int64, Currency, RoundingMode, Int64)])
    func rounds(micros: Int64, currency: Currency, mode: RoundingMode, expected: Int64) {
        #expect(Money(micros: micros).rounded(to: currency, mode).micros == expected)
    }

    @Test("VAT is computed exactly in 128 bits, rounded once") func vat() throws {
        let rate = try Rate(parsing: "0.1")
        #expect(try Money(micros: 12_345_000_000).multiplied(by: rate, roundingTo: .krw, .truncate) == Money(micros: 1_234_000_000))
        #expect(try Money(micros: 12_345_000_000).multiplied(by: rate, roundingTo: .krw, .halfUp) == Money(micros: 1_235_000_000))
        #expect(try Money(micros: 12_345_000_000).multiplied(by: try Rate(parsing: "10%"), roundingTo: .krw, .halfEven) == Money(micros: 1_234_000_000))
        // A product past Int64 in the middle of the computation is still exact.
        let large = Money(micros: 9_000_000_000_000_000_000)
        #expect(try large.multiplied(by: Rate(numerator: 1, denominator: 3), roundingTo: .krw, .truncate) == Money(micros: 3_000_000_000_000_000_000))
    }

    @Test("largest remainder: ties go to the earlier part") func allocationTies() {
        // 10 KRW over three equal parts of 3.333...: 4, 3, 3.
        let parts = [Money(micros: 3_333_333), Money(micros: 3_333_333), Money(micros: 3_333_334)]
        let shares = Money.allocate(Money(micros: 10_000_000), overExact: parts, in: .krw)
        #expect(shares == [Money(micros: 3_000_000), Money(micros: 3_000_000), Money(micros: 4_000_000)])
        let even = Money.allocate(Money(micros: 2_000_000), overExact: [Money(micros: 500_000), Money(micros: 500_000), Money(micros: 500_000), Money(micros: 500_000)], in: .krw)
        #expect(even == [Money(micros: 1_000_000), Money(micros: 1_000_000), .zero, .zero])
    }

    @Test("a negative line is allocated as the mirror image") func allocationNegative() {
        let positive = Money.allocate(Money(micros: 10_000_000), overExact: [Money(micros: 3_400_000), Money(micros: 3_300_000), Money(micros: 3_300_000)], in: .krw)
        let negative = Money.allocate(Money(micros: -10_000_000), overExact: [Money(micros: -3_400_000), Money(micros: -3_300_000), Money(micros: -3_300_000)], in: .krw)
        #expect(negative == positive.map { Money(micros: -$0.micros) })
    }

    @Test("allocated parts always add up to the rounded whole") func allocationSums() async {
        await propertyCheck(count: 300, input: Gen.int64(in: -50_000_000...50_000_000).array(of: 1...12), Gen.int(in: 0...3)) { exact, modeIndex in
            let parts = exact.map { Money(micros: $0) }
            let mode = RoundingMode.allCases[modeIndex]
            let whole = Money(micros: exact.reduce(0, +)).rounded(to: .krw, mode)
            let shares = Money.allocate(whole, overExact: parts, in: .krw)
            #expect(shares.reduce(0) { $0 + $1.micros } == whole.micros)
            #expect(shares.allSatisfy { $0.isWhole(in: .krw) })
        }
    }

    @Test("sums of parsed parts equal the parsed whole") func parsedSums() async {
        await propertyCheck(count: 300, input: Gen.int64(in: -1_000_000_000_000...1_000_000_000_000).array(of: 1...20)) { values in
            let texts = values.map { Money(micros: $0).description }
            let parsed = texts.compactMap { try? Money(parsing: $0) }
            #expect(parsed.count == values.count)
            #expect(parsed.map(\.micros) == values)
        }
    }
}
