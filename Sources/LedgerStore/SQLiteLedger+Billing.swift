import Foundation
import GRDB
import GRDBSQLite
import LedgerCore

/// What the billing engine needs from the ledger beyond `LedgerStore`: closed statements,
/// adjustments, month-report revisions, vendor summaries, and the few per-message queries
/// billing is allowed (uncertain records on the cut-off day, refund evidence, reconciliation).
public protocol BillingStore: RetentionStore {
    /// PENDING records of one account and local day sent at or before `cutoff`, summed at the
    /// rollup grain (finality of uncertain records, BILLING.md).
    func pendingTotals(account: String, day: LocalDate, sentAtOrBefore cutoff: Instant) throws -> [DailyRollup]

    /// The same rows as `rollups(account:days:)` for one account, read through the raw SQLite
    /// API (statement work is dominated by this read).
    func billingRollups(account: String, days: Range<LocalDate>) throws -> [DailyRollup]

    /// The earliest local day with any rollup for the account, or nil.
    func firstUsageDay(account: String) throws -> LocalDate?

    /// Accounts that have any rollup, sorted.
    func accountsWithUsage() throws -> [String]

    /// Closed statements of an account (every revision), ordered by cycle start and revision.
    func storedStatements(account: String) throws -> [StoredStatement]

    /// One stored statement revision, or nil.
    func storedStatement(account: String, cycleStart: LocalDate, revision: Int) throws -> StoredStatement?

    /// Adjustments of an account, in the order they were written.
    func storedAdjustments(account: String) throws -> [StoredAdjustment]

    /// Writes closed statements and adjustments in one transaction. A statement revision that
    /// already exists is never overwritten: the whole write fails with `.corrupt`. For each
    /// account in `settledTouchedDays`, its touched days are cleared except those inside the
    /// given ranges (cycles whose differences still await a decision).
    func commitBilling(statements: [StoredStatement], adjustments: [StoredAdjustment],
                       settledTouchedDays: [String: [Range<LocalDate>]]) throws

    /// Local days of the account whose rollups changed since they were last settled, sorted.
    func touchedDays(account: String) throws -> [LocalDate]

    /// Stores a month report if its checksum differs from the latest revision; returns the
    /// revision that now holds this content.
    @discardableResult
    func saveMonthReport(_ report: StoredMonthReport) throws -> Int

    /// The latest month-report revision, or nil.
    func latestMonthReport(account: String, month: CalendarMonth) throws -> StoredMonthReport?

    /// Stores the preview of an open cycle written by `rerun` if its checksum differs from the
    /// latest one (`revision` is ignored); returns the preview revision that now holds this
    /// content. Previews are what ops last saw, the "before" of the next rerun's diff.
    @discardableResult
    func saveStatementPreview(_ preview: StoredStatement) throws -> Int

    /// The latest stored preview of an open cycle, or nil.
    func latestStatementPreview(account: String, cycleStart: LocalDate) throws -> StoredStatement?

    /// Refundable FAILED records of a vendor with sent_at in [from, to), by sent_at then message id.
    func refundableFailures(vendor: String, sentAt: Range<Instant>, _ each: (DeliveryRecord) throws -> Void) throws

    /// Every record of a vendor with sent_at in [from, to) (reconciliation with summaries).
    func records(vendor: String, sentAt: Range<Instant>, _ each: (DeliveryRecord) throws -> Void) throws

    /// Inserts or replaces vendor summary rows (keyed by vendor, account, grain and key) in one
    /// transaction. (Ingest stores summary files through `FileIngestSink.saveSummary`.)
    func saveVendorSummaries(_ rows: [VendorSummaryRow]) throws

    /// Stored vendor summaries of a vendor, ordered by account, grain and key.
    func vendorSummaries(vendor: String) throws -> [VendorSummaryRow]
}

/// A statement revision as stored: the canonical JSON and its SHA-256.
public struct StoredStatement: Hashable, Sendable {
    public var account: String
    public var cycleStart: LocalDate
    public var cycleEnd: LocalDate
    public var revision: Int
    public var checksum: String
    public var content: Data
    public var runID: String

