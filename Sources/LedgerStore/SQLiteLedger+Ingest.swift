import GRDB
import GRDBSQLite
import LedgerCore

extension SQLiteLedger {
    public func isIngested(sha256: String) throws -> Bool {
        try read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM ingested_files WHERE sha256 = ?)", arguments: [sha256]) ?? false
        }
    }

    public func ingest(_ file: IngestedFile, _ body: (any FileIngestSink) throws -> Void) throws -> FileIngestOutcome {
        try ingestFile(file, finalDigest: nil, body)
    }

    private func ingestFile(_ file: IngestedFile, finalDigest digest: (() throws -> String)?,
                        _ body: (any FileIngestSink) throws -> Void) throws -> FileIngestOutcome {
        do {
            return try write { db in
                // Checked inside the transaction: two processes delivering the same file agree.
                if try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM ingested_files WHERE sha256 = ?)", arguments: [file.sha256]) ?? false {
                    return .alreadyIngested
                }
                // The manifest row first (its id tags every record); its counts at the end.
                try db.execute(
                    sql: """
                        INSERT INTO ingested_files (sha256, path, size, vendor, run_id, ingested_at, rows, inserted,
                            updated, unchanged, stale, conflicts, rejected)
                        VALUES (?, ?, ?, ?, ?, ?, 0, 0, 0, 0, 0, 0, 0)
                        """,
                    arguments: [file.sha256, file.path, file.size, file.vendor, file.runID, file.ingestedAt.secondsSinceEpoch])
                let sink = try SQLiteIngestSink(db: db, file: file, fileID: db.lastInsertedRowID)
                defer { sink.finalize() }
                try body(sink)
                if let digest {
                    // The write lock is held: nobody else can add this hash before the commit.
                    let sha256 = try digest()
                    if try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM ingested_files WHERE sha256 = ?)", arguments: [sha256]) ?? false {
                        throw AlreadyInManifest()
                    }
                    try db.execute(sql: "UPDATE ingested_files SET sha256 = ? WHERE id = ?", arguments: [sha256, sink.fileID])
                    if sink.counts.rejected > 0 {
                        try db.execute(sql: "UPDATE rejects SET file_sha256 = ? WHERE file_sha256 = ?", arguments: [sha256, file.sha256])
                    }
                    if sink.wroteSummaries {
                        try db.execute(sql: "UPDATE vendor_summaries SET source_file = ? WHERE source_file = ?", arguments: [sha256, file.sha256])
                    }
                    sink.relabelConflicts(from: file.sha256, to: sha256)
                }
                try sink.flushRollups()
                try sink.saveConflicts()
                let counts = sink.counts
                try db.execute(
                    sql: """
                        UPDATE ingested_files SET rows = ?, inserted = ?, updated = ?, unchanged = ?, stale = ?, conflicts = ?,
                            rejected = ? WHERE id = ?
                        """,
                    arguments: [counts.rows, counts.inserted, counts.updated, counts.unchanged, counts.stale,
                                counts.conflicts, counts.rejected, sink.fileID])
                return .ingested(counts)
            }
        } catch is AlreadyInManifest {
            return .alreadyIngested
        }
    }
}

extension SQLiteLedger: DeferredDigestLedgerStore {
    public func hasIngestedFile(size: Int64) throws -> Bool {
        try read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM ingested_files WHERE size = ?)", arguments: [size]) ?? false
        }
    }

    public func ingest(_ file: IngestedFile, digest: () throws -> String,
                       _ body: (any FileIngestSink) throws -> Void) throws -> FileIngestOutcome {
        try withoutActuallyEscaping(digest) { try ingestFile(file, finalDigest: $0, body) }
    }
}

/// The file read under a provisional hash turned out to be in the manifest: roll back.
private struct AlreadyInManifest: Error {}

/// SQLite's "copy the bytes now" destructor.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// The per-file upsert path: prepared statements on the raw connection, rollup deltas kept
/// in memory and written once at the end of the file (same transaction).
final class SQLiteIngestSink: FileIngestSink {
    /// The file's transaction (summary rows are written through it; records use `connection`).
    let db: Database
    let connection: OpaquePointer
    let file: IngestedFile
    /// The manifest row's id, stored on every record of this file.
    let fileID: Int64
    var counts = FileIngestCounts()
    var conflicts: [StatusConflict] = []
    /// Whether summary rows of this file were written (they name the file by its hash).
    var wroteSummaries = false
    private var rollupDeltas: [RollupKey: RollupTotals] = [:]
    private var insert: OpaquePointer?
    private var select: OpaquePointer?
    private var update: OpaquePointer?
    private var insertReject: OpaquePointer?
    private var rollupUpsert: OpaquePointer?
    private var chunkInsert: OpaquePointer?
    private var undoChunk: OpaquePointer?

