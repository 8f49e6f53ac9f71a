import LedgerCore

/// Which PENDING records are final (BILLING.md: uncertain delivery).
///
/// Rollups are daily, so finality is decided per local day against the cut-off instant
/// `asOf - finality_hours`: every PENDING record of a day before the cut-off's local day is
/// final, none of a day after it is, and on the cut-off's own day the store counts, per
/// rollup key, the PENDING records whose `sent_at` is at or before the cut-off (an indexed
/// query over PENDING records only).
public struct PendingFinality: Hashable, Sendable {
    public var cutoffDay: LocalDate
    /// Final PENDING totals of the cut-off day, by rollup key.
    public var finalOnCutoffDay: [RollupKey: RollupTotals]

    public init(cutoffDay: LocalDate, finalOnCutoffDay: [RollupKey: RollupTotals] = [:]) {
        self.cutoffDay = cutoffDay
        self.finalOnCutoffDay = finalOnCutoffDay
    }

    /// Everything PENDING is final (a cut-off after every day rated).
    public static let allFinal = PendingFinality(cutoffDay: LocalDate(year: 9999, month: 12, day: 31)!)
}

/// A rated cell: one line on one day.
struct RatedCell: Hashable, Sendable {
    var messages: Int64 = 0
    var units: Int64 = 0
    var exact: Money = .zero
}

/// The grain of the status counts.
struct StatusKey: Hashable, Sendable, Comparable {
    var channel: Channel
    var status: DeliveryStatus
    var refundable: Bool
    var isFallback: Bool
    var final: Bool
    var billed: Bool

    static func < (a: StatusKey, b: StatusKey) -> Bool {
        if a.channel != b.channel { return a.channel < b.channel }
        if a.status != b.status { return a.status < b.status }
        if a.refundable != b.refundable { return !a.refundable }
        if a.isFallback != b.isFallback { return !a.isFallback }
        if a.final != b.final { return !a.final }
        return !a.billed && b.billed
    }
}

/// Usage of one account over some days, rated: cells per line and day, plus status counts.
struct RatedUsage: Sendable {
    var cells: [LineKey: [LocalDate: RatedCell]] = [:]
    var entries: [LineKey: PriceBook.Entry] = [:]
    var statuses: [StatusKey: RollupTotals] = [:]
    /// Messages of every status, by day.
    var messagesByDay: [LocalDate: Int64] = [:]
    /// Vendor cost by (vendor, channel) of messages the vendor charged (everything sent).
    var vendorCosts: [VendorCostKey: RollupTotals] = [:]

    var totalMessages: Int64 { messagesByDay.values.reduce(0, +) }
}

struct VendorCostKey: Hashable, Sendable, Comparable {
    var vendor: String
    var channel: Channel
    static func < (a: VendorCostKey, b: VendorCostKey) -> Bool { a.vendor != b.vendor ? a.vendor < b.vendor : a.channel < b.channel }
}

/// Rates daily rollups by the rules of BILLING.md. Pure: no store, no clock.
struct Rater {
    let account: Account
    let plan: PriceBook.Plan
    let policy: BillingPolicy

    /// Rates `rollups` (all of the account, any days); `include` filters rows (month-report conditions).
    func rate(_ rollups: [DailyRollup], finality: PendingFinality, include: (RollupKey) -> Bool = { _ in true }) throws(BillingError) -> RatedUsage {
        var usage = RatedUsage()
        for rollup in rollups where include(rollup.key) {
            let key = rollup.key
            usage.messagesByDay[key.day, default: 0] += rollup.totals.messages
            if key.status.countsAsSent {
                usage.vendorCosts[VendorCostKey(vendor: key.vendor, channel: key.channel), default: RollupTotals()] += rollup.totals
            }
            for (totals, final) in portions(rollup, finality) where !totals.isZero {
                let kind = lineKind(key, final: final)
                let statusKey = StatusKey(channel: key.channel, status: key.status, refundable: key.refundable,
                                          isFallback: key.isFallback, final: final, billed: kind != nil)
                usage.statuses[statusKey, default: RollupTotals()] += totals
                guard let kind else { continue }
                guard let entry = plan.entry(for: key.channel, on: key.day) else {
                    throw BillingError(account: account.id, .noPrice(channel: key.channel.description, day: key.day.description))
                }
                let units: Int64 = switch entry.per {
                case .message: totals.messages
                case .segment: totals.units
                case .minute: totals.callMinutes
                case .second: totals.units
                }
                let exact: Money
                do { exact = try entry.price.times(units) } catch { throw BillingError(account: account.id, .overflow) }
                let lineKey = LineKey(channel: key.channel, kind: kind, entry: entry.id)
                usage.entries[lineKey] = entry
                var cell = usage.cells[lineKey, default: [:]][key.day, default: RatedCell()]
                cell.messages += totals.messages
                cell.units += units
                do { cell.exact = try cell.exact + exact } catch { throw BillingError(account: account.id, .overflow) }
                usage.cells[lineKey, default: [:]][key.day] = cell
            }
        }
        return usage
    }

    /// The line a rollup row's messages go on, or nil when they are not billed.
    func lineKind(_ key: RollupKey, final: Bool) -> LineKind? {
        switch key.status {
        case .delivered:
            return key.isFallback ? .fallback : .usage
        case .pending:
            // BILLING.md: an uncertain fallback is `uncertain` too.
            return final && policy.uncertain == .charge ? .uncertain : nil
        case .failed, .excluded, .scheduled, .cancelled:
            return nil
        }
    }

    /// A row split into its final and not-final parts (only PENDING rows have a not-final part).
    func portions(_ rollup: DailyRollup, _ finality: PendingFinality) -> [(RollupTotals, Bool)] {
        guard rollup.key.status == .pending else { return [(rollup.totals, true)] }
        if rollup.key.day < finality.cutoffDay { return [(rollup.totals, true)] }
        if rollup.key.day > finality.cutoffDay { return [(rollup.totals, false)] }
        let final = finality.finalOnCutoffDay[rollup.key] ?? RollupTotals()
        var rest = rollup.totals
        rest += RollupTotals(messages: -final.messages, units: -final.units, callMinutes: -final.callMinutes,
                             vendorCost: Money(micros: -final.vendorCost.micros), costUnknown: -final.costUnknown)
        return [(final, true), (rest, false)]
    }
}
