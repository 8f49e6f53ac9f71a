import Foundation
import LedgerCore
import LedgerStore
import PostgresNIO

/// Ingest of one file, in the file's one transaction, by one of two paths:
///
/// - **Fast path** (files of at least `fastPathMinimumBytes`): under a savepoint, the records
///   stream with `COPY deliveries ... FROM STDIN` straight into the ledger table, on the
///   optimistic assumption that every message is new (the nightly case). Then every record is
///   an insert, so the file's rollup delta is just the aggregate of its records: it is summed
///   in Swift while streaming (with `RollupKey`/`RollupTotals`, the model the staging merge's
///   SQL mirrors), copied into the session's `ingest_deltas` and applied by the same statements
///   as the staging path (touched days, then rollups, in key order). Rejects, summaries and the
///   manifest row are written as on the staging path, so counts and rows are the same.
/// - **Staging path** (smaller files, and the fallback): the records stream into a temporary
///   staging table, then a few set-based statements merge them under BILLING.md's forward-only
///   rule, with the rollups, conflicts, rejects and manifest row.
///
/// The fast path gives up, rolls back to its savepoint and has the file fed a second time into
/// the staging path (the sink protocol allows it) when the server reports a unique violation
/// (23505: a message already in the ledger, being inserted by another open transaction that
/// then commits, or repeated within the file), a deadlock (40P01) or a serialization failure
/// (40001). Only then: any other error fails the file as before. Small files skip it because
/// for them both paths are a handful of statements, while a fallback reads the file twice.
///
/// Concurrency (several `sendledger ingest` processes on different files): row-level conflict
/// handling, not advisory locks. New keys go in with `INSERT ... ON CONFLICT DO NOTHING`, which
/// waits for another transaction inserting the same key and then leaves the row to the
/// existing-row path; existing rows are read with `SELECT ... FOR UPDATE` (READ COMMITTED
/// re-reads the latest committed version after the wait), so each decision is made against
/// the row as last committed and the rollup delta (new minus old) is exact. Every phase takes
/// its row locks in key order (deliveries by (vendor, message_id), touched days, then rollups
/// by their key), so two ingests wait for each other but do not deadlock; should the server
/// still report a deadlock, the merge is retried from a savepoint. Why not advisory locks: a
/// lock per file or account serializes exactly the work that parallel ingest should spread
/// out (files of one vendor span every account), and one per message exhausts the lock table.
///
/// Why the fast path is safe alongside: its `COPY` inserts keys in file order, not key order,
/// but it only inserts. A key another open transaction has inserted makes the COPY wait on the
/// unique index for that transaction's end: a commit turns it into a unique violation (the
/// fallback, which then sees the committed row), a rollback lets it go on. Two COPYs (or a COPY
/// and a staging insert) that wait on each other's keys are a deadlock the server detects and
/// breaks by failing one statement: a fast path falls back, a staging merge retries; neither
/// fails the file. Nothing is decided against a stored row on this path (there is none), and
/// the rollup rows are upserted (`+ excluded`) in key order after the COPY, exactly as the
/// staging path does, so the deltas of concurrent files add up. Rolling back to the savepoint
/// releases every row the COPY inserted and every lock it took.
extension PostgresLedger: DeferredDigestLedgerStore {
    public func hasIngestedFile(size: Int64) throws -> Bool {
        try !query("SELECT 1 FROM ingested_files WHERE size = $1 LIMIT 1", [.int(size)]).isEmpty
    }

    public func ingest(_ file: IngestedFile, digest: () throws -> String,
                       _ body: (any FileIngestSink) throws -> Void) throws -> FileIngestOutcome {
        try withoutActuallyEscaping(digest) { try ingestFile(file, finalDigest: $0, body) }
    }

    public func isIngested(sha256: String) throws -> Bool {
        try !query("SELECT 1 FROM ingested_files WHERE sha256 = $1", [.text(sha256)]).isEmpty
    }

    public func ingest(_ file: IngestedFile, _ body: (any FileIngestSink) throws -> Void) throws -> FileIngestOutcome {
        try ingestFile(file, finalDigest: nil, body)
    }

    private func ingestFile(_ file: IngestedFile, finalDigest digest: (() throws -> String)?,
                            _ body: (any FileIngestSink) throws -> Void) throws -> FileIngestOutcome {
        do {
            return try transaction {
                // Another transaction inserting the same SHA-256 makes this wait for its end: the
                // same file delivered twice at once is ingested once.
                let inserted = try unlockedQuery("""
                    INSERT INTO ingested_files (sha256, path, size, vendor, run_id, ingested_at, rows, inserted, updated,
                        unchanged, stale, conflicts, rejected)
                    VALUES ($1, $2, $3, $4, $5, $6, 0, 0, 0, 0, 0, 0, 0)
                    ON CONFLICT (sha256) DO NOTHING RETURNING id
                    """, [.text(file.sha256), .text(file.path), .int(file.size), .text(file.vendor), .text(file.runID),
                          .int(file.ingestedAt.secondsSinceEpoch)])
                guard let row = inserted.first else { return .alreadyIngested }
                let fileID = try RowReader(row).int(0)
                try prepareStaging()
                let counts: FileIngestCounts
                if file.size >= fastPathMinimumBytes, let direct = try ingestDirect(file, fileID: fileID, body) {
                    counts = direct
                } else {
                    let sink = PostgresIngestSink(ledger: self, file: file, fileID: fileID, direct: false)
                    do {
                        try body(sink)
                        try sink.merge()
                    } catch {
                        sink.abandon()
                        throw error
                    }
                    counts = sink.counts
                }
                if let digest { try relabel(file, fileID: fileID, counts: counts, as: try digest()) }
                try unlockedQuery("""
                    UPDATE ingested_files SET rows = $1, inserted = $2, updated = $3, unchanged = $4, stale = $5,
                        conflicts = $6, rejected = $7 WHERE id = $8
                    """, [.int(Int64(counts.rows)), .int(Int64(counts.inserted)), .int(Int64(counts.updated)),
                          .int(Int64(counts.unchanged)), .int(Int64(counts.stale)), .int(Int64(counts.conflicts)),
                          .int(Int64(counts.rejected)), .int(fileID)])
                return .ingested(counts)
            }
        } catch is AlreadyInManifest {
            return .alreadyIngested
        }
    }

