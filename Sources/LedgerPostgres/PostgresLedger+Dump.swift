import LedgerStore

extension PostgresLedger {
    /// The same text as `SQLiteLedger.canonicalDump()` for the same facts: every value printed
    /// as SQLite's dump prints it (text quoted, integers and flags as numbers, days as text),
    /// so the two stores can be compared line for line.
    public func canonicalDump() throws -> String {
        // Each column as text, and whether SQLite would hold it as text (quoted in the dump).
        // ORDER BY names table columns (qualified): a bare name would sort by the text output.
        let tables: [(String, String, [Bool])] = [
            ("deliveries", """
                SELECT vendor, message_id, account, local_day::text, batch_id, sent_at::text, completed_at::text, channel, status,
                    refundable::int::text, reason_code, reason_text, units::text, category, sender, recipient, recipient_hash,
                    fallback_of, vendor_cost::text, (SELECT sha256 FROM ingested_files f WHERE f.id = deliveries.source_file_id),
                    source_row::text
                FROM deliveries ORDER BY deliveries.vendor, deliveries.message_id
                """, [true, true, true, true, true, false, false, true, true, false, true, true, false, true, true, true, true, true, false, true, false]),
            ("daily_rollups", """
                SELECT account, local_day::text, vendor, channel, category, status, refundable::int::text, is_fallback::int::text,
                    messages::text, units::text, call_minutes::text, vendor_cost::text, cost_unknown::text
                FROM daily_rollups r ORDER BY r.account, r.local_day, r.vendor, r.channel, r.category, r.status, r.refundable, r.is_fallback
                """, [true, true, true, true, true, true, false, false, false, false, false, false, false]),
            ("ingested_files", """
                SELECT sha256, path, size::text, vendor, rows::text, inserted::text, updated::text, unchanged::text, stale::text,
                    conflicts::text, rejected::text
                FROM ingested_files f ORDER BY f.sha256
                """, [true, true, false, true, false, false, false, false, false, false, false]),
            ("rejects", "SELECT file_sha256, path, row::text, field, value, reason FROM rejects r ORDER BY r.file_sha256, r.row, r.field",
             [true, true, false, true, true, true]),
            ("status_conflicts", """
                SELECT vendor, message_id, kept_status, incoming_status, file_sha256, row::text FROM status_conflicts c
                ORDER BY c.file_sha256, c.row, c.vendor, c.message_id
                """, [true, true, true, true, true, false]),
        ]
        var lines: [String] = []
        for (table, sql, quoted) in tables {
            lines.append("# \(table)")
            for row in try query(sql) {
                let r = RowReader(row)
                var values: [String] = []
                for index in quoted.indices {
                    if let value = try r.optionalText(index) {
                        values.append(quoted[index] ? String(reflecting: value) : value)
                    } else {
                        values.append("NULL")
                    }
                }
                lines.append(values.joined(separator: "|"))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Empties every ledger table (tests and benchmarks start from a clean database; the schema
    /// and its migrations stay).
    public func truncateAll() throws {
        try query("""
            TRUNCATE deliveries, ingested_files, rejects, status_conflicts, daily_rollups, runs, statements, adjustments,
                month_reports, vendor_summaries, billing_touched_days, purge_marks, statement_previews RESTART IDENTITY
            """)
    }
}
