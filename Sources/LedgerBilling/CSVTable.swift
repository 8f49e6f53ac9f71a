/// A small RFC 4180 reader for configuration CSV files (quoted fields, doubled quotes,
/// CRLF or LF, an optional UTF-8 BOM). Configuration files are small; no streaming needed.
struct CSVTable {
    let header: [String]
    /// Rows with their 1-based line-of-file row number (the header is row 1).
    let rows: [(row: Int, fields: [String])]

    init(text: String) throws(CSVSyntaxError) {
        var records: [[String]] = []
        var field = ""
        var record: [String] = []
        var inQuotes = false
        var afterQuote = false
        var scalars = Substring(text).unicodeScalars[...]
        if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }
        var iterator = scalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let p = pending { pending = nil; return p }
            return iterator.next()
        }
        while let c = next() {
            if inQuotes {
                if c == "\"" {
                    if let n = next() {
                        if n == "\"" { field.unicodeScalars.append("\"") } else { inQuotes = false; afterQuote = true; pending = n }
                    } else { inQuotes = false; afterQuote = true }
                } else {
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case ",":
                record.append(field); field = ""; afterQuote = false
            case "\r":
                break
            case "\n":
                record.append(field); field = ""; afterQuote = false
                records.append(record); record = []
            case "\"":
                guard field.isEmpty, !afterQuote else { throw CSVSyntaxError(row: records.count + 1, detail: "quote inside an unquoted field") }
                inQuotes = true
            default:
                guard !afterQuote else { throw CSVSyntaxError(row: records.count + 1, detail: "text after a closing quote") }
                field.unicodeScalars.append(c)
            }
        }
        if inQuotes { throw CSVSyntaxError(row: records.count + 1, detail: "unterminated quoted field") }
        if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
        guard let first = records.first else { throw CSVSyntaxError(row: 1, detail: "no header row") }
        header = first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var rows: [(Int, [String])] = []
        for (index, fields) in records.enumerated().dropFirst() {
            if fields.count == 1 && fields[0].trimmingCharacters(in: .whitespaces).isEmpty { continue }
            rows.append((index + 1, fields))
        }
        self.rows = rows
    }
}

struct CSVSyntaxError: Error {
    let row: Int
    let detail: String
}

import Foundation
