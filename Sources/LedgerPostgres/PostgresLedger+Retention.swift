import LedgerCore
import LedgerStore

extension PostgresLedger: RetentionStore {
    public func detailCount(account: String, before day: LocalDate) throws -> Int {
        let rows = try query("SELECT count(*) FROM deliveries WHERE \(Self.located(days: "< $2::date"))",
                             [.text(account), .text(day.description)])
        return Int(try rows.first.map { try RowReader($0).int(0) } ?? 0)
    }

    public func purgeDetail(account: String, before day: LocalDate, runID: String, at instant: Instant) throws -> Int {
        try transaction {
            // Conflicts name messages by key only: drop those of the records going away first.
            try unlockedQuery("""
                DELETE FROM status_conflicts WHERE (vendor, message_id) IN
                  (SELECT vendor, message_id FROM deliveries WHERE \(Self.located(days: "< $2::date")))
                """, [.text(account), .text(day.description)])
            let deleted = try unlockedQuery("""
                WITH gone AS (DELETE FROM deliveries WHERE \(Self.located(days: "< $2::date")) RETURNING 1)
                SELECT count(*) FROM gone
                """, [.text(account), .text(day.description)])
            // After the records: the entries of those days (entries of records that moved on
            // to later days or other accounts are stale anyway; their new places have their own).
            try unlockedQuery("DELETE FROM delivery_locator WHERE account = $1 AND local_day < $2::date",
                              [.text(account), .text(day.description)])
            // The mark only rises: a purge with an earlier cutoff never reopens purged days.
            try unlockedQuery("""
                INSERT INTO purge_marks (account, before_day, run_id, purged_at) VALUES ($1, $2::date, $3, $4)
                ON CONFLICT (account) DO UPDATE SET before_day = excluded.before_day, run_id = excluded.run_id,
                  purged_at = excluded.purged_at
                WHERE excluded.before_day > purge_marks.before_day
                """, [.text(account), .text(day.description), .text(runID), .int(instant.secondsSinceEpoch)])
            return Int(try deleted.first.map { try RowReader($0).int(0) } ?? 0)
        }
    }

    public func rejectCount(ingestedBefore instant: Instant) throws -> Int {
        let rows = try query("""
            SELECT count(*) FROM rejects WHERE file_sha256 IN (SELECT sha256 FROM ingested_files WHERE ingested_at < $1)
            """, [.int(instant.secondsSinceEpoch)])
        return Int(try rows.first.map { try RowReader($0).int(0) } ?? 0)
    }

    public func purgeRejects(ingestedBefore instant: Instant) throws -> Int {
        let rows = try query("""
            WITH gone AS (DELETE FROM rejects WHERE file_sha256 IN (SELECT sha256 FROM ingested_files WHERE ingested_at < $1) RETURNING 1)
            SELECT count(*) FROM gone
            """, [.int(instant.secondsSinceEpoch)])
        return Int(try rows.first.map { try RowReader($0).int(0) } ?? 0)
    }

    public func purgeMarks() throws -> [String: LocalDate] {
        var marks: [String: LocalDate] = [:]
        for row in try query("SELECT account, before_day::text FROM purge_marks") {
            let r = RowReader(row)
            if let day = LocalDate(try r.text(1)) { marks[try r.text(0)] = day }
        }
        return marks
    }
}
