import Foundation
import Testing
@testable import LedgerXLSX

/// Files our writer makes, opened by openpyxl (PyPI) and LibreOffice headless (Debian), every
/// cell compared. When the program is missing the test records why and passes; CI installs
/// both (`pip install openpyxl`, `apt-get install libreoffice-calc-nogui`).
@Suite("Other programs open our files", .serialized)
struct InteropTests {
    /// The workbook both programs open: every cell type, formats, Korean text, a continuation.
    static func makeWorkbook(_ path: String) throws {
        var options = XLSXWriterOptions()
        options.maxRowsPerSheet = 10
        let w = try XLSXWriter(path: path, options: options)
        try w.startSheet("Summary", options: .init(header: ["채널", "KRW", "USD", "ratio", "day", "at", "ok", "note"],
                                                    columnWidths: [18, 12, 12], autoFilter: true, landscapeFitToWidth: true))
        try w.addRow([.text("SMS"), .money(micros: 1_234_567_000_000, digits: 0), .money(micros: 9_990_000, digits: 2),
                      .percent(micros: 123_400), .date(year: 2026, month: 11, day: 25),
                      .dateTime(year: 2026, month: 11, day: 25, hour: 13, minute: 45, second: 7), .bool(true), .text("=SUM(A1)")])
        try w.addRow([.text("카카오 알림톡"), .money(micros: -15_000_000, digits: 0), .money(micros: 1_500_000, digits: 2),
                      .percent(micros: 1_000_000), .date(year: 2024, month: 2, day: 29),
                      .dateTime(year: 1999, month: 12, day: 31, hour: 23, minute: 59, second: 59), .bool(false),
                      .text("tab\tand <&> \"q\"")])
        try w.addRow([])
        try w.addRow([.empty, .integer(42), .empty, .empty, .empty, .empty, .empty, .text("+82 -1 @x")])
        try w.startSheet("Details", options: .init(header: ["n", "text"]))
        for i in 1...12 { try w.addRow([.integer(i), .text("line \(i)\nnext")]) }
        try w.close()
    }

