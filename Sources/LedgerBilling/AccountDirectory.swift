import Foundation
import LedgerCore

/// The accounts of an installation, loaded from a TOML file (`[[account]]` tables) or a CSV
/// file (one row per account; thousands are fine). See docs/billing.md for both formats.
public struct AccountDirectory: Sendable {
    /// Accounts sorted by id.
    public let accounts: [Account]
    /// The file they came from, and each account's key prefix in it (for later errors).
    public let file: String
    let origins: [String: String]
    private let byID: [String: Int]

    public init(accounts: [Account], file: String = "<memory>") {
        self.init(accounts: accounts, file: file, origins: [:])
    }

    init(accounts: [Account], file: String, origins: [String: String]) {
        let sorted = accounts.sorted { $0.id < $1.id }
        self.accounts = sorted
        self.file = file
        var byID: [String: Int] = [:]
        for (index, account) in sorted.enumerated() { byID[account.id] = index }
        self.byID = byID
        self.origins = origins
    }

    public subscript(id: String) -> Account? { byID[id].map { accounts[$0] } }

    /// Loads `.csv` files as CSV and anything else as TOML.
    public static func load(path: String) throws(ConfigError) -> AccountDirectory {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(file: path, key: "", value: "", reason: .unreadable(error.localizedDescription))
        }
        return path.lowercased().hasSuffix(".csv") ? try parseCSV(text, file: path) : try parseTOML(text, file: path)
    }

    /// Checks every account's plan against the price book: the plan exists, and its currency
    /// is the account's (BILLING.md: otherwise a config error).
    public func check(against priceBook: PriceBook) throws(ConfigError) {
        for account in accounts {
            let key = (origins[account.id] ?? account.id) + ".plan"
            guard let plan = priceBook.plans[account.plan] else {
                throw ConfigError(file: file, key: key, value: account.plan, reason: .unknownPlan)
            }
            if plan.currency != account.currency {
                throw ConfigError(file: file, key: key, value: account.plan,
                                  reason: .currencyMismatch(plan: plan.currency.code, account: account.currency.code))
            }
        }
    }

    // MARK: - TOML

    static func parseTOML(_ text: String, file: String) throws(ConfigError) -> AccountDirectory {
        let root = try TOMLReader.parse(text: text, file: file)
        var accounts: [Account] = []
        var origins: [String: String] = [:]
        for table in try root.tables("account") {
            var fields = AccountFields()
            fields.id = try table.requiredString("id")
            fields.name = try table.string("name")
            // Any non-integer value is kept as text so the error names it.
            if table.has("anchor_day") { fields.anchorDay = (try? table.int("anchor_day")).flatMap { $0 }.map(String.init) ?? table.raw("anchor_day") }
            fields.timeZone = try table.string("time_zone")
            fields.plan = try table.string("plan")
            fields.currency = try table.string("currency")
            fields.rounding = try table.string("rounding")
            if table.has("vat_rate") { fields.vatRate = table.raw("vat_rate") }
            fields.locale = try table.string("locale")
            var changes: [AnchorSchedule.Change] = []
            for change in try table.tables("anchor_changes") {
                guard let effective = try change.date("effective") else { throw change.error("effective", "", .missing) }
                guard let day = try change.int("anchor_day") else { throw change.error("anchor_day", "", .missing) }
                guard let anchor = AnchorDay(day) else { throw change.error("anchor_day", String(day), .invalid(expected: "a day 1...31")) }
                changes.append(.init(effective: effective, anchor: anchor))
            }
            let account = try fields.account(changes: changes) { key, value, reason in table.error(key, value, reason) }
            if origins[account.id] != nil { throw table.error("id", account.id, .duplicate) }
            origins[account.id] = table.path
            accounts.append(account)
        }
        return AccountDirectory(accounts: accounts, file: file, origins: origins)
    }

    // MARK: - CSV

    static let csvColumns = ["id", "name", "anchor_day", "time_zone", "plan", "currency", "rounding", "vat_rate", "locale", "anchor_changes"]

    static func parseCSV(_ text: String, file: String) throws(ConfigError) -> AccountDirectory {
        let table: CSVTable
        do {
            table = try CSVTable(text: text)
        } catch {
            throw ConfigError(file: file, key: "row \(error.row)", value: "", reason: .syntax(error.detail))
        }
        var column: [String: Int] = [:]
        for (index, name) in table.header.enumerated() {
            guard csvColumns.contains(name) else {
                throw ConfigError(file: file, key: "row 1.\(name)", value: name, reason: .invalid(expected: "one of \(csvColumns.joined(separator: ","))"))
            }
            if column[name] != nil { throw ConfigError(file: file, key: "row 1.\(name)", value: name, reason: .duplicate) }
            column[name] = index
        }
        for required in ["id", "anchor_day", "plan"] where column[required] == nil {
            throw ConfigError(file: file, key: "row 1.\(required)", value: "", reason: .missing)
        }
        var accounts: [Account] = []
        var origins: [String: String] = [:]
        for (row, values) in table.rows {
            func value(_ name: String) -> String? {
                guard let index = column[name], index < values.count else { return nil }
                let text = values[index].trimmingCharacters(in: .whitespaces)
                return text.isEmpty ? nil : text
            }
            let fail = { (key: String, value: String, reason: ConfigError.Reason) in
                ConfigError(file: file, key: "row \(row).\(key)", value: value, reason: reason)
            }
            var fields = AccountFields()
            fields.id = value("id")
            fields.name = value("name")
            fields.anchorDay = value("anchor_day")
            fields.timeZone = value("time_zone")
            fields.plan = value("plan")
            fields.currency = value("currency")
            fields.rounding = value("rounding")
            fields.vatRate = value("vat_rate")
            fields.locale = value("locale")
            // "2026-11-25:10;2027-03-01:20": effective date and new anchor day, `;`-separated.
            var changes: [AnchorSchedule.Change] = []
            if let text = value("anchor_changes") {
                for part in text.split(separator: ";") {
                    let pieces = part.split(separator: ":")
                    guard pieces.count == 2, let effective = LocalDate(pieces[0].trimmingCharacters(in: .whitespaces)),
                          let day = Int(pieces[1].trimmingCharacters(in: .whitespaces)), let anchor = AnchorDay(day) else {
                        throw fail("anchor_changes", text, .invalid(expected: "YYYY-MM-DD:DAY[;YYYY-MM-DD:DAY...]"))
                    }
                    changes.append(.init(effective: effective, anchor: anchor))
                }
            }
            let account = try fields.account(changes: changes, fail: fail)
            if origins[account.id] != nil { throw fail("id", account.id, .duplicate) }
            origins[account.id] = "row \(row)"
            accounts.append(account)
        }
        return AccountDirectory(accounts: accounts, file: file, origins: origins)
    }
}

