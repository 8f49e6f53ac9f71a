import Foundation
import LedgerBilling
import LedgerCore
import LedgerXLSX
import Testing
@testable import LedgerReports

/// A small statement as the billing engine's canonical JSON gives it: one SMS line over two
/// days that fall in two calendar months, 10 % VAT, KRW truncated.
func sampleStatement(locale: String = "ko") throws -> Statement {
    let json = """
        {"schema":"sendledger.statement/1","account":"acme","accountName":"Acme \\"에이크미\\"","locale":"\(locale)",
         "timeZone":"Asia/Seoul","plan":"standard","currency":"KRW","currencyDigits":0,"rounding":"truncate","vatRate":"0.1",
         "cycleStart":"2026-10-15","cycleEnd":"2026-11-15","revision":1,"asOf":"2026-11-18T15:00:00Z",
         "lines":[{"key":{"channel":"SMS","kind":"usage","entry":{"channel":"SMS","effectiveFrom":"2026-01-01"}},"per":"message",
                   "unitPrice":"9.9","messages":3,"units":3,"exact":"29.7","amount":"29",
                   "days":[{"day":"2026-10-31","messages":2,"units":2,"exact":"19.8","amount":"19"},
                           {"day":"2026-11-01","messages":1,"units":1,"exact":"9.9","amount":"10"}],
                   "pieces":[{"month":"2026-10","cycle":"2026-10-15","messages":2,"units":2,"exact":"19.8","amount":"19"},
                             {"month":"2026-11","cycle":"2026-10-15","messages":1,"units":1,"exact":"9.9","amount":"10"}]}],
         "adjustments":[],
         "channels":[{"channel":"SMS","sent":4,"delivered":3,"failed":1,"failedRefundable":1,"excluded":0,"pending":0,
                      "fallbackDelivered":0,"fallbackFailed":0,"uncertainBilled":0,"uncertainFree":0,"billedUnits":3,"amount":"29"}],
         "statusCounts":[],
         "bridge":[{"month":"2026-10","cycle":"2026-10-15","messages":2,"units":2,"exact":"19.8","amount":"19"},
                   {"month":"2026-11","cycle":"2026-10-15","messages":1,"units":1,"exact":"9.9","amount":"10"}],
         "daily":[{"day":"2026-10-31","messages":2,"units":2,"exact":"19.8","amount":"19"},
                  {"day":"2026-11-01","messages":1,"units":1,"exact":"9.9","amount":"10"}],
         "messages":4,"usageSubtotal":"29","adjustmentSubtotal":"0","subtotal":"29","vat":"2","total":"31"}
        """
    return try JSONDecoder().decode(Statement.self, from: Data(json.utf8))
}

/// `count` records, one a minute from 2026-10-31 10:00 KST; every fourth failed.
func sampleRecords(_ count: Int, throwingAfter limit: Int? = nil) -> RecordStream {
    { each in
        for i in 0..<count {
            if let limit, i == limit { throw CancellationError() }
            let failed = i % 4 == 3
            let record = DeliveryRecord(
                vendor: "sendon", account: "acme", messageID: "M-\(i)", batchID: "B1",
                sentAt: Instant(secondsSinceEpoch: 1_793_408_400 + Int64(i) * 60), channel: Channel(.sms),
                status: failed ? .failed : .delivered, refundable: failed, reasonCode: failed ? "3018" : nil,
                reasonText: failed ? "단말기 \"수신\" 불가,\n재시도" : nil, units: 1, category: "campaign:가을",
                sender: "02-1588-0000", recipient: i % 2 == 0 ? "010-1234-5678" : "010-****-5678")
            try each(record, LocalDate("2026-10-31")!)
        }
    }
}

func temporaryDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("ledgerreports-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func sheetRows(_ path: String) throws -> [String: [[String]]] {
    let reader = try XLSXReader(path: path)
    var out: [String: [[String]]] = [:]
    for sheet in reader.sheets {
        var rows: [[String]] = []
        try reader.forEachRow(sheet: .name(sheet.name)) { row in rows.append(row.cells.map { $0.text() }) }
        out[sheet.name] = rows
    }
    return out
}

