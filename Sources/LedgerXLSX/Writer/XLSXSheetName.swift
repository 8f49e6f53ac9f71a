/// Excel's sheet-name rules: 1 to 31 characters, none of `[ ] : * ? / \`, not starting or
/// ending with an apostrophe, not "History" (reserved), unique ignoring case.
public enum XLSXSheetName {
    public static let maxLength = 31
    static let forbidden: Set<Character> = ["[", "]", ":", "*", "?", "/", "\\"]

    /// Why `name` cannot be a sheet name, or nil if it can.
    public static func problem(_ name: String) -> String? {
        if name.isEmpty { return "empty" }
        if name.utf16.count > maxLength { return "longer than \(maxLength) characters" }
        if let bad = name.first(where: { forbidden.contains($0) }) { return "contains \"\(bad)\"" }
        if name.hasPrefix("'") || name.hasSuffix("'") { return "starts or ends with an apostrophe" }
        if name.lowercased() == "history" { return "\"History\" is reserved by Excel" }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 }) { return "contains a control character" }
        return nil
    }

    /// A valid name made from any text: forbidden characters become "_", apostrophes at the
    /// ends are dropped, the result is cut to 31 characters.
    public static func sanitized(_ text: String) -> String {
        var name = String(text.map { forbidden.contains($0) || ($0.asciiValue.map { $0 < 0x20 } ?? false) ? "_" : $0 })
        while name.hasPrefix("'") { name.removeFirst() }
        while name.hasSuffix("'") { name.removeLast() }
        name = truncated(name, to: maxLength)
        while name.hasSuffix("'") { name.removeLast() }
        if name.isEmpty || name.lowercased() == "history" { name = "Sheet" + (name.isEmpty ? "" : "_") }
        return name
    }

    /// The name of the `n`th sheet (2, 3, ...) continuing `base` past the row limit:
    /// "Details (2)", the base shortened so the whole fits in 31 characters.
    public static func continuation(of base: String, _ n: Int) -> String {
        let suffix = " (\(n))"
        var stem = truncated(base, to: maxLength - suffix.count)
        while stem.hasSuffix("'") { stem.removeLast() }
        return stem + suffix
    }

    static func truncated(_ text: String, to limit: Int) -> String {
        guard text.utf16.count > limit else { return text }
        var result = ""
        var used = 0
        for character in text {
            let n = character.utf16.count
            if used + n > limit { break }
            result.append(character)
            used += n
        }
        return result
    }
}
