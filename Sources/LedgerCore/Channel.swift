/// How a message was delivered: a base channel and an optional sub-type after a colon
/// (`FRIENDTALK:IMAGE`). VENDORS.md lists the base channels.
public struct Channel: Hashable, Comparable, Sendable, CustomStringConvertible {
    public enum Base: String, Sendable, CaseIterable, Comparable {
        case sms = "SMS", lms = "LMS", mms = "MMS"
        case alimtalk = "ALIMTALK", friendtalk = "FRIENDTALK"
        case email = "EMAIL", call = "CALL", kakaoCounsel = "KAKAO_COUNSEL"

        public static func < (lhs: Base, rhs: Base) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }

        /// Kakao business messages, which a fallback SMS/LMS may replace.
        public var isKakao: Bool { self == .alimtalk || self == .friendtalk }
    }

    public let base: Base
    /// An upper-case sub-type such as `IMAGE` or `WIDE_IMAGE`, or nil.
    public let subtype: String?

    public init(_ base: Base, subtype: String? = nil) {
        self.base = base
        self.subtype = subtype
    }

    /// "SMS", "friendtalk:image" (case-insensitive); nil for an unknown base.
    public init?(_ text: some StringProtocol) {
        let trimmed = text.trimmingSpaces
        let parts = trimmed.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let base = Base(rawValue: parts[0].uppercased()) else { return nil }
        if parts.count == 2 {
            let subtype = parts[1].uppercased()
            guard !subtype.isEmpty, subtype.utf8.allSatisfy({ ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) || $0 == 95 }) else { return nil }
            self.init(base, subtype: subtype)
        } else {
            self.init(base)
        }
    }

    /// The channel without its sub-type.
    public var withoutSubtype: Channel { Channel(base) }

    public var description: String { subtype.map { "\(base.rawValue):\($0)" } ?? base.rawValue }

    public static func < (lhs: Channel, rhs: Channel) -> Bool {
        lhs.base != rhs.base ? lhs.base < rhs.base : (lhs.subtype ?? "") < (rhs.subtype ?? "")
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    var trimmingSpaces: Substring {
        let scalars = unicodeScalars
        var start = scalars.startIndex, end = scalars.endIndex
        while start < end, scalars[start] == " " || scalars[start] == "\t" { start = scalars.index(after: start) }
        while end > start, scalars[scalars.index(before: end)] == " " || scalars[scalars.index(before: end)] == "\t" { end = scalars.index(before: end) }
        return Substring(self[start..<end])
    }
}
