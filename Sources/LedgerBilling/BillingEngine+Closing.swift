import Foundation
import LedgerCore
import LedgerStore
import Logging

/// What a closing run did (or, dry, would do).
public struct CloseResult: Hashable, Sendable, Codable {
    /// Statements closed by this run (revision 1), by account then cycle.
    public var closed: [ClosedStatement] = []
    /// Adjustment lines written onto open cycles, by account.
    public var adjustments: [AccountAdjustment] = []
    /// Differences of closed cycles past the late window: listed, not applied (`rerun --adjust`).
    public var manual: [AccountAdjustment] = []
    /// Accounts with usage in the ledger but not in the accounts file (not billed; reported).
    public var unknownAccounts: [String] = []
    public var dryRun = false
}

/// Adjustment lines of one account, all for one target cycle.
public struct AccountAdjustment: Hashable, Sendable, Codable {
    public var account: String
    /// The open cycle the lines go on.
    public var targetCycle: LocalDate
    public var lines: [AdjustmentLine]
}

extension BillingEngine {
    /// The nightly closing step at `asOf` (BILLING.md: closing, late data and adjustments).
    ///
    /// For every account, in id order: each cycle whose `end + grace_days` (local 00:00) is at
    /// or before `asOf` and that is not closed yet is closed: revision 1 is written with the
    /// SHA-256 of its canonical JSON. Then every closed cycle whose end lies within
    /// `retention_days` is recomputed; the difference from what was billed (revision 1 plus
    /// earlier adjustments) goes as adjustment lines onto the cycle containing `asOf` while
    /// `asOf` is before local 00:00 of `end + late_window_days`, and is listed in `manual`
    /// after that. A dry run computes the same and writes nothing.
    public func close(asOf: Instant, runID: String, dryRun: Bool = false) throws -> CloseResult {
        var result = CloseResult()
        result.dryRun = dryRun
        var storedStatements: [StoredStatement] = []
        var storedAdjustments: [StoredAdjustment] = []
        var settled: [String: [Range<LocalDate>]] = [:]
        for account in accounts.accounts {
            let (closed, adjustments, manual, newStatements, newAdjustments, pending) = try closeAccount(account, asOf: asOf, runID: runID)
            // Touched days are settled, except in cycles whose differences await `rerun --adjust`
            // (so every run lists them again until then).
            settled[account.id] = pending
            result.closed += closed
            result.adjustments += adjustments
            result.manual += manual
            storedStatements += newStatements
            storedAdjustments += newAdjustments
        }
        let known = Set(accounts.accounts.map(\.id))
        result.unknownAccounts = try store.accountsWithUsage().filter { !known.contains($0) }
        if !dryRun {
            try store.commitBilling(statements: storedStatements, adjustments: storedAdjustments, settledTouchedDays: settled)
        }
        logger.info("billing closed", metadata: [
            "run.id": "\(runID)", "statements.closed": "\(result.closed.count)",
            "adjustments.accounts": "\(result.adjustments.count)", "adjustments.manual": "\(result.manual.count)", "accounts.unknown": "\(result.unknownAccounts.count)",
            "dry_run": "\(dryRun)",
        ])
        return result
    }

    /// Applies by hand the difference of one closed cycle, whatever its age (`rerun --adjust`).
    public func adjust(account id: String, cycle start: LocalDate, asOf: Instant, runID: String, dryRun: Bool = false) throws -> AccountAdjustment? {
        let (account, _) = try account(id)
        guard let stored = try store.storedStatement(account: id, cycleStart: start, revision: 1) else {
            throw BillingError(account: id, .notACycle("\(start) (not closed)"))
        }
        var clock = account.clock
        let target = account.anchors.cycle(containing: clock.localDate(of: asOf)).start
        let (lines, messages) = try difference(account: account, stored: stored, asOf: asOf)
        guard !lines.isEmpty else { return nil }
        if !dryRun {
            // This cycle's touched days are settled; other cycles' stay listed.
            let kept = [LocalDate(year: 1, month: 1, day: 1)!..<stored.cycleStart, stored.cycleEnd..<LocalDate(year: 9999, month: 12, day: 31)!]
            try store.commitBilling(statements: [], adjustments: try lines.map { line in
                StoredAdjustment(account: id, targetCycle: target, originalCycle: start, cycleMessages: messages,
                                 content: try CanonicalJSON.encode(line), runID: runID)
            }, settledTouchedDays: [id: kept])
        }
        return AccountAdjustment(account: id, targetCycle: target, lines: lines)
    }

