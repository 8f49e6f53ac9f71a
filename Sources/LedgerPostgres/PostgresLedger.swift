import Foundation
import LedgerCore
import LedgerStore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PostgresNIO

/// The ledger in PostgreSQL (15 or later), for installations where several ingest processes
/// share one database, or where the ledger outgrows one machine.
///
/// The store protocols are synchronous and postgres-nio is asynchronous. The bridge:
/// - ordinary statements use postgres-nio's `EventLoopFuture` API and block the calling thread
///   with `.wait()`. The connection lives on the ledger's own one-thread event loop group, so the
///   calling thread is never that event loop (NIO traps a `.wait()` on its own loop), and no
///   Swift-concurrency thread is needed to make progress.
/// - `COPY ... FROM STDIN`, which postgres-nio offers only as an `async` function, runs in a Task
///   pinned to a dedicated thread (`ThreadTaskExecutor`); the calling thread hands it chunks and
///   blocks on semaphores. Because that Task never needs the cooperative pool, blocking a pool
///   thread (a test function, say) cannot starve it.
///
/// One connection, used by one caller at a time (`lock`); a process runs one command at a time.
public final class PostgresLedger: BillingStore, @unchecked Sendable {
    // @unchecked: `connection` is used under `lock` only; the group and executor are thread-safe.
    let group: MultiThreadedEventLoopGroup
    let connection: PostgresConnection
    let lock = NIOLock()
    let executor: ThreadTaskExecutor
    let logger: Logger
    /// The URL without its password, for messages.
    public let location: String
    /// Files of at least this many bytes try the ingest fast path (`COPY` straight into the
    /// ledger, see PostgresLedger+Ingest.swift); smaller ones go through the staging merge.
    public let fastPathMinimumBytes: Int64
    public static let defaultFastPathMinimumBytes: Int64 = 256 << 10
    let pathCounts = NIOLockedValueBox(IngestPaths())

    /// How this connection's files went in, for tests and logs.
    public struct IngestPaths: Hashable, Sendable {
        /// Files that took the fast path and kept it.
        public var direct = 0
        /// Files whose fast path rolled back to the staging merge.
        public var fellBack = 0
        /// Why the latest of those fell back.
        public var lastFallbackReason: String?
    }

    public var ingestPaths: IngestPaths { pathCounts.withLockedValue { $0 } }

    /// Connects to `url` (`postgres://user[:password]@host[:port]/database[?sslmode=disable]`) and
    /// brings the schema up to date.
    public init(url: String, logger: Logger, fastPathMinimumBytes: Int64 = PostgresLedger.defaultFastPathMinimumBytes) throws {
        let target = try PostgresURL(url)
        location = target.redacted
        self.logger = logger
        self.fastPathMinimumBytes = fastPathMinimumBytes
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        executor = ThreadTaskExecutor(name: "sendledger-postgres-copy")
        let configuration = PostgresConnection.Configuration(
            host: target.host, port: target.port, username: target.user, password: target.password,
            database: target.database, tls: .disable)
        do {
            connection = try PostgresConnection.connect(
                on: group.next(), configuration: configuration, id: 1, logger: logger).wait()
        } catch {
            try? group.syncShutdownGracefully()
            executor.shutdown()
            throw StoreError(.cannotOpen("\(target.redacted): \(Self.message(of: error))"))
        }
        do {
            try migrate()
            // Session memory for the per-file merge: the staging tables live in local buffers
            // (settable only before the session first touches a temporary table), and the
            // key-order sort of a large file stays in memory. Allocated only as used.
            try query("SET temp_buffers = '128MB'")
            try query("SET work_mem = '64MB'")
            try createStagingTables()
        } catch {
            try? connection.close().wait()
            try? group.syncShutdownGracefully()
            executor.shutdown()
            throw error
        }
    }

    deinit {
        try? connection.close().wait()
        try? group.syncShutdownGracefully()
        executor.shutdown()
    }

    // MARK: Statements

    /// Runs one statement and collects its rows.
    @discardableResult
    func query(_ sql: String, _ binds: [PostgresBind] = []) throws -> [PostgresRow] {
        try lock.withLock { try unlockedQuery(sql, binds) }
    }

