import Foundation
import LedgerStore
import Logging
import Testing

/// Three months of nightly runs, as cron would make them, with `--as-of`: files arrive late,
/// statuses change after closing, a record arrives past the late window and is applied by hand
/// with `rerun --adjust`, detail past retention is purged, and a record for a purged day is
/// rejected. The whole transcript (every command's output), the stored adjustments and the
/// ledger's shape at the end are golden.
@Suite("End to end: three months of nightly runs", .serialized)
struct NightlyScenarioTests {
    static let goldenFile = Executable.repository.appendingPathComponent("Tests/EndToEndTests/Fixtures/nightly-scenario.txt")

    /// A scenario config: the repository's accounts and price book, its own inbox, archive on,
    /// and a short retention so purges happen within the three months.
    static let config = """
        store = "sqlite:var/scenario.db"
        [paths]
        inbox = "inbox"
        out = "out"
        quarantine = "var/quarantine"
        archive = "var/archive"
        lock = "var/scenario.lock"
        [policy]
        time_zone = "Asia/Seoul"
        grace_days = 3
        late_window_days = 35
        finality_hours = 72
        uncertain = "charge"
        retention_days = 40
        [privacy]
        mask_recipients = true
        hash_key_file = "var/hash.key"
        [accounts]
        file = "jobs/accounts.csv"
        [price_book]
        file = "jobs/pricebook.toml"
        [vendors]
        dir = "jobs/vendors"
        """

    static let header = "vendor,account,message_id,batch_id,sent_at,completed_at,channel,status,refundable,reason_code,reason_text,units,category,sender,recipient,fallback_of,vendor_cost\n"

    /// `count` messages a day for an account over [from, to] (day numbers of one month), with a
    /// rotating channel; ids are stable so later files can update them.
    static func traffic(_ account: String, month: String, days: ClosedRange<Int>, perDay count: Int,
                        status: (Int, Int) -> String = { _, _ in "DELIVERED" }) -> String {
        let channels = ["SMS", "LMS", "ALIMTALK", "SMS"]
        var text = ""
        for day in days {
            for n in 0..<count {
                let id = "\(account)-\(month)-\(String(format: "%02d", day))-\(n)"
                let sent = "\(month)-\(String(format: "%02d", day))T\(String(format: "%02d", 9 + n)):00:00+09:00"
                let s = status(day, n)
                let refundable = s == "FAILED" ? "true" : "false"
                text += "sendon,\(account),\(id),B\(month),\(sent),,\(channels[n % channels.count]),\(s),\(refundable),,,1,one-time:notice,010-0000-0000,010-1234-56\(String(format: "%02d", n)),,\n"
            }
        }
        return text
    }

    func step(_ workspace: Workspace, _ transcript: inout String, _ arguments: String...) throws {
        let result = try Executable.run(arguments + ["--config", "jobs/scenario.toml"], in: workspace.url)
        transcript += "$ sendledger \(arguments.joined(separator: " "))\n\(result.stdout)exit \(result.status)\n\n"
    }

    func sql(_ workspace: Workspace, _ query: String) throws -> String {
        try Executable.run(program: "/usr/bin/sqlite3", [workspace.path("var/scenario.db"), query]).stdout
    }

