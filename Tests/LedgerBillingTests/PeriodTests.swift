import Foundation
@testable import LedgerBilling
import LedgerCore
import Testing

@Suite("Periods: cycles, anchors, anchor changes")
struct PeriodTests {
    @Test("a cycle starts at min(anchor, days in month) and ends where the next starts", arguments: [
        (15, "2026-10-20", "2026-10-15", "2026-11-15"),
        (15, "2026-10-15", "2026-10-15", "2026-11-15"),
        (15, "2026-10-14", "2026-09-15", "2026-10-15"),
        (31, "2028-01-31", "2028-01-31", "2028-02-29"),
        (31, "2028-02-10", "2028-01-31", "2028-02-29"),
        (31, "2028-02-29", "2028-02-29", "2028-03-31"),
        (31, "2028-04-01", "2028-03-31", "2028-04-30"),
        (31, "2027-02-28", "2027-02-28", "2027-03-31"),
        (30, "2027-02-28", "2027-02-28", "2027-03-30"),
        (29, "2028-02-29", "2028-02-29", "2028-03-29"),
        (1, "2026-12-31", "2026-12-01", "2027-01-01"),
    ])
    func cycleContaining(anchor: Int, inside: String, start: String, end: String) throws {
        let cycle = AnchorSchedule(anchor: AnchorDay(anchor)!).cycle(containing: day(inside))
        #expect(cycle.start == day(start))
        #expect(cycle.end == day(end))
    }

    @Test("every anchor 1...31: cycles tile the days, start on the clamped anchor, never exceed a month", arguments: Array(1...31))
    func everyAnchor(anchor: Int) {
        let schedule = AnchorSchedule(anchor: AnchorDay(anchor)!)
        let cycles = schedule.cycles(overlapping: day("2027-01-01")..<day("2029-01-01"))
        for (previous, next) in zip(cycles, cycles.dropFirst()) { #expect(previous.end == next.start) }
        for cycle in cycles {
            #expect(cycle.start.day == min(anchor, LocalDate.daysIn(year: cycle.start.year, month: cycle.start.month)))
            #expect(cycle.start.days(until: cycle.end) <= 31)
        }
        #expect(cycles.first!.start <= day("2027-01-01"))
        #expect(cycles.last!.end >= day("2029-01-01"))
    }

    @Test("anchor changes (BILLING.md's two examples)", arguments: [
        (10, ["2026-10-15", "2026-11-15", "2026-12-10", "2027-01-10"]),
        (20, ["2026-10-15", "2026-11-15", "2026-12-15", "2026-12-20", "2027-01-20"]),
    ])
    func anchorChanges(newAnchor: Int, starts: [String]) {
        let account = makeAccount(anchor: 15, changes: [("2026-11-25", newAnchor)])
        let cycles = account.anchors.cycles(overlapping: day("2026-10-20")..<day("2027-01-10"))
        #expect(cycles.map(\.start.description) == Array(starts.dropLast()))
        #expect(cycles.last?.end == day(starts.last!))
    }

    @Test("an anchor change from the accounts file gives the same cycles and statements cut there")
    func anchorChangeStatement() throws {
        let account = makeAccount(anchor: 15, changes: [("2026-11-25", 10)])
        let book = makeBook([("SMS", "10", "2026-01-01", nil)])
        // One message on each of Dec 9 and Dec 10 (KST): they fall in two cycles.
        let records = [makeRecord("m1", "2026-12-09T12:00:00+09:00"), makeRecord("m2", "2026-12-10T00:00:00+09:00")]
        let first = try pureStatement(account, book, cycle: account.anchors.cycle(containing: day("2026-12-09")), records: records)
        let second = try pureStatement(account, book, cycle: account.anchors.cycle(containing: day("2026-12-10")), records: records)
        #expect(first.cycleStart == day("2026-11-15") && first.cycleEnd == day("2026-12-10"))
        #expect(first.lines.map(\.units) == [1])
        #expect(second.cycleStart == day("2026-12-10") && second.cycleEnd == day("2027-01-10"))
        #expect(second.lines.map(\.units) == [1])
    }

    @Test("Jan-Apr 2028 with anchor 31: Jan 31, Feb 29, Mar 31, Apr 30, with their bridge pieces")
    func anchor31Scenario() throws {
        let account = makeAccount(anchor: 31)
        let book = makeBook([("SMS", "10", "2028-01-01", nil)])
        var records: [DeliveryRecord] = []
        var d = day("2028-01-31")
        while d < day("2028-04-30") {
            records.append(makeRecord("m-\(d)", "\(d)T09:00:00+09:00"))
            d = d.adding(days: 1)
        }
        let expected: [(String, String, Int64, [(String, Int64)])] = [
            ("2028-01-31", "2028-02-29", 29, [("2028-01", 1), ("2028-02", 28)]),
            ("2028-02-29", "2028-03-31", 31, [("2028-02", 1), ("2028-03", 30)]),
            ("2028-03-31", "2028-04-30", 30, [("2028-03", 1), ("2028-04", 29)]),
        ]
        for (start, end, count, pieces) in expected {
            let cycle = try #require(account.anchors.cycle(startingOn: day(start)))
            #expect(cycle.end == day(end))
            let statement = try pureStatement(account, book, cycle: cycle, records: records)
            #expect(statement.lines.first?.units == count)
            #expect(statement.usageSubtotal == (try Money(major: count * 10)))
            #expect(statement.bridge.map { "\($0.month)" } == pieces.map(\.0))
            #expect(statement.bridge.map(\.units) == pieces.map(\.1))
        }
    }
}
