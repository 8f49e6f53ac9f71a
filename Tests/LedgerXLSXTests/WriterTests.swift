import Foundation
import Testing
@testable import LedgerXLSX

@Suite("XLSX writer")
struct WriterTests {
    func write(_ name: String = "w.xlsx", options: XLSXWriterOptions = .init(),
               _ body: (XLSXWriter) throws -> Void) throws -> String {
        let path = try temporaryDirectory().appendingPathComponent(name).path
        let writer = try XLSXWriter(path: path, options: options)
        try body(writer)
        try writer.close()
        return path
    }

    /// Every part of the archive parses as XML with libxml2.
    func checkWellFormed(_ path: String) throws {
        let archive = try ZipArchive(path: path, limits: .default)
        for entry in archive.entries {
            let xml = try XMLStream(try archive.openEntry(entry), limits: .default, file: path)
            while try xml.read() {}
        }
    }

    @Test("money, decimals and integers are written exactly from micro-units")
    func exactNumbers() throws {
        let path = try write { w in
            try w.startSheet("Numbers")
            try w.addRow([.money(micros: 1_234_567_000_000, digits: 0), .money(micros: 9_990_000, digits: 2),
                          .decimal(micros: -7_900), .decimal(micros: 100_000_000_000_000_001), .integer(Int64.min),
                          .percent(micros: 123_400), .decimal(micros: 0), .integer(42)])
        }
        try checkWellFormed(path)
        let rows = try readAll(path)
        #expect(rows.map(\.cells) == [[.number("1234567"), .number("9.99"), .number("-0.0079"),
                                       .number("100000000000.000001"), .number("-9223372036854775808"),
                                       .number("0.1234"), .number("0"), .number("42")]])
    }

    @Test("text that looks like a formula stays text; controls and escapes survive", arguments: [
        "=SUM(A1:A9)", "+82 10-1234-5678", "-5", "@user", "tab\there", "bell\u{07}x", "cr\r\nlf", "_x0041_ literal",
        "  padded  ", "<tag> & \"quote\"", "한글 텍스트", "emoji 🎉", "\u{FFFE}\u{FFFF}",
    ])
    func textSurvives(text: String) throws {
        let path = try write { w in
            try w.startSheet("Text")
            try w.addRow([.text(text)])
        }
        try checkWellFormed(path)
        #expect(try readAll(path).first?.cells == [.string(text)])
        // Inline strings (beyond the shared table) round trip the same way.
        var options = XLSXWriterOptions()
        options.sharedStringLimit = 0
        let inline = try write("i.xlsx", options: options) { w in
            try w.startSheet("Text")
            try w.addRow([.text(text)])
        }
        #expect(try readAll(inline).first?.cells == [.string(text)])
    }

    @Test("dates and date-times are real serials")
    func dates() throws {
        let path = try write { w in
            try w.startSheet("Dates")
            try w.addRow([.date(year: 2026, month: 11, day: 25), .dateTime(year: 2026, month: 11, day: 25, hour: 13, minute: 45, second: 7),
                          .date(year: 1900, month: 1, day: 1), .date(year: 1900, month: 3, day: 1),
                          .dateTime(secondsSince1970: 0), .date(daysSince1970: 20_417)])
        }
        let cells = try readAll(path)[0].cells
        #expect(cells[0] == .date("46351"))
        #expect(cells[2] == .date("1"))
        #expect(cells[3] == .date("61"))
        #expect(cells[4] == .date("25569"))
        #expect(cells.map { $0.text() } == ["2026-11-25", "2026-11-25 13:45:07", "1900-01-01", "1900-03-01",
                                           "1970-01-01", "2025-11-25"])
    }

    @Test("sheet-name rules", arguments: [
        ("Summary", nil), ("", "empty"), (String(repeating: "x", count: 32), "longer than 31 characters"),
        ("a/b", "contains \"/\""), ("a[1]", "contains \"[\""), ("what?", "contains \"?\""), ("'quoted'", "starts or ends with an apostrophe"),
        ("History", "\"History\" is reserved by Excel"), ("월별 요약", nil),
    ] as [(String, String?)])
    func sheetNames(name: String, problem: String?) {
        #expect(XLSXSheetName.problem(name) == problem)
        #expect(XLSXSheetName.problem(XLSXSheetName.sanitized(name)) == nil)
    }

    @Test("duplicate sheet names are refused, ignoring case")
    func duplicateNames() throws {
        let path = try temporaryDirectory().appendingPathComponent("d.xlsx").path
        let w = try XLSXWriter(path: path)
        try w.startSheet("Data")
        #expect(xlsxError { try w.startSheet("DATA") }?.reason == .duplicateSheetName("DATA"))
        #expect(xlsxError { try w.startSheet("a:b") }?.reason == .invalidSheetName("a:b", why: "contains \":\""))
        try w.close()
    }

    @Test("past the row limit rows continue on a new sheet with the header repeated")
    func continuationSheets() throws {
        var options = XLSXWriterOptions()
        options.maxRowsPerSheet = 4
        let path = try write(options: options) { w in
            try w.startSheet("Details", options: .init(header: ["n"], autoFilter: true))
            for i in 1...7 { try w.addRow([.integer(i)]) }
            #expect(w.sheetNames == ["Details", "Details (2)", "Details (3)"])
        }
        let reader = try XLSXReader(path: path)
        #expect(reader.sheets.map(\.name) == ["Details", "Details (2)", "Details (3)"])
        #expect(try readAll(path, sheet: 0).map { $0.cells } == [[.string("n")], [.number("1")], [.number("2")], [.number("3")]])
        #expect(try readAll(path, sheet: 1).map { $0.cells } == [[.string("n")], [.number("4")], [.number("5")], [.number("6")]])
        #expect(try readAll(path, sheet: "Details (3)").map { $0.cells } == [[.string("n")], [.number("7")]])
        #expect(XLSXSheetName.continuation(of: String(repeating: "y", count: 31), 12) == String(repeating: "y", count: 26) + " (12)")
    }

    @Test("text over 32,767 characters is truncated with a warning, or refused")
    func longText() throws {
        let long = String(repeating: "가", count: 40_000)
        let path = try write { w in
            try w.startSheet("Long")
            try w.addRow([.text(long)])
        }
        #expect(try readAll(path)[0].cells == [.string(String(repeating: "가", count: 32_767))])
        var options = XLSXWriterOptions()
        options.longText = .refuse
        let dir = try temporaryDirectory()
        let w = try XLSXWriter(path: dir.appendingPathComponent("r.xlsx").path, options: options)
        try w.startSheet("Long")
        #expect(xlsxError { try w.addRow([.text(long)]) }?.reason == .cellTooLong(length: 40_000, limit: 32_767))
    }

    @Test("header bold, frozen pane, widths, autofilter with its defined name, landscape fit to width")
    func sheetFeatures() throws {
        let path = try write { w in
            try w.startSheet("It's wide", options: .init(header: ["a", "b", "c"], columnWidths: [12, nil, 30.5],
                                                          autoFilter: true, landscapeFitToWidth: true))
            try w.addRow([.text("x"), .integer(1), .money(micros: 1_500_000, digits: 2)])
            try w.startSheet("Plain")
            try w.addRow([.bool(true), .bool(false), .empty, .text("after gap")])
        }
        try checkWellFormed(path)
        let archive = try ZipArchive(path: path, limits: .default)
        let sheet = String(decoding: try archive.readAll(archive.entry(named: "xl/worksheets/sheet1.xml")!), as: UTF8.self)
        #expect(sheet.contains("<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>"))
        #expect(sheet.contains("<col min=\"1\" max=\"1\" width=\"12\" customWidth=\"1\"/><col min=\"3\" max=\"3\" width=\"30.5\" customWidth=\"1\"/>"))
        #expect(sheet.contains("<autoFilter ref=\"A1:C2\"/>"))
        #expect(sheet.contains("<pageSetup orientation=\"landscape\" fitToWidth=\"1\" fitToHeight=\"0\"/>"))
        #expect(sheet.contains("<c r=\"A1\" s=\"1\" t=\"s\">"))
        let workbook = String(decoding: try archive.readAll(archive.entry(named: "xl/workbook.xml")!), as: UTF8.self)
        #expect(workbook.contains("<definedName name=\"_xlnm._FilterDatabase\" localSheetId=\"0\" hidden=\"1\">'It''s wide'!$A$1:$C$2</definedName>"))
        #expect(try readAll(path, sheet: "Plain")[0].cells == [.bool(true), .bool(false), .empty, .string("after gap")])
    }

    @Test("the same workbook twice is the same bytes")
    func deterministic() throws {
        func make() throws -> Data {
            let path = try write { w in
                let custom = w.style(XLSXStyle(numberFormat: .custom("0.000"), bold: true))
                try w.startSheet("A", options: .init(header: ["h1", "h2"], autoFilter: true))
                for i in 0..<5_000 {
                    try w.addRow([.text("row \(i % 97)"), .decimal(micros: Int64(i) * 1_234, style: custom),
                                  .date(year: 2026, month: 1 + i % 12, day: 1)])
                }
                try w.startSheet("B")
                try w.addRow([.text("b")])
            }
            return try Data(contentsOf: URL(fileURLWithPath: path))
        }
        #expect(try make() == make())
    }

    @Test("memory stays bounded: the shared-string table stops growing at its limit")
    func boundedSharedStrings() throws {
        var options = XLSXWriterOptions()
        options.sharedStringLimit = 10
        let path = try write(options: options) { w in
            try w.startSheet("S")
            for i in 0..<50 { try w.addRow([.text("distinct \(i)"), .text("repeated")]) }
        }
        let archive = try ZipArchive(path: path, limits: .default)
        let sst = String(decoding: try archive.readAll(archive.entry(named: "xl/sharedStrings.xml")!), as: UTF8.self)
        #expect(sst.contains("uniqueCount=\"10\""))
        let rows = try readAll(path)
        #expect(rows.count == 50)
        #expect(rows[49].cells == [.string("distinct 49"), .string("repeated")])
    }

    @Test("a column of ids is written inline once its first 4,096 cells are all new; repeating columns stay shared")
    func uniqueColumnsGoInline() throws {
        let path = try write(options: XLSXWriterOptions()) { w in
            try w.startSheet("S")
            for i in 0..<10_000 { try w.addRow([.text("id-\(i)"), .text(["SMS", "LMS", "ALIMTALK"][i % 3])]) }
            try w.startSheet("T")
            for i in 0..<100 { try w.addRow([.text("later-\(i)")]) }
        }
        let archive = try ZipArchive(path: path, limits: .default)
        let sst = String(decoding: try archive.readAll(archive.entry(named: "xl/sharedStrings.xml")!), as: UTF8.self)
        // The first 4,096 ids, the three channels, then the next sheet's column starts shared again.
        #expect(sst.contains("uniqueCount=\"\(4096 + 3 + 100)\""))
        let rows = try readAll(path)
        #expect(rows.count == 10_000)
        #expect(rows[4095].cells == [.string("id-4095"), .string("SMS")])
        #expect(rows[9999].cells == [.string("id-9999"), .string("SMS")])
        #expect(try readAll(path, sheet: .index(1))[99].cells == [.string("later-99")])
    }
}
