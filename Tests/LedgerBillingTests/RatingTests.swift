import Foundation
@testable import LedgerBilling
import LedgerCore
import Testing

let octoberCycle = BillingCycle(start: LocalDate("2026-10-15")!, end: LocalDate("2026-11-15")!)

/// `count` delivered SMS on Oct 20, 2026 (KST).
func smsRecords(_ count: Int, channel: String = "SMS", on date: String = "2026-10-20") -> [DeliveryRecord] {
    (0..<count).map { makeRecord("m\($0)", "\(date)T10:00:00+09:00", channel) }
}

@Suite("Rating: lines, rounding, VAT, units, statuses, fallback, uncertain")
struct RatingTests {
    @Test("rounding happens once per line, with the account's mode", arguments: [
        ("KRW", "9.9", 5, RoundingMode.truncate, "49"),
        ("KRW", "9.9", 5, .floor, "49"),
        ("KRW", "9.9", 5, .halfUp, "50"),
        ("KRW", "9.9", 5, .halfEven, "50"),
        ("KRW", "9.7", 5, .halfEven, "48"),
        ("KRW", "9.7", 5, .halfUp, "49"),
        ("KRW", "9.7", 5, .truncate, "48"),
        ("USD", "0.0125", 2, .halfEven, "0.02"),
        ("USD", "0.0125", 2, .halfUp, "0.03"),
        ("USD", "0.0125", 2, .floor, "0.02"),
        ("USD", "0.0125", 2, .truncate, "0.02"),
        ("USD", "0.0075", 3, .halfUp, "0.02"),
    ])
    func lineRounding(currency: String, price: String, count: Int, mode: RoundingMode, amount: String) throws {
        let account = makeAccount(currency: Currency(code: currency)!, rounding: mode, vat: "0")
        let statement = try pureStatement(account, makeBook(currency: currency, [("SMS", price, "2026-01-01", nil)]),
                                          cycle: octoberCycle, records: smsRecords(count))
        #expect(statement.lines.count == 1)
        #expect(statement.lines[0].exact == (try money(price).times(Int64(count))))
        #expect(statement.lines[0].amount == money(amount))
        #expect(statement.subtotal == money(amount))
    }

    @Test("VAT = round(subtotal x rate) exactly, same mode; total = subtotal + VAT", arguments: [
        ("KRW", "1", 1235, RoundingMode.truncate, "10%", "123"),
        ("KRW", "1", 1235, .floor, "10%", "123"),
        ("KRW", "1", 1235, .halfUp, "10%", "124"),
        ("KRW", "1", 1235, .halfEven, "10%", "124"),
        ("KRW", "1", 1225, .halfEven, "10%", "122"),
        ("KRW", "1", 1225, .halfUp, "10%", "123"),
        ("USD", "0.01", 233, .halfUp, "7.5%", "0.17"),
        ("USD", "0.01", 233, .halfEven, "0", "0"),
    ])
    func vat(currency: String, price: String, count: Int, mode: RoundingMode, rate: String, vat: String) throws {
        let account = makeAccount(currency: Currency(code: currency)!, rounding: mode, vat: rate)
        let statement = try pureStatement(account, makeBook(currency: currency, [("SMS", price, "2026-01-01", nil)]),
                                          cycle: octoberCycle, records: smsRecords(count))
        #expect(statement.vat == money(vat))
        #expect(statement.total == (try statement.subtotal + money(vat)))
    }

    @Test("default VAT: 10 % for KRW, none otherwise")
    func defaultVAT() throws {
        let krw = try pureStatement(makeAccount(), makeBook([("SMS", "100", "2026-01-01", nil)]), cycle: octoberCycle, records: smsRecords(3))
        #expect(krw.subtotal == money("300") && krw.vat == money("30") && krw.total == money("330"))
        let usd = try pureStatement(makeAccount(currency: .usd), makeBook(currency: "USD", [("SMS", "1", "2026-01-01", nil)]),
                                    cycle: octoberCycle, records: smsRecords(3))
        #expect(usd.vat == .zero && usd.total == money("3"))
    }

