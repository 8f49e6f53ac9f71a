import LedgerCore

/// A store that can narrow refund evidence to one channel itself. The refund report streams
/// each channel's evidence in turn; filtering in the query (served by the partial index
/// `deliveries_refundable`) reads each failure once instead of once per channel.
public protocol RefundEvidenceStore {
    /// Refundable FAILED records of a vendor and channel with sent_at in [from, to), by sent_at
    /// then message id.
    func refundableFailures(vendor: String, channel: Channel, sentAt: Range<Instant>, _ each: (DeliveryRecord) throws -> Void) throws
}

extension SQLiteLedger: RefundEvidenceStore {
    public func refundableFailures(vendor: String, channel: Channel, sentAt: Range<Instant>, _ each: (DeliveryRecord) throws -> Void) throws {
        try eachRecord(where: """
            vendor = ? AND status = 'FAILED' AND refundable = 1 AND sent_at >= ? AND sent_at < ? AND channel = ?
            ORDER BY sent_at, message_id
            """, [vendor, "\(sentAt.lowerBound.secondsSinceEpoch)", "\(sentAt.upperBound.secondsSinceEpoch)", channel.description]) { record, _ in
            try each(record)
        }
    }
}
