import Foundation
import LedgerCore
import TOMLKit

extension VendorProfile {
    /// Canonical fields a detail profile may fill, plus `body` (hashed into a derived message_id).
    public static let detailFields: Set<String> = [
        "account", "message_id", "batch_id", "sent_at", "completed_at", "channel", "status", "refundable",
        "reason_code", "reason_text", "units", "category", "sender", "recipient", "fallback_of", "vendor_cost", "body",
    ]
    /// Fields of a summary profile.
    public static let summaryFields: Set<String> = [
        "account", "day", "template", "batch_id", "total", "success", "failure", "fallback_success", "fallback_failure", "amount",
    ]
    static let timeFields: Set<String> = ["sent_at", "completed_at", "day"]
    static let numberFields: Set<String> = ["units", "total", "success", "failure", "fallback_success", "fallback_failure"]

    /// Loads `path` (`<dir>/<name>.toml`); every problem names the file and key.
    public static func load(path: String) throws(ProfileError) -> VendorProfile {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ProfileError(file: path, key: "", reason: .unreadable(error.localizedDescription))
        }
        return try parse(text: text, file: path)
    }

    public static func parse(text: String, file: String) throws(ProfileError) -> VendorProfile {
        if let problem = TOMLTableHeaders.problem(in: text) {
            throw ProfileError(file: file, key: "", reason: .syntax(problem))
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ProfileError(file: file, key: "", reason: .syntax("\(error.description) at line \(error.source.begin.line)"))
        } catch {
            throw ProfileError(file: file, key: "", reason: .syntax("\(error)"))
        }
        let name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        return try ProfileParser(file: file).profile(table, name: name)
    }
}

/// Reads a profile table, naming the key path of every problem.
private struct ProfileParser {
    let file: String

    func fail(_ key: String, _ value: String = "", _ reason: ProfileError.Reason) -> ProfileError {
        ProfileError(file: file, key: key, value: value, reason: reason)
    }

    func allowOnly(_ table: TOMLTable, _ keys: Set<String>, at path: String) throws(ProfileError) {
        for key in table.keys.sorted() where !keys.contains(key) {
            throw fail(path.isEmpty ? key : "\(path).\(key)", "", .unknownKey)
        }
    }

    func string(_ table: TOMLTable, _ key: String, at path: String) throws(ProfileError) -> String? {
        guard let value = table[key] else { return nil }
        guard let text = value.string else { throw fail(join(path, key), value.debugDescription, .invalid(expected: "a string")) }
        return text
    }

    func int(_ table: TOMLTable, _ key: String, at path: String) throws(ProfileError) -> Int? {
        guard let value = table[key] else { return nil }
        guard let number = value.int else { throw fail(join(path, key), value.debugDescription, .invalid(expected: "an integer")) }
        return number
    }

    func bool(_ table: TOMLTable, _ key: String, at path: String) throws(ProfileError) -> Bool? {
        guard let value = table[key] else { return nil }
        guard let flag = value.bool else { throw fail(join(path, key), value.debugDescription, .invalid(expected: "true or false")) }
        return flag
    }

    func join(_ path: String, _ key: String) -> String {
        let quoted = key.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-" } && key.utf8.allSatisfy { $0 < 128 } ? key : "\"\(key)\""
        return path.isEmpty ? quoted : "\(path).\(quoted)"
    }

