import Foundation
import LedgerCore
import LedgerXLSX

/// A vendor time format parsed over bytes: a pattern of `yyyy yy MM M dd d HH H mm ss SSS`
/// and literal characters (`yyyy.MM.dd HH:mm`), or `iso8601` (with an offset), `excel` (a
/// date serial), `epoch` / `epoch_ms`. Local times are resolved in the profile's zone.
struct TimeParser {
    enum Token: Equatable {
        case year4, year2, month, day, hour, minute, second, fraction
        case literal(UInt8)
        case spaces
    }
    enum Mode: Equatable { case pattern([Token]), iso8601, excel, epoch, epochMillis }

    let mode: Mode
    let format: String

    init?(format: String) {
        self.format = format
        switch format.lowercased() {
        case "iso8601": mode = .iso8601; return
        case "excel": mode = .excel; return
        case "epoch": mode = .epoch; return
        case "epoch_ms": mode = .epochMillis; return
        default: break
        }
        var tokens: [Token] = []
        let chars = Array(format.utf8)
        var i = 0
        var sawYear = false, sawMonth = false, sawDay = false
        func run(_ c: UInt8) -> Int {
            var n = 0
            while i + n < chars.count && chars[i + n] == c { n += 1 }
            return n
        }
        while i < chars.count {
            let c = chars[i]
            let n = run(c)
            switch c {
            case UInt8(ascii: "y"):
                guard n == 4 || n == 2 else { return nil }
                tokens.append(n == 4 ? .year4 : .year2); sawYear = true
            case UInt8(ascii: "M"): guard n <= 2 else { return nil }; tokens.append(.month); sawMonth = true
            case UInt8(ascii: "d"): guard n <= 2 else { return nil }; tokens.append(.day); sawDay = true
            case UInt8(ascii: "H"): guard n <= 2 else { return nil }; tokens.append(.hour)
            case UInt8(ascii: "m"): guard n <= 2 else { return nil }; tokens.append(.minute)
            case UInt8(ascii: "s"): guard n <= 2 else { return nil }; tokens.append(.second)
            case UInt8(ascii: "S"): tokens.append(.fraction)
            case UInt8(ascii: " "): tokens.append(.spaces)
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): return nil
            default:
                for _ in 0..<n { tokens.append(.literal(c)) }
            }
            i += n
        }
        guard sawYear, sawMonth, sawDay else { return nil }
        mode = .pattern(tokens)
    }

    /// The local date and second of day, or an instant when the text carries its own offset.
    enum Parsed { case local(LocalDate, Int), instant(Instant) }

    func parse(_ b: UnsafeBufferPointer<UInt8>) -> Parsed? {
        switch mode {
        case .iso8601:
            if let instant = Instant.parseISO8601(b) { return .instant(instant) }
            // Without an offset: a local time in the profile's zone.
            return Self.localISO(b)
        case .excel:
            return Self.excel(String(decoding: b, as: UTF8.self))
        case .epoch, .epochMillis:
            guard let value = b.integer else { return nil }
            return .instant(Instant(secondsSinceEpoch: mode == .epoch ? value : Self.floorDiv(value, 1000)))
        case .pattern(let tokens):
            return Self.parse(b, tokens)
        }
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// A spreadsheet date serial (1900 system) as a local date and time.
    static func excel(_ text: String, date1904: Bool = false) -> Parsed? {
        guard let dt = XLSXDateTime(serial: text, date1904: date1904),
              let date = LocalDate(year: dt.year, month: dt.month, day: dt.day) else { return nil }
        return .local(date, dt.hour * 3600 + dt.minute * 60 + dt.second)
    }

    static func parse(_ b: UnsafeBufferPointer<UInt8>, _ tokens: [Token]) -> Parsed? {
        var i = 0
        var year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0
        func digits(max: Int, min: Int = 1) -> Int? {
            var value = 0, n = 0
            while n < max, i < b.count, b[i] >= 48, b[i] <= 57 {
                value = value * 10 + Int(b[i] - 48)
                i += 1; n += 1
            }
            return n >= min ? value : nil
        }
        for token in tokens {
            switch token {
            case .year4: guard let v = digits(max: 4, min: 4) else { return nil }; year = v
            case .year2: guard let v = digits(max: 2, min: 2) else { return nil }; year = 2000 + v
            case .month: guard let v = digits(max: 2) else { return nil }; month = v
            case .day: guard let v = digits(max: 2) else { return nil }; day = v
            case .hour: guard let v = digits(max: 2) else { return nil }; hour = v
            case .minute: guard let v = digits(max: 2) else { return nil }; minute = v
            case .second: guard let v = digits(max: 2) else { return nil }; second = v
            case .fraction: guard digits(max: 9) != nil else { return nil }
            case .literal(let c):
                guard i < b.count, b[i] == c else { return nil }
                i += 1
            case .spaces:
                guard i < b.count, b[i] == 32 || b[i] == 84 else { return nil }
                while i < b.count, b[i] == 32 { i += 1 }
            }
        }
        guard i == b.count, hour < 24, minute < 60, second < 60, let date = LocalDate(year: year, month: month, day: day) else { return nil }
        return .local(date, hour * 3600 + minute * 60 + second)
    }
}

extension TimeParser {
    /// The local forms a date cell or an offset-less ISO time takes.
    static let localForms: [[Token]] = ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.SSS", "yyyy-MM-dd HH:mm", "yyyy-MM-dd"].map {
        guard case .pattern(let tokens) = TimeParser(format: $0)!.mode else { fatalError() }
        return tokens
    }

    /// "YYYY-MM-DD[T ]HH:MM[:SS[.fff]]" or "YYYY-MM-DD" (midnight) as a local time.
    static func localISO(_ b: UnsafeBufferPointer<UInt8>) -> Parsed? {
        for tokens in localForms { if let parsed = parse(b, tokens) { return parsed } }
        return nil
    }
}

/// Local date and time to an instant in one zone, fast for the common case: a day without a
/// transition is one subtraction (the offset is cached for the last day seen).
struct ZoneResolver {
    private var clock: ZoneClock
    /// Per local day: its start as an instant, and whether the day has no transition.
    private var days: [Int: (start: Int64, uniform: Bool)] = [:]
    private var lastDay = Int.min
    private var last: (start: Int64, uniform: Bool) = (0, false)

    init(zone: TimeZone) { clock = ZoneClock(zone) }

    mutating func instant(_ date: LocalDate, _ secondOfDay: Int) -> Instant {
        let key = date.daysSinceEpoch
        if key != lastDay {
            if let known = days[key] {
                last = known
            } else {
                let start = clock.instant(of: date).secondsSinceEpoch
                let next = clock.instant(of: date.adding(days: 1)).secondsSinceEpoch
                last = (start, next - start == 86_400)
                if days.count > 20_000 { days.removeAll(keepingCapacity: true) }
                days[key] = last
            }
            lastDay = key
        }
        if last.uniform { return Instant(secondsSinceEpoch: last.start + Int64(secondOfDay)) }
        return clock.instant(of: date, secondOfDay: secondOfDay)
    }

    mutating func localDate(of instant: Instant) -> LocalDate { clock.localDate(of: instant) }
}
