import Foundation
import LedgerBilling
import LedgerCore
import LedgerReports
import LedgerStore

extension Job {
    /// The billing engine of the config: the accounts file, the price book and `[policy]`.
    /// A missing or bad file is a config error (exit 64) naming the file and key.
    func billingEngine() throws -> BillingEngine {
        guard let store = store as? any BillingStore else {
            throw CommandFailure(status: .internalError, message: "the configured store has no billing tables")
        }
        guard let accountsFile = config.accountsFile else {
            throw CommandFailure.usage("\(config.file): accounts.file: required for statements and reports")
        }
        guard let priceBookFile = config.priceBookFile else {
            throw CommandFailure.usage("\(config.file): price_book.file: required for statements and reports")
        }
        let p = config.policy
        let policy = BillingPolicy(graceDays: p.graceDays, lateWindowDays: p.lateWindowDays, finalityHours: p.finalityHours,
                                   uncertain: BillingPolicy.Uncertain(rawValue: p.uncertain) ?? .charge,
                                   retentionDays: p.retentionDays, reportingTimeZone: p.timeZone)
        do {
            let accounts = try AccountDirectory.load(path: accountsFile)
            let priceBook = try PriceBook.load(path: priceBookFile)
            return try BillingEngine(store: store, accounts: accounts, priceBook: priceBook, policy: policy, logger: logger)
        } catch {
            throw CommandFailure.usage("\(error)")
        }
    }

    /// The as-of instant of a statement or report: local 00:00 of `day` (default: today) in
    /// the reporting zone, so the same ledger gives the same bytes all day.
    func asOf(_ day: String?) throws -> Instant {
        guard var clock = ZoneClock(identifier: config.policy.timeZone) else {
            throw CommandFailure.usage("\(config.file): policy.time_zone: unknown time zone")
        }
        let date: LocalDate
        if let day {
            guard let parsed = LocalDate(day) else { throw CommandFailure.usage("--as-of: expected YYYY-MM-DD, got \"\(day)\"") }
            date = parsed
        } else {
            date = clock.localDate(of: Instant(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)))
        }
        return clock.startOfDay(date)
    }

    /// Billing errors about the request (unknown account, not a cycle start, no price) are
    /// usage errors; broken invariants are internal.
    static func billingFailure(_ error: BillingError) -> CommandFailure {
        CommandFailure(status: error.isInternal ? .internalError : .usage, message: error.description)
    }
}

/// `--format xlsx|jsonl`; both when not given.
enum FormatOption {
    static func parse(_ text: String?) throws -> Set<ReportFormat> {
        guard let text else { return Set(ReportFormat.allCases) }
        guard let format = ReportFormat(rawValue: text.lowercased()) else {
            throw CommandFailure.usage("--format: expected xlsx or jsonl, got \"\(text)\"")
        }
        return [format]
    }
}

extension Job {
    /// Writes the statements a closing run just closed (revision 1), in both formats, with
    /// their Failures and Details sheets; returns the paths. For `sendledger run`.
    func writeClosedStatements(_ result: CloseResult, engine: BillingEngine) throws -> [String] {
        guard !result.dryRun else { return [] }
        var paths: [String] = []
        for closed in result.closed {
            let statement = closed.statement
            let directory = StatementReport.directory(out: config.paths.out, account: statement.account, cycle: statement.cycleStart)
            let report = StatementReport(statement: statement, records: { each in
                try engine.details(account: statement.account, cycle: statement.cycleStart, each)
            })
            paths += try report.write(to: directory, formats: Set(ReportFormat.allCases))
        }
        return paths
    }

    /// Writes the run's discrepancy report (`discrepancies/<run date>.xlsx` and `.jsonl`) when
    /// any vendor summary differs from the detail records; returns the paths. For `sendledger run`.
    func writeDiscrepancies(_ reports: [DiscrepancyReport], runDate: LocalDate) throws -> [String] {
        guard reports.contains(where: { !$0.rows.isEmpty }) else { return [] }
        return try DiscrepancyReportFile(runDate: runDate, reports: reports)
            .write(to: DiscrepancyReportFile.directory(out: config.paths.out), formats: Set(ReportFormat.allCases))
    }
}
