/// One message in the ledger: the canonical delivery record of VENDORS.md.
public struct DeliveryRecord: Hashable, Sendable {
    public var vendor: String
    public var account: String
    public var messageID: String
    public var batchID: String?
    /// The usage instant: request time for immediate sends, send time for scheduled ones.
    public var sentAt: Instant
    public var completedAt: Instant?
    public var channel: Channel
    public var status: DeliveryStatus
    public var refundable: Bool
    public var reasonCode: String?
    public var reasonText: String?
    /// Segments, or call seconds.
    public var units: Int64
    public var category: String?
    public var sender: String?
    /// Masked for display (`010-****-5678`).
    public var recipient: String?
    /// A keyed hash of the full recipient, for matching without keeping it.
    public var recipientHash: String?
    public var fallbackOf: String?
    public var vendorCost: Money?
    public var source: Source

    /// Where a record came from, for evidence.
    public struct Source: Hashable, Sendable {
        public var fileSHA256: String
        public var row: Int
        public init(fileSHA256: String, row: Int) {
            self.fileSHA256 = fileSHA256
            self.row = row
        }
        public static let none = Source(fileSHA256: "", row: 0)
    }

    public init(
        vendor: String, account: String, messageID: String, batchID: String? = nil,
        sentAt: Instant, completedAt: Instant? = nil, channel: Channel, status: DeliveryStatus,
        refundable: Bool = false, reasonCode: String? = nil, reasonText: String? = nil, units: Int64 = 1,
        category: String? = nil, sender: String? = nil, recipient: String? = nil, recipientHash: String? = nil,
        fallbackOf: String? = nil, vendorCost: Money? = nil, source: Source = .none
    ) {
        self.vendor = vendor
        self.account = account
        self.messageID = messageID
        self.batchID = batchID
        self.sentAt = sentAt
        self.completedAt = completedAt
        self.channel = channel
        self.status = status
        self.refundable = refundable
        self.reasonCode = reasonCode
        self.reasonText = reasonText
        self.units = units
        self.category = category
        self.sender = sender
        self.recipient = recipient
        self.recipientHash = recipientHash
        self.fallbackOf = fallbackOf
        self.vendorCost = vendorCost
        self.source = source
    }

    /// Whole minutes billed for a call: seconds rounded up per call; 0 seconds is 0 minutes.
    public var callMinutes: Int64 { Self.callMinutes(units: units) }

    /// Call seconds rounded up to whole minutes (BILLING.md), none for no seconds.
    public static func callMinutes(units: Int64) -> Int64 { units <= 0 ? 0 : (units + 59) / 60 }
}
