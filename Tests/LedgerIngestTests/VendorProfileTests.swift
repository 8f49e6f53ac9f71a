import Foundation
import LedgerCore
import LedgerIngest
import LedgerStore
import Testing

/// The repository root (profiles in jobs/vendors, samples in samples/inbox).
private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/vendors")

private func shippedProfile(_ name: String) throws -> VendorProfile {
    try VendorProfile.load(path: root.appendingPathComponent("jobs/vendors/\(name).toml").path)
}

private struct ReadResult {
    var records: [DeliveryRecord] = []
    var rejects: [IngestError] = []
    var summaries: [VendorSummaryRow] = []
}

private func read(_ profile: VendorProfile, _ path: String, account: String? = nil) throws -> ReadResult {
    let context = FileContext(path: path, sha256: "test", accountFromFolder: account,
                              privacy: RecipientPrivacy(key: .init(data: Data(repeating: 7, count: 32))))
    let source = ProfileRecordSource(profile: profile, source: try ByteSources.open(path: path), context: context)
    var result = ReadResult()
    try source.read { row in
        switch row {
        case .record(let record): result.records.append(record)
        case .summary(let summary): result.summaries.append(summary)
        case .rejected(let error): result.rejects.append(error)
        }
    }
    return result
}

private func sample(_ relative: String) -> String { root.appendingPathComponent("samples/inbox/\(relative)").path }

private func kst(_ text: String) -> Instant { Instant(iso8601: text + "+09:00")! }

@Suite("Vendor profiles: the seed vendors' samples")
struct VendorSampleTests {
    @Test("Sendon CSV in CP949: statuses from two columns, derived ids, repeats kept apart") func sendonCP949() throws {
        let result = try read(try shippedProfile("sendon"), sample("sendon/acme/sendon-result-2026-10.csv"), account: "acme")
        #expect(result.rejects.isEmpty, "\(result.rejects)")
        #expect(result.records.count == 12)
        let first = result.records[0], repeat_ = result.records[1]
        #expect(first.vendor == "sendon" && first.account == "acme")
        #expect(first.sentAt == kst("2026-10-02T09:00:12"))
        #expect(first.channel == Channel(.sms) && first.status == .delivered)
        #expect(first.recipient == "010-****-6789" && first.sender == "02-1588-1234")
        // A true repeat (same time, recipient, channel, body): the same hash, another occurrence.
        #expect(first.messageID.hasSuffix("-1") && repeat_.messageID.hasSuffix("-2"))
        #expect(first.messageID.dropLast(2) == repeat_.messageID.dropLast(2))
        #expect(Set(result.records.map(\.messageID)).count == 12)
        #expect(result.records[2].status == .failed && result.records[2].refundable)
        // The quoted body with a comma and a line break is one field; the row starts on line 5.
        #expect(result.records[3].channel == Channel(.lms) && result.records[3].source.row == 5)
        #expect(result.records[7].status == .failed && !result.records[7].refundable)   // 처리실패|실패
        #expect(result.records[8].channel == Channel(.friendtalk, subtype: "IMAGE") && result.records[8].status == .pending)
        #expect(result.records[10].status == .scheduled && result.records[11].status == .cancelled)
    }

    @Test("derived message ids are stable across runs") func derivedIDsStable() throws {
        let profile = try shippedProfile("sendon")
        let a = try read(profile, sample("sendon/acme/sendon-result-2026-10.csv"), account: "acme")
        let b = try read(profile, sample("sendon/acme/sendon-result-2026-10.csv"), account: "acme")
        #expect(a.records.map(\.messageID) == b.records.map(\.messageID))
        // The account is part of the key: the same file for another account gives other ids.
        let c = try read(profile, sample("sendon/acme/sendon-result-2026-10.csv"), account: "hanbit")
        #expect(Set(a.records.map(\.messageID)).isDisjoint(with: c.records.map(\.messageID)))
    }

    @Test("Sendon XLSX (LibreOffice): date cells read as dates") func sendonXLSX() throws {
        let result = try read(try shippedProfile("sendon-xlsx"), sample("sendon-xlsx/hanbit/sendon-result-2026-10.xlsx"), account: "hanbit")
        #expect(result.rejects.isEmpty, "\(result.rejects)")
        #expect(result.records.count == 6)
        #expect(result.records[0].sentAt == kst("2026-10-06T08:45:00") && result.records[0].channel == Channel(.alimtalk))
        #expect(result.records[2].status == .failed && result.records[2].refundable)
        #expect(result.records[5].status == .scheduled)   // 예약 취소중
    }

