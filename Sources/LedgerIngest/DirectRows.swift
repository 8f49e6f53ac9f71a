import Foundation
import LedgerCore
import LedgerStore

/// Where a canonical reader lays clean rows straight into the ingest's prepared batches, with
/// no `DeliveryRecord` and no `String` per field made for them: the ingest hot path. A row with
/// anything unusual (a bad or out-of-bounds value, an unknown spelling, a purged day) goes the
/// general way instead, as a `RowResult`, so its reject reads exactly as it always has.
// @unchecked: made by the ingestor, then used by the reading thread alone while it reads.
public final class DirectRows: @unchecked Sendable {
    /// Takes a clean row's text values (`PreparedRecords.TextColumn` order, nil for a null) and
    /// facts; false sends the row the general way.
    let take: (UnsafeBufferPointer<UnsafeBufferPointer<UInt8>?>, PreparedRecords.Facts) throws -> Bool
    /// Called after each row taken (the pipeline counts rows into batches).
    var taken: () throws -> Void = {}
    /// The run's instant for `RecordBounds`, set when the format holds records to them.
    var boundsNow: Instant?

    public init(take: @escaping (UnsafeBufferPointer<UnsafeBufferPointer<UInt8>?>, PreparedRecords.Facts) throws -> Bool) {
        self.take = take
    }
}

/// A source that can hand clean rows to `DirectRows` instead of emitting them.
protocol DirectRowSource: AnyObject {
    /// Whether the source will hand its clean rows to `rows` from now on.
    func acceptDirectRows(_ rows: DirectRows) -> Bool
}

