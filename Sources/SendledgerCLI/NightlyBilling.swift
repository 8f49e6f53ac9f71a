import Foundation
import LedgerBilling
import LedgerCore
import LedgerIngest
import LedgerReports

/// The billing half of the nightly run, after ingest: close cycles past their grace (writing
/// revision 1 of each statement; uncertain records are made final by the policy as of the
/// run), put late differences on open cycles as adjustments, write the month-to-date reports
/// with refunds, the discrepancy report when a vendor summary disagrees with the detail, and
/// purge detail past retention.
struct NightlyBilling {
    let job: Job

    struct Outcome {
        var written: [String] = []
        var counts: [String: Int] = [:]
    }

    func run(asOf: Instant, stages: inout [String: Double]) throws -> Outcome {
        let engine = try job.billingEngine()
        var outcome = Outcome()
        var started = Date()
        let closing: CloseResult
        do {
            closing = try engine.close(asOf: asOf, runID: job.runID)
        } catch let error as BillingError {
            throw Job.billingFailure(error)
        }
        outcome.written += try job.writeClosedStatements(closing, engine: engine)
        outcome.written += try job.writeMissingStatements(asOf: asOf, engine: engine)
        Self.printClosing(closing, dryRun: false)
        outcome.counts["statements_closed"] = closing.closed.count
        outcome.counts["adjustment_lines"] = closing.adjustments.reduce(0) { $0 + $1.lines.count }
        outcome.counts["adjustment_lines_manual"] = closing.manual.reduce(0) { $0 + $1.lines.count }
        stages["close"] = Date().timeIntervalSince(started)

        // Month-to-date: the as-of month, and the month before while its data still arrives.
        started = Date()
        var clock = ZoneClock(identifier: job.config.policy.timeZone)!
        let runDate = clock.localDate(of: asOf)
        let month = runDate.calendarMonth
        for reportMonth in [month.previous, month] {
            outcome.written += try job.writeMonthReports(month: reportMonth, account: nil, details: false,
                                                         formats: Set(ReportFormat.allCases), asOf: asOf, engine: engine)
        }
        stages["reports"] = Date().timeIntervalSince(started)

        started = Date()
        let discrepancies = try reconcileSummaries(engine: engine)
        outcome.written += try job.writeDiscrepancies(discrepancies, runDate: runDate)
        let differences = discrepancies.reduce(0) { $0 + $1.rows.count }
        outcome.counts["discrepancies"] = differences
        if differences > 0 { print("discrepancies: \(differences) differences between vendor summaries and detail") }
        stages["discrepancies"] = Date().timeIntervalSince(started)

        started = Date()
        let purge = try engine.purge(asOf: asOf, runID: job.runID)
        if purge.records > 0 || purge.rejects > 0 { Purge.print(purge) }
        outcome.counts["purged_records"] = purge.records
        outcome.counts["purged_rejects"] = purge.rejects
        stages["purge"] = Date().timeIntervalSince(started)

        print("outputs: \(outcome.written.count) files under \(job.config.paths.out)")
        return outcome
    }

    /// Every vendor whose summary profile is configured, reconciled with the detail records in
    /// the profile's time zone (the reporting zone when the profile names none).
    func reconcileSummaries(engine: BillingEngine) throws -> [DiscrepancyReport] {
        var reports: [DiscrepancyReport] = []
        var seen: Set<String> = []
        for name in VendorFormats.profileNames(config: job.config) {
            guard case .success(let profile)? = VendorFormats.profile(named: name, config: job.config),
                  profile.kind == .summary, seen.insert(profile.vendor).inserted else { continue }
            let zone = profile.fields.values.compactMap(\.zone).sorted().first ?? job.config.policy.timeZone
            do {
                reports.append(try engine.reconcile(vendor: profile.vendor, timeZone: zone))
            } catch let error as BillingError {
                throw Job.billingFailure(error)
            }
        }
        return reports
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
