import Foundation
import LedgerCore

/// Each account's time zone, for the local day a record counts on (BILLING.md: days are in
/// the account's local time). Accounts not in the config use the default zone.
public struct AccountZones: Sendable {
    private var clocks: [String: Int] = [:]
    private var zones: [ZoneClock]
    private var lastAccount = ""
    private var lastIndex = 0
    private var lastAccountBytes: [UInt8] = []
    private var lastIndexOfBytes = 0

    public init(defaultZone: TimeZone, accounts: [String: TimeZone] = [:]) {
        // One clock per distinct zone: thousands of accounts share a handful of zones.
        zones = [ZoneClock(defaultZone)]
        var byIdentifier = [defaultZone.identifier: 0]
        for (account, zone) in accounts.sorted(by: { $0.key < $1.key }) {
            if let index = byIdentifier[zone.identifier] {
                clocks[account] = index
            } else {
                byIdentifier[zone.identifier] = zones.count
                clocks[account] = zones.count
                zones.append(ZoneClock(zone))
            }
        }
    }

    public func isKnown(_ account: String) -> Bool { clocks[account] != nil }

    /// The local day of `instant` for `account`.
    public mutating func day(of instant: Instant, account: String) -> LocalDate {
        if account != lastAccount {
            lastAccount = account
            lastIndex = clocks[account] ?? 0
        }
        return zones[lastIndex].localDate(of: instant)
    }

    /// The same for an account given as UTF-8 bytes (readers that make no `String` per row).
    public mutating func day(of instant: Instant, accountUTF8 account: UnsafeBufferPointer<UInt8>) -> LocalDate {
        if !lastAccountBytes.hasSameBytes(as: account) {
            lastAccountBytes = Array(account)
            lastIndexOfBytes = clocks[String(decoding: account, as: UTF8.self)] ?? 0
        }
        return zones[lastIndexOfBytes].localDate(of: instant)
    }
}
