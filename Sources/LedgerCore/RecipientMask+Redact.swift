extension RecipientMask {
    /// Masks whatever looks like a recipient inside free text (a rejected line shown as
    /// evidence): runs of digits and dashes holding 9 or more digits (phone numbers; a date has
    /// 8) as `mask` does, and the local part of e-mail addresses (`k***@example.com`).
    public static func redact(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
        func isLocal(_ b: UInt8) -> Bool {
            isDigit(b) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 46 || b == 95 || b == 37 || b == 43 || b == 45
        }
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if isLocal(b) {
                // A word of address characters: an address's local part when '@' follows.
                var end = i
                while end < bytes.count, isLocal(bytes[end]) { end += 1 }
                if end < bytes.count, bytes[end] == UInt8(ascii: "@") {
                    out.append(b)
                    out.append(contentsOf: Array("***".utf8))
                    i = end
                    continue
                }
                // Otherwise digit-and-dash runs inside it that hold a phone number.
                var j = i
                while j < end {
                    guard isDigit(bytes[j]) || (bytes[j] == 43 && j + 1 < end && isDigit(bytes[j + 1])) else {
                        out.append(bytes[j])
                        j += 1
                        continue
                    }
                    var runEnd = j + (bytes[j] == 43 ? 1 : 0)
                    var digits = 0
                    while runEnd < end, isDigit(bytes[runEnd]) || bytes[runEnd] == 45 {
                        if isDigit(bytes[runEnd]) { digits += 1 }
                        runEnd += 1
                    }
                    if digits >= 9 {
                        out.append(contentsOf: Array(bytes[j..<runEnd].withUnsafeBufferPointer { mask(utf8: $0) }.utf8))
                    } else {
                        out.append(contentsOf: bytes[j..<runEnd])
                    }
                    j = runEnd
                }
                i = end
                continue
            }
            out.append(b)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
