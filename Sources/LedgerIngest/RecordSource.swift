import Foundation
import LedgerCore
import LedgerStore

/// One input row, mapped: a canonical record, a row of a vendor's summary (summary profiles:
/// counts to reconcile with, not delivery records), or a rejection naming row, field and value.
public enum RowResult: Sendable {
    case record(DeliveryRecord)
    case summary(VendorSummaryRow)
    case rejected(IngestError)
}

/// A reader that turns one file into canonical records, streaming (memory does not grow
/// with the file). Vendor profiles provide more of these.
public protocol RecordSource {
    /// Calls `emit` once per data row, in file order.
    func read(_ emit: (RowResult) throws -> Void) throws
    /// Bytes consumed so far (for progress), if known.
    var bytesRead: Int64 { get }
}

/// What every reader needs to know about the file it reads.
public struct FileContext: Sendable {
    public var path: String
    public var sha256: String
    /// The account, when the inbox sub-folder names it.
    public var accountFromFolder: String?
    public var privacy: RecipientPrivacy
    /// Vendor profiles deriving message ids: keep every repeat count of the file instead of a
    /// window's (`RepeatCounter`; set after `RepeatWindowExceeded`, or when memory is no concern).
    public var exactRepeatCounts = false

    public init(path: String, sha256: String, accountFromFolder: String? = nil, privacy: RecipientPrivacy) {
        self.path = path
        self.sha256 = sha256
        self.accountFromFolder = accountFromFolder
        self.privacy = privacy
    }
}

/// Reuses the `String` of the previous row when a field repeats (vendors, accounts, statuses
/// repeat on most rows), saving an allocation per field on the hot path.
struct RepeatedText {
    private var bytes: [UInt8] = []
    private var text: String?

    mutating func string(_ field: UnsafeBufferPointer<UInt8>) -> String? {
        if let text, bytes.hasSameBytes(as: field) { return text }
        guard let decoded = String(validating: field, as: UTF8.self) else { return nil }
        bytes = Array(field)
        text = decoded
        return decoded
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// The span without leading and trailing ASCII spaces and tabs.
    var trimmed: UnsafeBufferPointer<UInt8> {
        guard let base = baseAddress else { return self }
        var lower = 0, upper = count
        while lower < upper, base[lower] == 32 || base[lower] == 9 { lower += 1 }
        while upper > lower, base[upper - 1] == 32 || base[upper - 1] == 9 { upper -= 1 }
        return UnsafeBufferPointer(start: base + lower, count: upper - lower)
    }

    /// A whole non-negative-or-negative integer, or nil.
    var integer: Int64? {
        guard count > 0, let base = baseAddress else { return nil }
        var i = 0
        var negative = false
        if base[0] == UInt8(ascii: "-") || base[0] == UInt8(ascii: "+") {
            negative = base[0] == UInt8(ascii: "-")
            i = 1
        }
        guard i < count else { return nil }
        var value: Int64 = 0
        while i < count {
            let digit = Int64(base[i]) - 48
            guard digit >= 0, digit <= 9 else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(digit)
            if o1 || o2 { return nil }
            value = a
            i += 1
        }
        return negative ? -value : value
    }
}
