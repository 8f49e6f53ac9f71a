import Foundation
import LedgerCore
import LedgerStore

/// One line of a rerun's diff: what was billed or last written, and what the ledger gives now.
public struct RerunLine: Hashable, Sendable, Codable {
    public var key: LineKey
    public var per: PriceBook.Unit
    public var unitPriceBefore: Money?
    public var unitPriceAfter: Money?
    public var messagesBefore: Int64
    public var messagesAfter: Int64
    public var unitsBefore: Int64
    public var unitsAfter: Int64
    public var amountBefore: Money
    public var amountAfter: Money

    public var changed: Bool {
        unitsBefore != unitsAfter || messagesBefore != messagesAfter || amountBefore != amountAfter
            || unitPriceBefore != unitPriceAfter
    }
}

/// What `rerun` found (and, unless dry, did) for an account's cycle or month (BILLING.md:
/// a closed statement is never rewritten; differences become adjustments on the open cycle.
/// An open cycle's preview and a month report are rewritten as a new revision).
public struct RerunResult: Hashable, Sendable {
    public enum Subject: Hashable, Sendable {
        /// Before: revision 1 plus the adjustments already made for the cycle.
        case closedCycle(BillingCycle, adjustmentsSoFar: Int)
        /// Before: the latest preview `rerun` stored (nil: none yet).
        case openCycle(BillingCycle, previewRevision: Int?)
        /// Before: the latest stored month report (nil: none yet).
        case month(CalendarMonth, revision: Int?)
    }

    public var account: String
    public var currency: Currency
    public var subject: Subject
    public var asOf: Instant
    /// Every line before or after, in line order.
    public var lines: [RerunLine]
    public var dryRun: Bool
    /// Closed cycle: the adjustment lines written (or, dry, that would be written).
    public var adjustment: AccountAdjustment?
    /// Closed cycle past its late window with differences, without `--adjust`: nothing applied.
    public var needsAdjustFlag = false
    /// Open cycle or month: the revision that holds the recomputed content (nil when dry).
    public var newRevision: Int?
    /// Open cycle: the recomputed preview, to be written as files.
    public var preview: Statement?

    /// Sums of the lines' amounts; an overflow is an error, never a wrong total.
    public var amountBefore: Money { get throws { try lines.reduce(Money.zero) { try $0 + $1.amountBefore } } }
    public var amountAfter: Money { get throws { try lines.reduce(Money.zero) { try $0 + $1.amountAfter } } }
    public var changed: Bool { lines.contains(where: \.changed) }
}

