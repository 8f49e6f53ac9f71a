import Foundation
import LedgerCore
import LedgerStore

/// The per-message lists of a statement (explicitly per message, so read from the records).
public struct FailureList: Hashable, Sendable, Codable {
    public var account: String
    public var cycleStart: LocalDate
    /// FAILED records of the cycle, by (day, sent_at, vendor, message id).
    public var failures: [FailureItem]
    /// Every failed fallback with the Kakao message it replaced (BILLING.md: "fallback failed").
    public var fallbackFailed: [FallbackPair]
    /// Fallbacks whose original is missing or not FAILED: billed by their own status, reported.
    public var fallbackDiscrepancies: [FallbackPair]
}

public struct FailureItem: Hashable, Sendable, Codable {
    public var vendor: String
    public var messageID: String
    public var day: LocalDate
    public var sentAt: Instant
    public var channel: Channel
    public var refundable: Bool
    public var reasonCode: String?
    public var reasonText: String?
    public var isFallback: Bool
    public var fallbackOf: String?
}

public struct FallbackPair: Hashable, Sendable, Codable {
    public var vendor: String
    public var fallbackID: String
    public var fallbackChannel: Channel
    public var fallbackStatus: DeliveryStatus
    public var fallbackReason: String?
    public var originalID: String
    /// nil when the original is not in the ledger.
    public var originalStatus: DeliveryStatus?
    public var originalChannel: Channel?
}

extension BillingEngine {
    /// Failures, failed fallbacks and fallback discrepancies of one cycle.
    public func failures(account id: String, cycle start: LocalDate) throws -> FailureList {
        let cycle = try cycle(account: id, startingOn: start)
        var list = FailureList(account: id, cycleStart: start, failures: [], fallbackFailed: [], fallbackDiscrepancies: [])
        var fallbacks: [DeliveryRecord] = []
        try store.records(account: id, days: cycle.days) { record, day in
            if record.status == .failed {
                list.failures.append(FailureItem(vendor: record.vendor, messageID: record.messageID, day: day, sentAt: record.sentAt,
                                                 channel: record.channel, refundable: record.refundable, reasonCode: record.reasonCode,
                                                 reasonText: record.reasonText, isFallback: record.fallbackOf != nil, fallbackOf: record.fallbackOf))
            }
            if record.fallbackOf != nil { fallbacks.append(record) }
        }
        for fallback in fallbacks {
            guard let originalID = fallback.fallbackOf else { continue }
            let original = try store.record(vendor: fallback.vendor, messageID: originalID)
            let pair = FallbackPair(vendor: fallback.vendor, fallbackID: fallback.messageID, fallbackChannel: fallback.channel,
                                    fallbackStatus: fallback.status, fallbackReason: fallback.reasonText ?? fallback.reasonCode,
                                    originalID: originalID, originalStatus: original?.status, originalChannel: original?.channel)
            if fallback.status == .failed { list.fallbackFailed.append(pair) }
            if original?.status != .failed { list.fallbackDiscrepancies.append(pair) }
        }
        return list
    }

    /// Streams a cycle's records with their local day (the Details sheet).
    public func details(account id: String, cycle start: LocalDate, _ each: (DeliveryRecord, LocalDate) throws -> Void) throws {
        let cycle = try cycle(account: id, startingOn: start)
        try store.records(account: id, days: cycle.days, each)
    }
}
