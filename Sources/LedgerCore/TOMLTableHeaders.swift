/// A check run on TOML text before the TOML parser sees it. The parser (toml++ through
/// TOMLKit) aborts the whole process, instead of reporting an error, on a table header whose
/// first key starts with a character that is neither bare nor a quote (`[한빛]`, `[[ @x ]]`,
/// a lone `[`):
/// found by fuzzing the vendor-profile loader. Such a header is reported here as a syntax
/// error with its line, so a typo in a config file is a config error (exit 64), not a crash.
public enum TOMLTableHeaders {
    /// "line N: ..." for the first such header, or nil.
    public static func problem(in text: String) -> String? {
        var line = 0
        var inMultilineString: [UInt8]?
        for raw in text.utf8.split(separator: 10, omittingEmptySubsequences: false) {
            line += 1
            let bytes = Array(raw)
            // Lines inside a multi-line string ("""...""" or '''...''') are text, not headers.
            var index = 0
            var quoteRuns = 0
            while index + 2 < bytes.count {
                let byte = bytes[index]
                if (byte == 34 || byte == 39) && bytes[index + 1] == byte && bytes[index + 2] == byte {
                    if inMultilineString == nil { inMultilineString = [byte] } else if inMultilineString == [byte] { inMultilineString = nil }
                    quoteRuns += 1
                    index += 3
                } else {
                    index += 1
                }
            }
            if quoteRuns > 0 || inMultilineString != nil { continue }
            var i = 0
            while i < bytes.count, bytes[i] == 32 || bytes[i] == 9 { i += 1 }
            guard i < bytes.count, bytes[i] == UInt8(ascii: "[") else { continue }
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "[") { i += 1 }
            while i < bytes.count, bytes[i] == 32 || bytes[i] == 9 { i += 1 }
            // "[" alone on its line aborts the parser too (found by the second fuzzing run).
            let first = i < bytes.count ? bytes[i] : 10
            let bare = (first >= 65 && first <= 90) || (first >= 97 && first <= 122) || (first >= 48 && first <= 57)
                || first == UInt8(ascii: "_") || first == UInt8(ascii: "-")
            if !bare && first != 34 && first != 39 {
                return "line \(line): a table name starts with a letter, digit, _ or -, or is quoted (write [\"한빛\"], not [한빛])"
            }
        }
        return nil
    }
}