    func closeAccount(_ account: Account, asOf: Instant, runID: String) throws
        -> ([ClosedStatement], [AccountAdjustment], [AccountAdjustment], [StoredStatement], [StoredAdjustment], [Range<LocalDate>]) {
        var clock = account.clock
        let today = clock.localDate(of: asOf)
        let existing = try store.storedStatements(account: account.id).filter { $0.revision == 1 }
        var closed: [ClosedStatement] = []
        var newStatements: [StoredStatement] = []

        // 1. Close every due cycle after the last closed one (or from the first usage).
        var next: BillingCycle?
        if let last = existing.last {
            next = account.anchors.cycle(containing: last.cycleEnd)
        } else if let first = try store.firstUsageDay(account: account.id) {
            next = account.anchors.cycle(containing: first)
        }
        while let cycle = next, clock.startOfDay(cycle.end.adding(days: policy.graceDays)) <= asOf {
            let statement = try computeStatement(account: account.id, cycle: cycle, asOf: asOf, revision: 1)
            let bytes = try statement.canonicalJSON()
            let checksum = CanonicalJSON.checksum(bytes)
            closed.append(ClosedStatement(statement: statement, canonicalJSON: Array(bytes), checksum: checksum))
            newStatements.append(StoredStatement(account: account.id, cycleStart: cycle.start, cycleEnd: cycle.end, revision: 1,
                                                 checksum: checksum, content: bytes, runID: runID))
            next = account.anchors.cycle(after: cycle)
        }

        // 2. Late data: recompute the cycles closed before this run: those inside their late
        //    window always (a price correction changes no rollup), older ones only where
        //    rollups changed since the last run (`touchedDays`).
        let target = account.anchors.cycle(containing: today).start
        let touched = try store.touchedDays(account: account.id)
        var auto: [AdjustmentLine] = []
        var manual: [AdjustmentLine] = []
        var pending: [Range<LocalDate>] = []
        var newAdjustments: [StoredAdjustment] = []
        for stored in existing {
            let days = stored.cycleStart..<stored.cycleEnd
            let inWindow = asOf < clock.startOfDay(stored.cycleEnd.adding(days: policy.lateWindowDays))
            guard inWindow || touched.contains(where: { days.contains($0) }) else { continue }
            let (lines, messages) = try difference(account: account, stored: stored, asOf: asOf)
            guard !lines.isEmpty else { continue }
            if inWindow {
                auto += lines
                for line in lines {
                    newAdjustments.append(StoredAdjustment(account: account.id, targetCycle: target, originalCycle: stored.cycleStart,
                                                           cycleMessages: messages, content: try CanonicalJSON.encode(line), runID: runID))
                }
            } else {
                manual += lines
                pending.append(days)
            }
        }
        let adjustments = auto.isEmpty ? [] : [AccountAdjustment(account: account.id, targetCycle: target, lines: auto)]
        let manuals = manual.isEmpty ? [] : [AccountAdjustment(account: account.id, targetCycle: target, lines: manual)]
        return (closed, adjustments, manuals, newStatements, newAdjustments, pending)
    }

