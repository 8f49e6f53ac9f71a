import LedgerBilling
import LedgerCore
import LedgerReports

extension Job {
    /// Writes a calendar month's reports: per account (every condition; saved with a revision
    /// when its content changes), and, for all accounts, the all-accounts workbook and each
    /// vendor's refund report. Returns the paths written. For `report month` and `run`.
    func writeMonthReports(month: CalendarMonth, account: String?, details: Bool, formats: Set<ReportFormat>,
                           asOf: Instant, engine: BillingEngine) throws -> [String] {
        // Thousands of files: their fsyncs are batched (each is still durable before its rename).
        try AtomicOutput.batched { batch in
            try writeMonthReportFiles(month: month, account: account, details: details, formats: formats, asOf: asOf,
                                      engine: engine, batch: batch)
        }
    }

    private func writeMonthReportFiles(month: CalendarMonth, account: String?, details: Bool, formats: Set<ReportFormat>,
                                       asOf: Instant, engine: BillingEngine, batch: AtomicOutput.Batch) throws -> [String] {
        let ids = account.map { [$0] } ?? engine.accounts.accounts.map(\.id)
        let directory = MonthAccountReport.directory(out: config.paths.out, month: month)
        // Accounts are independent: two threads render them (a core each on this 2-core
        // machine; the ledger's reads and writes stay serialized by its queue, except the
        // Details rows, streamed on a reading connection of their own). Memory stays flat:
        // each worker holds one workbook's shared strings and buffers at a time.
        let job = self
        let perAccount = try ParallelWork.map(ids, workers: ids.count < 2 ? 1 : 2) { id in
            try job.writeAccountMonth(id: id, month: month, details: details, formats: formats, asOf: asOf,
                                      engine: engine, directory: directory, batch: batch)
        }
        var written = perAccount.flatMap(\.paths)
        let everyAccount = perAccount.map(\.summaries)
        let vendors = Set(perAccount.flatMap(\.vendors))
        if account == nil {
            written += try MonthAllAccountsReport(month: month, asOf: asOf, timeZone: config.policy.timeZone,
                                                  accounts: everyAccount).write(to: directory, formats: formats, batch: batch)
            for vendor in vendors.sorted() {
                let refunds = try engine.refunds(vendor: vendor, month: month, includeItems: false)
                written += try RefundReportFile(report: refunds, items: { channel, each in
                    try engine.refundItems(vendor: vendor, month: month, channel: channel, each)
                }).write(
                    to: RefundReportFile.directory(out: config.paths.out, vendor: vendor), formats: formats, batch: batch)
            }
        }
        return written
    }

    /// One account's month: every condition computed, the "all" view saved as a revision when
    /// it changed, the workbook and its JSONL twin written. Returns the paths, the reports
    /// slimmed to what the all-accounts workbook reads, and the vendors with cost.
    func writeAccountMonth(id: String, month: CalendarMonth, details: Bool, formats: Set<ReportFormat>, asOf: Instant,
                           engine: BillingEngine, directory: String,
                           batch: AtomicOutput.Batch? = nil) throws -> (paths: [String], summaries: [MonthReport], vendors: [String]) {
        var reports: [MonthReport] = []
        do {
            for condition in MonthCondition.allCases {
                var report = try engine.monthReport(month: month, account: id, asOf: asOf, condition: condition)
                if condition == .all { report = try engine.saveMonthReport(report, runID: runID) }
                reports.append(report)
            }
        } catch let error as BillingError {
            throw Job.billingFailure(error)
        }
        let messages: MessageDetailStream? = details ? { each in
            try engine.store.messageDetails(account: id, days: month.days, each)
        } : nil
        let paths = try MonthAccountReport(reports: reports, details: messages).write(to: directory, formats: formats, batch: batch)
        // The all-accounts workbook reads totals and channels only: a thousand accounts' daily
        // and per-line parts would otherwise stay in memory until the end.
        let summaries = reports.map { report in
            var summary = report
            summary.lines = []
            summary.daily = []
            summary.bridge = []
            return summary
        }
        return (paths, summaries, reports[0].vendorCosts.map(\.vendor))
    }
}
