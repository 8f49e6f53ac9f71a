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
        let slots = DispatchSemaphore(value: Self.maximumInFlight)
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
struct CopyTextEncoder {
    var buffer: ByteBuffer

    init() { buffer = ByteBufferAllocator().buffer(capacity: CopyStream.chunkBytes + 4096) }

    mutating func text(_ value: String?, last: Bool = false) {
        if let value {
            escaped(value)
        } else {
            buffer.writeStaticString("\\N")
        }
        buffer.writeInteger(last ? UInt8(0x0A) : UInt8(0x09))
    }

    /// A channel as its text (`FRIENDTALK:IMAGE`) without making that String per record.
    mutating func channel(_ value: LedgerCore.Channel, last: Bool = false) {
        escaped(value.base.rawValue)
        if let subtype = value.subtype {
            buffer.writeInteger(UInt8(ascii: ":"))
            escaped(subtype)
        }
        buffer.writeInteger(last ? UInt8(0x0A) : UInt8(0x09))
    }

    /// A value's UTF-8 bytes with COPY's backslash escapes, no delimiter.
    private mutating func escaped(_ value: String) {
        var value = value
        value.withUTF8 { bytes in
            // Most values need no escape: copy them whole.
            if !bytes.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
                buffer.writeBytes(bytes)
                return
            }
            for byte in bytes {
                switch byte {
                case 0x5C: buffer.writeStaticString("\\\\")
                case 0x09: buffer.writeStaticString("\\t")
                case 0x0A: buffer.writeStaticString("\\n")
                case 0x0D: buffer.writeStaticString("\\r")
                default: buffer.writeInteger(byte)
                }
            }
        }
    }

    mutating func int(_ value: Int64?, last: Bool = false) {
        if let value {
            writeDecimal(value)
        } else {
            buffer.writeStaticString("\\N")
        }
        buffer.writeInteger(last ? UInt8(0x0A) : UInt8(0x09))
    }

    mutating func bool(_ value: Bool, last: Bool = false) {
        buffer.writeInteger(value ? UInt8(ascii: "t") : UInt8(ascii: "f"))
        buffer.writeInteger(last ? UInt8(0x0A) : UInt8(0x09))
    }

    /// Decimal digits without going through String.
    private mutating func writeDecimal(_ value: Int64) {
        if value == 0 {
            buffer.writeInteger(UInt8(ascii: "0"))
            return
        }
        var magnitude = value.magnitude
        if value < 0 { buffer.writeInteger(UInt8(ascii: "-")) }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { raw in
            while magnitude > 0 {
                raw[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
            for index in stride(from: count - 1, through: 0, by: -1) { buffer.writeInteger(raw[index]) }
        }
    }
}
