import Crypto
import Foundation
import LedgerCore
import LedgerStore
import LedgerXLSX

/// One input row as the readers give it: the bytes of each input slot (the profile's
/// `inputNames`, in order), nil when the row has no such column or key; whether a slot is a
/// spreadsheet date cell (its bytes are then the date serial).
struct ProfileRow {
    let line: Int
    let value: (Int) -> UnsafeBufferPointer<UInt8>?
    var isDateCell: (Int) -> Bool = { _ in false }
}

/// A field rule with its inputs resolved to slots and its tables in byte form.
final class CompiledRule {
    enum Source { case slot(Int), slots([Int], separator: [UInt8]), constant([UInt8]) }
    let field: String
    let source: Source
    let regex: NSRegularExpression?
    /// The profile's value table, if any (statuses and channels repeat row after row: the
    /// last hit is tried first).
    private var table: ByteMemo<MappedValue>?
    var hasTable: Bool { table != nil }
    let otherwise: String?
    let time: TimeParser?
    var zone: ZoneResolver?
    let number: Bool
    /// Owned bytes for joined columns and regex results; valid until the next extraction.
    private var scratch = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 256)
    /// The last text decoded (values repeat row after row).
    var cache = RepeatedText()

    init(_ rule: FieldRule, field: String, slots: [String: Int]) {
        self.field = field
        switch rule.source {
        case .column(let name): source = .slot(slots[name]!)
        case .columns(let names, let separator): source = .slots(names.map { slots[$0]! }, separator: Array(separator.utf8))
        case .constant(let text): source = .constant(Array(text.utf8))
        }
        regex = rule.regex.flatMap { try? NSRegularExpression(pattern: $0) }
        table = rule.values.map { values in ByteMemo(entries: values.map { (Array($0.key.utf8), $0.value) }) }
        otherwise = rule.otherwise
        time = rule.time.flatMap { TimeParser(format: $0) }
        zone = rule.zone.flatMap { TimeZone(identifier: $0) }.map { ZoneResolver(zone: $0) }
        number = rule.number
    }

    deinit { scratch.deallocate() }

    private func store(_ parts: [UnsafeBufferPointer<UInt8>]) -> UnsafeBufferPointer<UInt8> {
        let total = parts.reduce(0) { $0 + $1.count }
        if total > scratch.count {
            scratch.deallocate()
            scratch = .allocate(capacity: max(total, scratch.count * 2))
        }
        var at = 0
        for part in parts where part.count > 0 {
            _ = UnsafeMutableBufferPointer(rebasing: scratch[at..<(at + part.count)]).initialize(from: part)
            at += part.count
        }
        return UnsafeBufferPointer(rebasing: scratch[0..<total])
    }

    /// The field's raw bytes (trimmed, regex applied), or nil when empty or a null value.
    func extract(_ row: ProfileRow, nulls: [[UInt8]]) -> (bytes: UnsafeBufferPointer<UInt8>?, dateCell: Bool, regexMiss: Bool) {
        var bytes: UnsafeBufferPointer<UInt8>
        var dateCell = false
        switch source {
        case .slot(let slot):
            guard let value = row.value(slot) else { return (nil, false, false) }
            bytes = value.trimmed
            dateCell = row.isDateCell(slot)
        case .slots(let slots, let separator):
            var joined: [UInt8] = []
            var any = false
            for (k, slot) in slots.enumerated() {
                if k > 0 { joined.append(contentsOf: separator) }
                if let part = row.value(slot)?.trimmed, part.count > 0, !Self.isNull(part, nulls) {
                    any = true
                    joined.append(contentsOf: part)
                }
            }
            if !any { return (nil, false, false) }
            bytes = joined.withUnsafeBufferPointer { store([$0]) }
        case .constant(let value):
            bytes = value.withUnsafeBufferPointer { store([$0]) }
        }
        if bytes.count == 0 || Self.isNull(bytes, nulls) { return (nil, dateCell, false) }
        if let regex {
            let text = String(decoding: bytes, as: UTF8.self)
            let range = NSRange(text.startIndex..., in: text)
            guard let match = regex.firstMatch(in: text, range: range) else { return (nil, false, true) }
            var found = match.range(withName: "value")
            if found.location == NSNotFound { found = match.numberOfRanges > 1 ? match.range(at: 1) : match.range }
            guard found.location != NSNotFound, let r = Range(found, in: text) else { return (nil, false, true) }
            let part = Array(text[r].utf8)
            bytes = part.withUnsafeBufferPointer { store([$0]) }.trimmed
            if bytes.count == 0 { return (nil, false, false) }
        }
        return (bytes, dateCell, false)
    }

    static func isNull(_ bytes: UnsafeBufferPointer<UInt8>, _ nulls: [[UInt8]]) -> Bool {
        nulls.contains { $0.hasSameBytes(as: bytes) }
    }

    /// The value-table entry for these bytes, or nil.
    func lookup(_ bytes: UnsafeBufferPointer<UInt8>) -> MappedValue? { table?[bytes] }
}

