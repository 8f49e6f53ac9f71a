#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Usage per account and local day at the grain billing needs, kept by the store in the same
/// transaction as the records (statements never scan messages).
public struct RollupKey: Hashable, Sendable, Comparable {
    public var account: String
    /// The local day of the usage instant, in the account's time zone.
    public var day: LocalDate
    public var vendor: String
    public var channel: Channel
    /// `campaign:<name>`, `one-time:<name>`, `reply-notification`, a template code, or "".
    public var category: String
    public var status: DeliveryStatus
    public var refundable: Bool
    /// A fallback SMS/LMS sent in place of a failed Kakao message (`fallback_of` set).
    public var isFallback: Bool

    public init(account: String, day: LocalDate, vendor: String, channel: Channel, category: String,
                status: DeliveryStatus, refundable: Bool, isFallback: Bool) {
        self.account = account
        self.day = day
        self.vendor = vendor
        self.channel = channel
        self.category = category
        self.status = status
        self.refundable = refundable
        self.isFallback = isFallback
    }

    // Hashed and compared by UTF-8 bytes, as the store's key compares them: String's own
    // hashing normalizes non-ASCII text (Korean categories) first, which cost about 3% of an
    // ingest for a rollup map the file's every record goes through.
    public static func == (a: RollupKey, b: RollupKey) -> Bool {
        a.day == b.day && a.channel == b.channel && a.status == b.status && a.refundable == b.refundable
            && a.isFallback == b.isFallback && sameBytes(a.account, b.account) && sameBytes(a.vendor, b.vendor)
            && sameBytes(a.category, b.category)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(day)
        hasher.combine(channel)
        hasher.combine(status)
        hasher.combine(refundable)
        hasher.combine(isFallback)
        Self.combineBytes(account, into: &hasher)
        Self.combineBytes(vendor, into: &hasher)
        Self.combineBytes(category, into: &hasher)
    }

    private static func combineBytes(_ text: String, into hasher: inout Hasher) {
        var text = text
        text.withUTF8 { bytes in
            hasher.combine(bytes.count)
            hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
        }
    }

    private static func sameBytes(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        var a = a
        var b = b
        return a.withUTF8 { x in b.withUTF8 { y in x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 } }
    }

    public static func < (a: RollupKey, b: RollupKey) -> Bool {
        if a.account != b.account { return a.account < b.account }
        if a.day != b.day { return a.day < b.day }
        if a.vendor != b.vendor { return a.vendor < b.vendor }
        if a.channel != b.channel { return a.channel < b.channel }
        if a.category != b.category { return a.category < b.category }
        if a.status != b.status { return a.status < b.status }
        if a.refundable != b.refundable { return !a.refundable }
        return !a.isFallback && b.isFallback
    }
}

/// The additive measures of a rollup row.
public struct RollupTotals: Hashable, Sendable {
    public var messages: Int64 = 0
    /// Sum of the records' units (segments, or call seconds).
    public var units: Int64 = 0
    /// Sum over calls of seconds rounded up to whole minutes, per call (BILLING.md).
    public var callMinutes: Int64 = 0
    /// Sum of `vendor_cost` where the vendor reported one.
    public var vendorCost: Money = .zero
    /// Messages without a reported vendor cost.
    public var costUnknown: Int64 = 0

    public init(messages: Int64 = 0, units: Int64 = 0, callMinutes: Int64 = 0, vendorCost: Money = .zero, costUnknown: Int64 = 0) {
        self.messages = messages
        self.units = units
        self.callMinutes = callMinutes
        self.vendorCost = vendorCost
        self.costUnknown = costUnknown
    }

    /// The contribution of one record (`sign` +1 to add it, -1 to take it back).
    public init(record: DeliveryRecord, sign: Int64 = 1) {
        messages = sign
        units = record.units * sign
        callMinutes = record.channel.base == .call ? record.callMinutes * sign : 0
        vendorCost = Money(micros: (record.vendorCost?.micros ?? 0) * sign)
        costUnknown = record.vendorCost == nil ? sign : 0
    }

    public static func += (lhs: inout RollupTotals, rhs: RollupTotals) {
        lhs.messages += rhs.messages
        lhs.units += rhs.units
        lhs.callMinutes += rhs.callMinutes
        lhs.vendorCost = Money(micros: lhs.vendorCost.micros &+ rhs.vendorCost.micros)
        lhs.costUnknown += rhs.costUnknown
    }

    public var isZero: Bool { messages == 0 && units == 0 && callMinutes == 0 && vendorCost == .zero && costUnknown == 0 }
}

public struct DailyRollup: Hashable, Sendable {
    public var key: RollupKey
    public var totals: RollupTotals
    public init(key: RollupKey, totals: RollupTotals) {
        self.key = key
        self.totals = totals
    }
}

extension RollupKey {
    /// The rollup row a record counts in, given its local day.
    public init(record: DeliveryRecord, day: LocalDate) {
        self.init(account: record.account, day: day, vendor: record.vendor, channel: record.channel,
                  category: record.category ?? "", status: record.status, refundable: record.refundable,
                  isFallback: record.fallbackOf != nil)
    }
}
