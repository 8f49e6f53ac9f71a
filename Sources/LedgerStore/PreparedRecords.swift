import LedgerCore

/// A batch of records with the work a store's writing thread would otherwise do per record
/// already done, on the thread that reads the file (`RecordPreparer`): the record's text
/// values laid out side by side (bound without touching a `String`), and its rollup row as a
/// small slot number instead of a key to hash.
///
/// Stores that do not use the layout read `records` and `days` (see
/// `FileIngestSink.upsert(_:at:)`'s default).
public struct PreparedRecords: Sendable {
    /// The text columns laid out per record, in this order (nil is a null).
    public enum TextColumn: Int, CaseIterable, Sendable {
        case vendor, messageID, account, batchID, channel, status, reasonCode, reasonText, category,
             sender, recipient, recipientHash, fallbackOf

        /// `allCases.count` without making the array (it is read per value bound).
        public static let count = 13
    }

    /// A record's values other than its text.
    public struct Facts: Sendable {
        public var sentAt: Instant
        public var completedAt: Instant?
        public var channel: Channel
        public var status: DeliveryStatus
        public var refundable: Bool
        public var units: Int64
        public var vendorCost: Money?
        /// The record's row in its file.
        public var row: Int

        public init(sentAt: Instant, completedAt: Instant?, channel: Channel, status: DeliveryStatus, refundable: Bool,
                    units: Int64, vendorCost: Money?, row: Int) {
            self.sentAt = sentAt
            self.completedAt = completedAt
            self.channel = channel
            self.status = status
            self.refundable = refundable
            self.units = units
            self.vendorCost = vendorCost
            self.row = row
        }
    }

    /// Per record, its values other than text.
    public private(set) var facts: [Facts] = []
    /// The local day of each record in its account's zone.
    public private(set) var days: [LocalDate] = []
    /// The rollup slot of each record (see `rollupKeys`).
    public private(set) var rollupSlots: [Int32] = []
    /// Keys of the slots first used in this batch: slot `firstNewSlot + i` is `newRollupKeys[i]`.
    public private(set) var newRollupKeys: [RollupKey] = []
    public let firstNewSlot: Int
    /// The numbering the slots belong to: a preparer starts a new one every
    /// `RecordPreparer.rollupWindow` records, so that the keys it holds stay few (a file's
    /// records mostly come in time order, so a window spans a day or two of keys).
    public let slotNumbering: SlotNumbering
    /// UTF-8 of every text value, back to back.
    public private(set) var bytes: [UInt8] = []
    /// Per record and text column: offset into `bytes` and length, or length -1 for null.
    public private(set) var spans: [Int32] = []
    /// The file the records came from (`DeliveryRecord.Source.fileSHA256`), and the few records
    /// from another, by index.
    private var fileSHA256: String?
    private var otherFiles: [Int: String] = [:]

    init(preparer: RecordPreparer, capacity: Int) {
        slotNumbering = preparer.numbering
        firstNewSlot = preparer.slotCount
        facts.reserveCapacity(capacity)
        days.reserveCapacity(capacity)
        rollupSlots.reserveCapacity(capacity)
        spans.reserveCapacity(capacity * TextColumn.count * 2)
        bytes.reserveCapacity(capacity * 256)
    }

    public var count: Int { facts.count }

    /// The span of one text value of record `index`: (offset, length), length -1 for null.
    @inline(__always)
    public func span(_ index: Int, _ column: TextColumn) -> (offset: Int, length: Int) {
        let at = (index * TextColumn.count + column.rawValue) * 2
        return (Int(spans[at]), Int(spans[at + 1]))
    }

    /// One text value of record `index`, or nil.
    public func text(_ index: Int, _ column: TextColumn) -> String? {
        let (offset, length) = span(index, column)
        guard length >= 0 else { return nil }
        return bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[offset..<offset + length]), as: UTF8.self) }
    }

    /// Record `index` as a `DeliveryRecord` (for the rare paths that need one: a message
    /// already in the ledger, stores without a bulk path).
    public func record(at index: Int) -> DeliveryRecord {
        let facts = facts[index]
        return DeliveryRecord(
            vendor: text(index, .vendor) ?? "", account: text(index, .account) ?? "", messageID: text(index, .messageID) ?? "",
            batchID: text(index, .batchID), sentAt: facts.sentAt, completedAt: facts.completedAt, channel: facts.channel,
            status: facts.status, refundable: facts.refundable, reasonCode: text(index, .reasonCode),
            reasonText: text(index, .reasonText), units: facts.units, category: text(index, .category),
            sender: text(index, .sender), recipient: text(index, .recipient), recipientHash: text(index, .recipientHash),
            fallbackOf: text(index, .fallbackOf), vendorCost: facts.vendorCost,
            source: .init(fileSHA256: otherFiles[index] ?? fileSHA256 ?? "", row: facts.row))
    }

    mutating func append(_ record: DeliveryRecord, day: LocalDate, slot: Int32) {
        add(record.vendor)
        add(record.messageID)
        add(record.account)
        add(record.batchID)
        add(record.channel.base.rawValue, subtype: record.channel.subtype)
        add(record.status.rawValue)
        add(record.reasonCode)
        add(record.reasonText)
        add(record.category)
        add(record.sender)
        add(record.recipient)
        add(record.recipientHash)
        add(record.fallbackOf)
        noteFile(record.source.fileSHA256)
        facts.append(Facts(sentAt: record.sentAt, completedAt: record.completedAt, channel: record.channel, status: record.status,
                           refundable: record.refundable, units: record.units, vendorCost: record.vendorCost, row: record.source.row))
        days.append(day)
        rollupSlots.append(slot)
    }

    /// Appends a record given as its text values' bytes (`TextColumn` order; nil is a null).
    mutating func append(texts: UnsafeBufferPointer<UnsafeBufferPointer<UInt8>?>, facts: Facts, file: String,
                         day: LocalDate, slot: Int32) {
        for column in 0..<TextColumn.count {
            guard let text = texts[column] else {
                spans.append(0)
                spans.append(-1)
                continue
            }
            spans.append(Int32(bytes.count))
            spans.append(Int32(text.count))
            bytes.append(contentsOf: text)
        }
        noteFile(file)
        self.facts.append(facts)
        days.append(day)
        rollupSlots.append(slot)
    }

    private mutating func noteFile(_ file: String) {
        if let fileSHA256 {
            if file != fileSHA256 { otherFiles[facts.count] = file }
        } else {
            fileSHA256 = file
        }
    }

    mutating func addNewKey(_ key: RollupKey) { newRollupKeys.append(key) }

    private mutating func add(_ text: String?, subtype: String? = nil) {
        guard var text else {
            spans.append(0)
            spans.append(-1)
            return
        }
        let start = bytes.count
        text.withUTF8 { bytes.append(contentsOf: $0) }
        if var subtype {
            // Channel's text form: "FRIENDTALK:IMAGE".
            bytes.append(UInt8(ascii: ":"))
            subtype.withUTF8 { bytes.append(contentsOf: $0) }
        }
        spans.append(Int32(start))
        spans.append(Int32(bytes.count - start))
    }
}

