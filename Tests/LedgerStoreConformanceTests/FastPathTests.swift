import Foundation
import LedgerCore
import LedgerPostgres
import LedgerStore
import Testing

/// PostgreSQL's ingest fast path (`COPY` straight into `deliveries` under a savepoint) and its
/// fallback to the staging merge: whichever path a file takes, the ledger, rollups, counts,
/// conflicts and rejects are what the staging merge alone (and SQLite) make.
@Suite("PostgreSQL: ingest fast path and its fallback", .enabled(if: TestPostgres.url != nil, Comment(rawValue: TestPostgres.skipMessage)))
struct FastPathTests {
    /// New records numbered by `range`, over accounts, days, channels, costs and fallbacks.
    static func fresh(_ prefix: String, _ range: Range<Int>) -> [TestFile.Row] {
        let statuses: [DeliveryStatus] = [.scheduled, .pending, .delivered, .failed, .excluded]
        return range.map { index in
            let status = statuses[index % statuses.count]
            let channel = [Channel(.sms), Channel(.call), Channel(.friendtalk, subtype: "IMAGE"), Channel(.lms)][index % 4]
            return .record(record("\(prefix)\(index)", account: "acct-\(index % 3)", status: status, day: index % 2 == 0 ? day1 : day2,
                                  second: index % 60, channel: channel, cost: index % 7 == 0 ? nil : Int64(index * 10),
                                  refundable: status == .failed && index % 2 == 0, reason: index % 11 == 0 ? "사유\t\(index)" : nil,
                                  units: Int64(index % 130), fallbackOf: index % 13 == 0 ? "K\(index)" : nil))
        }
    }

