import LedgerCore
import LedgerStore
import PostgresNIO

extension PostgresLedger {
    /// The columns read back into a `DeliveryRecord` (`decodeRecord` order), the file named by its hash.
    static let recordSelect = """
        vendor, message_id, account, local_day::text, batch_id, sent_at, completed_at, channel, status, refundable,
        reason_code, reason_text, units, category, sender, recipient, recipient_hash, fallback_of, vendor_cost,
        (SELECT sha256 FROM ingested_files f WHERE f.id = deliveries.source_file_id), source_row::bigint
        """

    static func decodeRecord(_ row: PostgresRow) throws -> (DeliveryRecord, LocalDate) {
        let r = RowReader(row)
        let channelText = try r.text(7), statusText = try r.text(8), dayText = try r.text(3)
        guard let channel = Channel(channelText), let status = DeliveryStatus(rawValue: statusText), let day = LocalDate(dayText) else {
            throw StoreError(.corrupt("bad stored row: channel \(channelText), status \(statusText), day \(dayText)"))
        }
        let record = DeliveryRecord(
            vendor: try r.text(0), account: try r.text(2), messageID: try r.text(1), batchID: try r.optionalText(4),
            sentAt: Instant(secondsSinceEpoch: try r.int(5)),
            completedAt: try r.optionalInt(6).map { Instant(secondsSinceEpoch: $0) },
            channel: channel, status: status, refundable: try r.bool(9),
            reasonCode: try r.optionalText(10), reasonText: try r.optionalText(11), units: try r.int(12), category: try r.optionalText(13),
            sender: try r.optionalText(14), recipient: try r.optionalText(15), recipientHash: try r.optionalText(16),
            fallbackOf: try r.optionalText(17), vendorCost: try r.optionalInt(18).map { Money(micros: $0) },
            source: .init(fileSHA256: try r.optionalText(19) ?? "", row: Int(try r.int(20))))
        return (record, day)
    }

    static let rollupSelect = """
        account, local_day::text, vendor, channel, category, status, refundable, is_fallback,
        messages, units, call_minutes, vendor_cost, cost_unknown
        """

    static func decodeRollup(_ row: PostgresRow) throws -> DailyRollup {
        let r = RowReader(row)
        let channelText = try r.text(3), statusText = try r.text(5), dayText = try r.text(1)
        guard let channel = Channel(channelText), let status = DeliveryStatus(rawValue: statusText), let day = LocalDate(dayText) else {
            throw StoreError(.corrupt("bad rollup row: \(channelText) \(statusText) \(dayText)"))
        }
        let key = RollupKey(account: try r.text(0), day: day, vendor: try r.text(2), channel: channel, category: try r.text(4),
                            status: status, refundable: try r.bool(6), isFallback: try r.bool(7))
        let totals = RollupTotals(messages: try r.int(8), units: try r.int(9), callMinutes: try r.int(10),
                                  vendorCost: Money(micros: try r.int(11)), costUnknown: try r.int(12))
        return DailyRollup(key: key, totals: totals)
    }

    public func rollups(account: String?, days: Range<LocalDate>) throws -> [DailyRollup] {
        var sql = "SELECT \(Self.rollupSelect) FROM daily_rollups WHERE local_day >= $1::date AND local_day < $2::date"
        var binds: [PostgresBind] = [.text(days.lowerBound.description), .text(days.upperBound.description)]
        if let account {
            sql += " AND account = $3"
            binds.append(.text(account))
        }
        sql += " ORDER BY account, local_day, vendor, channel, category, status, refundable, is_fallback"
        return try query(sql, binds).map(Self.decodeRollup)
    }

    public func record(vendor: String, messageID: String) throws -> DeliveryRecord? {
        try query("SELECT \(Self.recordSelect) FROM deliveries WHERE vendor = $1 AND message_id = $2", [.text(vendor), .text(messageID)])
            .first.map { try Self.decodeRecord($0).0 }
    }

    public func records(account: String, days: Range<LocalDate>, _ each: (DeliveryRecord, LocalDate) throws -> Void) throws {
        try eachRecord(where: "\(Self.located(days: ">= $2::date AND local_day < $3::date")) ORDER BY local_day, sent_at, vendor, message_id",
                       [.text(account), .text(days.lowerBound.description), .text(days.upperBound.description)], each)
    }