    /// A file read under a provisional token gets its real SHA-256: the manifest row, rejects,
    /// conflicts and summaries written under the token are renamed, or, when the manifest has
    /// that hash already, everything is rolled back. An ingest of the same file still open in
    /// another transaction makes the manifest update wait for its end and then fail on the
    /// unique hash (23505), which is the same answer.
    private func relabel(_ file: IngestedFile, fileID: Int64, counts: FileIngestCounts, as sha256: String) throws {
        if try !unlockedQuery("SELECT 1 FROM ingested_files WHERE sha256 = $1", [.text(sha256)]).isEmpty {
            throw AlreadyInManifest()
        }
        do {
            try unlockedQuery("UPDATE ingested_files SET sha256 = $1 WHERE id = $2", [.text(sha256), .int(fileID)])
        } catch where Self.sqlState(of: error) == "23505" {
            throw AlreadyInManifest()
        }
        let token = PostgresBind.text(file.sha256), real = PostgresBind.text(sha256)
        if counts.rejected > 0 {
            try unlockedQuery("UPDATE rejects SET file_sha256 = $1 WHERE file_sha256 = $2", [real, token])
        }
        if counts.conflicts > 0 {
            try unlockedQuery("UPDATE status_conflicts SET file_sha256 = $1 WHERE file_sha256 = $2", [real, token])
        }
        try unlockedQuery("UPDATE vendor_summaries SET source_file = $1 WHERE source_file = $2", [real, token])
    }

    /// The fast path (see the type's comment): the file's counts, or nil when it rolled back to
    /// its savepoint and the file must go through the staging path.
    private func ingestDirect(_ file: IngestedFile, fileID: Int64, _ body: (any FileIngestSink) throws -> Void) throws -> FileIngestCounts? {
        try unlockedQuery("SAVEPOINT fast_ingest")
        let sink = PostgresIngestSink(ledger: self, file: file, fileID: fileID, direct: true)
        do {
            try body(sink)
            try sink.merge()
        } catch {
            sink.abandon()
            guard let reason = sink.fallbackReason else { throw error }
            try unlockedQuery("ROLLBACK TO SAVEPOINT fast_ingest")
            pathCounts.withLockedValue {
                $0.fellBack += 1
                $0.lastFallbackReason = reason
            }
            logger.info("ingest fast path rolled back: the file goes through the staging merge",
                        metadata: ["file.path": "\(file.path)", "reason": "\(reason)"])
            return nil
        }
        try unlockedQuery("RELEASE SAVEPOINT fast_ingest")
        pathCounts.withLockedValue { $0.direct += 1 }
        return sink.counts
    }

    /// Creates the session's temporary tables (once per connection, outside a transaction so
    /// that a rolled-back file does not take them away). Their rows go at every commit.
    func createStagingTables() throws {
        for statement in Self.stagingTables { try query(statement) }
    }

    /// Empty staging tables for a file (a rollback already emptied them; this is a guard).
    func prepareStaging() throws {
        try unlockedQuery("TRUNCATE ingest_staging, ingest_pending, ingest_round, ingest_decided, ingest_deltas, ingest_rejects")
    }

    static let recordColumns = [
        "vendor", "message_id", "account", "local_day", "batch_id", "sent_at", "completed_at", "channel", "status",
        "refundable", "reason_code", "reason_text", "units", "category", "sender", "recipient", "recipient_hash",
        "fallback_of", "vendor_cost",
    ]

    static let stagingTables = [
        """
        CREATE TEMP TABLE IF NOT EXISTS ingest_staging (
            ord bigint NOT NULL, vendor text COLLATE "C" NOT NULL, message_id text COLLATE "C" NOT NULL,
            account text COLLATE "C" NOT NULL, local_day date NOT NULL, batch_id text COLLATE "C", sent_at bigint NOT NULL,
            completed_at bigint, channel text COLLATE "C" NOT NULL, status text COLLATE "C" NOT NULL, refundable boolean NOT NULL,
            reason_code text COLLATE "C", reason_text text COLLATE "C", units bigint NOT NULL, category text COLLATE "C",
            sender text COLLATE "C", recipient text COLLATE "C", recipient_hash text COLLATE "C", fallback_of text COLLATE "C",
            vendor_cost bigint, source_row integer NOT NULL
        ) ON COMMIT DELETE ROWS
        """,
        // Staged rows that met an existing row (or an earlier row of the same file).
        "CREATE TEMP TABLE IF NOT EXISTS ingest_pending (LIKE ingest_staging) ON COMMIT DELETE ROWS",
        // The earliest pending row per message, merged together in one round.
        "CREATE TEMP TABLE IF NOT EXISTS ingest_round (LIKE ingest_staging) ON COMMIT DELETE ROWS",
        """
        CREATE TEMP TABLE IF NOT EXISTS ingest_decided (
            ord bigint NOT NULL, decision text NOT NULL, vendor text COLLATE "C" NOT NULL, message_id text COLLATE "C" NOT NULL,
            incoming_status text COLLATE "C" NOT NULL, source_row integer NOT NULL,
            old_account text COLLATE "C" NOT NULL, old_vendor text COLLATE "C" NOT NULL, old_local_day date NOT NULL, old_channel text COLLATE "C" NOT NULL,
            old_status text COLLATE "C" NOT NULL, old_refundable boolean NOT NULL, old_units bigint NOT NULL,
            old_category text COLLATE "C", old_fallback_of text COLLATE "C", old_vendor_cost bigint
        ) ON COMMIT DELETE ROWS
        """,
        """
        CREATE TEMP TABLE IF NOT EXISTS ingest_deltas (
            account text COLLATE "C" NOT NULL, local_day date NOT NULL, vendor text COLLATE "C" NOT NULL,
            channel text COLLATE "C" NOT NULL, category text COLLATE "C" NOT NULL, status text COLLATE "C" NOT NULL,
            refundable boolean NOT NULL, is_fallback boolean NOT NULL, messages bigint NOT NULL, units bigint NOT NULL,
            call_minutes bigint NOT NULL, vendor_cost bigint NOT NULL, cost_unknown bigint NOT NULL
        ) ON COMMIT DELETE ROWS
        """,
        """
        CREATE TEMP TABLE IF NOT EXISTS ingest_rejects (
            file_sha256 text COLLATE "C" NOT NULL, path text COLLATE "C" NOT NULL, row integer NOT NULL,
            field text COLLATE "C" NOT NULL, value text COLLATE "C" NOT NULL, reason text COLLATE "C" NOT NULL
        ) ON COMMIT DELETE ROWS
        """,
    ]
}

/// The file read under a provisional hash turned out to be in the manifest: roll back.
private struct AlreadyInManifest: Error {}

