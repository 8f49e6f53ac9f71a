import LedgerCore

/// What a statement line bills (BILLING.md: a line is (channel with sub-type, entry, kind)).
public enum LineKind: String, Hashable, Sendable, Codable, Comparable, CaseIterable {
    /// Delivered messages.
    case usage
    /// A delivered fallback SMS/LMS sent in place of a failed Kakao message.
    case fallback
    /// PENDING past finality, billed under `uncertain = "charge"` (an uncertain fallback too).
    case uncertain

    public static func < (a: LineKind, b: LineKind) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
}

/// The identity of a line: the record channel, the kind and the price-book entry.
public struct LineKey: Hashable, Sendable, Comparable, Codable {
    public var channel: Channel
    public var kind: LineKind
    public var entry: PriceBook.EntryID

    public init(channel: Channel, kind: LineKind, entry: PriceBook.EntryID) {
        self.channel = channel
        self.kind = kind
        self.entry = entry
    }

    public static func < (a: LineKey, b: LineKey) -> Bool {
        if a.channel != b.channel { return a.channel < b.channel }
        if a.kind != b.kind { return a.kind < b.kind }
        return a.entry < b.entry
    }
}

/// A part of a line on one local day.
public struct DayPart: Hashable, Sendable, Codable {
    public var day: LocalDate
    public var messages: Int64
    public var units: Int64
    /// Price x units, exact (micro-units).
    public var exact: Money
    /// The day's share of the rounded line, by largest remainder.
    public var amount: Money
}

/// A bridge piece of a line: the part of a cycle's line in one calendar month, or of a month's
/// line in one cycle.
public struct PiecePart: Hashable, Sendable, Codable {
    public var month: CalendarMonth
    /// The cycle, named by its start.
    public var cycle: LocalDate
    public var messages: Int64
    public var units: Int64
    public var exact: Money
    public var amount: Money
}

/// One billed line: rounded once, to the currency's minor unit, with the account's mode.
public struct StatementLine: Hashable, Sendable, Codable {
    public var key: LineKey
    public var per: PriceBook.Unit
    public var unitPrice: Money
    public var messages: Int64
    public var units: Int64
    public var exact: Money
    public var amount: Money
    /// Per local day, in day order; amounts add up to `amount` exactly.
    public var days: [DayPart]
    /// Per bridge piece, in month (then cycle) order; amounts add up to `amount` exactly.
    public var pieces: [PiecePart]
}

/// Why an adjustment line exists (BILLING.md: late records, status change, price correction).
public enum AdjustmentReason: String, Hashable, Sendable, Codable {
    case lateRecords = "late-records"
    case statusChange = "status-change"
    case priceCorrection = "price-correction"
}

/// A difference (recomputed - billed) of a closed cycle's line, carried on an open cycle.
public struct AdjustmentLine: Hashable, Sendable, Codable {
    /// The closed cycle this corrects, named by its start, and its end.
    public var originalCycle: LocalDate
    public var originalCycleEnd: LocalDate
    public var reason: AdjustmentReason
    public var key: LineKey
    public var per: PriceBook.Unit
    public var unitPrice: Money
    public var messages: Int64
    public var units: Int64
    public var exact: Money
    /// Recomputed rounded line minus billed rounded line: already whole minor units.
    public var amount: Money
    /// The local as-of day of the run that computed it (the run id is kept in the store, not
    /// here, so the same inputs give the same statement bytes).
    public var computedOn: LocalDate
}

/// Messages of a channel in one status, billed or not (the Summary's counts).
public struct StatusCount: Hashable, Sendable, Codable {
    public var channel: Channel
    public var status: DeliveryStatus
    public var refundable: Bool
    public var isFallback: Bool
    /// For PENDING: whether it is final (past finality) and so billed or free per policy.
    public var final: Bool
    public var billed: Bool
    public var messages: Int64
    public var units: Int64
}

/// Per channel: what was sent and what was billed.
public struct ChannelSummary: Hashable, Sendable, Codable {
    public var channel: Channel
    /// Handed to a vendor: every status but EXCLUDED, SCHEDULED and CANCELLED.
    public var sent: Int64
    public var delivered: Int64
    public var failed: Int64
    public var failedRefundable: Int64
    public var excluded: Int64
    public var pending: Int64
    public var fallbackDelivered: Int64
    public var fallbackFailed: Int64
    public var uncertainBilled: Int64
    public var uncertainFree: Int64
    public var billedUnits: Int64
    /// Sum of this channel's rounded lines.
    public var amount: Money
}

/// A usage statement of one account and cycle.
public struct Statement: Hashable, Sendable, Codable {
    public var schema: String = "sendledger.statement/1"
    public var account: String
    public var accountName: String
    public var locale: Account.Language
    public var timeZone: String
    public var plan: String
    public var currency: String
    public var currencyDigits: Int
    public var rounding: RoundingMode
    public var vatRate: String
    /// The cycle [start, end), named by its start.
    public var cycleStart: LocalDate
    public var cycleEnd: LocalDate
    /// 0 for a preview of a cycle not yet closed; 1 once closed (immutable).
    public var revision: Int
    /// The as-of instant that decided finality of uncertain records.
    public var asOf: Instant
    /// Sorted by (channel, kind, entry).
    public var lines: [StatementLine]
    /// Sorted by (original cycle, computed on, channel, kind, entry, reason).
    public var adjustments: [AdjustmentLine]
    /// Sorted by channel.
    public var channels: [ChannelSummary]
    /// Sorted by (channel, status, refundable, fallback, final).
    public var statusCounts: [StatusCount]
    /// The bridge: this cycle's calendar-month pieces (sum of the lines' pieces), by month.
    public var bridge: [PiecePart]
    /// Sum of the lines' days, by day.
    public var daily: [DayPart]
    /// Every message of the cycle, all statuses (what late records are measured against).
    public var messages: Int64
    public var usageSubtotal: Money
    public var adjustmentSubtotal: Money
    public var subtotal: Money
    public var vat: Money
    public var total: Money
}

/// A statement as closed and stored: its canonical bytes and their SHA-256.
public struct ClosedStatement: Hashable, Sendable, Codable {
    public var statement: Statement
    public var canonicalJSON: [UInt8]
    public var checksum: String
}
