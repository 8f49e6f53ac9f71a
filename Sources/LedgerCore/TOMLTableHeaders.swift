/// A check run on TOML text before the TOML parser sees it. The parser (toml++ through
/// TOMLKit) aborts the whole process, instead of reporting an error, on a table header whose
/// first key starts with a character that is neither bare nor a quote (`[한빛]`, `[[ @x ]]`,
/// a lone `[`): found by fuzzing the vendor-profile loader. Such a header is reported here as
/// a syntax error with its line, so a typo in a config file is a config error (exit 64).
public enum TOMLTableHeaders {
    /// "line N: ..." for the first such header, or nil.
    public static func problem(in text: String) -> String? {
        var line = 0
        var multiline: UInt8?  // the quote of an open """ or ''' string
        for raw in text.utf8.split(separator: 10, omittingEmptySubsequences: false) {
            line += 1
            let bytes = Array(raw)
            let startsInString = multiline != nil
            // Track multi-line strings; quotes in one-line strings and comments do not count.
            var index = 0
            var single: UInt8?
            scan: while index < bytes.count {
                let byte = bytes[index]
                let triple = index + 2 < bytes.count && bytes[index + 1] == byte && bytes[index + 2] == byte
                if let open = multiline {
                    if byte == open && triple {
                        multiline = nil
                        index += 3
                        continue
                    }
                    if open == 34 && byte == 92 { index += 1 }
                } else if let quote = single {
                    if byte == quote { single = nil } else if quote == 34 && byte == 92 { index += 1 }
                } else if byte == 35 {
                    break scan
                } else if byte == 34 || byte == 39 {
                    if triple {
                        multiline = byte
                        index += 3
                        continue
                    }
                    single = byte
                }
                index += 1
            }
            if startsInString { continue }
            var i = 0
            while i < bytes.count, bytes[i] == 32 || bytes[i] == 9 { i += 1 }
            guard i < bytes.count, bytes[i] == UInt8(ascii: "[") else { continue }
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "[") { i += 1 }
            while i < bytes.count, bytes[i] == 32 || bytes[i] == 9 { i += 1 }
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