    public init(account: String, cycleStart: LocalDate, cycleEnd: LocalDate, revision: Int, checksum: String, content: Data, runID: String) {
        self.account = account
        self.cycleStart = cycleStart
        self.cycleEnd = cycleEnd
        self.revision = revision
        self.checksum = checksum
        self.content = content
        self.runID = runID
    }
}

/// One adjustment line as stored (its content is the billing engine's JSON).
public struct StoredAdjustment: Hashable, Sendable {
    /// Assigned by the store; nil before the write.
    public var seq: Int64?
    public var account: String
    public var targetCycle: LocalDate
    public var originalCycle: LocalDate
    /// Messages (all statuses) of the original cycle when this adjustment was computed.
    public var cycleMessages: Int64
    public var content: Data
    public var runID: String

    public init(seq: Int64? = nil, account: String, targetCycle: LocalDate, originalCycle: LocalDate, cycleMessages: Int64, content: Data, runID: String) {
        self.seq = seq
        self.account = account
        self.targetCycle = targetCycle
        self.originalCycle = originalCycle
        self.cycleMessages = cycleMessages
        self.content = content
        self.runID = runID
    }
}

public struct StoredMonthReport: Hashable, Sendable {
    public var account: String
    public var month: CalendarMonth
    /// Filled in by the store on save.
    public var revision: Int
    public var checksum: String
    public var content: Data
    public var runID: String

    public init(account: String, month: CalendarMonth, revision: Int = 0, checksum: String, content: Data, runID: String) {
        self.account = account
        self.month = month
        self.revision = revision
        self.checksum = checksum
        self.content = content
        self.runID = runID
    }
}

/// One row of a vendor's summary (aggregated counts), as the ingest of summary files gives it.
public struct VendorSummaryRow: Hashable, Sendable {
    /// The grain the vendor aggregates at; detail records are counted at the same grain.
    public enum Grain: Hashable, Sendable, Comparable {
        /// A day (in the vendor's time zone) and a template code (KT Communis list view).
        case dayTemplate(day: LocalDate, template: String)
        /// One send / request id (Godomall per-send totals): detail `batch_id`.
        case batch(String)
        /// A calendar month (vendor's zone) and channel (a vendor invoice line).
        case monthChannel(month: CalendarMonth, channel: Channel)

        public var kind: String {
            switch self {
            case .dayTemplate: "day-template"
            case .batch: "batch"
            case .monthChannel: "month-channel"
            }
        }

        public var key: String {
            switch self {
            case .dayTemplate(let day, let template): "\(day)|\(template)"
            case .batch(let id): id
            case .monthChannel(let month, let channel): "\(month)|\(channel)"
            }
        }

        public init?(kind: String, key: String) {
            switch kind {
            case "day-template":
                let parts = key.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2, let day = LocalDate(parts[0]) else { return nil }
                self = .dayTemplate(day: day, template: String(parts[1]))
            case "batch":
                self = .batch(key)
            case "month-channel":
                let parts = key.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2, let month = CalendarMonth(parts[0]), let channel = Channel(parts[1]) else { return nil }
                self = .monthChannel(month: month, channel: channel)
            default:
                return nil
            }
        }

        public static func < (a: Grain, b: Grain) -> Bool { (a.kind, a.key) < (b.kind, b.key) }
    }

    public var vendor: String
    /// The account the summary is about (inbox sub-folder or the profile's `account` field);
    /// empty for a summary over every account of the vendor.
    public var account: String
    public var grain: Grain
    /// Counts the vendor shows; nil where its summary has no such column.
    public var total: Int64?
    public var success: Int64?
    public var failure: Int64?
    public var fallbackSuccess: Int64?
    public var fallbackFailure: Int64?
    /// An invoiced amount, where the summary carries one.
    public var amount: Money?
    public var source: DeliveryRecord.Source

