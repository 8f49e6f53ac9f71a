import LedgerCore

/// The policy settings of BILLING.md, with its defaults. The CLI fills it from `[policy]`.
public struct BillingPolicy: Hashable, Sendable {
    public enum Uncertain: String, Hashable, Sendable, Codable {
        /// Final uncertain records are billed at their channel's price (line kind `uncertain`).
        case charge
        /// Final uncertain records are not billed.
        case free
    }

    /// A cycle closes at the first run at or after local 00:00 of `end + graceDays`.
    public var graceDays: Int
    /// Closed cycles are adjusted automatically until local 00:00 of `end + lateWindowDays`.
    public var lateWindowDays: Int
    /// A PENDING record sent at least this long before as-of is final.
    public var finalityHours: Int
    public var uncertain: Uncertain
    public var retentionDays: Int
    /// The zone of refund reports' calendar months.
    public var reportingTimeZone: String

    public init(graceDays: Int = 3, lateWindowDays: Int = 35, finalityHours: Int = 72, uncertain: Uncertain = .charge,
                retentionDays: Int = 365, reportingTimeZone: String = "Asia/Seoul") {
        self.graceDays = graceDays
        self.lateWindowDays = lateWindowDays
        self.finalityHours = finalityHours
        self.uncertain = uncertain
        self.retentionDays = retentionDays
        self.reportingTimeZone = reportingTimeZone
    }

    /// Reads the `[policy]` table of a TOML document (missing keys keep their defaults):
    /// grace_days, late_window_days, finality_hours, uncertain, retention_days, time_zone.
    public static func parse(text: String, file: String = "<memory>") throws(ConfigError) -> BillingPolicy {
        var policy = BillingPolicy()
        guard let table = try TOMLReader.parse(text: text, file: file).subtable("policy") else { return policy }
        func days(_ key: String) throws(ConfigError) -> Int? {
            guard let value = try table.int(key) else { return nil }
            guard value >= 0 else { throw table.error(key, String(value), .invalid(expected: "a number of zero or more")) }
            return value
        }
        if let value = try days("grace_days") { policy.graceDays = value }
        if let value = try days("late_window_days") { policy.lateWindowDays = value }
        if let value = try days("finality_hours") { policy.finalityHours = value }
        if let value = try days("retention_days") { policy.retentionDays = value }
        if let text = try table.string("uncertain") {
            guard let value = Uncertain(rawValue: text) else { throw table.error("uncertain", text, .invalid(expected: "charge or free")) }
            policy.uncertain = value
        }
        if let zone = try table.string("time_zone") {
            guard ZoneClock(identifier: zone) != nil else { throw table.error("time_zone", zone, .invalid(expected: "an IANA time zone")) }
            policy.reportingTimeZone = zone
        }
        return policy
    }
}
