import Foundation
@testable import LedgerBilling
import LedgerCore
import PropertyBased
import Testing

/// Random traffic for a DST account (America/New_York) over Nov 2027 - May 2028 (two DST
/// transitions and Feb 29), random anchors 1...31 with an optional anchor change, random modes.
@Suite("Bridge identities and rounding sums (property tests)")
struct BridgePropertyTests {
    static let spanStart = Instant(iso8601: "2027-11-01T00:00:00Z")!
    static let spanSeconds = 182 * 86_400
    static let channels = ["SMS", "LMS", "CALL", "FRIENDTALK:IMAGE", "ALIMTALK"]
    static let statuses: [(DeliveryStatus, Bool)] = [(.delivered, false), (.delivered, true), (.pending, false), (.failed, false), (.excluded, false)]
    static let book = makeBook(currency: "USD", [
        ("SMS", "0.0099", "2027-01-01", nil), ("SMS", "0.011", "2028-02-15", nil),
        ("LMS", "0.023457", "2027-01-01", "segment"), ("CALL", "0.05", "2027-01-01", nil),
        ("FRIENDTALK", "0.0133", "2027-01-01", nil), ("FRIENDTALK:IMAGE", "0.0201", "2028-01-10", nil),
        ("ALIMTALK", "0.0071", "2027-01-01", nil),
    ])

    static let traffic = zip(Gen.int(in: 0...(spanSeconds - 1)), Gen.int(in: 0...4), Gen.int(in: 0...4), Gen.int(in: 0...400)).array(of: 0...150)

    static func records(_ traffic: [(Int, Int, Int, Int)]) -> [DeliveryRecord] {
        traffic.enumerated().map { index, item in
            let (offset, channelIndex, statusIndex, units) = item
            let (status, fallback) = statuses[statusIndex]
            return DeliveryRecord(vendor: "v", account: "ny", messageID: "m\(index)", sentAt: spanStart.adding(seconds: Int64(offset)),
                                  channel: Channel(channels[channelIndex])!, status: status, units: Int64(units),
                                  fallbackOf: fallback ? "k\(index)" : nil)
        }
    }

    static func account(anchor: Int, change: Int, mode: RoundingMode) -> Account {
        let changes = change == 0 ? [] : [("2028-01-\(String(format: "%02d", change % 28 + 1))", change)]
        return makeAccount(id: "ny", anchor: anchor, changes: changes, zone: "America/New_York", currency: .usd, rounding: mode, vat: "10%")
    }

    @Test("month(M) = sum of piece(M, C), cycle(C) = sum of piece(M, C), months and cycles agree over whole cycles")
    func bridgeIdentities() async {
        await propertyCheck(count: 60, input: Gen.int(in: 1...31), Gen.int(in: 0...31), Gen.element(of: RoundingMode.allCases), Self.traffic) { anchor, change, mode, traffic in
            let account = Self.account(anchor: anchor, change: change, mode: mode ?? .halfEven)
            let records = Self.records(traffic)
            let span = day("2027-10-31")..<day("2028-05-02")
            let cycles = account.anchors.cycles(overlapping: span)
            var cycleMeasure = Measure()
            var cyclePieces: [String: Measure] = [:]
            for cycle in cycles {
                let statement = try pureStatement(account, Self.book, cycle: cycle, records: records)
                for line in statement.lines {
                    try cycleMeasure.add(Measure(messages: line.messages, units: line.units, exact: line.exact))
                    for piece in line.pieces {
                        try cyclePieces["\(piece.month)|\(piece.cycle)", default: Measure()].add(Measure(messages: piece.messages, units: piece.units, exact: piece.exact))
                    }
                }
            }
            var monthMeasure = Measure()
            var monthPieces: [String: Measure] = [:]
            var month = cycles.first!.start.calendarMonth
            while month.firstDay < cycles.last!.end {
                let report = try pureMonthReport(account, Self.book, month: month, records: records)
                for line in report.lines {
                    try monthMeasure.add(Measure(messages: line.messages, units: line.units, exact: line.exact))
                    for piece in line.pieces {
                        try monthPieces["\(piece.month)|\(piece.cycle)", default: Measure()].add(Measure(messages: piece.messages, units: piece.units, exact: piece.exact))
                    }
                }
                month = month.next
            }
            // All traffic lies inside the covered cycles and months: every piece(M, C) seen from
            // its cycle's statement equals the one seen from its month's report, and the sum over
            // all months equals the sum over all cycles.
            #expect(cyclePieces == monthPieces)
            #expect(cycleMeasure == monthMeasure)
            #expect(cycleMeasure.messages <= Int64(records.count))
        }
    }