    public init(vendor: String, account: String = "", grain: Grain, total: Int64? = nil, success: Int64? = nil, failure: Int64? = nil,
                fallbackSuccess: Int64? = nil, fallbackFailure: Int64? = nil, amount: Money? = nil, source: DeliveryRecord.Source = .none) {
        self.vendor = vendor
        self.account = account
        self.grain = grain
        self.total = total
        self.success = success
        self.failure = failure
        self.fallbackSuccess = fallbackSuccess
        self.fallbackFailure = fallbackFailure
        self.amount = amount
        self.source = source
    }
}

extension SQLiteLedger: BillingStore {
    public func pendingTotals(account: String, day: LocalDate, sentAtOrBefore cutoff: Instant) throws -> [DailyRollup] {
        var totals: [RollupKey: RollupTotals] = [:]
        // Served by the partial index deliveries_pending: only PENDING rows are read.
        try eachRecord(where: "account = ? AND local_day = ? AND status = 'PENDING' AND sent_at <= ?",
                       [account, String(day.daysSinceEpoch), String(cutoff.secondsSinceEpoch)]) { record, localDay in
            totals[RollupKey(record: record, day: localDay), default: RollupTotals()] += RollupTotals(record: record)
        }
        return totals.sorted { $0.key < $1.key }.map { DailyRollup(key: $0.key, totals: $0.value) }
    }

    public func billingRollups(account: String, days: Range<LocalDate>) throws -> [DailyRollup] {
        try read { db in
            guard let connection = db.sqliteConnection else { throw StoreError(.cannotOpen(path)) }
            var statement: OpaquePointer?
            let sql = """
                SELECT local_day, vendor, channel, category, status, refundable, is_fallback,
                       messages, units, call_minutes, vendor_cost, cost_unknown
                FROM daily_rollups WHERE account = ? AND local_day >= ? AND local_day < ?
                ORDER BY local_day, vendor, channel, category, status, refundable, is_fallback
                """
            let code = sqlite3_prepare_v2(connection, sql, -1, &statement, nil)
            guard code == SQLITE_OK, let statement else {
                throw StoreError(.sqlite(code: code, message: String(cString: sqlite3_errmsg(connection))), context: path)
            }
            defer { sqlite3_finalize(statement) }
            bindText(statement, 1, account)
            bindText(statement, 2, days.lowerBound.description)
            bindText(statement, 3, days.upperBound.description)
            // A cycle repeats the same few days, channels and statuses: parse each text once.
            var dayCache: [String: LocalDate] = [:]
            var channelCache: [String: Channel] = [:]
            var result: [DailyRollup] = []
            while true {
                let step = sqlite3_step(statement)
                if step == SQLITE_DONE { break }
                guard step == SQLITE_ROW else {
                    throw StoreError(.sqlite(code: step, message: String(cString: sqlite3_errmsg(connection))), context: path)
                }
                let dayText = DeliveryRow.text(statement, 0) ?? "", channelText = DeliveryRow.text(statement, 2) ?? ""
                let statusText = DeliveryRow.text(statement, 4) ?? ""
                let day = dayCache[dayText] ?? LocalDate(dayText)
                let channel = channelCache[channelText] ?? Channel(channelText)
                guard let day, let channel, let status = DeliveryStatus(rawValue: statusText) else {
                    throw StoreError(.corrupt("bad rollup row: \(channelText) \(statusText) \(dayText)"), context: path)
                }
                dayCache[dayText] = day
                channelCache[channelText] = channel
                let key = RollupKey(account: account, day: day, vendor: DeliveryRow.text(statement, 1) ?? "", channel: channel,
                                    category: DeliveryRow.text(statement, 3) ?? "", status: status,
                                    refundable: sqlite3_column_int64(statement, 5) != 0, isFallback: sqlite3_column_int64(statement, 6) != 0)
                let totals = RollupTotals(messages: sqlite3_column_int64(statement, 7), units: sqlite3_column_int64(statement, 8),
                                          callMinutes: sqlite3_column_int64(statement, 9), vendorCost: Money(micros: sqlite3_column_int64(statement, 10)),
                                          costUnknown: sqlite3_column_int64(statement, 11))
                result.append(DailyRollup(key: key, totals: totals))
            }
            return result
        }
    }

