import LedgerCore

/// One message as the month report's Details sheet shows it, read without a `String` per
/// column: a month of millions of messages is read and written at the rate of the writers,
/// not of the allocator. Text points into the store's current row (or a scratch buffer) and
/// is valid only inside the callback that receives it.
public struct MessageDetail {
    public var day: LocalDate
    public var sentAt: Instant
    /// Channel and status in their stored text form ("SMS", "DELIVERED").
    public var channel: UnsafeRawBufferPointer
    public var status: UnsafeRawBufferPointer
    public var reasonCode: UnsafeRawBufferPointer?
    public var reasonText: UnsafeRawBufferPointer?
    public var isFallback: Bool
    /// The recipient as stored (masked at ingest).
    public var recipient: UnsafeRawBufferPointer?
    public var category: UnsafeRawBufferPointer?
    public var units: Int64
    public var vendor: UnsafeRawBufferPointer
    public var messageID: UnsafeRawBufferPointer
    public var vendorCost: Money?

    public init(day: LocalDate, sentAt: Instant, channel: UnsafeRawBufferPointer, status: UnsafeRawBufferPointer,
                reasonCode: UnsafeRawBufferPointer?, reasonText: UnsafeRawBufferPointer?, isFallback: Bool,
                recipient: UnsafeRawBufferPointer?, category: UnsafeRawBufferPointer?, units: Int64,
                vendor: UnsafeRawBufferPointer, messageID: UnsafeRawBufferPointer, vendorCost: Money?) {
        self.day = day
        self.sentAt = sentAt
        self.channel = channel
        self.status = status
        self.reasonCode = reasonCode
        self.reasonText = reasonText
        self.isFallback = isFallback
        self.recipient = recipient
        self.category = category
        self.units = units
        self.vendor = vendor
        self.messageID = messageID
        self.vendorCost = vendorCost
    }

    /// Calls `body` with the record's fields laid out in one scratch buffer: how a store that
    /// reads whole records (the default `messageDetails`) hands them over.
    public static func with<Result>(_ record: DeliveryRecord, day: LocalDate, scratch: inout [UInt8],
                                    _ body: (MessageDetail) throws -> Result) rethrows -> Result {
        scratch.removeAll(keepingCapacity: true)
        let texts: [String?] = [record.channel.description, record.status.rawValue, record.reasonCode, record.reasonText,
                                record.recipient, record.category, record.vendor, record.messageID]
        var spans: [Range<Int>?] = []
        for text in texts {
            guard let text else { spans.append(nil); continue }
            let start = scratch.count
            scratch.append(contentsOf: text.utf8)
            spans.append(start..<scratch.count)
        }
        return try scratch.withUnsafeBytes { bytes in
            func span(_ index: Int) -> UnsafeRawBufferPointer? {
                guard let range = spans[index] else { return nil }
                return UnsafeRawBufferPointer(rebasing: bytes[range])
            }
            let empty = UnsafeRawBufferPointer(start: nil, count: 0)
            return try body(MessageDetail(
                day: day, sentAt: record.sentAt, channel: span(0) ?? empty, status: span(1) ?? empty,
                reasonCode: span(2), reasonText: span(3), isFallback: record.fallbackOf != nil, recipient: span(4),
                category: span(5), units: record.units, vendor: span(6) ?? empty, messageID: span(7) ?? empty,
                vendorCost: record.vendorCost))
        }
    }
}

extension LedgerStore {
    /// The default: whole records, laid out per row. The SQLite ledger reads the columns in place.
    public func messageDetails(account: String, days: Range<LocalDate>, _ each: (MessageDetail) throws -> Void) throws {
        var scratch: [UInt8] = []
        try records(account: account, days: days) { record, day in
            try MessageDetail.with(record, day: day, scratch: &scratch, each)
        }
    }
}