    /// The columns written, in binding order.
    static let insertColumns = "vendor, message_id, account, local_day, batch_id, sent_at, completed_at, channel, status, refundable, reason_code, reason_text, units, category, sender, recipient, recipient_hash, fallback_of, vendor_cost, source_file_id, source_row"
    /// The columns read back (`DeliveryRow.decode` order), the file named by its hash.
    static let columns = "vendor, message_id, account, local_day, batch_id, sent_at, completed_at, channel, status, refundable, reason_code, reason_text, units, category, sender, recipient, recipient_hash, fallback_of, vendor_cost, (SELECT sha256 FROM ingested_files WHERE ingested_files.id = deliveries.source_file_id), source_row"

    init(db: Database, file: IngestedFile, fileID: Int64) throws {
        guard let connection = db.sqliteConnection else { throw StoreError(.cannotOpen("closed connection")) }
        self.db = db
        self.connection = connection
        self.file = file
        self.fileID = fileID
        insert = try prepare("INSERT INTO deliveries (\(Self.insertColumns)) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (vendor, message_id) DO NOTHING")
        select = try prepare("SELECT \(Self.columns) FROM deliveries WHERE vendor = ? AND message_id = ?")
        update = try prepare("UPDATE deliveries SET vendor = ?1, message_id = ?2, account = ?3, local_day = ?4, batch_id = ?5, sent_at = ?6, completed_at = ?7, channel = ?8, status = ?9, refundable = ?10, reason_code = ?11, reason_text = ?12, units = ?13, category = ?14, sender = ?15, recipient = ?16, recipient_hash = ?17, fallback_of = ?18, vendor_cost = ?19, source_file_id = ?20, source_row = ?21 WHERE vendor = ?1 AND message_id = ?2")
        insertReject = try prepare("INSERT INTO rejects (file_sha256, path, row, field, value, reason) VALUES (?,?,?,?,?,?)")
    }

    func finalize() {
        for statement in [insert, select, update, insertReject, rollupUpsert, chunkInsert, undoChunk] { sqlite3_finalize(statement) }
        insert = nil; select = nil; update = nil; insertReject = nil; rollupUpsert = nil; chunkInsert = nil; undoChunk = nil
    }

