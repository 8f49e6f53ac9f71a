import Foundation
import LedgerStore
import Logging
import Testing
import TestSupport

/// The nightly run killed (SIGKILL) at seeded random moments — ingesting, closing, writing
/// statements and reports, purging — many times, each kill followed by a check and the next
/// attempt: the ledger passes `PRAGMA integrity_check`, every file visible under out/ is whole
/// (byte for byte what an undisturbed run writes there), and once a run finishes, the ledger,
/// statements and reports equal those of undisturbed runs.
@Suite("Crash safety: the nightly run", .serialized)
struct NightlyCrashTests {
    /// Two nights: the first closes the 2026 cycles; the second, a year on, closes every cycle
    /// since and purges the 2026 detail (past retention).
    static let nights = ["2026-11-20", "2027-12-20"]

    /// Canonical deliveries for the sample accounts from 2026-01 to 2026-11, and a file of
    /// status updates for some of them.
    static func makeInbox(in workspace: Workspace, rows: Int) throws {
        let header = "vendor,account,message_id,batch_id,sent_at,completed_at,channel,status,refundable,reason_code,reason_text,units,category,sender,recipient,fallback_of,vendor_cost\n"
        let channels = ["SMS", "LMS", "ALIMTALK", "FRIENDTALK:IMAGE", "EMAIL", "CALL"]
        let statuses = ["DELIVERED", "DELIVERED", "DELIVERED", "PENDING", "FAILED", "SCHEDULED"]
        var deliveries = header, updates = header
        for index in 0..<rows {
            let account = index % 3 == 0 ? "hanbit" : "acme"
            let year = 2026  // the price book starts on 2026-01-01
            let monthOfYear = 1 + index % 11  // January to November
            let day = 1 + index % 28
            let channel = channels[index % channels.count]
            let status = statuses[(index / 7) % statuses.count]
            let sentAt = String(format: "%04d-%02d-%02dT%02d:%02d:00+09:00", year, monthOfYear, day, 8 + index % 12, index % 60)
            let line = "sendon,\(account),N\(index),B\(index / 100),\(sentAt),,\(channel),\(status),\(status == "FAILED"),"
                + "\(status == "FAILED" ? "3018" : ""),,\(channel == "CALL" ? index % 300 : 1),campaign:가을,02-1588-0000,"
                + "010-\(1000 + index % 9000)-\(1000 + index % 8999),,\(index % 3 == 0 ? "" : "9.9")\n"
            deliveries += line
            if status == "PENDING" || status == "SCHEDULED" {
                updates += line.replacingOccurrences(of: ",\(status),", with: ",DELIVERED,")
            }
        }
        try workspace.write("var/hash.key", String(repeating: "k", count: 32))
        try workspace.write("samples/inbox/canonical/1-deliveries.csv", deliveries)
        try workspace.write("samples/inbox/canonical/2-updates.csv", updates)
    }

    /// The ledger's billing tables as sorted text without run ids and wall-clock times (the
    /// ingest tables are in `canonicalDump`).
    static func billingDump(_ workspace: Workspace) throws -> String {
        let script = """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            skip_tables = {"runs", "grdb_migrations", "deliveries", "daily_rollups", "ingested_files", "rejects", "status_conflicts"}
            def volatile(column):
                return column == "run_id" or column.endswith("_run_id") or column.endswith("_at") or column in ("id", "seq")
            for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"):
                if table in skip_tables:
                    continue
                columns = [row[1] for row in db.execute(f'PRAGMA table_info("{table}")') if not volatile(row[1])]
                print("#", table, ",".join(columns))
                rows = db.execute(f'SELECT {",".join(chr(34) + c + chr(34) for c in columns)} FROM "{table}"').fetchall()
                for row in sorted(rows, key=repr):
                    print(repr(row))
            """
        let result = try Executable.run(program: "/usr/bin/env", ["python3", "-c", script, workspace.path("var/sendledger.db")])
        guard result.status == 0 else { throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: result.stderr]) }
        return result.stdout
    }

    struct State: Equatable {
        var ledger: String
        var billing: String
        var outputs: [String: Data]
    }

    static func state(_ workspace: Workspace) throws -> State {
        let ledger = try SQLiteLedger(path: workspace.path("var/sendledger.db"), logger: Logger(label: "test"))
        return State(ledger: try ledger.canonicalDump(), billing: try billingDump(workspace), outputs: try RunTests.outputDigests(workspace))
    }

    @Test("SIGKILL during ingest, closing, statements, reports and purge, then a normal run: equal to undisturbed runs")
    func killTheNightlyRun() throws {
        let rows = 20_000
        let reference = try Workspace(copySamples: false)
        try Self.makeInbox(in: reference, rows: rows)
        var durations: [Double] = []
        // What out/ holds after each night: a killed run leaves each file as before or as after.
        var outputsAfter: [[String: Data]] = [[:]]
        for night in Self.nights {
            let started = Date()
            let run = try reference.run("run", "--as-of", night)
            durations.append(Date().timeIntervalSince(started))
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
            outputsAfter.append(try RunTests.outputDigests(reference))
        }
        let expected = try Self.state(reference)
        #expect(expected.outputs.keys.contains { $0.hasPrefix("statements/") })
        #expect(expected.billing.contains("purge"), "the nights purged nothing; the test would not cover purge")

        let interrupted = try Workspace(copySamples: false)
        try Self.makeInbox(in: interrupted, rows: rows)
        var generator = SplitMix64(seed: UInt64(ProcessInfo.processInfo.environment["CRASH_SEED"] ?? "") ?? 20_261_126)
        var kills = 0
        for (index, (night, duration)) in zip(Self.nights, durations).enumerated() {
            for _ in 0..<5 {
                let process = try Executable.start(["run", "--as-of", night], in: interrupted.url)
                // Anywhere in the run, as long as an undisturbed one takes on this machine.
                Thread.sleep(forTimeInterval: Double(generator.next() % 1000) / 1000 * duration)
                if process.isRunning {
                    kill(process.processIdentifier, SIGKILL)
                    kills += 1
                }
                process.waitUntilExit()
                let ledger = try SQLiteLedger(path: interrupted.path("var/sendledger.db"), logger: Logger(label: "test"))
                #expect(try ledger.integrityCheck() == "ok")
                // Whatever is visible under out/ is whole: as the night before left it, or as
                // this night leaves it; never part of either.
                for (path, data) in try RunTests.outputDigests(interrupted) where !path.hasPrefix(".") && !path.contains("/.") {
                    #expect(data == outputsAfter[index][path] || data == outputsAfter[index + 1][path], "out/\(path) is not whole after a kill")
                }
            }
            let finish = try interrupted.run("run", "--as-of", night)
            #expect(finish.status == 0, "\(finish.stdout)\(finish.stderr)")
        }
        let state = try Self.state(interrupted)
        #expect(state.ledger == expected.ledger)
        #expect(state.billing == expected.billing)
        #expect(state.outputs.keys.sorted() == expected.outputs.keys.sorted())
        for (path, data) in expected.outputs where state.outputs[path] != data {
            Issue.record("out/\(path) differs from the undisturbed run's")
        }
        #expect(HostileInputTests.files(under: interrupted.path("out")).allSatisfy { !$0.contains(".tmp-") },
                "a temporary file was left under out/")
        #expect(kills > 0, "no run was interrupted")
    }
}