/// Encodes records into the COPY stream as they come, then merges them at the end of the file.
///
/// Staging (`direct` false): `upsert` cannot know a record's fate before the merge: it returns
/// `.insert` provisionally (the file's counts and conflicts are exact once the file is merged;
/// callers here use those). Direct (the fast path): records go straight into `deliveries`, each
/// one an insert or the file falls back; their rollup deltas are summed here as they pass.
/// Reading `conflicts` ends the file's COPY and runs the merge, since the ingestor reads them
/// as the body's last act.
final class PostgresIngestSink: FileIngestSink {
    let ledger: PostgresLedger
    let file: IngestedFile
    let fileID: Int64
    /// The fast path: COPY into `deliveries`, rollup deltas summed in Swift.
    let direct: Bool
    var counts = FileIngestCounts()
    private var foundConflicts: [StatusConflict] = []
    private var copy: CopyStream?
    /// The records' COPY data (binary format), the count and (direct) the rollup deltas: one struct, changed in
    /// place once per record.
    private var rows: RecordRows
    private var rejectEncoder = CopyBinaryEncoder(capacity: 4096)
    private var rejectStream: CopyStream?
    private var staged: Int64 { rows.staged }
    private var merged = false
    private var mergeError: (any Error)?
    /// Summary rows wait for the end of the records' COPY (one operation at a time per connection).
    private var summaries: [VendorSummaryRow] = []
    /// The server's own error when a statement or COPY of this sink failed (for `fallbackReason`).
    private var serverFailure: (any Error)?

    init(ledger: PostgresLedger, file: IngestedFile, fileID: Int64, direct: Bool) {
        self.ledger = ledger
        self.file = file
        self.fileID = fileID
        self.direct = direct
        rows = RecordRows(direct: direct, fileID: fileID)
    }

    /// Why a failed fast path should fall back to the staging merge (nil: the failure is the
    /// file's, or this is not the fast path).
    var fallbackReason: String? {
        guard direct else { return nil }
        if rows.overflow { return "rollup delta out of range" }
        guard let serverFailure, let state = PostgresLedger.sqlState(of: serverFailure) else { return nil }
        switch state {
        case "23505": return "unique violation (a message already stored, or repeated in the file)"
        case "40P01": return "deadlock"
        case "40001": return "serialization failure"
        default: return nil
        }
    }

    var conflicts: [StatusConflict] {
        if !merged && mergeError == nil {
            do { try merge() } catch { mergeError = error }
        }
        return foundConflicts
    }

    func upsert(_ record: DeliveryRecord, localDay: LocalDate) throws -> StatusUpdate {
        precondition(!merged, "record after the file was merged")
        openCopy()
        rows.add(record, localDay: localDay)
        if rows.encoder.readableBytes >= CopyStream.chunkBytes { try flush() }
        return .insert
    }

    func upsert(_ batch: PreparedRecords, at index: Int) throws -> StatusUpdate {
        try upsert(batch, in: index..<index + 1)
        return .insert
    }

    /// Prepared records: on the fast path, the COPY data is written from the batch's laid-out
    /// bytes and the rollup deltas are summed by the preparer's slot (an array add per record,
    /// no key hashed); the staging path takes them one by one.
    func upsert(_ batch: PreparedRecords, in range: Range<Int>) throws {
        guard direct else {
            for index in range { _ = try upsert(batch.record(at: index), localDay: batch.days[index]) }
            return
        }
        precondition(!merged, "record after the file was merged")
        openCopy()
        var next = range.lowerBound
        while next < range.upperBound {
            next = rows.add(batch, next..<range.upperBound)
            if rows.encoder.readableBytes >= CopyStream.chunkBytes { try flush() }
        }
    }

    private func openCopy() {
        guard copy == nil else { return }
        copy = direct
            ? CopyStream(connection: ledger.connection, table: "deliveries", columns: PostgresLedger.recordColumns + ["source_file_id", "source_row"],
                         executor: ledger.executor, logger: ledger.logger)
            : CopyStream(connection: ledger.connection, table: "ingest_staging", columns: ["ord"] + PostgresLedger.recordColumns + ["source_row"],
                         executor: ledger.executor, logger: ledger.logger)
    }

    func saveSummary(_ rows: [VendorSummaryRow]) throws {
        if merged {
            do { try writeSummaries(rows) } catch { throw ledger.wrap(error, context: file.path) }
        } else {
            summaries += rows
        }
    }

    func reject(_ row: RejectedRow) throws {
        precondition(!merged, "reject after the file was merged")
        counts.rows += 1
        counts.rejected += 1
        // Kept as COPY data until the records' COPY is over (one COPY at a time per connection).
        rejectEncoder.row(fields: 6)
        rejectEncoder.text(row.fileSHA256)
        rejectEncoder.text(row.path)
        rejectEncoder.integer(Int32(row.row))
        rejectEncoder.text(row.field)
        rejectEncoder.text(row.value)
        rejectEncoder.text(row.reason)
    }

    private func flush() throws {
        guard rows.encoder.readableBytes > 0, let copy else { return }
        do {
            try copy.send(rows.encoder.chunk())
        } catch {
            if serverFailure == nil { serverFailure = error }
            throw ledger.wrap(error, context: file.path)
        }
    }

    /// A body that threw: stop the COPY so the connection can roll back.
    func abandon() {
        copy?.cancel()
        rejectStream?.cancel()
        rows.locator.close()
    }

    /// Ends the COPY and merges the staged rows (once). Errors come out as `StoreError`.
    func merge() throws {
        if let mergeError { throw mergeError }
        guard !merged else { return }
        merged = true
        do {
            try copyAndMerge()
        } catch {
            let underlying = (error as? MergeFailure)?.underlying ?? error
            if serverFailure == nil { serverFailure = underlying }
            let wrapped = ledger.wrap(underlying, context: file.path)
            mergeError = wrapped
            throw wrapped
        }
    }

    private func copyAndMerge() throws {
        if let copy {
            rows.encoder.end()
            try flush()
            try copy.finish()
        }
        if counts.rejected > 0 {
            let stream = CopyStream(connection: ledger.connection, table: "rejects",
                                    columns: ["file_sha256", "path", "row", "field", "value", "reason"],
                                    executor: ledger.executor, logger: ledger.logger)
            rejectStream = stream
            rejectEncoder.end()
            try stream.send(rejectEncoder.chunk())
            try stream.finish()
        }
        if !summaries.isEmpty {
            try writeSummaries(summaries)
            summaries = []
        }
        guard staged > 0 else { return }
        if direct {
            try applyDirectDeltas()
            return
        }
        var attempt = 0
        while true {
            attempt += 1
            try run("SAVEPOINT merge")
            do {
                try mergeStaged()
                try run("RELEASE SAVEPOINT merge")
                return
            } catch let failure as MergeFailure {
                // A deadlock the key order did not prevent (40P01): the server aborted our
                // statement; undo the merge's partial work and its locks, and go again.
                guard attempt < 5, let state = PostgresLedger.sqlState(of: failure.underlying), state == "40P01" || state == "40001" else {
                    throw failure
                }
                try run("ROLLBACK TO SAVEPOINT merge")
                foundConflicts = []
                ledger.logger.notice("ingest merge retried after a deadlock", metadata: ["file.path": "\(file.path)", "attempt": "\(attempt)"])
            }
        }
    }

    struct MergeFailure: Error { let underlying: any Error }

