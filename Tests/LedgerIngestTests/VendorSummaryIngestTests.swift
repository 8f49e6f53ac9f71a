import Foundation
import LedgerCore
import LedgerIngest
import LedgerStore
import Testing

@Suite("Vendor profiles: summary files are stored with the file")
struct VendorSummaryIngestTests {
    /// A day-template summary in CSV (KT Communis' list view, as text).
    private let profile = """
        vendor = "kt"
        kind = "summary"
        format = "csv"
        time_zone = "Asia/Seoul"
        [summary]
        grain = "day-template"
        [fields]
        day = { column = "전송일", time = "yyyy-MM-dd" }
        template = "템플릿코드"
        total = { column = "전체", number = true }
        success = "성공"
        failure = "실패"
        """

    private func ingest(_ ingestor: Ingestor, _ path: String, account: String?) throws -> FileReport.Outcome {
        try ingestor.ingest(path: path, format: try VendorProfile.parse(text: profile, file: "kt.toml").recordFormat,
                            accountFromFolder: account).outcome
    }

    @Test("rows are stored per account in the file's transaction; the same file again is a no-op; a corrected re-export replaces")
    func storeAndReplace() throws {
        let scratch = try Scratch()
        let store = try scratch.ledger()
        let ingestor = scratch.ingestor(store)
        let first = try scratch.write("list.csv", "전송일,템플릿코드,전체,성공,실패\n2026-10-14,T1,\"1,204\",1200,4\n2026-10-15,T1,3,3,0\n")
        guard case .ingested(let counts) = try ingest(ingestor, first, account: "acme") else { Issue.record("not ingested"); return }
        #expect(counts.rows == 2 && counts.inserted == 2 && counts.rejected == 0)
        // The same rows for another account are other facts.
        let other = try scratch.write("list-hanbit.csv", "전송일,템플릿코드,전체,성공,실패\n2026-10-14,T1,5,5,0\n")
        guard case .ingested(let otherCounts) = try ingest(ingestor, other, account: "hanbit") else { Issue.record("not ingested"); return }
        #expect(otherCounts.inserted == 1)
        var stored = try store.vendorSummaries(vendor: "kt")
        #expect(stored.map(\.account) == ["acme", "acme", "hanbit"])
        #expect(stored[0].grain == .dayTemplate(day: LocalDate("2026-10-14")!, template: "T1") && stored[0].total == 1204)
        #expect(stored[2].total == 5)
        let firstSHA = try FileDigest.sha256(path: first).hex
        #expect(stored[0].source.fileSHA256 == firstSHA && stored[0].source.row == 2)
        #expect(try store.ingestedFiles().count == 2)

        guard case .alreadyIngested = try ingest(ingestor, first, account: "acme") else { Issue.record("ingested twice"); return }

        // The vendor corrects one day: that row is replaced, the other one is left as it was.
        let corrected = try scratch.write("list-2.csv", "전송일,템플릿코드,전체,성공,실패\n2026-10-14,T1,1204,1201,3\n2026-10-15,T1,3,3,0\n")
        guard case .ingested(let again) = try ingest(ingestor, corrected, account: "acme") else { Issue.record("not ingested"); return }
        #expect(again.rows == 2 && again.inserted == 0 && again.updated == 1 && again.unchanged == 1)
        stored = try store.vendorSummaries(vendor: "kt")
        #expect(stored.count == 3)
        #expect(stored[0].success == 1201 && stored[0].failure == 3)
        #expect(stored[0].source.fileSHA256 == (try FileDigest.sha256(path: corrected).hex))
        #expect(stored[1].source.fileSHA256 == firstSHA)   // unchanged: the earlier source stays
    }

