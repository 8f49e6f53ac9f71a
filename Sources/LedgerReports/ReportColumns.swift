import LedgerBilling
import LedgerCore

/// The columns of every record type: the JSONL field order and the XLSX column order are the
/// same (docs/statement-schema.md).
enum Columns {
    typealias L = ReportLabels
    static func c(_ key: String, _ label: Label, _ width: Double = 12) -> ReportColumn { ReportColumn(key, label, width: width) }

    static let channel = [
        c("channel", L.channel, 22), c("sent", L.sent), c("delivered", L.delivered), c("failed", L.failed),
        c("failed_refundable", L.failedRefundable, 14), c("excluded", L.excluded), c("pending", L.pending),
        c("fallback_delivered", L.fallbackDelivered, 14), c("fallback_failed", L.fallbackFailed, 14),
        c("uncertain_billed", L.uncertainBilled, 14), c("uncertain_free", L.uncertainFree, 14),
        c("billed_units", L.billedUnits), c("amount", L.amount, 16),
    ]
    static let channelTotals: Set<String> = Set(channel.dropFirst().map(\.key))

    static let line = [
        c("channel", L.channel, 22), c("kind", L.kind), c("price_from", L.priceFrom), c("per", L.per), c("unit_price", L.unitPrice),
        c("messages", L.messages), c("units", L.units), c("exact", L.exact, 16), c("amount", L.amount, 16),
    ]
    static let amountTotals: Set<String> = ["messages", "units", "exact", "amount"]

    static let adjustment = [
        c("original_cycle_start", L.originalCycleStart, 14), c("original_cycle_end", L.originalCycleEnd, 14), c("reason", L.reason, 16),
        c("channel", L.channel, 22), c("kind", L.kind), c("price_from", L.priceFrom), c("per", L.per), c("unit_price", L.unitPrice),
        c("messages", L.messages), c("units", L.units), c("exact", L.exact, 16), c("amount", L.amount, 16), c("computed_on", L.computedOn, 12),
    ]

    static let bridge = [
        c("month", L.month, 10), c("cycle_start", L.cycle), c("channel", L.channel, 22), c("kind", L.kind), c("price_from", L.priceFrom),
        c("messages", L.messages), c("units", L.units), c("exact", L.exact, 16), c("amount", L.amount, 16),
    ]

    static let daily = [
        c("day", L.day), c("channel", L.channel, 22), c("kind", L.kind), c("price_from", L.priceFrom),
        c("messages", L.messages), c("units", L.units), c("exact", L.exact, 16), c("amount", L.amount, 16),
    ]

    static let failure = [
        c("day", L.day), c("sent_at", L.sentAt, 20), c("vendor", L.vendor), c("message_id", L.messageID, 20),
        c("channel", L.channel, 20), c("status", L.status), c("refundable", L.refundable, 10), c("reason_code", L.reasonCode, 10),
        c("reason_text", L.reasonText, 40), c("fallback_of", L.fallbackOf, 20),
    ]

    static let detail = [
        c("day", L.day), c("sent_at", L.sentAt, 20), c("vendor", L.vendor), c("message_id", L.messageID, 20), c("batch_id", L.batchID),
        c("channel", L.channel, 20), c("status", L.status), c("refundable", L.refundable, 10), c("reason_code", L.reasonCode, 10),
        c("reason_text", L.reasonText, 40), c("units", L.units, 8), c("category", L.category, 24), c("sender", L.sender, 16),
        c("recipient", L.recipient, 18), c("fallback_of", L.fallbackOf, 20), c("completed_at", L.completedAt, 20),
    ]