    /// The fast path cannot account for the file (a rollup delta out of range): fall back.
    struct DeltaOutOfRange: Error, CustomStringConvertible {
        var description: String { "a daily rollup delta is out of range" }
    }

    /// The fast path's end: every record was inserted, so the rollups move by the file's
    /// aggregate, copied into `ingest_deltas` and applied by the staging path's statements.
    private func applyDirectDeltas() throws {
        rows.foldSlots()
        if rows.overflow { throw DeltaOutOfRange() }
        let stream = CopyStream(connection: ledger.connection, table: "ingest_deltas",
                                columns: ["account", "local_day", "vendor", "channel", "category", "status", "refundable",
                                          "is_fallback", "messages", "units", "call_minutes", "vendor_cost", "cost_unknown"],
                                executor: ledger.executor, logger: ledger.logger)
        var data = CopyBinaryEncoder()
        do {
            for (key, totals) in zip(rows.deltas.keys, rows.deltas.totals) {
                data.row(fields: 13)
                data.text(key.account)
                data.date(key.day)
                data.text(key.vendor)
                data.channel(key.channel)
                data.text(key.category)
                data.text(key.status.rawValue)
                data.bool(key.refundable)
                data.bool(key.isFallback)
                data.bigint(totals.messages)
                data.bigint(totals.units)
                data.bigint(totals.callMinutes)
                data.bigint(totals.vendorCost)
                data.bigint(totals.costUnknown)
                if data.readableBytes >= CopyStream.chunkBytes { try stream.send(data.chunk()) }
            }
            data.end()
            try stream.send(data.chunk())
            try stream.finish()
        } catch {
            stream.cancel()
            throw MergeFailure(underlying: error)
        }
        try copyLocator()
        // Every delta adds at least one message to its row, so none can reach zero here; and
        // the deltas are one row per key already (summed by `RollupKey` above), none of them zero.
        try applyRollups(removingZeros: false, netted: true)
        counts.rows += Int(staged)
        counts.inserted += Int(staged)
    }

    /// The fast path's `delivery_locator` rows: one per account-day and vendor of the file
    /// (or a few, when the table was written out), listing its message keys (every record an
    /// insert).
    private func copyLocator() throws {
        let stream = CopyStream(connection: ledger.connection, table: "delivery_locator",
                                columns: ["account", "local_day", "vendor", "message_ids"],
                                executor: ledger.executor, logger: ledger.logger)
        defer { rows.locator.close() }
        do {
            try rows.locator.copy { try stream.send($0) }
            try stream.finish()
        } catch {
            stream.cancel()
            throw MergeFailure(underlying: error)
        }
    }

