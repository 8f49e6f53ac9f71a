import Foundation
import Testing
@testable import LedgerXLSX

/// Files written by other programs (made by Fixtures/make_fixtures.py), read by our reader.
@Suite("Reading files other programs wrote")
struct FixtureTests {
    typealias V = XLSXCellValue

    /// What openpyxl's book holds, row by row, as our reader sees it.
    func expectedData(date1904: Bool, when2: String, when3: String, row6: [V], note6: String) -> [XLSXRow] {
        let d = date1904 ? 1_462 : 0 // the 1904 system counts 1,462 days fewer
        return [
            XLSXRow(number: 1, cells: ["name", "amount", "ratio", "date", "when", "flag", "note"].map { V.string($0) }),
            XLSXRow(number: 2, cells: [.string("SMS"), .number("1234567"), .number("0.125"), .date("\(46_351 - d)"),
                                       .date(when2), .bool(true), .string("plain")]),
            XLSXRow(number: 3, cells: [.string("한글"), .number("-0.5"), .empty, .date("\(45_351 - d)"), .date(when3),
                                       .bool(false), .string("bold and plain")]),
            XLSXRow(number: 5, cells: [.empty, .number("42")]),
            XLSXRow(number: 6, cells: row6 + [.empty, .empty, .string(note6)]),
        ]
    }

    @Test("openpyxl: shared strings, rich text runs, dates from built-in and custom formats, gaps, hidden sheet")
    func openpyxl() throws {
        let path = fixture("openpyxl.xlsx")
        let reader = try XLSXReader(path: path)
        #expect(reader.sheets.map(\.name) == ["Data", "Second", "Hidden"])
        #expect(reader.sheets.map(\.visibility) == [.visible, .visible, .hidden])
        #expect(!reader.date1904)
        // openpyxl stores formulas without cached values; they read as empty. It does not
        // escape "_x0041_", so Excel (and we) read it as "A".
        #expect(try readAll(path) == expectedData(date1904: false, when2: "46351.57299768519", when3: "36525.99998842592",
                                                  row6: [.empty, .empty, .empty, .empty], note6: "line1\nline2 A <&>"))
        #expect(try readAll(path, sheet: "Second") == [XLSXRow(number: 1, cells: [.string("only"), .empty, .number("3.25")])])
        #expect(try readAll(path, sheet: "hidden") == [XLSXRow(number: 1, cells: [.string("secret")])])
        let row2 = try readAll(path)[1]
        #expect(row2[3].text() == "2026-11-25")
        #expect(row2[4].text() == "2026-11-25 13:45:07")
    }

    @Test("the 1904 date system")
    func date1904() throws {
        let path = fixture("openpyxl-1904.xlsx")
        let reader = try XLSXReader(path: path)
        #expect(reader.date1904)
        let rows = try readAll(path)
        #expect(rows == expectedData(date1904: true, when2: "44889.57299768519", when3: "35063.99998842592",
                                     row6: [.empty, .empty, .empty, .empty], note6: "line1\nline2 A <&>"))
        #expect(rows[1][3].text(date1904: true) == "2026-11-25")
        #expect(rows[2][4].text(date1904: true) == "1999-12-31 23:59:59")
    }

    @Test("LibreOffice: cached values of number, string, error and boolean formulas")
    func libreOffice() throws {
        let path = fixture("libreoffice.xlsx")
        #expect(try readAll(path) == expectedData(
            date1904: false, when2: "46351.5729976852", when3: "36525.9999884259",
            row6: [.number("2469134"), .string("SMSx"), .error("#DIV/0!"), .bool(true)], note6: "line1\nline2 _x0041_ <&>"))
        #expect(try XLSXReader(path: path).sheets.map(\.name) == ["Data", "Second", "Hidden"])
    }

    @Test("libxlsxwriter constant-memory mode: inline strings")
    func libxlsxwriter() throws {
        let rows = try readAll(fixture("libxlsxwriter.xlsx"), sheet: "Stream")
        #expect(rows.map(\.number) == [1, 2, 3, 4, 6])
        #expect(rows[2].cells == [.number("2"), .string("둘"), .number("3"), .date("46024")])
        #expect(rows[4].cells == [.empty, .empty, .empty, .empty, .bool(true)])
        #expect(rows[3][3].text() == "2026-01-03")
    }

    @Test("a sheet that does not exist")
    func noSuchSheet() throws {
        let reader = try XLSXReader(path: fixture("openpyxl.xlsx"))
        #expect(xlsxError { _ = try reader.rows(sheet: "Nope") }?.reason == .noSuchSheet("Nope"))
        #expect(xlsxError { _ = try reader.rows(sheet: 9) }?.reason == .noSuchSheet("#9"))
    }

    @Test("date format detection", arguments: [
        ("yyyy-mm-dd", true), ("dd/mm/yyyy hh:mm:ss", true), ("[$-412]yyyy-mm-dd AM/PM h:mm:ss", true),
        ("yyyy\"년\" m\"월\" d\"일\"", true), ("[h]:mm", true), ("#,##0", false), ("0.00%", false), ("General", false),
        ("\"days\" 0", false), ("[Red]#,##0.00", false), ("0.00E+00", false), ("#,##0_);(#,##0)", false), ("@", false),
    ])
    func dateFormats(code: String, isDate: Bool) {
        #expect(XLSXNumberFormats.isDate(code: code) == isDate)
    }
}

@Suite("Reading unusual but valid XML")
struct HandmadeFixtureTests {
    @Test("prefixed elements, rows and cells without references, ISO dates, CDATA, phonetic runs, absolute targets")
    func handmade() throws {
        let path = fixture("handmade.xlsx")
        let reader = try XLSXReader(path: path)
        #expect(reader.sheets.map(\.name) == ["Prefixed"])
        #expect(reader.sheets.first?.part == "xl/worksheets/Data.xml")
        #expect(try readAll(path) == [
            XLSXRow(number: 1, cells: [.string("first"), .string("rich "), .string("2026-11-25T10:00:00")]),
            XLSXRow(number: 2, cells: [.string("first!"), .number("12.5"), .string("inline")]),
            XLSXRow(number: 5, cells: [.empty, .empty, .error("#N/A"), .bool(false)]),
        ])
    }
}