extension BillingEngine {
    /// Recomputes one cycle of an account from the ledger. A closed cycle gets adjustment lines
    /// on the open cycle (inside its late window, or with `adjust`), never an edit; an open
    /// cycle's preview is stored as a new preview revision when it changed.
    public func rerun(account id: String, cycle start: LocalDate, asOf: Instant, runID: String,
                      adjust: Bool, dryRun: Bool) throws -> RerunResult {
        let (account, _) = try account(id)
        let cycle = try cycle(account: id, startingOn: start)
        if let stored = try store.storedStatement(account: id, cycleStart: start, revision: 1) {
            let (before, _) = try billedLines(account: id, stored: stored)
            let now = try computeStatement(account: id, cycle: cycle, asOf: asOf, revision: 1)
            let adjustmentsSoFar = try storedAdjustmentLines(account: id).filter { $0.line.originalCycle == start }.count
            var result = RerunResult(account: id, currency: account.currency, subject: .closedCycle(cycle, adjustmentsSoFar: adjustmentsSoFar),
                                     asOf: asOf, lines: Self.diffLines(before: before.mapValues(Self.side), after: now.lines), dryRun: dryRun)
            var clock = account.clock
            let inWindow = asOf < clock.startOfDay(cycle.end.adding(days: policy.lateWindowDays))
            let (lines, _) = try difference(account: account, stored: stored, asOf: asOf)
            guard !lines.isEmpty else { return result }
            let target = account.anchors.cycle(containing: clock.localDate(of: asOf)).start
            if inWindow || adjust {
                result.adjustment = dryRun ? AccountAdjustment(account: id, targetCycle: target, lines: lines)
                    : try self.adjust(account: id, cycle: start, asOf: asOf, runID: runID)
            } else {
                result.adjustment = AccountAdjustment(account: id, targetCycle: target, lines: lines)
                result.needsAdjustFlag = true
            }
            return result
        }
        let previous = try store.latestStatementPreview(account: id, cycleStart: start)
        let before = try previous.map { stored in try decodeStatement(stored).lines } ?? []
        let now = try computeStatement(account: id, cycle: cycle, asOf: asOf, revision: 0)
        var result = RerunResult(account: id, currency: account.currency, subject: .openCycle(cycle, previewRevision: previous?.revision),
                                 asOf: asOf, lines: Self.diffLines(before: Dictionary(uniqueKeysWithValues: before.map { ($0.key, Self.side($0)) }),
                                                                   after: now.lines),
                                 dryRun: dryRun, preview: now)
        if !dryRun {
            let content = try now.canonicalJSON()
            result.newRevision = try store.saveStatementPreview(StoredStatement(
                account: id, cycleStart: cycle.start, cycleEnd: cycle.end, revision: 0,
                checksum: CanonicalJSON.checksum(content), content: content, runID: runID))
        }
        return result
    }

    /// Recomputes an account's calendar-month report (every condition is derived from the
    /// same rollups; the stored revision is the "all" view's) and stores it as a new revision
    /// when it changed.
    public func rerun(account id: String, month: CalendarMonth, asOf: Instant, runID: String, dryRun: Bool) throws -> RerunResult {
        let (account, _) = try account(id)
        let previous = try store.latestMonthReport(account: id, month: month)
        let before: [StatementLine]
        if let previous {
            do { before = try CanonicalJSON.decode(MonthReport.self, from: previous.content).lines } catch {
                throw BillingError(account: id, .corruptStored("month report \(month) r\(previous.revision): \(error)"))
            }
        } else {
            before = []
        }
        let now = try monthReport(month: month, account: id, asOf: asOf, condition: .all)
        var result = RerunResult(account: id, currency: account.currency, subject: .month(month, revision: previous?.revision), asOf: asOf,
                                 lines: Self.diffLines(before: Dictionary(uniqueKeysWithValues: before.map { ($0.key, Self.side($0)) }),
                                                       after: now.lines),
                                 dryRun: dryRun)
        if !dryRun { result.newRevision = try saveMonthReport(now, runID: runID).revision }
        return result
    }

    struct Side {
        var per: PriceBook.Unit
        var price: Money
        var messages: Int64
        var units: Int64
        var amount: Money
    }

    static func side(_ billed: BilledLine) -> Side {
        Side(per: billed.per, price: billed.price, messages: billed.messages, units: billed.units, amount: billed.amount)
    }

    static func side(_ line: StatementLine) -> Side {
        Side(per: line.per, price: line.unitPrice, messages: line.messages, units: line.units, amount: line.amount)
    }

    static func diffLines(before: [LineKey: Side], after lines: [StatementLine]) -> [RerunLine] {
        var after: [LineKey: Side] = [:]
        for line in lines { after[line.key] = side(line) }
        return Set(before.keys).union(after.keys).sorted().map { key in
            let old = before[key], new = after[key]
            return RerunLine(key: key, per: new?.per ?? old?.per ?? .message,
                             unitPriceBefore: old?.price, unitPriceAfter: new?.price,
                             messagesBefore: old?.messages ?? 0, messagesAfter: new?.messages ?? 0,
                             unitsBefore: old?.units ?? 0, unitsAfter: new?.units ?? 0,
                             amountBefore: old?.amount ?? .zero, amountAfter: new?.amount ?? .zero)
        }
    }
}
