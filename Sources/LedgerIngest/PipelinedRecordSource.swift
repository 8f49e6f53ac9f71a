import Foundation

/// Reads another source on a second thread, a few batches of rows ahead, and hands them to
/// `read`'s caller on the caller's thread. Parsing, mapping and hashing rows (about a third of
/// an ingest's time) then overlap the store's writes on a machine with two cores. The queue
/// holds at most `depth` batches, so memory stays flat whatever the file's size.
///
/// `readBatches` also lets the caller prepare each row on the reading thread, so that per-record work the
/// store would otherwise do on the writing thread (local days, rollup keys, laying out the
/// values to bind) is done ahead of it; and batches the caller is done with go back to the
/// reading thread to be freed, since releasing a million records' strings costs as much as
/// making them.
///
/// When the caller's `consume` throws (a store error, an interruption), the reader is told to
/// stop and joined before `read` rethrows: the inner source, `add` and `finish` are never called
/// after `read` returns. An error of the inner source reaches the caller after every row read
/// before it, as it would without the second thread.
public final class PipelinedRecordSource: RecordSource, @unchecked Sendable {
    // @unchecked: `inner` is used by the reader thread only, between its start and the join in
    // `readBatches`; the queue and flags only under `condition`; `delivered` by the caller's
    // thread only.
    private let inner: RecordSource
    private let batchSize: Int
    private let depth: Int
    private let condition = NSCondition()
    private var queue: [(batch: Any, bytes: Int64)] = []
    /// Batches the caller is done with, freed by the reader thread.
    private var spent: [Any] = []
    private var readerDone = false
    private var readerError: (any Error)?
    private var stopRequested = false
    private var delivered: Int64 = 0

    public init(_ inner: RecordSource, batchSize: Int = 1024, depth: Int = 4) {
        self.inner = inner
        self.batchSize = batchSize
        self.depth = depth
    }

    /// Bytes of the rows handed to the caller so far.
    public var bytesRead: Int64 { delivered }

    public func read(_ emit: (RowResult) throws -> Void) throws {
        var rows: [RowResult] = []
        try readBatches(add: { rows.append($0) }, finish: {
            defer { rows = [] }
            return rows
        }) { (batch: [RowResult]) in
            try batch.withUnsafeBufferPointer { batch in
                for index in batch.indices { try emit(batch[index]) }
            }
        }
    }

    /// Reads the inner source in batches: on the reading thread `add` takes each row and
    /// `finish` makes the batch of the rows added since the last one; `consume` takes the
    /// batches in order on the caller's thread. With `direct`, a source that can (see
    /// `DirectRows`) hands its clean rows to it instead of `add`; they count into batches alike.
    public func readBatches<Batch>(add: @escaping (RowResult) throws -> Void, finish: @escaping () -> Batch,
                                   direct: DirectRows? = nil, _ consume: (Batch) throws -> Void) throws {
        let finished = DispatchSemaphore(value: 0)
        let work = UncheckedBox((add, finish, direct))
        let reader = Thread { [self] in
            produce(add: work.value.0, finish: work.value.1, direct: work.value.2)
            finished.signal()
        }
        // Deeply nested JSON recurses in the reader: give it a main-thread-sized stack.
        reader.stackSize = 8 << 20
        reader.start()
        defer {
            condition.lock()
            stopRequested = true
            condition.broadcast()
            condition.unlock()
            finished.wait()
            spent.removeAll()
        }
        while true {
            condition.lock()
            while queue.isEmpty && !readerDone { condition.wait() }
            guard !queue.isEmpty else {
                let error = readerError
                condition.unlock()
                if let error { throw error }
                return
            }
            let next = queue.removeFirst()
            condition.broadcast()
            condition.unlock()
            delivered = next.bytes
            try consume(next.batch as! Batch)
            condition.lock()
            spent.append(next.batch)
            condition.unlock()
        }
    }

    private struct Stopped: Error {}

    private func produce<Batch>(add: (RowResult) throws -> Void, finish: @escaping () -> Batch, direct: DirectRows?) {
        var count = 0
        var failure: (any Error)?
        if let direct, let source = inner as? DirectRowSource, source.acceptDirectRows(direct) {
            direct.taken = { [self] in
                count += 1
                if count >= batchSize {
                    try hand(finish())
                    count = 0
                }
            }
        }
        // `taken` holds this pipeline, which holds the source, which holds `direct`: cleared
        // when the file is read, so the three are freed.
        defer { direct?.taken = {} }
        do {
            try inner.read { row in
                try add(row)
                count += 1
                if count >= batchSize {
                    try hand(finish())
                    count = 0
                }
            }
            if count > 0 { try hand(finish()) }
        } catch is Stopped {
        } catch {
            failure = error
        }
        condition.lock()
        readerError = failure
        readerDone = true
        condition.broadcast()
        condition.unlock()
    }

    private func hand(_ batch: Any) throws {
        let bytes = inner.bytesRead
        condition.lock()
        while queue.count >= depth && !stopRequested { condition.wait() }
        if stopRequested {
            condition.unlock()
            throw Stopped()
        }
        queue.append((batch, bytes))
        condition.broadcast()
        var freed = spent
        spent = []
        condition.unlock()
        // Outside the lock: the caller's spent batches are released here, on this thread.
        freed.removeAll()
    }
}

/// Carries a value to the reader thread, which alone uses it until it is joined.
private struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
