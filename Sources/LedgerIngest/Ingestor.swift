import Foundation
import LedgerCore
import LedgerStore
import Logging

/// How a file's bytes become records: the canonical formats here, vendor profiles elsewhere.
public struct RecordFormat: Sendable {
    public let name: String
    /// The vendor recorded in the manifest ("canonical" when records name their own vendor).
    public let vendor: String
    public let makeSource: @Sendable (ByteSource, FileContext) throws -> RecordSource

    public init(name: String, vendor: String, makeSource: @escaping @Sendable (ByteSource, FileContext) throws -> RecordSource) {
        self.name = name
        self.vendor = vendor
        self.makeSource = makeSource
    }

    public static let canonicalCSV = RecordFormat(name: "canonical-csv", vendor: "canonical") { CanonicalCSVSource(source: $0, context: $1) }
    public static let canonicalJSONL = RecordFormat(name: "canonical-jsonl", vendor: "canonical") { CanonicalJSONLSource(source: $0, context: $1) }

    /// The canonical format a file name suggests (`.jsonl`, `.jsonl.gz` or CSV).
    public static func canonical(for path: String) -> RecordFormat {
        let name = path.lowercased()
        return name.hasSuffix(".jsonl") || name.hasSuffix(".jsonl.gz") || name.hasSuffix(".ndjson") ? .canonicalJSONL : .canonicalCSV
    }
}

/// What became of one file.
public struct FileReport: Sendable {
    public enum Outcome: Sendable {
        case ingested(FileIngestCounts)
        case alreadyIngested
        /// The file could not be read at all; nothing of it is in the ledger.
        case unreadable(String)
    }
    public var path: String
    public var sha256: String
    public var size: Int64
    public var outcome: Outcome
    /// The first rejects, for the run's report (all are in the store).
    public var rejects: [RejectedRow]
    public var conflicts: [StatusConflict]
}

/// Reads files into the ledger, one transaction per file.
public final class Ingestor {
    let store: any LedgerStore
    var zones: AccountZones
    let privacy: RecipientPrivacy
    let runID: String
    let now: () -> Instant
    let logger: Logger
    /// Called every few thousand rows with (bytes read, rows).
    public var progress: ((Int64, Int) -> Void)?
    /// Asked every thousand rows; true stops the file in progress (its transaction rolls back)
    /// with `IngestInterrupted`. The CLI answers it from SIGTERM / SIGINT.
    public var shouldStop: (() -> Bool)?
    public var rejectsKeptInReport = 1000
    /// Per account, the first local day still held in detail after a purge. A record of an
    /// earlier day is rejected: its message may have been counted and purged, and the rollups
    /// (kept) would count it twice.
    public var purgedBefore: [String: LocalDate] = [:]

    public init(store: any LedgerStore, zones: AccountZones, privacy: RecipientPrivacy, runID: String,
                now: @escaping () -> Instant, logger: Logger) {
        self.store = store
        self.zones = zones
        self.privacy = privacy
        self.runID = runID
        self.now = now
        self.logger = logger
    }

    /// Ingests one file. A file that cannot be read is reported as unreadable (the caller
    /// quarantines it); bad rows are rejected and the rest kept. Store errors are thrown.
    public func ingest(path: String, format: RecordFormat, accountFromFolder: String? = nil) throws -> FileReport {
        // A file of a size no ingested file has is new whatever its hash: it is hashed while it
        // is parsed, and read once.
        if let deferred = store as? any DeferredDigestLedgerStore, let size = Self.regularFileSize(path),
           try !deferred.hasIngestedFile(size: size) {
            return try ingest(path: path, format: format, accountFromFolder: accountFromFolder, identity: .deferred(deferred, size: size))
        }
        let digest: (hex: String, size: Int64)
        do {
            digest = try FileDigest.sha256(path: path)
        } catch {
            return FileReport(path: path, sha256: "", size: 0, outcome: .unreadable("\(error)"), rejects: [], conflicts: [])
        }
        if try store.isIngested(sha256: digest.hex) {
            logger.info("file already ingested", metadata: ["file.path": "\(path)", "file.sha256": "\(digest.hex)"])
            return FileReport(path: path, sha256: digest.hex, size: digest.size, outcome: .alreadyIngested, rejects: [], conflicts: [])
        }
        return try ingest(path: path, format: format, accountFromFolder: accountFromFolder, identity: .known(digest.hex, size: digest.size))
    }

    /// How a file is named in the manifest: by the hash read before ingesting it, or by one
    /// worked out while it is read (under a provisional token until the end).
    private enum FileIdentity {
        case known(String, size: Int64)
        case deferred(any DeferredDigestLedgerStore, size: Int64)
    }

    private static func regularFileSize(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(info.st_size)
    }

