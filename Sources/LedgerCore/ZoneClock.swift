import Foundation

/// Converts between instants and local dates in one time zone (an account's or a vendor's).
///
/// Asking Foundation for an offset is slow, and the ingest hot path asks millions of times, so
/// each answer is kept with the span of time it holds for: from the quarter hour it was asked
/// at (every zone's transitions fall on a quarter hour) to the zone's next transition.
public struct ZoneClock: Sendable {
    public let timeZone: TimeZone
    /// Spans [start, end) of UTC seconds with one offset, most recently used first.
    private var spans: [(start: Int64, end: Int64, offset: Int32)] = []

    public init(_ timeZone: TimeZone) { self.timeZone = timeZone }

    /// A clock for an IANA zone name ("Asia/Seoul", "America/New_York", "UTC").
    public init?(identifier: String) {
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        self.init(zone)
    }

    /// Seconds east of UTC at the instant.
    public mutating func offset(at instant: Instant) -> Int {
        let t = instant.secondsSinceEpoch
        for index in spans.indices where spans[index].start <= t && t < spans[index].end {
            if index > 0 { spans.swapAt(0, index) }
            return Int(spans[0].offset)
        }
        let slotStart = floorDiv(t, 900) * 900
        let date = Date(timeIntervalSince1970: TimeInterval(slotStart))
        let offset = timeZone.secondsFromGMT(for: date)
        var end = Int64.max
        if let next = timeZone.nextDaylightSavingTimeTransition(after: date) {
            end = max(Int64(next.timeIntervalSince1970.rounded(.down)), slotStart + 900)
        }
        // Spans asked for in order merge into one; the list stays short.
        if let first = spans.first, first.offset == Int32(offset), first.end == end, slotStart < first.start {
            spans[0].start = slotStart
        } else {
            spans.insert((slotStart, end, Int32(offset)), at: 0)
            if spans.count > 64 { spans.removeLast() }
        }
        return offset
    }

    /// The local date of an instant.
    public mutating func localDate(of instant: Instant) -> LocalDate {
        let local = instant.secondsSinceEpoch + Int64(offset(at: instant))
        return LocalDate(daysSinceEpoch: Int(floorDiv(local, 86_400)))
    }

    /// The instant of a local date and time. A time skipped by a forward transition resolves
    /// to the transition itself; a repeated one to its first occurrence.
    public mutating func instant(of date: LocalDate, secondOfDay: Int = 0) -> Instant {
        let naive = Instant(date: date).secondsSinceEpoch + Int64(secondOfDay)
        // Try the offsets in force around the naive time; the earliest that round-trips wins.
        let before = offset(at: Instant(secondsSinceEpoch: naive - 86_400))
        let after = offset(at: Instant(secondsSinceEpoch: naive + 86_400))
        var candidates: [Int64] = []
        for guess in Set([before, after]) {
            let t = naive - Int64(guess)
            if offset(at: Instant(secondsSinceEpoch: t)) == guess { candidates.append(t) }
        }
        if let earliest = candidates.min() { return Instant(secondsSinceEpoch: earliest) }
        // Skipped local time: the transition instant lies between the two guesses.
        var low = naive - Int64(max(before, after))
        var high = naive - Int64(min(before, after))
        let lowOffset = offset(at: Instant(secondsSinceEpoch: low))
        while high - low > 1 {
            let mid = low + (high - low) / 2
            if offset(at: Instant(secondsSinceEpoch: mid)) == lowOffset { low = mid } else { high = mid }
        }
        return Instant(secondsSinceEpoch: high)
    }

    /// The local start (00:00) of a date as an instant.
    public mutating func startOfDay(_ date: LocalDate) -> Instant { instant(of: date) }

    /// ISO 8601 text of an instant with this zone's offset at that moment.
    public mutating func iso8601(_ instant: Instant) -> String { instant.iso8601(offsetSeconds: offset(at: instant)) }
}
