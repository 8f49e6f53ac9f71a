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
        var digits: [UInt8] = []
        digits.reserveCapacity(bytes.count)
        for byte in bytes where byte >= 48 && byte <= 57 { digits.append(byte) }
        guard digits.count >= 7 else { return String(repeating: "*", count: max(digits.count, 1)) }
        // Keep the prefix (010, 02, +82 10) and the last four digits, masked in between.
        let prefixLength = digits[0] == 48 && digits[1] == 50 ? 2 : 3
        let middle = digits.count - prefixLength - 4
        var out: [UInt8] = []
        out.reserveCapacity(digits.count + 2)
        out.append(contentsOf: digits[0..<prefixLength])
        out.append(UInt8(ascii: "-"))
        for _ in 0..<max(middle, 1) { out.append(UInt8(ascii: "*")) }
        out.append(UInt8(ascii: "-"))
        out.append(contentsOf: digits[(digits.count - 4)...])
        return String(decoding: out, as: UTF8.self)
    }
}