    @Test("rounding is per line, not per day; days get the line's amount by largest remainder, ties to the earlier day")
    func oncePerLine() throws {
        let records = ["2026-10-20", "2026-10-21", "2026-10-22"].map { makeRecord("m\($0)", "\($0)T10:00:00+09:00") }
        let statement = try pureStatement(makeAccount(), makeBook([("SMS", "0.4", "2026-01-01", nil)]), cycle: octoberCycle, records: records)
        #expect(statement.lines[0].exact == money("1.2"))
        #expect(statement.lines[0].amount == money("1"))
        #expect(statement.lines[0].days.map(\.amount) == [money("1"), .zero, .zero])
        #expect(statement.daily.map(\.amount) == [money("1"), .zero, .zero])
    }

    @Test("largest remainder: truncate, then one minor unit each to the largest dropped fractions, ties earlier, negatives mirrored", arguments: [
        ("KRW", "10", ["3.3", "3.3", "3.4"], ["3", "3", "4"]),
        ("KRW", "2", ["0.5", "0.5", "0.5", "0.5"], ["1", "1", "0", "0"]),
        ("KRW", "-10", ["-3.3", "-3.3", "-3.4"], ["-3", "-3", "-4"]),
        ("KRW", "-2", ["-0.5", "-0.5", "-0.5", "-0.5"], ["-1", "-1", "0", "0"]),
        ("KRW", "7", ["2.6", "2.2", "2.7"], ["2", "2", "3"]),
        ("KRW", "8", ["2.6", "2.2", "2.7"], ["3", "2", "3"]),
        ("USD", "0.1", ["0.033", "0.033", "0.034"], ["0.03", "0.03", "0.04"]),
    ])
    func largestRemainder(currency: String, total: String, parts: [String], expected: [String]) {
        let shares = Money.allocate(money(total), overExact: parts.map(money), in: Currency(code: currency)!)
        #expect(shares == expected.map(money))
        #expect(shares.reduce(Money.zero) { Money(micros: $0.micros + $1.micros) } == money(total))
    }

    @Test("a price change mid-cycle splits the line")
    func priceChange() throws {
        let book = makeBook([("SMS", "9.9", "2026-01-01", nil), ("SMS", "11", "2026-11-01", nil)])
        let records = smsRecords(2) + (0..<3).map { makeRecord("n\($0)", "2026-11-03T10:00:00+09:00") }
        let statement = try pureStatement(makeAccount(), book, cycle: octoberCycle, records: records)
        #expect(statement.lines.map(\.key.entry.effectiveFrom) == [day("2026-01-01"), day("2026-11-01")])
        #expect(statement.lines.map(\.units) == [2, 3])
        #expect(statement.lines.map(\.exact) == [money("19.8"), money("33")])
        #expect(statement.lines.map(\.amount) == [money("19"), money("33")])
        #expect(statement.subtotal == money("52") && statement.vat == money("5") && statement.total == money("57"))
    }

    @Test("two entries with the same price are two lines")
    func samePriceTwoLines() throws {
        let book = makeBook([("SMS", "10", "2026-01-01", nil), ("SMS", "10", "2026-11-01", nil)])
        let records = smsRecords(1) + [makeRecord("n", "2026-11-03T10:00:00+09:00")]
        let statement = try pureStatement(makeAccount(), book, cycle: octoberCycle, records: records)
        #expect(statement.lines.count == 2)
    }

