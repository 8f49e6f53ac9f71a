import Foundation

/// Overlaps XML generation with deflate on a second core: the writer fills a buffer, hands it
/// over and keeps going on an emptied one while a worker thread runs CRC-32 and deflate.
/// Between entries the pipeline is drained, so the zip writer is only ever used by one thread
/// at a time.
final class DeflatePipeline: @unchecked Sendable {
    private let zip: ZipWriter
    private let condition = NSCondition()
    private var full: [ByteBuffer] = []
    private var free: [ByteBuffer] = []
    private var busy = false
    private var failure: XLSXError?
    private var stopping = false
    private var thread: Thread?

    init(zip: ZipWriter, bufferCount: Int = 3, bufferSize: Int) {
        self.zip = zip
        for _ in 0..<bufferCount { free.append(ByteBuffer(capacity: bufferSize)) }
        let thread = Thread { [self] in run() }
        thread.name = "sendledger.xlsx.deflate"
        self.thread = thread
        thread.start()
    }

    /// A fresh buffer to fill (blocks while all are in flight).
    func take() throws(XLSXError) -> ByteBuffer {
        condition.lock()
        defer { condition.unlock() }
        while free.isEmpty && failure == nil { condition.wait() }
        if let failure { throw failure }
        return free.removeLast()
    }

    func submit(_ buffer: ByteBuffer) throws(XLSXError) {
        condition.lock()
        defer { condition.unlock() }
        if let failure { throw failure }
        full.append(buffer)
        condition.broadcast()
    }

    /// Waits until every submitted buffer has gone through deflate.
    func drain() throws(XLSXError) {
        condition.lock()
        defer { condition.unlock() }
        while (!full.isEmpty || busy) && failure == nil { condition.wait() }
        if let failure { throw failure }
    }

    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while full.isEmpty && !stopping { condition.wait() }
            if full.isEmpty && stopping {
                // The thread's closure holds the pipeline: drop the thread so both can go.
                thread = nil
                condition.unlock()
                return
            }
            let buffer = full.removeFirst()
            busy = true
            condition.unlock()
            var error: XLSXError?
            do { try zip.write(buffer.bytes) } catch let e { error = e }
            buffer.removeAll()
            condition.lock()
            busy = false
            if let error, failure == nil { failure = error }
            free.append(buffer)
            condition.broadcast()
            condition.unlock()
        }
    }
}
