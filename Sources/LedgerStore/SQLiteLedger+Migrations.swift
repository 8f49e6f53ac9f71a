import GRDB

extension SQLiteLedger {
    /// The ledger's own tables. Append new migrations; never edit a shipped one.
    static func registerCoreMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("2026-11-v1-ledger") { db in
            // Keyed by (vendor, message_id); clustered on that key (WITHOUT ROWID) so an
            // upsert touches one b-tree, plus the (account, day) index statements use.
            try db.execute(sql: """
                CREATE TABLE deliveries (
                    vendor TEXT NOT NULL,
                    message_id TEXT NOT NULL,
                    account TEXT NOT NULL,
                    local_day TEXT NOT NULL,
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
                    PRIMARY KEY (vendor, message_id)
                ) WITHOUT ROWID;
                CREATE INDEX deliveries_by_account_day ON deliveries(account, local_day);

                -- Records name their file by this id, not by its 64-character hash: a quarter
                -- less to write per row on the ingest path.
                CREATE TABLE ingested_files (
                    id INTEGER PRIMARY KEY,
                    sha256 TEXT NOT NULL UNIQUE,
                    path TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    vendor TEXT NOT NULL,
                    run_id TEXT NOT NULL,
                    ingested_at INTEGER NOT NULL,
                    rows INTEGER NOT NULL,
                    inserted INTEGER NOT NULL,
                    updated INTEGER NOT NULL,
                    unchanged INTEGER NOT NULL,
                    stale INTEGER NOT NULL,
                    conflicts INTEGER NOT NULL,
                    rejected INTEGER NOT NULL
                );

                CREATE TABLE rejects (
                    file_sha256 TEXT NOT NULL,
                    path TEXT NOT NULL,
                    row INTEGER NOT NULL,
                    field TEXT NOT NULL,
                    value TEXT NOT NULL,
                    reason TEXT NOT NULL
                );
                CREATE INDEX rejects_by_file ON rejects(file_sha256, row);

                CREATE TABLE status_conflicts (
                    vendor TEXT NOT NULL,
                    message_id TEXT NOT NULL,
                    kept_status TEXT NOT NULL,
                    incoming_status TEXT NOT NULL,
                    file_sha256 TEXT NOT NULL,
                    row INTEGER NOT NULL
                );

                CREATE TABLE daily_rollups (
                    account TEXT NOT NULL,
                    local_day TEXT NOT NULL,
                    vendor TEXT NOT NULL,
                    channel TEXT NOT NULL,
                    category TEXT NOT NULL,
                    status TEXT NOT NULL,
                    refundable INTEGER NOT NULL,
                    is_fallback INTEGER NOT NULL,
                    messages INTEGER NOT NULL,
                    units INTEGER NOT NULL,
                    call_minutes INTEGER NOT NULL,
                    vendor_cost INTEGER NOT NULL,
                    cost_unknown INTEGER NOT NULL,
                    PRIMARY KEY (account, local_day, vendor, channel, category, status, refundable, is_fallback)
                ) WITHOUT ROWID;

                CREATE TABLE runs (
                    id TEXT NOT NULL PRIMARY KEY,
                    command TEXT NOT NULL,
                    started_at INTEGER NOT NULL,
                    finished_at INTEGER,
                    status TEXT NOT NULL,
                    summary_json TEXT NOT NULL
                );
                """)
        }
    }
}
