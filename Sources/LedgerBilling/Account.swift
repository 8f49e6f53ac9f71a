import Foundation
import LedgerCore

/// A customer account: who is billed, on which cycle, in which zone, currency and language.
public struct Account: Hashable, Sendable {
    public enum Language: String, Hashable, Sendable, Codable, CaseIterable {
        case ko, en
    }

    public var id: String
    public var name: String
    /// The anchor day and its dated changes (BILLING.md: periods).
    public var anchors: AnchorSchedule
    /// IANA zone; days, months and cycles are local to it.
    public var timeZone: String
    public var plan: String
    public var currency: Currency
    public var rounding: RoundingMode
    public var vatRate: Rate
    public var locale: Language

    public init(id: String, name: String? = nil, anchors: AnchorSchedule, timeZone: String = "Asia/Seoul", plan: String,
                currency: Currency = .krw, rounding: RoundingMode? = nil, vatRate: Rate? = nil, locale: Language = .ko) {
        self.id = id
        self.name = name ?? id
        self.anchors = anchors
        self.timeZone = timeZone
        self.plan = plan
        self.currency = currency
        self.rounding = rounding ?? currency.defaultRounding
        self.vatRate = vatRate ?? Account.defaultVAT(for: currency)
        self.locale = locale
    }

    /// BILLING.md: 10 % for KRW accounts, 0 otherwise.
    public static func defaultVAT(for currency: Currency) -> Rate {
        currency.code == "KRW" ? Rate(numerator: 1, denominator: 10) : .zero
    }

    /// A clock in the account's zone (the zone was validated when the account was loaded).
    public var clock: ZoneClock {
        ZoneClock(identifier: timeZone) ?? ZoneClock(TimeZone(identifier: "UTC")!)
    }
}
