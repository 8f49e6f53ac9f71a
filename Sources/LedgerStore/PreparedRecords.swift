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

    public private(set) var records: [DeliveryRecord] = []
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

    init(preparer: RecordPreparer, capacity: Int) {
        slotNumbering = preparer.numbering
        firstNewSlot = preparer.slotCount
        records.reserveCapacity(capacity)
        days.reserveCapacity(capacity)
        rollupSlots.reserveCapacity(capacity)
        spans.reserveCapacity(capacity * TextColumn.count * 2)
        bytes.reserveCapacity(capacity * 256)
    }

    public var count: Int { records.count }

    /// The span of one text value of record `index`: (offset, length), length -1 for null.
    @inline(__always)
    public func span(_ index: Int, _ column: TextColumn) -> (offset: Int, length: Int) {
        let at = (index * TextColumn.count + column.rawValue) * 2
        return (Int(spans[at]), Int(spans[at + 1]))
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
        records.append(record)
        days.append(day)
        rollupSlots.append(slot)
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
        } else if let known = slots[key] {
            slot = known
        } else {
            slot = Int32(slots.count)
            slots[key] = slot
            pending!.addNewKey(key)
        }
        lastKey = key
        lastSlot = slot
        pending!.append(record, day: day, slot: slot)
        recordsInWindow += 1
    }

    /// The batch made since `begin`.
    public func finish() -> PreparedRecords {
        defer { pending = nil }
        return pending!
    }
}
