import LedgerCore
import LedgerStore

extension BillingEngine {
    /// The first local day whose detail records must be kept for an account (BILLING.md:
    /// retention). Records of earlier days may be purged: they are older than `retention_days`
    /// and belong to no open cycle, no cycle not yet closed, and no cycle still inside its grace
    /// or late window. Rollups, statements and adjustments are always kept.
    public func retentionCutoff(account id: String, asOf: Instant) throws -> LocalDate {
        let (account, _) = try account(id)
        var clock = account.clock
        let today = clock.localDate(of: asOf)
        var cutoff = today.adding(days: -policy.retentionDays)
        let closed = Set(try store.storedStatements(account: id).filter { $0.revision == 1 }.map(\.cycleStart))
        let first = try store.firstUsageDay(account: id) ?? today
        let window = max(policy.graceDays, policy.lateWindowDays)
        var cycle = account.anchors.cycle(containing: today)
        // Walk back over protected cycles; an unprotected one ends the walk.
        while cycle.end > first {
            let protected = !closed.contains(cycle.start) || asOf < clock.startOfDay(cycle.end.adding(days: window))
            guard protected else { break }
            cutoff = min(cutoff, cycle.start)
            cycle = account.anchors.cycle(containing: cycle.start.adding(days: -1))
        }
        return cutoff
    }
}
