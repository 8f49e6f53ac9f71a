import Foundation
import LedgerCore
import LedgerStore
import PostgresNIO

extension PostgresLedger {
    public func pendingTotals(account: String, day: LocalDate, sentAtOrBefore cutoff: Instant) throws -> [DailyRollup] {
        var totals: [RollupKey: RollupTotals] = [:]
        // Served by the partial index deliveries_pending: only PENDING rows are read.
        try eachRecord(where: "account = $1 AND local_day = $2::date AND status = 'PENDING' AND sent_at <= $3",
                       [.text(account), .text(day.description), .int(cutoff.secondsSinceEpoch)]) { record, localDay in
            totals[RollupKey(record: record, day: localDay), default: RollupTotals()] += RollupTotals(record: record)
        }
        return totals.sorted { $0.key < $1.key }.map { DailyRollup(key: $0.key, totals: $0.value) }
    }

    public func billingRollups(account: String, days: Range<LocalDate>) throws -> [DailyRollup] {
        try rollups(account: account, days: days)
    }

    public func firstUsageDay(account: String) throws -> LocalDate? {
        try query("SELECT min(local_day)::text FROM daily_rollups WHERE account = $1", [.text(account)])
            .first.flatMap { try RowReader($0).optionalText(0) }.flatMap { LocalDate($0) }
    }

    public func accountsWithUsage() throws -> [String] {
        try query("SELECT DISTINCT account FROM daily_rollups ORDER BY account").map { try RowReader($0).text(0) }
    }

    static let statementSelect = "account, cycle_start::text, cycle_end::text, revision::bigint, checksum, content, run_id"

    func decodeStatement(_ row: PostgresRow) throws -> StoredStatement {
        let r = RowReader(row)
        let start = try r.text(1), end = try r.text(2)
        guard let startDay = LocalDate(start), let endDay = LocalDate(end) else {
            throw StoreError(.corrupt("bad statement cycle \(start)..\(end)"), context: location)
        }
        return StoredStatement(account: try r.text(0), cycleStart: startDay, cycleEnd: endDay, revision: Int(try r.int(3)),
                               checksum: try r.text(4), content: try r.bytes(5), runID: try r.text(6))
    }

    public func storedStatements(account: String) throws -> [StoredStatement] {
        try query("SELECT \(Self.statementSelect) FROM statements WHERE account = $1 ORDER BY cycle_start, revision", [.text(account)])
            .map(decodeStatement)
    }

    public func storedStatement(account: String, cycleStart: LocalDate, revision: Int) throws -> StoredStatement? {
        try query("SELECT \(Self.statementSelect) FROM statements WHERE account = $1 AND cycle_start = $2::date AND revision = $3",
                  [.text(account), .text(cycleStart.description), .int(Int64(revision))])
            .first.map(decodeStatement)
    }

    public func storedAdjustments(account: String) throws -> [StoredAdjustment] {
        try query("""
            SELECT seq, account, target_cycle::text, original_cycle::text, cycle_messages, content, run_id
            FROM adjustments WHERE account = $1 ORDER BY seq
            """, [.text(account)]).map { row in
            let r = RowReader(row)
            let target = try r.text(2), original = try r.text(3)
            guard let targetDay = LocalDate(target), let originalDay = LocalDate(original) else {
                throw StoreError(.corrupt("bad adjustment cycles \(target) \(original)"), context: location)
            }
            return StoredAdjustment(seq: try r.int(0), account: try r.text(1), targetCycle: targetDay, originalCycle: originalDay,
                                    cycleMessages: try r.int(4), content: try r.bytes(5), runID: try r.text(6))
        }
    }

    /// Closing writes are single-writer per account: a transaction-scoped advisory lock on each
    /// account written (taken in account order) makes a second closer wait, then find the
    /// revision already closed and fail, rather than interleave.
    func lockAccounts(_ accounts: some Sequence<String>) throws {
        for account in Set(accounts).sorted() {
            try unlockedQuery("SELECT pg_advisory_xact_lock(\(Self.billingLockSpace), hashtext($1))", [.text(account)])
        }
    }

    /// The first key of the two-key advisory locks billing takes per account.
    static let billingLockSpace: Int32 = 0x5342 // "SB"

    public func commitBilling(statements: [StoredStatement], adjustments: [StoredAdjustment],
                              settledTouchedDays: [String: [Range<LocalDate>]]) throws {
        try transaction {
            try lockAccounts(statements.map(\.account) + adjustments.map(\.account) + settledTouchedDays.keys)
            for (account, kept) in settledTouchedDays.sorted(by: { $0.key < $1.key }) {
                var sql = "DELETE FROM billing_touched_days WHERE account = $1"
                var binds: [PostgresBind] = [.text(account)]
                for range in kept {
                    sql += " AND NOT (local_day >= $\(binds.count + 1)::date AND local_day < $\(binds.count + 2)::date)"
                    binds += [.text(range.lowerBound.description), .text(range.upperBound.description)]
                }
                try unlockedQuery(sql, binds)
            }
            for statement in statements {
                let exists = try !unlockedQuery("SELECT 1 FROM statements WHERE account = $1 AND cycle_start = $2::date AND revision = $3",
                                                [.text(statement.account), .text(statement.cycleStart.description),
                                                 .int(Int64(statement.revision))]).isEmpty
                if exists {
                    throw StoreError(.corrupt("statement \(statement.account) \(statement.cycleStart) r\(statement.revision) already closed; never rewritten"), context: location)
                }
                try unlockedQuery("""
                    INSERT INTO statements (account, cycle_start, cycle_end, revision, checksum, content, run_id)
                    VALUES ($1, $2::date, $3::date, $4, $5, $6, $7)
                    """, [.text(statement.account), .text(statement.cycleStart.description), .text(statement.cycleEnd.description),
                          .int(Int64(statement.revision)), .text(statement.checksum), .bytes(statement.content), .text(statement.runID)])
            }
            for adjustment in adjustments {
                try unlockedQuery("""
                    INSERT INTO adjustments (account, target_cycle, original_cycle, cycle_messages, content, run_id)
                    VALUES ($1, $2::date, $3::date, $4, $5, $6)
                    """, [.text(adjustment.account), .text(adjustment.targetCycle.description), .text(adjustment.originalCycle.description),
                          .int(adjustment.cycleMessages), .bytes(adjustment.content), .text(adjustment.runID)])
            }
        }
    }

