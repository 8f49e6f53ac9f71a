import Foundation
import Testing
@testable import LedgerXLSX
import TestSupport

@Suite("XLSX <-> CSV")
struct ConversionTests {
    @Test("CSV to XLSX: header bold and frozen, plain decimals as numbers, the rest text")
    func fromCSV() throws {
        let dir = try temporaryDirectory()
        let csv = dir.appendingPathComponent("usage report.csv").path
        let text = "\u{FEFF}name,amount,note,phone\r\n" +
            "SMS,1234,\"comma, inside\",01012345678\r\n" +
            "\"multi\nline\",-12.50,\"say \"\"hi\"\"\",007\n" +
            "=1+2,12345678901234567,+5,@x\r\n" +
            "trailing,,,\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: csv))
        let xlsx = dir.appendingPathComponent("out.xlsx").path
        let summary = try XLSXConversion.fromCSV(csv: csv, xlsxOutput: xlsx)
        #expect(summary == XLSXConversion.Summary(rows: 5, sheets: ["usage report"]))
        let rows = try readAll(xlsx, sheet: "usage report")
        #expect(rows.map(\.cells) == [
            [.string("name"), .string("amount"), .string("note"), .string("phone")],
            [.string("SMS"), .number("1234"), .string("comma, inside"), .string("01012345678")],
            [.string("multi\nline"), .number("-12.50"), .string("say \"hi\""), .string("007")],
            [.string("=1+2"), .string("12345678901234567"), .string("+5"), .string("@x")],
            [.string("trailing")],
        ])
        let archive = try ZipArchive(path: xlsx, limits: .default)
        let sheet = String(decoding: try archive.readAll(archive.entry(named: "xl/worksheets/sheet1.xml")!), as: UTF8.self)
        #expect(sheet.contains("state=\"frozen\""))
        #expect(sheet.contains("<c r=\"A1\" s=\"1\" t=\"s\">"))
        #expect(!sheet.contains("<f>"))
    }

    @Test("XLSX to CSV: RFC 4180 quoting, ISO dates, gaps kept as empty lines")
    func toCSV() throws {
        let dir = try temporaryDirectory()
        let xlsx = dir.appendingPathComponent("in.xlsx").path
        let w = try XLSXWriter(path: xlsx)
        try w.startSheet("First", options: .init(header: ["a", "b"]))
        try w.addRow([.text("x,y"), .money(micros: 1_500_000, digits: 2), .date(year: 2026, month: 2, day: 28)])
        try w.addRow([])
        try w.addRow([.text("q\"uote"), .bool(true), .dateTime(year: 2026, month: 1, day: 2, hour: 3, minute: 4, second: 5)])
        try w.startSheet("Second")
        try w.addRow([.text("second sheet")])
        try w.close()
        let csv = dir.appendingPathComponent("out.csv").path
        let summary = try XLSXConversion.toCSV(xlsx: xlsx, csvOutput: csv)
        #expect(summary == XLSXConversion.Summary(rows: 4, sheets: ["First"]))
        #expect(try String(contentsOfFile: csv, encoding: .utf8) ==
                "a,b\r\n\"x,y\",1.5,2026-02-28\r\n\r\n\"q\"\"uote\",TRUE,2026-01-02 03:04:05\r\n")
        try XLSXConversion.toCSV(xlsx: xlsx, sheet: "Second", csvOutput: csv)
        #expect(try String(contentsOfFile: csv, encoding: .utf8) == "second sheet\r\n")
        #expect(xlsxError { try XLSXConversion.toCSV(xlsx: xlsx, sheet: "Third", csvOutput: csv) }?.reason == .noSuchSheet("Third"))
    }

    @Test("CSV -> XLSX -> CSV gives back the same CSV, formula-looking text neutralized with '")
    func csvRoundTrip() throws {
        let dir = try temporaryDirectory()
        let csv = dir.appendingPathComponent("a.csv").path
        var g = SplitMix64(seed: 42)
        var lines: [String] = ["id,label,amount"]
        var expectedLines: [String] = ["id,label,amount"]
        for i in 0..<500 {
            let label = (0..<Int.random(in: 0...6, using: &g)).map { _ in ["a", " ", ",", "\"", "가", "\n", "=", "0"].randomElement(using: &g)! }.joined()
            func quoted(_ text: String) -> String {
                text.contains { $0 == "," || $0 == "\"" || $0 == "\n" } ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
            }
            let amount = "\(Int.random(in: -99_999...99_999, using: &g)).\(Int.random(in: 10...99, using: &g))"
            lines.append("\(i),\(quoted(label)),\(amount)")
            // Text to-csv writes back: a leading = gains a ' (numbers, even negative, do not).
            expectedLines.append("\(i),\(quoted(label.hasPrefix("=") ? "'" + label : label)),\(amount)")
        }
        let original = lines.joined(separator: "\r\n") + "\r\n"
        try Data(original.utf8).write(to: URL(fileURLWithPath: csv))
        let xlsx = dir.appendingPathComponent("a.xlsx").path
        try XLSXConversion.fromCSV(csv: csv, xlsxOutput: xlsx)
        let back = dir.appendingPathComponent("b.csv").path
        try XLSXConversion.toCSV(xlsx: xlsx, csvOutput: back)
        #expect(try String(contentsOfFile: back, encoding: .utf8) == expectedLines.joined(separator: "\r\n") + "\r\n")
    }

    @Test("an unterminated quote names its line")
    func badCSV() throws {
        let dir = try temporaryDirectory()
        let csv = dir.appendingPathComponent("bad.csv").path
        try Data("a,b\n1,\"open\n2,3\n".utf8).write(to: URL(fileURLWithPath: csv))
        let error = xlsxError { try XLSXConversion.fromCSV(csv: csv, xlsxOutput: dir.appendingPathComponent("x.xlsx").path) }
        #expect(error?.reason == .badCSV(line: 2, "quoted field never closed"))
    }

    @Test("which CSV fields become numbers", arguments: [
        ("0", true), ("-0.5", true), ("1234.50", true), ("007", false), ("01012345678", false), ("1e5", false),
        ("1,234", false), (".5", false), ("5.", false), ("+5", false), ("123456789012345", true), ("1234567890123456", false),
        ("0.000000000000001", true), ("", false), ("-", false),
    ])
    func numbers(text: String, isNumber: Bool) {
        #expect(XLSXConversion.isSafeNumber(text) == isNumber)
    }
}
