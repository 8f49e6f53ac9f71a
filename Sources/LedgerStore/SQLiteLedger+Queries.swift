import GRDB
import GRDBSQLite
import LedgerCore

extension SQLiteLedger {
    public func rollups(account: String?, days: Range<LocalDate>) throws -> [DailyRollup] {
        try read { db in
            var sql = """
                SELECT account, local_day, vendor, channel, category, status, refundable, is_fallback,
                       messages, units, call_minutes, vendor_cost, cost_unknown
                FROM daily_rollups WHERE local_day >= ? AND local_day < ?
                """
            var arguments: StatementArguments = [days.lowerBound.description, days.upperBound.description]
            if let account {
                sql += " AND account = ?"
                arguments += [account]
            }
            sql += " ORDER BY account, local_day, vendor, channel, category, status, refundable, is_fallback"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                let channelText: String = row[3], statusText: String = row[5], dayText: String = row[1]
                guard let channel = Channel(channelText), let status = DeliveryStatus(rawValue: statusText), let day = LocalDate(dayText) else {
                    throw StoreError(.corrupt("bad rollup row: \(channelText) \(statusText) \(dayText)"), context: path)
                }
                let key = RollupKey(account: row[0], day: day, vendor: row[2], channel: channel, category: row[4],
                                    status: status, refundable: row[6], isFallback: row[7])
                let totals = RollupTotals(messages: row[8], units: row[9], callMinutes: row[10],
                                          vendorCost: Money(micros: row[11]), costUnknown: row[12])
                return DailyRollup(key: key, totals: totals)
            }
        }
    }

    public func record(vendor: String, messageID: String) throws -> DeliveryRecord? {
        var found: DeliveryRecord?
        try eachRecord(where: "vendor = ? AND message_id = ?", [vendor, messageID]) { record, _ in found = record }
        return found
    }

    public func records(account: String, days: Range<LocalDate>, _ each: (DeliveryRecord, LocalDate) throws -> Void) throws {
        try eachRecord(where: "account = ? AND local_day >= ? AND local_day < ? ORDER BY local_day, sent_at, vendor, message_id",
                       [account, "\(days.lowerBound.daysSinceEpoch)", "\(days.upperBound.daysSinceEpoch)"], each)
    }

    /// Streams matching deliveries rows without materializing them all. Arguments bind as
    /// text; compared with an integer column (local_day, sent_at) they take its affinity.
    func eachRecord(where clause: String, _ arguments: [String], _ each: (DeliveryRecord, LocalDate) throws -> Void) throws {
        try read { db in
            guard let connection = db.sqliteConnection else { throw StoreError(.cannotOpen(path)) }
            var statement: OpaquePointer?
            let code = sqlite3_prepare_v2(connection, "SELECT \(SQLiteIngestSink.columns) FROM deliveries WHERE \(clause)", -1, &statement, nil)
            guard code == SQLITE_OK, let statement else {
                throw StoreError(.sqlite(code: code, message: String(cString: sqlite3_errmsg(connection))), context: path)
            }
            defer { sqlite3_finalize(statement) }
            for (index, argument) in arguments.enumerated() { bindText(statement, Int32(index + 1), argument) }
            while true {
                let step = sqlite3_step(statement)
                if step == SQLITE_DONE { break }
                guard step == SQLITE_ROW else {
                    throw StoreError(.sqlite(code: step, message: String(cString: sqlite3_errmsg(connection))), context: path)
                }
                let (record, day) = try DeliveryRow.decode(statement)
                try each(record, day)
            }
        }
    }

    public func ingestedFiles() throws -> [IngestedFile] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM ingested_files ORDER BY id").map { row in
                var counts = FileIngestCounts()
                counts.rows = row["rows"]
                counts.inserted = row["inserted"]
                counts.updated = row["updated"]
                counts.unchanged = row["unchanged"]
                counts.stale = row["stale"]
                counts.conflicts = row["conflicts"]
                counts.rejected = row["rejected"]
                return IngestedFile(sha256: row["sha256"], path: row["path"], size: row["size"], vendor: row["vendor"],
                                    runID: row["run_id"], ingestedAt: Instant(secondsSinceEpoch: row["ingested_at"]), counts: counts)
            }
        }
    }

    public func rejects() throws -> [RejectedRow] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM rejects ORDER BY path, row, field").map { row in
                RejectedRow(fileSHA256: row["file_sha256"], path: row["path"], row: row["row"], field: row["field"],
                            value: row["value"], reason: row["reason"])
            }
        }
    }

    public func counts() throws -> LedgerCounts {
        try read { db in
            var counts = LedgerCounts()
            counts.deliveries = try Int.fetchOne(db, sql: "SELECT count(*) FROM deliveries") ?? 0
            counts.rollups = try Int.fetchOne(db, sql: "SELECT count(*) FROM daily_rollups") ?? 0
            counts.files = try Int.fetchOne(db, sql: "SELECT count(*) FROM ingested_files") ?? 0
            counts.rejects = try Int.fetchOne(db, sql: "SELECT count(*) FROM rejects") ?? 0
            return counts
        }
    }

    public func saveRun(_ run: RunRecord) throws {
        try write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO runs (id, command, started_at, finished_at, status, summary_json) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [run.id, run.command, run.startedAt.secondsSinceEpoch, run.finishedAt?.secondsSinceEpoch, run.status, run.summaryJSON])
        }
    }

    public func lastSuccessfulRun() throws -> RunRecord? {
        try read { db in
            try Row.fetchOne(db, sql: """
                SELECT * FROM runs WHERE status IN ('ok', 'rejects') AND finished_at IS NOT NULL
                ORDER BY finished_at DESC, id DESC LIMIT 1
                """).map { row in
                RunRecord(id: row["id"], command: row["command"], startedAt: Instant(secondsSinceEpoch: row["started_at"]),
                          finishedAt: (row["finished_at"] as Int64?).map { Instant(secondsSinceEpoch: $0) },
                          status: row["status"], summaryJSON: row["summary_json"])
            }
        }
    }
}