    /// The month report's per-message detail: what the consoles list (type, status with reason,
    /// method, contact) plus the ids and cost.
    static let monthDetail = [
        c("day", L.day), c("sent_at", L.sentAt, 20), c("channel", L.channel, 20), c("status", L.status), c("reason_code", L.reasonCode, 10),
        c("reason_text", L.reasonText, 40), c("method", L.method, 10), c("recipient", L.recipient, 18), c("category", L.category, 24),
        c("units", L.units, 8), c("vendor", L.vendor), c("message_id", L.messageID, 20), c("vendor_cost", L.vendorCost),
    ]

    static let monthChannel = [c("condition", L.condition, 10)] + channel
    static let vendorCost = [
        c("vendor", L.vendor), c("channel", L.channel, 22), c("messages", L.messages), c("units", L.units),
        c("vendor_cost", L.vendorCost, 16), c("cost_unknown", L.costUnknown),
    ]
    static let vendorCostTotals: Set<String> = ["messages", "units", "vendor_cost", "cost_unknown"]

    static let account = [
        c("account", L.account, 14), c("account_name", L.accountName, 28), c("currency", L.currency, 8), c("messages", L.messages),
        c("sent", L.sent), c("billed_units", L.billedUnits), c("amount", L.amount, 16), c("campaign_amount", L.campaignAmount, 16),
        c("one_time_amount", L.oneTimeAmount, 16),
    ]
    static let accountTotals: Set<String> = ["messages", "sent", "billed_units", "amount", "campaign_amount", "one_time_amount"]
    static let accountChannel = [c("account", L.account, 14), c("currency", L.currency, 8)] + channel

    static let refundChannel = [
        c("channel", L.channel, 22), c("messages", L.messages), c("units", L.units), c("unit_cost", L.unitCost),
        c("amount_owed", L.amountOwed, 16), c("cost_unknown", L.costUnknown),
    ]
    static let refundTotals: Set<String> = ["messages", "units", "amount_owed", "cost_unknown"]
    static let refundItem = [
        c("channel", L.channel, 20), c("message_id", L.messageID, 20), c("account", L.account, 14), c("sent_at", L.sentAt, 20),
        c("units", L.units, 8), c("vendor_cost", L.vendorCost), c("reason_code", L.reasonCode, 10), c("reason_text", L.reasonText, 40),
    ]

    static let discrepancy = [
        c("vendor", L.vendor), c("account", L.account, 14), c("grain", L.grain, 14), c("key", L.key, 30), c("measure", L.measure, 16),
        c("summary", L.summaryCount), c("detail", L.detailCount), c("difference", L.difference),
        c("source_file", L.sourceFile, 20), c("source_row", L.sourceRow, 10),
    ]
}

extension ReportColumn {
    /// A (column, value) pair of a header record.
    static func field(_ key: String, _ label: Label, _ value: ReportValue) -> (ReportColumn, ReportValue) {
        (ReportColumn(key, label), value)
    }
}

extension ChannelSummary {
    func values(digits: Int) -> [ReportValue] {
        [.text(channel.description), .int(sent), .int(delivered), .int(failed), .int(failedRefundable), .int(excluded), .int(pending),
         .int(fallbackDelivered), .int(fallbackFailed), .int(uncertainBilled), .int(uncertainFree), .int(billedUnits),
         .money(amount, digits: digits)]
    }
}

extension StatementLine {
    func values(digits: Int) -> [ReportValue] {
        [.text(key.channel.description), .text(key.kind.rawValue), .date(key.entry.effectiveFrom), .text(per.rawValue),
         .exact(unitPrice), .int(messages), .int(units), .exact(exact), .money(amount, digits: digits)]
    }
}

extension DeliveryRecord {
    /// The recipient as reports show it: masked, whatever the ledger keeps (a vendor's own
    /// mask, with `*`, is kept as it is).
    var maskedRecipient: String? {
        guard let recipient, !recipient.isEmpty else { return nil }
        // Byte search: `String.contains(String)` goes through Foundation, per Details row.
        return recipient.utf8.contains(UInt8(ascii: "*")) ? recipient : RecipientMask.mask(recipient)
    }
}
