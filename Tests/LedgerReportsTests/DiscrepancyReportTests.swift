import Foundation
import LedgerBilling
import LedgerCore
import LedgerXLSX
import Testing
@testable import LedgerReports

@Suite("Discrepancy report")
struct DiscrepancyReportTests {
    static let json = """
        {"schema":"sendledger.discrepancies/1","vendor":"ktcommunis","rows":[
          {"vendor":"ktcommunis","account":"acme","grain":"day-template","key":"2026-10-15|TPL_A","measure":"total","summary":12,"detail":11,
           "difference":-1,"sourceFile":"ab12","sourceRow":3},
          {"vendor":"ktcommunis","grain":"day-template","key":"2026-10-16|TPL_B","measure":"failure","detail":2,"difference":2}]}
        """

    @Test("every difference is a row, with the vendor's figure, ours and the source; empty where the vendor has none")
    func rows() throws {
        let report = try JSONDecoder().decode(DiscrepancyReport.self, from: Data(Self.json.utf8))
        let dir = try temporaryDirectory()
        let paths = try DiscrepancyReportFile(runDate: LocalDate("2026-11-25")!, reports: [report])
            .write(to: DiscrepancyReportFile.directory(out: dir), formats: [.xlsx, .jsonl])
        #expect(paths == ["\(dir)/discrepancies/2026-11-25.xlsx", "\(dir)/discrepancies/2026-11-25.jsonl"])
        let sheets = try sheetRows(paths[0])
        #expect(sheets["불일치"] == [
            ["공급사", "계정 ID", "단위 구분", "키", "항목", "공급사 집계", "상세 집계", "차이", "원본 파일 (SHA-256)", "원본 행"],
            ["ktcommunis", "acme", "day-template", "2026-10-15|TPL_A", "total", "12", "11", "-1", "ab12", "3"],
            ["ktcommunis", "", "day-template", "2026-10-16|TPL_B", "failure", "", "2", "2"],
        ])
        let lines = try String(contentsOfFile: paths[1], encoding: .utf8).split(separator: "\n")
        #expect(lines.first == #"{"record":"discrepancies","schema":"sendledger.discrepancies.jsonl/1","run_date":"2026-11-25","vendors":1,"rows":2}"#)
        #expect(lines.last == #"{"record":"discrepancy","vendor":"ktcommunis","account":null,"grain":"day-template","key":"2026-10-16|TPL_B","measure":"failure","summary":null,"detail":2,"difference":2,"source_file":null,"source_row":null}"#)
    }
}
