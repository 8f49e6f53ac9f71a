import LedgerCore

/// The ledger's storage. The SQLite implementation is the embedded default; a PostgreSQL one
/// comes later behind the same protocol, so SQL dialect details stay inside implementations.
public protocol LedgerStore: AnyObject, Sendable {
    /// Whether a file with this SHA-256 is already in the manifest.
    func isIngested(sha256: String) throws -> Bool

    /// Ingests one file in one transaction: `body` feeds records and rejects into the sink;
    /// if it throws, nothing of the file is kept. A file already in the manifest (same
    /// SHA-256) is a no-op and `body` is not called. A store may call `body` more than once
    /// (a fast path rolled back to its savepoint and the file fed again): each call feeds the
    /// whole file from its first row.
    func ingest(_ file: IngestedFile, _ body: (any FileIngestSink) throws -> Void) throws -> FileIngestOutcome

    /// Daily rollups for one account (or all when nil) over local days [lower, upper).
    func rollups(account: String?, days: Range<LocalDate>) throws -> [DailyRollup]

    /// The record stored for (vendor, message_id).
    func record(vendor: String, messageID: String) throws -> DeliveryRecord?

    /// Records of an account whose local day lies in `days`, ordered by (day, sent_at, vendor, message_id).
    func records(account: String, days: Range<LocalDate>, _ each: (DeliveryRecord, LocalDate) throws -> Void) throws

    /// The same records as `records(account:days:)`, in the same order, as the month report's
    /// Details sheet shows them (`MessageDetail`; a default implementation reads records).
    func messageDetails(account: String, days: Range<LocalDate>, _ each: (MessageDetail) throws -> Void) throws

    /// The manifest, oldest first.
    func ingestedFiles() throws -> [IngestedFile]

    /// Rejected rows, in file and row order.
    func rejects() throws -> [RejectedRow]

    /// Row counts per table, for run summaries.
    func counts() throws -> LedgerCounts

    /// Records a run (insert or replace by id).
    func saveRun(_ run: RunRecord) throws

    /// The latest run that finished without an internal error ("ok" or "rejects").
    func lastSuccessfulRun() throws -> RunRecord?
}

/// A store that takes a file whose SHA-256 is worked out while the file is read, so that a new
/// file is read once instead of twice (hashing a large file first costs about a twentieth of its
/// ingest). Only a file of a size already in the manifest can be a repeat: such files are still
/// hashed first and go through `ingest(_:_:)`.
public protocol DeferredDigestLedgerStore: LedgerStore {
    /// Whether the manifest holds a file of exactly `size` bytes.
    func hasIngestedFile(size: Int64) throws -> Bool

    /// `ingest(_:_:)` for a file whose `sha256` is a provisional token: rejects and conflicts
    /// fed by `body` carry it. After `body`, still inside the transaction, `digest` gives the
    /// real SHA-256; the store relabels the manifest row, rejects and conflicts with it, or
    /// rolls everything back and answers `.alreadyIngested` if the manifest already has it.
    func ingest(_ file: IngestedFile, digest: () throws -> String,
                _ body: (any FileIngestSink) throws -> Void) throws -> FileIngestOutcome
}

/// A file in the ingested-files manifest.
public struct IngestedFile: Hashable, Sendable {
    public var sha256: String
    public var path: String
    public var size: Int64
    public var vendor: String
    /// The run that ingested it.
    public var runID: String
    /// When (UTC) it was ingested.
    public var ingestedAt: Instant
    /// Filled in by the store after the ingest.
    public var counts: FileIngestCounts

    public init(sha256: String, path: String, size: Int64, vendor: String, runID: String, ingestedAt: Instant, counts: FileIngestCounts = .init()) {
        self.sha256 = sha256
        self.path = path
        self.size = size
        self.vendor = vendor
        self.runID = runID
        self.ingestedAt = ingestedAt
        self.counts = counts
    }
}

/// What happened to the rows of one file.
public struct FileIngestCounts: Hashable, Sendable, Codable {
    public var rows = 0
    public var inserted = 0
    public var updated = 0
    public var unchanged = 0
    public var stale = 0
    public var conflicts = 0
    public var rejected = 0
    public init() {}

    public mutating func count(_ update: StatusUpdate) {
        rows += 1
        switch update {
        case .insert: inserted += 1
        case .replace, .correction: updated += 1
        case .unchanged: unchanged += 1
        case .stale: stale += 1
        case .conflict: conflicts += 1
        }
    }
}

