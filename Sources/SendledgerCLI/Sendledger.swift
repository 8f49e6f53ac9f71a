import ArgumentParser
import Foundation
import LedgerCore
import LedgerIngest
import LedgerStore

/// `sendledger`: ingests vendor delivery reports into one ledger and bills from it.
public struct Sendledger: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "sendledger",
        abstract: "Delivery-report ledger and billing reconciliation for SMS, Kakao, email and calls.",
        subcommands: [Run.self, Ingest.self, Statement.self, Report.self, Rerun.self, Purge.self, Vendors.self,
                      Xlsx.self, CheckConfig.self])

    public init() {}
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The nightly job: ingest every new inbox file, then bill and report.")
    @OptionGroup var common: CommonOptions
    @Option(help: "Run as of another day, YYYY-MM-DD (backfills, tests).") var asOf: String?
    @Flag(help: "Report what a run would do; write nothing.") var dryRun = false

    func validate() throws {
        if let asOf, LocalDate(asOf) == nil { throw ValidationError("--as-of: expected YYYY-MM-DD, got \"\(asOf)\"") }
    }

    func run() throws {
        try execute {
            let job = try Job.open(common, command: "run")
            let lock = try job.lock()
            defer { withExtendedLifetime(lock) {} }
            let files = try Inbox.scan(job.config.paths.inbox)
            if dryRun {
                var new = 0
                for file in files {
                    let digest = try FileDigestCheck.isNew(file.path, store: job.store)
                    if digest { new += 1 }
                    print("\(digest ? "would ingest" : "unchanged  ") \(file.path)")
                }
                print("dry run: \(new) of \(files.count) inbox files are new")
                if let archive = job.config.paths.archive, !files.isEmpty {
                    print("dry run: would archive the \(files.count) inbox files under \(archive)")
                }
                if job.config.accountsFile != nil, job.config.priceBookFile != nil {
                    let engine = try job.billingEngine()
                    let closing = try engine.close(asOf: try job.asOf(asOf), runID: job.runID, dryRun: true)
                    NightlyBilling.printClosing(closing, dryRun: true)
                    Purge.print(try engine.purge(asOf: try job.asOf(asOf), runID: job.runID, dryRun: true))
                }
                print("dry run: nothing written")
                return .done
            }
            let clockStart = Date()
            let started = Instant(secondsSinceEpoch: Int64(clockStart.timeIntervalSince1970))
            try job.store.saveRun(RunRecord(id: job.runID, command: "run", startedAt: started, status: "running"))
            var stages: [String: Double] = [:]
            let totals: FileIngestion.Totals
            do {
                totals = try FileIngestion(job: job, quarantineUnreadable: true).run(files)
            } catch let interruption as IngestInterrupted {
                // The audit trail says the night was cut short; the next run picks up the rest.
                try job.store.saveRun(RunRecord(id: job.runID, command: "run", startedAt: started,
                                                finishedAt: Instant(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)),
                                                status: "interrupted", summaryJSON: "{}"))
                let now = Instant(secondsSinceEpoch: Int64(Date().timeIntervalSince1970))
                _ = try? RunRecordFile(
                    runID: job.runID, command: "run", asOf: asOf ?? Job.today(in: job.config.policy.timeZone).description,
                    startedAt: started.description, finishedAt: now.description, status: "interrupted",
                    exitStatus: ExitStatus.busy.rawValue, config: job.config.file,
                    configSHA256: RunRecordFile.sha256(ofFile: job.config.file), inputs: [],
                    counts: [:], outputs: [], stageSeconds: [:]).write(outFolder: job.config.paths.out)
                throw interruption
            }
            stages["ingest"] = Date().timeIntervalSince(clockStart)
            FileIngestion.printTotals(totals)
            let archived = try archive(files, totals: totals, job: job)
            let counts = try job.store.counts()
            print("ledger: \(counts.deliveries) messages, \(counts.rollups) daily rollups, \(counts.files) files, \(counts.rejects) rejected rows")
            var billing = NightlyBilling.Outcome()
            if job.config.accountsFile != nil, job.config.priceBookFile != nil {
                billing = try NightlyBilling(job: job).run(asOf: try job.asOf(asOf), stages: &stages)
            }
            let outputs = billing.written
            let status = FileIngestion.status(totals)
            let finished = Date()
            let record = RunRecordFile(
                runID: job.runID, command: "run", asOf: asOf ?? Job.today(in: job.config.policy.timeZone).description,
                startedAt: Instant(secondsSinceEpoch: Int64(clockStart.timeIntervalSince1970)).description,
                finishedAt: Instant(secondsSinceEpoch: Int64(finished.timeIntervalSince1970)).description,
                status: status == .done ? "ok" : "rejects", exitStatus: status.rawValue,
                config: job.config.file, configSHA256: RunRecordFile.sha256(ofFile: job.config.file), inputs: totals.inputs,
                counts: ["files": totals.files, "files_ingested": totals.ingested, "files_already_ingested": totals.alreadyIngested,
                         "files_unreadable": totals.unreadable, "rows": totals.counts.rows, "rows_inserted": totals.counts.inserted,
                         "rows_updated": totals.counts.updated, "rows_unchanged": totals.counts.unchanged, "rows_stale": totals.counts.stale,
                         "rows_conflicts": totals.counts.conflicts, "rows_rejected": totals.counts.rejected,
                         "ledger_messages": counts.deliveries, "ledger_rollups": counts.rollups, "files_archived": archived]
                    .merging(billing.counts) { a, _ in a },
                outputs: outputs.map { .init(path: $0, sha256: RunRecordFile.sha256(ofFile: $0)) }, stageSeconds: stages)
            let recordPath = try record.write(outFolder: job.config.paths.out)
            try job.store.saveRun(RunRecord(id: job.runID, command: "run", startedAt: started,
                                            finishedAt: Instant(secondsSinceEpoch: Int64(finished.timeIntervalSince1970)),
                                            status: record.status, summaryJSON: String(decoding: try JSONEncoder().encode(record.counts), as: UTF8.self)))
            let lastSuccess = try job.store.lastSuccessfulRun()?.finishedAt.map { Date(timeIntervalSince1970: TimeInterval($0.secondsSinceEpoch)) }
            try RunMetrics.write(outFolder: job.config.paths.out, record: record, lastSuccess: lastSuccess,
                                 durationSeconds: finished.timeIntervalSince(clockStart))
            job.logger.info("run finished", metadata: ["run.id": "\(job.runID)", "run.record": "\(recordPath)", "run.status": "\(record.status)"])
            return status
        }
    }
}

