import Foundation
import Testing

/// Every vendor sample against its golden canonical JSONL (`vendors check --canonical-jsonl`,
/// the built executable), byte for byte; Fixtures/vendors/regenerate.sh rewrites them.
@Suite("Vendor samples: golden canonical JSONL (the built executable)")
struct VendorGoldenTests {
    static let golden = Executable.repository.appendingPathComponent("Tests/EndToEndTests/Fixtures/vendors")

    /// `<profile>/<account>/<file>` of every vendor sample in samples/inbox.
    static let samples: [String] = {
        let inbox = Executable.repository.appendingPathComponent("samples/inbox").path
        var found: [String] = []
        let fm = FileManager.default
        for profile in ((try? fm.contentsOfDirectory(atPath: inbox)) ?? []).sorted() where profile != "canonical" && !profile.hasPrefix(".") {
            for account in ((try? fm.contentsOfDirectory(atPath: inbox + "/" + profile)) ?? []).sorted() {
                for file in ((try? fm.contentsOfDirectory(atPath: "\(inbox)/\(profile)/\(account)")) ?? []).sorted() {
                    found.append("\(profile)/\(account)/\(file)")
                }
            }
        }
        return found
    }()

    @Test("each sample maps to its golden canonical records (or summary rows), no reject", arguments: samples)
    func sample(_ relative: String) throws {
        let profile = String(relative.prefix { $0 != "/" })
        let result = try Executable.run(["vendors", "check", "--vendor", profile, "--canonical-jsonl", "samples/inbox/\(relative)"],
                                        in: Executable.repository)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        let expected = try String(contentsOf: Self.golden.appendingPathComponent(relative + ".jsonl"), encoding: .utf8)
        #expect(result.stdout == expected, "regenerate with Tests/EndToEndTests/Fixtures/vendors/regenerate.sh if the change is meant")
    }

    @Test("every sample has a golden file and every golden file a sample") func complete() throws {
        #expect(Self.samples.count >= 10)
        var goldens: [String] = []
        let walker = FileManager.default.enumerator(atPath: Self.golden.path)
        while let path = walker?.nextObject() as? String {
            if path.hasSuffix(".jsonl") { goldens.append(String(path.dropLast(6))) }
        }
        #expect(goldens.sorted() == Self.samples.sorted())
    }

    @Test("canonical JSONL from a vendor file is what `ingest` reads: the same records")
    func roundTrip() throws {
        let workspace = try Workspace()
        let check = try workspace.run("vendors", "check", "--vendor", "channeltalk-jsonl", "--canonical-jsonl",
                                      "samples/inbox/channeltalk-jsonl/hanbit/channeltalk-2026-10.jsonl")
        #expect(check.status == 0)
        try workspace.write("in/channeltalk.jsonl", check.stdout)
        let ingest = try workspace.run("ingest", "in/channeltalk.jsonl")
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(ingest.stdout.contains("8 rows, 8 new"))
    }

    @Test("rejects go to stderr as file:row: field \"value\": reason, the kept records to stdout; exit 65")
    func rejects() throws {
        let workspace = try Workspace(copySamples: false)
        try workspace.write("in/ct.jsonl", """
            {"id":"a","createdAt":1759885200000,"name":"x","state":"sent","medium":"sms","contact":"010-1111-2222"}
            {"id":"b","createdAt":1759885200000,"name":"x","state":"teleported","medium":"sms","contact":"010-1111-2222"}

            """)
        let result = try workspace.run("vendors", "check", "--vendor", "channeltalk-jsonl", "--account", "acme", "--canonical-jsonl", "in/ct.jsonl")
        #expect(result.status == 65)
        #expect(result.stdout.split(separator: "\n").count == 1 && result.stdout.contains(#""message_id":"a""#))
        #expect(result.stderr == "rejected in/ct.jsonl:2: status \"teleported\": unknown status\n")
    }

    @Test("the run stores summary files with their account; reconciliation reports them against the detail")
    func summariesReconciled() throws {
        let workspace = try Workspace()
        let run = try workspace.run("run", "--as-of", "2026-11-20")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("ingested samples/inbox/ktcommunis-list/acme/ktcommunis-list-2026-10.xlsx: 2 rows, 2 new"))
        let lines = try String(contentsOfFile: workspace.path("out/discrepancies/2026-11-20.jsonl"), encoding: .utf8).split(separator: "\n")
        // Godomall's second send has no per-recipient file among the samples: all of it differs.
        #expect(lines.contains { $0.contains(#""vendor":"godomall","account":"hanbit","grain":"batch","key":"2026-10-21 16:30:40","measure":"total","summary":1250,"detail":0"#) })
        // KT's console counts a result-uncertain (3005) message as failed; the ledger holds it PENDING.
        #expect(lines.contains { $0.contains(#""vendor":"ktcommunis","account":"acme","grain":"day-template","key":"2026-10-15|ACME_DELIVERY_02","measure":"failure","summary":1,"detail":0"#) })
        // A summary matched by the detail is no row: KT's 2026-10-14 order notices.
        #expect(!lines.contains { $0.contains("2026-10-14|ACME_ORDER_01") })
    }
}
