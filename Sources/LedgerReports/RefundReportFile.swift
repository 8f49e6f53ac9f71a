import LedgerBilling
import LedgerCore
import LedgerXLSX

/// What a vendor owes back for refundable failures in a month ("실패 (환급대상)"): per channel
/// the count, units and reported cost, and every message as evidence.
/// Written as `refunds/<vendor>/<YYYY-MM>.xlsx` and `.jsonl`.
public struct RefundReportFile {
    public let report: RefundReport
    /// The evidence of one channel, streamed; nil uses each channel's `items`.
    public let items: ((Channel, (RefundItem) throws -> Void) throws -> Void)?
    public var xlsxOptions = XLSXWriterOptions()

    public init(report: RefundReport, items: ((Channel, (RefundItem) throws -> Void) throws -> Void)? = nil) {
        self.report = report
        self.items = items
    }

    public static func directory(out: String, vendor: String) -> String { "\(out)/refunds/\(vendor)" }

    @discardableResult
    public func write(to directory: String, formats: Set<ReportFormat>, batch: AtomicOutput.Batch? = nil) throws -> [String] {
        try ReportFiles.write(directory: directory, stem: report.month.description, formats: formats, language: .ko,
                              options: xlsxOptions, batch: batch, render)
    }

    public func render(into sink: any ReportSink) throws {
        let r = report
        let L = ReportLabels.self
        typealias F = ReportColumn
        var clock = ZoneClock(identifier: r.timeZone) ?? ZoneClock(identifier: "UTC")!
        let fields: [(ReportColumn, ReportValue)] = [
            F.field("schema", L.schema, .text("sendledger.refunds.jsonl/1")), F.field("vendor", L.vendor, .text(r.vendor)),
            F.field("month", L.month, .text(r.month.description)), F.field("time_zone", L.timeZone, .text(r.timeZone)),
            F.field("messages", L.messages, .int(r.messages)), F.field("cost_unknown", L.costUnknown, .int(r.costUnknown)),
        ]
        let closing = [F.field("amount_owed", L.amountOwed, .exact(r.amountOwed))]
        let channels = ReportTable(record: "channel", title: L.channelsBlock, columns: Columns.refundChannel, rows: r.channels.map {
            [.text($0.channel.description), .int($0.messages), .int($0.units), $0.unitCost.map { .exact($0) } ?? .null,
             .exact($0.amountOwed), .int($0.costUnknown)]
        }, totals: Columns.refundTotals)
        try sink.summary(sheet: L.summary, title: "\(L.refundTitle.ko) — \(r.vendor) (\(r.month))", record: "refunds",
                         fields: fields, tables: [channels], closing: closing)
        try sink.beginStream(sheet: L.evidence, record: "refund_item", columns: Columns.refundItem)
        for channel in r.channels {
            let row = { (item: RefundItem) throws in
                try sink.streamRow([
                    .text(channel.channel.description), .text(item.messageID), .text(item.account),
                    .dateTime(item.sentAt, offsetSeconds: clock.offset(at: item.sentAt)), .int(item.units),
                    item.vendorCost.map { .exact($0) } ?? .null, .text(item.reasonCode), .text(item.reasonText)])
            }
            if let items { try items(channel.channel, row) } else { try channel.items.forEach(row) }
        }
    }
}

/// Every difference between vendors' summaries and our detail records found by one run.
/// Written as `discrepancies/<run date>.xlsx` and `.jsonl`.
public struct DiscrepancyReportFile {
    public let reports: [DiscrepancyReport]
    public let runDate: LocalDate
    public var xlsxOptions = XLSXWriterOptions()

    public init(runDate: LocalDate, reports: [DiscrepancyReport]) {
        self.runDate = runDate
        self.reports = reports.sorted { $0.vendor < $1.vendor }
    }

    public static func directory(out: String) -> String { "\(out)/discrepancies" }

    @discardableResult
    public func write(to directory: String, formats: Set<ReportFormat>) throws -> [String] {
        try ReportFiles.write(directory: directory, stem: runDate.description, formats: formats, language: .ko, options: xlsxOptions, render)
    }

    public func render(into sink: any ReportSink) throws {
        let L = ReportLabels.self
        typealias F = ReportColumn
        let rows = reports.flatMap(\.rows)
        let fields: [(ReportColumn, ReportValue)] = [
            F.field("schema", L.schema, .text("sendledger.discrepancies.jsonl/1")), F.field("run_date", L.runDate, .date(runDate)),
            F.field("vendors", L.vendors, .int(reports.count)), F.field("rows", L.rows, .int(rows.count)),
        ]
        try sink.summary(sheet: L.summary, title: "\(L.discrepancyTitle.ko) (\(runDate))", record: "discrepancies", fields: fields,
                         tables: [], closing: [])
        try sink.table(sheet: L.discrepancies, ReportTable(record: "discrepancy", title: L.discrepancies, columns: Columns.discrepancy,
                                                           rows: rows.map { d in
            [.text(d.vendor), .text(d.account), .text(d.grain), .text(d.key), .text(d.measure.rawValue), d.summary.map { .int($0) } ?? .null,
             .int(d.detail), .int(d.difference), .text(d.sourceFile), d.sourceRow.map { .int($0) } ?? .null]
        }))
    }
}
