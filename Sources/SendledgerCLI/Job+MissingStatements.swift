import Foundation
import LedgerBilling
import LedgerCore
import LedgerReports

extension Job {
    /// Statements an earlier run closed but did not write: the ledger commits the closing
    /// first, so a run killed, or stopped by a full disk or a read-only folder, before its
    /// files were renamed into place leaves revision 1 in the ledger and nothing under out/.
    /// The next run writes them from the stored revision (the bytes the closing run would
    /// have written). Only statements closed since the last run that finished are looked at:
    /// that run wrote its files, so a statement moved away from out/ later is not brought back.
    func writeMissingStatements(asOf: Instant, engine: BillingEngine) throws -> [String] {
        // Run ids start with the UTC start time (yyyyMMdd'T'HHmmss'Z'), so they sort in time.
        let lastFinished = try store.lastSuccessfulRun()?.id
        var paths: [String] = []
        for account in engine.accounts.accounts {
            for stored in try engine.store.storedStatements(account: account.id)
            where stored.revision == 1 && stored.runID != runID && lastFinished.map({ stored.runID > $0 }) ?? true {
                let directory = StatementReport.directory(out: config.paths.out, account: stored.account, cycle: stored.cycleStart)
                let complete = ReportFormat.allCases.allSatisfy { format in
                    FileManager.default.fileExists(atPath: "\(directory)/statement-r1.\(format.rawValue)")
                }
                if complete { continue }
                let statement: LedgerBilling.Statement
                do {
                    statement = try engine.statement(account: stored.account, cycle: stored.cycleStart, asOf: asOf)
                } catch let error as BillingError {
                    throw Job.billingFailure(error)
                }
                let report = StatementReport(statement: statement, records: { each in
                    try engine.details(account: stored.account, cycle: stored.cycleStart, each)
                })
                paths += try report.write(to: directory, formats: Set(ReportFormat.allCases))
                logger.warning("statement written again: its files were missing", metadata: [
                    "account.id": "\(stored.account)", "cycle.start": "\(stored.cycleStart)", "statement.revision": "1"])
            }
        }
        return paths
    }
}
