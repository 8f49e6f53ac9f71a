import ArgumentParser
import Foundation
import LedgerBilling
import LedgerCore

struct Purge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Purge detail records past retention.",
        discussion: """
            BILLING.md: detail records older than policy.retention_days are deleted, except those \
            of an open cycle, a cycle not closed yet, or a closed cycle still inside its grace or \
            late window. Daily rollups, statements, adjustments and run records are kept. Rejected \
            rows of files ingested before the retention horizon go too. One transaction per \
            account; --dry-run prints the same counts and deletes nothing.
            """)
    @OptionGroup var common: CommonOptions
    @Option(help: "As of another day, YYYY-MM-DD (default: today).") var asOf: String?
    @Flag(help: "Print counts; delete nothing.") var dryRun = false

    func validate() throws {
        if let asOf, LocalDate(asOf) == nil { throw ValidationError("--as-of: expected YYYY-MM-DD, got \"\(asOf)\"") }
    }

    func run() throws {
        try execute {
            let job = try Job.open(common, command: "purge")
            let lock = try job.lock()
            defer { withExtendedLifetime(lock) {} }
            let engine = try job.billingEngine()
            let result: PurgeResult
            do {
                result = try engine.purge(asOf: try job.asOf(asOf), runID: job.runID, dryRun: dryRun)
            } catch let error as BillingError {
                throw Job.billingFailure(error)
            }
            Self.print(result)
            return .done
        }
    }

    static func print(_ result: PurgeResult) {
        let verb = result.dryRun ? "would purge" : "purged"
        for account in result.accounts {
            Swift.print("\(verb) \(account.account): \(account.records) detail records before \(account.before)")
        }
        Swift.print("\(verb) \(result.records) detail records of \(result.accounts.count) accounts, "
                    + "\(result.rejects) rejected rows of files ingested before \(result.rejectsBefore)")
    }
}
