import Foundation
import GRDB

extension SQLiteLedger {
    /// Every fact of the ledger as sorted text, without the times and run ids that differ
    /// between runs: two ledgers hold the same data exactly when their dumps are equal.
    /// Crash tests compare an interrupted-then-rerun ledger with an uninterrupted one.
    public func canonicalDump() throws -> String {
        try read { db in
            var lines: [String] = []
            let queries = [
                // The day as text, as every other store dumps it.
                ("deliveries", "SELECT \(SQLiteIngestSink.columns.replacingOccurrences(of: "local_day", with: "date(local_day * 86400, 'unixepoch')")) FROM deliveries ORDER BY vendor, message_id"),
                ("daily_rollups", "SELECT * FROM daily_rollups ORDER BY account, local_day, vendor, channel, category, status, refundable, is_fallback"),
                ("ingested_files", "SELECT sha256, path, size, vendor, rows, inserted, updated, unchanged, stale, conflicts, rejected FROM ingested_files ORDER BY sha256"),
                ("rejects", "SELECT * FROM rejects ORDER BY file_sha256, row, field"),
                ("status_conflicts", "SELECT * FROM status_conflicts ORDER BY file_sha256, row, vendor, message_id"),
            ]
            for (table, sql) in queries {
                lines.append("# \(table)")
                for row in try Row.fetchAll(db, sql: sql) {
                    lines.append(row.databaseValues.map { $0.isNull ? "NULL" : "\($0)" }.joined(separator: "|"))
                }
            }
            return lines.joined(separator: "\n") + "\n"
        }
    }
}