extension CanonicalRowMapper {
    /// Hands a clean row to `direct` and returns true; returns false, having taken nothing, for
    /// a row `map(row:field:)` must judge (a missing, bad or out-of-bounds value, a channel or
    /// status spelling not seen yet) or one `direct` declines.
    mutating func takeClean(row: Int, field: (Int) -> UnsafeBufferPointer<UInt8>?, direct: DirectRows,
                            scratch: inout [UInt8], texts: UnsafeMutableBufferPointer<UnsafeBufferPointer<UInt8>?>) throws -> Bool {
        typealias Column = PreparedRecords.TextColumn
        @inline(__always) func present(_ index: Int) -> UnsafeBufferPointer<UInt8>? {
            guard let bytes = field(index)?.trimmed, bytes.count > 0 else { return nil }
            return bytes
        }
        guard let vendor = present(0), let messageID = present(2), let sentBytes = present(4),
              let channelBytes = present(6), let statusBytes = present(7) else { return false }
        let account = present(1)
        if account == nil && context.accountFromFolder == nil { return false }
        guard let sentAt = Instant.parseISO8601(sentBytes), sentAt >= CanonicalFormat.earliest, sentAt < CanonicalFormat.latest
        else { return false }
        var completedAt: Instant?
        if let bytes = present(5) {
            guard let instant = Instant.parseISO8601(bytes) else { return false }
            completedAt = instant
        }
        guard let channel = channels[channelBytes], let status = statuses[statusBytes] else { return false }
        var refundable = false
        if let bytes = present(8) {
            guard let flag = Self.boolean(bytes) else { return false }
            refundable = flag
        }
        var units: Int64 = 1
        if let bytes = present(11) {
            guard let value = bytes.integer, value >= 0 else { return false }
            units = value
        }
        var vendorCost: Money?
        if let bytes = present(16) {
            guard let cost = try? Money(parsingUTF8: bytes), cost.micros >= 0 else { return false }
            vendorCost = cost
        }
        if let now = direct.boundsNow {
            // RecordBounds, as `BoundedRecordSource` would apply it.
            let horizon = now.adding(seconds: RecordBounds.futureSeconds)
            if sentAt > horizon || units > RecordBounds.maxUnits { return false }
            if let completedAt, completedAt < RecordBounds.earliest || completedAt >= RecordBounds.latest || completedAt > horizon {
                return false
            }
            if let vendorCost, vendorCost > RecordBounds.maxVendorCost { return false }
        }

        // Text made here (the channel's and status's canonical names, the account from the
        // folder, the recipient's shown form and hash) goes into `scratch`; spans into it are
        // made once it stops growing.
        scratch.removeAll(keepingCapacity: true)
        // Channel's text form, as `PreparedRecords` lays it out: "FRIENDTALK:IMAGE".
        scratch.append(contentsOf: channel.base.rawValue.utf8)
        if let subtype = channel.subtype {
            scratch.append(UInt8(ascii: ":"))
            scratch.append(contentsOf: subtype.utf8)
        }
        let channelEnd = scratch.count
        scratch.append(contentsOf: status.rawValue.utf8)
        let statusEnd = scratch.count
        if account == nil { scratch.append(contentsOf: context.accountFromFolder!.utf8) }
        let accountEnd = scratch.count
        var recipient: (shown: Int, hash: Int?)?
        if let bytes = present(14) {
            guard Self.isValidUTF8(bytes) else { return false }
            recipient = context.privacy.protect(utf8: bytes, appendingTo: &scratch)
        }
        let facts = PreparedRecords.Facts(sentAt: sentAt, completedAt: completedAt, channel: channel, status: status,
                                          refundable: refundable, units: units, vendorCost: vendorCost, row: row)
        return try scratch.withUnsafeBufferPointer { made in
            func slice(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: made[range]) }
            texts[Column.vendor.rawValue] = vendor
            texts[Column.messageID.rawValue] = messageID
            texts[Column.account.rawValue] = account ?? slice(statusEnd..<accountEnd)
            texts[Column.batchID.rawValue] = present(3)
            texts[Column.channel.rawValue] = slice(0..<channelEnd)
            texts[Column.status.rawValue] = slice(channelEnd..<statusEnd)
            texts[Column.reasonCode.rawValue] = present(9)
            texts[Column.reasonText.rawValue] = present(10)
            texts[Column.category.rawValue] = present(12)
            texts[Column.sender.rawValue] = present(13)
            texts[Column.recipient.rawValue] = recipient.map { slice(accountEnd..<accountEnd + $0.shown) }
            texts[Column.recipientHash.rawValue] = recipient.flatMap { recipient in
                recipient.hash.map { slice(accountEnd + recipient.shown..<accountEnd + recipient.shown + $0) }
            }
            texts[Column.fallbackOf.rawValue] = present(15)
            // Every text as a record's `String` would hold it: valid UTF-8 and, under bounds,
            // no NUL and no longer than a cell (RecordBounds.textFault).
            for column in 0..<Column.count {
                guard let text = texts[column] else { continue }
                guard Self.isValidUTF8(text) else { return false }
                if direct.boundsNow != nil {
                    if text.count > RecordBounds.maxTextBytes || memchr(text.baseAddress!, 0, text.count) != nil { return false }
                }
            }
            return try direct.take(UnsafeBufferPointer(texts), facts)
        }
    }

    /// Whether `bytes` are well-formed UTF-8 (what `String(validating:)` accepts), without
    /// making a `String`: ASCII eight bytes at a time, other sequences by the Unicode table.
    static func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        var index = 0
        while index < count {
            if index + 8 <= count {
                let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 == 0 {
                    index += 8
                    continue
                }
            }
            let lead = base[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            @inline(__always) func continuation(_ offset: Int) -> UInt8? {
                guard index + offset < count else { return nil }
                let byte = base[index + offset]
                return byte & 0xC0 == 0x80 ? byte : nil
            }
            switch lead {
            case 0xC2...0xDF:
                guard continuation(1) != nil else { return false }
                index += 2
            case 0xE0...0xEF:
                guard let second = continuation(1), continuation(2) != nil else { return false }
                if lead == 0xE0 && second < 0xA0 { return false }   // overlong
                if lead == 0xED && second >= 0xA0 { return false }  // surrogates
                index += 3
            case 0xF0...0xF4:
                guard let second = continuation(1), continuation(2) != nil, continuation(3) != nil else { return false }
                if lead == 0xF0 && second < 0x90 { return false }   // overlong
                if lead == 0xF4 && second >= 0x90 { return false }  // past U+10FFFF
                index += 4
            default:
                return false
            }
        }
        return true
    }
}
