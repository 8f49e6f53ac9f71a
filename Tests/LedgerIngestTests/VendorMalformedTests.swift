import Foundation
import LedgerCore
import LedgerIngest
import LedgerStore
import Testing

/// Malformed variants of each seed vendor's sample, made at test time from the sample (cut,
/// re-encoded, a header or a value replaced), each ingested into a scratch ledger.
@Suite("Vendor profiles: malformed variants of the samples")
struct VendorMalformedTests {
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    private static let editXLSX = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/vendors/edit-xlsx.py").path

    enum Change: Sendable, CustomStringConvertible {
        /// The first `keep` bytes only (a download cut short), or all but the last `drop`.
        case cut(keep: Int)
        case cutEnd(drop: Int)
        /// Text replaced in the (UTF-8) file, as bytes.
        case replace(String, String)
        /// UTF-8 text saved as CP949 (what Korean Excel writes), BOM dropped.
        case toCP949
        /// Shared strings of a workbook replaced (OLD NEW pairs).
        case workbook([String])
        /// A gzip-compressed file whose content was cut before it was compressed.
        case gunzipCut(keep: Int)

        var description: String {
            switch self {
            case .cut(let keep): "first \(keep) bytes"
            case .cutEnd(let drop): "last \(drop) bytes cut"
            case .replace(let a, let b): "\(a) -> \(b)"
            case .toCP949: "saved as CP949"
            case .workbook(let pairs): "workbook \(pairs)"
            case .gunzipCut(let keep): "first \(keep) bytes, compressed"
            }
        }
    }

    enum Expected: Sendable {
        /// Rows rejected, the first naming this row, field and value; the others kept.
        case reject(row: Int, field: String, value: String, reason: String, kept: Int)
        /// Nothing of the file kept (quarantined by the run), the reason naming all these.
        case unreadable([String])
    }

    struct Variant: Sendable, CustomTestStringConvertible {
        let name: String
        let profile: String
        let sample: String
        let account: String
        let change: Change
        let expected: Expected
        var testDescription: String { "\(profile): \(name)" }
    }

