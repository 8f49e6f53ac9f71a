import Foundation
import LedgerCore
import LedgerStore

/// Differences between a vendor's summaries and our detail records at the same grain.
public struct DiscrepancyReport: Hashable, Sendable, Codable {
    public var schema: String = "sendledger.discrepancies/1"
    public var vendor: String
    /// Sorted by (account, grain, key, measure).
    public var rows: [Discrepancy]
}

public struct Discrepancy: Hashable, Sendable, Codable {
    public enum Measure: String, Hashable, Sendable, Codable, CaseIterable {
        case total, success, failure, fallbackSuccess = "fallback-success", fallbackFailure = "fallback-failure"
        /// The summary's amount (an invoice line) against the sum of the records' vendor_cost.
        case cost
    }

    public var vendor: String
    /// The summary's account: detail is counted for this account only. nil (or empty) for a
    /// summary over every account of the vendor.
    public var account: String? = nil
    /// "day-template", "batch" or "month-channel".
    public var grain: String
    public var key: String
    public var measure: Measure
    /// nil when the vendor's summary has no row for this key (detail only).
    public var summary: Int64?
    public var detail: Int64
    /// detail - summary (summary taken as 0 when absent).
    public var difference: Int64
    /// For `cost` only: the amounts (counts above are then 0).
    public var summaryAmount: Money? = nil
    public var detailAmount: Money? = nil
    public var amountDifference: Money? = nil
    /// For `cost`: detail records without a reported cost (their cost is not in detailAmount).
    public var detailCostUnknown: Int64? = nil
    /// The summary row's file and row, where there is one.
    public var sourceFile: String?
    public var sourceRow: Int?
}

/// Counts of detail records at one grain key.
struct DetailCounts: Hashable {
    var total: Int64 = 0
    var success: Int64 = 0
    var failure: Int64 = 0
    var fallbackSuccess: Int64 = 0
    var fallbackFailure: Int64 = 0
    /// Reported vendor cost of the records counted in `total`, and how many had none.
    var cost: Money = .zero
    var costUnknown: Int64 = 0

    subscript(measure: Discrepancy.Measure) -> Int64 {
        switch measure {
        case .total: total
        case .success: success
        case .failure: failure
        case .fallbackSuccess: fallbackSuccess
        case .fallbackFailure: fallbackFailure
        case .cost: 0
        }
    }

    /// Kakao-style grains (day-template, batch): an original message counts in total/success/
    /// failure, a fallback SMS/LMS in the fallback columns. Invoice grain (month-channel):
    /// every message handed to the vendor counts in its own channel.
    mutating func count(_ record: DeliveryRecord, separateFallback: Bool) {
        if separateFallback, record.fallbackOf != nil {
            if record.status == .delivered { fallbackSuccess += 1 }
            if record.status == .failed { fallbackFailure += 1 }
            return
        }
        guard record.status.countsAsSent else { return }
        total += 1
        if let reported = record.vendorCost { cost = Money(micros: cost.micros &+ reported.micros) } else { costUnknown += 1 }
        if record.status == .delivered { success += 1 }
        if record.status == .failed { failure += 1 }
    }
}

extension VendorSummaryRow {
    func value(_ measure: Discrepancy.Measure) -> Int64? {
        switch measure {
        case .total: total
        case .success: success
        case .failure: failure
        case .fallbackSuccess: fallbackSuccess
        case .fallbackFailure: fallbackFailure
        case .cost: nil
        }
    }
}

/// Compares summaries with detail counts. Pure: the caller gives both.
struct Reconciler {
    let vendor: String
    /// The summaries' account ("" for the whole vendor): set on every row.
    var account = ""
    let timeZone: ZoneClock

    /// The grain key of a record for a summary grain kind.
    func key(of record: DeliveryRecord, kind: String, clock: inout ZoneClock) -> VendorSummaryRow.Grain {
        switch kind {
        case "day-template":
            return .dayTemplate(day: clock.localDate(of: record.sentAt), template: record.category ?? "")
        case "batch":
            return .batch(record.batchID ?? "")
        default:
            return .monthChannel(month: clock.localDate(of: record.sentAt).calendarMonth, channel: record.channel)
        }
    }

