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
    public func refunds(vendor: String, month: CalendarMonth, includeItems: Bool = true) throws -> RefundReport {
        let range = try refundRange(month)
        // Mutated in place (a copy out of the dictionary would copy `items` on every append).
        var byChannel: [Channel: RefundChannel] = [:]
        var costs: [Channel: (first: Money?, mixed: Bool)] = [:]
        try store.refundableFailures(vendor: vendor, sentAt: range) { record in
            try byChannel[record.channel, default: RefundChannel(channel: record.channel, messages: 0, units: 0, unitCost: nil,
                                                                 amountOwed: .zero, costUnknown: 0, items: [])]
                .count(record, keepItem: includeItems)
            if let cost = record.vendorCost {
                var seen = costs[record.channel] ?? (nil, false)
                if let first = seen.first, first != cost { seen.mixed = true } else if seen.first == nil { seen.first = cost }
                costs[record.channel] = seen
            }
        }
        var channels = byChannel.values.sorted { $0.channel < $1.channel }
        for index in channels.indices {
            let seen = costs[channels[index].channel]
            channels[index].unitCost = seen?.mixed == false ? seen?.first : nil
        }
        return RefundReport(vendor: vendor, month: month, timeZone: policy.reportingTimeZone, channels: channels,
                            messages: channels.reduce(0) { $0 + $1.messages },
                            amountOwed: try Money.sum(channels.map(\.amountOwed)),
                            costUnknown: channels.reduce(0) { $0 + $1.costUnknown })
    }

    /// The evidence of one channel of `refunds(vendor:month:)`, streamed in its order (sent_at,
    /// then message id), so a month of millions of failures is never held in memory.
    public func refundItems(vendor: String, month: CalendarMonth, channel: Channel, _ each: (RefundItem) throws -> Void) throws {
        let range = try refundRange(month)
        if let narrowing = store as? any RefundEvidenceStore {
            try narrowing.refundableFailures(vendor: vendor, channel: channel, sentAt: range) { try each(RefundItem($0)) }
            return
        }
        try store.refundableFailures(vendor: vendor, sentAt: range) { record in
            guard record.channel == channel else { return }
            try each(RefundItem(record))
        }
    }

    func refundRange(_ month: CalendarMonth) throws -> Range<Instant> {
        guard var clock = ZoneClock(identifier: policy.reportingTimeZone) else {
            throw ConfigError(file: "policy", key: "policy.time_zone", value: policy.reportingTimeZone, reason: .invalid(expected: "an IANA time zone"))
        }
        return clock.startOfDay(month.firstDay)..<clock.startOfDay(month.next.firstDay)
    }
}

extension RefundItem {
    init(_ record: DeliveryRecord) {
        self.init(messageID: record.messageID, account: record.account, sentAt: record.sentAt, units: record.units,
                  vendorCost: record.vendorCost, reasonCode: record.reasonCode, reasonText: record.reasonText)
    }
}

extension RefundChannel {
    mutating func count(_ record: DeliveryRecord, keepItem: Bool) throws {
        messages += 1
        units += record.units
        if let cost = record.vendorCost { amountOwed = try amountOwed + cost } else { costUnknown += 1 }
        if keepItem { items.append(RefundItem(record)) }
    }
}