extension SQLiteLedger {
    /// The Details columns only, read in place: no `String` per column, and no lookup of the
    /// source file's hash per row. Read on a connection of its own (WAL lets readers run side by
    /// side), so that two accounts' Details stream at once: `read` would hold the ledger's one
    /// queue for as long as the callback writes the workbook.
    public func messageDetails(account: String, days: Range<LocalDate>, _ each: (MessageDetail) throws -> Void) throws {
        var reader: OpaquePointer?
        let flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX
        guard !path.isEmpty, path != ":memory:", sqlite3_open_v2(path, &reader, flags, nil) == SQLITE_OK, let reader else {
            sqlite3_close_v2(reader)
            return try read { db in
                guard let connection = db.sqliteConnection else { throw StoreError(.cannotOpen(path)) }
                try streamDetails(connection, account: account, days: days, each)
            }
        }
        defer { sqlite3_close_v2(reader) }
        sqlite3_busy_timeout(reader, 10_000)
        // A small cache: rows are read once, and two of these may be open at a time.
        sqlite3_exec(reader, "PRAGMA cache_size = -2048; PRAGMA temp_store = MEMORY", nil, nil, nil)
        try streamDetails(reader, account: account, days: days, each)
    }

    private func streamDetails(_ connection: OpaquePointer, account: String, days: Range<LocalDate>,
                               _ each: (MessageDetail) throws -> Void) throws {
        var statement: OpaquePointer?
        let sql = """
            SELECT local_day, sent_at, channel, status, reason_code, reason_text, fallback_of IS NOT NULL, recipient,
                category, units, vendor, message_id, vendor_cost
            FROM deliveries WHERE account = ? AND local_day >= ? AND local_day < ?
            ORDER BY local_day, sent_at, vendor, message_id
            """
        let code = sqlite3_prepare_v2(connection, sql, -1, &statement, nil)
        guard code == SQLITE_OK, let s = statement else {
            throw StoreError(.sqlite(code: code, message: String(cString: sqlite3_errmsg(connection))), context: path)
        }
        defer { sqlite3_finalize(s) }
        bindText(s, 1, account)
        sqlite3_bind_int64(s, 2, Int64(days.lowerBound.daysSinceEpoch))
        sqlite3_bind_int64(s, 3, Int64(days.upperBound.daysSinceEpoch))
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        @inline(__always) func text(_ column: Int32) -> UnsafeRawBufferPointer? {
            // sqlite3_column_text before sqlite3_column_bytes: the length is of that form.
            guard let pointer = sqlite3_column_text(s, column) else { return nil }
            return UnsafeRawBufferPointer(start: pointer, count: Int(sqlite3_column_bytes(s, column)))
        }
        while true {
            let step = sqlite3_step(s)
            if step == SQLITE_DONE { break }
            guard step == SQLITE_ROW else {
                throw StoreError(.sqlite(code: step, message: String(cString: sqlite3_errmsg(connection))), context: path)
            }
            try each(MessageDetail(
                day: LocalDate(daysSinceEpoch: Int(sqlite3_column_int64(s, 0))),
                sentAt: Instant(secondsSinceEpoch: sqlite3_column_int64(s, 1)),
                channel: text(2) ?? empty, status: text(3) ?? empty, reasonCode: text(4), reasonText: text(5),
                isFallback: sqlite3_column_int64(s, 6) != 0, recipient: text(7), category: text(8),
                units: sqlite3_column_int64(s, 9), vendor: text(10) ?? empty, messageID: text(11) ?? empty,
                vendorCost: sqlite3_column_type(s, 12) == SQLITE_NULL ? nil : Money(micros: sqlite3_column_int64(s, 12))))
        }
    }
}
