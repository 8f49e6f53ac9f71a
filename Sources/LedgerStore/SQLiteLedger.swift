import CSQLiteConfig
import Foundation
import GRDB
import LedgerCore
import Logging

/// The embedded ledger: one SQLite file in WAL mode.
///
/// GRDB runs the migrations and the ordinary queries; the per-row ingest path binds through
/// the raw C API on the same connection (measured about 2x faster than GRDB's statements).
public final class SQLiteLedger: LedgerStore, @unchecked Sendable {
    // @unchecked: every access goes through `queue`, GRDB's serialized DatabaseQueue.
    let queue: DatabaseQueue
    let logger: Logger
    public let path: String

    /// Opens (creating if needed) the ledger at `path` and brings its schema up to date.
    public init(path: String, busyTimeoutSeconds: Double = 10, logger: Logger) throws {
        _ = Self.configureSQLite
        self.path = path
        self.logger = logger
        var config = Configuration()
        config.busyMode = .timeout(busyTimeoutSeconds)
        config.prepareDatabase { db in
            // WAL: readers never block the writer, and a killed process leaves the last
            // committed transaction intact. NORMAL is durable against process crashes in WAL.
            // 16 KiB pages for a new ledger (an existing file keeps its own): a quarter of the
            // page writes, reads and b-tree splits of 4 KiB pages on bulk ingest, measured 18%
            // fewer instructions for SQLite itself. Before WAL, which fixes the page size.
            try db.execute(sql: "PRAGMA page_size = 16384")
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // 8 MiB: bulk ingest measured no faster with 16 or 32 MiB on this layout.
            try db.execute(sql: "PRAGMA cache_size = -8192")
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        do {
            queue = try DatabaseQueue(path: path, configuration: config)
            try Self.migrator.migrate(queue)
        } catch let error as DatabaseError {
            throw StoreError.wrap(error, context: path)
        }
    }

    /// Process-wide SQLite settings, made once before the first connection opens.
    private static let configureSQLite: Void = { _ = csqlite_disable_memory_statistics() }()

    /// The named, append-only migrations (never edited once shipped).
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        registerCoreMigrations(&migrator)
        registerBillingMigrations(&migrator)
        registerRetentionMigrations(&migrator)
        registerPreviewMigrations(&migrator)
        registerLayoutMigrations(&migrator)
        return migrator
    }

    /// Runs `body` in a write transaction, mapping SQLite errors to `StoreError`.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try queue.write(body)
        } catch let error as DatabaseError {
            throw StoreError.wrap(error, context: path)
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try queue.read(body)
        } catch let error as DatabaseError {
            throw StoreError.wrap(error, context: path)
        }
    }

    /// `PRAGMA integrity_check`: "ok" for a sound file.
    public func integrityCheck() throws -> String {
        try read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "" }
    }
}

extension StoreError {
    static func wrap(_ error: DatabaseError, context: String) -> StoreError {
        if error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
            return StoreError(.busy, context: context)
        }
        if error.resultCode == .SQLITE_CANTOPEN {
            return StoreError(.cannotOpen(context))
        }
        return StoreError(.sqlite(code: error.extendedResultCode.rawValue, message: error.message ?? "\(error)"), context: context)
    }
}
