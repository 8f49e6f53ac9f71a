/// A configuration error that names the file, the key (or CSV row and column) and the value.
public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        case unreadable(String)
        case syntax(String)
        case missing
        /// The value is not of the expected form (`expected` says what was wanted).
        case invalid(expected: String)
        case duplicate
        case tooManyDecimals
        case unknownPlan
        /// An account's currency differs from its plan's.
        case currencyMismatch(plan: String, account: String)
        /// A unit that makes no sense for the channel (minutes of an SMS).
        case unitNotForChannel(String)
    }

    public let file: String
    /// `account[3].anchor_day`, `row 12.vat_rate`, `plan[0].price[2].price`.
    public let key: String
    public let value: String
    public let reason: Reason

    public init(file: String, key: String, value: String, reason: Reason) {
        self.file = file
        self.key = key
        self.value = value
        self.reason = reason
    }

    public var description: String {
        let why: String
        switch reason {
        case .unreadable(let detail): why = "cannot read file: \(detail)"
        case .syntax(let detail): why = "syntax error: \(detail)"
        case .missing: why = "required key is missing"
        case .invalid(let expected): why = "expected \(expected)"
        case .duplicate: why = "duplicate"
        case .tooManyDecimals: why = "more than 6 decimals"
        case .unknownPlan: why = "no such plan in the price book"
        case .currencyMismatch(let plan, let account): why = "plan currency \(plan) differs from account currency \(account)"
        case .unitNotForChannel(let channel): why = "unit not valid for channel \(channel)"
        }
        return "\(file): \(key) = \"\(value)\": \(why)"
    }
}

/// An error of the billing engine: a broken invariant is an internal error, never a number.
public struct BillingError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        /// A bridge identity or allocation sum failed (a bug): exit 70.
        case invariant(String)
        /// No price-book entry for a billed channel on a day.
        case noPrice(channel: String, day: String)
        case unknownAccount(String)
        /// A cycle start that is not a cycle of the account's schedule.
        case notACycle(String)
        case overflow
        /// A stored statement or adjustment that cannot be decoded.
        case corruptStored(String)
    }

    public let account: String
    public let reason: Reason

    public init(account: String, _ reason: Reason) {
        self.account = account
        self.reason = reason
    }

    public var isInternal: Bool {
        switch reason {
        case .invariant, .overflow, .corruptStored: true
        default: false
        }
    }

    public var description: String {
        let why: String
        switch reason {
        case .invariant(let detail): why = "internal error: invariant broken: \(detail)"
        case .noPrice(let channel, let day): why = "no price-book entry for \(channel) on \(day)"
        case .unknownAccount(let id): why = "unknown account \(id)"
        case .notACycle(let start): why = "\(start) is not the start of a billing cycle"
        case .overflow: why = "amount out of range"
        case .corruptStored(let detail): why = "stored billing data unreadable: \(detail)"
        }
        return "account \(account): \(why)"
    }
}
