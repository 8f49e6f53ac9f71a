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
                try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
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
}

/// COPY's text format: tab-separated columns, `\N` for NULL, backslash escapes.
///
/// Bytes go straight into one growable block through a pointer (no `String` per field, no
/// per-byte capacity check of `ByteBuffer`); `chunk()` hands them to a COPY as a `ByteBuffer`.
/// A struct, used in place (`inout`), so the hot path pays no exclusivity checks of a class's
/// stored property per field.
struct CopyTextEncoder {
    private var storage: ManagedBuffer<Void, UInt8>
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private(set) var readableBytes = 0

    init(capacity: Int = CopyStream.chunkBytes + 4096) {
        storage = ManagedBuffer<Void, UInt8>.create(minimumCapacity: capacity) { _ in () }
        self.capacity = storage.capacity
        base = storage.withUnsafeMutablePointerToElements { $0 }
    }

    /// The bytes so far, as a buffer for `CopyStream.send`; the encoder starts over empty.
    mutating func chunk() -> ByteBuffer {
        let buffer = ByteBuffer(bytes: UnsafeRawBufferPointer(start: base, count: readableBytes))
        readableBytes = 0
        return buffer
    }

    /// Room for `count` more bytes.
    @inline(__always)
    private mutating func reserve(_ count: Int) {
        if readableBytes + count > capacity { grow(readableBytes + count) }
    }

    private mutating func grow(_ needed: Int) {
        let bigger = ManagedBuffer<Void, UInt8>.create(minimumCapacity: max(needed, capacity * 2)) { _ in () }
        let newBase = bigger.withUnsafeMutablePointerToElements { $0 }
        newBase.update(from: base, count: readableBytes)
        storage = bigger
        capacity = bigger.capacity
        base = newBase
    }

    @inline(__always)
    private mutating func byte(_ value: UInt8) {
        reserve(1)
        base[readableBytes] = value
        readableBytes += 1
    }

    @inline(__always)
    private mutating func end(_ last: Bool) { byte(last ? 0x0A : 0x09) }

    private mutating func null() {
        reserve(2)
        base[readableBytes] = 0x5C
        base[readableBytes + 1] = UInt8(ascii: "N")
        readableBytes += 2
    }

    mutating func text(_ value: String?, last: Bool = false) {
        if let value {
            escaped(value)
        } else {
            null()
        }
        end(last)
    }

    /// A value laid out in a block (`PreparedRecords.bytes`): `length` bytes at `offset`, or a
    /// null when `length` is negative.
    @inline(__always)
    mutating func text(_ base: UnsafePointer<UInt8>, offset: Int, length: Int, last: Bool = false) {
        if length >= 0 {
            escaped(UnsafeBufferPointer(start: base + offset, count: length))
        } else {
            null()
        }
        end(last)
    }

    /// A date as `YYYY-MM-DD`, digits written in place.
    mutating func date(_ day: LocalDate, last: Bool = false) {
        guard (0...9999).contains(day.year) else {
            escaped(day.description)
            end(last)
            return
        }
        reserve(10)
        let out = base + readableBytes
        let zero = UInt8(ascii: "0")
        let year = day.year, month = day.month, dayOfMonth = day.day
        out[0] = zero &+ UInt8(truncatingIfNeeded: year / 1000)
        out[1] = zero &+ UInt8(truncatingIfNeeded: year / 100 % 10)
        out[2] = zero &+ UInt8(truncatingIfNeeded: year / 10 % 10)
        out[3] = zero &+ UInt8(truncatingIfNeeded: year % 10)
        out[4] = UInt8(ascii: "-")
        out[5] = zero &+ UInt8(truncatingIfNeeded: month / 10)
        out[6] = zero &+ UInt8(truncatingIfNeeded: month % 10)
        out[7] = UInt8(ascii: "-")
        out[8] = zero &+ UInt8(truncatingIfNeeded: dayOfMonth / 10)
        out[9] = zero &+ UInt8(truncatingIfNeeded: dayOfMonth % 10)
        readableBytes += 10
        end(last)
    }

    /// A channel as its text (`FRIENDTALK:IMAGE`) without making that String per record.
    mutating func channel(_ value: LedgerCore.Channel, last: Bool = false) {
        escaped(value.base.rawValue)
        if let subtype = value.subtype {
            byte(UInt8(ascii: ":"))
            escaped(subtype)
        }
        end(last)
    }

    /// A value's UTF-8 bytes with COPY's backslash escapes, no delimiter.
    private mutating func escaped(_ value: String) {
        if let done: Void = value.utf8.withContiguousStorageIfAvailable({ escaped($0) }) { return done }
        var copy = value
        copy.withUTF8 { escaped($0) }
    }

    private mutating func escaped(_ bytes: UnsafeBufferPointer<UInt8>) {
        // At most two bytes out per byte in: one check for the whole value.
        reserve(bytes.count * 2)
        var out = base + readableBytes
        for byte in bytes {
            if byte > 0x5C || (byte != 0x5C && byte > 0x0D) {
                out.pointee = byte
                out += 1
                continue
            }
            switch byte {
            case 0x5C: out[0] = 0x5C; out[1] = 0x5C; out += 2
            case 0x09: out[0] = 0x5C; out[1] = UInt8(ascii: "t"); out += 2
            case 0x0A: out[0] = 0x5C; out[1] = UInt8(ascii: "n"); out += 2
            case 0x0D: out[0] = 0x5C; out[1] = UInt8(ascii: "r"); out += 2
            default: out.pointee = byte; out += 1
            }
        }
        readableBytes = out - base
    }

    mutating func int(_ value: Int64?, last: Bool = false) {
        if let value {
            decimal(value)
        } else {
            null()
        }
        end(last)
    }

    mutating func bool(_ value: Bool, last: Bool = false) {
        byte(value ? UInt8(ascii: "t") : UInt8(ascii: "f"))
        end(last)
    }

    /// Decimal digits written in place, without going through String.
    private mutating func decimal(_ value: Int64) {
        reserve(20)
        var magnitude = value.magnitude
        if value < 0 {
            base[readableBytes] = UInt8(ascii: "-")
            readableBytes += 1
        }
        var digits = 1
        var rest = magnitude / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        var index = readableBytes + digits - 1
        repeat {
            base[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
            magnitude /= 10
            index -= 1
        } while magnitude > 0
        readableBytes += digits
    }
}
