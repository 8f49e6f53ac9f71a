import GRDB

extension SQLiteLedger {
    /// Tables of the billing engine (statements, closings, adjustments), registered after the
    /// core ones. Append new migrations; never edit a shipped one.
    static func registerBillingMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("2026-11-v2-billing") { db in
            try db.execute(sql: """
                -- Closed statements: revision 1 is written once at closing and never rewritten
                -- (the primary key refuses a second write of the same revision).
                CREATE TABLE statements (
                    account TEXT NOT NULL,
                    cycle_start TEXT NOT NULL,
                    cycle_end TEXT NOT NULL,
                    revision INTEGER NOT NULL,
                    checksum TEXT NOT NULL,
                    content BLOB NOT NULL,
                    run_id TEXT NOT NULL,
                    PRIMARY KEY (account, cycle_start, revision)
                ) WITHOUT ROWID;

                -- Adjustment lines: the difference (recomputed - billed) of a closed cycle,
                -- carried on the account's open (target) cycle.
                CREATE TABLE adjustments (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    account TEXT NOT NULL,
                    target_cycle TEXT NOT NULL,
                    original_cycle TEXT NOT NULL,
                    cycle_messages INTEGER NOT NULL,
                    content BLOB NOT NULL,
                    run_id TEXT NOT NULL
                );
                CREATE INDEX adjustments_by_account ON adjustments(account, target_cycle);

                -- Informational calendar-month reports: rewritten with a new revision when
                -- their content changes.
                CREATE TABLE month_reports (
                    account TEXT NOT NULL,
                    month TEXT NOT NULL,
                    revision INTEGER NOT NULL,
                    checksum TEXT NOT NULL,
                    content BLOB NOT NULL,
                    run_id TEXT NOT NULL,
                    PRIMARY KEY (account, month, revision)
                ) WITHOUT ROWID;

                -- Vendor summaries (aggregated counts) for reconciliation against detail.
                CREATE TABLE vendor_summaries (
                    vendor TEXT NOT NULL,
                    grain TEXT NOT NULL,
                    grain_key TEXT NOT NULL,
                    total INTEGER,
                    success INTEGER,
                    failure INTEGER,
                    fallback_success INTEGER,
                    fallback_failure INTEGER,
                    amount INTEGER,
                    source_file TEXT NOT NULL,
                    source_row INTEGER NOT NULL,
                    PRIMARY KEY (vendor, grain, grain_key)
                ) WITHOUT ROWID;

                -- Uncertain (PENDING) records by sent_at: billing decides finality per record on
                -- the one local day that straddles the cut-off without scanning other records.
                CREATE INDEX deliveries_pending ON deliveries(account, local_day, sent_at) WHERE status = 'PENDING';
                -- Refund evidence per vendor and reporting month.
                CREATE INDEX deliveries_refundable ON deliveries(vendor, sent_at) WHERE status = 'FAILED' AND refundable = 1;
                """)
        }
        migrator.registerMigration("2026-11-v3-billing-touched-days") { db in
            // Account-days whose rollups changed since the billing run last looked: closing
            // rechecks closed cycles past their late window only where usage changed, without
            // recomputing a year of statements every night. Kept by triggers so the ingest
            // path needs no billing code. (No OR IGNORE: an outer statement's conflict clause
            // overrides a trigger's, so the triggers test for the row first.)
            try db.execute(sql: """
                CREATE TABLE billing_touched_days (
                    account TEXT NOT NULL,
                    local_day TEXT NOT NULL,
                    PRIMARY KEY (account, local_day)
                ) WITHOUT ROWID;
                CREATE TRIGGER daily_rollups_touched_insert AFTER INSERT ON daily_rollups BEGIN
                    INSERT INTO billing_touched_days (account, local_day) SELECT new.account, new.local_day
                        WHERE NOT EXISTS (SELECT 1 FROM billing_touched_days WHERE account = new.account AND local_day = new.local_day);
                END;
                CREATE TRIGGER daily_rollups_touched_update AFTER UPDATE ON daily_rollups BEGIN
                    INSERT INTO billing_touched_days (account, local_day) SELECT new.account, new.local_day
                        WHERE NOT EXISTS (SELECT 1 FROM billing_touched_days WHERE account = new.account AND local_day = new.local_day);
                END;
                CREATE TRIGGER daily_rollups_touched_delete AFTER DELETE ON daily_rollups BEGIN
                    INSERT INTO billing_touched_days (account, local_day) SELECT old.account, old.local_day
                        WHERE NOT EXISTS (SELECT 1 FROM billing_touched_days WHERE account = old.account AND local_day = old.local_day);
                END;
                """)
        }
        migrator.registerMigration("2026-11-v4-vendor-summaries-account") { db in
            // Summaries are per account (the inbox sub-folder): two accounts' rows for the same
            // day and template are different facts. Rows stored before have no account ('').
            try db.execute(sql: """
                CREATE TABLE vendor_summaries_v4 (
                    vendor TEXT NOT NULL,
                    account TEXT NOT NULL,
                    grain TEXT NOT NULL,
                    grain_key TEXT NOT NULL,
                    total INTEGER,
                    success INTEGER,
                    failure INTEGER,
                    fallback_success INTEGER,
                    fallback_failure INTEGER,
                    amount INTEGER,
                    source_file TEXT NOT NULL,
                    source_row INTEGER NOT NULL,
                    PRIMARY KEY (vendor, account, grain, grain_key)
                ) WITHOUT ROWID;
                INSERT INTO vendor_summaries_v4 SELECT vendor, '', grain, grain_key, total, success, failure, fallback_success,
                    fallback_failure, amount, source_file, source_row FROM vendor_summaries;
                DROP TABLE vendor_summaries;
                ALTER TABLE vendor_summaries_v4 RENAME TO vendor_summaries;
                """)
        }
    }
}