    public func touchedDays(account: String) throws -> [LocalDate] {
        try query("SELECT local_day::text FROM billing_touched_days WHERE account = $1 ORDER BY local_day", [.text(account)])
            .compactMap { LocalDate(try RowReader($0).text(0)) }
    }

    public func saveMonthReport(_ report: StoredMonthReport) throws -> Int {
        try transaction {
            try lockAccounts([report.account])
            let latest = try unlockedQuery("""
                SELECT revision::bigint, checksum FROM month_reports WHERE account = $1 AND month = $2 ORDER BY revision DESC LIMIT 1
                """, [.text(report.account), .text(report.month.description)]).first.map(RowReader.init)
            if let latest, try latest.text(1) == report.checksum { return Int(try latest.int(0)) }
            let revision = Int(try latest?.int(0) ?? 0) + 1
            try unlockedQuery("""
                INSERT INTO month_reports (account, month, revision, checksum, content, run_id) VALUES ($1, $2, $3, $4, $5, $6)
                """, [.text(report.account), .text(report.month.description), .int(Int64(revision)), .text(report.checksum),
                      .bytes(report.content), .text(report.runID)])
            return revision
        }
    }

    public func latestMonthReport(account: String, month: CalendarMonth) throws -> StoredMonthReport? {
        try query("""
            SELECT account, revision::bigint, checksum, content, run_id FROM month_reports
            WHERE account = $1 AND month = $2 ORDER BY revision DESC LIMIT 1
            """, [.text(account), .text(month.description)]).first.map { row in
            let r = RowReader(row)
            return StoredMonthReport(account: try r.text(0), month: month, revision: Int(try r.int(1)), checksum: try r.text(2),
                                     content: try r.bytes(3), runID: try r.text(4))
        }
    }

    public func refundableFailures(vendor: String, sentAt: Range<Instant>, _ each: (DeliveryRecord) throws -> Void) throws {
        try eachRecord(where: "vendor = $1 AND status = 'FAILED' AND refundable AND sent_at >= $2 AND sent_at < $3 ORDER BY sent_at, message_id",
                       [.text(vendor), .int(sentAt.lowerBound.secondsSinceEpoch), .int(sentAt.upperBound.secondsSinceEpoch)]) { record, _ in
            try each(record)
        }
    }

    public func records(vendor: String, sentAt: Range<Instant>, _ each: (DeliveryRecord) throws -> Void) throws {
        try eachRecord(where: "vendor = $1 AND sent_at >= $2 AND sent_at < $3 ORDER BY sent_at, message_id",
                       [.text(vendor), .int(sentAt.lowerBound.secondsSinceEpoch), .int(sentAt.upperBound.secondsSinceEpoch)]) { record, _ in
            try each(record)
        }
    }

    public func saveVendorSummaries(_ rows: [VendorSummaryRow]) throws {
        try transaction {
            for row in rows {
                try unlockedQuery("""
                    INSERT INTO vendor_summaries (vendor, account, grain, grain_key, total, success, failure, fallback_success,
                        fallback_failure, amount, source_file, source_row) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                    ON CONFLICT (vendor, account, grain, grain_key) DO UPDATE SET total = excluded.total, success = excluded.success,
                        failure = excluded.failure, fallback_success = excluded.fallback_success,
                        fallback_failure = excluded.fallback_failure, amount = excluded.amount,
                        source_file = excluded.source_file, source_row = excluded.source_row
                    """, [.text(row.vendor), .text(row.account), .text(row.grain.kind), .text(row.grain.key), .int(row.total), .int(row.success),
                          .int(row.failure), .int(row.fallbackSuccess), .int(row.fallbackFailure), .int(row.amount?.micros),
                          .text(row.source.fileSHA256), .int(Int64(row.source.row))])
            }
        }
    }

    public func vendorSummaries(vendor: String) throws -> [VendorSummaryRow] {
        try query("""
            SELECT vendor, grain, grain_key, total, success, failure, fallback_success, fallback_failure, amount, source_file,
                source_row::bigint, account FROM vendor_summaries WHERE vendor = $1 ORDER BY account, grain, grain_key
            """, [.text(vendor)]).map { row in
            let r = RowReader(row)
            let kind = try r.text(1), key = try r.text(2)
            guard let grain = VendorSummaryRow.Grain(kind: kind, key: key) else {
                throw StoreError(.corrupt("bad vendor summary grain \(kind) \(key)"), context: location)
            }
            return VendorSummaryRow(vendor: try r.text(0), account: try r.text(11), grain: grain, total: try r.optionalInt(3), success: try r.optionalInt(4),
                                    failure: try r.optionalInt(5), fallbackSuccess: try r.optionalInt(6),
                                    fallbackFailure: try r.optionalInt(7), amount: try r.optionalInt(8).map { Money(micros: $0) },
                                    source: .init(fileSHA256: try r.text(9), row: Int(try r.int(10))))
        }
    }
}