    func compare(summaries: [VendorSummaryRow], records: [DeliveryRecord]) -> [Discrepancy] {
        var rows: [Discrepancy] = []
        let kinds = Set(summaries.map(\.grain.kind))
        for kind in kinds.sorted() {
            let ofKind = summaries.filter { $0.grain.kind == kind }
            var clock = timeZone
            var detail: [VendorSummaryRow.Grain: DetailCounts] = [:]
            // Detail keys are compared where the summaries cover them: the same days, months or batches.
            let coveredDays = Set(ofKind.compactMap { if case .dayTemplate(let day, _) = $0.grain { day } else { nil } })
            let coveredMonths = Set(ofKind.compactMap { if case .monthChannel(let month, _) = $0.grain { month } else { nil } })
            for record in records {
                let grain = key(of: record, kind: kind, clock: &clock)
                switch grain {
                case .dayTemplate(let day, _): guard coveredDays.contains(day) else { continue }
                case .monthChannel(let month, _): guard coveredMonths.contains(month) else { continue }
                case .batch(let id): guard !id.isEmpty else { continue }
                }
                detail[grain, default: DetailCounts()].count(record, separateFallback: kind != "month-channel")
            }
            var summaryByGrain: [VendorSummaryRow.Grain: VendorSummaryRow] = [:]
            for row in ofKind { summaryByGrain[row.grain] = row }
            let grains = Set(summaryByGrain.keys).union(kind == "batch" ? Set(detail.keys).intersection(summaryByGrain.keys) : Set(detail.keys))
            for grain in grains.sorted() {
                let counts = detail[grain] ?? DetailCounts()
                let summary = summaryByGrain[grain]
                if let amount = summary?.amount ?? nil, amount != counts.cost, let summary {
                    var row = Discrepancy(vendor: vendor, grain: kind, key: grain.key, measure: .cost, summary: 0, detail: 0, difference: 0,
                                          sourceFile: summary.source.fileSHA256, sourceRow: summary.source.row)
                    row.summaryAmount = amount
                    row.detailAmount = counts.cost
                    row.amountDifference = Money(micros: counts.cost.micros &- amount.micros)
                    row.detailCostUnknown = counts.costUnknown
                    rows.append(row)
                }
                for measure in Discrepancy.Measure.allCases where measure != .cost {
                    let detailValue = counts[measure]
                    if let summary {
                        guard let summaryValue = summary.value(measure) else { continue }
                        if summaryValue != detailValue {
                            rows.append(Discrepancy(vendor: vendor, grain: kind, key: grain.key, measure: measure, summary: summaryValue,
                                                    detail: detailValue, difference: detailValue - summaryValue,
                                                    sourceFile: summary.source.fileSHA256, sourceRow: summary.source.row))
                        }
                    } else if detailValue != 0 {
                        rows.append(Discrepancy(vendor: vendor, grain: kind, key: grain.key, measure: measure, summary: nil,
                                                detail: detailValue, difference: detailValue, sourceFile: nil, sourceRow: nil))
                    }
                }
            }
        }
        if !account.isEmpty { for index in rows.indices { rows[index].account = account } }
        return rows
    }
}

extension BillingEngine {
    /// Compares a vendor's summaries (the given rows, or those stored) with detail records at the
    /// same grain. Days and months are in `timeZone` (the vendor profile's; default Asia/Seoul).
    /// Every difference is a row; a detail key without a summary row on a covered day or month
    /// is a row too.
    public func reconcile(vendor: String, summaries given: [VendorSummaryRow]? = nil, timeZone: String = "Asia/Seoul") throws -> DiscrepancyReport {
        let summaries = try given ?? store.vendorSummaries(vendor: vendor)
        guard var clock = ZoneClock(identifier: timeZone) else {
            throw ConfigError(file: "vendor profile", key: "time_zone", value: timeZone, reason: .invalid(expected: "an IANA time zone"))
        }
        guard !summaries.isEmpty else { return DiscrepancyReport(vendor: vendor, rows: []) }
        // The instants the summaries can cover: their days and months (batches: the whole ledger of the vendor).
        var lower = Instant(secondsSinceEpoch: .max), upper = Instant(secondsSinceEpoch: .min)
        var everything = false
        for row in summaries {
            switch row.grain {
            case .dayTemplate(let day, _):
                lower = min(lower, clock.startOfDay(day)); upper = max(upper, clock.startOfDay(day.adding(days: 1)))
            case .monthChannel(let month, _):
                lower = min(lower, clock.startOfDay(month.firstDay)); upper = max(upper, clock.startOfDay(month.next.firstDay))
            case .batch:
                everything = true
            }
        }
        if everything { lower = Instant(secondsSinceEpoch: Int64(Int32.min)); upper = Instant(secondsSinceEpoch: 253_402_300_800) }
        var records: [DeliveryRecord] = []
        try store.records(vendor: vendor, sentAt: lower..<upper) { records.append($0) }
        // A summary stored for an account is compared with that account's records only; one
        // without an account ("") with every record of the vendor.
        var rows: [Discrepancy] = []
        for (account, ofAccount) in Dictionary(grouping: summaries, by: \.account).sorted(by: { $0.key < $1.key }) {
            let detail = account.isEmpty ? records : records.filter { $0.account == account }
            rows += Reconciler(vendor: vendor, account: account, timeZone: clock).compare(summaries: ofAccount, records: detail)
        }
        return DiscrepancyReport(vendor: vendor, rows: rows)
    }
}
