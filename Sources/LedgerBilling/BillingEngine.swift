import Foundation
import LedgerCore
import LedgerStore
import Logging

/// The billing engine the CLI calls. Synchronous; statement work reads daily rollups only.
public final class BillingEngine: Sendable {
    public let store: any BillingStore
    public let accounts: AccountDirectory
    public let priceBook: PriceBook
    public let policy: BillingPolicy
    let logger: Logger

    /// Checks every account's plan against the price book (a mismatch is a config error).
    public init(store: any BillingStore, accounts: AccountDirectory, priceBook: PriceBook, policy: BillingPolicy = BillingPolicy(),
                logger: Logger = Logger(label: "sendledger.billing")) throws(ConfigError) {
        try accounts.check(against: priceBook)
        self.store = store
        self.accounts = accounts
        self.priceBook = priceBook
        self.policy = policy
        self.logger = logger
    }

    func account(_ id: String) throws(BillingError) -> (Account, PriceBook.Plan) {
        guard let account = accounts[id] else { throw BillingError(account: id, .unknownAccount(id)) }
        guard let plan = priceBook.plans[account.plan] else { throw BillingError(account: id, .unknownAccount(id)) }
        return (account, plan)
    }

    /// The cycle of the account that starts on `start`.
    public func cycle(account id: String, startingOn start: LocalDate) throws -> BillingCycle {
        let (account, _) = try account(id)
        guard let cycle = account.anchors.cycle(startingOn: start) else { throw BillingError(account: id, .notACycle(start.description)) }
        return cycle
    }

    /// The finality of PENDING records for a run at `asOf` (see `PendingFinality`).
    func finality(_ account: Account, asOf: Instant, days: Range<LocalDate>) throws -> PendingFinality {
        let cutoff = asOf.adding(seconds: -Int64(policy.finalityHours) * 3600)
        var clock = account.clock
        let cutoffDay = clock.localDate(of: cutoff)
        guard days.contains(cutoffDay) else { return PendingFinality(cutoffDay: cutoffDay) }
        var final: [RollupKey: RollupTotals] = [:]
        for rollup in try store.pendingTotals(account: account.id, day: cutoffDay, sentAtOrBefore: cutoff) {
            final[rollup.key] = rollup.totals
        }
        return PendingFinality(cutoffDay: cutoffDay, finalOnCutoffDay: final)
    }

    // MARK: - Statements

    /// The statement of a cycle: the stored revision 1 once the cycle is closed (never
    /// recomputed), otherwise a preview (revision 0) computed at `asOf`.
    public func statement(account id: String, cycle start: LocalDate, asOf: Instant) throws -> Statement {
        if let stored = try store.storedStatement(account: id, cycleStart: start, revision: 1) {
            return try decodeStatement(stored)
        }
        return try computeStatement(account: id, cycle: cycle(account: id, startingOn: start), asOf: asOf, revision: 0)
    }

    /// Computes a cycle's statement from the rollups, whether closed or not.
    public func computeStatement(account id: String, cycle: BillingCycle, asOf: Instant, revision: Int = 0,
                                 extraAdjustments: [AdjustmentLine] = []) throws -> Statement {
        let (account, plan) = try account(id)
        let rollups = try store.billingRollups(account: id, days: cycle.days)
        let usage = try Rater(account: account, plan: plan, policy: policy)
            .rate(rollups, finality: finality(account, asOf: asOf, days: cycle.days))
        let adjustments = try storedAdjustmentLines(account: id).filter { $0.target == cycle.start }.map(\.line) + extraAdjustments
        return try StatementAssembler(account: account).statement(cycle: cycle, usage: usage, adjustments: adjustments,
                                                                  revision: revision, asOf: asOf)
    }

    func decodeStatement(_ stored: StoredStatement) throws -> Statement {
        guard CanonicalJSON.checksum(stored.content) == stored.checksum else {
            throw BillingError(account: stored.account, .corruptStored("statement \(stored.cycleStart) r\(stored.revision) checksum mismatch"))
        }
        do { return try CanonicalJSON.decode(Statement.self, from: stored.content) } catch {
            throw BillingError(account: stored.account, .corruptStored("statement \(stored.cycleStart) r\(stored.revision): \(error)"))
        }
    }

    func storedAdjustmentLines(account id: String) throws -> [(target: LocalDate, line: AdjustmentLine, cycleMessages: Int64)] {
        try store.storedAdjustments(account: id).map { stored in
            do {
                return (stored.targetCycle, try CanonicalJSON.decode(AdjustmentLine.self, from: stored.content), stored.cycleMessages)
            } catch {
                throw BillingError(account: id, .corruptStored("adjustment \(stored.seq ?? 0): \(error)"))
            }
        }
    }

    // MARK: - Month reports

    /// The calendar-month report of one account (no VAT; informational).
    public func monthReport(month: CalendarMonth, account id: String, asOf: Instant, condition: MonthCondition = .all) throws -> MonthReport {
        let (account, plan) = try account(id)
        let rollups = try store.billingRollups(account: id, days: month.days)
        let usage = try Rater(account: account, plan: plan, policy: policy)
            .rate(rollups, finality: finality(account, asOf: asOf, days: month.days), include: condition.includes)
        return try StatementAssembler(account: account).monthReport(month: month, usage: usage, condition: condition, asOf: asOf)
    }

    /// Month reports of every account (or one), sorted by account.
    public func monthReports(month: CalendarMonth, account: String? = nil, asOf: Instant, condition: MonthCondition = .all) throws -> [MonthReport] {
        let ids = account.map { [$0] } ?? accounts.accounts.map(\.id)
        return try ids.map { try monthReport(month: month, account: $0, asOf: asOf, condition: condition) }
    }

    /// Stores a month report if it changed; returns it with its revision (BILLING.md: month
    /// reports may be rewritten, each with a revision number).
    public func saveMonthReport(_ report: MonthReport, runID: String) throws -> MonthReport {
        var unrevised = report
        unrevised.revision = 0
        let content = try CanonicalJSON.encode(unrevised)
        let revision = try store.saveMonthReport(StoredMonthReport(account: report.account, month: report.month,
                                                                   checksum: CanonicalJSON.checksum(content), content: content, runID: runID))
        var saved = report
        saved.revision = revision
        return saved
    }
}

extension Statement {
    /// The canonical JSON bytes (the checksum's input).
    public func canonicalJSON() throws -> Data { try CanonicalJSON.encode(self) }
}