    @Test("new files go straight in; a file meeting stored messages and one repeating a message fall back, same ledger")
    func fallbackGivesTheSameLedger() throws {
        // 1. All new, with rejects: the fast path keeps it.
        var first = Self.fresh("N", 0..<3000)
        first.insert(.reject(field: "units", value: "x", reason: "not a number"), at: 10)
        first.append(.reject(field: "sent_at", value: "y", reason: "not a date"))
        // Values longer than the encoders' first blocks (a reject's 4 KiB, a COPY chunk).
        first.append(.reject(field: "reason_text", value: String(repeating: "긴\t\\", count: 3000), reason: "too long"))
        var long = record("N-long", account: "acct-1", status: .failed, refundable: true, reason: "x")
        long.reasonText = String(repeating: "사유\n", count: 60_000)
        first.insert(.record(long), at: 1700)
        // 2. Partly stored already: 1,000 new, then messages of file 1 replaced, corrected,
        // unchanged, stale and in conflict; falls back.
        var second = Self.fresh("P", 0..<1000)
        second.append(.record(record("N2", account: "acct-2", status: .delivered, second: 2, channel: Channel(.friendtalk, subtype: "IMAGE"),
                                     cost: 21, units: 2)))                                   // DELIVERED again, another cost: correction
        second.append(.record(record("N1", account: "acct-1", status: .delivered, day: day2, second: 1, channel: Channel(.call), cost: 10,
                                     units: 1)))                                             // over PENDING: replace
        second.append(.record(record("N0", account: "acct-0", status: .pending, second: 0, cost: nil, reason: "사유\t0",
                                     units: 0, fallbackOf: "K0")))                           // over SCHEDULED: replace
        second.append(.record(record("N4", account: "acct-1", status: .pending, second: 4)))  // over EXCLUDED (final): stale
        second.append(.record(record("N3", account: "acct-0", status: .delivered, day: day2, second: 3, units: 3))) // FAILED kept: conflict
        second += Self.fresh("Q", 0..<500)
        second.insert(.reject(field: "status", value: "??", reason: "unknown status"), at: 700)
        // 3. New messages, one of them three times in the file: falls back.
        var third = Self.fresh("R", 0..<2000)
        third.insert(.record(record("R5", account: "acct-2", status: .delivered, day: day2, second: 5, channel: Channel(.lms))), at: 1500)
        third.append(.record(record("R5", account: "acct-2", status: .pending, day: day2, second: 5, channel: Channel(.lms))))
        // 4. All new again: straight in.
        let fourth = Self.fresh("S", 0..<2500)
        let files = [TestFile("1.csv", first), TestFile("2.csv", second), TestFile("3.csv", third), TestFile("4.csv", fourth)]

        let sqlite = try StoreUnderTest(.sqlite), staged = try StoreUnderTest(.postgres, fastPathMinimumBytes: .max), fast = try StoreUnderTest(.postgresFast)
        var outcomes: [StoreKind: [FileIngestOutcome]] = [:], conflicts: [StoreKind: [[StatusConflict]]] = [:]
        for ledger in [sqlite, staged, fast] {
            for file in files {
                var found: [StatusConflict] = []
                outcomes[ledger.kind, default: []].append(try ingest(file, into: ledger.store, conflicts: &found))
                conflicts[ledger.kind, default: []].append(found)
            }
        }
        #expect((staged.store as? PostgresLedger)?.ingestPaths.direct == 0)
        #expect((staged.store as? PostgresLedger)?.ingestPaths.fellBack == 0)
        let paths = try #require((fast.store as? PostgresLedger)?.ingestPaths)
        #expect(paths.direct == 2)
        #expect(paths.fellBack == 2)
        #expect(paths.lastFallbackReason?.hasPrefix("unique violation") == true)

        var expected = FileIngestCounts()
        expected.rows = 1506
        expected.inserted = 1500
        expected.updated = 3
        expected.stale = 1
        expected.conflicts = 1
        expected.rejected = 1
        #expect(outcomes[.sqlite]?[1] == .ingested(expected))
        for kind in [StoreKind.postgres, .postgresFast] {
            #expect(outcomes[kind] == outcomes[.sqlite], "\(kind)")
            #expect(conflicts[kind] == conflicts[.sqlite], "\(kind)")
        }
        #expect(conflicts[.postgresFast]?[1].map(\.messageID) == ["N3"])
        let sqliteDump = try sqlite.dump()
        for ledger in [staged, fast] {
            let dump = try ledger.dump()
            if dump != sqliteDump {
                let a = sqliteDump.split(separator: "\n"), b = dump.split(separator: "\n")
                let first = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }
                Issue.record("\(ledger.kind): dumps differ (\(a.count) vs \(b.count) lines); first at line \(first?.offset ?? -1):\n\(first?.element.0 ?? "")\n\(first?.element.1 ?? "")")
            }
            let days = day1..<LocalDate("2026-10-12")!
            let rollups = try ledger.store.rollups(account: nil, days: days)
            #expect(rollups.sorted { $0.key < $1.key } == (try expectedRollups(ledger.store, accounts: ["acct-0", "acct-1", "acct-2"], days: days)))
            #expect(try ledger.store.rejects().count == 4)
        }
    }

    @Test("two fast paths inserting the same messages in opposite orders: one falls back, nothing lost or counted twice")
    func crossedFastPaths() throws {
        let database = try TestPostgres.freshDatabase()
        defer { database.drop() }
        let a = try PostgresLedger(url: database.url, logger: quietLogger, fastPathMinimumBytes: 0)
        let b = try PostgresLedger(url: database.url, logger: quietLogger, fastPathMinimumBytes: 0)
        // Each file starts with one shared message and ends with the other, the same facts in
        // both files. The first COPY chunk (with the first shared message) is on the server
        // before either file goes on, so each COPY then waits for the other: a deadlock, which
        // the server breaks by failing one of them (or, with other timing, a unique violation).
        let x = record("X", account: "acct-0", status: .delivered), y = record("Y", account: "acct-1", status: .pending, day: day2)
        let fileA = TestFile("a.csv", [.record(x)] + Self.fresh("A", 0..<3000) + [.record(y)])
        let fileB = TestFile("b.csv", [.record(y)] + Self.fresh("B", 0..<3000) + [.record(x)])
        let reachedA = DispatchSemaphore(value: 0), reachedB = DispatchSemaphore(value: 0)
        let results = ResultsBox()
        let group = DispatchGroup()
        for (ledger, file, mine, theirs) in [(a, fileA, reachedA, reachedB), (b, fileB, reachedB, reachedA)] {
            group.enter()
            Thread {
                defer { group.leave() }
                var pass = 0
                let manifest = IngestedFile(sha256: file.sha256, path: file.name, size: 1 << 20, vendor: "canonical", runID: "r",
                                            ingestedAt: Instant(secondsSinceEpoch: 1_790_000_000))
                do {
                    let outcome = try ledger.ingest(manifest) { sink in
                        pass += 1
                        for (index, row) in file.rows.enumerated() {
                            guard case .record(var record) = row else { continue }
                            record.source = .init(fileSHA256: file.sha256, row: index + 2)
                            try sink.upsert(record, localDay: record.sentAt.utcDate)
                            if pass == 1 && index == 2500 {
                                // A COPY chunk (256 KiB) has gone out by now; let the other file
                                // get as far, and the server take both chunks in.
                                mine.signal()
                                _ = theirs.wait(timeout: .now() + 10)
                                Thread.sleep(forTimeInterval: 0.3)
                            }
                        }
                        _ = sink.conflicts
                    }
                    results.add(outcome)
                } catch {
                    results.fail("\(file.name): \(error)")
                }
            }.start()
        }
        group.wait()
        #expect(results.errors == [])
        let paths = [a.ingestPaths, b.ingestPaths]
        #expect(paths.map(\.direct).reduce(0, +) == 1)
        #expect(paths.map(\.fellBack).reduce(0, +) == 1)
        let reason = paths.compactMap(\.lastFallbackReason).first ?? ""
        #expect(reason == "deadlock" || reason.hasPrefix("unique violation"), "\(reason)")
        var total = FileIngestCounts()
        for case .ingested(let counts) in results.outcomes {
            total.rows += counts.rows
            total.inserted += counts.inserted
            total.unchanged += counts.unchanged
            total.updated += counts.updated
        }
        #expect(results.outcomes.count == 2)
        #expect(total.rows == 2 * 3002)
        #expect(total.inserted == 6002)
        #expect(total.unchanged == 2)
        #expect(total.updated == 0)
        #expect(try a.counts().deliveries == 6002)
        let days = day1..<LocalDate("2026-10-12")!
        let rollups = try a.rollups(account: nil, days: days)
        #expect(rollups.sorted { $0.key < $1.key } == (try expectedRollups(a, accounts: ["acct-0", "acct-1", "acct-2"], days: days)))
    }
}

/// Outcomes handed back from the ingest threads.
final class ResultsBox: @unchecked Sendable {
    // @unchecked: every access holds `lock`.
    private let lock = NSLock()
    private var storedOutcomes: [FileIngestOutcome] = []
    private var storedErrors: [String] = []
    func add(_ outcome: FileIngestOutcome) { lock.withLock { storedOutcomes.append(outcome) } }
    func fail(_ message: String) { lock.withLock { storedErrors.append(message) } }
    var outcomes: [FileIngestOutcome] { lock.withLock { storedOutcomes } }
    var errors: [String] { lock.withLock { storedErrors } }
}
