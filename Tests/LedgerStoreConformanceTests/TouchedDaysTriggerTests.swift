import Foundation
import LedgerCore
@testable import LedgerPostgres
import LedgerStore
import NIOPosix
import PostgresNIO
import Testing

/// PostgreSQL's touched days since migration v7 come from statement-level triggers with
/// transition tables instead of v3's row trigger: the same account-days, statement by statement,
/// and the same after ingests, an update file and a purge, on a new ledger and on one created at
/// the previous migration and migrated with data in it.
@Suite("PostgreSQL: touched days from statement-level triggers", .enabled(if: TestPostgres.url != nil, Comment(rawValue: TestPostgres.skipMessage)))
struct TouchedDaysTriggerTests {
    static let statementTriggers = "2026-11-v7-postgres-touched-days-statement-triggers"

    /// A fresh database at the migration before v7, as `migrate()` left ledgers then; with
    /// `skippingV7`, v7 is recorded as applied too, so a `PostgresLedger` opened on it keeps
    /// v3's row trigger.
    static func previousMigrationDatabase(skippingV7: Bool) throws -> (url: String, drop: () -> Void) {
        let database = try TestPostgres.freshDatabase()
        let raw = try RawPostgres(database.url)
        try raw.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name text COLLATE \"C\" PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
        for migration in PostgresLedger.migrations.prefix(while: { $0.name != statementTriggers }) {
            for statement in PostgresLedger.statements(of: migration.sql) { try raw.execute(statement) }
            try raw.execute("INSERT INTO schema_migrations (name) VALUES ('\(migration.name)')")
        }
        if skippingV7 { try raw.execute("INSERT INTO schema_migrations (name) VALUES ('\(statementTriggers)')") }
        return database
    }

    /// The user triggers on daily_rollups: name and whether row-level.
    static func triggers(_ raw: RawPostgres) throws -> [String] {
        try raw.strings("""
            SELECT tgname || CASE WHEN tgtype & 1 = 1 THEN ' row' ELSE ' statement' END FROM pg_trigger
            WHERE tgrelid = 'daily_rollups'::regclass AND NOT tgisinternal ORDER BY tgname
            """)
    }

    static func touched(_ raw: RawPostgres) throws -> [String] {
        try raw.strings("SELECT account || ' ' || local_day::text FROM billing_touched_days ORDER BY account, local_day")
    }

    static func rollup(_ account: String, _ day: String, vendor: String = "sendon", status: String = "DELIVERED", messages: Int = 1) -> String {
        "('\(account)', '\(day)', '\(vendor)', 'SMS', '', '\(status)', false, false, \(messages), \(messages), 0, 0, 0)"
    }

    static let rollupColumns = "account, local_day, vendor, channel, category, status, refundable, is_fallback, messages, units, call_minutes, vendor_cost, cost_unknown"
    static let rollupKey = "account, local_day, vendor, channel, category, status, refundable, is_fallback"