    @Test("Channel Talk XLSX: header on row 3, sheet by name, exclusion codes, ME09, calls and counsel talk") func channelTalkXLSX() throws {
        let result = try read(try shippedProfile("channeltalk"), sample("channeltalk/acme/channeltalk-2026-10.xlsx"), account: "acme")
        #expect(result.rejects.isEmpty, "\(result.rejects)")
        #expect(result.records.count == 13)
        let r = result.records
        #expect(r[0].sentAt == kst("2026-10-01T10:02:00") && r[0].category == "campaign:가을 신상품 안내" && r[0].vendorCost == Money(micros: 9_900_000))
        #expect(r[2].status == .excluded && r[2].reasonCode == "10006")
        #expect(r[3].status == .excluded && r[3].reasonCode == "10004")
        #expect(r[4].category == "reply-notification" && r[4].status == .delivered)
        #expect(r[5].status == .pending && r[5].reasonCode == "ME09")
        #expect(r[6].status == .failed && r[6].refundable)
        #expect(r[7].channel == Channel(.email) && r[7].recipient == "k***@example.com")
        #expect(r[8].status == .excluded && r[8].reasonCode == "11001")
        #expect(r[9].channel == Channel(.kakaoCounsel) && r[9].category == nil)
        #expect(r[11].channel == Channel(.call) && r[11].units == 155)
    }

    @Test("Channel Talk JSONL: ids from the file, epoch milliseconds, reason codes") func channelTalkJSONL() throws {
        let result = try read(try shippedProfile("channeltalk-jsonl"), sample("channeltalk-jsonl/hanbit/channeltalk-2026-10.jsonl"), account: "hanbit")
        #expect(result.rejects.isEmpty, "\(result.rejects)")
        #expect(result.records.count == 8)
        let r = result.records
        #expect(r[0].messageID == "6712a0c1e4b0a1f3c2d4e501" && r[0].sentAt == Instant(secondsSinceEpoch: 1_791_421_200))
        #expect(r[2].status == .excluded)
        #expect(r[3].status == .pending && r[3].reasonText == "수신여부 불투명")
        #expect(r[5].status == .excluded && r[5].reasonCode == "11999")
        #expect(r[7].channel == Channel(.call) && r[7].units == 312)
    }

    @Test("KT Communis detail: Kakao result codes decide; the fallback SMS is a second record") func ktDetail() throws {
        let result = try read(try shippedProfile("ktcommunis"), sample("ktcommunis/acme/ktcommunis-detail-2026-10.xlsx"), account: "acme")
        #expect(result.rejects.isEmpty, "\(result.rejects)")
        let r = result.records
        #expect(r.count == 8)
        #expect(r[0].status == .delivered && r[0].reasonCode == "1000" && r[0].completedAt == kst("2026-10-14T07:52:41"))
        #expect(r[2].status == .failed && r[2].refundable && r[2].reasonCode == "3018")
        #expect(r[3].channel == Channel(.sms) && r[3].fallbackOf == r[2].messageID && r[3].status == .delivered)
        #expect(r[5].fallbackOf == r[4].messageID && r[5].status == .failed)
        #expect(r[6].status == .pending && r[6].reasonCode == "3005")
        #expect(r.allSatisfy { $0.category != nil && $0.sender == "@에이크미" })
    }

    @Test("KT Communis list view and Godomall per-send totals are summaries") func summaries() throws {
        let kt = try read(try shippedProfile("ktcommunis-list"), sample("ktcommunis-list/acme/ktcommunis-list-2026-10.xlsx"), account: "acme")
        #expect(kt.rejects.isEmpty && kt.records.isEmpty)
        #expect(kt.summaries.count == 2)
        #expect(kt.summaries.allSatisfy { $0.account == "acme" && $0.vendor == "ktcommunis" })
        #expect(kt.summaries[0].grain == .dayTemplate(day: LocalDate(year: 2026, month: 10, day: 14)!, template: "ACME_ORDER_01"))
        #expect(kt.summaries[0].total == 4 && kt.summaries[0].success == 2 && kt.summaries[0].fallbackSuccess == 1 && kt.summaries[0].fallbackFailure == 1)
        let godo = try read(try shippedProfile("godomall"), sample("godomall/hanbit/godomall-sends-2026-10.xlsx"), account: "hanbit")
        #expect(godo.rejects.isEmpty && godo.records.isEmpty)
        #expect(godo.summaries.map(\.grain) == [.batch("2026-10-10 10:00:15"), .batch("2026-10-21 16:30:40")])
        #expect(godo.summaries[1].total == 1250 && godo.summaries[1].success == 1248)
    }

