/// Masks a recipient for display and logs (VENDORS.md): `010-****-5678`, `k***@example.com`.
public enum RecipientMask {
    public static func mask(_ recipient: String) -> String {
        if let at = recipient.firstIndex(of: "@") {
            let local = recipient[..<at]
            guard let first = local.first else { return "***" + recipient[at...] }
            return String(first) + "***" + recipient[at...]
        }
        let digits = recipient.filter(\.isNumber)
        guard digits.count >= 7 else { return String(repeating: "*", count: max(digits.count, 1)) }
        // Keep the prefix (010, 02, +82 10) and the last four digits, masked in between.
        let last4 = digits.suffix(4)
        let prefixLength = digits.hasPrefix("02") ? 2 : 3
        let prefix = digits.prefix(prefixLength)
        let middle = digits.count - prefixLength - 4
        return "\(prefix)-\(String(repeating: "*", count: max(middle, 1)))-\(last4)"
    }
}
