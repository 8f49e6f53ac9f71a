import Foundation

/// Reads another source on a second thread, a few batches of rows ahead, and hands the rows to
/// `read`'s caller on the caller's thread. Parsing, mapping and hashing rows (about a third of
/// an ingest's time) then overlap the store's writes on a machine with two cores. The queue
/// holds at most `depth` batches, so memory stays flat whatever the file's size.
///
/// When the caller's `emit` throws (a store error, an interruption), the reader is told to stop
/// and joined before `read` rethrows: the inner source is never touched after `read` returns.
/// An error of the inner source reaches the caller after every row read before it, as it would
/// without the second thread.
public final class PipelinedRecordSource: RecordSource, @unchecked Sendable {
    // @unchecked: `inner` is used by the reader thread only, between its start and the join in
    // `read`; the queue and flags only under `condition`; `delivered` by the caller's thread only.
    private let inner: RecordSource
    private let batchSize: Int
    private let depth: Int
    private let condition = NSCondition()
    private var queue: [(rows: [RowResult], bytes: Int64)] = []
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
        let finished = DispatchSemaphore(value: 0)
        let reader = Thread { [self] in
            produce()
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
            let batch = queue.removeFirst()
            condition.broadcast()
            condition.unlock()
            delivered = batch.bytes
            for row in batch.rows { try emit(row) }
        }
    }

    private struct Stopped: Error {}

    private func produce() {
        var batch: [RowResult] = []
        batch.reserveCapacity(batchSize)
        var failure: (any Error)?
        do {
            try inner.read { row in
                batch.append(row)
                if batch.count >= batchSize {
                    try hand(batch)
                    batch = []
                    batch.reserveCapacity(batchSize)
                }
            }
            if !batch.isEmpty { try hand(batch) }
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

    private func hand(_ rows: [RowResult]) throws {
        let bytes = inner.bytesRead
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= depth && !stopRequested { condition.wait() }
        if stopRequested { throw Stopped() }
        queue.append((rows, bytes))
        condition.broadcast()
    }
}