    /// Recomputed minus billed, per line, for a closed cycle; and the cycle's message count now.
    func difference(account: Account, stored: StoredStatement, asOf: Instant) throws -> ([AdjustmentLine], Int64) {
        let (before, billedMessages) = try billedLines(account: account.id, stored: stored)
        var clock = account.clock
        let computedOn = clock.localDate(of: asOf)
        let cycle = BillingCycle(start: stored.cycleStart, end: stored.cycleEnd)
        let now = try computeStatement(account: account.id, cycle: cycle, asOf: asOf, revision: 1)
        var after: [LineKey: StatementLine] = [:]
        for line in now.lines { after[line.key] = line }
        var lines: [AdjustmentLine] = []
        for key in Set(before.keys).union(after.keys).sorted() {
            let old = before[key] ?? BilledLine()
            let new = after[key]
            let units = (new?.units ?? 0) - old.units
            let amount = try (new?.amount ?? .zero) - old.amount
            let exact = try (new?.exact ?? .zero) - old.exact
            guard units != 0 || amount != .zero || exact != .zero else { continue }
            // Units that appear while the cycle gained records are late records; units that move
            // between lines (or leave one) without new records are status changes; the same units
            // at another amount are a price correction.
            let messages = (new?.messages ?? 0) - old.messages
            let reason: AdjustmentReason = if units == 0 && messages == 0 {
                .priceCorrection
            } else if messages > 0 || units > 0, now.messages > billedMessages {
                .lateRecords
            } else {
                .statusChange
            }
            lines.append(AdjustmentLine(originalCycle: cycle.start, originalCycleEnd: cycle.end, reason: reason, key: key,
                                        per: new?.per ?? old.per, unitPrice: new?.unitPrice ?? old.price,
                                        messages: messages, units: units, exact: exact, amount: amount, computedOn: computedOn))
        }
        return (lines, now.messages)
    }
}

/// What has been billed for one line of a closed cycle: revision 1 plus every adjustment since.
struct BilledLine {
    var messages: Int64 = 0
    var units: Int64 = 0
    var exact = Money.zero
    var amount = Money.zero
    var per: PriceBook.Unit = .message
    var price = Money.zero
}

extension BillingEngine {
    /// Per line, what a closed cycle has billed so far (revision 1 plus its adjustments), and
    /// the cycle's message count as last billed.
    func billedLines(account id: String, stored: StoredStatement) throws -> ([LineKey: BilledLine], Int64) {
        let billed = try decodeBilled(stored)
        var before: [LineKey: BilledLine] = [:]
        for line in billed.lines {
            before[line.key] = BilledLine(messages: line.messages, units: line.units, exact: line.exact, amount: line.amount, per: line.per, price: line.unitPrice)
        }
        var billedMessages = billed.messages
        for previous in try storedAdjustmentLines(account: id) where previous.line.originalCycle == stored.cycleStart {
            var entry = before[previous.line.key] ?? BilledLine(per: previous.line.per, price: previous.line.unitPrice)
            entry.messages += previous.line.messages
            entry.units += previous.line.units
            entry.exact = try entry.exact + previous.line.exact
            entry.amount = try entry.amount + previous.line.amount
            entry.price = previous.line.unitPrice
            before[previous.line.key] = entry
            billedMessages = previous.cycleMessages
        }
        return (before, billedMessages)
    }
}

/// The part of a stored statement that adjustments are measured against: decoding only these
/// keys skips the days and pieces (most of the document).
struct BilledStatement: Decodable {
    struct Line: Decodable {
        var key: LineKey
        var per: PriceBook.Unit
        var unitPrice: Money
        var messages: Int64
        var units: Int64
        var exact: Money
        var amount: Money
    }

    var messages: Int64
    var lines: [Line]
}

extension BillingEngine {
    func decodeBilled(_ stored: StoredStatement) throws -> BilledStatement {
        guard CanonicalJSON.checksum(stored.content) == stored.checksum else {
            throw BillingError(account: stored.account, .corruptStored("statement \(stored.cycleStart) r\(stored.revision) checksum mismatch"))
        }
        do { return try CanonicalJSON.decode(BilledStatement.self, from: stored.content) } catch {
            throw BillingError(account: stored.account, .corruptStored("statement \(stored.cycleStart) r\(stored.revision): \(error)"))
        }
    }
}