    /// Runs a merge statement keeping the server's error for the retry decision.
    @discardableResult
    private func run(_ sql: String, _ binds: [PostgresBind] = []) throws -> [PostgresRow] {
        var bindings = PostgresBindings(capacity: binds.count)
        for bind in binds { bind.append(to: &bindings) }
        do {
            let result = try ledger.connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: ledger.logger).wait()
            return Array(result.rows)
        } catch {
            throw MergeFailure(underlying: error)
        }
    }

    /// A statement's one count (`SELECT count(*) ...`).
    private func count(_ sql: String, _ binds: [PostgresBind] = []) throws -> Int64 {
        let rows = try run(sql, binds)
        do {
            return try rows.first.map { try RowReader($0).int(0) } ?? 0
        } catch {
            throw MergeFailure(underlying: error)
        }
    }

    /// Rows affected by an INSERT/UPDATE/DELETE.
    private func affected(_ sql: String, _ binds: [PostgresBind] = []) throws -> Int64 {
        var bindings = PostgresBindings(capacity: binds.count)
        for bind in binds { bind.append(to: &bindings) }
        do {
            let result = try ledger.connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: ledger.logger).wait()
            return Int64(result.metadata.rows ?? 0)
        } catch {
            throw MergeFailure(underlying: error)
        }
    }

    /// Columns of `deliveries` written from a staged row `s`.
    private static let insertColumns = PostgresLedger.recordColumns.joined(separator: ", ") + ", source_file_id, source_row"
    private static let stagedValues = PostgresLedger.recordColumns.map { "s.\($0)" }.joined(separator: ", ")

    /// The precedence of a status column (BILLING.md: SCHEDULED < PENDING < final).
    private static func precedence(_ column: String) -> String {
        "(CASE \(column) WHEN 'SCHEDULED' THEN 0 WHEN 'PENDING' THEN 1 ELSE 2 END)"
    }

    /// Every field but the source, as `DeliveryRecord.sameFacts` compares (the local day is
    /// derived from sent_at and the account's zone, not a fact of the record).
    private static let sameFacts = PostgresLedger.recordColumns.filter { $0 != "local_day" }
        .map { "r.\($0) IS NOT DISTINCT FROM d.\($0)" }.joined(separator: " AND ")

    /// A rollup contribution of rows with the given column prefix, times `sign`.
    private static func rollupSelect(_ p: String, sign: String, from: String) -> String {
        """
        SELECT \(p)account, \(p)local_day, \(p)vendor, \(p)channel, coalesce(\(p)category, ''), \(p)status, \(p)refundable,
               \(p)fallback_of IS NOT NULL, \(sign) * count(*), \(sign) * sum(\(p)units),
               \(sign) * sum(CASE WHEN split_part(\(p)channel, ':', 1) = 'CALL' AND \(p)units > 0 THEN (\(p)units + 59) / 60 ELSE 0 END),
               \(sign) * coalesce(sum(\(p)vendor_cost), 0), \(sign) * count(*) FILTER (WHERE \(p)vendor_cost IS NULL)
        \(from)
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
        """
    }

    private func mergeStaged() throws {
        let file = PostgresBind.int(fileID)
        var decisions: [String: Int64] = [:]
        // 1. New messages, in key order (the lock order), the earliest row of each message;
        // their account-days listed in the locator.
        let inserted = try count("""
            WITH new AS (
                INSERT INTO deliveries (\(Self.insertColumns))
                SELECT \(Self.stagedValues), $1, s.source_row FROM ingest_staging s ORDER BY s.vendor, s.message_id, s.ord
                ON CONFLICT (vendor, message_id) DO NOTHING
                RETURNING account, local_day, vendor, message_id
            ), located AS (
                INSERT INTO delivery_locator (account, local_day, vendor, message_ids)
                SELECT account, local_day, vendor, array_agg(message_id ORDER BY message_id) FROM new
                GROUP BY account, local_day, vendor
            )
            SELECT count(*) FROM new
            """, [file])
        var pending: Int64 = 0
        if inserted < staged {
            try run("ANALYZE ingest_staging")
            // 2. The rest met a row: either committed before (by any process) or inserted by
            // step 1 from an earlier row of this file (that row is the one not pending).
            pending = try affected("""
                INSERT INTO ingest_pending SELECT s.* FROM ingest_staging s JOIN deliveries d USING (vendor, message_id)
                WHERE NOT (d.source_file_id = $1 AND d.source_row = s.source_row)
                """, [file])
            try run("ANALYZE ingest_pending")
        }
        guard inserted + pending == staged else {
            throw StoreError(.corrupt("\(staged - inserted - pending) rows of the file met neither a new nor an existing ledger row (deleted concurrently?)"), context: self.file.path)
        }
        // Rollups of the inserts: every staged row that is not pending.
        try run("INSERT INTO ingest_deltas " + Self.rollupSelect("s.", sign: "1", from: pending == 0
            ? "FROM ingest_staging s"
            : "FROM ingest_staging s WHERE NOT EXISTS (SELECT 1 FROM ingest_pending p WHERE p.ord = s.ord)"))
        // 3. Pending rows in rounds: the earliest remaining row of each message against the row
        // as it stands (locked), so repeated messages in one file apply in file order.
        var remaining = pending
        while remaining > 0 {
            try run("TRUNCATE ingest_round, ingest_decided")
            let round = try affected("INSERT INTO ingest_round SELECT DISTINCT ON (vendor, message_id) * FROM ingest_pending ORDER BY vendor, message_id, ord")
            try run("""
                INSERT INTO ingest_decided
                SELECT r.ord,
                    CASE WHEN \(Self.precedence("r.status")) < \(Self.precedence("d.status")) THEN 'stale'
                         WHEN \(Self.precedence("d.status")) = 2 AND r.status <> d.status THEN 'conflict'
                         WHEN \(Self.sameFacts) THEN 'unchanged'
                         WHEN \(Self.precedence("d.status")) = 2 THEN 'correction'
                         ELSE 'replace' END,
                    r.vendor, r.message_id, r.status, r.source_row, d.account, d.vendor, d.local_day, d.channel, d.status, d.refundable,
                    d.units, d.category, d.fallback_of, d.vendor_cost
                FROM ingest_round r
                JOIN (SELECT * FROM deliveries WHERE (vendor, message_id) IN (SELECT vendor, message_id FROM ingest_round)
                      ORDER BY vendor, message_id FOR UPDATE) d USING (vendor, message_id)
                """)
            // Records that moved to another account or day are listed there too.
            try run("""
                WITH moved AS (
                    UPDATE deliveries d SET \(PostgresLedger.recordColumns.map { "\($0) = r.\($0)" }.joined(separator: ", ")),
                        source_file_id = $1, source_row = r.source_row
                    FROM ingest_round r JOIN ingest_decided x USING (ord)
                    WHERE x.decision IN ('replace', 'correction') AND d.vendor = r.vendor AND d.message_id = r.message_id
                    RETURNING d.account, d.local_day, d.vendor, d.message_id, x.old_account, x.old_local_day
                )
                INSERT INTO delivery_locator (account, local_day, vendor, message_ids)
                SELECT account, local_day, vendor, array_agg(message_id ORDER BY message_id) FROM moved
                WHERE account <> old_account OR local_day <> old_local_day
                GROUP BY account, local_day, vendor
                """, [file])
            try run("INSERT INTO ingest_deltas " + Self.rollupSelect("r.", sign: "1", from: """
                FROM ingest_round r JOIN ingest_decided x USING (ord) WHERE x.decision IN ('replace', 'correction')
                """))
            try run("INSERT INTO ingest_deltas " + Self.rollupSelect("x.old_", sign: "-1", from: """
                FROM ingest_decided x WHERE x.decision IN ('replace', 'correction')
                """))
            try run("""
                INSERT INTO status_conflicts (vendor, message_id, kept_status, incoming_status, file_sha256, row)
                SELECT vendor, message_id, old_status, incoming_status, $1, source_row FROM ingest_decided
                WHERE decision = 'conflict' ORDER BY ord
                """, [.text(self.file.sha256)])
            for row in try run("SELECT decision, count(*) FROM ingest_decided GROUP BY decision") {
                let reader = RowReader(row)
                decisions[try reader.text(0), default: 0] += try reader.int(1)
            }
            for row in try run("SELECT vendor, message_id, old_status, incoming_status, source_row FROM ingest_decided WHERE decision = 'conflict' ORDER BY ord") {
                let reader = RowReader(row)
                guard let kept = DeliveryStatus(rawValue: try reader.text(2)), let incoming = DeliveryStatus(rawValue: try reader.text(3)) else { continue }
                foundConflicts.append(StatusConflict(vendor: try reader.text(0), messageID: try reader.text(1), kept: kept, incoming: incoming,
                                                     source: .init(fileSHA256: self.file.sha256, row: Int(try reader.int(4)))))
            }
            try run("DELETE FROM ingest_pending p USING ingest_round r WHERE p.ord = r.ord")
            remaining -= round
        }
        foundConflicts.sort { $0.source.row < $1.source.row }
        try applyRollups()
        counts.rows += Int(staged)
        // Added to what summary rows of the same file counted.
        counts.inserted += Int(inserted)
        counts.updated += Int(decisions["replace", default: 0] + decisions["correction", default: 0])
        counts.unchanged += Int(decisions["unchanged", default: 0])
        counts.stale += Int(decisions["stale", default: 0])
        counts.conflicts += Int(decisions["conflict", default: 0])
    }

    /// Adds the file's net rollup deltas; rows that reach zero are removed, as in SQLite.
    /// `netted`: `ingest_deltas` holds one row per key and no zero row (the fast path's), so the
    /// statements read it as it is rather than sum it again (measured on the 34k deltas of a
    /// 1M-row file: 0.1 s less for the touched days and 0.13 s less for the upsert). Should a
    /// key come twice after all, the upsert fails the file (ON CONFLICT DO UPDATE cannot affect
    /// a row twice) rather than count it wrong.
    private func applyRollups(removingZeros: Bool = true, netted: Bool = false) throws {
        let key = "account, local_day, vendor, channel, category, status, refundable, is_fallback"
        let net = netted ? "SELECT \(key), messages, units, call_minutes, vendor_cost, cost_unknown FROM ingest_deltas" : """
            SELECT \(key), sum(messages) AS messages, sum(units) AS units, sum(call_minutes) AS call_minutes,
                   sum(vendor_cost) AS vendor_cost, sum(cost_unknown) AS cost_unknown
            FROM ingest_deltas GROUP BY \(key)
            HAVING sum(messages) <> 0 OR sum(units) <> 0 OR sum(call_minutes) <> 0 OR sum(vendor_cost) <> 0 OR sum(cost_unknown) <> 0
            """
        // Touched days first, in key order: the trigger then finds them and waits on nothing.
        try run("""
            INSERT INTO billing_touched_days (account, local_day)
            SELECT DISTINCT account, local_day FROM (\(net)) n ORDER BY account, local_day ON CONFLICT DO NOTHING
            """)
        try run("""
            INSERT INTO daily_rollups (\(key), messages, units, call_minutes, vendor_cost, cost_unknown)
            SELECT \(key), messages, units, call_minutes, vendor_cost, cost_unknown FROM (\(net)) n ORDER BY \(key)
            ON CONFLICT (\(key)) DO UPDATE SET
                messages = daily_rollups.messages + excluded.messages, units = daily_rollups.units + excluded.units,
                call_minutes = daily_rollups.call_minutes + excluded.call_minutes,
                vendor_cost = daily_rollups.vendor_cost + excluded.vendor_cost,
                cost_unknown = daily_rollups.cost_unknown + excluded.cost_unknown
            """)
        // Only rows this file changed can have reached zero, and this transaction holds their locks.
        guard removingZeros else { return }
        try run("""
            DELETE FROM daily_rollups r USING (\(net)) n
            WHERE (r.account, r.local_day, r.vendor, r.channel, r.category, r.status, r.refundable, r.is_fallback)
                = (n.account, n.local_day, n.vendor, n.channel, n.category, n.status, n.refundable, n.is_fallback)
              AND r.messages = 0 AND r.units = 0 AND r.call_minutes = 0 AND r.vendor_cost = 0 AND r.cost_unknown = 0
            """)
    }
}

