/// The canonical delivery status (BILLING.md).
public enum DeliveryStatus: String, Sendable, CaseIterable, Codable, Comparable {
    case scheduled = "SCHEDULED"
    case pending = "PENDING"
    case delivered = "DELIVERED"
    case failed = "FAILED"
    case excluded = "EXCLUDED"
    case cancelled = "CANCELLED"

    /// Forward-only order: SCHEDULED < PENDING < {DELIVERED, FAILED, EXCLUDED, CANCELLED}.
    public var precedence: Int {
        switch self {
        case .scheduled: 0
        case .pending: 1
        case .delivered, .failed, .excluded, .cancelled: 2
        }
    }

    public var isFinal: Bool { precedence == 2 }

    /// "Sent", as the consoles count it: handed to a vendor.
    public var countsAsSent: Bool { self != .excluded && self != .scheduled && self != .cancelled }

    /// Case-insensitive parse of the canonical name.
    public init?(canonical text: some StringProtocol) {
        self.init(rawValue: String(text.trimmingSpaces).uppercased())
    }

    public static func < (lhs: DeliveryStatus, rhs: DeliveryStatus) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// What an incoming record does to the one already in the ledger for its (vendor, message_id).
public enum StatusUpdate: String, Sendable, Equatable {
    /// No record yet: insert it.
    case insert
    /// Equal or higher precedence: the incoming record replaces every field.
    case replace
    /// The same final status with other details (refundable, reason, cost): the later wins.
    case correction
    /// Nothing differs.
    case unchanged
    /// Lower precedence: nothing changes; counted as stale.
    case stale
    /// A different final status after a final one: the first stays; reported.
    case conflict

    /// Whether the stored record is overwritten.
    public var writes: Bool { self == .insert || self == .replace || self == .correction }
}

extension DeliveryRecord {
    /// The forward-only rule of BILLING.md, applied to this incoming record over `existing`.
    public func update(over existing: DeliveryRecord?) -> StatusUpdate {
        guard let existing else { return .insert }
        if status.precedence < existing.status.precedence { return .stale }
        if existing.status.isFinal {
            if status != existing.status { return .conflict }
            return sameFacts(as: existing) ? .unchanged : .correction
        }
        return sameFacts(as: existing) ? .unchanged : .replace
    }

    /// Every field but the source (which file and row said it).
    public func sameFacts(as other: DeliveryRecord) -> Bool {
        var a = self, b = other
        a.source = .none
        b.source = .none
        return a == b
    }
}