    @Test("cron over three months: late files, status changes, rerun --adjust, purges") func threeMonths() throws {
        let workspace = try Workspace(copySamples: false)
        try workspace.write("jobs/scenario.toml", Self.config)
        var transcript = ""

        // September: the first days arrive on the 10th.
        try workspace.write("inbox/canonical/2026-09-a.csv", Self.header
            + Self.traffic("acme", month: "2026-08", days: 20...31, perDay: 2)
            + Self.traffic("acme", month: "2026-09", days: 1...9, perDay: 2)
            + Self.traffic("hanbit", month: "2026-09", days: 1...9, perDay: 3, status: { day, n in day == 9 && n == 0 ? "PENDING" : "DELIVERED" }))
        try step(workspace, &transcript, "run", "--as-of", "2026-09-10")

        // October 5th: the rest of September; hanbit's pending message turns out failed.
        try workspace.write("inbox/canonical/2026-10-b.csv", Self.header
            + Self.traffic("acme", month: "2026-09", days: 10...30, perDay: 2)
            + Self.traffic("hanbit", month: "2026-09", days: 9...30, perDay: 3, status: { day, n in day == 9 && n == 0 ? "FAILED" : "DELIVERED" }))
        try step(workspace, &transcript, "run", "--as-of", "2026-10-05")

        // October 20th: October, plus late September records for hanbit (closed on the 5th,
        // still inside its late window: adjusted automatically onto its open cycle).
        try workspace.write("inbox/canonical/2026-10-c.csv", Self.header
            + Self.traffic("acme", month: "2026-10", days: 1...19, perDay: 2, status: { day, n in day == 3 && n == 0 ? "PENDING" : "DELIVERED" })
            + Self.traffic("hanbit", month: "2026-10", days: 1...19, perDay: 3)
            + Self.traffic("hanbit", month: "2026-09", days: 29...30, perDay: 5).split(separator: "\n").suffix(4).joined(separator: "\n") + "\n")
        try step(workspace, &transcript, "run", "--as-of", "2026-10-20")
        // The same night again, nothing new: nothing changes.
        try step(workspace, &transcript, "run", "--as-of", "2026-10-20")

        // November: the rest of October; acme's message pending since October 3rd (billed as
        // uncertain when its cycle closed) failed: a status change, adjusted onto the open cycle.
        try workspace.write("inbox/canonical/2026-11-d.csv", Self.header
            + Self.traffic("acme", month: "2026-10", days: 3...3, perDay: 1, status: { _, _ in "FAILED" })
            + Self.traffic("acme", month: "2026-10", days: 20...31, perDay: 2)
            + Self.traffic("hanbit", month: "2026-10", days: 20...31, perDay: 3)
            + Self.traffic("acme", month: "2026-11", days: 1...16, perDay: 2))
        try step(workspace, &transcript, "run", "--as-of", "2026-11-05")
        try step(workspace, &transcript, "run", "--as-of", "2026-11-20")

        // December 10th: November arrives; detail past retention is purged by the run.
        try workspace.write("inbox/canonical/2026-12-e.csv", Self.header
            + Self.traffic("acme", month: "2026-11", days: 17...30, perDay: 2)
            + Self.traffic("hanbit", month: "2026-11", days: 1...30, perDay: 1))
        try step(workspace, &transcript, "run", "--as-of", "2026-12-10")

        // December 21st: two acme records of November 13th arrive, past the late window of the
        // cycle that closed in November (listed, not applied), and one of September 3rd, whose
        // detail was purged (rejected: counting it again would double the rollups). Ops dry-run
        // the rerun, then apply it with --adjust.
        try workspace.write("inbox/canonical/2026-12-f.csv", Self.header
            + Self.traffic("acme", month: "2026-11", days: 13...13, perDay: 4).split(separator: "\n").suffix(2).joined(separator: "\n") + "\n"
            + Self.traffic("acme", month: "2026-09", days: 3...3, perDay: 3).split(separator: "\n").suffix(1).joined(separator: "\n") + "\n"
            + Self.traffic("acme", month: "2026-12", days: 1...20, perDay: 1))
        try step(workspace, &transcript, "run", "--as-of", "2026-12-21")
        try step(workspace, &transcript, "rerun", "--account", "acme", "--cycle", "2026-10-15", "--as-of", "2026-12-21", "--dry-run")
        try step(workspace, &transcript, "rerun", "--account", "acme", "--cycle", "2026-10-15", "--as-of", "2026-12-21", "--adjust")
        try step(workspace, &transcript, "rerun", "--account", "acme", "--cycle", "2026-10-15", "--as-of", "2026-12-21", "--dry-run")
        try step(workspace, &transcript, "rerun", "--account", "acme", "--cycle", "2026-12-15", "--as-of", "2026-12-21")
        try step(workspace, &transcript, "rerun", "--account", "hanbit", "--month", "2026-12", "--as-of", "2026-12-21", "--dry-run")
        try step(workspace, &transcript, "purge", "--as-of", "2026-12-21", "--dry-run")

        transcript += "# adjustments (account, target cycle, original cycle, reason, units, amount)\n"
        transcript += try sql(workspace, """
            SELECT account, target_cycle, original_cycle, json_extract(content, '$.reason'), json_extract(content, '$.units'),
                   json_extract(content, '$.amount') FROM adjustments ORDER BY seq
            """)
        transcript += "# closed statements (account, cycle, revision, checksum)\n"
        transcript += try sql(workspace, "SELECT account, cycle_start, revision, substr(checksum, 1, 12) FROM statements ORDER BY account, cycle_start")
        transcript += "# detail kept per account (first day, records), purge marks\n"
        transcript += try sql(workspace, "SELECT account, date(min(local_day) * 86400, 'unixepoch'), count(*) FROM deliveries GROUP BY account ORDER BY account")
        transcript += try sql(workspace, "SELECT account, before_day FROM purge_marks ORDER BY account")
        transcript += "# rejects\n"
        transcript += try sql(workspace, "SELECT path, row, field, value, reason FROM rejects ORDER BY path, row")
        transcript += "# archive\n"
        let archive = FileManager.default.enumerator(atPath: workspace.path("var/archive"))?.allObjects.compactMap { $0 as? String }
            .filter { $0.hasSuffix(".csv") }.sorted() ?? []
        transcript += archive.joined(separator: "\n") + "\n"
        transcript += "# inbox left\n"
        transcript += (FileManager.default.enumerator(atPath: workspace.path("inbox"))?.allObjects.compactMap { $0 as? String }
            .filter { $0.hasSuffix(".csv") }.sorted() ?? []).joined(separator: "\n") + "\n"

        let ledger = try SQLiteLedger(path: workspace.path("var/scenario.db"), logger: Logger(label: "test"))
        #expect(try ledger.integrityCheck() == "ok")

        if ProcessInfo.processInfo.environment["SENDLEDGER_REGENERATE_GOLDEN"] != nil {
            try Data(transcript.utf8).write(to: Self.goldenFile)
        }
        let golden = try String(contentsOf: Self.goldenFile, encoding: .utf8)
        #expect(transcript == golden)
    }
}