/// The records' side of a sink, kept in one struct so that a record is encoded (and, on the
/// fast path, its rollup delta added) with one in-place access instead of one per field.
struct RecordRows {
    let direct: Bool
    let fileID: Int64
    var encoder = CopyBinaryEncoder()
    var staged: Int64 = 0
    /// Direct: the file's rollup deltas (every record an insert).
    var deltas = DeltaTable()
    /// Direct: the file's message keys by account-day, for `delivery_locator`.
    var locator = LocatorTable()

    init(direct: Bool, fileID: Int64) {
        self.direct = direct
        self.fileID = fileID
    }

    mutating func add(_ record: DeliveryRecord, localDay: LocalDate) {
        staged += 1
        encoder.row(fields: Self.fields)
        if !direct { encoder.bigint(staged) }
        encoder.text(record.vendor)
        encoder.text(record.messageID)
        encoder.text(record.account)
        encoder.date(localDay)
        encoder.text(record.batchID)
        encoder.bigint(record.sentAt.secondsSinceEpoch)
        encoder.bigint(record.completedAt?.secondsSinceEpoch)
        encoder.channel(record.channel)
        encoder.text(record.status.rawValue)
        encoder.bool(record.refundable)
        encoder.text(record.reasonCode)
        encoder.text(record.reasonText)
        encoder.bigint(record.units)
        encoder.text(record.category)
        encoder.text(record.sender)
        encoder.text(record.recipient)
        encoder.text(record.recipientHash)
        encoder.text(record.fallbackOf)
        encoder.bigint(record.vendorCost?.micros)
        if direct {
            encoder.bigint(fileID)
            deltas.add(record, day: localDay)
            locator.append(record.messageID, to: locator.group(account: record.account, day: localDay, vendor: record.vendor))
        }
        encoder.integer(Int32(record.source.row))
    }

    /// Fields per row: the record's 19 columns and source_row, with source_file_id (direct)
    /// or the staging order (staging) (`PostgresIngestSink.openCopy`).
    static let fields = Int16(PostgresLedger.recordColumns.count + 2)

    /// A sum left Int64's range (the fast path falls back).
    var overflow: Bool { deltas.overflow || slotOverflow }

    // Direct, prepared records: rollup deltas by the preparer's slot, for the current slot
    // numbering; folded into `deltas` (by key) when the numbering changes and at the end.
    private var slotNumbering: SlotNumbering?
    private var slotKeys: [RollupKey] = []
    private var slotTotals: [DeltaTotals] = []
    /// The locator group of each slot's key (its account, day and vendor), for the locator's
    /// `generation` `slotGroupsGeneration`.
    private var slotGroups: [Int32] = []
    private var slotGroupsGeneration = 0

    /// The slots' locator groups again, after the locator wrote its groups out.
    private mutating func regroupSlots() {
        slotGroups = slotKeys.map { locator.group(account: $0.account, day: $0.day, vendor: $0.vendor) }
        slotGroupsGeneration = locator.generation
    }
    private var slotOverflow = false

    /// Adds the slots' totals to `deltas` and empties them.
    mutating func foldSlots() {
        for (key, totals) in zip(slotKeys, slotTotals) where totals.messages != 0 {
            deltas.add(key, totals)
        }
        slotKeys.removeAll(keepingCapacity: true)
        slotTotals.removeAll(keepingCapacity: true)
        slotGroups.removeAll(keepingCapacity: true)
    }

    /// Direct: encodes records of a prepared batch from its laid-out bytes and sums their
    /// rollup deltas by slot, from `range.lowerBound` until the encoder holds a chunk or the
    /// range ends; returns the next index.
    mutating func add(_ batch: PreparedRecords, _ range: Range<Int>) -> Int {
        precondition(direct)
        if batch.slotNumbering != slotNumbering {
            foldSlots()
            slotNumbering = batch.slotNumbering
        }
        let columns = PreparedRecords.TextColumn.count
        return batch.bytes.withUnsafeBufferPointer { bytes in
            batch.spans.withUnsafeBufferPointer { spans in
                batch.facts.withUnsafeBufferPointer { records in
                    // Fields read in place: no copy (and no retains) of a record.
                    let base = bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!
                    var index = range.lowerBound
                    while index < range.upperBound {
                        var at = index * columns * 2
                        let messageID = at + 2 * PreparedRecords.TextColumn.messageID.rawValue
                        @inline(__always) func text() {
                            encoder.text(base, offset: Int(spans[at]), length: Int(spans[at + 1]))
                            at += 2
                        }
                        staged += 1
                        encoder.row(fields: Self.fields)
                        text() // vendor
                        text() // message_id
                        text() // account
                        encoder.date(batch.days[index])
                        text() // batch_id
                        encoder.bigint(records[index].sentAt.secondsSinceEpoch)
                        encoder.bigint(records[index].completedAt?.secondsSinceEpoch)
                        text() // channel
                        text() // status
                        encoder.bool(records[index].refundable)
                        text() // reason_code
                        text() // reason_text
                        encoder.bigint(records[index].units)
                        text() // category
                        text() // sender
                        text() // recipient
                        text() // recipient_hash
                        text() // fallback_of
                        encoder.bigint(records[index].vendorCost?.micros)
                        encoder.bigint(fileID)
                        encoder.integer(Int32(records[index].row))
                        let slot = countSlot(batch, index, records)
                        if locator.generation != slotGroupsGeneration { regroupSlots() }
                        locator.append(UnsafeBufferPointer(start: base + Int(spans[messageID]), count: Int(spans[messageID + 1])),
                                       to: slotGroups[slot])
                        index += 1
                        if encoder.readableBytes >= CopyStream.chunkBytes { break }
                    }
                    return index
                }
            }
        }
    }

