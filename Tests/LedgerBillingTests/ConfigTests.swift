import Foundation
@testable import LedgerBilling
import LedgerCore
import Testing

@Suite("Configuration: accounts, price book, policy")
struct ConfigTests {
    let accountsTOML = """
        [[account]]
        id = "acme"
        name = "Acme 주식회사"
        anchor_day = 15
        plan = "std"
        anchor_changes = [ { effective = 2026-11-25, anchor_day = 10 } ]

        [[account]]
        id = "globex"
        anchor_day = 31
        time_zone = "America/New_York"
        plan = "usd"
        currency = "USD"
        rounding = "half-up"
        vat_rate = "7.5%"
        locale = "en"
        """

    @Test("TOML accounts: fields, defaults by currency, anchor changes")
    func tomlAccounts() throws {
        let directory = try AccountDirectory.parseTOML(accountsTOML, file: "accounts.toml")
        let acme = try #require(directory["acme"])
        #expect(acme.name == "Acme 주식회사")
        #expect(acme.timeZone == "Asia/Seoul")
        #expect(acme.currency == .krw)
        #expect(acme.rounding == .truncate)
        #expect(acme.vatRate == Rate(numerator: 1, denominator: 10))
        #expect(acme.locale == .ko)
        #expect(acme.anchors.changes == [.init(effective: day("2026-11-25"), anchor: AnchorDay(10)!)])
        let globex = try #require(directory["globex"])
        #expect(globex.currency == .usd)
        #expect(globex.rounding == .halfUp)
        #expect(globex.vatRate.description == "0.075")
        #expect(globex.locale == .en)
        #expect(globex.name == "globex")
        let usdDefault = makeAccount(currency: .usd)
        #expect(usdDefault.rounding == .halfEven)
        #expect(usdDefault.vatRate.isZero)
    }

    @Test("CSV accounts: thousands of rows, quoted names, anchor changes column")
    func csvAccounts() throws {
        var text = "\u{FEFF}id,name,anchor_day,time_zone,plan,currency,rounding,vat_rate,locale,anchor_changes\r\n"
        for index in 0..<3000 {
            text += "acct-\(index),\"Name, \"\"\(index)\"\"\",\(index % 31 + 1),,std,KRW,,,ko,\r\n"
        }
        text += "special,Special,15,Asia/Seoul,std,KRW,half-even,0,en,2026-11-25:20\r\n"
        let directory = try AccountDirectory.parseCSV(text, file: "accounts.csv")
        #expect(directory.accounts.count == 3001)
        let first = try #require(directory["acct-0"])
        #expect(first.name == "Name, \"0\"")
        #expect(first.anchors.initial == AnchorDay(1))
        #expect(directory["acct-30"]?.anchors.initial == AnchorDay(31))
        let special = try #require(directory["special"])
        #expect(special.rounding == .halfEven)
        #expect(special.vatRate.isZero)
        #expect(special.anchors.changes.map(\.anchor) == [AnchorDay(20)!])
    }

    @Test("config errors name file, key or row, and value", arguments: [
        ("[[account]]\nid = \"a\"\nanchor_day = 32\nplan = \"std\"", "account[0].anchor_day", "32"),
        ("[[account]]\nid = \"a\"\nanchor_day = \"x\"\nplan = \"std\"", "account[0].anchor_day", "x"),
        ("[[account]]\nid = \"a\"\nplan = \"std\"", "account[0].anchor_day", ""),
        ("[[account]]\nid = \"a\"\nanchor_day = 1\nplan = \"std\"\ntime_zone = \"Mars/Base\"", "account[0].time_zone", "Mars/Base"),
        ("[[account]]\nid = \"a\"\nanchor_day = 1\nplan = \"std\"\ncurrency = \"XYZ\"", "account[0].currency", "XYZ"),
        ("[[account]]\nid = \"a\"\nanchor_day = 1\nplan = \"std\"\nrounding = \"up\"", "account[0].rounding", "up"),
        ("[[account]]\nid = \"a\"\nanchor_day = 1\nplan = \"std\"\nvat_rate = \"0.1234567\"", "account[0].vat_rate", "0.1234567"),
        ("[[account]]\nid = \"a\"\nanchor_day = 1\nplan = \"std\"\nlocale = \"fr\"", "account[0].locale", "fr"),
        ("[[account]]\nid = \"a\"\nanchor_day = 1", "account[0].plan", ""),
        ("[[account]]\nid = \"a\"\nanchor_day = 1\nplan = \"x\"\n[[account]]\nid = \"a\"\nanchor_day = 2\nplan = \"x\"", "account[1].id", "a"),
    ])
    func tomlErrors(text: String, key: String, value: String) {
        do {
            _ = try AccountDirectory.parseTOML(text, file: "accounts.toml")
            Issue.record("expected an error")
        } catch {
            #expect(error.file == "accounts.toml")
            #expect(error.key == key)
            #expect(error.value == value)
            #expect(error.description.contains("accounts.toml"))
        }
    }

