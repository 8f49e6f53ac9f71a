import Foundation
import LedgerPostgres
import LedgerStore
import Testing

/// Several `sendledger ingest` processes on one PostgreSQL database, each on its own file, the
/// files sharing messages: the ledger must equal the one a single process makes.
@Suite("PostgreSQL: concurrent ingest processes", .enabled(if: TestPostgres.url != nil, Comment(rawValue: TestPostgres.skipMessage)))
struct ConcurrentIngestTests {
    /// The built executable, as the end-to-end tests find it (`SENDLEDGER_BIN` overrides).
    static let executable: URL = {
        if let override = ProcessInfo.processInfo.environment["SENDLEDGER_BIN"] { return URL(fileURLWithPath: override) }
        var candidates: [URL] = []
        if let runner = Bundle.main.executableURL { candidates.append(runner.deletingLastPathComponent().appendingPathComponent("sendledger")) }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("sendledger"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates.last!
    }()

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Four canonical files. Each has messages of its own; 1,500 messages appear in all four
    /// with statuses whose outcome does not depend on the order the files commit in
    /// (SCHEDULED, PENDING, DELIVERED, SCHEDULED again: DELIVERED from file 2 is final).
    static func files(in folder: URL) throws -> [String] {
        let header = "vendor,account,message_id,batch_id,sent_at,completed_at,channel,status,refundable,reason_code,reason_text,units,category,sender,recipient,fallback_of,vendor_cost\n"
        let accounts = ["acme", "hanbit", "northwind"]
        let sharedStatus = ["SCHEDULED", "PENDING", "DELIVERED", "SCHEDULED"]
        var paths: [String] = []
        for file in 0..<4 {
            var text = header
            for index in 0..<6000 {
                let shared = index < 1500
                let id = shared ? "S-\(index)" : "F\(file)-\(index)"
                let status = shared ? sharedStatus[file] : ["DELIVERED", "FAILED", "PENDING"][index % 3]
                let account = accounts[index % 3]
                let minute = (index / 60) % 60, second = index % 60
                let channel = ["SMS", "LMS", "ALIMTALK", "CALL"][index % 4]
                let cost = shared ? "\(9 + file)" : "\(index % 50)"
                text += "sendon,\(account),\(id),B\(file),2026-10-1\(index % 5)T1\(file):\(pad(minute)):\(pad(second))+09:00,,\(channel),\(status),"
                text += "\(status == "FAILED" ? "true" : "false"),,,\(index % 7 + 1),campaign:c\(index % 4),@acme,010-1234-\(pad4(index)),,\(cost)\n"
                if index % 1000 == 999 { text += "sendon,acme,BAD-\(file)-\(index),B,not-a-time,,SMS,DELIVERED,false,,,1,,,,,\n" }
            }
            let path = folder.appendingPathComponent("part-\(file).csv").path
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        return paths
    }

    static func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
    static func pad4(_ value: Int) -> String { String(format: "%04d", value % 10000) }

    /// A workspace with jobs/ and a config whose store is `url`; the recipient hash key is made
    /// up front so that processes starting together share it.
    static func workspace(storeURL: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sendledger-pg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("var"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: repository.appendingPathComponent("jobs"), to: folder.appendingPathComponent("jobs"))
        let config = try String(contentsOf: repository.appendingPathComponent("jobs/nightly.toml"), encoding: .utf8)
            .replacingOccurrences(of: "store = \"sqlite:var/sendledger.db\"", with: "store = \"\(storeURL)\"")
        #expect(config.contains(storeURL))
        try Data(config.utf8).write(to: folder.appendingPathComponent("jobs/pg.toml"))
        try Data((0..<32).map { UInt8($0 * 7 + 3) }).write(to: folder.appendingPathComponent("var/hash.key"))
        return folder
    }

    static func start(_ arguments: [String], in folder: URL) throws -> (Process, URL) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = folder
        let log = folder.appendingPathComponent("out-\(UUID().uuidString).txt")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return (process, log)
    }

    /// The dump without the manifest's per-file counts, which depend on commit order.
    static func comparable(_ dump: String) -> String {
        var lines: [String] = [], inManifest = false
        for line in dump.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# ") { inManifest = line == "# ingested_files" }
            // Keep the file's hash and size; drop path and counts.
            lines.append(inManifest && !line.hasPrefix("# ") ? line.split(separator: "|").prefix(1).joined() : String(line))
        }
        return lines.joined(separator: "\n")
    }

    @Test("four ingest processes at once give the ledger one process gives")
    func fourProcesses() throws {
        let parallelDatabase = try TestPostgres.freshDatabase(), serialDatabase = try TestPostgres.freshDatabase()
        defer { parallelDatabase.drop(); serialDatabase.drop() }
        let parallel = try Self.workspace(storeURL: parallelDatabase.url), serial = try Self.workspace(storeURL: serialDatabase.url)
        defer { try? FileManager.default.removeItem(at: parallel); try? FileManager.default.removeItem(at: serial) }
        let files = try Self.files(in: parallel)

        // Create the schema once, before the race (processes starting together also agree:
        // migrations take an advisory lock, but this keeps the test about ingest).
        _ = try PostgresLedger(url: parallelDatabase.url, logger: quietLogger)
        let running = try files.map { try Self.start(["ingest", "--config", "jobs/pg.toml", $0], in: parallel) }
        for (process, log) in running {
            process.waitUntilExit()
            let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            // 65: some rows rejected (the files hold a bad row per thousand), never 70 or 75.
            #expect(process.terminationStatus == 65, "\(output)")
        }
        let (one, oneLog) = try Self.start(["ingest", "--config", "jobs/pg.toml"] + files, in: serial)
        one.waitUntilExit()
        #expect(one.terminationStatus == 65, "\((try? String(contentsOf: oneLog, encoding: .utf8)) ?? "")")

        let parallelLedger = try PostgresLedger(url: parallelDatabase.url, logger: quietLogger)
        let serialLedger = try PostgresLedger(url: serialDatabase.url, logger: quietLogger)
        let parallelDump = try parallelLedger.canonicalDump(), serialDump = try serialLedger.canonicalDump()
        #expect(try parallelLedger.counts() == (try serialLedger.counts()))
        #expect(try parallelLedger.counts().deliveries == 1500 + 4 * 4500)
        #expect(Self.comparable(parallelDump) == Self.comparable(serialDump))
        // Every row is accounted for once in each ledger's manifest.
        for ledger in [parallelLedger, serialLedger] {
            let totals = try ledger.ingestedFiles().map(\.counts)
            let inserted: Int = totals.map(\.inserted).reduce(0, +)
            let rows: Int = totals.map(\.rows).reduce(0, +)
            let decided: Int = totals.map { (c: FileIngestCounts) -> Int in
                c.inserted + c.updated + c.unchanged + c.stale + c.conflicts + c.rejected
            }.reduce(0, +)
            #expect(inserted == 1500 + 4 * 4500)
            #expect(rows == 4 * 6006)
            #expect(decided == 4 * 6006)
        }
    }
}