    private func prepare(_ sql: String) throws -> OpaquePointer {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v3(connection, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else { throw error(code) }
        return statement
    }

    private func error(_ code: Int32) -> StoreError {
        if code == SQLITE_BUSY || code == SQLITE_LOCKED { return StoreError(.busy, context: file.path) }
        return StoreError(.sqlite(code: code, message: String(cString: sqlite3_errmsg(connection))), context: file.path)
    }

    private func step(_ statement: OpaquePointer?) throws -> Int32 {
        let code = sqlite3_step(statement)
        guard code == SQLITE_DONE || code == SQLITE_ROW else {
            sqlite3_reset(statement)
            throw error(code)
        }
        return code
    }

    func upsert(_ record: DeliveryRecord, localDay: LocalDate) throws -> StatusUpdate {
        bind(record, localDay: localDay, to: insert)
        _ = try step(insert)
        sqlite3_reset(insert)
        if sqlite3_changes(connection) == 1 {
            counts.count(.insert)
            rollupDeltas[RollupKey(record: record, day: localDay), default: RollupTotals()] += RollupTotals(record: record)
            return .insert
        }
        return try upsertKnown(record, localDay: localDay)
    }

    /// The insert parameter of each prepared text column.
    private static let textParameters: [Int32] = PreparedRecords.TextColumn.allCases.map { column in
        switch column {
        case .vendor: 1
        case .messageID: 2
        case .account: 3
        case .batchID: 5
        case .channel: 8
        case .status: 9
        case .reasonCode: 11
        case .reasonText: 12
        case .category: 14
        case .sender: 15
        case .recipient: 16
        case .recipientHash: 17
        case .fallbackOf: 18
        }
    }

    // Rollup deltas of prepared records, by the preparer's slot: an array add per new record
    // instead of hashing its key. Written to the rollups when the numbering changes (every
    // `RecordPreparer.rollupWindow` records), so memory holds a window's keys, not a file's.
    private var slotNumbering: SlotNumbering?
    private var slotKeys: [RollupKey] = []
    private var slotTotals: [RollupTotals] = []

    func upsert(_ batch: PreparedRecords, at index: Int) throws -> StatusUpdate {
        if batch.slotNumbering != slotNumbering {
            try writeSlots()
            slotNumbering = batch.slotNumbering
        }
        // The batch's values are bound in place (SQLITE_STATIC): they outlive the step.
        let code = batch.bytes.withUnsafeBufferPointer { bytes -> Int32 in
            bindPrepared(batch, index, bytes, to: insert, from: 0)
            let code = sqlite3_step(insert)
            sqlite3_reset(insert)
            return code
        }
        guard code == SQLITE_DONE else { throw error(code) }
        guard sqlite3_changes(connection) == 1 else {
            return try upsertKnown(batch.record(at: index), localDay: batch.days[index])
        }
        countInserted(batch, index)
        return .insert
    }

    /// Records per multi-row insert statement.
    static let chunkRows = 32
    /// Records left to write one at a time after a chunk met a stored message.
    private var singleRowsLeft = 0

    func upsert(_ batch: PreparedRecords, in range: Range<Int>) throws {
        var start = range.lowerBound
        if batch.slotNumbering != slotNumbering {
            try writeSlots()
            slotNumbering = batch.slotNumbering
        }
        // New messages go in `chunkRows` at a time: one statement execution (cursors opened,
        // the program run, reset) per chunk instead of per record. When a chunk meets a stored
        // message (fewer rows inserted than bound), its inserts are taken back and the chunk
        // and the next few records go one at a time, through the forward-only rule.
        while range.upperBound - start >= Self.chunkRows && singleRowsLeft == 0 {
            if chunkInsert == nil {
                let row = "(" + Array(repeating: "?", count: 21).joined(separator: ",") + ")"
                chunkInsert = try prepare("INSERT OR IGNORE INTO deliveries (\(Self.insertColumns)) VALUES "
                    + Array(repeating: row, count: Self.chunkRows).joined(separator: ","))
            }
            let code = batch.bytes.withUnsafeBufferPointer { bytes -> Int32 in
                for offset in 0..<Self.chunkRows {
                    bindPrepared(batch, start + offset, bytes, to: chunkInsert, from: Int32(offset * 21))
                }
                let code = sqlite3_step(chunkInsert)
                sqlite3_reset(chunkInsert)
                return code
            }
            guard code == SQLITE_DONE else { throw error(code) }
            let inserted = Int(sqlite3_changes(connection))
            if inserted == Self.chunkRows {
                for index in start..<start + Self.chunkRows { countInserted(batch, index) }
            } else {
                if inserted > 0 {
                    // Row ids are given in order: this chunk's rows are the `inserted` highest.
                    if undoChunk == nil { undoChunk = try prepare("DELETE FROM deliveries WHERE id > ?") }
                    sqlite3_bind_int64(undoChunk, 1, sqlite3_last_insert_rowid(connection) - Int64(inserted))
                    _ = try step(undoChunk)
                    sqlite3_reset(undoChunk)
                }
                for index in start..<start + Self.chunkRows { _ = try upsert(batch, at: index) }
                singleRowsLeft = 256
            }
            start += Self.chunkRows
        }
        for index in start..<range.upperBound {
            _ = try upsert(batch, at: index)
            if singleRowsLeft > 0 { singleRowsLeft -= 1 }
        }
    }

    /// Binds record `index` of a batch to parameters `first + 1 ... first + 21` (insert order).
    @inline(__always)
    private func bindPrepared(_ batch: PreparedRecords, _ index: Int, _ bytes: UnsafeBufferPointer<UInt8>,
                              to statement: OpaquePointer?, from first: Int32) {
        let base = UnsafeRawPointer(bytes.baseAddress!).assumingMemoryBound(to: CChar.self)
        for column in 0..<PreparedRecords.TextColumn.count {
            let (offset, length) = batch.span(index, PreparedRecords.TextColumn(rawValue: column)!)
            let parameter = first + Self.textParameters[column]
            if length < 0 {
                sqlite3_bind_null(statement, parameter)
            } else {
                sqlite3_bind_text(statement, parameter, base + offset, Int32(length), nil)
            }
        }
        sqlite3_bind_int64(statement, first + 4, Int64(batch.days[index].daysSinceEpoch))
        batch.facts.withUnsafeBufferPointer { facts in
            let facts = facts.baseAddress! + index
            sqlite3_bind_int64(statement, first + 6, facts.pointee.sentAt.secondsSinceEpoch)
            if let completed = facts.pointee.completedAt {
                sqlite3_bind_int64(statement, first + 7, completed.secondsSinceEpoch)
            } else {
                sqlite3_bind_null(statement, first + 7)
            }
            sqlite3_bind_int64(statement, first + 10, facts.pointee.refundable ? 1 : 0)
            sqlite3_bind_int64(statement, first + 13, facts.pointee.units)
            if let cost = facts.pointee.vendorCost {
                sqlite3_bind_int64(statement, first + 19, cost.micros)
            } else {
                sqlite3_bind_null(statement, first + 19)
            }
            sqlite3_bind_int64(statement, first + 20, fileID)
            sqlite3_bind_int64(statement, first + 21, Int64(facts.pointee.row))
        }
    }

    /// Counts a record the insert added, in the ingest counts and its rollup slot.
    @inline(__always)
    private func countInserted(_ batch: PreparedRecords, _ index: Int) {
        counts.count(.insert)
        let slot = Int(batch.rollupSlots[index])
        if slot >= slotKeys.count {
            slotKeys.append(contentsOf: batch.newRollupKeys[(slotKeys.count - batch.firstNewSlot)...])
            slotTotals.append(contentsOf: repeatElement(RollupTotals(), count: slotKeys.count - slotTotals.count))
        }
        batch.facts.withUnsafeBufferPointer { facts in
            let facts = facts.baseAddress! + index
            let units = facts.pointee.units
            slotTotals[slot].messages += 1
            slotTotals[slot].units += units
            if facts.pointee.channel.base == .call { slotTotals[slot].callMinutes += DeliveryRecord.callMinutes(units: units) }
            if let cost = facts.pointee.vendorCost {
                slotTotals[slot].vendorCost = Money(micros: slotTotals[slot].vendorCost.micros &+ cost.micros)
            } else {
                slotTotals[slot].costUnknown += 1
            }
        }
    }

    /// Adds the slots' totals to the stored rollups, in key order, and empties them.
    private func writeSlots() throws {
        defer {
            slotKeys.removeAll(keepingCapacity: true)
            slotTotals.removeAll(keepingCapacity: true)
        }
        guard !slotKeys.isEmpty else { return }
        let order = slotKeys.indices.sorted { slotKeys[$0] < slotKeys[$1] }
        try addToRollups(order.lazy.map { (self.slotKeys[$0], self.slotTotals[$0]) })
    }

    /// A record whose key is already stored (the insert did nothing).
    private func upsertKnown(_ record: DeliveryRecord, localDay: LocalDate) throws -> StatusUpdate {
        // A known message: apply the forward-only rule against the stored record.
        guard let (existing, existingDay) = try fetch(vendor: record.vendor, messageID: record.messageID) else {
            throw StoreError(.corrupt("insert of \(record.vendor)/\(record.messageID) conflicted but no row found"), context: file.path)
        }
        let decision = record.update(over: existing)
        counts.count(decision)
        switch decision {
        case .replace, .correction:
            bind(record, localDay: localDay, to: update)
            _ = try step(update)
            sqlite3_reset(update)
            rollupDeltas[RollupKey(record: existing, day: existingDay), default: RollupTotals()] += RollupTotals(record: existing, sign: -1)
            rollupDeltas[RollupKey(record: record, day: localDay), default: RollupTotals()] += RollupTotals(record: record)
        case .conflict:
            conflicts.append(StatusConflict(vendor: record.vendor, messageID: record.messageID, kept: existing.status,
                                            incoming: record.status, source: record.source))
        case .insert, .unchanged, .stale:
            break
        }
        return decision
    }

    func reject(_ row: RejectedRow) throws {
        counts.rows += 1
        counts.rejected += 1
        bindText(insertReject, 1, row.fileSHA256)
        bindText(insertReject, 2, row.path)
        sqlite3_bind_int64(insertReject, 3, Int64(row.row))
        bindText(insertReject, 4, row.field)
        bindText(insertReject, 5, row.value)
        bindText(insertReject, 6, row.reason)
        _ = try step(insertReject)
        sqlite3_reset(insertReject)
    }

    /// Adds the file's rollup deltas to the stored rollups; rows that reach zero are removed
    /// so the table holds the same rows whatever order updates came in.
    func flushRollups() throws {
        try writeSlots()
        // Sorted so the same file writes the same pages in the same order.
        try addToRollups(rollupDeltas.sorted(by: { $0.key < $1.key }).lazy.map { ($0.key, $0.value) })
        rollupDeltas.removeAll()
        let prune = try prepare("DELETE FROM daily_rollups WHERE messages = 0 AND units = 0 AND call_minutes = 0 AND vendor_cost = 0 AND cost_unknown = 0")
        defer { sqlite3_finalize(prune) }
        _ = try step(prune)
    }

    private func addToRollups(_ deltas: some Sequence<(RollupKey, RollupTotals)>) throws {
        if rollupUpsert == nil {
            rollupUpsert = try prepare("""
                INSERT INTO daily_rollups (account, local_day, vendor, channel, category, status, refundable, is_fallback,
                    messages, units, call_minutes, vendor_cost, cost_unknown)
                VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)
                ON CONFLICT (account, local_day, vendor, channel, category, status, refundable, is_fallback) DO UPDATE SET
                    messages = messages + excluded.messages, units = units + excluded.units,
                    call_minutes = call_minutes + excluded.call_minutes, vendor_cost = vendor_cost + excluded.vendor_cost,
                    cost_unknown = cost_unknown + excluded.cost_unknown
                """)
        }
        let upsert = rollupUpsert
        for (key, totals) in deltas where !totals.isZero {
            bindText(upsert, 1, key.account)
            bindText(upsert, 2, key.day.description)
            bindText(upsert, 3, key.vendor)
            bindText(upsert, 4, key.channel.description)
            bindText(upsert, 5, key.category)
            bindText(upsert, 6, key.status.rawValue)
            sqlite3_bind_int64(upsert, 7, key.refundable ? 1 : 0)
            sqlite3_bind_int64(upsert, 8, key.isFallback ? 1 : 0)
            sqlite3_bind_int64(upsert, 9, totals.messages)
            sqlite3_bind_int64(upsert, 10, totals.units)
            sqlite3_bind_int64(upsert, 11, totals.callMinutes)
            sqlite3_bind_int64(upsert, 12, totals.vendorCost.micros)
            sqlite3_bind_int64(upsert, 13, totals.costUnknown)
            _ = try step(upsert)
            sqlite3_reset(upsert)
        }
    }

    /// Conflicts found under a provisional file hash, named by the real one.
    func relabelConflicts(from provisional: String, to sha256: String) {
        for index in conflicts.indices where conflicts[index].source.fileSHA256 == provisional {
            conflicts[index].source.fileSHA256 = sha256
        }
    }

    func saveConflicts() throws {
        guard !conflicts.isEmpty else { return }
        let statement = try prepare("INSERT INTO status_conflicts (vendor, message_id, kept_status, incoming_status, file_sha256, row) VALUES (?,?,?,?,?,?)")
        defer { sqlite3_finalize(statement) }
        for conflict in conflicts {
            bindText(statement, 1, conflict.vendor)
            bindText(statement, 2, conflict.messageID)
            bindText(statement, 3, conflict.kept.rawValue)
            bindText(statement, 4, conflict.incoming.rawValue)
            bindText(statement, 5, conflict.source.fileSHA256)
            sqlite3_bind_int64(statement, 6, Int64(conflict.source.row))
            _ = try step(statement)
            sqlite3_reset(statement)
        }
    }

    /// One row's text values, copied side by side and bound without SQLite copying them again
    /// (SQLITE_STATIC): the arena outlives the statement's step, and is reused for every row.
    private var arena = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 8)
    private var arenaUsed = 0