    @Test("Godomall per-recipient CSV: UTF-8 with BOM, header on line 3, failures not refundable") func godomallRecipients() throws {
        let result = try read(try shippedProfile("godomall-recipients"), sample("godomall-recipients/hanbit/godomall-recipients-2026-10.csv"), account: "hanbit")
        #expect(result.rejects.isEmpty, "\(result.rejects)")
        #expect(result.records.count == 4)
        #expect(result.records[0].batchID == "2026-10-10 10:00:15" && result.records[0].source.row == 4)
        #expect(result.records[2].status == .failed && !result.records[2].refundable && result.records[2].reasonText == "수신자 연락처 정보 없음")
        #expect(result.records[2].recipient == nil)
    }

    @Test("a JSON document with nested records, gzip-compressed (NHN Cloud SMS)") func jsonGzip() throws {
        let result = try read(try shippedProfile("nhncloud-sms"), sample("nhncloud-sms/acme/nhncloud-sms-2026-10.json.gz"), account: "acme")
        #expect(result.rejects.isEmpty, "\(result.rejects)")
        #expect(result.records.map(\.messageID) == ["20261007103000xYzAb1-1", "20261007103000xYzAb1-2", "20261007103000xYzAb1-3", "20261012090000aBcDe2-1"])
        #expect(result.records[1].status == .failed && result.records[1].refundable && result.records[1].reasonCode == "3015")
        #expect(result.records[2].status == .pending && result.records[2].completedAt == nil)
        #expect(result.records[3].channel == Channel(.lms) && result.records[3].category == nil)
    }

    @Test("line-oriented SMPP receipts through a regular expression with named groups") func smppLines() throws {
        let result = try read(try shippedProfile("smpp-receipts"), sample("smpp-receipts/hanbit/smpp-receipts-2026-10.log"), account: "hanbit")
        #expect(result.rejects.isEmpty, "\(result.rejects)")
        #expect(result.records.map(\.status) == [.delivered, .failed, .failed, .delivered, .pending])
        #expect(result.records[0].sentAt == kst("2026-10-08T15:00:00") && result.records[0].vendor == "smpp-gateway")
        #expect(result.records[3].units == 2)
    }
}

@Suite("Vendor profiles: rules, rejects and profile errors")
struct VendorProfileRuleTests {
    @Test("unknown status, bad time and unknown channel are rejects naming the value; the rest is kept") func badRows() throws {
        let result = try read(try shippedProfile("sendon"), fixtures.appendingPathComponent("sendon-bad-rows.cp949.csv").path, account: "acme")
        #expect(result.records.count == 2)
        #expect(result.records[1].status == .failed && result.records[1].refundable)
        let byField = Dictionary(grouping: result.rejects, by: \.field)
        #expect(byField["status"]?.first?.value == "처리완료|전송됨")
        #expect(byField["status"]?.first?.reason == .unknownStatus)
        #expect(byField["status"]?.first?.row == 3)
        #expect(byField["sent_at"]?.first?.value == "2026/10/02 09:00")
        #expect(byField["sent_at"]?.first?.reason == .badTime(format: "yyyy-MM-dd HH:mm:ss"))
        #expect(byField["channel"]?.first?.value == "팩스")
        #expect(byField["channel"]?.first?.reason == .unknownChannel)
    }