/// The raw text of one account's fields, validated into an `Account` in one place for both formats.
struct AccountFields {
    var id: String?
    var name: String?
    var anchorDay: String?
    var timeZone: String?
    var plan: String?
    var currency: String?
    var rounding: String?
    var vatRate: String?
    var locale: String?

    func account(changes: [AnchorSchedule.Change],
                 fail: (String, String, ConfigError.Reason) -> ConfigError) throws(ConfigError) -> Account {
        guard let id, !id.isEmpty else { throw fail("id", "", .missing) }
        guard let anchorText = anchorDay else { throw fail("anchor_day", "", .missing) }
        guard let day = Int(anchorText), let anchor = AnchorDay(day) else { throw fail("anchor_day", anchorText, .invalid(expected: "a day 1...31")) }
        let zone = timeZone ?? "Asia/Seoul"
        guard TimeZone(identifier: zone) != nil else { throw fail("time_zone", zone, .invalid(expected: "an IANA time zone such as Asia/Seoul")) }
        guard let plan, !plan.isEmpty else { throw fail("plan", "", .missing) }
        let currencyCode = currency ?? "KRW"
        guard let currency = Currency(code: currencyCode) else { throw fail("currency", currencyCode, .invalid(expected: "a known ISO 4217 code")) }
        var mode: RoundingMode?
        if let rounding {
            guard let parsed = RoundingMode(rawValue: rounding.lowercased()) else {
                throw fail("rounding", rounding, .invalid(expected: "truncate, floor, half-up or half-even"))
            }
            mode = parsed
        }
        var vat: Rate?
        if let vatRate {
            do { vat = try Rate(parsing: vatRate) } catch .tooManyDecimals { throw fail("vat_rate", vatRate, .tooManyDecimals) } catch {
                throw fail("vat_rate", vatRate, .invalid(expected: "a rate such as \"10%\" or \"0.1\""))
            }
        }
        let localeText = locale ?? "ko"
        guard let language = Account.Language(rawValue: localeText.lowercased()) else { throw fail("locale", localeText, .invalid(expected: "ko or en")) }
        return Account(id: id, name: name, anchors: AnchorSchedule(initial: anchor, changes: changes), timeZone: zone, plan: plan,
                       currency: currency, rounding: mode, vatRate: vat, locale: language)
    }
}
