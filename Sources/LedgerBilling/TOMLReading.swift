import Foundation
import LedgerCore
import TOMLKit

/// Reads typed values out of a TOML table, turning every problem into a `ConfigError` that
/// names the file, the full key path and the offending value.
struct TOMLReader {
    let file: String
    let table: TOMLTable
    /// The key path of this table: `account[3]`, `plan[0].price[1]`, "" at the root.
    let path: String

    static func parse(file: String) throws(ConfigError) -> TOMLReader {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw ConfigError(file: file, key: "", value: "", reason: .unreadable("\(error.localizedDescription)"))
        }
        return try parse(text: text, file: file)
    }

    static func parse(text: String, file: String) throws(ConfigError) -> TOMLReader {
        if let problem = TOMLTableHeaders.problem(in: text) {
            throw ConfigError(file: file, key: "", value: "", reason: .syntax(problem))
        }
        do {
            return TOMLReader(file: file, table: try TOMLTable(string: text), path: "")
        } catch let error as TOMLParseError {
            throw ConfigError(file: file, key: "", value: "", reason: .syntax("\(error.description) at line \(error.source.begin.line)"))
        } catch {
            throw ConfigError(file: file, key: "", value: "", reason: .syntax("\(error)"))
        }
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func error(_ key: String, _ value: String, _ reason: ConfigError.Reason) -> ConfigError {
        ConfigError(file: file, key: keyPath(key), value: value, reason: reason)
    }

    func has(_ key: String) -> Bool { table.contains(key: key) }

    /// Text of any scalar value, for error messages.
    func raw(_ key: String) -> String {
        guard let value = table[key] else { return "" }
        if let s = value.string { return s }
        return value.debugDescription
    }

    func string(_ key: String) throws(ConfigError) -> String? {
        guard let value = table[key] else { return nil }
        guard let text = value.string else { throw error(key, value.debugDescription, .invalid(expected: "a string")) }
        return text
    }

    func requiredString(_ key: String) throws(ConfigError) -> String {
        guard let text = try string(key) else { throw error(key, "", .missing) }
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { throw error(key, text, .invalid(expected: "a non-empty string")) }
        return text
    }

    func int(_ key: String) throws(ConfigError) -> Int? {
        guard let value = table[key] else { return nil }
        if let int = value.int { return int }
        throw error(key, value.debugDescription, .invalid(expected: "an integer"))
    }

    /// A date given as a TOML local date (2026-11-25) or a string "2026-11-25".
    func date(_ key: String) throws(ConfigError) -> LocalDate? {
        guard let value = table[key] else { return nil }
        if let d = value.date {
            guard let date = LocalDate(year: d.year, month: d.month, day: d.day) else {
                throw error(key, value.debugDescription, .invalid(expected: "a date YYYY-MM-DD"))
            }
            return date
        }
        if let text = value.string, let date = LocalDate(text) { return date }
        throw error(key, value.debugDescription, .invalid(expected: "a date YYYY-MM-DD"))
    }

    /// An exact decimal: a quoted string ("9.9") or a TOML integer. TOML floats are refused:
    /// they are binary and would not be exact.
    func decimal(_ key: String) throws(ConfigError) -> Money? {
        guard let value = table[key] else { return nil }
        if let int = value.int {
            do { return try Money(major: Int64(int)) } catch { throw self.error(key, String(int), .invalid(expected: "an amount in range")) }
        }
        guard let text = value.string else {
            throw error(key, value.debugDescription, .invalid(expected: "a decimal written as a string, e.g. \"9.9\""))
        }
        do {
            return try Money(parsing: text)
        } catch .tooManyDecimals {
            throw error(key, text, .tooManyDecimals)
        } catch {
            throw self.error(key, text, .invalid(expected: "a decimal number"))
        }
    }

    /// Sub-tables of an array of tables (`[[account]]`), each with its indexed path.
    func tables(_ key: String) throws(ConfigError) -> [TOMLReader] {
        guard let value = table[key] else { return [] }
        guard let array = value.array else {
            if let single = value.table { return [TOMLReader(file: file, table: single, path: keyPath(key))] }
            throw error(key, value.debugDescription, .invalid(expected: "an array of tables [[\(key)]]"))
        }
        var result: [TOMLReader] = []
        for index in 0..<array.count {
            guard let sub = array[index].table else {
                throw ConfigError(file: file, key: "\(keyPath(key))[\(index)]", value: array[index].debugDescription, reason: .invalid(expected: "a table"))
            }
            result.append(TOMLReader(file: file, table: sub, path: "\(keyPath(key))[\(index)]"))
        }
        return result
    }

    func subtable(_ key: String) throws(ConfigError) -> TOMLReader? {
        guard let value = table[key] else { return nil }
        guard let sub = value.table else { throw error(key, value.debugDescription, .invalid(expected: "a table [\(key)]")) }
        return TOMLReader(file: file, table: sub, path: keyPath(key))
    }
}
