import Dispatch
import LedgerCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO

/// One `COPY table (columns) FROM STDIN` fed from a synchronous producer.
///
/// postgres-nio's `copyFrom` is async and wants a closure that writes the data, so the COPY
/// runs in a Task on the ledger's dedicated executor thread and pulls chunks from a stream;
/// the producer (the thread parsing the file) blocks only when `maximumInFlight` chunks are
/// not yet written, which keeps memory bounded and lets parsing and the server's work overlap.
final class CopyStream: @unchecked Sendable {
    // @unchecked: `continuation` is thread-safe; `result` is written before `finished` is
    // signalled and read after it is waited on; `ended` is guarded by its lock.
    private let continuation: AsyncThrowingStream<ByteBuffer, any Error>.Continuation
    private let slots: DispatchSemaphore
    private let finished = DispatchSemaphore(value: 0)
    private let result = ResultBox<Void>()
    private let ended = NIOLockedValueBox(false)
    private var closed = false

    static let chunkBytes = 1 << 18
    static let maximumInFlight = 4

    /// The data must be in COPY's binary format (`CopyBinaryEncoder`).
    init(connection: PostgresConnection, table: String, columns: [String], executor: ThreadTaskExecutor, logger: Logger) {
        let (chunks, continuation) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream()
        self.continuation = continuation
        // Made with 0 and signalled up to the limit: libdispatch traps when a semaphore is freed
        // below the value it was created with, which a COPY that failed early (the fast path
        // meeting a stored message) leaves it at, its taken slots never given back.
        let slots = DispatchSemaphore(value: 0)
        for _ in 0..<Self.maximumInFlight { slots.signal() }
        self.slots = slots
        let finished = self.finished, result = self.result, ended = self.ended
        Task(executorPreference: executor) {
            do {
                try await connection.copyFrom(table: table, columns: Self.binaryColumns(columns), logger: logger) { writer in
                    for try await chunk in chunks {
                        try await writer.write(chunk)
                        slots.signal()
                    }
                }
                result.set(.success(()))
            } catch {
                result.set(.failure(error))
            }
            ended.withLockedValue { $0 = true }
            // Wakes a producer waiting for a slot that will never be freed.
            slots.signal()
            finished.signal()
        }
    }

    /// Hands one chunk to the COPY, waiting while too many are in flight. Throws the COPY's
    /// error once it has failed (the rest of the file need not be read).
    func send(_ chunk: ByteBuffer) throws {
        slots.wait()
        if ended.withLockedValue({ $0 }) {
            slots.signal()
            try finish()
            return
        }
        continuation.yield(chunk)
    }

    /// Ends the data and waits for the server to accept it.
    func finish() throws {
        if !closed {
            closed = true
            continuation.finish()
            finished.wait()
        }
        try result.get()
    }

    /// Abandons the COPY (the server discards what it got); for a body that threw.
    func cancel() {
        guard !closed else { return }
        closed = true
        continuation.finish(throwing: CopyAbandoned())
        finished.wait()
    }

    struct CopyAbandoned: Error {}

    /// The column list that asks for the binary format. postgres-nio (1.33) writes `COPY
    /// "table"("a","b") FROM STDIN WITH (FORMAT text)` and has no binary option; it puts names in
    /// the statement as given (its documented behaviour, for names the caller controls, as these
    /// are). So the last name closes the list, asks for `FORMAT binary` and turns the library's
    /// own options into a comment. Should a later version quote names, the COPY fails on a
    /// column that does not exist (every store-conformance case copies), never reads binary data
    /// as text.
    /// The columns must be named: without them postgres-nio's statement has no list to close.
    static func binaryColumns(_ columns: [String]) -> [String] {
        guard let last = columns.last else { preconditionFailure("a binary COPY names its columns") }
        return columns.dropLast() + [last + "\") FROM STDIN WITH (FORMAT binary) --"]
    }
}

/// A growable block of bytes written through a pointer (no per-byte capacity check of
/// `ByteBuffer`); `chunk()` hands them to a COPY as a `ByteBuffer` and starts over empty.
/// A struct, used in place (`inout`), so the hot path pays no exclusivity checks of a class's
/// stored property per field.
struct CopyBytes {
    private var storage: ManagedBuffer<Void, UInt8>
    private(set) var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    var count = 0

    init(capacity: Int) {
        storage = ManagedBuffer<Void, UInt8>.create(minimumCapacity: capacity) { _ in () }
        self.capacity = storage.capacity
        base = storage.withUnsafeMutablePointerToElements { $0 }
    }

    mutating func chunk() -> ByteBuffer {
        let buffer = ByteBuffer(bytes: UnsafeRawBufferPointer(start: base, count: count))
        count = 0
        return buffer
    }

    /// Room for `more` bytes after `count`.
    @inline(__always)
    mutating func reserve(_ more: Int) {
        if count + more > capacity { grow(count + more) }
    }

    private mutating func grow(_ needed: Int) {
        let bigger = ManagedBuffer<Void, UInt8>.create(minimumCapacity: max(needed, capacity * 2)) { _ in () }
        let newBase = bigger.withUnsafeMutablePointerToElements { $0 }
        newBase.update(from: base, count: count)
        storage = bigger
        capacity = bigger.capacity
        base = newBase
    }

    @inline(__always)
    mutating func byte(_ value: UInt8) {
        reserve(1)
        base[count] = value
        count += 1
    }

