import LedgerCore

/// Units and exact amount: what the bridge identities are stated in.
public struct Measure: Hashable, Sendable, Codable {
    public var messages: Int64 = 0
    public var units: Int64 = 0
    public var exact: Money = .zero

    public init(messages: Int64 = 0, units: Int64 = 0, exact: Money = .zero) {
        self.messages = messages
        self.units = units
        self.exact = exact
    }

    mutating func add(_ other: Measure) throws(MoneyError) {
        messages += other.messages
        units += other.units
        exact = try exact + other.exact
    }
}

/// The bridge between calendar months and billing cycles (BILLING.md): `piece(M, C)` is the
/// usage whose day lies in both. Both identities are checked on every computation:
/// `month(M) = sum over C of piece(M, C)` and `cycle(C) = sum over M of piece(M, C)`.
public struct Bridge: Hashable, Sendable {
    public struct PieceKey: Hashable, Sendable, Comparable {
        public var month: CalendarMonth
        public var cycle: BillingCycle
        public static func < (a: PieceKey, b: PieceKey) -> Bool { (a.month, a.cycle) < (b.month, b.cycle) }
    }

    public var pieces: [PieceKey: Measure] = [:]
    /// Computed directly from the days, independently of the pieces.
    public var months: [CalendarMonth: Measure] = [:]
    public var cycles: [BillingCycle: Measure] = [:]

    /// Builds the bridge of per-day measures over `days` (clipped to whole local days).
    public init(byDay: [LocalDate: Measure], days: Range<LocalDate>, schedule: AnchorSchedule) throws(MoneyError) {
        guard !days.isEmpty else { return }
        // Months and cycles, each summed straight from the days.
        var month = days.lowerBound.calendarMonth
        while month.firstDay < days.upperBound {
            months[month] = try Bridge.sum(byDay, over: max(month.firstDay, days.lowerBound)..<min(month.next.firstDay, days.upperBound))
            month = month.next
        }
        for cycle in schedule.cycles(overlapping: days) {
            let clipped = max(cycle.start, days.lowerBound)..<min(cycle.end, days.upperBound)
            cycles[cycle] = try Bridge.sum(byDay, over: clipped)
            // Pieces: the cycle cut at month boundaries.
            for m in cycle.months {
                let lower = max(clipped.lowerBound, m.firstDay), upper = min(clipped.upperBound, m.next.firstDay)
                guard lower < upper else { continue }
                pieces[PieceKey(month: m, cycle: cycle)] = try Bridge.sum(byDay, over: lower..<upper)
            }
        }
    }

    static func sum(_ byDay: [LocalDate: Measure], over days: Range<LocalDate>) throws(MoneyError) -> Measure {
        var total = Measure()
        var day = days.lowerBound
        while day < days.upperBound {
            if let measure = byDay[day] { try total.add(measure) }
            day = day.adding(days: 1)
        }
        return total
    }

    /// The first identity that fails, described, or nil when both hold.
    public func violation() -> String? {
        do {
            var byMonth: [CalendarMonth: Measure] = [:]
            var byCycle: [BillingCycle: Measure] = [:]
            for (key, measure) in pieces {
                try byMonth[key.month, default: Measure()].add(measure)
                try byCycle[key.cycle, default: Measure()].add(measure)
            }
            for (month, measure) in months where (byMonth[month] ?? Measure()) != measure {
                return "month \(month) = \(measure) but its pieces sum to \(byMonth[month] ?? Measure())"
            }
            for (cycle, measure) in cycles where (byCycle[cycle] ?? Measure()) != measure {
                return "cycle \(cycle) = \(measure) but its pieces sum to \(byCycle[cycle] ?? Measure())"
            }
            return nil
        } catch {
            return "overflow while summing pieces"
        }
    }
}

extension RatedUsage {
    /// Billed measures per day, over every line.
    var billedByDay: [LocalDate: Measure] {
        get throws(MoneyError) {
            var result: [LocalDate: Measure] = [:]
            for (_, days) in cells {
                for (day, cell) in days {
                    try result[day, default: Measure()].add(Measure(messages: cell.messages, units: cell.units, exact: cell.exact))
                }
            }
            return result
        }
    }
}
