import Foundation

/// Independent pieces of work spread over a few threads, results in input order.
enum ParallelWork {
    /// Runs `body` for every item on `workers` threads (the calling one among them). Results
    /// come back in the items' order. After a failure no new item starts; the failure of the
    /// earliest item that failed is rethrown, so the error does not depend on thread timing.
    static func map<Item: Sendable, Result: Sendable>(_ items: [Item], workers: Int,
                                                      _ body: @Sendable (Item) throws -> Result) throws -> [Result] {
        guard workers > 1, items.count > 1 else { return try items.map(body) }
        let state = State<Result>(count: items.count)
        DispatchQueue.concurrentPerform(iterations: min(workers, items.count)) { _ in
            while let index = state.next() {
                do {
                    state.finish(index, .success(try body(items[index])))
                } catch {
                    state.finish(index, .failure(error))
                }
            }
        }
        return try state.results()
    }

    private final class State<Result: Sendable>: @unchecked Sendable {
        // @unchecked: every field is read and written under `lock`.
        private let lock = NSLock()
        private var nextIndex = 0
        private var failed = false
        private var slots: [Swift.Result<Result, any Error>?]

        init(count: Int) { slots = Array(repeating: nil, count: count) }

        func next() -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard !failed, nextIndex < slots.count else { return nil }
            nextIndex += 1
            return nextIndex - 1
        }

        func finish(_ index: Int, _ result: Swift.Result<Result, any Error>) {
            lock.lock()
            defer { lock.unlock() }
            slots[index] = result
            if case .failure = result { failed = true }
        }

        func results() throws -> [Result] {
            lock.lock()
            defer { lock.unlock() }
            var values: [Result] = []
            values.reserveCapacity(slots.count)
            for slot in slots {
                switch slot {
                case .success(let value)?: values.append(value)
                case .failure(let error)?: throw error
                case nil: break  // not started after an earlier failure
                }
            }
            return values
        }
    }
}
