import Foundation
import LedgerCore
import LedgerIngest
import TOMLKit

/// Each configured account's time zone, read from the accounts file (TOML `[[account]]`
/// tables or a CSV with `id` and `time_zone` columns), for the local day records count on.
enum AccountZonesLoading {
    static func load(config: LedgerConfig) throws -> AccountZones {
        guard let defaultZone = TimeZone(identifier: config.policy.timeZone) else {
            throw ConfigError(file: config.file, key: "policy.time_zone", reason: .invalid("unknown time zone"))
        }
        guard let file = config.accountsFile else { return AccountZones(defaultZone: defaultZone) }
        var zones: [String: TimeZone] = [:]
        func add(_ id: String, _ zoneName: String?, row: String) throws {
            let name = (zoneName ?? "").isEmpty ? config.policy.timeZone : zoneName!
            guard let zone = TimeZone(identifier: name) else {
                throw ConfigError(file: file, key: "\(row).time_zone", reason: .invalid("unknown time zone \"\(name)\""))
            }
            zones[id] = zone
        }
        if file.hasSuffix(".toml") {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                throw ConfigError(file: file, key: "", reason: .unreadable("cannot read"))
            }
            if let problem = TOMLTableHeaders.problem(in: text) {
                throw ConfigError(file: file, key: "", reason: .syntax(problem))
            }
            let table: TOMLTable
            do { table = try TOMLTable(string: text) } catch {
                throw ConfigError(file: file, key: "", reason: .syntax("\(error)"))
            }
            guard let accounts = table["account"]?.array else { return AccountZones(defaultZone: defaultZone, accounts: [:]) }
            for (index, value) in accounts.enumerated() {
                guard let account = value.table, let id = account["id"]?.string else {
                    throw ConfigError(file: file, key: "account[\(index)].id", reason: .wrongType(expected: "a string"))
                }
                try add(id, account["time_zone"]?.string, row: "account[\(index)]")
            }
        } else {
            let reader = CSVReader(source: try FileByteSource(path: file))
            var idColumn = -1, zoneColumn = -1
            try reader.forEachRow { row in
                if idColumn < 0 {
                    for index in 0..<row.count {
                        switch row.string(index).trimmingCharacters(in: .whitespaces) {
                        case "id": idColumn = index
                        case "time_zone": zoneColumn = index
                        default: break
                        }
                    }
                    guard idColumn >= 0 else { throw ConfigError(file: file, key: "id", reason: .invalid("the header has no id column")) }
                    return
                }
                try add(row.string(idColumn), zoneColumn >= 0 ? row.string(zoneColumn) : nil, row: "row \(row.line)")
            }
        }
        return AccountZones(defaultZone: defaultZone, accounts: zones)
    }
}
