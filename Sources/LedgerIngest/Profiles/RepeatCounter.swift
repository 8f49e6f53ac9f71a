/// Counts repeats of a derived message key in one file (VENDORS.md: a true repeat — same
/// instant, recipient, channel and body — is another message, `-2`, `-3`...).
///
/// The key includes the usage instant, so a key can only repeat among rows of the same second.
/// Consoles export in time order (either way), so counts are kept for the seconds within
/// `windowSeconds` of the row being read and dropped behind it: memory follows the rows of a
/// window, not of the file. A row whose second lies where counts were already dropped (a report
/// out of time order by more than the window) is not guessed: `next` answers nil and the caller
/// reads the file again with `exact`, which keeps every count. Both ways give the same ids.
struct RepeatCounter {
    /// How far rows may stray from time order before the file is read again exactly.
    static let windowSeconds: Int64 = 600

    let exact: Bool
    private var counts: [UInt64: UInt32] = [:]
    /// First sightings (second, key) in arrival order; counts leave from the front.
    private var arrivals: [(second: Int64, key: UInt64)] = []
    private var head = 0
    /// Counts of seconds at or below / at or above these were dropped.
    private var droppedBelow = Int64.min
    private var droppedAbove = Int64.max
    private var lastSecond = Int64.min

    init(exact: Bool) { self.exact = exact }

    /// The occurrence of `key` (1 for its first row), or nil when its second's counts are gone.
    mutating func next(_ key: UInt64, second: Int64) -> UInt32? {
        if exact {
            let occurrence = (counts[key] ?? 0) + 1
            counts[key] = occurrence
            return occurrence
        }
        if second <= droppedBelow || second >= droppedAbove { return nil }
        if second != lastSecond {
            lastSecond = second
            drop(outside: second)
        }
        let occurrence = (counts[key] ?? 0) + 1
        counts[key] = occurrence
        if occurrence == 1 { arrivals.append((second, key)) }
        return occurrence
    }

    /// Drops counts from the front while their second is more than the window from `second`.
    private mutating func drop(outside second: Int64) {
        while head < arrivals.count {
            let oldest = arrivals[head]
            if oldest.second < second - Self.windowSeconds {
                droppedBelow = max(droppedBelow, oldest.second)
            } else if oldest.second > second + Self.windowSeconds {
                droppedAbove = min(droppedAbove, oldest.second)
            } else {
                break
            }
            counts[oldest.key] = nil
            head += 1
        }
        // Reuse the array's storage once most of it lies behind the head.
        if head > 4096 && head * 2 > arrivals.count {
            arrivals.removeFirst(head)
            head = 0
        }
    }
}

/// A report out of time order by more than `RepeatCounter.windowSeconds`: the ingest reads it
/// again with every repeat count kept (`FileContext.exactRepeatCounts`).
public struct RepeatWindowExceeded: Error, CustomStringConvertible {
    public let file: String
    public let row: Int
    public let windowSeconds: Int64
    public var description: String {
        "\(file):\(row): rows out of time order by more than \(windowSeconds) s; derived ids need every repeat count"
    }
}