@Suite("Statement workbooks and their JSONL twins")
struct StatementReportTests {
    @Test("Details past the row limit continue on new sheets, header repeated, every message once")
    func continuation() throws {
        let dir = try temporaryDirectory()
        // 40 rows a sheet (the Summary needs about 30): 100 messages take 39 + 39 + 22 rows.
        var report = StatementReport(statement: try sampleStatement(), records: sampleRecords(100))
        report.xlsxOptions.maxRowsPerSheet = 40
        let paths = try report.write(to: dir, formats: [.xlsx, .jsonl])
        #expect(paths == ["\(dir)/statement-r1.xlsx", "\(dir)/statement-r1.jsonl"])
        let reader = try XLSXReader(path: paths[0])
        #expect(reader.sheets.map(\.name) == ["요약", "월별 구간", "일별", "실패", "상세", "상세 (2)", "상세 (3)"])
        let sheets = try sheetRows(paths[0])
        var ids: [String] = []
        for (name, count) in [("상세", 40), ("상세 (2)", 40), ("상세 (3)", 23)] {
            let rows = try #require(sheets[name])
            #expect(rows.count == count, "\(name)")
            #expect(rows[0].first == "일자")
            ids += rows.dropFirst().map { $0[3] }
        }
        #expect(ids == (0..<100).map { "M-\($0)" })
        let jsonl = try String(contentsOfFile: paths[1], encoding: .utf8)
        #expect(jsonl.split(separator: "\n").filter { $0.hasPrefix(#"{"record":"detail""#) }.count == 100)
        #expect(sheets["실패"]?.count == 26, "25 failures under the header")
    }

    @Test("the Summary shows the lines, the totals and the closing figures; Daily and Bridge add up")
    func summary() throws {
        let dir = try temporaryDirectory()
        let path = try StatementReport(statement: try sampleStatement(), records: nil).write(to: dir, formats: [.xlsx])[0]
        let sheets = try sheetRows(path)
        #expect(Array(sheets.keys).sorted() == ["요약", "월별 구간", "일별"], "no per-message sheets without records")
        let summary = try #require(sheets["요약"])
        #expect(summary[0] == ["사용 명세서 — Acme \"에이크미\" (2026-10-15)"])
        #expect(summary.contains(["청구 기간 시작일", "2026-10-15"]))
        #expect(summary.contains(["부가세율", "0.1"]))
        #expect(summary.contains(["SMS", "usage", "2026-01-01", "message", "9.9", "3", "3", "29.7", "29"]))
        #expect(summary.contains(["합계", "", "", "", "", "3", "3", "29.7", "29"]))
        #expect(Array(summary.suffix(5)) == [["사용 소계", "29"], ["조정 소계", "0"], ["공급가액", "29"], ["부가세", "2"], ["청구 합계", "31"]])
        #expect(sheets["일별"]?.last == ["합계", "", "", "", "3", "3", "29.7", "29"])
        #expect(sheets["월별 구간"]?.dropFirst().map { $0[0] } == ["2026-10", "2026-11", "합계"])
    }

    @Test("English labels for an English account")
    func english() throws {
        let dir = try temporaryDirectory()
        let path = try StatementReport(statement: try sampleStatement(locale: "en"), records: sampleRecords(2)).write(to: dir, formats: [.xlsx])[0]
        #expect(try XLSXReader(path: path).sheets.map(\.name) == ["Summary", "Bridge", "Daily", "Failures", "Details"])
        #expect(try sheetRows(path)["Summary"]?.last == ["Total due", "31"])
    }

    @Test("the same statement gives the same bytes")
    func determinism() throws {
        var outputs: [[Data]] = []
        for _ in 0..<2 {
            let dir = try temporaryDirectory()
            let paths = try StatementReport(statement: try sampleStatement(), records: sampleRecords(9)).write(to: dir, formats: [.xlsx, .jsonl])
            outputs.append(try paths.map { try Data(contentsOf: URL(fileURLWithPath: $0)) })
        }
        #expect(outputs[0] == outputs[1])
    }

