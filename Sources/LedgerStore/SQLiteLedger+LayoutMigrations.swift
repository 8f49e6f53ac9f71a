import GRDB

extension SQLiteLedger {
    /// Storage layout changes measured on bulk ingest.
    static func registerLayoutMigrations(_ migrator: inout DatabaseMigrator) {
        // deliveries as a rowid table appended in arrival order, its key (vendor, message_id)
        // a unique index, and local_day an integer (days since 1970-01-01): the wide rows go
        // in at the end of the table instead of at four vendors' places in a clustered key, and
        // the (account, day) index holds small integer-day entries pointing at a rowid rather
        // than text days and the whole key. Measured on 1M rows with sqlite3 .import: about a
        // quarter less time than the clustered table with text days.
        migrator.registerMigration("2026-11-v6-deliveries-rowid-integer-day") { db in
            try db.execute(sql: """
                CREATE TABLE deliveries_v6 (
                    id INTEGER PRIMARY KEY,
                    vendor TEXT NOT NULL,
                    message_id TEXT NOT NULL,
                    account TEXT NOT NULL,
                    local_day INTEGER NOT NULL,
                    batch_id TEXT,
                    sent_at INTEGER NOT NULL,
                    completed_at INTEGER,
                    channel TEXT NOT NULL,
                    status TEXT NOT NULL,
                    refundable INTEGER NOT NULL,
                    reason_code TEXT,
                    reason_text TEXT,
                    units INTEGER NOT NULL,
                    category TEXT,
                    sender TEXT,
                    recipient TEXT,
                    recipient_hash TEXT,
                    fallback_of TEXT,
                    vendor_cost INTEGER,
                    source_file_id INTEGER NOT NULL,
                    source_row INTEGER NOT NULL,
                    UNIQUE (vendor, message_id)
                );
                INSERT INTO deliveries_v6 (vendor, message_id, account, local_day, batch_id, sent_at, completed_at, channel,
                    status, refundable, reason_code, reason_text, units, category, sender, recipient, recipient_hash,
                    fallback_of, vendor_cost, source_file_id, source_row)
                SELECT vendor, message_id, account, CAST(julianday(local_day) - 2440587.5 AS INTEGER), batch_id, sent_at,
                    completed_at, channel, status, refundable, reason_code, reason_text, units, category, sender, recipient,
                    recipient_hash, fallback_of, vendor_cost, source_file_id, source_row
                FROM deliveries ORDER BY source_file_id, source_row;
                DROP TABLE deliveries;
                ALTER TABLE deliveries_v6 RENAME TO deliveries;
                CREATE INDEX deliveries_by_account_day ON deliveries(account, local_day);
                CREATE INDEX deliveries_pending ON deliveries(account, local_day, sent_at) WHERE status = 'PENDING';
                CREATE INDEX deliveries_refundable ON deliveries(vendor, sent_at) WHERE status = 'FAILED' AND refundable = 1;
                """)
        }
    }
}