/// Turns profile rows into canonical records (detail) or summary rows, naming the field and
/// value of the first problem in a row.
final class ProfileRowMapper {
    let profile: VendorProfile
    let context: FileContext
    let rules: [String: CompiledRule]
    let nulls: [[UInt8]]
    let fallbackStatus: CompiledRule?
    let r_account: CompiledRule?
    let r_message_id: CompiledRule?
    let r_batch_id: CompiledRule?
    let r_sent_at: CompiledRule?
    let r_completed_at: CompiledRule?
    let r_channel: CompiledRule?
    let r_status: CompiledRule?
    let r_refundable: CompiledRule?
    let r_reason_code: CompiledRule?
    let r_reason_text: CompiledRule?
    let r_units: CompiledRule?
    let r_category: CompiledRule?
    let r_sender: CompiledRule?
    let r_recipient: CompiledRule?
    let r_fallback_of: CompiledRule?
    let r_vendor_cost: CompiledRule?
    let r_body: CompiledRule?
    let r_day: CompiledRule?
    let r_template: CompiledRule?
    let r_total: CompiledRule?
    let r_success: CompiledRule?
    let r_failure: CompiledRule?
    let r_fallback_success: CompiledRule?
    let r_fallback_failure: CompiledRule?
    let r_amount: CompiledRule?
    let fallbackChannel: CompiledRule?
    private var channels: [String: Channel] = [:]
    private var repeats: RepeatCounter
    private var normalized: [UInt8] = []
    private var lastPrefixSecond = Int64.min
    private var prefixBytes: [UInt8] = []
    private lazy var vendorBytes: [UInt8] = Array(profile.vendor.utf8) + [0]
    private let earliest = Instant(date: LocalDate(year: 2000, month: 1, day: 1)!)
    private let latest = Instant(date: LocalDate(year: 2100, month: 1, day: 1)!)

    init(profile: VendorProfile, context: FileContext) {
        self.profile = profile
        self.context = context
        repeats = RepeatCounter(exact: context.exactRepeatCounts)
        var slots: [String: Int] = [:]
        for (index, name) in profile.inputNames.enumerated() { slots[name] = index }
        var rules: [String: CompiledRule] = [:]
        for (field, rule) in profile.fields { rules[field] = CompiledRule(rule, field: field, slots: slots) }
        self.rules = rules
        r_account = rules["account"]
        r_message_id = rules["message_id"]
        r_batch_id = rules["batch_id"]
        r_sent_at = rules["sent_at"]
        r_completed_at = rules["completed_at"]
        r_channel = rules["channel"]
        r_status = rules["status"]
        r_refundable = rules["refundable"]
        r_reason_code = rules["reason_code"]
        r_reason_text = rules["reason_text"]
        r_units = rules["units"]
        r_category = rules["category"]
        r_sender = rules["sender"]
        r_recipient = rules["recipient"]
        r_fallback_of = rules["fallback_of"]
        r_vendor_cost = rules["vendor_cost"]
        r_body = rules["body"]
        r_day = rules["day"]
        r_template = rules["template"]
        r_total = rules["total"]
        r_success = rules["success"]
        r_failure = rules["failure"]
        r_fallback_success = rules["fallback_success"]
        r_fallback_failure = rules["fallback_failure"]
        r_amount = rules["amount"]
        nulls = profile.nullValues.map { Array($0.utf8) }
        fallbackStatus = profile.fallback.map { CompiledRule($0.status, field: "fallback.status", slots: slots) }
        fallbackChannel = profile.fallback?.channel.map { CompiledRule($0, field: "fallback.channel", slots: slots) }
    }

    struct Reject: Error { let error: IngestError }

