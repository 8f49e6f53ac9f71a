/// Masks a recipient for display and logs (VENDORS.md): `010-****-5678`, `k***@example.com`.
public enum RecipientMask {
    public static func mask(_ recipient: String) -> String {
        var recipient = recipient
        return recipient.withUTF8 { mask(utf8: $0) }
    }

    /// The same on bytes: the ingest hot path masks every row.
    public static func mask(utf8 bytes: UnsafeBufferPointer<UInt8>) -> String {
        if let at = bytes.firstIndex(of: UInt8(ascii: "@")) {
            guard at > 0 else { return "***" + String(decoding: bytes, as: UTF8.self) }
            // Keep the first character whole, even when it is not ASCII.
            var firstEnd = 1
            while firstEnd < at, bytes[firstEnd] & 0xC0 == 0x80 { firstEnd += 1 }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[0..<firstEnd]), as: UTF8.self) + "***"
                + String(decoding: UnsafeBufferPointer(rebasing: bytes[at...]), as: UTF8.self)
        }
        var digitCount = 0
        for byte in bytes where byte >= 48 && byte <= 57 { digitCount += 1 }
        guard digitCount >= 7 else { return String(repeating: "*", count: max(digitCount, 1)) }
        // Keep the prefix (010, 02, +82 10) and the last four digits, masked in between. Written
        // straight into the string's storage: every row of a file is masked.
        return String(unsafeUninitializedCapacity: digitCount + 4) { out in
            var digit = 0, length = 0, prefixLength = 3
            for byte in bytes where byte >= 48 && byte <= 57 {
                if digit == 1 && out[0] == 48 && byte == 50 { prefixLength = 2 }
                if digit < prefixLength {
                    out[length] = byte
                    length += 1
                    if digit == prefixLength - 1 {
                        out[length] = UInt8(ascii: "-")
                        length += 1
                        let stars = max(digitCount - prefixLength - 4, 1)
                        for _ in 0..<stars { out[length] = UInt8(ascii: "*"); length += 1 }
                        out[length] = UInt8(ascii: "-")
                        length += 1
                    }
                } else if digit >= digitCount - 4 {
                    out[length] = byte
                    length += 1
                }
                digit += 1
            }
            return length
        }
    }
}