    /// Adds an inserted record's rollup contribution (`RollupTotals(record:)`) to its slot.
    /// Returns the slot.
    @inline(__always)
    private mutating func countSlot(_ batch: PreparedRecords, _ index: Int, _ records: UnsafeBufferPointer<PreparedRecords.Facts>) -> Int {
        let slot = Int(batch.rollupSlots[index])
        if slot >= slotKeys.count {
            // The batch's new keys: slot `firstNewSlot + i` is `newRollupKeys[i]`.
            precondition(slotKeys.count >= batch.firstNewSlot && slot < batch.firstNewSlot + batch.newRollupKeys.count,
                          "rollup slot of a batch not seen")
            slotKeys.append(contentsOf: batch.newRollupKeys[(slotKeys.count - batch.firstNewSlot)...])
            slotTotals.append(contentsOf: repeatElement(DeltaTotals(), count: slotKeys.count - slotTotals.count))
            for key in slotKeys[slotGroups.count...] {
                slotGroups.append(locator.group(account: key.account, day: key.day, vendor: key.vendor))
            }
        }
        let units = records[index].units
        let minutes = records[index].channel.base == .call ? DeliveryRecord.callMinutes(units: units) : 0
        let (cost, unknown): (Int64, Int64) = if let vendorCost = records[index].vendorCost { (vendorCost.micros, 0) } else { (0, 1) }
        slotTotals[slot].messages += 1
        slotTotals[slot].costUnknown += unknown
        let (unitSum, o1) = slotTotals[slot].units.addingReportingOverflow(units)
        let (minuteSum, o2) = slotTotals[slot].callMinutes.addingReportingOverflow(minutes)
        let (costSum, o3) = slotTotals[slot].vendorCost.addingReportingOverflow(cost)
        slotTotals[slot].units = unitSum
        slotTotals[slot].callMinutes = minuteSum
        slotTotals[slot].vendorCost = costSum
        if o1 || o2 || o3 { slotOverflow = true }
        return slot
    }
}

/// A file's message keys grouped by account, local day and vendor: the fast path's
/// `delivery_locator` rows. Each group's keys are kept as the elements of a binary `text[]`
/// (a length word and the bytes each), ready to copy. Memory is bounded: past
/// `spillBytes`, the groups so far are written out as finished COPY rows to a temporary file
/// and start over empty (an account-day then has several rows for the file, which reads take
/// as one), and `copy(to:)` sends that file's rows before the ones still held.
struct LocatorTable {
    struct Key: Hashable, Comparable {
        var account: String
        var day: LocalDate
        var vendor: String

        static func < (a: Key, b: Key) -> Bool { (a.account, a.day, a.vendor) < (b.account, b.day, b.vendor) }
    }

    private var keys: [Key] = []
    private var elements: [[UInt8]] = []
    private var counts: [Int32] = []
    private var groups: [Key: Int32] = [:]
    private var heldBytes = 0
    /// Rows written out, as COPY data without the header; deleted when closed.
    private var spilled: UnsafeMutablePointer<FILE>?
    /// Why writing out failed (errno); reported by `copy(to:)`, and nothing is written out after.
    private var spillError: Int32 = 0

    /// Held key bytes past which the groups are written out: about a million 25-character keys.
    let spillBytes: Int
    static let defaultSpillBytes = 32 << 20

    init(spillBytes: Int = LocatorTable.defaultSpillBytes) {
        self.spillBytes = spillBytes
    }

    mutating func group(account: String, day: LocalDate, vendor: String) -> Int32 {
        let key = Key(account: account, day: day, vendor: vendor)
        if let group = groups[key] { return group }
        let group = Int32(keys.count)
        groups[key] = group
        keys.append(key)
        elements.append([])
        counts.append(0)
        return group
    }

    /// Counts the times the groups were written out: group numbers handed out before the
    /// latest are stale (the caller asks `group(...)` again).
    private(set) var generation = 0

    @inline(__always)
    mutating func append(_ messageID: UnsafeBufferPointer<UInt8>, to group: Int32) {
        let index = Int(group)
        withUnsafeBytes(of: Int32(messageID.count).bigEndian) { elements[index].append(contentsOf: $0) }
        elements[index].append(contentsOf: messageID)
        counts[index] += 1
        heldBytes += 4 + messageID.count
        if heldBytes >= spillBytes && spillError == 0 { spill() }
    }

    mutating func append(_ messageID: String, to group: Int32) {
        var copy = messageID
        copy.withUTF8 { append($0, to: group) }
    }

    /// Writes the groups held as COPY rows to the temporary file and empties them.
    private mutating func spill() {
        if spilled == nil { spilled = tmpfile() }
        guard let file = spilled else {
            spillError = errno
            return
        }
        var data = CopyBinaryEncoder(header: false)
        encodeHeld(into: &data) { chunk in
            chunk.withUnsafeReadableBytes { bytes in
                if fwrite(bytes.baseAddress, 1, bytes.count, file) != bytes.count { spillError = errno }
            }
        }
        keys.removeAll(keepingCapacity: true)
        elements.removeAll()
        counts.removeAll(keepingCapacity: true)
        groups.removeAll(keepingCapacity: true)
        heldBytes = 0
        generation += 1
    }

    /// The held groups as COPY rows, in key order, a chunk at a time.
    private func encodeHeld(into data: inout CopyBinaryEncoder, _ send: (ByteBuffer) throws -> Void) rethrows {
        for group in keys.indices.sorted(by: { keys[$0] < keys[$1] }) where counts[group] > 0 {
            data.row(fields: 4)
            data.text(keys[group].account)
            data.date(keys[group].day)
            data.text(keys[group].vendor)
            data.textArray(count: counts[group], elements: elements[group])
            if data.readableBytes >= CopyStream.chunkBytes { try send(data.chunk()) }
        }
        if data.readableBytes > 0 { try send(data.chunk()) }
    }

    /// Every row (`account`, `local_day`, `vendor`, `message_ids`) in COPY's binary format:
    /// the header, what was written out, the groups still held, the end word.
    func copy(to send: (ByteBuffer) throws -> Void) throws {
        guard spillError == 0 else { throw SpillFailed(errno: spillError) }
        var header = CopyBinaryEncoder()
        try send(header.chunk())
        if let file = spilled {
            rewind(file)
            var buffer = ByteBuffer()
            while true {
                buffer.clear()
                let read = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: CopyStream.chunkBytes) { bytes in
                    fread(bytes.baseAddress, 1, bytes.count, file)
                }
                if read == 0 { break }
                try send(buffer)
            }
            if ferror(file) != 0 { throw SpillFailed(errno: errno) }
        }
        var data = CopyBinaryEncoder(header: false)
        try encodeHeld(into: &data, send)
        data.end()
        try send(data.chunk())
    }

    /// Closes (and so deletes) the temporary file.
    mutating func close() {
        if let file = spilled { fclose(file) }
        spilled = nil
    }

    struct SpillFailed: Error, CustomStringConvertible {
        let errno: Int32
        var description: String { "cannot write the locator's temporary file: \(String(cString: strerror(errno)))" }
    }
}