    @Test("rounded lines add up: days and pieces to the line, lines to the subtotal, VAT once")
    func roundingSums() async {
        await propertyCheck(count: 60, input: Gen.int(in: 1...31), Gen.element(of: RoundingMode.allCases), Self.traffic) { anchor, mode, traffic in
            let account = Self.account(anchor: anchor, change: 0, mode: mode ?? .halfEven)
            let records = Self.records(traffic)
            for cycle in account.anchors.cycles(overlapping: day("2027-11-01")..<day("2028-05-01")) {
                let statement = try pureStatement(account, Self.book, cycle: cycle, records: records)
                for line in statement.lines {
                    #expect(line.amount == line.exact.rounded(to: .usd, account.rounding))
                    #expect(try Money.sum(line.days.map(\.amount)) == line.amount)
                    #expect(try Money.sum(line.pieces.map(\.amount)) == line.amount)
                    #expect(line.days.allSatisfy { $0.amount.isWhole(in: .usd) })
                }
                #expect(try Money.sum(statement.lines.map(\.amount)) == statement.subtotal)
                #expect(try Money.sum(statement.bridge.map(\.amount)) == statement.subtotal)
                #expect(try Money.sum(statement.daily.map(\.amount)) == statement.subtotal)
                #expect(statement.vat == (try statement.subtotal.multiplied(by: account.vatRate, roundingTo: .usd, account.rounding)))
                #expect(statement.total == (try statement.subtotal + statement.vat))
            }
        }
    }

    @Test("the bridge check catches cycles that do not tile the days")
    func bridgeDetectsGaps() throws {
        let byDay: [LocalDate: Measure] = [day("2028-02-10"): Measure(messages: 1, units: 1, exact: money("1"))]
        var bridge = try Bridge(byDay: byDay, days: day("2028-02-01")..<day("2028-03-01"), schedule: AnchorSchedule(anchor: AnchorDay(15)!))
        #expect(bridge.violation() == nil)
        bridge.pieces.removeAll()
        #expect(bridge.violation() != nil)
    }
}

@Suite("Anchor changes (property tests)")
struct AnchorChangePropertyTests {
    @Test("with up to two anchor changes, cycles tile the days, start on anchor dates, and none exceeds a month")
    func tiling() async {
        await propertyCheck(count: 300, input: Gen.int(in: 1...31), Gen.int(in: 1...31), Gen.int(in: 0...364), Gen.int(in: 1...31), Gen.int(in: 0...364)) { initial, first, firstOffset, second, secondOffset in
            let changes = [(day("2027-01-01").adding(days: firstOffset), first), (day("2027-01-01").adding(days: secondOffset), second)]
                .filter { $0.0 != day("2027-01-01").adding(days: secondOffset) || $0.1 == second }
            let schedule = AnchorSchedule(initial: AnchorDay(initial)!, changes: changes.map { .init(effective: $0.0, anchor: AnchorDay($0.1)!) })
            let span = day("2026-12-01")..<day("2028-03-01")
            let cycles = schedule.cycles(overlapping: span)
            #expect(cycles.first!.start <= span.lowerBound && cycles.last!.end >= span.upperBound)
            for (a, b) in zip(cycles, cycles.dropFirst()) { #expect(a.end == b.start) }
            for cycle in cycles {
                #expect(cycle.start.days(until: cycle.end) <= 31, "\(cycle) longer than a month")
                let anchor = schedule.anchor(on: cycle.start)
                #expect(cycle.start == anchor.date(in: cycle.start.calendarMonth) || changes.contains { $0.0 <= cycle.start },
                        "\(cycle) does not start on an anchor date")
                // Every day maps back to its cycle.
                #expect(schedule.cycle(containing: cycle.start) == cycle)
                #expect(schedule.cycle(containing: cycle.end.adding(days: -1)) == cycle)
            }
        }
    }
}