    private func reject(_ row: ProfileRow, _ field: String, _ value: UnsafeBufferPointer<UInt8>?, _ reason: IngestError.Reason) -> Reject {
        Reject(error: IngestError(file: context.path, row: row.line, field: field,
                                  value: value.map { String(decoding: $0, as: UTF8.self) } ?? "", reason: reason))
    }

    private func reject(_ row: ProfileRow, _ field: String, text: String, _ reason: IngestError.Reason) -> Reject {
        Reject(error: IngestError(file: context.path, row: row.line, field: field, value: text, reason: reason))
    }

    /// Text of a field through its value table and `otherwise`; nil when empty.
    private func text(_ rule: CompiledRule?, _ field: String, _ row: ProfileRow, required: Bool = false) throws(Reject) -> String? {
        guard let rule else {
            if required { throw reject(row, field, nil, .missing) }
            return nil
        }
        let (bytes, dateCell, miss) = rule.extract(row, nulls: nulls)
        if miss { throw reject(row, field, nil, .unreadable("does not match the profile's regex")) }
        guard let bytes else {
            if required { throw reject(row, field, nil, .missing) }
            return nil
        }
        // A date cell read as text: the date as a CSV export shows it, not its serial.
        if dateCell, let date = XLSXDateTime(serial: String(decoding: bytes, as: UTF8.self)) { return date.description }
        if rule.hasTable {
            if case .text(let mapped)? = rule.lookup(bytes) { return mapped }
            guard let otherwise = rule.otherwise else { throw reject(row, field, bytes, .outOfRange("not in the profile's value table")) }
            guard let input = String(validating: bytes, as: UTF8.self) else { throw reject(row, field, bytes, .invalidUTF8) }
            return otherwise.replacingOccurrences(of: "{}", with: input)
        }
        if let otherwise = rule.otherwise, otherwise.contains("{}") {
            guard let input = String(validating: bytes, as: UTF8.self) else { throw reject(row, field, bytes, .invalidUTF8) }
            return otherwise.replacingOccurrences(of: "{}", with: input)
        }
        guard let value = rule.cache.string(bytes) else { throw reject(row, field, bytes, .invalidUTF8) }
        return value
    }

    private func time(_ rule: CompiledRule?, _ field: String, _ row: ProfileRow, required: Bool) throws(Reject) -> Instant? {
        guard let rule else {
            if required { throw reject(row, field, nil, .missing) }
            return nil
        }
        let (bytes, dateCell, miss) = rule.extract(row, nulls: nulls)
        if miss { throw reject(row, field, nil, .unreadable("does not match the profile's regex")) }
        guard let bytes else {
            if required { throw reject(row, field, nil, .missing) }
            return nil
        }
        let parsed = dateCell ? TimeParser.excel(String(decoding: bytes, as: UTF8.self)) : rule.time?.parse(bytes)
        let instant: Instant
        switch parsed {
        case .instant(let value)?: instant = value
        case .local(let date, let second)?: instant = rule.zone!.instant(date, second)
        case nil: throw reject(row, field, bytes, .badTime(format: rule.time?.format ?? "iso8601"))
        }
        guard instant >= earliest, instant < latest else { throw reject(row, field, bytes, .outOfRange("before 2000 or after 2100")) }
        return instant
    }

    private func number(_ rule: CompiledRule?, _ field: String, _ row: ProfileRow) throws(Reject) -> Int64? {
        guard let rule else { return nil }
        let (bytes, _, miss) = rule.extract(row, nulls: nulls)
        if miss { throw reject(row, field, nil, .unreadable("does not match the profile's regex")) }
        guard let bytes else { return nil }
        var value: Int64?
        if rule.hasTable, case .text(let mapped)? = rule.lookup(bytes) {
            value = Array(mapped.utf8).withUnsafeBufferPointer { Self.wholeNumber($0) }
        } else {
            value = Self.wholeNumber(bytes)
        }
        guard let value else { throw reject(row, field, bytes, .badNumber) }
        guard value >= 0 else { throw reject(row, field, bytes, .negative) }
        return value
    }