    func profile(_ table: TOMLTable, name: String) throws(ProfileError) -> VendorProfile {
        try allowOnly(table, ["vendor", "kind", "format", "time_zone", "null_values", "csv", "xlsx", "json", "lines", "fields",
                              "reason_codes", "fallback", "summary"], at: "")
        let vendor = try string(table, "vendor", at: "") ?? name
        let kindText = try string(table, "kind", at: "") ?? "detail"
        guard let kind = VendorProfile.Kind(rawValue: kindText) else { throw fail("kind", kindText, .invalid(expected: "detail or summary")) }
        guard let formatText = try string(table, "format", at: "") else { throw fail("format", "", .missing) }
        let zone = try string(table, "time_zone", at: "") ?? "UTC"
        guard TimeZone(identifier: zone) != nil else { throw fail("time_zone", zone, .unknownZone) }

        let format: VendorProfile.Format
        switch formatText {
        case "csv":
            var options = VendorProfile.CSVOptions()
            if let csv = try subtable(table, "csv", at: "") {
                try allowOnly(csv, ["encoding", "delimiter", "quote", "header_row"], at: "csv")
                if let encoding = try string(csv, "encoding", at: "csv") {
                    let lower = encoding.lowercased()
                    if lower == "utf-8" || lower == "utf8" || lower == "utf-8-bom" {
                        options.encoding = nil
                    } else {
                        guard TranscodingByteSource.supports(encoding) else { throw fail("csv.encoding", encoding, .unknownEncoding) }
                        options.encoding = encoding
                    }
                }
                if let delimiter = try string(csv, "delimiter", at: "csv") {
                    let bytes = delimiter == "\\t" ? [9] : Array(delimiter.utf8)
                    guard bytes.count == 1 else { throw fail("csv.delimiter", delimiter, .invalid(expected: "one ASCII character")) }
                    options.delimiter = bytes[0]
                }
                if let quote = try string(csv, "quote", at: "csv") {
                    guard quote.utf8.count == 1 else { throw fail("csv.quote", quote, .invalid(expected: "one ASCII character")) }
                    options.quote = Array(quote.utf8)[0]
                }
                if let row = try int(csv, "header_row", at: "csv") {
                    guard row >= 1 else { throw fail("csv.header_row", "\(row)", .invalid(expected: "a line number from 1")) }
                    options.headerRow = row
                }
            }
            format = .csv(options)
        case "xlsx":
            var options = VendorProfile.XLSXOptions()
            if let xlsx = try subtable(table, "xlsx", at: "") {
                try allowOnly(xlsx, ["sheet", "sheet_index", "header_row"], at: "xlsx")
                options.sheetName = try string(xlsx, "sheet", at: "xlsx")
                if let index = try int(xlsx, "sheet_index", at: "xlsx") {
                    guard index >= 0 else { throw fail("xlsx.sheet_index", "\(index)", .invalid(expected: "a sheet index from 0")) }
                    options.sheetIndex = index
                }
                if let row = try int(xlsx, "header_row", at: "xlsx") {
                    guard row >= 1 else { throw fail("xlsx.header_row", "\(row)", .invalid(expected: "a row number from 1")) }
                    options.headerRow = row
                }
            }
            format = .xlsx(options)
        case "json":
            var path: [String] = []
            if let json = try subtable(table, "json", at: "") {
                try allowOnly(json, ["records"], at: "json")
                if let records = try string(json, "records", at: "json"), !records.isEmpty {
                    path = records.split(separator: ".").map(String.init)
                }
            }
            format = .json(recordsPath: path)
        case "jsonl":
            format = .jsonl
        case "lines":
            guard let lines = try subtable(table, "lines", at: "") else { throw fail("lines", "", .missing) }
            try allowOnly(lines, ["pattern"], at: "lines")
            guard let pattern = try string(lines, "pattern", at: "lines") else { throw fail("lines.pattern", "", .missing) }
            do {
                _ = try NSRegularExpression(pattern: pattern)
            } catch {
                throw fail("lines.pattern", pattern, .badRegex("\(error.localizedDescription)"))
            }
            format = .lines(pattern: pattern)
        default:
            throw fail("format", formatText, .invalid(expected: "csv, xlsx, json, jsonl or lines"))
        }

        var nullValues: [String] = []
        if let value = table["null_values"] {
            guard let array = value.array else { throw fail("null_values", value.debugDescription, .invalid(expected: "an array of strings")) }
            for item in array {
                guard let text = item.string else { throw fail("null_values", item.debugDescription, .invalid(expected: "an array of strings")) }
                nullValues.append(text)
            }
        }

        guard let fieldsTable = try subtable(table, "fields", at: "") else { throw fail("fields", "", .missing) }
        let allowed = kind == .detail ? VendorProfile.detailFields : VendorProfile.summaryFields
        var fields: [String: FieldRule] = [:]
        for key in fieldsTable.keys.sorted() {
            guard allowed.contains(key) else { throw fail(join("fields", key), "", .unknownKey) }
            fields[key] = try rule(fieldsTable[key]!, field: key, at: join("fields", key), defaultZone: zone)
        }
        var summaryGrain: VendorProfile.SummaryGrain?
        switch kind {
        case .detail:
            for required in ["sent_at", "channel"] where fields[required] == nil {
                throw fail(join("fields", required), "", .missing)
            }
            if fields["status"] == nil && table["reason_codes"] == nil { throw fail("fields.status", "", .missing) }
        case .summary:
            guard let summary = try subtable(table, "summary", at: "") else { throw fail("summary", "", .missing) }
            try allowOnly(summary, ["grain"], at: "summary")
            let grainText = try string(summary, "grain", at: "summary") ?? ""
            guard let grain = VendorProfile.SummaryGrain(rawValue: grainText) else {
                throw fail("summary.grain", grainText, .invalid(expected: "day-template or batch"))
            }
            summaryGrain = grain
            switch grain {
            case .dayTemplate:
                for required in ["day", "template"] where fields[required] == nil { throw fail(join("fields", required), "", .missing) }
            case .batch:
                if fields["batch_id"] == nil { throw fail("fields.batch_id", "", .missing) }
            }
        }

        var reasonCodes: ReasonCodeTable?
        if let codes = try subtable(table, "reason_codes", at: "") {
            reasonCodes = try reasonTable(codes)
        }

        var fallback: FallbackRule?
        if let fb = try subtable(table, "fallback", at: "") {
            try allowOnly(fb, ["status", "channel", "id_suffix"], at: "fallback")
            guard let status = fb["status"] else { throw fail("fallback.status", "", .missing) }
            var rule = FallbackRule(status: try self.rule(status, field: "status", at: "fallback.status", defaultZone: zone))
            if let channel = fb["channel"] { rule.channel = try self.rule(channel, field: "channel", at: "fallback.channel", defaultZone: zone) }
            if let suffix = try string(fb, "id_suffix", at: "fallback") { rule.idSuffix = suffix }
            fallback = rule
        }
        if kind == .summary { for key in ["reason_codes", "fallback"] where table[key] != nil { throw fail(key, "", .notAllowed("only detail profiles have \(key)")) } }

        return VendorProfile(name: name, vendor: vendor, file: file, kind: kind, format: format, fields: fields, reasonCodes: reasonCodes,
                             nullValues: nullValues, fallback: fallback, summaryGrain: summaryGrain)
    }