    /// For callers already holding `lock` (a transaction's statements).
    @discardableResult
    func unlockedQuery(_ sql: String, _ binds: [PostgresBind] = []) throws -> [PostgresRow] {
        var bindings = PostgresBindings(capacity: binds.count)
        for bind in binds { bind.append(to: &bindings) }
        do {
            let result = try connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger).wait()
            return Array(result.rows)
        } catch {
            throw wrap(error)
        }
    }

    /// Runs `body` in one transaction (READ COMMITTED), committing when it returns and rolling
    /// back when it throws.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try lock.withLock {
            try unlockedQuery("BEGIN")
            do {
                let value = try body()
                try unlockedQuery("COMMIT")
                return value
            } catch {
                _ = try? unlockedQuery("ROLLBACK")
                throw error
            }
        }
    }

    /// Runs an async operation on the connection from this synchronous caller (see the type's
    /// comment): the operation runs in a Task on `executor` while this thread waits.
    func blocking<T: Sendable>(_ operation: @escaping @Sendable (PostgresConnection) async throws -> T) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        let connection = self.connection
        Task(executorPreference: executor) {
            do {
                box.set(.success(try await operation(connection)))
            } catch {
                box.set(.failure(error))
            }
            done.signal()
        }
        done.wait()
        return try box.get()
    }

    func wrap(_ error: any Error, context: String? = nil) -> StoreError {
        if let error = error as? StoreError { return error }
        return StoreError(.postgres(Self.message(of: error)), context: context ?? location)
    }

    /// The server's message and SQLSTATE when there is one (PSQLError's description hides them).
    static func message(of error: any Error) -> String {
        if let error = error as? PSQLError {
            if let server = error.serverInfo {
                let text = server[.message] ?? "error"
                let detail = server[.detail].map { " (\($0))" } ?? ""
                let state = server[.sqlState].map { " [SQLSTATE \($0)]" } ?? ""
                return text + detail + state
            }
            return "\(error.code)" + (error.underlying.map { ": \($0)" } ?? "")
        }
        return "\(error)"
    }

    static func sqlState(of error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }
}

/// A value bound to a statement parameter.
enum PostgresBind {
    case text(String?)
    case int(Int64?)
    case bool(Bool)
    case bytes(Data)

    func append(to bindings: inout PostgresBindings) {
        switch self {
        case .text(let value): bindings.append(value)
        case .int(let value): bindings.append(value)
        case .bool(let value): bindings.append(value)
        case .bytes(let value): bindings.append(ByteBuffer(bytes: value))
        }
    }
}

/// Cells of a result row, decoded by position.
struct RowReader {
    let cells: PostgresRandomAccessRow

    init(_ row: PostgresRow) { cells = row.makeRandomAccess() }

    func text(_ index: Int) throws -> String { try cells[index].decode(String.self) }
    func optionalText(_ index: Int) throws -> String? { try cells[index].decode(String?.self) }
    func int(_ index: Int) throws -> Int64 { try cells[index].decode(Int64.self) }
    func optionalInt(_ index: Int) throws -> Int64? { try cells[index].decode(Int64?.self) }
    func bool(_ index: Int) throws -> Bool { try cells[index].decode(Bool.self) }
    func bytes(_ index: Int) throws -> Data {
        var buffer = try cells[index].decode(ByteBuffer.self)
        return Data(buffer.readBytes(length: buffer.readableBytes) ?? [])
    }
}

/// Where the ledger's PostgreSQL server is, read from a `postgres://` URL.
struct PostgresURL {
    var user: String
    var password: String?
    var host: String
    var port: Int
    var database: String

    init(_ text: String) throws {
        guard let components = URLComponents(string: text),
              components.scheme == "postgres" || components.scheme == "postgresql",
              let host = components.host, !host.isEmpty else {
            throw StoreError(.cannotOpen("\(text): expected postgres://user@host:port/database"))
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else { throw StoreError(.cannotOpen("\(text): the URL names no database")) }
        if let mode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value, mode != "disable" {
            throw StoreError(.cannotOpen("\(text): sslmode=\(mode) is not supported yet; use sslmode=disable on a trusted network"))
        }
        user = components.user?.removingPercentEncoding ?? ProcessInfo.processInfo.environment["PGUSER"] ?? "postgres"
        password = components.password?.removingPercentEncoding ?? ProcessInfo.processInfo.environment["PGPASSWORD"]
        self.host = host
        port = components.port ?? 5432
        self.database = database
    }

    var redacted: String { "postgres://\(user)@\(host):\(port)/\(database)" }
}

/// The outcome of an async operation, handed to the waiting thread.
final class ResultBox<T: Sendable>: @unchecked Sendable {
    // @unchecked: written once before the semaphore is signalled, read after it is waited on.
    private var result: Result<T, any Error>?
    func set(_ result: Result<T, any Error>) { self.result = result }
    func get() throws -> T { try result!.get() }
}
