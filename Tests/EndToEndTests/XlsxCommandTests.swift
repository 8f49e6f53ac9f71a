import Foundation
import Testing

@Suite("End to end: xlsx to-csv and from-csv")
struct XlsxCommandTests {
    @Test("a CSV through from-csv and back through to-csv is the same text, formulas neutralized") func roundTrip() throws {
        let workspace = try Workspace(copySamples: false)
        let csv = "계정,건수,금액,메모\r\nacme,12,1234.5,\"쉼표, 그리고 \"\"따옴표\"\"\"\r\nhanbit,3,0.0079,=SUM(A1)\r\n"
        try workspace.write("in.csv", csv)
        let written = try workspace.run("xlsx", "from-csv", "in.csv", "out/in.xlsx")
        #expect(written.status == 0, "\(written.stderr)")
        let back = try workspace.run("xlsx", "to-csv", "out/in.xlsx", "out/back.csv")
        #expect(back.status == 0, "\(back.stderr)")
        // The same text, but for formula-looking text, which to-csv neutralizes with a ' (OWASP).
        let neutralized = csv.replacingOccurrences(of: ",=SUM(A1)", with: ",'=SUM(A1)")
        #expect(try String(contentsOfFile: workspace.path("out/back.csv"), encoding: .utf8) == neutralized)
        // To standard output as well; no temporary file is left beside the outputs.
        #expect(try workspace.run("xlsx", "to-csv", "out/in.xlsx").stdout == neutralized)
        #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.path("out")).sorted() == ["back.csv", "in.xlsx"])
    }

    @Test("a file that is not a workbook is a clear error, exit 65") func notAWorkbook() throws {
        let workspace = try Workspace(copySamples: false)
        try workspace.write("fake.xlsx", "this is not a zip file")
        let result = try workspace.run("xlsx", "to-csv", "fake.xlsx", "out.csv")
        #expect(result.status == 65)
        #expect(result.stderr.contains("fake.xlsx"))
        #expect(!FileManager.default.fileExists(atPath: workspace.path("out.csv")))
    }
}