/// A file's rollup deltas by `RollupKey`, as `RollupKey(record:day:)` and
/// `RollupTotals(record:)` define a record's row and contribution (the staging merge's SQL
/// computes the same). An open-addressing table over a cheap hash of the key's fields, compared
/// field by field with the record: no `RollupKey` (and no String copies) per record, only per
/// new key.
struct DeltaTable {
    private(set) var keys: [RollupKey] = []
    private(set) var totals: [DeltaTotals] = []
    private var hashes: [UInt64] = []
    /// Index into `keys` + 1; 0 is empty. The count is a power of two.
    private var slots = [Int32](repeating: 0, count: 1024)
    /// A sum left Int64's range.
    private(set) var overflow = false

    mutating func add(_ record: DeliveryRecord, day: LocalDate) {
        let hash = Self.hash(record, day: day)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = Int(slots[slot]) - 1
            if entry < 0 { break }
            if hashes[entry] == hash && Self.matches(keys[entry], record, day: day) {
                if !totals[entry].add(RollupTotals(record: record)) { overflow = true }
                return
            }
            slot = (slot + 1) & mask
        }
        keys.append(RollupKey(record: record, day: day))
        hashes.append(hash)
        var sum = DeltaTotals()
        if !sum.add(RollupTotals(record: record)) { overflow = true }
        totals.append(sum)
        slots[slot] = Int32(keys.count)
        if keys.count * 2 > slots.count { rehash() }
    }

    /// Adds totals of a key (summed elsewhere, e.g. by slot).
    mutating func add(_ key: RollupKey, _ sum: DeltaTotals) {
        let hash = Self.hash(key)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = Int(slots[slot]) - 1
            if entry < 0 { break }
            if hashes[entry] == hash && keys[entry] == key {
                if !totals[entry].add(sum) { overflow = true }
                return
            }
            slot = (slot + 1) & mask
        }
        keys.append(key)
        hashes.append(hash)
        totals.append(sum)
        slots[slot] = Int32(keys.count)
        if keys.count * 2 > slots.count { rehash() }
    }

    private mutating func rehash() {
        slots = [Int32](repeating: 0, count: slots.count * 2)
        let mask = slots.count - 1
        for (index, hash) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(index + 1)
        }
    }

    private static func matches(_ key: RollupKey, _ record: DeliveryRecord, day: LocalDate) -> Bool {
        key.day == day && key.status == record.status && key.refundable == record.refundable
            && key.isFallback == (record.fallbackOf != nil) && key.channel == record.channel
            && key.account == record.account && key.vendor == record.vendor && key.category == (record.category ?? "")
    }

    /// A multiply-xorshift hash over the key's fields, eight bytes at a time (a category of
    /// nil hashes as "", as the key stores it). No closures that capture the running value:
    /// this runs once per record.
    private static func hash(_ record: DeliveryRecord, day: LocalDate) -> UInt64 {
        var hash: UInt64 = 0xcbf29ce484222325
        hash = mix(hash, record.account)
        hash = mix(hash, record.vendor)
        hash = mix(hash, record.category ?? "")
        hash = mix(hash, record.channel.base.rawValue)
        hash = mix(hash, record.channel.subtype ?? "")
        hash = mix(hash, record.status.rawValue)
        hash = mix(hash, UInt64(bitPattern: Int64(day.daysSinceEpoch)) << 2
                    | (record.refundable ? 2 : 0) | (record.fallbackOf != nil ? 1 : 0))
        return hash ^ (hash >> 29)
    }

    /// The same hash from a key as `hash(_:day:)` gives its records.
    private static func hash(_ key: RollupKey) -> UInt64 {
        var hash: UInt64 = 0xcbf29ce484222325
        hash = mix(hash, key.account)
        hash = mix(hash, key.vendor)
        hash = mix(hash, key.category)
        hash = mix(hash, key.channel.base.rawValue)
        hash = mix(hash, key.channel.subtype ?? "")
        hash = mix(hash, key.status.rawValue)
        hash = mix(hash, UInt64(bitPattern: Int64(key.day.daysSinceEpoch)) << 2
                    | (key.refundable ? 2 : 0) | (key.isFallback ? 1 : 0))
        return hash ^ (hash >> 29)
    }

    @inline(__always)
    private static func mix(_ hash: UInt64, _ value: UInt64) -> UInt64 {
        let mixed = (hash ^ value) &* 0x9E3779B97F4A7C15
        return mixed ^ (mixed >> 32)
    }

    private static func mix(_ hash: UInt64, _ text: String) -> UInt64 {
        if let mixed = text.utf8.withContiguousStorageIfAvailable({ mix(hash, UnsafeRawBufferPointer($0)) }) { return mixed }
        return Array(text.utf8).withUnsafeBytes { mix(hash, $0) }
    }

    private static func mix(_ hash: UInt64, _ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash = hash
        var offset = 0
        while offset + 8 <= bytes.count {
            hash = mix(hash, bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset += 8
        }
        var tail: UInt64 = UInt64(bytes.count) << 56
        var shift: UInt64 = 0
        while offset < bytes.count {
            tail |= UInt64(bytes[offset]) << shift
            shift += 8
            offset += 1
        }
        return mix(hash, tail)
    }
}

/// The additive measures of one rollup delta, summed with overflow checks (the staging merge's
/// SQL fails on a bigint overflow; the fast path falls back to it rather than wrap).
struct DeltaTotals {
    var messages: Int64 = 0
    var units: Int64 = 0
    var callMinutes: Int64 = 0
    var vendorCost: Int64 = 0
    var costUnknown: Int64 = 0

    /// False when a sum overflowed.
    mutating func add(_ other: DeltaTotals) -> Bool {
        add(RollupTotals(messages: other.messages, units: other.units, callMinutes: other.callMinutes,
                         vendorCost: Money(micros: other.vendorCost), costUnknown: other.costUnknown))
    }

    /// False when a sum overflowed.
    mutating func add(_ totals: RollupTotals) -> Bool {
        var ok = true
        func sum(_ a: inout Int64, _ b: Int64) {
            let (value, overflow) = a.addingReportingOverflow(b)
            a = value
            if overflow { ok = false }
        }
        sum(&messages, totals.messages)
        sum(&units, totals.units)
        sum(&callMinutes, totals.callMinutes)
        sum(&vendorCost, totals.vendorCost.micros)
        sum(&costUnknown, totals.costUnknown)
        return ok
    }
}
