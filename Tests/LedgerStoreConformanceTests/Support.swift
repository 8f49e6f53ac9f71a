import Foundation
import LedgerCore
import LedgerPostgres
import LedgerStore
import Logging
import NIOPosix
import PostgresNIO

/// The stores every conformance check runs against. `postgres` takes its default paths (the
/// small test files go through the staging merge); `postgresFast` tries the ingest fast path
/// (COPY straight into the ledger) for every file, falling back where a file meets the ledger.
enum StoreKind: String, CaseIterable, CustomStringConvertible {
    case sqlite, postgres, postgresFast
    var description: String { rawValue }
}

/// A ledger under test, removed (file or database) when released.
final class StoreUnderTest {
    let store: any BillingStore
    let kind: StoreKind
    private let cleanup: () -> Void

    /// `fastPathMinimumBytes` overrides the PostgreSQL kinds' own (Int64.max: staging merge only).
    init(_ kind: StoreKind, fastPathMinimumBytes: Int64? = nil) throws {
        self.kind = kind
        switch kind {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sendledger-conformance-\(UUID().uuidString)")
            store = try SQLiteLedger(path: folder.appendingPathComponent("ledger.db").path, logger: quietLogger)
            cleanup = { try? FileManager.default.removeItem(at: folder) }
        case .postgres, .postgresFast:
            let database = try TestPostgres.freshDatabase()
            store = try PostgresLedger(url: database.url, logger: quietLogger,
                                       fastPathMinimumBytes: fastPathMinimumBytes
                                           ?? (kind == .postgresFast ? 0 : PostgresLedger.defaultFastPathMinimumBytes))
            cleanup = database.drop
        }
    }

    /// The dump both stores print the same way for the same facts.
    func dump() throws -> String {
        switch store {
        case let sqlite as SQLiteLedger: return try sqlite.canonicalDump()
        case let postgres as PostgresLedger: return try postgres.canonicalDump()
        default: fatalError("unknown store")
        }
    }

    deinit { cleanup() }
}

let quietLogger: Logger = {
    var logger = Logger(label: "conformance", factory: { _ in SwiftLogNoOpLogHandler() })
    logger.logLevel = .critical
    return logger
}()

/// The PostgreSQL server the tests use: `SENDLEDGER_TEST_POSTGRES_URL` (scripts/test starts one
/// with scripts/postgres-test-server). Each test gets a database of its own.
enum TestPostgres {
    static let url = ProcessInfo.processInfo.environment["SENDLEDGER_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static let skipMessage = "SENDLEDGER_TEST_POSTGRES_URL is not set: PostgreSQL conformance cases skipped (scripts/test starts a server)"

    /// Creates an empty database next to the one in the URL; `drop` removes it.
    static func freshDatabase() throws -> (url: String, drop: () -> Void) {
        guard let url, var components = URLComponents(string: url) else { throw TestSetupError("no PostgreSQL URL") }
        let name = "sendledger_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        try admin(components, "CREATE DATABASE \(name)")
        let adminComponents = components
        components.path = "/" + name
        return (components.string!, { try? admin(adminComponents, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") })
    }

    /// One statement on the URL's own database, outside any transaction.
    private static func admin(_ components: URLComponents, _ sql: String) throws {
        let configuration = PostgresConnection.Configuration(
            host: components.host ?? "127.0.0.1", port: components.port ?? 5432, username: components.user ?? "postgres",
            password: components.password, database: String(components.path.dropFirst()), tls: .disable)
        let connection = try PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 0, logger: quietLogger).wait()
        defer { try? connection.close().wait() }
        _ = try connection.query(PostgresQuery(unsafeSQL: sql), logger: quietLogger).wait()
    }
}

struct TestSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

// MARK: Records

let day1 = LocalDate("2026-10-10")!
let day2 = LocalDate("2026-10-11")!

/// A record with every field set (or the given ones), sent on `day` (UTC = local here).
func record(_ id: String, vendor: String = "sendon", account: String = "acme", status: DeliveryStatus,
            day: LocalDate = day1, second: Int = 0, channel: LedgerCore.Channel = LedgerCore.Channel(.sms), cost: Int64? = 9_900_000,
            refundable: Bool = false, reason: String? = nil, units: Int64 = 1, fallbackOf: String? = nil,
            file: String = "", row: Int = 0) -> DeliveryRecord {
    DeliveryRecord(
        vendor: vendor, account: account, messageID: id, batchID: "B-\(id.prefix(3))",
        sentAt: Instant(date: day, hour: 10, second: second), completedAt: status.isFinal ? Instant(date: day, hour: 11) : nil,
        channel: channel, status: status, refundable: refundable, reasonCode: reason.map { _ in "3018" }, reasonText: reason,
        units: units, category: "campaign:가을", sender: "@acme", recipient: "010-****-5678", recipientHash: "h\(id)",
        fallbackOf: fallbackOf, vendorCost: cost.map { Money(micros: $0) }, source: .init(fileSHA256: file, row: row))
}

/// A file's worth of input: records and rejects in file order.
struct TestFile {
    var name: String
    var rows: [Row]
    enum Row {
        case record(DeliveryRecord)
        case reject(field: String, value: String, reason: String)
    }

    /// Distinct per name and content, as a real file's SHA-256 would be.
    var sha256: String {
        var hash: UInt64 = 0xcbf29ce484222325
        for byte in (name + "\(rows.count)").utf8 { hash = (hash ^ UInt64(byte)) &* 0x100000001b3 }
        return String(repeating: "0", count: 48) + String(hash, radix: 16).leftPadded(16)
    }

    init(_ name: String, _ rows: [Row]) {
        self.name = name
        self.rows = rows
    }

    init(_ name: String, records: [DeliveryRecord]) {
        self.init(name, records.map { .record($0) })
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

/// Ingests `file` through the store's sink (the local day is the UTC day), as the ingestor does.
@discardableResult
func ingest(_ file: TestFile, into store: any LedgerStore, conflicts: UnsafeMutablePointer<[StatusConflict]>? = nil) throws -> FileIngestOutcome {
    let sha = file.sha256
    let manifest = IngestedFile(sha256: sha, path: "inbox/\(file.name)", size: Int64(file.rows.count * 100), vendor: "canonical",
                                runID: "run-1", ingestedAt: Instant(secondsSinceEpoch: 1_790_000_000))
    return try store.ingest(manifest) { sink in
        for (index, row) in file.rows.enumerated() {
            switch row {
            case .record(var record):
                record.source = .init(fileSHA256: sha, row: index + 2)
                try sink.upsert(record, localDay: record.sentAt.utcDate)
            case .reject(let field, let value, let reason):
                try sink.reject(RejectedRow(fileSHA256: sha, path: "inbox/\(file.name)", row: index + 2, field: field, value: value, reason: reason))
            }
        }
        conflicts?.pointee = sink.conflicts
    }
}

/// The rollups the records imply: what the stored rollups must equal.
func expectedRollups(_ store: any LedgerStore, accounts: [String], days: Range<LocalDate>) throws -> [DailyRollup] {
    var totals: [RollupKey: RollupTotals] = [:]
    for account in accounts {
        try store.records(account: account, days: days) { record, day in
            totals[RollupKey(record: record, day: day), default: RollupTotals()] += RollupTotals(record: record)
        }
    }
    return totals.sorted { $0.key < $1.key }.map { DailyRollup(key: $0.key, totals: $0.value) }
}