public enum FileIngestOutcome: Hashable, Sendable {
    /// The file was new and is now wholly in the ledger.
    case ingested(FileIngestCounts)
    /// The same file (same SHA-256) was already in the manifest: nothing changed.
    case alreadyIngested
}

/// Where incoming records and rejects go during one file's transaction.
public protocol FileIngestSink: AnyObject {
    /// Upserts by (vendor, message_id) under BILLING.md's forward-only rule and keeps the
    /// daily rollups in step. `localDay` is the usage instant's day in the account's zone.
    @discardableResult
    func upsert(_ record: DeliveryRecord, localDay: LocalDate) throws -> StatusUpdate
    /// Upserts record `index` of a batch prepared on the reading thread: the same as
    /// `upsert(batch.record(at: index), localDay: batch.days[index])`, which is the default; a
    /// store may bind the batch's laid-out values instead.
    @discardableResult
    func upsert(_ batch: PreparedRecords, at index: Int) throws -> StatusUpdate
    /// Upserts records `range` of a batch, in order: the same as `upsert(_:at:)` for each,
    /// which is the default; a store may write several records per statement.
    func upsert(_ batch: PreparedRecords, in range: Range<Int>) throws
    /// A row that could not be mapped: kept as evidence, never in the ledger.
    func reject(_ row: RejectedRow) throws
    /// A record whose status conflicts with the stored final status (reported, not applied).
    var conflicts: [StatusConflict] { get }
    /// Rows of a vendor's summary file (aggregated counts, not delivery records), stored in the
    /// file's transaction, keyed by (vendor, account, grain, grain key): a new key is counted
    /// `inserted`, the same values again `unchanged` (the earlier source is kept), other values
    /// replace the earlier ones (`updated`, the new file and row become the source). Every row
    /// counts in `rows`. A store without summary tables keeps the default, which refuses the file.
    func saveSummary(_ rows: [VendorSummaryRow]) throws
}

extension FileIngestSink {
    @discardableResult
    public func upsert(_ batch: PreparedRecords, at index: Int) throws -> StatusUpdate {
        try upsert(batch.record(at: index), localDay: batch.days[index])
    }

    public func upsert(_ batch: PreparedRecords, in range: Range<Int>) throws {
        for index in range { try upsert(batch, at: index) }
    }

    public func saveSummary(_ rows: [VendorSummaryRow]) throws {
        throw StoreFeatureMissing(feature: "vendor summaries")
    }
}

/// The configured store cannot hold what a file carries (a deployment problem, not the file's):
/// the file's transaction rolls back and the run fails.
public struct StoreFeatureMissing: Error, CustomStringConvertible, Sendable {
    public let feature: String
    public init(feature: String) { self.feature = feature }
    public var description: String { "this ledger store does not keep \(feature)" }
}

/// A row set aside, naming file, row, field, value and why.
public struct RejectedRow: Hashable, Sendable, CustomStringConvertible {
    public var fileSHA256: String
    public var path: String
    public var row: Int
    public var field: String
    public var value: String
    public var reason: String

    public init(fileSHA256: String, path: String, row: Int, field: String, value: String, reason: String) {
        self.fileSHA256 = fileSHA256
        self.path = path
        self.row = row
        self.field = field
        self.value = value
        self.reason = reason
    }

    public var description: String { "\(path):\(row): \(field) \"\(value)\": \(reason)" }
}

/// A final status contradicted by a later record for the same message.
public struct StatusConflict: Hashable, Sendable {
    public var vendor: String
    public var messageID: String
    public var kept: DeliveryStatus
    public var incoming: DeliveryStatus
    public var source: DeliveryRecord.Source

    public init(vendor: String, messageID: String, kept: DeliveryStatus, incoming: DeliveryStatus, source: DeliveryRecord.Source) {
        self.vendor = vendor
        self.messageID = messageID
        self.kept = kept
        self.incoming = incoming
        self.source = source
    }
}

public struct LedgerCounts: Hashable, Sendable, Codable {
    public var deliveries = 0
    public var rollups = 0
    public var files = 0
    public var rejects = 0
    public init() {}
}

/// The audit record of one run, stored in the ledger (the JSON file under out/runs is the CLI's).
public struct RunRecord: Hashable, Sendable {
    public var id: String
    public var command: String
    public var startedAt: Instant
    public var finishedAt: Instant?
    /// "running", "ok", "rejects", "interrupted", "failed".
    public var status: String
    public var summaryJSON: String

    public init(id: String, command: String, startedAt: Instant, finishedAt: Instant? = nil, status: String, summaryJSON: String = "{}") {
        self.id = id
        self.command = command
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.status = status
        self.summaryJSON = summaryJSON
    }
}