    deinit { arena.deallocate() }

    private func bindArena(_ statement: OpaquePointer?, _ index: Int32, _ value: String?) {
        guard var value else {
            sqlite3_bind_null(statement, index)
            return
        }
        value.withUTF8 { bytes in
            if arenaUsed + bytes.count > arena.count {
                // Too long for what is left: let SQLite keep its own copy of this one.
                _ = sqlite3_bind_text(statement, index, UnsafeRawPointer(bytes.baseAddress!).assumingMemoryBound(to: CChar.self), Int32(bytes.count), transient)
                return
            }
            let target = arena.baseAddress! + arenaUsed
            if bytes.count > 0 { target.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count) }
            arenaUsed += bytes.count
            _ = sqlite3_bind_text(statement, index, target.assumingMemoryBound(to: CChar.self), Int32(bytes.count), nil)
        }
    }

    private func bind(_ r: DeliveryRecord, localDay: LocalDate, to statement: OpaquePointer?) {
        arenaUsed = 0
        bindArena(statement, 1, r.vendor)
        bindArena(statement, 2, r.messageID)
        bindArena(statement, 3, r.account)
        sqlite3_bind_int64(statement, 4, Int64(localDay.daysSinceEpoch))
        bindArena(statement, 5, r.batchID)
        sqlite3_bind_int64(statement, 6, r.sentAt.secondsSinceEpoch)
        if let completed = r.completedAt { sqlite3_bind_int64(statement, 7, completed.secondsSinceEpoch) } else { sqlite3_bind_null(statement, 7) }
        bindArena(statement, 8, r.channel.description)
        bindArena(statement, 9, r.status.rawValue)
        sqlite3_bind_int64(statement, 10, r.refundable ? 1 : 0)
        bindArena(statement, 11, r.reasonCode)
        bindArena(statement, 12, r.reasonText)
        sqlite3_bind_int64(statement, 13, r.units)
        bindArena(statement, 14, r.category)
        bindArena(statement, 15, r.sender)
        bindArena(statement, 16, r.recipient)
        bindArena(statement, 17, r.recipientHash)
        bindArena(statement, 18, r.fallbackOf)
        if let cost = r.vendorCost { sqlite3_bind_int64(statement, 19, cost.micros) } else { sqlite3_bind_null(statement, 19) }
        sqlite3_bind_int64(statement, 20, fileID)
        sqlite3_bind_int64(statement, 21, Int64(r.source.row))
    }

    private func fetch(vendor: String, messageID: String) throws -> (DeliveryRecord, LocalDate)? {
        bindText(select, 1, vendor)
        bindText(select, 2, messageID)
        defer { sqlite3_reset(select) }
        guard try step(select) == SQLITE_ROW, let select else { return nil }
        return try DeliveryRow.decode(select)
    }
}

