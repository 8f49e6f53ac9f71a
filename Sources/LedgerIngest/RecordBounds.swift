import Foundation
import LedgerCore

/// Bounds every record must keep to reach the ledger, whatever reader produced it. Past them a
/// value is a mistake (a unit slip, a shifted column, a default date), and the sums the ledger
/// keeps (rollups, statements) could overflow their 64-bit integers: units and cost are capped
/// so that millions of records at the cap still sum safely.
public enum RecordBounds {
    /// Segments, or call seconds (10,000,000 s is 115 days).
    public static let maxUnits: Int64 = 10_000_000
    /// One message's vendor cost: 1,000,000 in the currency (micro-units 10^12).
    public static let maxVendorCost = Money(micros: 1_000_000 * 1_000_000)
    /// Usage instants outside [2000-01-01, 2100-01-01) are a unit slip or a default date.
    static let earliest = Instant(date: LocalDate(year: 2000, month: 1, day: 1)!)
    static let latest = Instant(date: LocalDate(year: 2100, month: 1, day: 1)!)
    /// One text field, in UTF-8 bytes: what an Excel cell holds (32,767 characters) at least.
    public static let maxTextBytes = 32_767
    /// A send may be scheduled ahead, but not by more than a year after the run.
    static let futureSeconds: Int64 = 366 * 86_400

    /// The record, or its rejection naming the first field out of bounds.
    public static func checked(_ result: RowResult, file: String, now: Instant) -> RowResult {
        guard case .record(let record) = result else { return result }
        func reject(_ field: String, _ value: String, _ why: String) -> RowResult {
            .rejected(IngestError(file: file, row: record.source.row, field: field, value: value, reason: .outOfRange(why)))
        }
        // Text that reports write into cells: no NUL (C strings, SQLite tools and spreadsheet
        // programs cut at it) and no more than a cell holds. Checked field by field on the
        // bytes: this runs for every record of every file.
        if let rejected = textFault("vendor", record.vendor, record, file)
            ?? textFault("account", record.account, record, file)
            ?? textFault("message_id", record.messageID, record, file)
            ?? textFault("batch_id", record.batchID, record, file)
            ?? textFault("reason_code", record.reasonCode, record, file)
            ?? textFault("reason_text", record.reasonText, record, file)
            ?? textFault("category", record.category, record, file)
            ?? textFault("sender", record.sender, record, file)
            ?? textFault("recipient", record.recipient, record, file)
            ?? textFault("fallback_of", record.fallbackOf, record, file) {
            return rejected
        }
        let horizon = now.adding(seconds: futureSeconds)
        if record.sentAt < earliest || record.sentAt >= latest {
            return reject("sent_at", record.sentAt.description, "before 2000 or after 2100")
        }
        if record.sentAt > horizon { return reject("sent_at", record.sentAt.description, "more than a year after this run") }
        if let completed = record.completedAt {
            if completed < earliest || completed >= latest {
                return reject("completed_at", completed.description, "before 2000 or after 2100")
            }
            if completed > horizon { return reject("completed_at", completed.description, "more than a year after this run") }
        }
        if record.units < 0 { return reject("units", "\(record.units)", "must not be negative") }
        if record.units > maxUnits { return reject("units", "\(record.units)", "more than \(maxUnits)") }
        if let cost = record.vendorCost {
            if cost.micros < 0 { return reject("vendor_cost", "\(cost)", "must not be negative") }
            if cost > maxVendorCost { return reject("vendor_cost", "\(cost)", "more than \(maxVendorCost) for one message") }
        }
        return result
    }
}

extension RecordBounds {
    @inline(__always)
    static func textFault(_ field: String, _ value: String?, _ record: DeliveryRecord, _ file: String) -> RowResult? {
        guard let value else { return nil }
        let fault: IngestError.Reason? = value.utf8.withContiguousStorageIfAvailable { bytes in
            if bytes.count > maxTextBytes { return .tooLong(limit: maxTextBytes) }
            if bytes.count > 0, memchr(bytes.baseAddress!, 0, bytes.count) != nil { return .nulByte }
            return nil
        } ?? slowTextFault(value)
        guard let fault else { return nil }
        return .rejected(IngestError(file: file, row: record.source.row, field: field, value: value, reason: fault))
    }

    private static func slowTextFault(_ value: String) -> IngestError.Reason? {
        if value.utf8.count > maxTextBytes { return .tooLong(limit: maxTextBytes) }
        if value.utf8.contains(0) { return .nulByte }
        return nil
    }
}

/// A reader whose records are held to `RecordBounds`: one out of bounds becomes a reject.
final class BoundedRecordSource: RecordSource, DirectRowSource {
    private let inner: RecordSource
    private let file: String
    private let now: Instant

    init(_ inner: RecordSource, file: String, now: Instant) {
        self.inner = inner
        self.file = file
        self.now = now
    }

    var bytesRead: Int64 { inner.bytesRead }

    func read(_ emit: (RowResult) throws -> Void) throws {
        try inner.read { result in try emit(RecordBounds.checked(result, file: file, now: now)) }
    }

    /// Direct rows are held to the same bounds (the reader checks them before handing a row).
    func acceptDirectRows(_ rows: DirectRows) -> Bool {
        guard let inner = inner as? DirectRowSource else { return false }
        rows.boundsNow = now
        return inner.acceptDirectRows(rows)
    }
}

extension RecordFormat {
    /// The same format with its records held to `RecordBounds` (the ingest path uses this).
    public func bounded(now: @escaping @Sendable () -> Instant) -> RecordFormat {
        let inner = self
        return RecordFormat(name: name, vendor: vendor) { source, context in
            BoundedRecordSource(try inner.makeSource(source, context), file: context.path, now: now())
        }
    }
}

/// Bytes from another source, refused past a limit: for readers that hold the whole input
/// (a JSON document is parsed whole), so a large or gzip-bombed file fails with a clear
/// message before it can exhaust memory.
final class LimitedByteSource: ByteSource {
    private let inner: ByteSource
    private let path: String
    private let limit: Int64
    private var total: Int64 = 0

    init(_ inner: ByteSource, path: String, limit: Int64) {
        self.inner = inner
        self.path = path
        self.limit = limit
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = try inner.read(into: buffer)
        total += Int64(count)
        if total > limit { throw SourceError(path: path, reason: .tooLarge(limit: limit)) }
        return count
    }
}

extension RecordFormat {
    /// The same format reading at most `limit` bytes (after gzip) of a file.
    public func limitingBytes(to limit: Int64) -> RecordFormat {
        let inner = self
        return RecordFormat(name: name, vendor: vendor) { source, context in
            try inner.makeSource(LimitedByteSource(source, path: context.path, limit: limit), context)
        }
    }
}
