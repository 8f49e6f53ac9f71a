/// Which number formats make a number a date. Built-in ids from ECMA-376 Part 1, 18.8.30
/// (14-22), plus the East Asian built-ins (27-36, 50-58) that Korean and Japanese Excel use
/// for dates; custom format codes by their date and time tokens.
public enum XLSXNumberFormats {
    public static func isDate(builtinID id: Int) -> Bool {
        (14...22).contains(id) || (27...36).contains(id) || (45...47).contains(id) || (50...58).contains(id)
    }

    /// Whether a format code shows a date or time: any of d, m, y, h, s outside quoted text,
    /// escapes and bracketed parts (colours, locales, conditions) — except elapsed [h], [m], [s].
    public static func isDate(code: String) -> Bool {
        let lowered = code.lowercased()
        if lowered == "general" || lowered == "@" { return false }
        var inQuote = false
        var inBracket = false
        var bracket = ""
        var escaped = false
        // Only the first section (positive numbers) decides.
        for ch in lowered {
            if escaped { escaped = false; continue }
            if inQuote { if ch == "\"" { inQuote = false }; continue }
            if inBracket {
                if ch == "]" {
                    inBracket = false
                    if ["h", "hh", "m", "mm", "s", "ss"].contains(bracket) { return true }
                } else {
                    bracket.append(ch)
                }
                continue
            }
            switch ch {
            case "\"": inQuote = true
            case "\\", "_", "*": escaped = true
            case "[": inBracket = true; bracket = ""
            case ";": return false
            case "d", "m", "y", "h", "s": return true
            default: break
            }
        }
        return false
    }
}