    @Test("CSV errors name the row and column")
    func csvErrors() {
        let text = "id,anchor_day,plan\na,15,std\nb,0,std\n"
        #expect(throws: ConfigError(file: "a.csv", key: "row 3.anchor_day", value: "0", reason: .invalid(expected: "a day 1...31"))) {
            try AccountDirectory.parseCSV(text, file: "a.csv")
        }
        #expect(throws: ConfigError.self) { try AccountDirectory.parseCSV("id,anchor_day,plan,colour\n", file: "a.csv") }
        do {
            _ = try AccountDirectory.parseCSV("id,anchor_day,plan,anchor_changes\na,15,std,2026-13-01:10\n", file: "a.csv")
            Issue.record("expected an error")
        } catch {
            #expect(error.key == "row 2.anchor_changes")
            #expect(error.value == "2026-13-01:10")
        }
    }

    @Test("loading from files picks the format by extension")
    func loadFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let toml = directory.appendingPathComponent("accounts.toml").path
        let csv = directory.appendingPathComponent("accounts.csv").path
        try accountsTOML.write(toFile: toml, atomically: true, encoding: .utf8)
        try "id,anchor_day,plan\nz,5,std\n".write(toFile: csv, atomically: true, encoding: .utf8)
        #expect(try AccountDirectory.load(path: toml).accounts.map(\.id) == ["acme", "globex"])
        #expect(try AccountDirectory.load(path: csv).accounts.map(\.id) == ["z"])
        #expect(throws: ConfigError.self) { try AccountDirectory.load(path: directory.appendingPathComponent("missing.toml").path) }
    }

    let bookTOML = """
        [[plan]]
        name = "std"
        currency = "KRW"
          [[plan.price]]
          channel = "SMS"
          price = "9.9"
          effective_from = 2026-01-01
          [[plan.price]]
          channel = "LMS"
          per = "segment"
          price = "12.5"
          effective_from = "2026-01-01"
          [[plan.price]]
          channel = "CALL"
          price = "30"
          effective_from = 2026-01-01

        [[plan]]
        name = "usd"
        currency = "USD"
          [[plan.price]]
          channel = "SMS"
          price = "0.0075"
          effective_from = 2026-01-01
        """

    @Test("price book: plans, units with CALL defaulting to minute, exact decimals")
    func priceBook() throws {
        let book = try PriceBook.parse(text: bookTOML, file: "prices.toml")
        let std = try #require(book.plans["std"])
        #expect(std.currency == .krw)
        #expect(std.entry(for: channel("SMS"), on: day("2026-05-01"))?.price == money("9.9"))
        #expect(std.entry(for: channel("SMS"), on: day("2025-12-31")) == nil)
        #expect(std.entry(for: channel("LMS"), on: day("2026-05-01"))?.per == .segment)
        #expect(std.entry(for: channel("CALL"), on: day("2026-05-01"))?.per == .minute)
        #expect(std.entry(for: channel("SMS"), on: day("2026-05-01"))?.per == .message)
        #expect(book.plans["usd"]?.entry(for: channel("SMS"), on: day("2026-05-01"))?.price == Money(micros: 7500))
    }

    @Test("price book errors", arguments: [
        ("channel = \"SMS\"\nprice = \"9.1234567\"\neffective_from = 2026-01-01", "price", ConfigError.Reason.tooManyDecimals),
        ("channel = \"SMS\"\nprice = 9.9\neffective_from = 2026-01-01", "price", .invalid(expected: "a decimal written as a string, e.g. \"9.9\"")),
        ("channel = \"SMS\"\nper = \"minute\"\nprice = \"1\"\neffective_from = 2026-01-01", "per", .unitNotForChannel("SMS")),
        ("channel = \"CALL\"\nper = \"segment\"\nprice = \"1\"\neffective_from = 2026-01-01", "per", .unitNotForChannel("CALL")),
        ("channel = \"FAX\"\nprice = \"1\"\neffective_from = 2026-01-01", "channel", .invalid(expected: "a channel such as SMS or FRIENDTALK:IMAGE")),
        ("channel = \"SMS\"\nprice = \"1\"", "effective_from", .missing),
    ])
    func priceBookErrors(entry: String, key: String, reason: ConfigError.Reason) {
        let text = "[[plan]]\nname = \"std\"\ncurrency = \"KRW\"\n[[plan.price]]\n" + entry
        do {
            _ = try PriceBook.parse(text: text, file: "prices.toml")
            Issue.record("expected an error")
        } catch {
            #expect(error.file == "prices.toml")
            #expect(error.key == "plan[0].price[0].\(key)")
            #expect(error.reason == reason)
        }
    }

    @Test("an account whose plan currency differs from its own is a config error")
    func currencyMismatch() throws {
        let book = try PriceBook.parse(text: bookTOML, file: "prices.toml")
        let directory = try AccountDirectory.parseTOML("""
            [[account]]
            id = "a"
            anchor_day = 1
            plan = "usd"
            currency = "KRW"
            """, file: "accounts.toml")
        #expect(throws: ConfigError(file: "accounts.toml", key: "account[0].plan", value: "usd", reason: .currencyMismatch(plan: "USD", account: "KRW"))) {
            try directory.check(against: book)
        }
        let unknown = AccountDirectory(accounts: [makeAccount(plan: "gold")], file: "accounts.csv")
        #expect(throws: ConfigError.self) { try unknown.check(against: book) }
    }

    @Test("policy: defaults, and [policy] keys")
    func policy() throws {
        let defaults = BillingPolicy()
        #expect(defaults.graceDays == 3 && defaults.lateWindowDays == 35 && defaults.finalityHours == 72)
        #expect(defaults.uncertain == .charge && defaults.retentionDays == 365 && defaults.reportingTimeZone == "Asia/Seoul")
        let parsed = try BillingPolicy.parse(text: """
            [policy]
            grace_days = 5
            late_window_days = 40
            finality_hours = 48
            uncertain = "free"
            retention_days = 400
            time_zone = "UTC"
            """)
        #expect(parsed == BillingPolicy(graceDays: 5, lateWindowDays: 40, finalityHours: 48, uncertain: .free, retentionDays: 400, reportingTimeZone: "UTC"))
        #expect(throws: ConfigError.self) { try BillingPolicy.parse(text: "[policy]\nuncertain = \"maybe\"", file: "nightly.toml") }
    }
}