    static let variants: [Variant] = [
        // Sendon CSV in CP949, CRLF (12 records on 13 data rows; row 5 holds a line break).
        .init(name: "truncated mid-row", profile: "sendon", sample: "sendon/acme/sendon-result-2026-10.csv", account: "acme",
              change: .cutEnd(drop: 12), expected: .reject(row: 15, field: "status", value: "", reason: "required value is empty", kept: 11)),
        // The open quote runs to the end of the file: one last field, the row's other columns empty.
        .init(name: "truncated inside a quoted body", profile: "sendon", sample: "sendon/acme/sendon-result-2026-10.csv", account: "acme",
              change: .cut(keep: 420), expected: .reject(row: 4, field: "status", value: "", reason: "required value is empty", kept: 2)),
        // Godomall per-recipient CSV, UTF-8 with BOM, header on line 3.
        .init(name: "wrong encoding (saved as CP949)", profile: "godomall-recipients", sample: "godomall-recipients/hanbit/godomall-recipients-2026-10.csv",
              account: "hanbit", change: .toCP949,
              expected: .unreadable(["godomall-recipients-2026-10.csv:3", "발송 일시", "required column is missing"])),
        .init(name: "missing column", profile: "godomall-recipients", sample: "godomall-recipients/hanbit/godomall-recipients-2026-10.csv",
              account: "hanbit", change: .replace("수신번호", "받는번호"), expected: .unreadable(["godomall-recipients-2026-10.csv:3", "수신번호", "required column is missing"])),
        .init(name: "truncated mid-row", profile: "godomall-recipients", sample: "godomall-recipients/hanbit/godomall-recipients-2026-10.csv",
              account: "hanbit", change: .cutEnd(drop: 105), expected: .reject(row: 7, field: "status", value: "", reason: "required value is empty", kept: 3)),
        // Channel Talk XLSX (LibreOffice): title row, header on row 3, dates as text.
        .init(name: "missing column", profile: "channeltalk", sample: "channeltalk/acme/channeltalk-2026-10.xlsx", account: "acme",
              change: .workbook(["상태", "처리 상태"]), expected: .unreadable(["channeltalk-2026-10.xlsx:3", "상태", "required column is missing"])),
        .init(name: "bad date", profile: "channeltalk", sample: "channeltalk/acme/channeltalk-2026-10.xlsx", account: "acme",
              change: .workbook(["2026.10.02 15:40", "2026-10-02 15:40"]),
              expected: .reject(row: 8, field: "sent_at", value: "2026-10-02 15:40", reason: "not a time in the format yyyy.MM.dd HH:mm", kept: 12)),
        .init(name: "unknown status", profile: "channeltalk", sample: "channeltalk/acme/channeltalk-2026-10.xlsx", account: "acme",
              change: .workbook(["전송됨", "전송완료"]), expected: .reject(row: 4, field: "status", value: "전송완료", reason: "unknown status", kept: 5)),
        .init(name: "truncated zip", profile: "channeltalk", sample: "channeltalk/acme/channeltalk-2026-10.xlsx", account: "acme",
              change: .cutEnd(drop: 2000), expected: .unreadable(["channeltalk-2026-10.xlsx"])),
        // KT Communis detail XLSX: Kakao result codes, the fallback on the same row.
        .init(name: "missing column", profile: "ktcommunis", sample: "ktcommunis/acme/ktcommunis-detail-2026-10.xlsx", account: "acme",
              change: .workbook(["결과코드", "결과 코드"]), expected: .unreadable(["ktcommunis-detail-2026-10.xlsx:1", "결과코드", "required column is missing"])),
        .init(name: "truncated zip", profile: "ktcommunis", sample: "ktcommunis/acme/ktcommunis-detail-2026-10.xlsx", account: "acme",
              change: .cut(keep: 3000), expected: .unreadable(["ktcommunis-detail-2026-10.xlsx"])),
        // KT Communis list view (a summary).
        .init(name: "missing column", profile: "ktcommunis-list", sample: "ktcommunis-list/acme/ktcommunis-list-2026-10.xlsx", account: "acme",
              change: .workbook(["템플릿코드", "템플릿"]), expected: .unreadable(["ktcommunis-list-2026-10.xlsx:1", "템플릿코드", "required column is missing"])),
        .init(name: "truncated zip", profile: "ktcommunis-list", sample: "ktcommunis-list/acme/ktcommunis-list-2026-10.xlsx", account: "acme",
              change: .cutEnd(drop: 1500), expected: .unreadable(["ktcommunis-list-2026-10.xlsx"])),
        // Godomall per-send totals (a summary, XLSX).
        .init(name: "missing column", profile: "godomall", sample: "godomall/hanbit/godomall-sends-2026-10.xlsx", account: "hanbit",
              change: .workbook(["총 발송 수", "발송 수"]), expected: .unreadable(["godomall-sends-2026-10.xlsx:1", "총 발송 수", "required column is missing"])),
        // Channel Talk JSONL.
        .init(name: "truncated mid-line", profile: "channeltalk-jsonl", sample: "channeltalk-jsonl/hanbit/channeltalk-2026-10.jsonl", account: "hanbit",
              change: .cutEnd(drop: 40), expected: .reject(row: 8, field: "(line)", value: "{\"id\":\"6712a0c1e4b0a1f3c2d4e508\"", reason: "not a JSON object", kept: 7)),
        .init(name: "bad date", profile: "channeltalk-jsonl", sample: "channeltalk-jsonl/hanbit/channeltalk-2026-10.jsonl", account: "hanbit",
              change: .replace("\"createdAt\":1791421200000", "\"createdAt\":\"2026-10-08\""),
              expected: .reject(row: 1, field: "sent_at", value: "2026-10-08", reason: "not a time in the format epoch_ms", kept: 7)),
        .init(name: "unknown status", profile: "channeltalk-jsonl", sample: "channeltalk-jsonl/hanbit/channeltalk-2026-10.jsonl", account: "hanbit",
              change: .replace("\"state\":\"sent\",\"reasonCode\":null,\"medium\":\"lms\"", "\"state\":\"bounced\",\"reasonCode\":null,\"medium\":\"lms\""),
              expected: .reject(row: 2, field: "status", value: "bounced", reason: "unknown status", kept: 7)),
        .init(name: "missing key", profile: "channeltalk-jsonl", sample: "channeltalk-jsonl/hanbit/channeltalk-2026-10.jsonl", account: "hanbit",
              change: .replace("\"medium\":\"lms\",", ""), expected: .reject(row: 2, field: "channel", value: "", reason: "required value is empty", kept: 7)),
        .init(name: "wrong encoding (CP949)", profile: "channeltalk-jsonl", sample: "channeltalk-jsonl/hanbit/channeltalk-2026-10.jsonl",
              account: "hanbit", change: .toCP949, expected: .reject(row: 1, field: "(line)", value: "{\"id\":\"6712a0c1e4b0a1f3c2d4e501\"", reason: "not valid UTF-8", kept: 2)),
        // NHN Cloud SMS: a JSON document, gzip-compressed.
        .init(name: "truncated gzip", profile: "nhncloud-sms", sample: "nhncloud-sms/acme/nhncloud-sms-2026-10.json.gz", account: "acme",
              change: .cutEnd(drop: 60), expected: .unreadable(["nhncloud-sms-2026-10.json.gz"])),
        .init(name: "truncated JSON", profile: "nhncloud-sms", sample: "nhncloud-sms/acme/nhncloud-sms-2026-10.json.gz", account: "acme",
              change: .gunzipCut(keep: 500), expected: .unreadable(["nhncloud-sms-2026-10.json.gz:1", "(document)", "not JSON"])),
        // SMPP delivery receipts, one a line.
        .init(name: "truncated mid-line", profile: "smpp-receipts", sample: "smpp-receipts/hanbit/smpp-receipts-2026-10.log", account: "hanbit",
              change: .cutEnd(drop: 54), expected: .reject(row: 5, field: "(line)", value: "id:", reason: "does not match the profile's pattern", kept: 4)),
    ]

