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
                let written = try job.writeMonthReports(month: calendarMonth, account: account, details: details,
                                                        formats: formats, asOf: asOf, engine: engine)
                for path in written { print("wrote \(path)") }
                job.logger.info("month reports written", metadata: [
                    "month": "\(calendarMonth)", "account": "\(account ?? "all")", "details": "\(details)", "files": "\(written.count)"])
                return .done
            }
        }
    }
}