@inline(__always)
func bindText(_ statement: OpaquePointer?, _ index: Int32, _ value: String?) {
    guard var value else {
        sqlite3_bind_null(statement, index)
        return
    }
    value.withUTF8 { bytes in
        _ = sqlite3_bind_text(statement, index, UnsafeRawPointer(bytes.baseAddress!).assumingMemoryBound(to: CChar.self), Int32(bytes.count), transient)
    }
}

/// Reading a `deliveries` row (columns in `SQLiteIngestSink.columns` order) into a record.
enum DeliveryRow {
    static func text(_ statement: OpaquePointer, _ column: Int32) -> String? {
        guard sqlite3_column_type(statement, column) != SQLITE_NULL, let pointer = sqlite3_column_text(statement, column) else { return nil }
        return String(decoding: UnsafeBufferPointer(start: pointer, count: Int(sqlite3_column_bytes(statement, column))), as: UTF8.self)
    }

    static func decode(_ s: OpaquePointer) throws -> (DeliveryRecord, LocalDate) {
        let channelText = text(s, 7) ?? ""
        let statusText = text(s, 8) ?? ""
        let day = LocalDate(daysSinceEpoch: Int(sqlite3_column_int64(s, 3)))
        // Stored channels are already in their text form: a base name alone ("SMS") is the
        // common case, looked up without Channel's parsing (trim, split, upper-case).
        let parsedChannel = Channel.Base(rawValue: channelText).map { Channel($0) } ?? Channel(channelText)
        guard let channel = parsedChannel, let status = DeliveryStatus(rawValue: statusText) else {
            throw StoreError(.corrupt("bad stored row: channel \(channelText), status \(statusText)"))
        }
        let record = DeliveryRecord(
            vendor: text(s, 0) ?? "", account: text(s, 2) ?? "", messageID: text(s, 1) ?? "", batchID: text(s, 4),
            sentAt: Instant(secondsSinceEpoch: sqlite3_column_int64(s, 5)),
            completedAt: sqlite3_column_type(s, 6) == SQLITE_NULL ? nil : Instant(secondsSinceEpoch: sqlite3_column_int64(s, 6)),
            channel: channel, status: status, refundable: sqlite3_column_int64(s, 9) != 0,
            reasonCode: text(s, 10), reasonText: text(s, 11), units: sqlite3_column_int64(s, 12), category: text(s, 13),
            sender: text(s, 14), recipient: text(s, 15), recipientHash: text(s, 16), fallbackOf: text(s, 17),
            vendorCost: sqlite3_column_type(s, 18) == SQLITE_NULL ? nil : Money(micros: sqlite3_column_int64(s, 18)),
            source: .init(fileSHA256: text(s, 19) ?? "", row: Int(sqlite3_column_int64(s, 20))))
        return (record, day)
    }
}
