import LedgerCore
import LedgerStore

extension PostgresLedger: RefundEvidenceStore {
    public func refundableFailures(vendor: String, channel: Channel, sentAt: Range<Instant>, _ each: (DeliveryRecord) throws -> Void) throws {
        try eachRecord(where: """
            vendor = $1 AND status = 'FAILED' AND refundable AND sent_at >= $2 AND sent_at < $3 AND channel = $4
            ORDER BY sent_at, message_id
            """, [.text(vendor), .int(sentAt.lowerBound.secondsSinceEpoch), .int(sentAt.upperBound.secondsSinceEpoch),
                  .text(channel.description)]) { record, _ in
            try each(record)
        }
    }
}
