import LedgerCore
import LedgerStore

extension PostgresIngestSink {
    /// Summary rows of this file, in its transaction, as the SQLite sink stores them: a new key
    /// is inserted, the same values again leave the stored row (and its source) alone, other
    /// values replace it. A new key goes in with ON CONFLICT DO NOTHING and an existing one is
    /// read FOR UPDATE, so two ingests of summary files agree row by row.
    func writeSummaries(_ rows: [VendorSummaryRow]) throws {
        for row in rows {
            counts.rows += 1
            let key: [PostgresBind] = [.text(row.vendor), .text(row.account), .text(row.grain.kind), .text(row.grain.key)]
            let values: [Int64?] = [row.total, row.success, row.failure, row.fallbackSuccess, row.fallbackFailure, row.amount?.micros]
            let source: [PostgresBind] = [.text(file.sha256), .int(Int64(row.source.row))]
            let inserted = try ledger.unlockedQuery("""
                INSERT INTO vendor_summaries (vendor, account, grain, grain_key, total, success, failure, fallback_success,
                    fallback_failure, amount, source_file, source_row) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                ON CONFLICT (vendor, account, grain, grain_key) DO NOTHING RETURNING 1
                """, key + values.map { .int($0) } + source)
            if !inserted.isEmpty {
                counts.inserted += 1
                continue
            }
            let stored = try ledger.unlockedQuery("""
                SELECT total, success, failure, fallback_success, fallback_failure, amount FROM vendor_summaries
                WHERE vendor = $1 AND account = $2 AND grain = $3 AND grain_key = $4 FOR UPDATE
                """, key).first.map(RowReader.init)
            let old: [Int64?] = try (0..<6).map { try stored?.optionalInt($0) }
            if old == values {
                counts.unchanged += 1
                continue
            }
            counts.updated += 1
            try ledger.unlockedQuery("""
                UPDATE vendor_summaries SET total = $5, success = $6, failure = $7, fallback_success = $8, fallback_failure = $9,
                    amount = $10, source_file = $11, source_row = $12
                WHERE vendor = $1 AND account = $2 AND grain = $3 AND grain_key = $4
                """, key + values.map { .int($0) } + source)
        }
    }
}