    @Test("a failed render leaves neither the file nor a temporary file; written files are 0640")
    func atomic() throws {
        let dir = try temporaryDirectory()
        for format in ReportFormat.allCases {
            #expect(throws: CancellationError.self) {
                try StatementReport(statement: try sampleStatement(), records: sampleRecords(10, throwingAfter: 6)).write(to: dir, formats: [format])
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == [])
        let paths = try StatementReport(statement: try sampleStatement(), records: sampleRecords(3)).write(to: dir + "/new/folder", formats: [.xlsx, .jsonl])
        for path in paths {
            #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o640)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/new/folder").sorted() == ["statement-r1.jsonl", "statement-r1.xlsx"])
    }

    @Test("JSONL: fields in the documented order, exact amounts as strings, text escaped, recipients masked")
    func jsonl() throws {
        let dir = try temporaryDirectory()
        let path = try StatementReport(statement: try sampleStatement(), records: sampleRecords(4)).write(to: dir, formats: [.jsonl])[0]
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix(#"{"record":"statement","schema":"sendledger.statement.jsonl/1","account":"acme","account_name":"Acme \"에이크미\"","#))
        #expect(lines[0].hasSuffix(#""usage_subtotal":"29","adjustment_subtotal":"0","subtotal":"29","vat":"2","total":"31"}"#))
        #expect(lines.contains(#"{"record":"line","channel":"SMS","kind":"usage","price_from":"2026-01-01","per":"message","unit_price":"9.9","messages":3,"units":3,"exact":"29.7","amount":"29"}"#))
        let failure = try #require(lines.first { $0.hasPrefix(#"{"record":"failure""#) })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(failure.utf8)) as? [String: Any])
        #expect(object["reason_text"] as? String == "단말기 \"수신\" 불가,\n재시도")
        #expect(object["sent_at"] as? String == "2026-10-31T10:03:00+09:00")
        #expect(object["refundable"] as? Bool == true)
        let details = lines.filter { $0.hasPrefix(#"{"record":"detail""#) }
        #expect(details.count == 4)
        #expect(details.allSatisfy { $0.contains(#""recipient":"010-****-5678""#) })
        #expect(!lines.joined().contains("1234"), "no full recipient anywhere")
    }
}

@Suite("Report building blocks")
struct ReportBlockTests {
    @Test("total rows add up exactly: counts, rounded money and exact amounts")
    func totals() throws {
        let table = ReportTable(record: "x", title: Label("x", "x"),
                                columns: [ReportColumn("name", Label("a", "a")), ReportColumn("n", Label("n", "n")),
                                          ReportColumn("amount", Label("m", "m")), ReportColumn("exact", Label("e", "e")),
                                          ReportColumn("note", Label("o", "o"))],
                                rows: [[.text("a"), .int(2), .money(Money(micros: 1_250_000), digits: 2), .exact(Money(micros: 9_900_000)), .text("x")],
                                       [.text("b"), .int(3), .money(Money(micros: 10_000), digits: 2), .exact(Money(micros: 1)), .null]],
                                totals: ["n", "amount", "exact"])
        #expect(try table.totalRow(label: "합계") == [.text("합계"), .int(5), .money(Money(micros: 1_260_000), digits: 2),
                                                     .exact(Money(micros: 9_900_001)), .null])
    }

    @Test("JSON strings escape quotes, backslashes and control characters and keep UTF-8", arguments: [
        ("plain", #""plain""#), ("a\"b\\c", #""a\"b\\c""#), ("줄\n바꿈\t탭", #""줄\n바꿈\t탭""#), ("\u{1}", #""\u0001""#),
        ("a/b", #""a/b""#),
    ])
    func escaping(text: String, json: String) {
        var out: [UInt8] = []
        JSONLWriter.appendString(text, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == json)
    }

    @Test("money keeps the currency's digits; exact amounts keep theirs", arguments: [
        (ReportValue.money(Money(micros: 12_500_000), digits: 2), #""12.50""#), (.money(Money(micros: -3_000_000), digits: 0), #""-3""#),
        (.exact(Money(micros: 7_900)), #""0.0079""#), (.int(-4), "-4"), (.null, "null"), (.bool(false), "false"),
        (.date(LocalDate("2028-02-29")!), #""2028-02-29""#),
        (.dateTime(Instant(secondsSinceEpoch: 1_793_408_400), offsetSeconds: -4 * 3600), #""2026-10-30T21:00:00-04:00""#),
    ])
    func values(value: ReportValue, json: String) {
        var out: [UInt8] = []
        JSONLWriter.append(value, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == json)
    }
}

@Suite("Excel's row limit")
struct RowLimitTests {
    @Test("a Details sheet past 1,048,576 rows continues on a second sheet (rows generated, not committed)")
    func excelLimit() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // 1,048,575 messages fill the first Details sheet under its header; 25 more go on.
        let count = 1_048_575 + 25
        let stream: RecordStream = { each in
            var record = DeliveryRecord(vendor: "v", account: "acme", messageID: "", sentAt: Instant(secondsSinceEpoch: 1_793_408_400),
                                        channel: Channel(.sms), status: .delivered)
            let day = LocalDate("2026-10-31")!
            for i in 0..<count {
                record.messageID = "M\(i)"
                try each(record, day)
            }
        }
        let path = try StatementReport(statement: try sampleStatement(), records: stream).write(to: dir, formats: [.xlsx])[0]
        let reader = try XLSXReader(path: path)
        #expect(reader.sheets.map(\.name).suffix(2) == ["상세", "상세 (2)"])
        var rows: [XLSXRow] = []
        try reader.forEachRow(sheet: .name("상세 (2)")) { rows.append($0) }
        #expect(rows.count == 26)
        #expect(rows.first?[0].text() == "일자")
        #expect(rows.dropFirst().first?[3].text() == "M1048575")
        #expect(rows.last?[3].text() == "M\(count - 1)")
    }
}
