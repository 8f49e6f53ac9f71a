import Foundation

/// Converts between instants and local dates in one time zone (an account's or a vendor's).
///
/// Offsets are cached per 15-minute slot of UTC: every zone's transitions fall on a quarter
/// hour, and the ingest hot path asks for the same few slots millions of times.
public struct ZoneClock: Sendable {
    public let timeZone: TimeZone
    private var offsetsBySlot: [Int64: Int32] = [:]

    public init(_ timeZone: TimeZone) { self.timeZone = timeZone }

    /// A clock for an IANA zone name ("Asia/Seoul", "America/New_York", "UTC").
    public init?(identifier: String) {
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        self.init(zone)
    }

    /// Seconds east of UTC at the instant.
    public mutating func offset(at instant: Instant) -> Int {
        let slot = floorDiv(instant.secondsSinceEpoch, 900)
        if let cached = offsetsBySlot[slot] { return Int(cached) }
        if offsetsBySlot.count > 100_000 { offsetsBySlot.removeAll(keepingCapacity: true) }
        let offset = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(slot * 900)))
        offsetsBySlot[slot] = Int32(offset)
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