    /// "1,234", "1234", "-5": a whole number with optional thousands separators.
    static func wholeNumber(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        if let plain = b.integer { return plain }
        var value: Int64 = 0
        var digits = 0, sinceSeparator = 0
        var negative = false
        var sawSeparator = false
        for (k, byte) in b.enumerated() {
            if k == 0 && byte == UInt8(ascii: "-") { negative = true; continue }
            if byte == UInt8(ascii: ",") {
                guard digits > 0, !sawSeparator || sinceSeparator == 3 else { return nil }
                guard sawSeparator || digits <= 3 else { return nil }
                sawSeparator = true
                sinceSeparator = 0
                continue
            }
            guard byte >= 48, byte <= 57 else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(byte - 48))
            if o1 || o2 { return nil }
            value = a
            digits += 1
            sinceSeparator += 1
        }
        guard digits > 0, !sawSeparator || sinceSeparator == 3 else { return nil }
        return negative ? -value : value
    }

    private func channel(_ rule: CompiledRule?, field: String, _ row: ProfileRow) throws(Reject) -> Channel {
        guard let rule else { throw reject(row, field, nil, .missing) }
        let (bytes, _, miss) = rule.extract(row, nulls: nulls)
        if miss { throw reject(row, field, nil, .unreadable("does not match the profile's regex")) }
        guard let bytes else { throw reject(row, field, nil, .missing) }
        let name: String
        if rule.hasTable {
            guard case .text(let mapped)? = rule.lookup(bytes) else { throw reject(row, field, bytes, .unknownChannel) }
            name = mapped
        } else {
            guard let text = rule.cache.string(bytes) else { throw reject(row, field, bytes, .invalidUTF8) }
            name = text
        }
        if let cached = channels[name] { return cached }
        guard let parsed = Channel(name) else { throw reject(row, field, bytes, .unknownChannel) }
        channels[name] = parsed
        return parsed
    }

    private func status(_ rule: CompiledRule?, field: String, _ row: ProfileRow, required: Bool) throws(Reject) -> (DeliveryStatus, Bool)? {
        guard let rule else {
            if required { throw reject(row, field, nil, .missing) }
            return nil
        }
        let (bytes, _, miss) = rule.extract(row, nulls: nulls)
        if miss { throw reject(row, field, nil, .unreadable("does not match the profile's regex")) }
        guard let bytes else {
            if required { throw reject(row, field, nil, .missing) }
            return nil
        }
        if rule.hasTable {
            guard case .status(let status, let refundable)? = rule.lookup(bytes) else { throw reject(row, field, bytes, .unknownStatus) }
            return (status, refundable)
        }
        guard let text = String(validating: bytes, as: UTF8.self), let status = DeliveryStatus(canonical: text) else {
            throw reject(row, field, bytes, .unknownStatus)
        }
        return (status, false)
    }

    /// Maps one detail row to its record, and a second for a fallback the row also describes.
    func mapDetail(_ row: ProfileRow, _ emit: (RowResult) throws -> Void) throws {
        do {
            try mapDetailRows(row, emit)
        } catch let failure as Reject {
            try emit(.rejected(failure.error))
        }
    }

    private func mapDetailRows(_ row: ProfileRow, _ emit: (RowResult) throws -> Void) throws {
        var account = try text(r_account, "account", row)
        if account == nil { account = context.accountFromFolder }
        guard let account else { throw reject(row, "account", nil, .missing) }
        let sentAt = try time(r_sent_at, "sent_at", row, required: true)!
        let completedAt = try time(r_completed_at, "completed_at", row, required: false)
        let channel = try self.channel(r_channel, field: "channel", row)

        let reasonCode = try text(r_reason_code, "reason_code", row)
        var reasonText = try text(r_reason_text, "reason_text", row)
        var outcome: (DeliveryStatus, Bool)?
        if let reasonCode, let table = profile.reasonCodes {
            if let entry = table.entry(for: reasonCode) {
                outcome = (entry.status, entry.refundable)
                if reasonText == nil { reasonText = entry.text }
            } else if !table.unknownKeepsStatus {
                throw reject(row, "reason_code", text: reasonCode, .unknownStatus)
            }
        }
        if outcome == nil { outcome = try status(r_status, field: "status", row, required: true) }
        var (status, refundable) = outcome!
        if let flag = try text(r_refundable, "refundable", row) {
            switch flag.lowercased() {
            case "true", "yes", "y", "1": refundable = true
            case "false", "no", "n", "0": refundable = false
            default: throw reject(row, "refundable", text: flag, .badBoolean)
            }
        }
        let units = try number(r_units, "units", row) ?? 1
        let category = try text(r_category, "category", row)
        let sender = try text(r_sender, "sender", row)
        let batchID = try text(r_batch_id, "batch_id", row)
        let fallbackOf = try text(r_fallback_of, "fallback_of", row)
        var vendorCost: Money?
        if let rule = r_vendor_cost {
            let (bytes, _, _) = rule.extract(row, nulls: nulls)
            if let bytes {
                do {
                    let cost = try Money(parsingUTF8: bytes)
                    guard cost.micros >= 0 else { throw reject(row, "vendor_cost", bytes, .negative) }
                    vendorCost = cost
                } catch let error as MoneyError {
                    throw reject(row, "vendor_cost", bytes, .badMoney(error.description))
                }
            }
        }
        var recipientRaw: String?
        if let rule = r_recipient {
            let (bytes, _, _) = rule.extract(row, nulls: nulls)
            if let bytes {
                guard let value = String(validating: bytes, as: UTF8.self) else { throw reject(row, "recipient", bytes, .invalidUTF8) }
                recipientRaw = value
            }
        }
        let messageID: String
        if r_message_id != nil {
            messageID = try text(r_message_id, "message_id", row, required: true)!
        } else {
            messageID = try derivedID(account: account, sentAt: sentAt, recipient: recipientRaw, channel: channel, row: row)
        }
        var recipient: String?, recipientHash: String?
        if let recipientRaw {
            let protected = context.privacy.protect(recipientRaw)
            recipient = protected.shown
            recipientHash = protected.hash
        }
        let record = DeliveryRecord(
            vendor: profile.vendor, account: account, messageID: messageID, batchID: batchID, sentAt: sentAt,
            completedAt: completedAt, channel: channel, status: status, refundable: refundable, reasonCode: reasonCode,
            reasonText: reasonText, units: units, category: category, sender: sender, recipient: recipient,
            recipientHash: recipientHash, fallbackOf: fallbackOf, vendorCost: vendorCost,
            source: .init(fileSHA256: context.sha256, row: row.line))
        // The fallback is checked before anything is emitted: a row is kept or rejected whole.
        var fallbackRecord: DeliveryRecord?
        if let fallbackStatus, let fallback = profile.fallback,
           let (fbStatus, fbRefundable) = try self.status(fallbackStatus, field: "fallback.status", row, required: false) {
            var second = record
            second.messageID = messageID + fallback.idSuffix
            second.fallbackOf = messageID
            second.channel = fallbackChannel != nil ? try self.channel(fallbackChannel, field: "fallback.channel", row) : Channel(.sms)
            second.status = fbStatus
            second.refundable = fbRefundable
            second.reasonCode = nil
            second.reasonText = nil
            second.vendorCost = nil
            second.units = 1
            fallbackRecord = second
        }
        try emit(.record(record))
        if let fallbackRecord { try emit(.record(fallbackRecord)) }
    }

    /// VENDORS.md: a stable hash of (vendor, account, usage instant, recipient, channel, body
    /// hash), plus an occurrence index so true repeats in one file stay distinct messages:
    /// `20261002000012-80103162ccdadd0b-1` (usage instant in UTC, 8 bytes of the hash, occurrence).
    /// Repeats are counted in a window of usage instants (`RepeatCounter`): memory follows the
    /// rows of a few minutes, not of the file.
    private func derivedID(account: String, sentAt: Instant, recipient: String?, channel: Channel, row: ProfileRow) throws -> String {
        // Bytes, not Strings: this runs once per row of reports without ids.
        var body = SHA256()
        if let rule = r_body, let bytes = rule.extract(row, nulls: nulls).bytes {
            body.update(bufferPointer: UnsafeRawBufferPointer(bytes))
        }
        let bodyHash = body.finalize()
        var key = SHA256()
        vendorBytes.withUnsafeBytes { key.update(bufferPointer: $0) }
        var text = account
        text.withUTF8 { key.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        withUnsafeBytes(of: UInt8(0)) { key.update(bufferPointer: $0) }
        withUnsafeBytes(of: sentAt.secondsSinceEpoch.littleEndian) { key.update(bufferPointer: $0) }
        // Recipients compared as RecipientPrivacy does: digits of a number, an address lower-cased.
        normalized.removeAll(keepingCapacity: true)
        normalized.append(0)
        if let rule = r_recipient, let bytes = rule.extract(row, nulls: nulls).bytes {
            if bytes.contains(UInt8(ascii: "@")) {
                for byte in bytes { normalized.append(byte >= 65 && byte <= 90 ? byte + 32 : byte) }
            } else {
                for byte in bytes where byte >= 48 && byte <= 57 { normalized.append(byte) }
            }
        }
        normalized.append(0)
        normalized.withUnsafeBytes { key.update(bufferPointer: $0) }
        var name = channel.description
        name.withUTF8 { key.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        bodyHash.withUnsafeBytes { key.update(bufferPointer: $0) }
        let digest = key.finalize()
        var prefix: UInt64 = 0
        digest.withUnsafeBytes { raw in
            for k in 0..<8 { prefix = prefix << 8 | UInt64(raw[k]) }
        }
        guard let occurrence = repeats.next(prefix, second: sentAt.secondsSinceEpoch) else {
            throw RepeatWindowExceeded(file: context.path, row: row.line, windowSeconds: RepeatCounter.windowSeconds)
        }
        return digest.withUnsafeBytes { raw -> String in
            // The usage instant first (UTC, yyyyMMddHHmmss): reports are in time order, so the
            // ledger's (vendor, message_id) index grows at its end instead of at random places.
            let seconds = sentAt.secondsSinceEpoch
            if seconds != lastPrefixSecond {
                lastPrefixSecond = seconds
                let day = LocalDate(daysSinceEpoch: Int(TimeParser.floorDiv(seconds, 86_400)))
                let second = Int(seconds - TimeParser.floorDiv(seconds, 86_400) * 86_400)
                var digits: [UInt8] = []
                func put(_ value: Int, _ width: Int) {
                    var divisor = 1
                    for _ in 1..<width { divisor *= 10 }
                    while divisor > 0 { digits.append(UInt8(48 + value / divisor % 10)); divisor /= 10 }
                }
                put(day.year, 4); put(day.month, 2); put(day.day, 2)
                put(second / 3600, 2); put(second / 60 % 60, 2); put(second % 60, 2)
                prefixBytes = digits + [UInt8(ascii: "-")]
            }
            let hexDigits: StaticString = "0123456789abcdef"
            var out = prefixBytes
            hexDigits.withUTF8Buffer { hex in
                for k in 0..<8 {
                    out.append(hex[Int(raw[k] >> 4)])
                    out.append(hex[Int(raw[k] & 15)])
                }
            }
            return String(decoding: out, as: UTF8.self) + "-" + String(occurrence)
        }
    }

    // MARK: - Summaries

    func mapSummary(_ row: ProfileRow) throws(Reject) -> VendorSummaryRow {
        // The account as for detail: the profile's field, else the inbox sub-folder.
        guard let account = try text(r_account, "account", row) ?? context.accountFromFolder else {
            throw reject(row, "account", nil, .missing)
        }
        let grain: VendorSummaryRow.Grain
        switch profile.summaryGrain! {
        case .dayTemplate:
            let rule = r_day!
            let (bytes, dateCell, _) = rule.extract(row, nulls: nulls)
            guard let bytes else { throw reject(row, "day", nil, .missing) }
            let parsed = dateCell ? TimeParser.excel(String(decoding: bytes, as: UTF8.self)) : rule.time?.parse(bytes)
            let day: LocalDate
            switch parsed {
            case .local(let date, _)?: day = date
            case .instant(let instant)?: day = rule.zone!.localDate(of: instant)
            case nil: throw reject(row, "day", bytes, .badTime(format: rule.time?.format ?? "yyyy-MM-dd"))
            }
            grain = .dayTemplate(day: day, template: try text(r_template, "template", row, required: true)!)
        case .batch:
            grain = .batch(try text(r_batch_id, "batch_id", row, required: true)!)
        }
        var amount: Money?
        if let rule = r_amount, let bytes = rule.extract(row, nulls: nulls).bytes {
            do {
                amount = try Money(parsingUTF8: bytes)
            } catch {
                throw reject(row, "amount", bytes, .badMoney(error.description))
            }
        }
        return VendorSummaryRow(
            vendor: profile.vendor, account: account, grain: grain, total: try number(r_total, "total", row), success: try number(r_success, "success", row),
            failure: try number(r_failure, "failure", row), fallbackSuccess: try number(r_fallback_success, "fallback_success", row),
            fallbackFailure: try number(r_fallback_failure, "fallback_failure", row), amount: amount,
            source: .init(fileSHA256: context.sha256, row: row.line))
    }
}
