import Foundation
import LedgerStore
import Logging
import Testing

/// The hostile input corpus (Tests/Fixtures/hostile, README there) through the real
/// executable: each case sits in the inbox beside one good file; the nightly run sets the bad
/// file or rows aside with a message naming them, ingests the good file, exits 65, and stays
/// within a memory bound. Nothing of /etc/passwd ever reaches an output or a log.
@Suite("Hostile input corpus")
struct HostileInputTests {
    static let corpus = Executable.repository.appendingPathComponent("Tests/Fixtures/hostile")
    static let xlsxFixtures = Executable.repository.appendingPathComponent("Tests/LedgerXLSXTests/Fixtures/hostile")
    /// Peak resident memory allowed for one run over a hostile file: generous. The CSV reader
    /// may hold a 64 MiB row twice over; a JSON document is read whole up to 256 MiB.
    static let memoryBoundKiB = 1024 * 1024

    /// Inputs too large to commit, made once per test process by make_large.py.
    static let large: Result<URL, Error> = Result {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sendledger-hostile-\(UUID().uuidString)")
        let made = try Executable.run(program: "/usr/bin/env", ["python3", corpus.appendingPathComponent("make_large.py").path, folder.path])
        guard made.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: made.stderr]) }
        return folder
    }

    enum Source: Sendable {
        /// A committed file under Tests/Fixtures/hostile.
        case corpus(String)
        /// A committed crafted workbook of the XLSX reader's own tests.
        case xlsxFixture(String)
        /// A file make_large.py writes.
        case large(String)
    }

    enum Outcome: Sendable {
        /// The whole file moved to var/quarantine/<vendor>/ with a .reason holding these.
        case quarantined([String])
        /// Rows rejected: each text appears in the run's reject lines; `kept` rows ingested.
        case rejected([String], kept: Int)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let source: Source
        /// The inbox folder it is delivered to: `<vendor profile>[/<account>]`.
        let folder: String
        let outcome: Outcome
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        // Workbooks (the Sendon Excel download's profile reads them).
        Case(name: "zip bomb: ratio", source: .large("xlsx/bomb-ratio.xlsx"), folder: "sendon-xlsx/hanbit",
             outcome: .quarantined(["bomb-ratio.xlsx: xl/worksheets/sheet1.xml: compression ratio above the limit of 1000:1 (zip bomb?)"])),
        Case(name: "zip bomb: headers lie about the size", source: .large("xlsx/bomb-lying.xlsx"), folder: "sendon-xlsx/hanbit",
             outcome: .quarantined(["bomb-lying.xlsx: xl/worksheets/sheet1.xml: entry declares 4096 bytes but holds "])),
        Case(name: "zip bomb: one part's absolute size", source: .large("xlsx/bomb-part-size.xlsx"), folder: "sendon-xlsx/hanbit",
             outcome: .quarantined(["xl/worksheets/sheet1.xml: entry inflates to 9663676416 bytes, more than the limit of 8589934592"])),
        Case(name: "zip bomb: total size", source: .large("xlsx/bomb-total-size.xlsx"), folder: "sendon-xlsx/hanbit",
             outcome: .quarantined(["xl/media/big2.bin: archive inflates to more than the limit of 17179869184 bytes"])),
        Case(name: "too many entries", source: .large("xlsx/too-many-entries.xlsx"), folder: "sendon-xlsx/hanbit",
             outcome: .quarantined(["too-many-entries.xlsx: 10006 entries, more than the limit of 10000"])),
        Case(name: "zip slip: relative name", source: .xlsxFixture("zip-slip.xlsx"), folder: "sendon-xlsx/hanbit",
             outcome: .quarantined(["zip-slip.xlsx: ../../evil.sh: entry name climbs out of the archive: \"../../evil.sh\""])),
        Case(name: "zip slip: absolute name", source: .xlsxFixture("zip-slip-absolute.xlsx"), folder: "sendon-xlsx/hanbit",
             outcome: .quarantined(["entry name climbs out of the archive: \"/etc/cron.d/evil\""])),
        Case(name: "truncated archive", source: .xlsxFixture("truncated.xlsx"), folder: "sendon-xlsx/hanbit",
             outcome: .quarantined(["truncated.xlsx: "])),
        Case(name: "bad CRC-32", source: .xlsxFixture("bad-crc.xlsx"), folder: "sendon-xlsx/hanbit",
             outcome: .quarantined(["bad-crc.xlsx: xl/worksheets/sheet1.xml: CRC-32 mismatch: expected deadbeef"])),
        Case(name: "XML external entity (file:///etc/passwd)", source: .xlsxFixture("xxe.xlsx"), folder: "sendon-xlsx/hanbit",
             outcome: .quarantined(["xxe.xlsx: xl/sharedStrings.xml: XML with a DOCTYPE is refused (entities are never expanded)"])),
        Case(name: "XML external entity after a comment", source: .xlsxFixture("xxe-after-comment.xlsx"), folder: "sendon-xlsx/hanbit",
             outcome: .quarantined(["xl/worksheets/sheet1.xml: XML with a DOCTYPE is refused"])),
        Case(name: "billion laughs", source: .xlsxFixture("billion-laughs.xlsx"), folder: "sendon-xlsx/hanbit",
             outcome: .quarantined(["xl/sharedStrings.xml: XML with a DOCTYPE is refused"])),
        Case(name: "very deep nesting", source: .xlsxFixture("deep.xlsx"), folder: "sendon-xlsx/hanbit",
             outcome: .quarantined(["deep.xlsx: xl/worksheets/sheet1.xml: XML nests deeper than 64 levels"])),
        Case(name: "malformed XML", source: .xlsxFixture("malformed.xlsx"), folder: "sendon-xlsx/hanbit",
             outcome: .quarantined(["malformed.xlsx: xl/worksheets/sheet1.xml: malformed XML"])),
        Case(name: "a shared string index out of range", source: .xlsxFixture("bad-shared-index.xlsx"), folder: "sendon-xlsx/hanbit",
             outcome: .quarantined(["shared string index 7 out of range"])),

        // CSV (canonical).
        Case(name: "CSV: unbalanced quote", source: .corpus("csv/unbalanced-quote.csv"), folder: "canonical",
             outcome: .quarantined(["line 2: a quoted field is never closed"])),
        Case(name: "CSV: NUL bytes", source: .corpus("csv/nul-bytes.csv"), folder: "canonical",
             outcome: .rejected(["nul-bytes.csv:2: message_id \"NUL-1\\0x\": contains a NUL byte",
                                 "nul-bytes.csv:3: reason_text \"bad\\0text\": contains a NUL byte"], kept: 1)),
        Case(name: "CSV: invalid UTF-8", source: .corpus("csv/invalid-utf8.csv"), folder: "canonical",
             outcome: .rejected(["invalid-utf8.csv:2: category \"campaign:\u{FFFD}\u{FFFD}\": not valid UTF-8",
                                 "invalid-utf8.csv:3: account \"acme\u{FFFD}\": not valid UTF-8",
                                 "invalid-utf8.csv:4: message_id \"U-3\u{FFFD}\u{FFFD}\u{FFFD}\": not valid UTF-8"], kept: 1)),
        Case(name: "CSV: CP949 where UTF-8 is expected", source: .corpus("csv/wrong-encoding-cp949.csv"), folder: "canonical",
             outcome: .rejected(["wrong-encoding-cp949.csv:2: category \"campaign:"], kept: 0)),
        Case(name: "CSV: UTF-16", source: .corpus("csv/wrong-encoding-utf16.csv"), folder: "canonical",
             outcome: .quarantined(["not a column of this format"])),
        Case(name: "CSV: a 10 MB cell", source: .large("csv/cell-10mb.csv"), folder: "canonical",
             outcome: .rejected(["cell-10mb.csv:2: reason_text \"xxxxxxxxxx", "…\": longer than 32767 bytes"], kept: 1)),
        Case(name: "CSV: a row of 100,000 columns", source: .large("csv/columns-100k.csv"), folder: "canonical",
             outcome: .quarantined(["line 2: more than 10000 fields"])),
        Case(name: "CSV: gzip bomb (1 GiB of blanks)", source: .large("csv/bomb.csv.gz"), folder: "canonical",
             outcome: .quarantined(["line 2: row longer than 67108864 bytes"])),
        Case(name: "CSV: dates out of range or too far ahead", source: .corpus("csv/out-of-range.csv"), folder: "canonical",
             outcome: .rejected([
                "out-of-range.csv:2: sent_at \"1899-12-31T00:00:00+09:00\": out of range: before 2000 or after 2100",
                "out-of-range.csv:3: sent_at \"2200-01-01T00:00:00+09:00\": out of range: before 2000 or after 2100",
                "out-of-range.csv:4: completed_at \"9999-12-31T14:59:59Z\": out of range: before 2000 or after 2100",
                "out-of-range.csv:5: sent_at \"2026-02-30T10:00:00+09:00\": not a time in the format ISO 8601 with offset",
                "out-of-range.csv:6: sent_at \"2026-10-15T25:61:00+09:00\": not a time in the format ISO 8601 with offset",
                "out-of-range.csv:7: sent_at \"2026-10-15T10:00:00+99:00\": not a time in the format ISO 8601 with offset",
                "out-of-range.csv:8: sent_at \"2090-10-15T01:00:00Z\": out of range: more than a year after this run",
             ], kept: 1)),
        Case(name: "CSV: negative units and prices, amounts that would overflow", source: .corpus("csv/numbers.csv"), folder: "canonical",
             outcome: .rejected([
                "numbers.csv:2: units \"-1\": must not be negative",
                "numbers.csv:3: vendor_cost \"-9.9\": must not be negative",
                "numbers.csv:4: units \"99999999999999999999\": not a whole number",
                "numbers.csv:5: vendor_cost \"99999999999999999999\": not an exact amount",
                "numbers.csv:6: units \"9223372036854775807\": out of range: more than 10000000",
                "numbers.csv:7: units \"9223372036854775807\": out of range: more than 10000000",
                "numbers.csv:8: vendor_cost \"9223372036854.775807\": out of range: more than 1000000 for one message",
                "numbers.csv:9: vendor_cost \"9223372036854.775807\": out of range: more than 1000000 for one message",
                "numbers.csv:10: vendor_cost \"1e9\": not an exact amount",
                "numbers.csv:11: vendor_cost \"0.0000001\": not an exact amount",
             ], kept: 1)),

        // JSON and JSONL.
        Case(name: "JSONL: nested 100,000 deep", source: .large("jsonl/deep.jsonl"), folder: "canonical",
             outcome: .rejected(["deep.jsonl:1: (line)"], kept: 0)),
        Case(name: "JSONL: truncated", source: .corpus("jsonl/truncated.jsonl"), folder: "canonical",
             outcome: .rejected(["truncated.jsonl:2: (line)"], kept: 1)),
        Case(name: "JSON: nested 100,000 deep", source: .large("json/deep.json"), folder: "nhncloud-sms/acme",
             outcome: .quarantined(["deep.json:1: (document) \"\": not JSON"])),
        Case(name: "JSON: gzip bomb (a document then 1 GiB of blanks)", source: .large("json/bomb.json.gz"), folder: "nhncloud-sms/acme",
             outcome: .quarantined(["bomb.json.gz: inflates past 268435456 bytes; refused"])),
        Case(name: "JSON: truncated", source: .corpus("json/truncated.json"), folder: "nhncloud-sms/acme",
             outcome: .quarantined(["truncated.json:1: (document) \"\": not JSON"])),
    ]

    static func url(of source: Source) throws -> URL {
        switch source {
        case .corpus(let path): return corpus.appendingPathComponent(path)
        case .xlsxFixture(let name): return xlsxFixtures.appendingPathComponent(name)
        case .large(let path): return try large.get().appendingPathComponent(path)
        }
    }

    /// Every regular file under `root`, relative paths.
    static func files(under root: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var found: [String] = []
        while let relative = walker.nextObject() as? String {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + relative, isDirectory: &isFolder), !isFolder.boolValue {
                found.append(relative)
            }
        }
        return found.sorted()
    }

    @Test("a hostile file is set aside with a clear message; the good file is ingested; exit 65; bounded memory",
          arguments: cases)
    func hostile(_ hostile: Case) throws {
        let workspace = try Workspace(copySamples: false)
        let inbox = workspace.path("samples/inbox")
        try FileManager.default.createDirectory(atPath: inbox + "/canonical", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: inbox + "/" + hostile.folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.corpus.appendingPathComponent("good.csv").path, toPath: inbox + "/canonical/good.csv")
        let source = try Self.url(of: hostile.source)
        let name = source.lastPathComponent
        try FileManager.default.copyItem(at: source, to: URL(fileURLWithPath: inbox + "/" + hostile.folder + "/" + name))
        let delivered = "samples/inbox/\(hostile.folder)/\(name)"

        let measured = try Executable.runMeasured(["run", "--as-of", "2026-11-20", "--log-level", "debug"], in: workspace.url)
        let run = measured.result
        let transcript = run.stdout + run.stderr
        #expect(run.status == 65, "exit \(run.status)\n\(transcript)")
        #expect(run.stdout.contains("ingested samples/inbox/canonical/good.csv: 3 rows, 3 new"), "\(transcript)")
        #expect(measured.peakKiB < Self.memoryBoundKiB, "peak RSS \(measured.peakKiB) KiB")

        switch hostile.outcome {
        case .quarantined(let texts):
            #expect(run.stdout.contains("quarantined \(delivered) -> "), "\(transcript)")
            let vendor = String(hostile.folder.split(separator: "/")[0])
            let reasonPath = workspace.path("var/quarantine/\(vendor)/\(name).reason")
            let reason = (try? String(contentsOfFile: reasonPath, encoding: .utf8)) ?? ""
            for text in texts {
                #expect(reason.contains(text), "reason: \(reason)")
                #expect(run.stdout.contains(text), "\(transcript)")
            }
            #expect(!FileManager.default.fileExists(atPath: workspace.path(delivered)), "the file stayed in the inbox")
        case .rejected(let texts, let kept):
            for text in texts {
                #expect(run.stderr.contains(text), "\(transcript)")
            }
            #expect(run.stdout.contains("ingested \(delivered): "), "\(transcript)")
            #expect(run.stdout.contains(" rows, \(kept) new, "), "\(transcript)")
        }

        // No half-written output, and nothing of /etc/passwd anywhere (the XXE cases).
        let outputs = Self.files(under: workspace.path("out"))
        #expect(!outputs.isEmpty)
        #expect(outputs.allSatisfy { !$0.contains(".tmp-") }, "\(outputs)")
        let ledger = try SQLiteLedger(path: workspace.path("var/sendledger.db"), logger: Logger(label: "test"))
        #expect(try ledger.integrityCheck() == "ok")
        let secret = Data("root:x:0:0:".utf8)
        #expect(transcript.range(of: "root:x:0:0:") == nil)
        for relative in Self.files(under: workspace.path("out")).map({ "out/" + $0 }) + Self.files(under: workspace.path("var")).map({ "var/" + $0 }) {
            let data = FileManager.default.contents(atPath: workspace.path(relative)) ?? Data()
            #expect(data.range(of: secret) == nil, "\(relative) holds /etc/passwd content")
        }
    }

    @Test("the proof of the XXE check: /etc/passwd has the line it looks for") func passwdHasRoot() throws {
        let passwd = try String(contentsOfFile: "/etc/passwd", encoding: .utf8)
        #expect(passwd.contains("root:x:0:0:"))
    }
}