    @Test("a sub-type uses its own entry once in force, the channel's entry before and without one")
    func subtypeFallback() throws {
        let book = makeBook([("FRIENDTALK", "15", "2026-01-01", nil), ("FRIENDTALK:IMAGE", "20", "2026-11-01", nil)])
        let records = [
            makeRecord("a", "2026-10-20T10:00:00+09:00", "FRIENDTALK:IMAGE"),
            makeRecord("b", "2026-11-03T10:00:00+09:00", "FRIENDTALK:IMAGE"),
            makeRecord("c", "2026-11-03T10:00:00+09:00", "FRIENDTALK:WIDE_IMAGE"),
            makeRecord("d", "2026-11-03T10:00:00+09:00", "FRIENDTALK"),
        ]
        let statement = try pureStatement(makeAccount(), book, cycle: octoberCycle, records: records)
        let lines = statement.lines.map { "\($0.key.channel)@\($0.key.entry.channel)=\($0.unitPrice)" }
        #expect(lines == ["FRIENDTALK@FRIENDTALK=15", "FRIENDTALK:IMAGE@FRIENDTALK=15", "FRIENDTALK:IMAGE@FRIENDTALK:IMAGE=20",
                          "FRIENDTALK:WIDE_IMAGE@FRIENDTALK=15"])
        #expect(statement.subtotal == money("65"))
    }

    @Test("no price in force for a billed channel is an error naming it")
    func noPrice() {
        #expect(throws: BillingError(account: "acme", .noPrice(channel: "LMS", day: "2026-10-20"))) {
            try pureStatement(makeAccount(), makeBook([("SMS", "10", "2026-01-01", nil)]), cycle: octoberCycle,
                              records: smsRecords(1, channel: "LMS"))
        }
    }

    @Test("units: per message, per segment, calls per minute (rounded up per call) or per second", arguments: [
        ("LMS", "message", [Int64(3), 2], Int64(2)),
        ("LMS", "segment", [3, 2], 5),
        ("CALL", nil, [0, 59, 60, 61, 125], 7),
        ("CALL", "minute", [0], 0),
        ("CALL", "second", [0, 59, 61], 120),
        ("CALL", "message", [0, 30], 2),
    ] as [(String, String?, [Int64], Int64)])
    func units(channel: String, per: String?, units: [Int64], billed: Int64) throws {
        let records = units.enumerated().map { makeRecord("m\($0.offset)", "2026-10-20T10:00:00+09:00", channel, units: $0.element) }
        let statement = try pureStatement(makeAccount(), makeBook([(channel, "10", "2026-01-01", per)]), cycle: octoberCycle, records: records)
        #expect(statement.lines.count == 1)
        #expect(statement.lines[0].units == billed)
        #expect(statement.lines[0].messages == Int64(units.count))
        #expect(statement.lines[0].amount == (try Money(major: billed * 10)))
    }

    @Test("which statuses are billed, and on which line", arguments: [
        (DeliveryStatus.delivered, false, false, true, LineKind?.some(.usage)),
        (.delivered, false, true, true, .fallback),
        (.failed, true, false, true, nil),
        (.failed, false, false, true, nil),
        (.failed, false, true, true, nil),
        (.excluded, false, false, true, nil),
        (.scheduled, false, false, true, nil),
        (.cancelled, false, false, true, nil),
        (.pending, false, false, true, .uncertain),
        (.pending, false, true, true, .uncertain),
        (.pending, false, false, false, nil),
    ])
    func statusBilling(status: DeliveryStatus, refundable: Bool, fallback: Bool, final: Bool, kind: LineKind?) {
        let rater = Rater(account: makeAccount(), plan: makeBook([("SMS", "1", "2026-01-01", nil)]).plans["std"]!, policy: BillingPolicy())
        let key = RollupKey(account: "acme", day: day("2026-10-20"), vendor: "v", channel: channel("SMS"), category: "", status: status,
                            refundable: refundable, isFallback: fallback)
        #expect(rater.lineKind(key, final: final) == kind)
        let free = Rater(account: makeAccount(), plan: rater.plan, policy: BillingPolicy(uncertain: .free))
        #expect(free.lineKind(key, final: final) == (kind == .uncertain ? nil : kind))
    }

    @Test("a statement counts every status; sent excludes EXCLUDED, SCHEDULED and CANCELLED; only delivered is billed")
    func statusCounts() throws {
        let statuses: [(DeliveryStatus, Bool)] = [(.delivered, false), (.failed, true), (.failed, false), (.excluded, false),
                                                  (.scheduled, false), (.cancelled, false)]
        let records = statuses.enumerated().map { makeRecord("m\($0.offset)", "2026-10-20T10:00:00+09:00", "SMS", $0.element.0, refundable: $0.element.1) }
        let statement = try pureStatement(makeAccount(), makeBook([("SMS", "10", "2026-01-01", nil)]), cycle: octoberCycle, records: records)
        let sms = try #require(statement.channels.first)
        #expect(sms.sent == 3)
        #expect(sms.delivered == 1 && sms.failed == 2 && sms.failedRefundable == 1 && sms.excluded == 1)
        #expect(sms.billedUnits == 1 && sms.amount == money("10"))
        #expect(statement.messages == 6)
        #expect(statement.statusCounts.filter(\.billed).map(\.status) == [.delivered])
    }

    @Test("fallback: the failed Kakao message is not billed, the delivered fallback is billed at its own price on a fallback line")
    func fallbackLines() throws {
        let book = makeBook([("ALIMTALK", "7", "2026-01-01", nil), ("SMS", "9", "2026-01-01", nil), ("LMS", "25", "2026-01-01", nil)])
        let records = [
            makeRecord("k1", "2026-10-20T10:00:00+09:00", "ALIMTALK", .failed),
            makeRecord("f1", "2026-10-20T10:00:05+09:00", "SMS", .delivered, fallbackOf: "k1"),
            makeRecord("k2", "2026-10-20T10:00:00+09:00", "ALIMTALK", .failed),
            makeRecord("f2", "2026-10-20T10:00:05+09:00", "LMS", .failed, fallbackOf: "k2", reason: "no points"),
            makeRecord("k3", "2026-10-20T10:00:00+09:00", "ALIMTALK", .delivered),
            makeRecord("s1", "2026-10-20T11:00:00+09:00", "SMS", .delivered),
        ]
        let statement = try pureStatement(makeAccount(), book, cycle: octoberCycle, records: records)
        #expect(statement.lines.map { "\($0.key.channel) \($0.key.kind) \($0.amount)" } == ["SMS usage 9", "SMS fallback 9", "ALIMTALK usage 7"])
        let lms = try #require(statement.channels.first { $0.channel == channel("LMS") })
        #expect(lms.fallbackFailed == 1 && lms.amount == .zero)
        let sms = try #require(statement.channels.first { $0.channel == channel("SMS") })
        #expect(sms.fallbackDelivered == 1)
        #expect(statement.subtotal == money("25"))
    }

    @Test("uncertain PENDING: final before the cut-off day, per record on it, not after; charged or free by policy", arguments: [
        (BillingPolicy.Uncertain.charge, Int64(2)), (.free, 0),
    ])
    func uncertain(policy: BillingPolicy.Uncertain, billed: Int64) throws {
        let records = [
            makeRecord("p1", "2026-10-20T10:00:00+09:00", "SMS", .pending),
            makeRecord("p2", "2026-10-22T08:00:00+09:00", "SMS", .pending),
            makeRecord("p3", "2026-10-22T20:00:00+09:00", "SMS", .pending),
            makeRecord("p4", "2026-10-23T10:00:00+09:00", "SMS", .pending),
            makeRecord("pf", "2026-10-20T10:00:00+09:00", "LMS", .pending, fallbackOf: "k"),
        ]
        // The store says one of the two PENDING records of the cut-off day (p2) was sent before the cut-off.
        let cutoffKey = RollupKey(record: records[1], day: day("2026-10-22"))
        let finality = PendingFinality(cutoffDay: day("2026-10-22"), finalOnCutoffDay: [cutoffKey: RollupTotals(record: records[1])])
        let book = makeBook([("SMS", "10", "2026-01-01", nil), ("LMS", "20", "2026-01-01", nil)])
        let statement = try pureStatement(makeAccount(), book, cycle: octoberCycle, records: records,
                                          policy: BillingPolicy(uncertain: policy), finality: finality)
        let sms = try #require(statement.channels.first { $0.channel == channel("SMS") })
        #expect(sms.pending == 4)
        #expect(sms.uncertainBilled == billed)
        #expect(sms.uncertainFree == 2 - billed)
        #expect(statement.lines.filter { $0.key.channel == channel("SMS") }.map(\.units) == (billed > 0 ? [billed] : []))
        #expect(statement.lines.allSatisfy { $0.key.kind == .uncertain })
        // An uncertain fallback is `uncertain` too.
        #expect(statement.lines.contains { $0.key.channel == channel("LMS") } == (policy == .charge))
    }
}
