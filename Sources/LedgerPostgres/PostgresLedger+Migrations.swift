import Foundation
import LedgerStore

/// The same named, append-only migrations as the SQLite ledger, in PostgreSQL's dialect, plus
/// PostgreSQL-only ones named `...-postgres-...` (each store records its own names; SQLite's
/// own "2026-11-v6-deliveries-rowid-integer-day" has no counterpart here).
///
/// Choices that differ from SQLite, and why:
/// - every text column is `COLLATE "C"`: byte order, as SQLite compares, whatever the database's
///   locale, so both stores sort (and therefore report) identically;
/// - days are `date`, flags `boolean`, money and instants `bigint` (micro-units, seconds);
/// - `billing_touched_days` is kept by triggers here too (statement-level since v7, see there);
///   the ingest path also inserts an account-day before changing its rollups so that concurrent
///   ingests take locks in one order.
extension PostgresLedger {
    static let migrations: [(name: String, sql: String)] = [
        ("2026-11-v1-ledger", """
            CREATE TABLE deliveries (
                vendor text COLLATE "C" NOT NULL,
                message_id text COLLATE "C" NOT NULL,
                account text COLLATE "C" NOT NULL,
                local_day date NOT NULL,
                batch_id text COLLATE "C",
                sent_at bigint NOT NULL,
                completed_at bigint,
                channel text COLLATE "C" NOT NULL,
                status text COLLATE "C" NOT NULL,
                refundable boolean NOT NULL,
                reason_code text COLLATE "C",
                reason_text text COLLATE "C",
                units bigint NOT NULL,
                category text COLLATE "C",
                sender text COLLATE "C",
                recipient text COLLATE "C",
                recipient_hash text COLLATE "C",
                fallback_of text COLLATE "C",
                vendor_cost bigint,
                source_file_id bigint NOT NULL,
                source_row integer NOT NULL,
                PRIMARY KEY (vendor, message_id)
            );
            CREATE INDEX deliveries_by_account_day ON deliveries (account, local_day);

            CREATE TABLE ingested_files (
                id bigserial PRIMARY KEY,
                sha256 text COLLATE "C" NOT NULL UNIQUE,
                path text COLLATE "C" NOT NULL,
                size bigint NOT NULL,
                vendor text COLLATE "C" NOT NULL,
                run_id text COLLATE "C" NOT NULL,
                ingested_at bigint NOT NULL,
                rows bigint NOT NULL,
                inserted bigint NOT NULL,
                updated bigint NOT NULL,
                unchanged bigint NOT NULL,
                stale bigint NOT NULL,
                conflicts bigint NOT NULL,
                rejected bigint NOT NULL
            );

            CREATE TABLE rejects (
                file_sha256 text COLLATE "C" NOT NULL,
                path text COLLATE "C" NOT NULL,
                row integer NOT NULL,
                field text COLLATE "C" NOT NULL,
                value text COLLATE "C" NOT NULL,
                reason text COLLATE "C" NOT NULL
            );
            CREATE INDEX rejects_by_file ON rejects (file_sha256, row);

            CREATE TABLE status_conflicts (
                vendor text COLLATE "C" NOT NULL,
                message_id text COLLATE "C" NOT NULL,
                kept_status text COLLATE "C" NOT NULL,
                incoming_status text COLLATE "C" NOT NULL,
                file_sha256 text COLLATE "C" NOT NULL,
                row integer NOT NULL
            );

            CREATE TABLE daily_rollups (
                account text COLLATE "C" NOT NULL,
                local_day date NOT NULL,
                vendor text COLLATE "C" NOT NULL,
                channel text COLLATE "C" NOT NULL,
                category text COLLATE "C" NOT NULL,
                status text COLLATE "C" NOT NULL,
                refundable boolean NOT NULL,
                is_fallback boolean NOT NULL,
                messages bigint NOT NULL,
                units bigint NOT NULL,
                call_minutes bigint NOT NULL,
                vendor_cost bigint NOT NULL,
                cost_unknown bigint NOT NULL,
                PRIMARY KEY (account, local_day, vendor, channel, category, status, refundable, is_fallback)
            );

            CREATE TABLE runs (
                id text COLLATE "C" NOT NULL PRIMARY KEY,
                command text COLLATE "C" NOT NULL,
                started_at bigint NOT NULL,
                finished_at bigint,
                status text COLLATE "C" NOT NULL,
                summary_json text NOT NULL
            );
            """),
        ("2026-11-v2-billing", """
            CREATE TABLE statements (
                account text COLLATE "C" NOT NULL,
                cycle_start date NOT NULL,
                cycle_end date NOT NULL,
                revision integer NOT NULL,
                checksum text COLLATE "C" NOT NULL,
                content bytea NOT NULL,
                run_id text COLLATE "C" NOT NULL,
                PRIMARY KEY (account, cycle_start, revision)
            );

            CREATE TABLE adjustments (
                seq bigserial PRIMARY KEY,
                account text COLLATE "C" NOT NULL,
                target_cycle date NOT NULL,
                original_cycle date NOT NULL,
                cycle_messages bigint NOT NULL,
                content bytea NOT NULL,
                run_id text COLLATE "C" NOT NULL
            );
            CREATE INDEX adjustments_by_account ON adjustments (account, target_cycle);

            CREATE TABLE month_reports (
                account text COLLATE "C" NOT NULL,
                month text COLLATE "C" NOT NULL,
                revision integer NOT NULL,
                checksum text COLLATE "C" NOT NULL,
                content bytea NOT NULL,
                run_id text COLLATE "C" NOT NULL,
                PRIMARY KEY (account, month, revision)
            );

            CREATE TABLE vendor_summaries (
                vendor text COLLATE "C" NOT NULL,
                grain text COLLATE "C" NOT NULL,
                grain_key text COLLATE "C" NOT NULL,
                total bigint,
                success bigint,
                failure bigint,
                fallback_success bigint,
                fallback_failure bigint,
                amount bigint,
                source_file text COLLATE "C" NOT NULL,
                source_row integer NOT NULL,
                PRIMARY KEY (vendor, grain, grain_key)
            );

            CREATE INDEX deliveries_pending ON deliveries (account, local_day, sent_at) WHERE status = 'PENDING';
            CREATE INDEX deliveries_refundable ON deliveries (vendor, sent_at) WHERE status = 'FAILED' AND refundable;
            """),
        ("2026-11-v3-billing-touched-days", """
            CREATE TABLE billing_touched_days (
                account text COLLATE "C" NOT NULL,
                local_day date NOT NULL,
                PRIMARY KEY (account, local_day)
            );
            CREATE FUNCTION sendledger_touch_day() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    INSERT INTO billing_touched_days (account, local_day) VALUES (OLD.account, OLD.local_day) ON CONFLICT DO NOTHING;
                ELSE
                    INSERT INTO billing_touched_days (account, local_day) VALUES (NEW.account, NEW.local_day) ON CONFLICT DO NOTHING;
                END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER daily_rollups_touched AFTER INSERT OR UPDATE OR DELETE ON daily_rollups
                FOR EACH ROW EXECUTE FUNCTION sendledger_touch_day();
            """),
        ("2026-11-v4-retention", """
            CREATE TABLE purge_marks (
                account text COLLATE "C" NOT NULL PRIMARY KEY,
                before_day date NOT NULL,
                run_id text COLLATE "C" NOT NULL,
                purged_at bigint NOT NULL
            );
            """),
        ("2026-11-v5-statement-previews", """
            CREATE TABLE statement_previews (
                account text COLLATE "C" NOT NULL,
                cycle_start date NOT NULL,
                cycle_end date NOT NULL,
                revision integer NOT NULL,
                checksum text COLLATE "C" NOT NULL,
                content bytea NOT NULL,
                run_id text COLLATE "C" NOT NULL,
                PRIMARY KEY (account, cycle_start, revision)
            );
            """),
        // Summaries are per account (the inbox sub-folder); rows stored before have none ('').
        ("2026-11-v4-vendor-summaries-account", """
            ALTER TABLE vendor_summaries ADD COLUMN account text COLLATE "C" NOT NULL DEFAULT '';
            ALTER TABLE vendor_summaries DROP CONSTRAINT vendor_summaries_pkey;
            ALTER TABLE vendor_summaries ADD PRIMARY KEY (vendor, account, grain, grain_key);
            """),
        // Touched days from statement-level triggers: the v3 row trigger ran one INSERT per
        // rollup row changed (0.33-0.49 s of the upsert of the 34k rollup rows of a 1M-row
        // ingest; these take 0.04-0.05 s). Same days as v3's trigger and SQLite's three
        // triggers: the new rows' days on INSERT and UPDATE, the old rows' on DELETE. Transition
        // tables need one trigger per event; `INSERT ... ON CONFLICT DO UPDATE` fires the UPDATE
        // trigger (the updated rows) and then the INSERT trigger (the inserted ones). Each
        // writes its days in key order, as the ingest path does; the ingest has inserted them
        // already, so here they are conflicts on rows it has already waited for.
        ("2026-11-v7-postgres-touched-days-statement-triggers", """
            DROP TRIGGER daily_rollups_touched ON daily_rollups;
            DROP FUNCTION sendledger_touch_day();
            CREATE FUNCTION sendledger_touch_days() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    INSERT INTO billing_touched_days (account, local_day)
                    SELECT DISTINCT account, local_day FROM old_rows ORDER BY account, local_day ON CONFLICT DO NOTHING;
                ELSE
                    INSERT INTO billing_touched_days (account, local_day)
                    SELECT DISTINCT account, local_day FROM new_rows ORDER BY account, local_day ON CONFLICT DO NOTHING;
                END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER daily_rollups_touched_insert AFTER INSERT ON daily_rollups
                REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sendledger_touch_days();
            CREATE TRIGGER daily_rollups_touched_update AFTER UPDATE ON daily_rollups
                REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sendledger_touch_days();
            CREATE TRIGGER daily_rollups_touched_delete AFTER DELETE ON daily_rollups
                REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sendledger_touch_days();
            """),
        // Per-account reads find their records through `delivery_locator` instead of a per-row
        // index on deliveries (account, local_day): that index's million inserts were a quarter
        // of the server's work in a 1M-row COPY, where the locator's rows for the same file, one
        // per (account, day, vendor) holding the message keys as an array (8,832 rows for the
        // benchmark's 1M-row file), were copied in 0.3 s against about 2 s of index upkeep
        // (`psql`, the ledger's own rows, binary format). An ingest appends a row for every account-day its new or moved records land
        // on; an entry left behind by a record that moved is harmless, since every read also
        // checks the record's own account and day. lz4 where the server has it, else stored
        // uncompressed (pglz took twice as long as either).
        ("2026-11-v8-postgres-delivery-locator", """
            CREATE TABLE delivery_locator (
                account text COLLATE "C" NOT NULL,
                local_day date NOT NULL,
                vendor text COLLATE "C" NOT NULL,
                message_ids text[] COLLATE "C" NOT NULL
            );
            DO $$
            BEGIN
                ALTER TABLE delivery_locator ALTER COLUMN message_ids SET COMPRESSION lz4;
            EXCEPTION WHEN OTHERS THEN
                ALTER TABLE delivery_locator ALTER COLUMN message_ids SET STORAGE EXTERNAL;
            END $$;
            CREATE INDEX delivery_locator_by_account_day ON delivery_locator (account, local_day);
            INSERT INTO delivery_locator (account, local_day, vendor, message_ids)
                SELECT account, local_day, vendor, array_agg(message_id ORDER BY message_id) FROM deliveries
                GROUP BY account, local_day, vendor ORDER BY account, local_day, vendor;
            DROP INDEX deliveries_by_account_day;
            """),
    ]