    @Test("a missing column refuses the whole file, naming the column") func missingColumn() throws {
        #expect(throws: IngestError.self) {
            _ = try read(try shippedProfile("sendon"), fixtures.appendingPathComponent("sendon-missing-column.cp949.csv").path, account: "acme")
        }
        do {
            _ = try read(try shippedProfile("sendon"), fixtures.appendingPathComponent("sendon-missing-column.cp949.csv").path, account: "acme")
        } catch let error as IngestError {
            #expect(error.field == "수신번호" && error.reason == .missingColumn)
        }
    }

    @Test("a UTF-8 file declared CP949 is refused (its header does not decode)") func wrongEncoding() throws {
        #expect(throws: IngestError.self) {
            _ = try read(try shippedProfile("sendon"), fixtures.appendingPathComponent("sendon-wrong-encoding.utf8.csv").path, account: "acme")
        }
    }

    @Test("an unlisted reason code is a reject naming the code") func unknownCode() throws {
        let scratch = try Scratch()
        let path = try scratch.write("kt.jsonl", """
            {"id":"a","createdAt":1759885200000,"name":"x","state":"excluded","reasonCode":"10007","medium":"sms","contact":"010-1111-2222"}
            {"id":"b","createdAt":1759885200000,"name":"x","state":"failed","reasonCode":"Z999","medium":"sms","contact":"010-1111-2222"}
            {"id":"c","createdAt":1759885200000,"name":"x","state":"teleported","medium":"sms","contact":"010-1111-2222"}

            """)
        let result = try read(try shippedProfile("channeltalk-jsonl"), path, account: "acme")
        #expect(result.records.map(\.messageID) == ["a"])
        #expect(result.rejects.map(\.field) == ["reason_code", "status"])
        #expect(result.rejects.map(\.value) == ["Z999", "teleported"])
    }

    @Test("reason-code ranges", arguments: [
        ("10000", DeliveryStatus.excluded), ("10008", .excluded), ("10999", .excluded), ("11002", .excluded),
        ("11999", .excluded), ("ME09", .pending)])
    func ranges(code: String, status: DeliveryStatus) throws {
        let table = try #require(try shippedProfile("channeltalk").reasonCodes)
        #expect(table.entry(for: code)?.status == status)
    }

    @Test("codes outside the ranges are not guessed", arguments: ["10009", "11003", "1000", "010000"])
    func outsideRanges(code: String) throws {
        let table = try #require(try shippedProfile("channeltalk").reasonCodes)
        #expect(table.entry(for: code) == nil)
    }

    @Test("time formats", arguments: [
        ("yyyy.MM.dd HH:mm", "2026.10.05 14:03", "2026-10-05T14:03:00"),
        ("yyyy-MM-dd HH:mm:ss", "2026-10-05 14:03:09", "2026-10-05T14:03:09"),
        ("yyyy/M/d H:mm", "2026/1/5 7:03", "2026-01-05T07:03:00"),
        ("yyMMddHHmm", "2610051403", "2026-10-05T14:03:00"),
        ("yyyy-MM-dd HH:mm:ss.S", "2026-10-05 14:03:09.0", "2026-10-05T14:03:09"),
        ("excel", "46300.5", "2026-10-05T12:00:00"),
    ])
    func timeFormats(format: String, text: String, expected: String) throws {
        let scratch = try Scratch()
        let profile = try VendorProfile.parse(text: """
            format = "csv"
            time_zone = "Asia/Seoul"
            [fields]
            message_id = "id"
            sent_at = { column = "t", time = "\(format)" }
            channel = { value = "SMS" }
            status = { value = "DELIVERED" }
            account = { value = "acme" }
            """, file: "time.toml")
        let path = try scratch.write("t.csv", "id,t\nm1,\(text)\n")
        let result = try read(profile, path)
        #expect(result.rejects.isEmpty, "\(result.rejects)")
        #expect(result.records.first?.sentAt == kst(expected))
    }

    @Test("numbers with thousands separators; constants; regex extraction; otherwise templates") func transforms() throws {
        let scratch = try Scratch()
        let profile = try VendorProfile.parse(text: """
            format = "csv"
            time_zone = "UTC"
            [csv]
            delimiter = ";"
            [fields]
            message_id = { column = "ref", regex = 'MSG-(?<value>\\d+)' }
            sent_at = "at"
            channel = { value = "LMS" }
            status = { column = "st", values = { "ok" = "DELIVERED" } }
            units = "n"
            vendor_cost = { column = "cost", regex = '([0-9.,]+)' }
            category = { column = "kind", values = { "reply" = "reply-notification" }, otherwise = "one-time:{}" }
            account = { value = "hanbit" }
            """, file: "transforms.toml")
        let path = try scratch.write("t.csv", "ref;at;st;n;cost;kind\nMSG-0042 (retry);2026-10-05T01:00:00Z;ok;\"1,234\";1,250원;공지\nx;2026-10-05T01:00:00Z;ok;1;1;reply\n")
        let result = try read(profile, path)
        #expect(result.records.count == 1)
        let r = try #require(result.records.first)
        #expect(r.messageID == "0042" && r.units == 1234 && r.vendorCost == Money(micros: 1_250_000_000) && r.account == "hanbit")
        #expect(r.category == "one-time:공지" && r.channel == Channel(.lms))
        #expect(result.rejects.first?.field == "message_id")
    }

    @Test("gzip-compressed CSV is read through the same profile") func gzipCSV() throws {
        let scratch = try Scratch()
        let plain = try scratch.write("g.csv", "발송 일시,수신번호,메시지 유형,발송 결과,실패 사유,발송 내용\n2026-10-10 10:00:15,010-7000-0001,SMS,성공,,안내\n")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-n", plain]
        try process.run()
        process.waitUntilExit()
        var profile = try shippedProfile("godomall-recipients")
        profile.format = .csv(.init())   // header on the first line here
        let result = try read(profile, plain + ".gz", account: "hanbit")
        #expect(result.rejects.isEmpty && result.records.count == 1)
    }

    @Test("CP949 transcoding survives multibyte characters split across reads") func transcodingChunks() throws {
        let scratch = try Scratch()
        let path = scratch.url.appendingPathComponent("k.txt").path
        // "한글" in CP949 is C7 D1 B1 DB; repeated so reads of 3 bytes split characters.
        let bytes = [UInt8](repeating: 0, count: 0) + Array(repeating: [0xC7, 0xD1, 0xB1, 0xDB, 0x0A], count: 1000).flatMap { $0 }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let source = try TranscodingByteSource(try FileByteSource(path: path), encoding: "CP949", path: path)
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 3)
        while true {
            let n = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
            if n == 0 { break }
            out += buffer[0..<n]
        }
        #expect(String(decoding: out, as: UTF8.self) == String(repeating: "한글\n", count: 1000))
        #expect(source.replacements == 0)
    }

    @Test("profile errors name the file and the key", arguments: [
        ("kind = \"detail\"\n[fields]\nsent_at = \"a\"", "format", ProfileError.Reason.missing),
        ("format = \"csv\"\ncolour = 1\n[fields]\nsent_at = \"a\"", "colour", .unknownKey),
        ("format = \"csv\"\ntime_zone = \"Mars/Olympus\"\n[fields]\nsent_at = \"a\"", "time_zone", .unknownZone),
        ("format = \"csv\"\n[csv]\nencoding = \"KLINGON-8\"\n[fields]\nsent_at = \"a\"", "csv.encoding", .unknownEncoding),
        ("format = \"csv\"\n[fields]\nsent_at = \"a\"\nchannel = \"c\"\nstatus = { column = \"s\", values = { \"ok\" = \"TELEPORTED\" } }", "fields.status.values.ok", .unknownStatus),
        ("format = \"csv\"\n[fields]\nsent_at = \"a\"\nchannel = { column = \"c\", values = { \"팩스\" = \"FAX\" } }\nstatus = \"s\"", "fields.channel.values.\"팩스\"", .unknownChannel),
        ("format = \"csv\"\n[fields]\nsent_at = { column = \"a\", time = \"dd hh\" }\nchannel = \"c\"\nstatus = \"s\"", "fields.sent_at.time", .badTimeFormat),
        ("format = \"csv\"\n[fields]\nsent_at = \"a\"\nchannel = \"c\"\nstatus = { column = \"s\", otherwise = \"DELIVERED\" }", "fields.status.otherwise",
         .notAllowed("an unknown status is a reject, never a guess")),
        ("format = \"csv\"\n[fields]\nsent_at = \"a\"\nchannel = \"c\"\nstatus = \"s\"\nwhatever = \"w\"", "fields.whatever", .unknownKey),
        ("format = \"csv\"\n[fields]\nchannel = \"c\"\nstatus = \"s\"", "fields.sent_at", .missing),
        ("format = \"csv\"\n[fields]\nsent_at = \"a\"\nchannel = \"c\"\nstatus = \"s\"\n[reason_codes]\n\"1000\" = \"GREAT\"", "reason_codes.1000", .unknownStatus),
    ])
    func profileErrors(text: String, key: String, reason: ProfileError.Reason) throws {
        do {
            _ = try VendorProfile.parse(text: text, file: "jobs/vendors/bad.toml")
            Issue.record("accepted a bad profile")
        } catch {
            #expect(error.file == "jobs/vendors/bad.toml")
            #expect(error.key == key)
            #expect(error.reason == reason)
        }
    }

    @Test("every shipped profile loads") func shippedProfilesLoad() throws {
        let folder = root.appendingPathComponent("jobs/vendors").path
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".toml") }
        #expect(names.count >= 8)
        for name in names { _ = try VendorProfile.load(path: folder + "/" + name) }
    }
}

