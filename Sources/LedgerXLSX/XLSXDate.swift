/// Excel date serials. The 1900 system counts days from 1899-12-30 (so that serial 1 is
/// 1900-01-01 once Excel's phantom 1900-02-29, serial 60, is skipped); the 1904 system counts
/// from 1904-01-01.
public enum XLSXDate {
    /// Days from 1899-12-30 to 1970-01-01.
    static let epochOffset1900: Int64 = 25_569
    /// Days from 1904-01-01 to 1970-01-01.
    static let epochOffset1904: Int64 = 24_107

    /// Days from 1970-01-01 (proleptic Gregorian; Howard Hinnant's days_from_civil).
    public static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public static func civil(daysSince1970 days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}

/// A date and time read from a serial, to the second.
public struct XLSXDateTime: Hashable, Sendable, CustomStringConvertible {
    public var year: Int, month: Int, day: Int
    public var hour: Int, minute: Int, second: Int

    /// From a serial's text as written in the file ("45123", "45123.5"); nil if not a number
    /// or before the system's epoch.
    public init?(serial text: String, date1904: Bool = false) {
        guard let value = Double(text), value.isFinite, value >= 0, value < 2_958_466 else { return nil }
        let days = Int(value.rounded(.down))
        self.init(days: days, fraction: value - Double(days), date1904: date1904)
    }

    private init(days wholeDays: Int, fraction: Double, date1904: Bool) {
        var days = wholeDays
        var seconds = Int((fraction * 86_400).rounded())
        if seconds >= 86_400 { days += 1; seconds -= 86_400 }
        let since1970: Int
        if date1904 {
            since1970 = days - Int(XLSXDate.epochOffset1904)
        } else {
            // Excel treats 1900 as a leap year: serials below 61 are one day later than counted,
            // and 60 is the phantom 1900-02-29 (read as 1900-02-28 here, there is no such day).
            since1970 = (days < 61 ? days + 1 : days) - Int(XLSXDate.epochOffset1900) - (days == 60 ? 1 : 0)
        }
        (year, month, day) = XLSXDate.civil(daysSince1970: since1970)
        hour = seconds / 3600
        minute = seconds / 60 % 60
        second = seconds % 60
    }

    /// From a serial's bytes: plain decimals parsed by hand, anything else through Double.
    init?(serial bytes: UnsafeBufferPointer<UInt8>, date1904: Bool) {
        var whole = 0
        var i = 0
        while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57, i < 9 {
            whole = whole * 10 + Int(bytes[i] - 48)
            i += 1
        }
        var fraction = 0.0
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            var scale = 0.1
            while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 {
                fraction += Double(bytes[i] - 48) * scale
                scale *= 0.1
                i += 1
            }
        }
        if i != bytes.count || bytes.isEmpty {
            self.init(serial: String(decoding: bytes, as: UTF8.self), date1904: date1904)
            return
        }
        self.init(days: whole, fraction: fraction, date1904: date1904)
    }

    public var hasTime: Bool { hour != 0 || minute != 0 || second != 0 }

    /// The description's bytes, without building a String (CSV export).
    func append(to out: ByteBuffer) {
        @inline(__always) func two(_ v: Int) {
            out.append(UInt8(48 + v / 10))
            out.append(UInt8(48 + v % 10))
        }
        if year < 1000 || year > 9999 {
            out.append(string: description)
            return
        }
        two(year / 100)
        two(year % 100)
        out.append(UInt8(ascii: "-"))
        two(month)
        out.append(UInt8(ascii: "-"))
        two(day)
        guard hasTime else { return }
        out.append(UInt8(ascii: " "))
        two(hour)
        out.append(UInt8(ascii: ":"))
        two(minute)
        out.append(UInt8(ascii: ":"))
        two(second)
    }

    /// "2026-11-25" or "2026-11-25 13:45:00".
    public var description: String {
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        let date = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
        return hasTime ? date + " \(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))" : date
    }
}