    /// Applies the migrations not yet recorded, in one transaction. An advisory lock
    /// makes processes that start together apply them once.
    func migrate() throws {
        try transaction {
            try unlockedQuery("SELECT pg_advisory_xact_lock(\(Self.migrationLockKey))")
            try unlockedQuery("CREATE TABLE IF NOT EXISTS schema_migrations (name text COLLATE \"C\" PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
            let applied = Set(try unlockedQuery("SELECT name FROM schema_migrations").map { try RowReader($0).text(0) })
            for migration in Self.migrations where !applied.contains(migration.name) {
                try simpleQuery(migration.sql)
                try unlockedQuery("INSERT INTO schema_migrations (name) VALUES ($1)", [.text(migration.name)])
                logger.info("ledger migration applied", metadata: ["migration": "\(migration.name)", "store": "\(location)"])
            }
        }
    }

    /// Runs a migration's statements one by one (postgres-nio speaks the extended protocol,
    /// which takes one statement per message).
    func simpleQuery(_ sql: String) throws {
        for statement in Self.statements(of: sql) { try unlockedQuery(statement) }
    }

    /// Splits at lines ending in ";" outside `$$` bodies.
    static func statements(of sql: String) -> [String] {
        var statements: [String] = [], current = "", insideBody = false
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            current += line + "\n"
            if line.components(separatedBy: "$$").count % 2 == 0 { insideBody.toggle() }
            if !insideBody, line.hasSuffix(";") {
                statements.append(current)
                current = ""
            }
        }
        if !current.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { statements.append(current) }
        return statements
    }

    /// `pg_advisory_xact_lock` key for schema changes ("sendledg" as 8 bytes).
    static let migrationLockKey: Int64 = 0x73656e646c656467
}
