/// One billing cycle of an account: local days [start, end), named by its start date.
///
/// BILLING.md: a cycle starts at local 00:00 of `min(anchor, days in that month)` and ends
/// where the next one starts, so an anchor of 15 gives Oct 15 - Nov 15.
public struct BillingCycle: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let start: LocalDate
    public let end: LocalDate

    public init(start: LocalDate, end: LocalDate) {
        precondition(start < end)
        self.start = start
        self.end = end
    }

    public var days: Range<LocalDate> { start..<end }
    public func contains(_ day: LocalDate) -> Bool { start <= day && day < end }

    /// The calendar months this cycle touches, in order.
    public var months: [CalendarMonth] {
        var result: [CalendarMonth] = []
        var month = start.calendarMonth
        let last = end.adding(days: -1).calendarMonth
        while month <= last {
            result.append(month)
            month = month.next
        }
        return result
    }

    public static func < (lhs: BillingCycle, rhs: BillingCycle) -> Bool { lhs.start < rhs.start }

    /// "2026-10-15..2026-11-15"; a cycle's name is `start`.
    public var description: String { "\(start)..\(end)" }
}

/// An anchor day: 1...31, the account's payment date.
public struct AnchorDay: Hashable, Sendable, CustomStringConvertible {
    public let day: Int
    public init?(_ day: Int) {
        guard (1...31).contains(day) else { return nil }
        self.day = day
    }
    public var description: String { String(day) }

    /// The anchor date in a month: the anchor day clamped to the month's last day.
    public func date(in month: CalendarMonth) -> LocalDate { month.clampedDay(day) }

    /// The first anchor date on or after `date`.
    public func firstDate(onOrAfter date: LocalDate) -> LocalDate {
        let candidate = self.date(in: date.calendarMonth)
        return candidate >= date ? candidate : self.date(in: date.calendarMonth.next)
    }

    /// The last anchor date on or before `date`.
    public func lastDate(onOrBefore date: LocalDate) -> LocalDate {
        let candidate = self.date(in: date.calendarMonth)
        return candidate <= date ? candidate : self.date(in: date.calendarMonth.previous)
    }
}