@Suite("Vendor profiles: ingest into the ledger")
struct VendorIngestTests {
    /// Sendon's profile reading UTF-8 (the shipped one reads CP949).
    private func sendonUTF8() throws -> VendorProfile {
        var profile = try shippedProfile("sendon")
        profile.format = .csv(.init())
        return profile
    }

    private let head = "발송 요청 일시,메시지 유형,메시지 본문,발신정보,수신번호,처리상태,발송 현황\n"

    @Test("the same file twice is a no-op; a corrected re-export applies as updates") func reexport() throws {
        let scratch = try Scratch()
        let store = try scratch.ledger()
        let ingestor = scratch.ingestor(store)
        let format = try sendonUTF8().recordFormat
        let first = try scratch.write("a.csv", head + """
            2026-10-02 09:00:12,SMS,안내,02-1588-1234,010-2345-6789,진행중,발송중
            2026-10-02 09:00:13,SMS,안내,02-1588-1234,010-2345-6780,처리완료,성공

            """)
        guard case .ingested(let counts) = try ingestor.ingest(path: first, format: format, accountFromFolder: "acme").outcome else {
            Issue.record("not ingested"); return
        }
        #expect(counts.inserted == 2 && counts.rejected == 0)
        guard case .alreadyIngested = try ingestor.ingest(path: first, format: format, accountFromFolder: "acme").outcome else {
            Issue.record("the same file was ingested twice"); return
        }
        let corrected = try scratch.write("b.csv", head + """
            2026-10-02 09:00:12,SMS,안내,02-1588-1234,010-2345-6789,처리완료,실패 (환급대상)
            2026-10-02 09:00:13,SMS,안내,02-1588-1234,010-2345-6780,처리완료,성공

            """)
        guard case .ingested(let again) = try ingestor.ingest(path: corrected, format: format, accountFromFolder: "acme").outcome else {
            Issue.record("not ingested"); return
        }
        #expect(again.inserted == 0 && again.updated == 1 && again.unchanged == 1)
        #expect(try store.counts().deliveries == 2)
    }

