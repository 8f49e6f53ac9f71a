import LedgerCore
import LedgerStore

/// What a purge did (or, dry, would do).
public struct PurgeResult: Hashable, Sendable, Codable {
    public struct AccountPurge: Hashable, Sendable, Codable {
        public var account: String
        /// Detail records of local days before this one are purged.
        public var before: LocalDate
        public var records: Int
    }
    public var accounts: [AccountPurge] = []
    /// Rejected rows of files ingested before `rejectsBefore` (they may hold raw recipients).
    public var rejects = 0
    public var rejectsBefore: Instant
    public var dryRun = false

    public var records: Int { accounts.reduce(0) { $0 + $1.records } }
}

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

    /// Purges detail past retention for every account of the accounts file, in id order, one
    /// transaction per account (a purge killed half-way leaves whole accounts purged or not, and
    /// the next purge finishes the job). Rejected rows go with their file's age. Accounts with
    /// usage but not in the accounts file are left alone: their cycles are unknown.
    public func purge(asOf: Instant, runID: String, dryRun: Bool = false) throws -> PurgeResult {
        let rejectsBefore = Instant(secondsSinceEpoch: asOf.secondsSinceEpoch - Int64(policy.retentionDays) * 86_400)
        var result = PurgeResult(rejectsBefore: rejectsBefore, dryRun: dryRun)
        for account in accounts.accounts {
            let cutoff = try retentionCutoff(account: account.id, asOf: asOf)
            // Nothing to delete, nothing written: a night with nothing expired leaves the ledger as is.
            var records = try store.detailCount(account: account.id, before: cutoff)
            guard records > 0 else { continue }
            if !dryRun { records = try store.purgeDetail(account: account.id, before: cutoff, runID: runID, at: asOf) }
            result.accounts.append(.init(account: account.id, before: cutoff, records: records))
        }
        result.rejects = try store.rejectCount(ingestedBefore: rejectsBefore)
        if !dryRun && result.rejects > 0 { result.rejects = try store.purgeRejects(ingestedBefore: rejectsBefore) }
        logger.info("detail purged", metadata: [
            "run.id": "\(runID)", "records": "\(result.records)", "accounts": "\(result.accounts.count)",
            "rejects": "\(result.rejects)", "dry_run": "\(dryRun)",
        ])
        return result
    }
}
