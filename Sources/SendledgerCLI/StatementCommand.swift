import ArgumentParser
import Foundation
import LedgerBilling
import LedgerCore
import LedgerReports
import LedgerStore

struct Statement: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write one account's usage statement for a cycle: statement-r<N>.xlsx and .jsonl.",
        discussion: """
            A closed cycle gives its stored revision 1 (never recomputed); an open one a preview, \
            revision 0, computed as of --as-of (default: today, local 00:00 of the reporting zone). \
            Summary, Bridge and Daily come from the daily rollups; the per-message Failures and \
            Details sheets follow unless --no-details is given. \
            Files go to <out>/statements/<account>/<cycle>/ unless --out names a folder.
            """)
    @OptionGroup var common: CommonOptions
    @Option(help: "Account id.") var account: String
    @Option(help: "Cycle start, YYYY-MM-DD.") var cycle: String
    @Option(help: "xlsx or jsonl (default: both).") var format: String?
    @Option(help: "Output folder (default: <out>/statements/<account>/<cycle>).") var out: String?
    @Option(help: "Decide pending finality as of this day, YYYY-MM-DD (default: today).") var asOf: String?
    @Flag(inversion: .prefixedNo,
          help: "The per-message Failures and Details sheets (--no-details: daily rollups only, flat in message count).")
    var details = true

    func validate() throws {
        if LocalDate(cycle) == nil { throw ValidationError("--cycle: expected YYYY-MM-DD, got \"\(cycle)\"") }
        if let format, ReportFormat(rawValue: format.lowercased()) == nil {
            throw ValidationError("--format: expected xlsx or jsonl, got \"\(format)\"")
        }
        if let asOf, LocalDate(asOf) == nil { throw ValidationError("--as-of: expected YYYY-MM-DD, got \"\(asOf)\"") }
    }

    func run() throws {
        try execute {
            let job = try Job.open(common, command: "statement")
            let engine = try job.billingEngine()
            let start = LocalDate(cycle)!
            let formats = try FormatOption.parse(format)
            let statement: LedgerBilling.Statement
            do {
                statement = try engine.statement(account: account, cycle: start, asOf: try job.asOf(asOf))
            } catch let error as BillingError {
                throw Job.billingFailure(error)
            }
            let records: RecordStream? = !details ? nil : { each in
                try engine.details(account: account, cycle: start, each)
            }
            let directory = out ?? StatementReport.directory(out: job.config.paths.out, account: account, cycle: start)
            let paths = try StatementReport(statement: statement, records: records).write(to: directory, formats: formats)
            for path in paths { print("wrote \(path)") }
            job.logger.info("statement written", metadata: [
                "account.id": "\(account)", "cycle.start": "\(start)", "statement.revision": "\(statement.revision)",
                "statement.total": "\(statement.total)", "files": "\(paths.count)"])
            return .done
        }
    }
}
