import Foundation
import LedgerStore
import Logging
import Testing

/// The command line as users and cron meet it: the built executable on copies of the repo's
/// jobs/ and samples/, compared with golden output.
@Suite("End to end: run and ingest", .serialized)
struct RunTests {
    static let golden = Executable.repository.appendingPathComponent("Tests/EndToEndTests/Fixtures")

    /// Every file under out/ but the run records and metrics, with its bytes.
    static func outputDigests(_ workspace: Workspace) throws -> [String: Data] {
        var result: [String: Data] = [:]
        let root = workspace.path("out")
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [:] }
        while let relative = walker.nextObject() as? String {
            guard !relative.hasPrefix("runs") && !relative.hasPrefix("metrics") else { continue }
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + relative, isDirectory: &isFolder), !isFolder.boolValue {
                result[relative] = FileManager.default.contents(atPath: root + "/" + relative)
            }
        }
        return result
    }

    @Test("the run writes its audit record and Prometheus metrics") func runRecord() throws {
        let workspace = try Workspace()
        #expect(try workspace.run("run", "--as-of", "2026-11-20").status == 0)
        let runs = try FileManager.default.contentsOfDirectory(atPath: workspace.path("out/runs"))
        #expect(runs.count == 1)
        let data = try #require(FileManager.default.contents(atPath: workspace.path("out/runs/\(runs[0])")))
        let record = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(record["status"] as? String == "ok")
        #expect((record["inputs"] as? [[String: Any]])?.allSatisfy { ($0["sha256"] as? String)?.count == 64 } == true)
        #expect((record["outputs"] as? [[String: Any]])?.isEmpty == false)
        #expect((record["config_sha256"] as? String ?? record["configSHA256"] as? String)?.count == 64)
        let metrics = try String(contentsOfFile: workspace.path("out/metrics/sendledger.prom"), encoding: .utf8)
        #expect(metrics.contains("sendledger_rows_ingested{vendor=\"canonical\"} 56"))
        #expect(metrics.contains("sendledger_last_success_timestamp_seconds "))
        #expect(metrics.contains("sendledger_run_exit_status 0"))
    }

    @Test("a dry run reports what it would do and writes nothing") func dryRun() throws {
        let workspace = try Workspace()
        let result = try workspace.run("run", "--as-of", "2026-11-20", "--dry-run")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("would ingest samples/inbox/canonical/2026-10-deliveries.csv"))
        #expect(result.stdout.hasSuffix("dry run: nothing written\n"))
        #expect(!FileManager.default.fileExists(atPath: workspace.path("out")))
    }

    func goldenText(_ name: String) throws -> String {
        try String(contentsOf: Self.golden.appendingPathComponent(name), encoding: .utf8)
    }

    @Test("the nightly run on the samples prints counts; a second run changes nothing") func runOnSamples() throws {
        let workspace = try Workspace()
        // A fixed as-of day: which cycles close depends on it.
        let first = try workspace.run("run", "--as-of", "2026-11-20")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == (try goldenText("run-samples.txt")))
        let ledger = try SQLiteLedger(path: workspace.path("var/sendledger.db"), logger: Logger(label: "test"))
        let dump = try ledger.canonicalDump()
        let outputs = try Self.outputDigests(workspace)
        let second = try workspace.run("run", "--as-of", "2026-11-20")
        #expect(second.status == 0)
        // Nothing new: the same outputs, byte for byte.
        #expect(try Self.outputDigests(workspace) == outputs)
        #expect(second.stdout == (try goldenText("run-samples-again.txt")))
        #expect(try ledger.canonicalDump() == dump)
        #expect(try ledger.integrityCheck() == "ok")
    }

    @Test("ingesting a canonical file twice leaves identical tables") func ingestTwice() throws {
        let workspace = try Workspace()
        let file = "samples/inbox/canonical/2026-10-deliveries.csv"
        #expect(try workspace.run("ingest", file).status == 0)
        let ledger = try SQLiteLedger(path: workspace.path("var/sendledger.db"), logger: Logger(label: "test"))
        let dump = try ledger.canonicalDump()
        let again = try workspace.run("ingest", file)
        #expect(again.status == 0)
        #expect(again.stdout.contains("already ingested"))
        #expect(try ledger.canonicalDump() == dump)
    }

    @Test("bad canonical rows are rejected with file, row, field, value and reason; good rows are kept; exit 65") func badRows() throws {
        let workspace = try Workspace(copySamples: false)
        try workspace.write("bad.csv", """
            vendor,account,message_id,batch_id,sent_at,completed_at,channel,status,refundable,reason_code,reason_text,units,category,sender,recipient,fallback_of,vendor_cost
            sendon,acme,ok-1,,2026-10-15T10:00:00+09:00,,SMS,DELIVERED,false,,,1,,,,,9.9
            sendon,acme,bad-1,,2026-10-15T10:00:00+09:00,,SMS,TELEPORTED,false,,,1,,,,,9.9
            sendon,acme,ok-2,,2026-10-15T10:00:00+09:00,,LMS,DELIVERED,false,,,1,,,,,29

            """)
        let result = try workspace.run("ingest", "bad.csv")
        #expect(result.status == 65)
        #expect(result.stderr.contains("rejected bad.csv:3: status \"TELEPORTED\": unknown status"))
        #expect(result.stdout.contains("3 rows, 2 new"))
        let ledger = try SQLiteLedger(path: workspace.path("var/sendledger.db"), logger: Logger(label: "test"))
        #expect(try ledger.counts().deliveries == 2)
        #expect(try ledger.rejects().map(\.description) == ["bad.csv:3: status \"TELEPORTED\": unknown status"])
    }

    @Test("an unreadable inbox file is quarantined with a reason; the rest goes on") func quarantine() throws {
        let workspace = try Workspace()
        try workspace.write("samples/inbox/canonical/broken.csv", "vendor,account,message_id,sent_at,channel,status\n\"open quote,\n")
        let result = try workspace.run("run")
        #expect(result.status == 65)
        #expect(result.stdout.contains("quarantined samples/inbox/canonical/broken.csv -> var/quarantine/canonical/broken.csv"))
        let reason = try String(contentsOfFile: workspace.path("var/quarantine/canonical/broken.csv.reason"), encoding: .utf8)
        #expect(reason.contains("never closed"))
        #expect(result.stdout.contains("ingested samples/inbox/canonical/2026-10-deliveries.csv"))
    }

    @Test("a run while another holds the lock exits 75 at once") func lockBusy() throws {
        let workspace = try Workspace()
        try FileManager.default.createDirectory(atPath: workspace.path("var"), withIntermediateDirectories: true)
        let fd = open(workspace.path("var/sendledger.lock"), O_RDWR | O_CREAT, 0o644)
        #expect(flock(fd, LOCK_EX | LOCK_NB) == 0)
        let result = try workspace.run("run")
        #expect(result.status == 75)
        #expect(result.stderr.contains("busy"))
        flock(fd, LOCK_UN)
        close(fd)
        #expect(try workspace.run("run").status == 0)
    }

    @Test("config errors name the file and key; exit 64", arguments: [
        ("store = \"mysql://x\"\n", "store: expected sqlite:PATH or postgres://..."),
        ("[paths]\ninbox = 3\n", "paths.inbox: expected a string"),
        ("[policy]\ncolour = \"red\"\n", "policy.colour: unknown key"),
        ("[policy]\ntime_zone = \"Mars/Olympus\"\n", "policy.time_zone: unknown time zone"),
        ("[policy]\ngrace_days = -1\n", "policy.grace_days: -1 is outside"),
        ("store = \n", "jobs/bad.toml: "),
    ])
    func configErrors(text: String, message: String) throws {
        let workspace = try Workspace(copySamples: false)
        try workspace.write("jobs/bad.toml", text)
        let result = try workspace.run("check-config", "--config", "jobs/bad.toml")
        #expect(result.status == 64)
        #expect(result.stderr.contains("jobs/bad.toml: "))
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test("the default config checks clean") func checkConfig() throws {
        let workspace = try Workspace()
        let result = try workspace.run("check-config")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("config ok: jobs/nightly.toml"))
    }

    @Test("usage errors exit 64") func usage() throws {
        let workspace = try Workspace(copySamples: false)
        #expect(try workspace.run("run", "--as-of", "yesterday").status == 64)
        #expect(try workspace.run("rerun", "--account", "acme").status == 64)
    }
}