    public func firstUsageDay(account: String) throws -> LocalDate? {
        try read { db in
            try String.fetchOne(db, sql: "SELECT min(local_day) FROM daily_rollups WHERE account = ?", arguments: [account])
                .flatMap { LocalDate($0) }
        }
    }

    public func accountsWithUsage() throws -> [String] {
        try read { db in try String.fetchAll(db, sql: "SELECT DISTINCT account FROM daily_rollups ORDER BY account") }
    }

    public func storedStatements(account: String) throws -> [StoredStatement] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM statements WHERE account = ? ORDER BY cycle_start, revision", arguments: [account])
                .map { try Self.statement(from: $0, path: path) }
        }
    }

    public func storedStatement(account: String, cycleStart: LocalDate, revision: Int) throws -> StoredStatement? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM statements WHERE account = ? AND cycle_start = ? AND revision = ?",
                             arguments: [account, cycleStart.description, revision])
                .map { try Self.statement(from: $0, path: path) }
        }
    }

    static func statement(from row: Row, path: String) throws -> StoredStatement {
        let start: String = row["cycle_start"], end: String = row["cycle_end"]
        guard let startDay = LocalDate(start), let endDay = LocalDate(end) else {
            throw StoreError(.corrupt("bad statement cycle \(start)..\(end)"), context: path)
        }
        return StoredStatement(account: row["account"], cycleStart: startDay, cycleEnd: endDay, revision: row["revision"],
                               checksum: row["checksum"], content: row["content"], runID: row["run_id"])
    }

    public func storedAdjustments(account: String) throws -> [StoredAdjustment] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM adjustments WHERE account = ? ORDER BY seq", arguments: [account]).map { row in
                let target: String = row["target_cycle"], original: String = row["original_cycle"]
                guard let targetDay = LocalDate(target), let originalDay = LocalDate(original) else {
                    throw StoreError(.corrupt("bad adjustment cycles \(target) \(original)"), context: path)
                }
                return StoredAdjustment(seq: row["seq"], account: row["account"], targetCycle: targetDay, originalCycle: originalDay,
                                        cycleMessages: row["cycle_messages"], content: row["content"], runID: row["run_id"])
            }
        }
    }

    public func commitBilling(statements: [StoredStatement], adjustments: [StoredAdjustment],
                              settledTouchedDays: [String: [Range<LocalDate>]] = [:]) throws {
        try write { db in
            for (account, kept) in settledTouchedDays.sorted(by: { $0.key < $1.key }) {
                var sql = "DELETE FROM billing_touched_days WHERE account = ?"
                var arguments: StatementArguments = [account]
                for range in kept {
                    sql += " AND NOT (local_day >= ? AND local_day < ?)"
                    arguments += [range.lowerBound.description, range.upperBound.description]
                }
                try db.execute(sql: sql, arguments: arguments)
            }
            for statement in statements {
                if try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM statements WHERE account = ? AND cycle_start = ? AND revision = ?)",
                                     arguments: [statement.account, statement.cycleStart.description, statement.revision]) ?? false {
                    throw StoreError(.corrupt("statement \(statement.account) \(statement.cycleStart) r\(statement.revision) already closed; never rewritten"), context: path)
                }
                try db.execute(
                    sql: "INSERT INTO statements (account, cycle_start, cycle_end, revision, checksum, content, run_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    arguments: [statement.account, statement.cycleStart.description, statement.cycleEnd.description, statement.revision,
                                statement.checksum, statement.content, statement.runID])
            }
            for adjustment in adjustments {
                try db.execute(
                    sql: "INSERT INTO adjustments (account, target_cycle, original_cycle, cycle_messages, content, run_id) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [adjustment.account, adjustment.targetCycle.description, adjustment.originalCycle.description,
                                adjustment.cycleMessages, adjustment.content, adjustment.runID])
            }
        }
    }

    public func touchedDays(account: String) throws -> [LocalDate] {
        try read { db in
            try String.fetchAll(db, sql: "SELECT local_day FROM billing_touched_days WHERE account = ? ORDER BY local_day", arguments: [account])
                .compactMap { LocalDate($0) }
        }
    }

    public func saveMonthReport(_ report: StoredMonthReport) throws -> Int {
        try write { db in
            let latest = try Row.fetchOne(db, sql: "SELECT revision, checksum FROM month_reports WHERE account = ? AND month = ? ORDER BY revision DESC LIMIT 1",
                                          arguments: [report.account, report.month.description])
            if let latest, (latest["checksum"] as String) == report.checksum { return latest["revision"] as Int }
            let revision = ((latest?["revision"] as Int?) ?? 0) + 1
            try db.execute(
                sql: "INSERT INTO month_reports (account, month, revision, checksum, content, run_id) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [report.account, report.month.description, revision, report.checksum, report.content, report.runID])
            return revision
        }
    }

    public func latestMonthReport(account: String, month: CalendarMonth) throws -> StoredMonthReport? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM month_reports WHERE account = ? AND month = ? ORDER BY revision DESC LIMIT 1",
                             arguments: [account, month.description]).map { row in
                StoredMonthReport(account: row["account"], month: month, revision: row["revision"], checksum: row["checksum"],
                                  content: row["content"], runID: row["run_id"])
            }
        }
    }

    public func refundableFailures(vendor: String, sentAt: Range<Instant>, _ each: (DeliveryRecord) throws -> Void) throws {
        try eachRecord(where: "vendor = ? AND status = 'FAILED' AND refundable = 1 AND sent_at >= ? AND sent_at < ? ORDER BY sent_at, message_id",
                       [vendor, String(sentAt.lowerBound.secondsSinceEpoch), String(sentAt.upperBound.secondsSinceEpoch)]) { record, _ in
            try each(record)
        }
    }

    public func records(vendor: String, sentAt: Range<Instant>, _ each: (DeliveryRecord) throws -> Void) throws {
        try eachRecord(where: "vendor = ? AND sent_at >= ? AND sent_at < ? ORDER BY sent_at, message_id",
                       [vendor, String(sentAt.lowerBound.secondsSinceEpoch), String(sentAt.upperBound.secondsSinceEpoch)]) { record, _ in
            try each(record)
        }
    }

    public func saveVendorSummaries(_ rows: [VendorSummaryRow]) throws {
        try write { db in
            for row in rows {
                try db.execute(
                    sql: """
                        INSERT OR REPLACE INTO vendor_summaries (vendor, account, grain, grain_key, total, success, failure,
                            fallback_success, fallback_failure, amount, source_file, source_row) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [row.vendor, row.account, row.grain.kind, row.grain.key, row.total, row.success, row.failure, row.fallbackSuccess,
                                row.fallbackFailure, row.amount?.micros, row.source.fileSHA256, row.source.row])
            }
        }
    }

    public func vendorSummaries(vendor: String) throws -> [VendorSummaryRow] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM vendor_summaries WHERE vendor = ? ORDER BY account, grain, grain_key", arguments: [vendor]).map { row in
                let kind: String = row["grain"], key: String = row["grain_key"]
                guard let grain = VendorSummaryRow.Grain(kind: kind, key: key) else {
                    throw StoreError(.corrupt("bad vendor summary grain \(kind) \(key)"), context: path)
                }
                let amount: Int64? = row["amount"]
                return VendorSummaryRow(vendor: row["vendor"], account: row["account"], grain: grain, total: row["total"], success: row["success"],
                                        failure: row["failure"], fallbackSuccess: row["fallback_success"],
                                        fallbackFailure: row["fallback_failure"], amount: amount.map { Money(micros: $0) },
                                        source: .init(fileSHA256: row["source_file"], row: row["source_row"]))
            }
        }
    }
}