    private func make(_ variant: Variant, in scratch: Scratch) throws -> String {
        let source = Self.root.appendingPathComponent("samples/inbox/\(variant.sample)").path
        // The inbox layout, so the file keeps its name in messages.
        let folder = scratch.url.appendingPathComponent("inbox/\(variant.profile)/\(variant.account)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let target = folder.appendingPathComponent(URL(fileURLWithPath: source).lastPathComponent).path
        let bytes = try Data(contentsOf: URL(fileURLWithPath: source))
        switch variant.change {
        case .cut(let keep): try bytes.prefix(keep).write(to: URL(fileURLWithPath: target))
        case .cutEnd(let drop): try bytes.dropLast(drop).write(to: URL(fileURLWithPath: target))
        case .replace(let old, let new):
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(text.contains(old), "the sample no longer holds \(old)")
            try Data(text.replacingOccurrences(of: old, with: new).utf8).write(to: URL(fileURLWithPath: target))
        case .toCP949:
            var text = String(decoding: bytes, as: UTF8.self)
            if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
            try Data(text.utf8).write(to: URL(fileURLWithPath: target + ".utf8"))
            try run("/usr/bin/iconv", ["-f", "UTF-8", "-t", "CP949", "-o", target, target + ".utf8"])
            try FileManager.default.removeItem(atPath: target + ".utf8")
        case .workbook(let pairs):
            try run("/usr/bin/env", ["python3", Self.editXLSX, source, target] + pairs)
        case .gunzipCut(let keep):
            let plain = String(target.dropLast(3))
            try run("/bin/sh", ["-c", "gzip -dc \"$0\" | head -c \"$1\" > \"$2\" && gzip -n \"$2\"", source, "\(keep)", plain])
        }
        return target
    }

    private func run(_ program: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(program) \(arguments)")
    }

    /// A vendor's corrected re-export of a sample: one message's final outcome where the first
    /// export had it pending (ME09, result unknown).
    static let corrections: [Variant] = [
        .init(name: "XLSX", profile: "channeltalk", sample: "channeltalk/acme/channeltalk-2026-10.xlsx", account: "acme",
              change: .workbook(["ME09", "10004"]), expected: .unreadable([])),
        .init(name: "JSONL", profile: "channeltalk-jsonl", sample: "channeltalk-jsonl/hanbit/channeltalk-2026-10.jsonl", account: "hanbit",
              change: .replace("\"state\":\"failed\",\"reasonCode\":\"ME09\"", "\"state\":\"sent\",\"reasonCode\":null"), expected: .unreadable([])),
    ]

    @Test("the same sample twice is a no-op; its corrected re-export applies as one update", arguments: corrections)
    func correctedReexport(_ variant: Variant) throws {
        let scratch = try Scratch()
        let store = try scratch.ledger()
        let ingestor = scratch.ingestor(store)
        let format = try VendorProfile.load(path: Self.root.appendingPathComponent("jobs/vendors/\(variant.profile).toml").path).recordFormat
        let original = Self.root.appendingPathComponent("samples/inbox/\(variant.sample)").path
        guard case .ingested(let first) = try ingestor.ingest(path: original, format: format, accountFromFolder: variant.account).outcome else {
            Issue.record("not ingested"); return
        }
        #expect(first.rejected == 0)
        #expect(try store.rejects().isEmpty)
        guard case .alreadyIngested = try ingestor.ingest(path: original, format: format, accountFromFolder: variant.account).outcome else {
            Issue.record("the same file was applied twice"); return
        }
        let corrected = try make(variant, in: scratch)
        guard case .ingested(let again) = try ingestor.ingest(path: corrected, format: format, accountFromFolder: variant.account).outcome else {
            Issue.record("the re-export was not ingested"); return
        }
        #expect(again.inserted == 0 && again.updated == 1 && again.unchanged == first.inserted - 1 && again.rejected == 0, "\(again)")
        #expect(try store.counts().deliveries == first.inserted)
    }

    @Test("each variant gives the expected reject or quarantine, naming file, row, field and value", arguments: variants)
    func variant(_ variant: Variant) throws {
        let scratch = try Scratch()
        let path = try make(variant, in: scratch)
        let store = try scratch.ledger()
        let profile = try VendorProfile.load(path: Self.root.appendingPathComponent("jobs/vendors/\(variant.profile).toml").path)
        let report = try scratch.ingestor(store).ingest(path: path, format: profile.recordFormat, accountFromFolder: variant.account)
        switch (variant.expected, report.outcome) {
        case (.reject(let row, let field, let value, let reason, let kept), .ingested(let counts)):
            let first = try #require(report.rejects.first, "no reject")
            #expect(first.path == path && first.row == row && first.field == field, "\(first)")
            if !value.isEmpty { #expect(first.value.hasPrefix(value), "\(first)") }
            if !reason.isEmpty { #expect(first.description.contains(reason), "\(first)") }
            #expect(counts.rows - counts.rejected == kept, "\(counts) \(report.rejects)")
            #expect(try store.rejects().count == counts.rejected)
        case (.unreadable(let parts), .unreadable(let why)):
            for part in parts { #expect(why.contains(part), "\(why)") }
            // Rolled back: nothing of the file in the ledger, not even its manifest row.
            #expect(try store.ingestedFiles().isEmpty && store.counts().deliveries == 0 && store.rejects().isEmpty)
        default:
            Issue.record("expected \(variant.expected), got \(report.outcome) \(report.rejects)")
        }
    }
}