    /// The records of account `$1` whose local day satisfies `local_day <days>`, found through
    /// `delivery_locator` (migration v8): the keys listed for those account-days, then each
    /// record's own account and day checked again (an entry a moved record left is not a match).
    static func located(days: String) -> String {
        """
        (vendor, message_id) IN (SELECT vendor, unnest(message_ids) FROM delivery_locator WHERE account = $1 AND local_day \(days)) \
        AND account = $1 AND local_day \(days)
        """
    }

    /// Streams matching records through a server-side cursor, a batch at a time, so a month of
    /// an account's messages is never held in memory at once. `each` must not call the ledger.
    func eachRecord(where clause: String, _ binds: [PostgresBind], _ each: (DeliveryRecord, LocalDate) throws -> Void) throws {
        try transaction {
            try unlockedQuery("DECLARE ledger_records NO SCROLL CURSOR FOR SELECT \(Self.recordSelect) FROM deliveries WHERE \(clause)", binds)
            while true {
                let rows = try unlockedQuery("FETCH FORWARD 10000 FROM ledger_records")
                for row in rows {
                    let (record, day) = try Self.decodeRecord(row)
                    try each(record, day)
                }
                if rows.count < 10000 { break }
            }
            try unlockedQuery("CLOSE ledger_records")
        }
    }

    public func ingestedFiles() throws -> [IngestedFile] {
        try query("""
            SELECT sha256, path, size, vendor, run_id, ingested_at, rows, inserted, updated, unchanged, stale, conflicts, rejected
            FROM ingested_files ORDER BY id
            """).map { row in
            let r = RowReader(row)
            var counts = FileIngestCounts()
            counts.rows = Int(try r.int(6))
            counts.inserted = Int(try r.int(7))
            counts.updated = Int(try r.int(8))
            counts.unchanged = Int(try r.int(9))
            counts.stale = Int(try r.int(10))
            counts.conflicts = Int(try r.int(11))
            counts.rejected = Int(try r.int(12))
            return IngestedFile(sha256: try r.text(0), path: try r.text(1), size: try r.int(2), vendor: try r.text(3),
                                runID: try r.text(4), ingestedAt: Instant(secondsSinceEpoch: try r.int(5)), counts: counts)
        }
    }

    public func rejects() throws -> [RejectedRow] {
        try query("SELECT file_sha256, path, row::bigint, field, value, reason FROM rejects ORDER BY path, row, field").map { row in
            let r = RowReader(row)
            return RejectedRow(fileSHA256: try r.text(0), path: try r.text(1), row: Int(try r.int(2)), field: try r.text(3),
                               value: try r.text(4), reason: try r.text(5))
        }
    }

    public func counts() throws -> LedgerCounts {
        let row = try query("""
            SELECT (SELECT count(*) FROM deliveries), (SELECT count(*) FROM daily_rollups),
                   (SELECT count(*) FROM ingested_files), (SELECT count(*) FROM rejects)
            """)
        var counts = LedgerCounts()
        if let first = row.first {
            let r = RowReader(first)
            counts.deliveries = Int(try r.int(0))
            counts.rollups = Int(try r.int(1))
            counts.files = Int(try r.int(2))
            counts.rejects = Int(try r.int(3))
        }
        return counts
    }

    public func saveRun(_ run: RunRecord) throws {
        try query("""
            INSERT INTO runs (id, command, started_at, finished_at, status, summary_json) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (id) DO UPDATE SET command = excluded.command, started_at = excluded.started_at,
                finished_at = excluded.finished_at, status = excluded.status, summary_json = excluded.summary_json
            """, [.text(run.id), .text(run.command), .int(run.startedAt.secondsSinceEpoch), .int(run.finishedAt?.secondsSinceEpoch),
                  .text(run.status), .text(run.summaryJSON)])
    }

    public func lastSuccessfulRun() throws -> RunRecord? {
        try query("""
            SELECT id, command, started_at, finished_at, status, summary_json FROM runs
            WHERE status IN ('ok', 'rejects') AND finished_at IS NOT NULL ORDER BY finished_at DESC, id DESC LIMIT 1
            """).first.map { row in
            let r = RowReader(row)
            return RunRecord(id: try r.text(0), command: try r.text(1), startedAt: Instant(secondsSinceEpoch: try r.int(2)),
                             finishedAt: try r.optionalInt(3).map { Instant(secondsSinceEpoch: $0) },
                             status: try r.text(4), summaryJSON: try r.text(5))
        }
    }
}