    @Test("a bad summary row is a reject naming the field; a summary without an account is one too; the rest is kept")
    func rejects() throws {
        let scratch = try Scratch()
        let store = try scratch.ledger()
        let ingestor = scratch.ingestor(store)
        let path = try scratch.write("list.csv", "전송일,템플릿코드,전체,성공,실패\n2026/10/14,T1,3,3,0\n2026-10-15,T1,many,3,0\n2026-10-16,T1,3,3,0\n")
        guard case .ingested(let counts) = try ingest(ingestor, path, account: "acme") else { Issue.record("not ingested"); return }
        #expect(counts.rows == 3 && counts.inserted == 1 && counts.rejected == 2)
        let rejects = try store.rejects()
        #expect(rejects.map(\.field) == ["day", "total"])
        #expect(rejects.map(\.value) == ["2026/10/14", "many"])
        #expect(rejects.map(\.row) == [2, 3])
        let noAccount = try scratch.write("b.csv", "전송일,템플릿코드,전체,성공,실패\n2026-10-16,T2,3,3,0\n")
        guard case .ingested(let none) = try ingest(ingestor, noAccount, account: nil) else { Issue.record("not ingested"); return }
        #expect(none.rejected == 1 && none.inserted == 0)
        #expect(try store.rejects().filter { $0.path == noAccount }.map(\.field) == ["account"])
    }
}

@Suite("Vendor profiles: derived ids counted in a window")
struct RepeatWindowTests {
    private let head = "발송 요청 일시,메시지 유형,메시지 본문,발신정보,수신번호,처리상태,발송 현황\n"

    private func sendonUTF8() throws -> VendorProfile {
        var profile = try VendorProfile.load(path: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("jobs/vendors/sendon.toml").path)
        profile.format = .csv(.init())
        return profile
    }

    private func ids(_ path: String, exact: Bool) throws -> [String] {
        var context = FileContext(path: path, sha256: "t", accountFromFolder: "acme", privacy: RecipientPrivacy(key: nil))
        context.exactRepeatCounts = exact
        let source = ProfileRecordSource(profile: try sendonUTF8(), source: try ByteSources.open(path: path), context: context)
        var ids: [String] = []
        try source.read { if case .record(let record) = $0 { ids.append(record.messageID) } }
        return ids
    }

    /// Rows an hour apart each, with a true repeat of every row an instant later in the file.
    private func rows(_ order: [Int]) -> String {
        head + order.map { hour in
            String(format: "2026-10-02 %02d:00:12,SMS,안내,02-1588-1234,010-2345-6789,처리완료,성공\n", hour)
        }.joined()
    }

    @Test("a report in time order (either way) gives the exact ids without keeping every count")
    func ordered() throws {
        let scratch = try Scratch()
        for order in [[1, 1, 2, 2, 3, 3, 3, 4], [4, 3, 3, 3, 2, 2, 1, 1]] {
            let path = try scratch.write("ordered.csv", rows(order))
            let windowed = try ids(path, exact: false)
            #expect(windowed == (try ids(path, exact: true)))
            #expect(Set(windowed).count == order.count)
            #expect(windowed.filter { $0.hasSuffix("-3") }.count == 1)
        }
    }

    @Test("a report out of time order beyond the window is refused by the window and read again exactly by the ingest")
    func unordered() throws {
        let scratch = try Scratch()
        let path = try scratch.write("unordered.csv", rows([1, 5, 1, 5]))
        #expect(throws: RepeatWindowExceeded.self) { _ = try ids(path, exact: false) }
        let exact = try ids(path, exact: true)
        #expect(Set(exact).count == 4 && exact[2].hasSuffix("-2"))
        let store = try scratch.ledger()
        guard case .ingested(let counts) = try scratch.ingestor(store).ingest(path: path, format: try sendonUTF8().recordFormat,
                                                                                accountFromFolder: "acme").outcome else {
            Issue.record("not ingested"); return
        }
        #expect(counts.inserted == 4 && counts.rejected == 0)
        #expect(try store.record(vendor: "sendon", messageID: exact[2]) != nil)
    }
}
