import Foundation
import LedgerBilling
import LedgerCore
import LedgerReports

/// The billing half of the nightly run, after ingest: close cycles past their grace (writing
/// revision 1 of each statement), put late differences on open cycles as adjustments, and
/// write the month-to-date reports with refunds. Returns every path written.
struct NightlyBilling {
    let job: Job

    func run(asOf: Instant, stages: inout [String: Double]) throws -> [String] {
        let engine = try job.billingEngine()
        var written: [String] = []
        var started = Date()
        let closing: CloseResult
        do {
            closing = try engine.close(asOf: asOf, runID: job.runID)
        } catch let error as BillingError {
            throw Job.billingFailure(error)
        }
        written += try job.writeClosedStatements(closing, engine: engine)
        Self.printClosing(closing, dryRun: false)
        stages["close"] = Date().timeIntervalSince(started)

        // Month-to-date: the as-of month, and the month before while its data still arrives.
        started = Date()
        var clock = ZoneClock(identifier: job.config.policy.timeZone)!
        let month = clock.localDate(of: asOf).calendarMonth
        for reportMonth in [month.previous, month] {
            written += try job.writeMonthReports(month: reportMonth, account: nil, details: false,
                                                 formats: Set(ReportFormat.allCases), asOf: asOf, engine: engine)
        }
        stages["reports"] = Date().timeIntervalSince(started)
        print("outputs: \(written.count) files under \(job.config.paths.out)")
        return written
    }

    static func printClosing(_ closing: CloseResult, dryRun: Bool) {
        let verb = dryRun ? "would close" : "closed"
        for closed in closing.closed {
            let s = closed.statement
            print("\(verb) \(s.account) cycle \(s.cycleStart): total \(s.total.formatted(fractionDigits: s.currencyDigits)) \(s.currency) (checksum \(closed.checksum.prefix(12)))")
        }
        for adjustment in closing.adjustments {
            print("\(dryRun ? "would adjust" : "adjusted") \(adjustment.account) cycle \(adjustment.targetCycle): \(adjustment.lines.count) lines from late data")
        }
        for manual in closing.manual {
            print("past the late window \(manual.account): \(manual.lines.count) lines need `rerun --adjust`")
        }
        for account in closing.unknownAccounts {
            print("unknown account \(account): usage in the ledger but not in the accounts file; not billed")
        }
    }
}