    @Test("every kind of statement on daily_rollups touches the days v3's row trigger touched")
    func sameDaysAsTheRowTrigger() throws {
        let rowDatabase = try Self.previousMigrationDatabase(skippingV7: false)
        defer { rowDatabase.drop() }
        let statementDatabase = try TestPostgres.freshDatabase()
        defer { statementDatabase.drop() }
        _ = try PostgresLedger(url: statementDatabase.url, logger: quietLogger)
        let byRow = try RawPostgres(rowDatabase.url), byStatement = try RawPostgres(statementDatabase.url)
        #expect(try Self.triggers(byRow) == ["daily_rollups_touched row"])
        #expect(try Self.triggers(byStatement) == [
            "daily_rollups_touched_delete statement", "daily_rollups_touched_insert statement", "daily_rollups_touched_update statement",
        ])

        let upsert = "ON CONFLICT (\(Self.rollupKey)) DO UPDATE SET messages = daily_rollups.messages + excluded.messages, units = daily_rollups.units + excluded.units"
        // Each step: statements run on both ledgers (touched days emptied first), the days they must touch.
        let steps: [(String, [String], [String])] = [
            ("insert of several rows, days repeated", [
                "INSERT INTO daily_rollups (\(Self.rollupColumns)) VALUES \(Self.rollup("zeta", "2026-10-12")), \(Self.rollup("acme", "2026-10-10")), "
                    + "\(Self.rollup("acme", "2026-10-10", vendor: "nhn")), \(Self.rollup("acme", "2026-10-11")), \(Self.rollup("zeta", "2026-10-11"))",
            ], ["acme 2026-10-10", "acme 2026-10-11", "zeta 2026-10-11", "zeta 2026-10-12"]),
            ("upsert: some rows updated, some inserted (both statement triggers fire)", [
                "INSERT INTO daily_rollups (\(Self.rollupColumns)) VALUES \(Self.rollup("acme", "2026-10-10")), \(Self.rollup("acme", "2026-10-13")), "
                    + "\(Self.rollup("zeta", "2026-10-12", messages: 2)) \(upsert)",
            ], ["acme 2026-10-10", "acme 2026-10-13", "zeta 2026-10-12"]),
            ("upsert: every row updated", [
                "INSERT INTO daily_rollups (\(Self.rollupColumns)) VALUES \(Self.rollup("acme", "2026-10-11")), \(Self.rollup("zeta", "2026-10-11")) \(upsert)",
            ], ["acme 2026-10-11", "zeta 2026-10-11"]),
            ("upsert: every row inserted", [
                "INSERT INTO daily_rollups (\(Self.rollupColumns)) VALUES \(Self.rollup("acme", "2026-10-14", status: "FAILED")) \(upsert)",
            ], ["acme 2026-10-14"]),
            ("update of measures", ["UPDATE daily_rollups SET units = units + 1 WHERE local_day = '2026-10-10'"], ["acme 2026-10-10"]),
            ("update that moves a row to another day: the new day, as v3's trigger", [
                "UPDATE daily_rollups SET local_day = '2026-10-20' WHERE account = 'zeta' AND local_day = '2026-10-11'",
            ], ["zeta 2026-10-20"]),
            ("statements that change no row", [
                "UPDATE daily_rollups SET units = 0 WHERE account = 'nobody'",
                "DELETE FROM daily_rollups WHERE account = 'nobody'",
                "INSERT INTO daily_rollups (\(Self.rollupColumns)) SELECT \(Self.rollupColumns) FROM daily_rollups WHERE false",
            ], []),
            ("delete of rows of two days", [
                "DELETE FROM daily_rollups WHERE (account = 'acme' AND local_day = '2026-10-13') OR (account = 'zeta' AND local_day = '2026-10-12')",
            ], ["acme 2026-10-13", "zeta 2026-10-12"]),
            ("a day already touched stays once", [
                "INSERT INTO billing_touched_days VALUES ('acme', '2026-10-10')",
                "DELETE FROM daily_rollups WHERE account = 'acme' AND local_day = '2026-10-10' AND vendor = 'nhn'",
            ], ["acme 2026-10-10"]),
        ]
        for (name, statements, days) in steps {
            for raw in [byRow, byStatement] {
                try raw.execute("DELETE FROM billing_touched_days")
                for statement in statements { try raw.execute(statement) }
            }
            #expect(try Self.touched(byRow) == days, "row trigger: \(name)")
            #expect(try Self.touched(byStatement) == days, "statement triggers: \(name)")
        }
        let rollups = "SELECT r::text FROM daily_rollups r ORDER BY \(Self.rollupKey)"
        #expect(try byRow.strings(rollups).count == 4)
        #expect(try byRow.strings(rollups) == (try byStatement.strings(rollups)))
    }

    static let day3 = day1.adding(days: 2), day4 = day1.adding(days: 3)

    /// New records over two accounts and four days; A3 alone has vendor "kt" (its rollup row
    /// goes when the update file moves it to another day).
    static let firstFile: TestFile = {
        var rows: [TestFile.Row] = [
            .record(record("A1", status: .delivered, day: day1)),
            .record(record("A2", status: .pending, day: day1, second: 1)),
            .record(record("A3", vendor: "kt", status: .delivered, day: day2)),
            .record(record("A4", status: .failed, day: day3, channel: Channel(.call), refundable: true, reason: "x", units: 75)),
            .record(record("Z1", account: "zeta", status: .delivered, day: day2)),
            .record(record("Z2", account: "zeta", status: .scheduled, day: day3)),
        ]
        for index in 0..<300 {
            rows.append(.record(record("B\(index)", vendor: "nhn", account: index % 2 == 0 ? "acme" : "zeta", status: .delivered,
                                       day: day1.adding(days: index % 3), second: index % 60)))
        }
        return TestFile("first.csv", rows)
    }()

    /// Messages of the first file again: a correction, a replace, a move to another day, an
    /// unchanged row, a replace that changes the status, a stale row; and one new message.
    static let updateFile = TestFile("update.csv", records: [
        record("A1", status: .delivered, day: day1, cost: 1_000),          // correction: acme day1
        record("A2", status: .delivered, day: day1, second: 1),            // PENDING -> DELIVERED: acme day1
        record("A3", vendor: "kt", status: .delivered, day: day4),         // moved: acme day2 (row removed) and day4
        record("Z1", account: "zeta", status: .delivered, day: day2),      // unchanged: nothing
        record("Z2", account: "zeta", status: .pending, day: day3),        // SCHEDULED -> PENDING: zeta day3
        record("A4", status: .pending, day: day3),                         // stale over FAILED: nothing
        record("N1", account: "zeta", status: .delivered, day: day4),      // new: zeta day4
    ])

    static func days(_ store: any BillingStore) throws -> [String] {
        try ["acme", "zeta"].flatMap { account in try store.touchedDays(account: account).map { "\(account) \($0)" } }
    }

    /// The account-days whose rollup rows differ between two reads of the rollups.
    static func changedDays(_ before: [DailyRollup], _ after: [DailyRollup]) -> [String] {
        let a = Set(before), b = Set(after)
        return Set(a.symmetricDifference(b).map { "\($0.key.account) \($0.key.day)" }).sorted()
    }

    static func allRollups(_ store: any BillingStore) throws -> [DailyRollup] {
        try store.rollups(account: nil, days: day1..<day1.adding(days: 30))
    }

    static func settleAll(_ store: any BillingStore) throws {
        try store.commitBilling(statements: [], adjustments: [], settledTouchedDays: ["acme": [], "zeta": []])
    }

    @Test("a ledger at the previous migration migrates with its data; ingests, an update file and a purge touch the days the row trigger touches",
          arguments: [PostgresLedger.defaultFastPathMinimumBytes, 0])
    func migratedLedger(fastPathMinimumBytes: Int64) throws {
        // `migrated` starts at the previous migration and is migrated after the first file;
        // `rowTrigger` keeps v3's trigger throughout; SQLite is the third opinion.
        let migratedDatabase = try Self.previousMigrationDatabase(skippingV7: true)
        defer { migratedDatabase.drop() }
        let rowDatabase = try Self.previousMigrationDatabase(skippingV7: true)
        defer { rowDatabase.drop() }
        let sqlite = try StoreUnderTest(.sqlite)
        let before = try PostgresLedger(url: migratedDatabase.url, logger: quietLogger, fastPathMinimumBytes: fastPathMinimumBytes)
        let rowTrigger = try PostgresLedger(url: rowDatabase.url, logger: quietLogger, fastPathMinimumBytes: fastPathMinimumBytes)
        let raw = try RawPostgres(migratedDatabase.url)
        #expect(try Self.triggers(raw) == ["daily_rollups_touched row"])
        #expect(try Self.triggers(try RawPostgres(rowDatabase.url)) == ["daily_rollups_touched row"])

        // 1. The first file, before the migration.
        for store in [before, rowTrigger, sqlite.store] as [any BillingStore] { try ingest(Self.firstFile, into: store) }
        let afterFirst = try Self.days(sqlite.store)
        #expect(afterFirst == ["acme 2026-10-10", "acme 2026-10-11", "acme 2026-10-12", "zeta 2026-10-10", "zeta 2026-10-11", "zeta 2026-10-12"])
        #expect(try Self.days(before) == afterFirst)
        #expect(try Self.days(rowTrigger) == afterFirst)

        // 2. Migrated with its data: the statement triggers replace the row trigger; nothing else moves.
        let dumpBefore = try before.canonicalDump()
        try raw.execute("DELETE FROM schema_migrations WHERE name = '\(Self.statementTriggers)'")
        let migrated = try PostgresLedger(url: migratedDatabase.url, logger: quietLogger, fastPathMinimumBytes: fastPathMinimumBytes)
        #expect(try raw.strings("SELECT name FROM schema_migrations WHERE name = '\(Self.statementTriggers)'") == [Self.statementTriggers])
        #expect(try Self.triggers(raw) == [
            "daily_rollups_touched_delete statement", "daily_rollups_touched_insert statement", "daily_rollups_touched_update statement",
        ])
        #expect(try raw.strings("SELECT proname FROM pg_proc WHERE proname LIKE 'sendledger_touch%' ORDER BY proname") == ["sendledger_touch_days"])
        #expect(try migrated.canonicalDump() == dumpBefore)
        #expect(try Self.days(migrated) == afterFirst)

        let stores: [(String, any BillingStore)] = [("migrated", migrated), ("row trigger", rowTrigger), ("sqlite", sqlite.store)]
        func check(_ step: String, _ expected: [String]) throws {
            for (name, store) in stores { #expect(try Self.days(store) == expected, "\(name): \(step)") }
        }

        // 3. The update file, touched days settled first: exactly the days whose rollups changed.
        for (_, store) in stores { try Self.settleAll(store) }
        try check("settled", [])
        let rollupsBefore = try Self.allRollups(sqlite.store)
        for (_, store) in stores { try ingest(Self.updateFile, into: store) }
        let rollupsAfter = try Self.allRollups(sqlite.store)
        let expected = ["acme 2026-10-10", "acme 2026-10-11", "acme 2026-10-13", "zeta 2026-10-12", "zeta 2026-10-13"]
        #expect(Self.changedDays(rollupsBefore, rollupsAfter) == expected)
        #expect(!rollupsAfter.contains { $0.key.vendor == "kt" && $0.key.day == day2 }, "A3's old rollup row is removed")
        try check("update file", expected)
        for (name, store) in stores { #expect(try Self.allRollups(store) == rollupsAfter, "\(name): rollups") }

        // 4. A detail purge changes no rollup, so it touches no day; a file after it does.
        for (_, store) in stores { try Self.settleAll(store) }
        for (_, store) in stores {
            #expect(try store.purgeDetail(account: "acme", before: Self.day3, runID: "purge", at: Instant(secondsSinceEpoch: 9)) > 0)
        }
        try check("purge", [])
        let late = TestFile("late.csv", records: [record("L1", status: .failed, day: day1, second: 7), record("L2", account: "zeta", status: .delivered, day: Self.day4)])
        for (_, store) in stores { try ingest(late, into: store) }
        try check("file after the purge", ["acme 2026-10-10", "zeta 2026-10-13"])
        #expect(try migrated.canonicalDump() == (try rowTrigger.canonicalDump()))
        _ = before
    }
}

/// A plain connection for statements the ledger does not run (schema set-up, direct DML).
final class RawPostgres {
    let connection: PostgresConnection

    init(_ url: String) throws {
        guard let components = URLComponents(string: url) else { throw TestSetupError("bad URL \(url)") }
        let configuration = PostgresConnection.Configuration(
            host: components.host ?? "127.0.0.1", port: components.port ?? 5432, username: components.user ?? "postgres",
            password: components.password, database: String(components.path.dropFirst()), tls: .disable)
        connection = try PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 2, logger: quietLogger).wait()
    }

    func execute(_ sql: String) throws {
        _ = try connection.query(PostgresQuery(unsafeSQL: sql), logger: quietLogger).wait()
    }

    /// The first column of every row, as text.
    func strings(_ sql: String) throws -> [String] {
        try connection.query(PostgresQuery(unsafeSQL: sql), logger: quietLogger).wait().rows.map { row in
            try row.makeRandomAccess()[0].decode(String.self)
        }
    }

    deinit { try? connection.close().wait() }
}
