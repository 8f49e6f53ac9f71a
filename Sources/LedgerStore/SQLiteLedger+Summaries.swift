import GRDB
import LedgerCore

extension SQLiteIngestSink {
    /// Summary rows of this file, in its transaction: the same values again leave the stored row
    /// (and its source) alone; other values replace it. Few rows a file: plain GRDB statements.
    func saveSummary(_ rows: [VendorSummaryRow]) throws {
        for row in rows {
            counts.rows += 1
            let key: [(any DatabaseValueConvertible)?] = [row.vendor, row.account, row.grain.kind, row.grain.key]
            let stored = try Row.fetchOne(db, sql: """
                SELECT total, success, failure, fallback_success, fallback_failure, amount FROM vendor_summaries
                WHERE vendor = ? AND account = ? AND grain = ? AND grain_key = ?
                """, arguments: StatementArguments(key))
            let values: [Int64?] = [row.total, row.success, row.failure, row.fallbackSuccess, row.fallbackFailure, row.amount?.micros]
            if let stored {
                let old: [Int64?] = (0..<6).map { stored[$0] }
                if old == values {
                    counts.unchanged += 1
                    continue
                }
                counts.updated += 1
            } else {
                counts.inserted += 1
            }
            wroteSummaries = true
            try db.execute(sql: """
                INSERT OR REPLACE INTO vendor_summaries (vendor, account, grain, grain_key, total, success, failure,
                    fallback_success, fallback_failure, amount, source_file, source_row) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: StatementArguments(key + values.map { $0 } + [file.sha256, row.source.row]))
        }
    }
}