    private func ingest(path: String, format: RecordFormat, accountFromFolder: String?, identity: FileIdentity) throws -> FileReport {
        let size: Int64
        let fileHash: String
        let provisional: String?
        switch identity {
        case .known(let hex, let known):
            (size, fileHash, provisional) = (known, hex, nil)
        case .deferred(_, let known):
            let token = "provisional-" + UUID().uuidString
            (size, fileHash, provisional) = (known, token, token)
        }
        // The real hash, once known (deferred identities learn it at the end of the transaction).
        var finalHash: String? = provisional == nil ? fileHash : nil
        var report = FileReport(path: path, sha256: fileHash, size: size, outcome: .alreadyIngested, rejects: [], conflicts: [])
        var context = FileContext(path: path, sha256: fileHash, accountFromFolder: accountFromFolder, privacy: privacy)
        let manifest = IngestedFile(sha256: fileHash, path: path, size: size, vendor: format.vendor, runID: runID, ingestedAt: now())
        var rejects: [RejectedRow] = []
        var hashing: HashingByteSource?
        func attempt() throws -> FileIngestOutcome {
            switch identity {
            case .known:
                return try store.ingest(manifest, body)
            case .deferred(let store, _):
                return try store.ingest(manifest, digest: {
                    guard let hashing else { throw SourceError(path: path, reason: .readFailed(errno: EBADF)) }
                    let hex = try hashing.digest.finish(draining: hashing)
                    guard hashing.digest.size == size else { throw FileChangedWhileRead(path: path, expected: size, read: hashing.digest.size) }
                    finalHash = hex
                    return hex
                }, body)
            }
        }
        func body(_ sink: any FileIngestSink) throws {
            // A store may read the file a second time (after rolling back a fast path).
            rejects.removeAll()
            let file: ByteSource
            if provisional != nil {
                let source = HashingByteSource(try FileByteSource(path: path), digest: StreamingDigest())
                hashing = source
                file = source
            } else {
                file = try FileByteSource(path: path)
            }
            let source = PipelinedRecordSource(try format.makeSource(try ByteSources.open(file: file, path: path), context))
            var rows = 0
            var nextProgress = 0x4000
            // Summary rows go to the store in batches, in this transaction.
            var summaries: [VendorSummaryRow] = []
            // Local days, purge checks, rollup keys and the values to bind are worked out on
            // the reading thread, ahead of the store (`RecordPreparer`).
            let preparer = RecordPreparer()
            var readerZones = zones
            let purged = purgedBefore
            let sha256 = fileHash
            var order: [Int32] = []
            var others: [IngestBatch.Other] = []
            var recordCount: Int32 = 0
            preparer.begin(capacity: 1024)
            // Clean canonical rows skip `DeliveryRecord`: their bytes go to the preparer as read.
            var purgeAccount: [UInt8] = []
            var purgeDay: LocalDate?
            let direct = DirectRows { texts, facts in
                let account = texts[PreparedRecords.TextColumn.account.rawValue]!
                let day = readerZones.day(of: facts.sentAt, accountUTF8: account)
                if !purged.isEmpty {
                    if !purgeAccount.hasSameBytes(as: account) {
                        purgeAccount = Array(account)
                        purgeDay = purged[String(decoding: account, as: UTF8.self)]
                    }
                    // A day before a purge: the general path rejects it, naming why.
                    if let purgeDay, day < purgeDay { return false }
                }
                preparer.add(texts: texts, facts: facts, file: sha256, day: day)
                order.append(recordCount)
                recordCount += 1
                return true
            }
            try source.readBatches(add: { result in
                switch result {
                case .record(let record):
                    let day = readerZones.day(of: record.sentAt, account: record.account)
                    if !purged.isEmpty, let purgedDay = purged[record.account], day < purgedDay {
                        order.append(-Int32(others.count) - 1)
                        others.append(.rejected(RejectedRow(
                            fileSHA256: sha256, path: path, row: record.source.row, field: "sent_at",
                            value: record.sentAt.description,
                            reason: "local day \(day) is before \(purgedDay), where \(record.account)'s detail was purged (retention)")))
                    } else {
                        preparer.add(record, day: day)
                        order.append(recordCount)
                        recordCount += 1
                    }
                case .summary(let summary):
                    order.append(-Int32(others.count) - 1)
                    others.append(.summary(summary))
                case .rejected(let error):
                    order.append(-Int32(others.count) - 1)
                    others.append(.rejected(RejectedRow(
                        fileSHA256: sha256, path: path, row: error.row, field: error.field, value: error.value,
                        reason: error.reason.text)))
                }
            }, finish: {
                let batch = IngestBatch(order: order, records: preparer.finish(), others: others)
                order = []
                order.reserveCapacity(1024)
                others = []
                recordCount = 0
                preparer.begin(capacity: 1024)
                return batch
            }, direct: direct) { batch in
                let order = batch.order
                var position = 0
                while position < order.count {
                    let entry = order[position]
                    if entry >= 0 {
                        // A run of records (consecutive in the batch) goes to the store at once.
                        var end = position + 1
                        while end < order.count && order[end] == order[end - 1] + 1 { end += 1 }
                        try sink.upsert(batch.records, in: Int(entry)..<Int(order[end - 1]) + 1)
                        rows += end - position
                        position = end
                    } else {
                        switch batch.others[Int(-entry - 1)] {
                        case .summary(let summary):
                            summaries.append(summary)
                            if summaries.count >= 1000 {
                                try sink.saveSummary(summaries)
                                summaries.removeAll(keepingCapacity: true)
                            }
                        case .rejected(let row):
                            try sink.reject(row)
                            if rejects.count < rejectsKeptInReport { rejects.append(row) }
                        }
                        rows += 1
                        position += 1
                    }
                }
                if shouldStop?() == true { throw IngestInterrupted(path: path, row: rows) }
                if rows >= nextProgress {
                    progress?(source.bytesRead, rows)
                    nextProgress = rows + 0x4000
                }
            }
            if !summaries.isEmpty { try sink.saveSummary(summaries) }
            progress?(source.bytesRead, rows)
            report.conflicts = sink.conflicts
        }
        do {
            let outcome: FileIngestOutcome
            do {
                outcome = try attempt()
            } catch let exceeded as RepeatWindowExceeded {
                // Rolled back: read the report again keeping every repeat count (same ids).
                logger.info("file out of time order: reading again with exact repeat counts",
                            metadata: ["file.path": "\(path)", "row": "\(exceeded.row)"])
                context.exactRepeatCounts = true
                rejects.removeAll()
                outcome = try attempt()
            }
            if let provisional, let finalHash {
                // Rejects and conflicts were made under the provisional token.
                report.sha256 = finalHash
                for index in rejects.indices where rejects[index].fileSHA256 == provisional {
                    rejects[index].fileSHA256 = finalHash
                }
                for index in report.conflicts.indices where report.conflicts[index].source.fileSHA256 == provisional {
                    report.conflicts[index].source.fileSHA256 = finalHash
                }
            }
            switch outcome {
            case .alreadyIngested:
                report.outcome = .alreadyIngested
                report.conflicts = []
                logger.info("file already ingested", metadata: ["file.path": "\(path)", "file.sha256": "\(report.sha256)"])
            case .ingested(let counts):
                report.outcome = .ingested(counts)
                report.rejects = rejects
                logger.info("file ingested", metadata: [
                    "file.path": "\(path)", "file.sha256": "\(report.sha256)", "rows.total": "\(counts.rows)",
                    "rows.inserted": "\(counts.inserted)", "rows.updated": "\(counts.updated)",
                    "rows.stale": "\(counts.stale)", "rows.conflicts": "\(counts.conflicts)", "rows.rejected": "\(counts.rejected)",
                ])
            }
        } catch let error as StoreError {
            throw error
        } catch let error as StoreFeatureMissing {
            throw error
        } catch let interruption as IngestInterrupted {
            logger.warning("file rolled back: interrupted", metadata: ["file.path": "\(path)", "rows.read": "\(interruption.row)"])
            throw interruption
        } catch {
            // The transaction rolled back: nothing of this file is in the ledger.
            report.outcome = .unreadable("\(error)")
            logger.error("file unreadable", metadata: ["file.path": "\(path)", "error": "\(error)"])
        }
        return report
    }
}

/// The file's size changed while it was read (it is being written): nothing of it is kept.
public struct FileChangedWhileRead: Error, CustomStringConvertible {
    public let path: String
    public let expected: Int64
    public let read: Int64
    public var description: String { "\(path): changed while it was read (\(expected) bytes at the start, \(read) read); the file was rolled back" }
}

/// The file in progress was stopped on request (a signal); nothing of it is in the ledger.
public struct IngestInterrupted: Error, CustomStringConvertible {
    public let path: String
    public let row: Int
    public init(path: String, row: Int) {
        self.path = path
        self.row = row
    }
    public var description: String { "interrupted while ingesting \(path) (row \(row)); the file was rolled back" }
}

/// One batch of a file's rows as the reading thread hands them over: records prepared for the
/// store, and the other rows (summaries, rejects), in file order.
struct IngestBatch {
    enum Other {
        case summary(VendorSummaryRow)
        case rejected(RejectedRow)
    }
    /// Per row in file order: a record's index in `records`, or -1 - its index in `others`.
    let order: [Int32]
    let records: PreparedRecords
    let others: [Other]
}
