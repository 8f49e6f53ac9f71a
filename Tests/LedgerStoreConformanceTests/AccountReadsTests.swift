import Foundation
import LedgerCore
@testable import LedgerPostgres
import LedgerStore
import Testing

/// Per-account reads (records of an account's days, detail counts, purges) after records moved
/// to another account or day. PostgreSQL finds them through `delivery_locator`, where a moved
/// record leaves its old entry behind; every store must answer as if each record were only
/// where it is now.
@Suite("Store conformance: per-account reads after records move")
struct AccountReadsTests {
    static let day3 = day2.adding(days: 1)

    static func keys(_ store: any LedgerStore, _ account: String, _ days: Range<LocalDate>) throws -> [String] {
        var keys: [String] = []
        try store.records(account: account, days: days) { record, day in keys.append("\(record.messageID)@\(day)") }
        return keys
    }

    @Test("moved records are read where they are now, counted and purged there only", arguments: storeKinds)
    func movedRecords(kind: StoreKind) throws {
        let ledger = try StoreUnderTest(kind)
        let store = ledger.store
        // Enough rows that the fast path takes the first file on `postgresFast`.
        var first: [TestFile.Row] = (0..<2000).map { .record(record("K\($0)", account: "zeta", status: .delivered, second: $0 % 60)) }
        first += [
            .record(record("M1", account: "acme", status: .pending, day: day1)),
            .record(record("M2", account: "acme", status: .pending, day: day1, second: 2)),
            .record(record("M3", account: "acme", status: .delivered, day: day1, second: 3)),
        ]
        try ingest(TestFile("first.csv", first), into: store)
        // M1 moves to another account and day, M2 to another day (PENDING replaced by a final
        // status); M3 gets a correction on its own day.
        try ingest(TestFile("second.csv", [
            .record(record("M1", account: "hanbit", status: .delivered, day: day2, second: 1)),
            .record(record("M2", account: "acme", status: .delivered, day: day2, second: 2)),
            .record(record("M3", account: "acme", status: .delivered, day: day1, second: 3, cost: 1)),
        ]), into: store)
        let all = day1..<Self.day3
        #expect(try Self.keys(store, "acme", all) == ["M3@\(day1)", "M2@\(day2)"])
        #expect(try Self.keys(store, "acme", day1..<day2) == ["M3@\(day1)"])
        #expect(try Self.keys(store, "hanbit", all) == ["M1@\(day2)"])
        #expect(try Self.keys(store, "hanbit", day1..<day2) == [])
        // M1 moves back to acme, a day later still: acme's old entries for it must not double it.
        try ingest(TestFile("third.csv", [
            .record(record("M1", account: "acme", status: .delivered, day: day2, second: 9, cost: 5)),
        ]), into: store)
        #expect(try Self.keys(store, "acme", all) == ["M3@\(day1)", "M2@\(day2)", "M1@\(day2)"])
        #expect(try Self.keys(store, "hanbit", all) == [])

        let retention: any RetentionStore = store
        #expect(try retention.detailCount(account: "acme", before: day2) == 1)
        #expect(try retention.detailCount(account: "acme", before: Self.day3) == 3)
        #expect(try retention.detailCount(account: "hanbit", before: Self.day3) == 0)
        #expect(try retention.purgeDetail(account: "acme", before: day2, runID: "p", at: Instant(secondsSinceEpoch: 1)) == 1)
        #expect(try Self.keys(store, "acme", all) == ["M2@\(day2)", "M1@\(day2)"])
        #expect(try retention.purgeDetail(account: "acme", before: Self.day3, runID: "p", at: Instant(secondsSinceEpoch: 2)) == 2)
        #expect(try Self.keys(store, "acme", all) == [])
        #expect(try Self.keys(store, "zeta", all).count == 2000)
        #expect(try store.counts().deliveries == 2000)
    }

    @Test("a PostgreSQL ledger from before the locator lists its stored records when migrated",
          .enabled(if: TestPostgres.url != nil, Comment(rawValue: TestPostgres.skipMessage)))
    func migratedLedger() throws {
        let locator = "2026-11-v8-postgres-delivery-locator"
        let database = try TestPostgres.freshDatabase()
        defer { database.drop() }
        let raw = try RawPostgres(database.url)
        try raw.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name text COLLATE \"C\" PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
        for migration in PostgresLedger.migrations.prefix(while: { $0.name != locator }) {
            for statement in PostgresLedger.statements(of: migration.sql) { try raw.execute(statement) }
            try raw.execute("INSERT INTO schema_migrations (name) VALUES ('\(migration.name)')")
        }
        try raw.execute("INSERT INTO ingested_files (sha256, path, size, vendor, run_id, ingested_at, rows, inserted, updated, unchanged, stale, conflicts, rejected) VALUES ('f', 'f.csv', 1, 'canonical', 'r', 1, 3, 3, 0, 0, 0, 0, 0)")
        for (id, account, day) in [("A1", "acme", day1), ("A2", "acme", day2), ("H1", "hanbit", day1)] {
            try raw.execute("""
                INSERT INTO deliveries (vendor, message_id, account, local_day, sent_at, channel, status, refundable, units, source_file_id, source_row)
                VALUES ('sendon', '\(id)', '\(account)', '\(day)', \(Instant(date: day, hour: 10).secondsSinceEpoch), 'SMS', 'DELIVERED', false, 1, 1, 2)
                """)
        }
        let store = try PostgresLedger(url: database.url, logger: quietLogger)
        #expect(try raw.strings("SELECT name FROM schema_migrations WHERE name = '\(locator)'") == [locator])
        #expect(try raw.strings("SELECT indexname FROM pg_indexes WHERE indexname = 'deliveries_by_account_day'") == [])
        #expect(try Self.keys(store, "acme", day1..<Self.day3) == ["A1@\(day1)", "A2@\(day2)"])
        #expect(try Self.keys(store, "hanbit", day1..<Self.day3) == ["H1@\(day1)"])
    }
}