    func subtable(_ table: TOMLTable, _ key: String, at path: String) throws(ProfileError) -> TOMLTable? {
        guard let value = table[key] else { return nil }
        guard let sub = value.table else { throw fail(join(path, key), value.debugDescription, .invalid(expected: "a table")) }
        return sub
    }

    /// `field = "Column"` or `field = { column = ..., ... }`.
    func rule(_ value: TOMLValueConvertible, field: String, at path: String, defaultZone: String) throws(ProfileError) -> FieldRule {
        if let column = value.string { return finish(FieldRule(source: .column(column)), field: field, zone: defaultZone) }
        guard let table = value.table else { throw fail(path, value.debugDescription, .invalid(expected: "a column name or a table")) }
        try allowOnly(table, ["column", "key", "columns", "separator", "value", "regex", "values", "otherwise", "time", "zone", "number"], at: path)
        var sources: [FieldRule.Source] = []
        if let column = try string(table, "column", at: path) { sources.append(.column(column)) }
        if let key = try string(table, "key", at: path) { sources.append(.column(key)) }
        if let constant = table["value"] {
            if let text = constant.string { sources.append(.constant(text)) }
            else if let number = constant.int { sources.append(.constant(String(number))) }
            else if let flag = constant.bool { sources.append(.constant(flag ? "true" : "false")) }
            else { throw fail(join(path, "value"), constant.debugDescription, .invalid(expected: "a string, integer or boolean")) }
        }
        if let columns = table["columns"] {
            guard let array = columns.array, array.count >= 1 else { throw fail(join(path, "columns"), columns.debugDescription, .invalid(expected: "an array of column names")) }
            var names: [String] = []
            for item in array {
                guard let text = item.string else { throw fail(join(path, "columns"), item.debugDescription, .invalid(expected: "an array of column names")) }
                names.append(text)
            }
            sources.append(.columns(names, separator: try string(table, "separator", at: path) ?? "|"))
        }
        guard sources.count == 1 else {
            throw fail(path, "", sources.isEmpty ? .missing : .notAllowed("give one of column, key, columns, value"))
        }
        var rule = FieldRule(source: sources[0])
        if let regex = try string(table, "regex", at: path) {
            do {
                _ = try NSRegularExpression(pattern: regex)
            } catch {
                throw fail(join(path, "regex"), regex, .badRegex(error.localizedDescription))
            }
            rule.regex = regex
        }
        if let values = table["values"] {
            guard let valuesTable = values.table else { throw fail(join(path, "values"), values.debugDescription, .invalid(expected: "a table")) }
            var entries: [(key: String, value: MappedValue)] = []
            for key in valuesTable.keys.sorted() {
                entries.append((key, try mapped(valuesTable[key]!, field: field, at: join(join(path, "values"), key))))
            }
            rule.values = entries
        }
        if let otherwise = try string(table, "otherwise", at: path) {
            guard field != "status" && field != "channel" else {
                throw fail(join(path, "otherwise"), otherwise, .notAllowed("an unknown \(field) is a reject, never a guess"))
            }
            rule.otherwise = otherwise
        }
        if let time = try string(table, "time", at: path) {
            guard VendorProfile.timeFields.contains(field) else { throw fail(join(path, "time"), time, .notAllowed("only time fields take a time format")) }
            guard TimeParser(format: time) != nil else { throw fail(join(path, "time"), time, .badTimeFormat) }
            rule.time = time
        }
        if let zone = try string(table, "zone", at: path) {
            guard TimeZone(identifier: zone) != nil else { throw fail(join(path, "zone"), zone, .unknownZone) }
            rule.zone = zone
        }
        if let number = try bool(table, "number", at: path) { rule.number = number }
        return finish(rule, field: field, zone: defaultZone)
    }

