/// A moment in time: whole seconds since 1970-01-01T00:00:00Z. Vendor reports give seconds.
public struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var secondsSinceEpoch: Int64

    public init(secondsSinceEpoch: Int64) { self.secondsSinceEpoch = secondsSinceEpoch }

    /// The instant at local date and time with the given offset from UTC.
    public init(date: LocalDate, hour: Int = 0, minute: Int = 0, second: Int = 0, offsetSeconds: Int = 0) {
        let days = Int64(date.daysSinceEpoch)
        secondsSinceEpoch = days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
    }

    public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.secondsSinceEpoch < rhs.secondsSinceEpoch }

    public func adding(seconds: Int64) -> Instant { Instant(secondsSinceEpoch: secondsSinceEpoch + seconds) }

    /// The UTC date of this instant.
    public var utcDate: LocalDate { LocalDate(daysSinceEpoch: Int(floorDiv(secondsSinceEpoch, 86_400))) }

    /// ISO 8601 in UTC: "2026-10-15T01:02:03Z".
    public var description: String { iso8601(offsetSeconds: 0) }

    /// ISO 8601 with the given offset: "2026-10-15T10:02:03+09:00".
    public func iso8601(offsetSeconds: Int) -> String {
        var bytes: [UInt8] = []
        appendISO8601(offsetSeconds: offsetSeconds, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `iso8601(offsetSeconds:)`'s bytes, appended.
    public func appendISO8601(offsetSeconds: Int, to out: inout [UInt8]) {
        let local = secondsSinceEpoch + Int64(offsetSeconds)
        LocalDate(daysSinceEpoch: Int(floorDiv(local, 86_400))).appendDescription(to: &out)
        let secondOfDay = Int(local - floorDiv(local, 86_400) * 86_400)
        out.append(UInt8(ascii: "T"))
        DecimalText.append(secondOfDay / 3600, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        DecimalText.append(secondOfDay / 60 % 60, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        DecimalText.append(secondOfDay % 60, width: 2, to: &out)
        if offsetSeconds == 0 {
            out.append(UInt8(ascii: "Z"))
        } else {
            let magnitude = abs(offsetSeconds)
            out.append(UInt8(ascii: offsetSeconds < 0 ? "-" : "+"))
            DecimalText.append(magnitude / 3600, width: 2, to: &out)
            out.append(UInt8(ascii: ":"))
            DecimalText.append(magnitude / 60 % 60, width: 2, to: &out)
        }
    }
}

@inline(__always)
func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

extension Instant {
    /// Parses ISO 8601 / RFC 3339 with an offset: "2026-10-15T10:02:03+09:00",
    /// "2026-10-15 10:02:03Z", fractional seconds ignored. Without an offset it returns nil
    /// unless `defaultOffset` is given (vendor-local times are resolved by the caller).
    public init?(iso8601 text: some StringProtocol) {
        var bytes = Array(text.utf8)
        guard let instant = bytes.withUnsafeMutableBufferPointer({ Instant.parseISO8601(UnsafeBufferPointer($0)) }) else { return nil }
        self = instant
    }

    /// The byte-level parser behind `init(iso8601:)`; readers call it on field bytes.
    public static func parseISO8601(_ b: UnsafeBufferPointer<UInt8>) -> Instant? {
        guard let (date, secondOfDay, offsetEnd) = parseLocalDateTime(b) else { return nil }
        var i = offsetEnd
        // Fractional seconds.
        if i < b.count, b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ",") {
            i += 1
            while i < b.count, b[i] >= 48, b[i] <= 57 { i += 1 }
        }
        guard i < b.count else { return nil }
        var offset = 0
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard let hours = twoDigits(b, i) else { return nil }
            i += 2
            if i < b.count, b[i] == UInt8(ascii: ":") { i += 1 }
            var minutes = 0
            if i < b.count {
                guard let m = twoDigits(b, i) else { return nil }
                minutes = m
                i += 2
            }
            guard hours <= 18, minutes < 60 else { return nil }
            offset = sign * (hours * 3600 + minutes * 60)
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        return Instant(secondsSinceEpoch: Int64(date.daysSinceEpoch) * 86_400 + Int64(secondOfDay) - Int64(offset))
    }

    /// "YYYY-MM-DD[T ]HH:MM[:SS]": the date, the second of the day, and where parsing stopped.
    static func parseLocalDateTime(_ b: UnsafeBufferPointer<UInt8>) -> (LocalDate, Int, Int)? {
        guard b.count >= 16, b[4] == 45, b[7] == 45, b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t") || b[10] == 32,
              b[13] == 58,
              let y1 = twoDigits(b, 0), let y2 = twoDigits(b, 2), let month = twoDigits(b, 5),
              let day = twoDigits(b, 8), let hour = twoDigits(b, 11), let minute = twoDigits(b, 14),
              let date = LocalDate(year: y1 * 100 + y2, month: month, day: day),
              hour < 24, minute < 60 else { return nil }
        var second = 0
        var i = 16
        if i < b.count, b[i] == 58 {
            guard let s = twoDigits(b, i + 1), s < 60 else { return nil }
            second = s
            i += 3
        }
        return (date, hour * 3600 + minute * 60 + second, i)
    }
}

@inline(__always)
func twoDigits(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
    guard i + 1 < b.count else { return nil }
    let d1 = Int(b[i]) - 48, d2 = Int(b[i + 1]) - 48
    guard (0...9).contains(d1), (0...9).contains(d2) else { return nil }
    return d1 * 10 + d2
}
