import LedgerBilling
import LedgerCore
import LedgerReports

extension Job {
    /// Writes a calendar month's reports: per account (every condition; saved with a revision
    /// when its content changes), and, for all accounts, the all-accounts workbook and each
    /// vendor's refund report. Returns the paths written. For `report month` and `run`.
    func writeMonthReports(month: CalendarMonth, account: String?, details: Bool, formats: Set<ReportFormat>,
                           asOf: Instant, engine: BillingEngine) throws -> [String] {
        let ids = account.map { [$0] } ?? engine.accounts.accounts.map(\.id)
        let directory = MonthAccountReport.directory(out: config.paths.out, month: month)
        var everyAccount: [[MonthReport]] = []
        var vendors: Set<String> = []
        var written: [String] = []
        for id in ids {
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
            for cost in reports[0].vendorCosts { vendors.insert(cost.vendor) }
            let records: RecordStream? = details ? { each in
                try engine.store.records(account: id, days: month.days, each)
            } : nil
            written += try MonthAccountReport(reports: reports, records: records).write(to: directory, formats: formats)
            // The all-accounts workbook reads totals and channels only: a thousand accounts'
            // daily and per-line parts would otherwise stay in memory until the end.
            everyAccount.append(reports.map { report in
                var summary = report
                summary.lines = []
                summary.daily = []
                summary.bridge = []
                return summary
            })
        }
        if account == nil {
            written += try MonthAllAccountsReport(month: month, asOf: asOf, timeZone: config.policy.timeZone,
                                                  accounts: everyAccount).write(to: directory, formats: formats)
            for vendor in vendors.sorted() {
                let refunds = try engine.refunds(vendor: vendor, month: month, includeItems: false)
                written += try RefundReportFile(report: refunds, items: { channel, each in
                    try engine.refundItems(vendor: vendor, month: month, channel: channel, each)
                }).write(
                    to: RefundReportFile.directory(out: config.paths.out, vendor: vendor), formats: formats)
            }
        }
        return written
    }
}
