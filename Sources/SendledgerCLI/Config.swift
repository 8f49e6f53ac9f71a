import Foundation
import LedgerCore
import TOMLKit

/// The job's configuration (`jobs/nightly.toml`), checked before any work.
struct LedgerConfig: Sendable {
    enum StoreLocation: Sendable, Equatable {
        case sqlite(path: String)
        case postgres(url: String)
    }

    struct Paths: Sendable {
        var inbox = "samples/inbox"
        var out = "out"
        var quarantine = "var/quarantine"
        /// Where the nightly run moves each inbox file once its transaction has committed
        /// (`<archive>/<run date>/<path under the inbox>`); nil leaves files in the inbox,
        /// where the manifest makes them no-ops.
        var archive: String?
        var lock = "var/sendledger.lock"
    }

    struct Policy: Sendable {
        var timeZone = "Asia/Seoul"
        var graceDays = 3
        var lateWindowDays = 35
        var finalityHours = 72
        var uncertain = "charge"
        var retentionDays = 365
    }

    struct Privacy: Sendable {
        var maskRecipients = true
        var hashKeyFile = "var/hash.key"
    }

    var file: String
    var store = StoreLocation.sqlite(path: "var/sendledger.db")
    var paths = Paths()
    var policy = Policy()
    var privacy = Privacy()
    var accountsFile: String?
    var priceBookFile: String?
    var vendorsDirectory = "jobs/vendors"
}

/// A configuration error names the file and the key (PRODUCT.md).
struct ConfigError: Error, CustomStringConvertible, Equatable {
    enum Reason: Equatable {
        case unreadable(String)
        case syntax(String)
        case unknownKey
        case wrongType(expected: String)
        case invalid(String)
    }
    let file: String
    let key: String
    let reason: Reason

    var description: String {
        switch reason {
        case .unreadable(let why): "\(file): cannot read: \(why)"
        case .syntax(let why): "\(file): \(why)"
        case .unknownKey: "\(file): \(key): unknown key"
        case .wrongType(let expected): "\(file): \(key): expected \(expected)"
        case .invalid(let why): "\(file): \(key): \(why)"
        }
    }
}