extension Run {
    /// Archives the inbox files whose transaction committed (or that were already in the
    /// manifest); unreadable files were quarantined and files without a profile stay.
    func archive(_ files: [InboxFile], totals: FileIngestion.Totals, job: Job) throws -> Int {
        guard let folder = job.config.paths.archive else { return 0 }
        let done = Set(totals.inputs.filter { $0.outcome == "ingested" || $0.outcome == "already-ingested" }.map(\.path))
        let runDate = asOf.flatMap(LocalDate.init) ?? Job.today(in: job.config.policy.timeZone)
        var archived = 0
        for file in files where done.contains(file.path) {
            _ = try Inbox.archive(file, inbox: job.config.paths.inbox, into: folder, runDate: runDate)
            archived += 1
        }
        if archived > 0 { print("archived \(archived) files under \(folder)/\(runDate)") }
        return archived
    }
}

enum FileDigestCheck {
    /// Whether the ledger has no file with this file's SHA-256.
    static func isNew(_ path: String, store: any LedgerStore) throws -> Bool {
        try !store.isIngested(sha256: FileDigest.sha256(path: path).hex)
    }
}

struct Ingest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ingest files (or folders of files) into the ledger, one transaction per file.")
    @OptionGroup var common: CommonOptions
    @Option(help: "The vendor profile that reads these files (default: canonical).") var vendor = "canonical"
    @Argument(help: "Files or folders to ingest.") var paths: [String]

    func validate() throws {
        if paths.isEmpty { throw ValidationError("give at least one file or folder") }
    }

    func run() throws {
        try execute {
            let job = try Job.open(common, command: "ingest")
            let lock = try job.ingestLock()
            defer { withExtendedLifetime(lock) {} }
            let files = try Inbox.expand(paths, vendor: vendor)
            let ingestion = FileIngestion(job: job, quarantineUnreadable: false)
            if let first = files.first, !ingestion.hasProfile(for: first) {
                throw CommandFailure(status: .usage, message: "--vendor \(vendor): no such vendor profile in \(job.config.vendorsDirectory)")
            }
            // The profile named on the command line does not load: say why (file, key, fault).
            if vendor != "canonical", case .failure(let error)? = VendorFormats.profile(named: vendor, config: job.config) {
                throw CommandFailure(status: .usage, message: "--vendor \(vendor): \(error)")
            }
            let totals = try ingestion.run(files)
            FileIngestion.printTotals(totals)
            return FileIngestion.status(totals)
        }
    }
}

struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config", abstract: "Check the configuration and exit: 0 when good, 64 naming the file and key when not.")
    @OptionGroup var common: CommonOptions

    func run() throws {
        try execute {
            let config: LedgerConfig
            do {
                config = try LedgerConfig.load(path: common.config)
                _ = try AccountZonesLoading.load(config: config)
            } catch let error as ConfigError {
                throw CommandFailure(status: .usage, message: error.description)
            }
            print("config ok: \(config.file)")
            switch config.store {
            case .sqlite(let path): print("store: sqlite \(path)")
            case .postgres(let url): print("store: \(url)")
            }
            print("inbox: \(config.paths.inbox)  out: \(config.paths.out)  quarantine: \(config.paths.quarantine)")
            return .done
        }
    }
}
