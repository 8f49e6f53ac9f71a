import Foundation
import LedgerStore
import Logging
import Testing
import TestSupport

/// BILLING.md / the bar for done: an ingest killed at any point (SIGKILL) and rerun gives the
/// same ledger as an uninterrupted one.
@Suite("Crash safety", .serialized)
struct CrashTests {
    /// A large canonical file plus two files of status updates for some of its messages.
    static func makeInputs(in workspace: Workspace, rows: Int) throws -> [String] {
        let header = "vendor,account,message_id,batch_id,sent_at,completed_at,channel,status,refundable,reason_code,reason_text,units,category,sender,recipient,fallback_of,vendor_cost\n"
        let channels = ["SMS", "LMS", "ALIMTALK", "FRIENDTALK:IMAGE", "EMAIL", "CALL"]
        let statuses = ["DELIVERED", "DELIVERED", "DELIVERED", "PENDING", "FAILED", "SCHEDULED"]
        var big = header
        var updates = header
        var corrections = header
        big.reserveCapacity(rows * 160)
        for index in 0..<rows {
            let account = "acct-\(index % 50)"
            let day = 1 + index % 28
            let channel = channels[index % channels.count]
            let status = statuses[(index / 7) % statuses.count]
            let line = "sendon,\(account),M\(index),B\(index / 100),2026-10-\(day < 10 ? "0" : "")\(day)T\(10 + index % 12):00:00+09:00,,\(channel),\(status),\(status == "FAILED" ? "true" : "false"),\(status == "FAILED" ? "3018" : ""),\(status == "FAILED" ? "\"단말기 수신 불가, 재시도\"" : ""),\(channel == "CALL" ? index % 300 : 1),campaign:가을,02-1588-0000,010-\(1000 + index % 9000)-\(1000 + index % 8999),,\(index % 3 == 0 ? "" : "9.9")\n"
            big += line
            if status == "PENDING" || status == "SCHEDULED" {
                updates += line.replacingOccurrences(of: ",\(status),", with: ",DELIVERED,")
            }
            if index % 997 == 0 {
                corrections += line.replacingOccurrences(of: ",\(status),", with: ",FAILED,")
            }
        }
        // The same recipient-hash key in every workspace, so hashes compare equal.
        try workspace.write("var/hash.key", String(repeating: "k", count: 32))
        try workspace.write("in/1-big.csv", big)
        try workspace.write("in/2-updates.csv", updates)
        try workspace.write("in/3-corrections.csv", corrections)
        return ["in/1-big.csv", "in/2-updates.csv", "in/3-corrections.csv"]
    }

    @Test("SIGKILL at random moments during ingest, then a rerun, equals an uninterrupted ingest") func killAndRerun() throws {
        let reference = try Workspace(copySamples: false)
        let files = try Self.makeInputs(in: reference, rows: 120_000)
        let done = try Executable.run(["ingest"] + files, in: reference.url)
        #expect(done.status == 0, "\(done.stderr)")
        let expected = try SQLiteLedger(path: reference.path("var/sendledger.db"), logger: Logger(label: "test")).canonicalDump()

        // Seeded so a failure can be replayed; the moments still fall across every stage.
        var generator = SplitMix64(seed: UInt64(ProcessInfo.processInfo.environment["CRASH_SEED"] ?? "") ?? 20_261_125)
        let interrupted = try Workspace(copySamples: false)
        _ = try Self.makeInputs(in: interrupted, rows: 120_000)
        var kills = 0
        for _ in 0..<6 {
            let process = try Executable.start(["ingest"] + files, in: interrupted.url)
            let delay = Double(generator.next() % 2500) / 1000 + 0.05
            Thread.sleep(forTimeInterval: delay)
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                kills += 1
            }
            process.waitUntilExit()
            let ledger = try SQLiteLedger(path: interrupted.path("var/sendledger.db"), logger: Logger(label: "test"))
            #expect(try ledger.integrityCheck() == "ok")
        }
        let finish = try Executable.run(["ingest"] + files, in: interrupted.url)
        #expect(finish.status == 0, "\(finish.stderr)")
        let ledger = try SQLiteLedger(path: interrupted.path("var/sendledger.db"), logger: Logger(label: "test"))
        #expect(try ledger.canonicalDump() == expected)
        #expect(kills > 0, "no ingest was interrupted; the files are too small for this machine")
    }
}

@Suite("Signals", .serialized)
struct SignalTests {
    @Test("SIGTERM during a run rolls back the file in progress, records the run as interrupted, exits 75") func sigterm() throws {
        let workspace = try Workspace(copySamples: false)
        let files = try CrashTests.makeInputs(in: workspace, rows: 120_000)
        try FileManager.default.createDirectory(atPath: workspace.path("samples/inbox/canonical"), withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: workspace.path(files[0]), toPath: workspace.path("samples/inbox/canonical/big.csv"))
        let process = try Executable.start(["run", "--as-of", "2026-11-20"], in: workspace.url)
        Thread.sleep(forTimeInterval: 1.0)
        try #require(process.isRunning, "the run finished before the signal; the file is too small for this machine")
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 75)
        let ledger = try SQLiteLedger(path: workspace.path("var/sendledger.db"), logger: Logger(label: "test"))
        #expect(try ledger.counts().deliveries == 0)
        #expect(try ledger.counts().files == 0)
        let runs = try FileManager.default.contentsOfDirectory(atPath: workspace.path("out/runs"))
        let record = try String(contentsOfFile: workspace.path("out/runs/\(runs[0])"), encoding: .utf8)
        #expect(record.contains("\"status\" : \"interrupted\""))
        // The next run ingests the file whole.
        let again = try workspace.run("run", "--as-of", "2026-11-20")
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try ledger.counts().deliveries == 120_000)
    }
}