    @Test("a row without an account (no folder, no column) is a reject naming the field") func noAccount() throws {
        let scratch = try Scratch()
        let path = try scratch.write("a.csv", head + "2026-10-02 09:00:12,SMS,안내,02-1588-1234,010-2345-6789,처리완료,성공\n")
        let result = try read(try sendonUTF8(), path)
        #expect(result.rejects.map(\.field) == ["account"])
        #expect(result.rejects.first?.reason == .missing)
    }
}

@Suite("Vendor profiles: gzip-compressed workbooks")
struct VendorXLSXGzipTests {
    @Test("a gzip-compressed XLSX is inflated to a temporary file and read like the workbook") func gzipXLSX() throws {
        let scratch = try Scratch()
        let target = scratch.url.appendingPathComponent("kt.xlsx").path
        try FileManager.default.copyItem(atPath: sample("ktcommunis/acme/ktcommunis-detail-2026-10.xlsx"), toPath: target)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-n", target]
        try process.run()
        process.waitUntilExit()
        let plain = try read(try shippedProfile("ktcommunis"), sample("ktcommunis/acme/ktcommunis-detail-2026-10.xlsx"), account: "acme")
        let zipped = try read(try shippedProfile("ktcommunis"), target + ".gz", account: "acme")
        #expect(zipped.rejects.isEmpty)
        #expect(zipped.records.map(\.messageID) == plain.records.map(\.messageID))
        #expect(zipped.records.count == 8)
    }

    @Test("a gzip bomb posing as a workbook is refused before it fills the disk") func gzipXLSXBomb() throws {
        let scratch = try Scratch()
        let target = scratch.url.appendingPathComponent("bomb.xlsx").path
        // 80 MiB of zeros: gzip makes it about 80 KB, past 64x its size and past 64 MiB.
        #expect(FileManager.default.createFile(atPath: target, contents: Data(count: 80 << 20)))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-n", target]
        try process.run()
        process.waitUntilExit()
        #expect(throws: (any Error).self) { _ = try read(try shippedProfile("ktcommunis"), target + ".gz", account: "acme") }
        do {
            _ = try read(try shippedProfile("ktcommunis"), target + ".gz", account: "acme")
        } catch {
            #expect("\(error)".contains("inflates past 67108864 bytes"), "\(error)")
        }
    }
}
