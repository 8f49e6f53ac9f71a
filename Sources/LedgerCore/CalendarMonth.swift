/// A calendar month, "YYYY-MM": local [M-01 00:00, next month's 01 00:00) (BILLING.md).
public struct CalendarMonth: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let year: Int
    public let month: Int

    public init?(year: Int, month: Int) {
        guard (1...9999).contains(year), (1...12).contains(month) else { return nil }
        self.year = year
        self.month = month
    }

    init(unchecked year: Int, _ month: Int) {
        self.year = year
        self.month = month
    }

    /// "YYYY-MM".
    public init?(_ text: some StringProtocol) {
        let bytes = Array(text.utf8)
        guard bytes.count == 7, bytes[4] == 45, let year = parseDigits(bytes[0..<4]),
              let month = parseDigits(bytes[5..<7]) else { return nil }
        self.init(year: year, month: month)
    }

    public var firstDay: LocalDate { LocalDate(unchecked: year, month, 1) }
    public var numberOfDays: Int { LocalDate.daysIn(year: year, month: month) }
    public var next: CalendarMonth { month == 12 ? CalendarMonth(unchecked: year + 1, 1) : CalendarMonth(unchecked: year, month + 1) }
    public var previous: CalendarMonth { month == 1 ? CalendarMonth(unchecked: year - 1, 12) : CalendarMonth(unchecked: year, month - 1) }
    /// The month as a half-open range of local days.
    public var days: Range<LocalDate> { firstDay..<next.firstDay }

    /// The day `day` of this month clamped to its last day (an anchor of 31 in February).
    public func clampedDay(_ day: Int) -> LocalDate {
        LocalDate(unchecked: year, month, min(max(day, 1), numberOfDays))
    }

    public static func < (lhs: CalendarMonth, rhs: CalendarMonth) -> Bool { (lhs.year, lhs.month) < (rhs.year, rhs.month) }

    public var description: String { pad(year, 4) + "-" + pad(month, 2) }
}