    private func finish(_ rule: FieldRule, field: String, zone: String) -> FieldRule {
        var rule = rule
        if VendorProfile.timeFields.contains(field) {
            if rule.time == nil { rule.time = field == "day" ? "yyyy-MM-dd" : "iso8601" }
            if rule.zone == nil { rule.zone = zone }
        }
        if VendorProfile.numberFields.contains(field) { rule.number = true }
        return rule
    }

    /// A value-table entry: text, or `{ status = "FAILED", refundable = true }` for statuses.
    func mapped(_ value: TOMLValueConvertible, field: String, at path: String) throws(ProfileError) -> MappedValue {
        switch field {
        case "status":
            if let text = value.string {
                guard let status = DeliveryStatus(canonical: text) else { throw fail(path, text, .unknownStatus) }
                return .status(status, refundable: false)
            }
            guard let table = value.table else { throw fail(path, value.debugDescription, .invalid(expected: "a status or { status, refundable }")) }
            try allowOnly(table, ["status", "refundable"], at: path)
            guard let text = try string(table, "status", at: path) else { throw fail(join(path, "status"), "", .missing) }
            guard let status = DeliveryStatus(canonical: text) else { throw fail(join(path, "status"), text, .unknownStatus) }
            return .status(status, refundable: try bool(table, "refundable", at: path) ?? false)
        case "channel":
            guard let text = value.string else { throw fail(path, value.debugDescription, .invalid(expected: "a channel")) }
            guard Channel(text) != nil else { throw fail(path, text, .unknownChannel) }
            return .text(text)
        default:
            if let text = value.string { return .text(text) }
            if let number = value.int { return .text(String(number)) }
            if let flag = value.bool { return .text(flag ? "true" : "false") }
            throw fail(path, value.debugDescription, .invalid(expected: "a string"))
        }
    }

    /// `[reason_codes]`: `"1000" = "DELIVERED"`, `"10000-10008" = { status = "EXCLUDED" }`,
    /// `"E915" = { status = "FAILED", refundable = true, text = "..." }`, `unknown = "reject" | "keep_status"`.
    func reasonTable(_ table: TOMLTable) throws(ProfileError) -> ReasonCodeTable {
        var result = ReasonCodeTable()
        for key in table.keys.sorted() {
            let path = join("reason_codes", key)
            let value = table[key]!
            if key == "unknown" {
                switch value.string {
                case "reject": result.unknownKeepsStatus = false
                case "keep_status": result.unknownKeepsStatus = true
                default: throw fail(path, value.debugDescription, .invalid(expected: "reject or keep_status"))
                }
                continue
            }
            let entry: ReasonCodeTable.Entry
            if let text = value.string {
                guard let status = DeliveryStatus(canonical: text) else { throw fail(path, text, .unknownStatus) }
                entry = .init(status: status, refundable: false, text: nil)
            } else if let sub = value.table {
                try allowOnly(sub, ["status", "refundable", "text"], at: path)
                guard let text = try string(sub, "status", at: path) else { throw fail(join(path, "status"), "", .missing) }
                guard let status = DeliveryStatus(canonical: text) else { throw fail(join(path, "status"), text, .unknownStatus) }
                entry = .init(status: status, refundable: try bool(sub, "refundable", at: path) ?? false, text: try string(sub, "text", at: path))
            } else {
                throw fail(path, value.debugDescription, .invalid(expected: "a status or { status, refundable, text }"))
            }
            let parts = key.split(separator: "-", omittingEmptySubsequences: false)
            if parts.count == 2, let low = Int64(parts[0]), let high = Int64(parts[1]), parts[0].count == parts[1].count {
                guard low <= high else { throw fail(path, key, .invalid(expected: "a range low-high")) }
                result.ranges.append((low...high, parts[0].count, entry))
            } else {
                result.exact[key] = entry
            }
        }
        return result
    }
}
