import Foundation

/// Inflates an entry ahead of its reader on a thread of its own: a few 256 KiB chunks wait
/// while the parser works on the last one, so inflate and CRC-32 run on the second core.
final class ZipPrefetcher: @unchecked Sendable {
    static let chunkSize = 1 << 18
    private let stream: ZipEntryStream
    private let condition = NSCondition()
    private var ready: [(UnsafeMutablePointer<UInt8>, Int)] = []
    private var free: [UnsafeMutablePointer<UInt8>] = []
    private var all: [UnsafeMutablePointer<UInt8>] = []
    private var ended = false
    private var failure: XLSXError?
    private var cancelled = false
    private var running = false
    private var started = false

    init(_ stream: ZipEntryStream, buffers: Int = 4) {
        self.stream = stream
        for _ in 0..<buffers {
            let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: Self.chunkSize)
            free.append(buffer)
            all.append(buffer)
        }
    }

    deinit {
        for buffer in all { buffer.deallocate() }
    }

    /// Stops the thread and waits for it, so no buffer is in use when this object goes.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while running { condition.wait() }
        condition.unlock()
    }

    /// The next chunk (hand it back with `recycle`); nil at the end of the entry.
    func take() throws(XLSXError) -> (UnsafeMutablePointer<UInt8>, Int)? {
        condition.lock()
        defer { condition.unlock() }
        if !started {
            started = true
            running = true
            let thread = Thread { [self] in run() }
            thread.name = "sendledger.xlsx.inflate"
            thread.start()
        }
        while ready.isEmpty && !ended && failure == nil { condition.wait() }
        if !ready.isEmpty { return ready.removeFirst() }
        if let failure { throw failure }
        return nil
    }

    func recycle(_ buffer: UnsafeMutablePointer<UInt8>) {
        condition.lock()
        free.append(buffer)
        condition.broadcast()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while free.isEmpty && !cancelled { condition.wait() }
            if cancelled {
                running = false
                condition.broadcast()
                condition.unlock()
                return
            }
            let buffer = free.removeLast()
            condition.unlock()
            var filled = 0
            var failed: XLSXError?
            do {
                while filled < Self.chunkSize {
                    let n = try stream.read(into: buffer + filled, capacity: Self.chunkSize - filled)
                    if n == 0 { break }
                    filled += n
                }
            } catch let error { failed = error }
            condition.lock()
            if filled > 0 { ready.append((buffer, filled)) } else { free.append(buffer) }
            let done = failed != nil || filled < Self.chunkSize
            if let failed { failure = failed }
            if done {
                ended = true
                running = false
            }
            condition.broadcast()
            condition.unlock()
            if done { return }
        }
    }
}