    /// Big-endian, as the binary format's header words, lengths and values are.
    @inline(__always)
    mutating func bigEndian<Integer: FixedWidthInteger>(_ value: Integer) {
        reserve(MemoryLayout<Integer>.size)
        UnsafeMutableRawPointer(base + count).storeBytes(of: value.bigEndian, as: Integer.self)
        count += MemoryLayout<Integer>.size
    }

    @inline(__always)
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        reserve(bytes.count)
        if let source = bytes.baseAddress { (base + count).update(from: source, count: bytes.count) }
        count += bytes.count
    }

    /// A string's UTF-8 bytes, as they are.
    mutating func append(_ value: String) {
        if let done: Void = value.utf8.withContiguousStorageIfAvailable({ append($0) }) { return done }
        var copy = value
        copy.withUTF8 { append($0) }
    }
}

/// COPY's binary format (PostgreSQL's "Binary Format" of COPY): a signature and two zero words,
/// then per row a 16-bit field count and per field a 32-bit length (-1 for NULL) and the
/// value in its type's binary form; a -1 word ends the data. Every COPY of the ingest uses it:
/// the server skips the text format's line scan, unescaping and number and date parsing
/// (`psql` copying the ledger's own rows: 14% less server time than the same rows as text).
///
/// Each value must be in its column's exact type: `text` the UTF-8 bytes, `bigint` 8 bytes,
/// `integer` 4, `date` 4 (days since 2000-01-01), `boolean` 1.
struct CopyBinaryEncoder {
    private var block: CopyBytes

    /// Starts with the format's header (unless `header` is false: data to follow another
    /// encoder's), so this encoder's first chunk must open the COPY.
    init(capacity: Int = CopyStream.chunkBytes + 4096, header: Bool = true) {
        block = CopyBytes(capacity: capacity)
        guard header else { return }
        "PGCOPY\n\u{FF}\r\n\0".unicodeScalars.forEach { block.byte(UInt8($0.value)) }
        block.bigEndian(Int32(0)) // flags: no OIDs
        block.bigEndian(Int32(0)) // no header extension
    }

    var readableBytes: Int { block.count }

    mutating func chunk() -> ByteBuffer { block.chunk() }

    /// A row of `fields` values follows.
    @inline(__always)
    mutating func row(fields: Int16) { block.bigEndian(fields) }

    /// The end of the data (the -1 word), before the last chunk.
    mutating func end() { block.bigEndian(Int16(-1)) }

    @inline(__always)
    private mutating func null() { block.bigEndian(Int32(-1)) }

    mutating func text(_ value: String?) {
        guard let value else { return null() }
        let start = block.count
        block.bigEndian(Int32(0))
        block.append(value)
        patchLength(at: start)
    }

    /// A value laid out in a block (`PreparedRecords.bytes`): `length` bytes at `offset`, or a
    /// null when `length` is negative.
    @inline(__always)
    mutating func text(_ base: UnsafePointer<UInt8>, offset: Int, length: Int) {
        guard length >= 0 else { return null() }
        block.bigEndian(Int32(length))
        block.append(UnsafeBufferPointer(start: base + offset, count: length))
    }

    /// A channel as its text (`FRIENDTALK:IMAGE`) without making that String per record.
    mutating func channel(_ value: LedgerCore.Channel) {
        let start = block.count
        block.bigEndian(Int32(0))
        block.append(value.base.rawValue)
        if let subtype = value.subtype {
            block.byte(UInt8(ascii: ":"))
            block.append(subtype)
        }
        patchLength(at: start)
    }

    /// The length word at `start`: the bytes written after it.
    private mutating func patchLength(at start: Int) {
        let length = Int32(block.count - start - 4)
        UnsafeMutableRawPointer(block.base + start).storeBytes(of: length.bigEndian, as: Int32.self)
    }

    /// PostgreSQL's dates count days from 2000-01-01.
    @inline(__always)
    mutating func date(_ day: LocalDate) {
        block.bigEndian(Int32(4))
        block.bigEndian(Int32(truncatingIfNeeded: day.daysSinceEpoch - Self.daysFrom1970To2000))
    }

    static let daysFrom1970To2000 = 10_957

    /// A `bigint`.
    @inline(__always)
    mutating func bigint(_ value: Int64?) {
        guard let value else { return null() }
        block.bigEndian(Int32(8))
        block.bigEndian(value)
    }

    /// An `integer`.
    @inline(__always)
    mutating func integer(_ value: Int32) {
        block.bigEndian(Int32(4))
        block.bigEndian(value)
    }

    @inline(__always)
    mutating func bool(_ value: Bool) {
        block.bigEndian(Int32(1))
        block.byte(value ? 1 : 0)
    }

    /// A one-dimensional `text[]` without NULLs: `elements` are its `count` values already laid
    /// out as a length word and the bytes each (PostgreSQL's `array_recv`: dimensions, a
    /// has-NULLs flag, the element type's OID, then per dimension its size and lower bound).
    mutating func textArray(count: Int32, elements: [UInt8]) {
        block.bigEndian(Int32(20 + elements.count))
        block.bigEndian(Int32(1))     // dimensions
        block.bigEndian(Int32(0))     // no NULLs
        block.bigEndian(Self.textOID)
        block.bigEndian(count)
        block.bigEndian(Int32(1))     // lower bound
        elements.withUnsafeBufferPointer { block.append($0) }
    }

    /// `text`'s type OID (pg_type), which `array_recv` checks against the column's element type.
    static let textOID: Int32 = 25
}