    static let openpyxlDump = #"""
import json, sys, datetime, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
out = {}
for ws in wb.worksheets:
    cells = {}
    for row in ws.iter_rows():
        for c in row:
            if c.value is None:
                continue
            v = c.value
            if isinstance(v, bool): v = "TRUE" if v else "FALSE"
            elif isinstance(v, datetime.datetime): v = v.isoformat(sep=" ")
            elif isinstance(v, float): v = repr(v)
            else: v = str(v)
            cells[c.coordinate] = [v, c.data_type, c.number_format, bool(c.font.b)]
    out[ws.title] = {"cells": cells, "freeze": ws.freeze_panes, "filter": ws.auto_filter.ref,
                     "widthA": ws.column_dimensions["A"].width, "landscape": ws.page_setup.orientation}
print(json.dumps(out, ensure_ascii=False, sort_keys=True))
"""#

    @Test("openpyxl reads every cell, format, the frozen header and the autofilter")
    func openpyxl() throws {
        let (python, reason) = pythonWithOpenpyxl()
        guard let python else {
            print("skipped: \(reason)")
            return
        }
        let dir = try temporaryDirectory()
        let path = dir.appendingPathComponent("ours.xlsx").path
        try Self.makeWorkbook(path)
        let script = dir.appendingPathComponent("dump.py").path
        try Self.openpyxlDump.write(toFile: script, atomically: true, encoding: .utf8)
        let result = try #require(run(python, [script, path]))
        try #require(result.status == 0, "\(result.error)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: [String: Any]])
        #expect(json.keys.sorted() == ["Details", "Details (2)", "Summary"])
        let summary = try #require(json["Summary"])
        #expect(summary["freeze"] as? String == "A2")
        #expect(summary["filter"] as? String == "A1:H5")
        #expect(summary["widthA"] as? Double == 18)
        #expect(summary["landscape"] as? String == "landscape")
        let cells = try #require(summary["cells"] as? [String: [Any]])
        func cell(_ ref: String) -> [String] {
            guard let c = cells[ref] else { return ["missing"] }
            return [c[0] as? String ?? "?", c[1] as? String ?? "?", c[2] as? String ?? "?", (c[3] as? Bool ?? false) ? "bold" : ""]
        }
        let expected: [String: [String]] = [
            "A1": ["채널", "s", "General", "bold"], "H1": ["note", "s", "General", "bold"],
            "A2": ["SMS", "s", "General", ""], "B2": ["1234567", "n", "#,##0", ""], "C2": ["9.99", "n", "#,##0.00", ""],
            "D2": ["0.1234", "n", "0.00%", ""], "E2": ["2026-11-25 00:00:00", "d", "yyyy-mm-dd", ""],
            "F2": ["2026-11-25 13:45:07", "d", "yyyy-mm-dd hh:mm:ss", ""], "G2": ["TRUE", "b", "General", ""],
            "H2": ["=SUM(A1)", "s", "General", ""],
            "A3": ["카카오 알림톡", "s", "General", ""], "B3": ["-15", "n", "#,##0", ""], "C3": ["1.5", "n", "#,##0.00", ""],
            "D3": ["1", "n", "0.00%", ""], "E3": ["2024-02-29 00:00:00", "d", "yyyy-mm-dd", ""],
            "F3": ["1999-12-31 23:59:59", "d", "yyyy-mm-dd hh:mm:ss", ""], "G3": ["FALSE", "b", "General", ""],
            "H3": ["tab\tand <&> \"q\"", "s", "General", ""],
            "B5": ["42", "n", "General", ""], "H5": ["+82 -1 @x", "s", "General", ""],
        ]
        #expect(cells.count == expected.count + 6) // plus B1...G1
        for (ref, want) in expected.sorted(by: { $0.key < $1.key }) {
            #expect(cell(ref) == want, "\(ref)")
        }
        let details = try #require(json["Details (2)"]?["cells"] as? [String: [Any]])
        #expect(details["A1"]?.first as? String == "n")
        #expect(details["A4"]?.first as? String == "12")
        #expect(details["B4"]?.first as? String == "line 12\nnext")
    }

    @Test("LibreOffice headless converts our workbook to CSV with every cell as shown")
    func libreOffice() throws {
        guard let soffice = which("soffice", "libreoffice") else {
            print("skipped: LibreOffice (soffice) not on PATH")
            return
        }
        let dir = try temporaryDirectory()
        let path = dir.appendingPathComponent("ours.xlsx").path
        try Self.makeWorkbook(path)
        // Separator, quote, UTF-8, first line, -, language, -, -, as shown, no formulas, -, all sheets.
        let filter = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"
        let result = try #require(run(soffice, ["--headless", "-env:UserInstallation=file://\(dir.path)/profile",
                                                "--convert-to", filter, "--outdir", dir.path, path]))
        try #require(result.status == 0, "\(result.output) \(result.error)")
        func sheet(_ name: String) throws -> [[String]] {
            let reader = try CSVReader(path: dir.appendingPathComponent("ours-\(name).csv").path)
            var rows: [[String]] = []
            while var row = try reader.next() {
                while row.last == "" { row.removeLast() }
                rows.append(row)
            }
            return rows
        }
        #expect(try sheet("Summary") == [
            ["채널", "KRW", "USD", "ratio", "day", "at", "ok", "note"],
            ["SMS", "1,234,567", "9.99", "12.34%", "2026-11-25", "2026-11-25 13:45:07", "TRUE", "=SUM(A1)"],
            ["카카오 알림톡", "-15", "1.50", "100.00%", "2024-02-29", "1999-12-31 23:59:59", "FALSE", "tab\tand <&> \"q\""],
            [],
            ["", "42", "", "", "", "", "", "+82 -1 @x"],
        ])
        let details = try sheet("Details (2)")
        #expect(details.count == 4)
        #expect(details.last == ["12", "line 12\nnext"])
    }
}
