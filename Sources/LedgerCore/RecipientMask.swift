/// Masks a recipient for display and logs (VENDORS.md): `010-****-5678`, `k***@example.com`.
public enum RecipientMask {
    public static func mask(_ recipient: String) -> String {
        var recipient = recipient
        return recipient.withUTF8 { mask(utf8: $0) }
    }

    /// The same on bytes.
    public static func mask(utf8 bytes: UnsafeBufferPointer<UInt8>) -> String {
        var out: [UInt8] = []
        appendMask(utf8: bytes, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the masked form of a recipient's bytes: the ingest hot path masks every row.
    public static func appendMask(utf8 bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        if let at = bytes.firstIndex(of: UInt8(ascii: "@")) {
            guard at > 0 else {
                out.append(contentsOf: "***".utf8)
                out.append(contentsOf: bytes)
                return
            }
            // Keep the first character whole, even when it is not ASCII.
            var firstEnd = 1
            while firstEnd < at, bytes[firstEnd] & 0xC0 == 0x80 { firstEnd += 1 }
            out.append(contentsOf: bytes[0..<firstEnd])
            out.append(contentsOf: "***".utf8)
            out.append(contentsOf: bytes[at...])
            return
        }
        var digitCount = 0
        for byte in bytes where byte >= 48 && byte <= 57 { digitCount += 1 }
        guard digitCount >= 7 else {
            out.append(contentsOf: repeatElement(UInt8(ascii: "*"), count: max(digitCount, 1)))
            return
        }
        // Keep the prefix (010, 02, +82 10) and the last four digits, masked in between.
        var digit = 0, prefixLength = 3, first: UInt8 = 0
        for byte in bytes where byte >= 48 && byte <= 57 {
            if digit == 0 { first = byte }
            if digit == 1 && first == 48 && byte == 50 { prefixLength = 2 }
            if digit < prefixLength {
                out.append(byte)
                if digit == prefixLength - 1 {
                    out.append(UInt8(ascii: "-"))
                    out.append(contentsOf: repeatElement(UInt8(ascii: "*"), count: max(digitCount - prefixLength - 4, 1)))
                    out.append(UInt8(ascii: "-"))
                }
            } else if digit >= digitCount - 4 {
                out.append(byte)
            }
            digit += 1
        }
    }
}