/// Which numbering of rollup slots a batch uses.
public struct SlotNumbering: Hashable, Sendable {
    let preparer: ObjectIdentifier
    let window: Int
}

/// Prepares batches of one file's records on the reading thread. One per file read: its slot
/// numbers are its own.
public final class RecordPreparer: @unchecked Sendable {
    // @unchecked: used by one thread at a time (the reader, while it reads the file).
    private var slots: [RollupKey: Int32] = [:]
    /// The previous record's key and slot: most records share their predecessor's (a batch's
    /// messages go out together), and comparing is cheaper than hashing.
    private var lastKey: RollupKey?
    private var lastSlot: Int32 = 0
    /// `lastKey`'s text as bytes, when it was made from bytes.
    private var lastKeyBytes: (account: [UInt8], vendor: [UInt8], category: [UInt8])?
    private var pending: PreparedRecords?
    private var window = 0
    private var recordsInWindow = 0

    /// Records per slot numbering (see `PreparedRecords.slotNumbering`).
    public static let rollupWindow = 65_536

    public init() {}

    var slotCount: Int { slots.count }
    var numbering: SlotNumbering { SlotNumbering(preparer: ObjectIdentifier(self), window: window) }

    /// Starts a batch.
    public func begin(capacity: Int) {
        if recordsInWindow >= Self.rollupWindow {
            window += 1
            recordsInWindow = 0
            slots.removeAll(keepingCapacity: true)
            lastKey = nil
        }
        pending = PreparedRecords(preparer: self, capacity: capacity)
    }

    /// Adds a record counted on `day`.
    public func add(_ record: DeliveryRecord, day: LocalDate) {
        let key = RollupKey(record: record, day: day)
        let slot: Int32
        if let lastKey, lastKey == key {
            slot = lastSlot
        } else {
            slot = self.slot(of: key)
            lastKey = key
            lastKeyBytes = nil
            lastSlot = slot
        }
        pending!.append(record, day: day, slot: slot)
        recordsInWindow += 1
    }

    /// Adds a record given as its text values' bytes (`PreparedRecords.TextColumn` order, nil
    /// for a null; vendor, account, message id, channel and status present) and its facts,
    /// counted on `day`: a reader that holds a row's bytes makes no `DeliveryRecord` for it.
    public func add(texts: UnsafeBufferPointer<UnsafeBufferPointer<UInt8>?>, facts: PreparedRecords.Facts, file: String,
                    day: LocalDate) {
        let account = texts[PreparedRecords.TextColumn.account.rawValue]!
        let vendor = texts[PreparedRecords.TextColumn.vendor.rawValue]!
        let category = texts[PreparedRecords.TextColumn.category.rawValue]
        let isFallback = texts[PreparedRecords.TextColumn.fallbackOf.rawValue] != nil
        let slot: Int32
        if let lastKey, let last = lastKeyBytes, lastKey.day == day, lastKey.channel == facts.channel,
           lastKey.status == facts.status, lastKey.refundable == facts.refundable, lastKey.isFallback == isFallback,
           last.account.hasSameBytes(as: account), last.vendor.hasSameBytes(as: vendor), last.category.hasSameBytes(as: category) {
            slot = lastSlot
        } else {
            func string(_ bytes: UnsafeBufferPointer<UInt8>?) -> String { bytes.map { String(decoding: $0, as: UTF8.self) } ?? "" }
            let key = RollupKey(account: string(account), day: day, vendor: string(vendor), channel: facts.channel,
                                category: string(category), status: facts.status, refundable: facts.refundable,
                                isFallback: isFallback)
            slot = self.slot(of: key)
            lastKey = key
            lastKeyBytes = (Array(account), Array(vendor), category.map { Array($0) } ?? [])
            lastSlot = slot
        }
        pending!.append(texts: texts, facts: facts, file: file, day: day, slot: slot)
        recordsInWindow += 1
    }

    private func slot(of key: RollupKey) -> Int32 {
        if let known = slots[key] { return known }
        let slot = Int32(slots.count)
        slots[key] = slot
        pending!.addNewKey(key)
        return slot
    }

    /// The batch made since `begin`.
    public func finish() -> PreparedRecords {
        defer { pending = nil }
        return pending!
    }
}
