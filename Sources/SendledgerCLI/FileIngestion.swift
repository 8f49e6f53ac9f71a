import Foundation
import LedgerIngest
import LedgerStore

/// Ingests a list of files one transaction each, printing a line per file and totals.
struct FileIngestion {
    let job: Job
    /// Move unreadable files to quarantine (the nightly run does; a hand-run ingest does not
    /// move the operator's files).
    let quarantineUnreadable: Bool

    struct Totals {
        var files = 0, ingested = 0, alreadyIngested = 0, unreadable = 0
        var counts = FileIngestCounts()
        /// One entry per file, for the run record.
        var inputs: [RunRecordFile.Input] = []
    }

    func run(_ files: [InboxFile]) throws -> Totals {
        let ingestor = try job.makeIngestor()
        Interruption.install()
        ingestor.shouldStop = { Interruption.isRequested }
        var totals = Totals()
        for file in files {
            if Interruption.isRequested { throw IngestInterrupted(path: file.path, row: 0) }
            totals.files += 1
            // A profile that does not load skips its files, naming the profile's file, key and
            // fault; they stay in the inbox for the run after the profile is fixed.
            if file.vendor != "canonical", case .failure(let error)? = VendorFormats.profile(named: file.vendor, config: job.config) {
                totals.unreadable += 1
                let reason = "bad vendor profile: \(error)"
                print("skipped \(file.path): \(reason)")
                totals.inputs.append(.init(path: file.path, vendor: file.vendor, sha256: nil, size: nil, outcome: "bad-profile", counts: nil, reason: reason))
                job.logger.error("bad vendor profile", metadata: ["file.path": "\(file.path)", "vendor": "\(file.vendor)", "error": "\(error)"])
                continue
            }
            guard let format = format(for: file) else {
                totals.unreadable += 1
                let reason = "no vendor profile \"\(file.vendor)\" in \(job.config.vendorsDirectory)"
                print("skipped \(file.path): \(reason)")
                totals.inputs.append(.init(path: file.path, vendor: file.vendor, sha256: nil, size: nil, outcome: "no-profile", counts: nil, reason: reason))
                job.logger.error("no vendor profile", metadata: ["file.path": "\(file.path)", "vendor": "\(file.vendor)"])
                continue
            }
            let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int64) ?? 0
            let progress = ProgressDisplay(label: URL(fileURLWithPath: file.path).lastPathComponent, totalBytes: size, logger: job.logger)
            ingestor.progress = { bytes, rows in progress.update(bytes: bytes, rows: rows) }
            let report = try ingestor.ingest(path: file.path, format: format, accountFromFolder: file.account)
            progress.finish()
            var input = RunRecordFile.Input(path: file.path, vendor: file.vendor, sha256: report.sha256, size: report.size, outcome: "", counts: nil, reason: nil)
            defer { totals.inputs.append(input) }
            switch report.outcome {
            case .alreadyIngested:
                totals.alreadyIngested += 1
                input.outcome = "already-ingested"
                print("unchanged \(file.path): already ingested (sha256 \(report.sha256.prefix(12)))")
            case .ingested(let counts):
                totals.ingested += 1
                input.outcome = "ingested"
                input.counts = counts
                add(counts, to: &totals.counts)
                print("ingested \(file.path): \(counts.rows) rows, \(counts.inserted) new, \(counts.updated) updated, "
                      + "\(counts.unchanged) unchanged, \(counts.stale) stale, \(counts.conflicts) conflicts, \(counts.rejected) rejected")
                for reject in report.rejects.prefix(20) {
                    FileHandle.standardError.write(Data("rejected \(reject)\n".utf8))
                }
                if report.rejects.count > 20 {
                    FileHandle.standardError.write(Data("rejected … \(counts.rejected - 20) more rows of \(file.path) (see the ledger's rejects)\n".utf8))
                }
                for conflict in report.conflicts.prefix(20) {
                    FileHandle.standardError.write(Data("conflict \(file.path):\(conflict.source.row): \(conflict.vendor)/\(conflict.messageID) is \(conflict.kept.rawValue); \(conflict.incoming.rawValue) ignored\n".utf8))
                }
            case .unreadable(let reason):
                totals.unreadable += 1
                input.outcome = "unreadable"
                input.reason = reason
                if quarantineUnreadable {
                    let moved = try Inbox.quarantine(file, reason: reason, into: job.config.paths.quarantine)
                    print("quarantined \(file.path) -> \(moved): \(reason)")
                } else {
                    print("unreadable \(file.path): \(reason)")
                }
            }
        }
        return totals
    }

    /// The reader of a file; nil when its profile does not exist. (A profile that does not load
    /// is reported by `run`, with its error.)
    func format(for file: InboxFile) -> RecordFormat? {
        VendorFormats.format(for: file, config: job.config)
    }

    /// Whether the file's vendor profile exists, loaded or not (the `ingest --vendor` check).
    func hasProfile(for file: InboxFile) -> Bool {
        file.vendor == "canonical" || VendorFormats.profile(named: file.vendor, config: job.config) != nil
    }

    private func add(_ counts: FileIngestCounts, to total: inout FileIngestCounts) {
        total.rows += counts.rows
        total.inserted += counts.inserted
        total.updated += counts.updated
        total.unchanged += counts.unchanged
        total.stale += counts.stale
        total.conflicts += counts.conflicts
        total.rejected += counts.rejected
    }

    static func printTotals(_ totals: Totals) {
        let c = totals.counts
        print("files: \(totals.files) (\(totals.ingested) ingested, \(totals.alreadyIngested) already ingested, \(totals.unreadable) unreadable)")
        print("rows: \(c.rows) (\(c.inserted) new, \(c.updated) updated, \(c.unchanged) unchanged, \(c.stale) stale, \(c.conflicts) conflicts, \(c.rejected) rejected)")
    }

    static func status(_ totals: Totals) -> ExitStatus {
        totals.unreadable > 0 || totals.counts.rejected > 0 ? .someInputRejected : .done
    }
}
