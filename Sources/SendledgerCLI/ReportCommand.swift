import ArgumentParser
import Foundation
import LedgerBilling
import LedgerCore
import LedgerReports
import LedgerStore

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Calendar-month reports.", subcommands: [Month.self])

    struct Month: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The calendar-month view the vendor consoles show, per account and for all accounts.",
            discussion: """
                Writes <out>/months/<YYYY-MM>/<account>.xlsx and .jsonl (totals and cost per medium for \
                each condition: all, campaign, one-time; the bridge to billing cycles; the daily \
                breakdown; with --details every message), all-accounts.xlsx and .jsonl when no \
                --account is given, and <out>/refunds/<vendor>/<YYYY-MM>.xlsx and .jsonl for every \
                vendor of the month. Each saved month report gets a revision when its content changes.
                """)
        @OptionGroup var common: CommonOptions
        @Option(help: "Month, YYYY-MM.") var month: String
        @Option(help: "One account (default: all).") var account: String?
        @Flag(help: "Include per-message detail.") var details = false
        @Option(help: "xlsx or jsonl (default: both).") var format: String?
        @Option(help: "Decide pending finality as of this day, YYYY-MM-DD (default: today).") var asOf: String?

        func validate() throws {
            if CalendarMonth(month) == nil { throw ValidationError("--month: expected YYYY-MM, got \"\(month)\"") }
            if let format, ReportFormat(rawValue: format.lowercased()) == nil {
                throw ValidationError("--format: expected xlsx or jsonl, got \"\(format)\"")
            }
            if let asOf, LocalDate(asOf) == nil { throw ValidationError("--as-of: expected YYYY-MM-DD, got \"\(asOf)\"") }
        }

        func run() throws {
            try execute {
                let job = try Job.open(common, command: "report")
                // Saving month-report revisions writes to the ledger: one writer at a time.
                let lock = try job.lock()
                defer { withExtendedLifetime(lock) {} }
                let engine = try job.billingEngine()
                let calendarMonth = CalendarMonth(month)!
                let formats = try FormatOption.parse(format)
                let asOf = try job.asOf(self.asOf)
                let ids = account.map { [$0] } ?? engine.accounts.accounts.map(\.id)
                let directory = MonthAccountReport.directory(out: job.config.paths.out, month: calendarMonth)
                var everyAccount: [[MonthReport]] = []
                var vendors: Set<String> = []
                var written: [String] = []
                for id in ids {
                    var reports: [MonthReport] = []
                    do {
                        for condition in MonthCondition.allCases {
                            var report = try engine.monthReport(month: calendarMonth, account: id, asOf: asOf, condition: condition)
                            if condition == .all { report = try engine.saveMonthReport(report, runID: job.runID) }
                            reports.append(report)
                        }
                    } catch let error as BillingError {
                        throw Job.billingFailure(error)
                    }
                    for cost in reports[0].vendorCosts { vendors.insert(cost.vendor) }
                    let records: RecordStream? = details ? { each in
                        try engine.store.records(account: id, days: calendarMonth.days, each)
                    } : nil
                    written += try MonthAccountReport(reports: reports, records: records).write(to: directory, formats: formats)
                    everyAccount.append(reports)
                }
                if account == nil {
                    written += try MonthAllAccountsReport(month: calendarMonth, asOf: asOf, timeZone: job.config.policy.timeZone,
                                                          accounts: everyAccount).write(to: directory, formats: formats)
                    for vendor in vendors.sorted() {
                        let refunds = try engine.refunds(vendor: vendor, month: calendarMonth)
                        written += try RefundReportFile(report: refunds).write(
                            to: RefundReportFile.directory(out: job.config.paths.out, vendor: vendor), formats: formats)
                    }
                }
                for path in written { print("wrote \(path)") }
                job.logger.info("month reports written", metadata: [
                    "month": "\(calendarMonth)", "accounts": "\(ids.count)", "details": "\(details)", "files": "\(written.count)"])
                return .done
            }
        }
    }
}
