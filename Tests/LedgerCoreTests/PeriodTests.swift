import Foundation
import LedgerCore
import Testing

@Suite("Dates, months and billing cycles")
struct PeriodTests {
    @Test func localDateRoundTrips() {
        for days in stride(from: -800_000, to: 3_000_000, by: 997) {
            #expect(LocalDate(daysSinceEpoch: days).daysSinceEpoch == days)
        }
        #expect(LocalDate("2028-02-29") != nil)
        #expect(LocalDate("2026-02-29") == nil)
        #expect(LocalDate("2026-13-01") == nil)
        #expect(LocalDate("1970-01-01")!.daysSinceEpoch == 0)
    }

    @Test("anchor day clamps to the month's last day", arguments: [
        (31, "2028-01-31", "2028-02-29"), (31, "2028-02-29", "2028-03-31"), (31, "2026-02-28", "2026-03-31"),
        (31, "2026-03-31", "2026-04-30"), (31, "2026-04-30", "2026-05-31"), (15, "2026-10-15", "2026-11-15"),
        (30, "2027-01-30", "2027-02-28"), (30, "2027-02-28", "2027-03-30"), (29, "2028-02-29", "2028-03-29"),
        (1, "2026-12-01", "2027-01-01"),
    ])
    func anchorClamps(anchor: Int, start: String, next: String) throws {
        let schedule = AnchorSchedule(anchor: try #require(AnchorDay(anchor)))
        let cycle = schedule.cycle(containing: try #require(LocalDate(start)))
        #expect(cycle.start.description == start)
        #expect(cycle.end.description == next)
    }

    @Test("cycles for every anchor day tile 2026-2028 without gaps, each at most a month", arguments: 1...31)
    func cyclesTile(anchor: Int) throws {
        let schedule = AnchorSchedule(anchor: try #require(AnchorDay(anchor)))
        let span = LocalDate("2026-01-01")!..<LocalDate("2029-01-01")!
        let cycles = schedule.cycles(overlapping: span)
        #expect(cycles.first!.start <= span.lowerBound)
        #expect(cycles.last!.end >= span.upperBound)
        for (previous, next) in zip(cycles, cycles.dropFirst()) {
            #expect(previous.end == next.start)
        }
        for cycle in cycles {
            #expect(cycle.start.day == min(anchor, LocalDate.daysIn(year: cycle.start.year, month: cycle.start.month)))
            #expect(cycle.start.days(until: cycle.end) <= 31)
            #expect(cycle.start.days(until: cycle.end) >= 28)
        }
        // Every day belongs to exactly one cycle.
        var day = span.lowerBound
        while day < span.upperBound {
            #expect(cycles.filter { $0.contains(day) }.count == 1)
            day = day.adding(days: 1)
        }
    }

    @Test("a cycle that starts on the 15th spans two months") func cycleSpansMonths() {
        let cycle = AnchorSchedule(anchor: AnchorDay(15)!).cycle(containing: LocalDate("2026-11-01")!)
        #expect(cycle.description == "2026-10-15..2026-11-15")
        #expect(cycle.months.map(\.description) == ["2026-10", "2026-11"])
    }

    @Test("anchor change 15 -> 10 effective Nov 25 (BILLING.md)") func anchorChangeEarlier() {
        let schedule = AnchorSchedule(initial: AnchorDay(15)!, changes: [.init(effective: LocalDate("2026-11-25")!, anchor: AnchorDay(10)!)])
        let cycles = schedule.cycles(overlapping: LocalDate("2026-10-15")!..<LocalDate("2027-02-01")!).map(\.description)
        #expect(cycles == ["2026-10-15..2026-11-15", "2026-11-15..2026-12-10", "2026-12-10..2027-01-10", "2027-01-10..2027-02-10"])
    }

    @Test("anchor change 15 -> 20 effective Nov 25 gives a short cycle (BILLING.md)") func anchorChangeLater() {
        let schedule = AnchorSchedule(initial: AnchorDay(15)!, changes: [.init(effective: LocalDate("2026-11-25")!, anchor: AnchorDay(20)!)])
        let cycles = schedule.cycles(overlapping: LocalDate("2026-11-15")!..<LocalDate("2027-01-25")!).map(\.description)
        #expect(cycles == ["2026-11-15..2026-12-15", "2026-12-15..2026-12-20", "2026-12-20..2027-01-20", "2027-01-20..2027-02-20"])
        #expect(schedule.cycle(startingOn: LocalDate("2026-12-15")!)?.end == LocalDate("2026-12-20")!)
        #expect(schedule.cycle(startingOn: LocalDate("2026-12-16")!) == nil)
    }

    @Test func calendarMonths() {
        let month = CalendarMonth("2028-02")!
        #expect(month.numberOfDays == 29)
        #expect(month.next.description == "2028-03")
        #expect(CalendarMonth("2026-12")!.next.description == "2027-01")
        #expect(CalendarMonth("2026-13") == nil)
    }
}

@Suite("Time zones")
struct ZoneTests {
    @Test("a New York day around the DST change has 23 or 25 hours") func dstDays() {
        var clock = ZoneClock(identifier: "America/New_York")!
        let spring = clock.startOfDay(LocalDate("2026-03-08")!)
        let next = clock.startOfDay(LocalDate("2026-03-09")!)
        #expect(next.secondsSinceEpoch - spring.secondsSinceEpoch == 23 * 3600)
        let fall = clock.startOfDay(LocalDate("2026-11-01")!)
        let after = clock.startOfDay(LocalDate("2026-11-02")!)
        #expect(after.secondsSinceEpoch - fall.secondsSinceEpoch == 25 * 3600)
        #expect(clock.iso8601(spring) == "2026-03-08T00:00:00-05:00")
        #expect(clock.iso8601(next) == "2026-03-09T00:00:00-04:00")
    }

    @Test("the local day of an instant follows the account's zone") func localDay() {
        var seoul = ZoneClock(identifier: "Asia/Seoul")!
        var newYork = ZoneClock(identifier: "America/New_York")!
        let instant = Instant(iso8601: "2026-10-31T16:30:00Z")!
        #expect(seoul.localDate(of: instant).description == "2026-11-01")
        #expect(newYork.localDate(of: instant).description == "2026-10-31")
        // 01:30 on the fall-back night happens twice in New York; both are Nov 1.
        #expect(newYork.localDate(of: Instant(iso8601: "2026-11-01T05:30:00Z")!).description == "2026-11-01")
        #expect(newYork.localDate(of: Instant(iso8601: "2026-11-01T06:30:00Z")!).description == "2026-11-01")
    }

    @Test("ISO 8601 parsing", arguments: [
        ("2026-10-15T10:02:03+09:00", "2026-10-15T01:02:03Z"), ("2026-10-15 10:02:03Z", "2026-10-15T10:02:03Z"),
        ("2026-10-15T10:02:03.123-04:00", "2026-10-15T14:02:03Z"), ("2026-10-15T10:02+0900", "2026-10-15T01:02:00Z"),
    ])
    func isoParsing(text: String, utc: String) {
        #expect(Instant(iso8601: text)?.description == utc)
    }

    @Test("ISO 8601 without an offset or malformed is refused", arguments: ["2026-10-15T10:02:03", "2026-02-30T00:00:00Z", "2026-10-15T25:00:00Z", "yesterday", "2026-10-15T10:02:03+09:00x"])
    func isoRefused(text: String) {
        #expect(Instant(iso8601: text) == nil)
    }
}
