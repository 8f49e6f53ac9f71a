import Foundation
import LedgerCore
import LedgerStore

/// Refundable failures of one vendor in one calendar month of the reporting zone.
public struct RefundReport: Hashable, Sendable, Codable {
    public var schema: String = "sendledger.refunds/1"
    public var vendor: String
    public var month: CalendarMonth
    public var timeZone: String
    /// By channel.
    public var channels: [RefundChannel]
    public var messages: Int64
    public var amountOwed: Money
    public var costUnknown: Int64
}

public struct RefundChannel: Hashable, Sendable, Codable {
    public var channel: Channel
    public var messages: Int64
    public var units: Int64
    /// The per-message cost when every known cost is the same; nil when they differ or none is known.
    public var unitCost: Money?
    /// Sum of the reported costs: what the vendor owes back.
    public var amountOwed: Money
    /// Messages without a reported cost (listed, never guessed).
    public var costUnknown: Int64
    /// Evidence, by sent_at then message id.
    public var items: [RefundItem]
}

public struct RefundItem: Hashable, Sendable, Codable {
    public var messageID: String
    public var account: String
    public var sentAt: Instant
    public var units: Int64
    public var vendorCost: Money?
    public var reasonCode: String?
    public var reasonText: String?
}

extension BillingEngine {
    /// BILLING.md: refund report per vendor and calendar month (reporting zone) and channel.
    public func refunds(vendor: String, month: CalendarMonth) throws -> RefundReport {
        guard var clock = ZoneClock(identifier: policy.reportingTimeZone) else {
            throw ConfigError(file: "policy", key: "policy.time_zone", value: policy.reportingTimeZone, reason: .invalid(expected: "an IANA time zone"))
        }
        let range = clock.startOfDay(month.firstDay)..<clock.startOfDay(month.next.firstDay)
        var byChannel: [Channel: RefundChannel] = [:]
        try store.refundableFailures(vendor: vendor, sentAt: range) { record in
            var entry = byChannel[record.channel] ?? RefundChannel(channel: record.channel, messages: 0, units: 0, unitCost: nil,
                                                                   amountOwed: .zero, costUnknown: 0, items: [])
            entry.messages += 1
            entry.units += record.units
            if let cost = record.vendorCost { entry.amountOwed = try entry.amountOwed + cost } else { entry.costUnknown += 1 }
            entry.items.append(RefundItem(messageID: record.messageID, account: record.account, sentAt: record.sentAt, units: record.units,
                                          vendorCost: record.vendorCost, reasonCode: record.reasonCode, reasonText: record.reasonText))
            byChannel[record.channel] = entry
        }
        var channels = byChannel.values.sorted { $0.channel < $1.channel }
        for index in channels.indices {
            let costs = Set(channels[index].items.compactMap(\.vendorCost))
            channels[index].unitCost = costs.count == 1 ? costs.first : nil
        }
        return RefundReport(vendor: vendor, month: month, timeZone: policy.reportingTimeZone, channels: channels,
                            messages: channels.reduce(0) { $0 + $1.messages },
                            amountOwed: try Money.sum(channels.map(\.amountOwed)),
                            costUnknown: channels.reduce(0) { $0 + $1.costUnknown })
    }
}