extension LedgerConfig {
    /// Loads and checks a config file. Relative paths inside it are relative to the working
    /// directory (cron and systemd units `cd` to the installation first).
    static func load(path: String) throws(ConfigError) -> LedgerConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, key: "", reason: .unreadable(FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, key: "", reason: .unreadable("not UTF-8"))
        }
        if let problem = TOMLTableHeaders.problem(in: text) {
            throw ConfigError(file: path, key: "", reason: .syntax(problem))
        }
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(file: path, key: "", reason: .syntax("\(error.description) at line \(error.source.begin.line)"))
        } catch {
            throw ConfigError(file: path, key: "", reason: .syntax("\(error)"))
        }
        var config = LedgerConfig(file: path)
        let reader = TableReader(file: path, table: root, prefix: "")
        try reader.allowOnly(["store", "paths", "policy", "privacy", "accounts", "price_book", "vendors"])
        if let store = try reader.string("store") {
            if store.hasPrefix("sqlite:") {
                let location = String(store.dropFirst("sqlite:".count))
                guard !location.isEmpty else { throw ConfigError(file: path, key: "store", reason: .invalid("sqlite: needs a path")) }
                config.store = .sqlite(path: location)
            } else if store.hasPrefix("postgres://") || store.hasPrefix("postgresql://") {
                config.store = .postgres(url: store)
            } else {
                throw ConfigError(file: path, key: "store", reason: .invalid("expected sqlite:PATH or postgres://..., got \"\(store)\""))
            }
        }
        if let paths = try reader.table("paths") {
            try paths.allowOnly(["inbox", "out", "quarantine", "archive", "lock"])
            config.paths.inbox = try paths.string("inbox") ?? config.paths.inbox
            config.paths.out = try paths.string("out") ?? config.paths.out
            config.paths.quarantine = try paths.string("quarantine") ?? config.paths.quarantine
            config.paths.archive = try paths.string("archive").flatMap { $0.isEmpty ? nil : $0 }
            config.paths.lock = try paths.string("lock") ?? config.paths.lock
        }
        if let policy = try reader.table("policy") {
            try policy.allowOnly(["time_zone", "grace_days", "late_window_days", "finality_hours", "uncertain", "retention_days"])
            if let zone = try policy.string("time_zone") {
                guard TimeZone(identifier: zone) != nil else {
                    throw ConfigError(file: path, key: "policy.time_zone", reason: .invalid("unknown time zone \"\(zone)\""))
                }
                config.policy.timeZone = zone
            }
            config.policy.graceDays = try policy.int("grace_days", range: 0...365) ?? config.policy.graceDays
            config.policy.lateWindowDays = try policy.int("late_window_days", range: 0...3650) ?? config.policy.lateWindowDays
            config.policy.finalityHours = try policy.int("finality_hours", range: 0...10_000) ?? config.policy.finalityHours
            config.policy.retentionDays = try policy.int("retention_days", range: 1...36_500) ?? config.policy.retentionDays
            if let uncertain = try policy.string("uncertain") {
                guard uncertain == "charge" || uncertain == "free" else {
                    throw ConfigError(file: path, key: "policy.uncertain", reason: .invalid("expected \"charge\" or \"free\", got \"\(uncertain)\""))
                }
                config.policy.uncertain = uncertain
            }
        }
        if let privacy = try reader.table("privacy") {
            try privacy.allowOnly(["mask_recipients", "hash_key_file"])
            config.privacy.maskRecipients = try privacy.bool("mask_recipients") ?? true
            config.privacy.hashKeyFile = try privacy.string("hash_key_file") ?? config.privacy.hashKeyFile
        }
        if let accounts = try reader.table("accounts") {
            try accounts.allowOnly(["file"])
            config.accountsFile = try accounts.string("file")
        }
        if let priceBook = try reader.table("price_book") {
            try priceBook.allowOnly(["file"])
            config.priceBookFile = try priceBook.string("file")
        }
        if let vendors = try reader.table("vendors") {
            try vendors.allowOnly(["dir"])
            config.vendorsDirectory = try vendors.string("dir") ?? config.vendorsDirectory
        }
        for (key, file) in [("accounts.file", config.accountsFile), ("price_book.file", config.priceBookFile)] {
            if let file, !FileManager.default.fileExists(atPath: file) {
                throw ConfigError(file: path, key: key, reason: .invalid("no such file \"\(file)\""))
            }
        }
        return config
    }
}

/// Reads one TOML table, naming every key it complains about with its dotted path.
struct TableReader {
    let file: String
    let table: TOMLTable
    let prefix: String

    func name(_ key: String) -> String { prefix.isEmpty ? key : "\(prefix).\(key)" }

    func allowOnly(_ keys: Set<String>) throws(ConfigError) {
        for key in table.keys.sorted() where !keys.contains(key) {
            throw ConfigError(file: file, key: name(key), reason: .unknownKey)
        }
    }

    func string(_ key: String) throws(ConfigError) -> String? {
        guard let value = table[key] else { return nil }
        guard let text = value.string else { throw ConfigError(file: file, key: name(key), reason: .wrongType(expected: "a string")) }
        return text
    }

    func int(_ key: String, range: ClosedRange<Int>) throws(ConfigError) -> Int? {
        guard let value = table[key] else { return nil }
        guard let number = value.int else { throw ConfigError(file: file, key: name(key), reason: .wrongType(expected: "an integer")) }
        guard range.contains(number) else {
            throw ConfigError(file: file, key: name(key), reason: .invalid("\(number) is outside \(range.lowerBound)...\(range.upperBound)"))
        }
        return number
    }

    func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let value = table[key] else { return nil }
        guard let flag = value.bool else { throw ConfigError(file: file, key: name(key), reason: .wrongType(expected: "true or false")) }
        return flag
    }

    func table(_ key: String) throws(ConfigError) -> TableReader? {
        guard let value = table[key] else { return nil }
        guard let inner = value.table else { throw ConfigError(file: file, key: name(key), reason: .wrongType(expected: "a table")) }
        return TableReader(file: file, table: inner, prefix: name(key))
    }
}
