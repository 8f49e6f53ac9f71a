import LedgerCore

/// Turns rated usage into statements and month reports, checking the bridge. Pure.
struct StatementAssembler {
    let account: Account

    var builder: LineBuilder { LineBuilder(account: account) }

    func statement(cycle: BillingCycle, usage: RatedUsage, adjustments: [AdjustmentLine], revision: Int, asOf: Instant) throws(BillingError) -> Statement {
        let builder = self.builder
        for days in usage.cells.values {
            for day in days.keys { try builder.invariant(cycle.contains(day), "usage of \(day) rated into cycle \(cycle)") }
        }
        let lines = try builder.lines(usage) { day in (day.calendarMonth, cycle.start) }
        try checkBridge(usage, days: cycle.days)
        let (counts, channels) = try builder.summaries(usage, lines: lines)
        let sortedAdjustments = adjustments.sorted {
            ($0.originalCycle, $0.computedOn, $0.key, $0.reason.rawValue) < ($1.originalCycle, $1.computedOn, $1.key, $1.reason.rawValue)
        }
        let usageSubtotal = try builder.sum(lines.map(\.amount))
        let adjustmentSubtotal = try builder.sum(sortedAdjustments.map(\.amount))
        let subtotal = try builder.add(usageSubtotal, adjustmentSubtotal)
        // BILLING.md: VAT = round(subtotal x rate), exact in 128 bits, same mode.
        let vat: Money
        do { vat = try subtotal.multiplied(by: account.vatRate, roundingTo: account.currency, account.rounding) } catch {
            throw BillingError(account: account.id, .overflow)
        }
        let total = try builder.add(subtotal, vat)
        let bridge = try builder.bridge(lines)
        try builder.invariant(try builder.sum(bridge.map(\.amount)) == usageSubtotal, "cycle bridge amounts do not add up to the usage subtotal")
        return Statement(
            account: account.id, accountName: account.name, locale: account.locale, timeZone: account.timeZone, plan: account.plan,
            currency: account.currency.code, currencyDigits: account.currency.minorUnitDigits, rounding: account.rounding,
            vatRate: account.vatRate.description, cycleStart: cycle.start, cycleEnd: cycle.end, revision: revision, asOf: asOf,
            lines: lines, adjustments: sortedAdjustments, channels: channels, statusCounts: counts, bridge: bridge,
            daily: try builder.daily(lines), messages: usage.totalMessages, usageSubtotal: usageSubtotal,
            adjustmentSubtotal: adjustmentSubtotal, subtotal: subtotal, vat: vat, total: total)
    }

    func monthReport(month: CalendarMonth, usage: RatedUsage, condition: MonthCondition, asOf: Instant) throws(BillingError) -> MonthReport {
        let builder = self.builder
        let anchors = account.anchors
        let lines = try builder.lines(usage) { day in (month, anchors.cycle(containing: day).start) }
        try checkBridge(usage, days: month.days)
        let (counts, channels) = try builder.summaries(usage, lines: lines)
        let total = try builder.sum(lines.map(\.amount))
        var costs: [VendorCost] = []
        for (key, totals) in usage.vendorCosts.sorted(by: { $0.key < $1.key }) {
            costs.append(VendorCost(vendor: key.vendor, channel: key.channel, messages: totals.messages, units: totals.units,
                                    vendorCost: totals.vendorCost, costUnknown: totals.costUnknown))
        }
        return MonthReport(
            account: account.id, accountName: account.name, locale: account.locale, timeZone: account.timeZone, plan: account.plan,
            currency: account.currency.code, currencyDigits: account.currency.minorUnitDigits, rounding: account.rounding,
            month: month, condition: condition, revision: 0, asOf: asOf, lines: lines, channels: channels, statusCounts: counts,
            bridge: try builder.bridge(lines), daily: try builder.daily(lines), vendorCosts: costs, messages: usage.totalMessages,
            total: total)
    }

    /// Both bridge identities over the rated days; a failure is an internal error.
    func checkBridge(_ usage: RatedUsage, days: Range<LocalDate>) throws(BillingError) {
        do {
            let bridge = try Bridge(byDay: try usage.billedByDay, days: days, schedule: account.anchors)
            if let violation = bridge.violation() { throw BillingError(account: account.id, .invariant("bridge: \(violation)")) }
        } catch let error as BillingError {
            throw error
        } catch {
            throw BillingError(account: account.id, .overflow)
        }
    }
}

/// Which messages a month report counts (the consoles' filter by condition).
public enum MonthCondition: String, Hashable, Sendable, Codable, CaseIterable {
    case all
    /// Categories `campaign:<name>`.
    case campaign
    /// Categories `one-time:<name>`.
    case oneTime = "one-time"

    func includes(_ key: RollupKey) -> Bool {
        switch self {
        case .all: true
        case .campaign: key.category.hasPrefix("campaign:")
        case .oneTime: key.category.hasPrefix("one-time:")
        }
    }
}

/// What a vendor charged for a channel in the period (messages it was handed).
public struct VendorCost: Hashable, Sendable, Codable {
    public var vendor: String
    public var channel: Channel
    public var messages: Int64
    public var units: Int64
    /// Sum of the reported per-message costs.
    public var vendorCost: Money
    /// Messages without a reported cost.
    public var costUnknown: Int64
}

/// The calendar-month view of one account: same line rule and rounding per month, no VAT.
public struct MonthReport: Hashable, Sendable, Codable {
    public var schema: String = "sendledger.month/1"
    public var account: String
    public var accountName: String
    public var locale: Account.Language
    public var timeZone: String
    public var plan: String
    public var currency: String
    public var currencyDigits: Int
    public var rounding: RoundingMode
    public var month: CalendarMonth
    public var condition: MonthCondition
    /// 0 until saved; then the stored revision.
    public var revision: Int
    public var asOf: Instant
    /// Lines rounded per month; their pieces are the cycles of the month.
    public var lines: [StatementLine]
    public var channels: [ChannelSummary]
    public var statusCounts: [StatusCount]
    /// The bridge: `piece(month, cycle)` for every cycle overlapping the month.
    public var bridge: [PiecePart]
    public var daily: [DayPart]
    public var vendorCosts: [VendorCost]
    public var messages: Int64
    /// Sum of the rounded lines (no VAT).
    public var total: Money
}
