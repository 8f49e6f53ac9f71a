/// An account's anchor days over time: the first anchor, then dated changes.
///
/// BILLING.md: an anchor change effective E ends the cycle running on E at the earlier of its
/// normal end and the first new-anchor date on or after E; if that is its normal end, a short
/// cycle follows up to the first new-anchor date after it. No cycle is longer than a month.
public struct AnchorSchedule: Hashable, Sendable {
    public struct Change: Hashable, Sendable {
        public let effective: LocalDate
        public let anchor: AnchorDay
        public init(effective: LocalDate, anchor: AnchorDay) {
            self.effective = effective
            self.anchor = anchor
        }
    }

    public let initial: AnchorDay
    /// Changes in order of effective date.
    public let changes: [Change]

    public init(initial: AnchorDay, changes: [Change] = []) {
        self.initial = initial
        self.changes = changes.sorted { $0.effective < $1.effective }
    }

    /// The cycle that contains the local day.
    public func cycle(containing day: LocalDate) -> BillingCycle {
        // Walk from a cycle safely before the day (cycles are never longer than a month).
        var cycle = firstCycle(onOrBefore: day)
        while !cycle.contains(day) { cycle = self.cycle(after: cycle) }
        return cycle
    }

    /// The cycle that starts on `start`, if one does.
    public func cycle(startingOn start: LocalDate) -> BillingCycle? {
        let found = cycle(containing: start)
        return found.start == start ? found : nil
    }

    /// Every cycle that overlaps the local days [from, to).
    public func cycles(overlapping days: Range<LocalDate>) -> [BillingCycle] {
        guard !days.isEmpty else { return [] }
        var result: [BillingCycle] = []
        var cycle = self.cycle(containing: days.lowerBound)
        while cycle.start < days.upperBound {
            result.append(cycle)
            cycle = self.cycle(after: cycle)
        }
        return result
    }

    /// The cycle that follows `cycle`.
    public func cycle(after cycle: BillingCycle) -> BillingCycle {
        let start = cycle.end
        return BillingCycle(start: start, end: end(ofCycleStarting: start))
    }

    /// The anchor in force on a day (the last change effective on or before it).
    public func anchor(on day: LocalDate) -> AnchorDay {
        var anchor = initial
        for change in changes where change.effective <= day { anchor = change.anchor }
        return anchor
    }

    /// The end of the cycle that starts on `start`.
    func end(ofCycleStarting start: LocalDate) -> LocalDate {
        let anchor = self.anchor(on: start)
        let normalEnd = anchor.firstDate(onOrAfter: start.adding(days: 1))
        // A change effective inside (start, normalEnd] cuts or extends this cycle.
        guard let change = changes.first(where: { $0.effective > start && $0.effective <= normalEnd }) else {
            return normalEnd
        }
        let cut = change.anchor.firstDate(onOrAfter: change.effective)
        return min(normalEnd, cut)
    }

    /// A cycle starting on or before `day`, found without walking from the distant past.
    func firstCycle(onOrBefore day: LocalDate) -> BillingCycle {
        // Start at the earliest anchor date that any anchor in force could give before the
        // day, then walk: the walk honours every change exactly.
        let lastChange = changes.last(where: { $0.effective <= day })
        let origin: LocalDate
        if let lastChange {
            // The cycle running when that change took effect, found recursively.
            let before = lastChange.effective.adding(days: -1)
            let previousSchedule = AnchorSchedule(initial: initial, changes: changes.filter { $0.effective < lastChange.effective })
            origin = previousSchedule.firstCycleIgnoringChanges(onOrBefore: before)
        } else {
            origin = initial.lastDate(onOrBefore: day)
        }
        return BillingCycle(start: origin, end: end(ofCycleStarting: origin))
    }

    private func firstCycleIgnoringChanges(onOrBefore day: LocalDate) -> LocalDate {
        firstCycle(onOrBefore: day).start
    }
}

extension AnchorSchedule {
    /// A schedule with one anchor day and no changes.
    public init(anchor: AnchorDay) { self.init(initial: anchor) }
}
