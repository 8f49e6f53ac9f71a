import Foundation
import LedgerCore
import LedgerStore
import Testing

/// The stores present: SQLite always, PostgreSQL when the tests have a server.
let storeKinds: [StoreKind] = TestPostgres.url == nil ? [.sqlite] : [.sqlite, .postgres, .postgresFast]

@Suite("Store conformance: the same behaviour from every LedgerStore")
struct ConformanceTests {
    @Test("PostgreSQL cases run", .enabled(if: TestPostgres.url != nil, Comment(rawValue: TestPostgres.skipMessage)))
    func postgresPresent() throws {
        let ledger = try StoreUnderTest(.postgres)
        #expect(try ledger.store.counts() == LedgerCounts())
    }

    @Test("ingest, re-ingest no-op, manifest, rejects, record round trip", arguments: storeKinds)
    func ingestAndReingest(kind: StoreKind) throws {
        let ledger = try StoreUnderTest(kind)
        let store = ledger.store
        var odd = record("M-odd", status: .failed, refundable: true, reason: "tab\there, new\nline, back\\slash, \"quote\", 한글")
        odd.batchID = nil
        odd.completedAt = nil
        odd.category = nil
        odd.sender = nil
        odd.recipient = nil
        odd.recipientHash = nil
        odd.vendorCost = nil
        let file = TestFile("a.csv", [
            .record(record("M-1", status: .delivered)),
            .reject(field: "sent_at", value: "2026-13-01", reason: "not a date"),
            .record(record("M-2", status: .pending, second: 5)),
            .record(odd),
        ])
        #expect(try !store.isIngested(sha256: file.sha256))
        var expected = FileIngestCounts()
        expected.rows = 4
        expected.inserted = 3
        expected.rejected = 1
        #expect(try ingest(file, into: store) == .ingested(expected))
        #expect(try store.isIngested(sha256: file.sha256))
        let before = try ledger.dump()
        #expect(try ingest(file, into: store) == .alreadyIngested)
        #expect(try ledger.dump() == before)

        let stored = try #require(try store.record(vendor: "sendon", messageID: "M-odd"))
        odd.source = .init(fileSHA256: file.sha256, row: 5)
        #expect(stored == odd)
        #expect(try store.record(vendor: "sendon", messageID: "nope") == nil)

        var order: [String] = []
        try store.records(account: "acme", days: day1..<day2) { record, day in
            #expect(day == day1)
            order.append(record.messageID)
        }
        #expect(order == ["M-1", "M-odd", "M-2"])

        let files = try store.ingestedFiles()
        #expect(files.count == 1)
        #expect(files.first?.counts == expected)
        #expect(files.first?.path == "inbox/a.csv")
        #expect(try store.rejects() == [RejectedRow(fileSHA256: file.sha256, path: "inbox/a.csv", row: 3, field: "sent_at",
                                                   value: "2026-13-01", reason: "not a date")])
        var counts = LedgerCounts()
        counts.deliveries = 3
        counts.rollups = 3
        counts.files = 1
        counts.rejects = 1
        #expect(try store.counts() == counts)
    }

    @Test("status precedence, corrections, conflicts (reported, not applied), repeats within a file", arguments: storeKinds)
    func precedence(kind: StoreKind) throws {
        let ledger = try StoreUnderTest(kind)
        let store = ledger.store
        try ingest(TestFile("1.csv", records: [
            record("A", status: .pending), record("B", status: .delivered), record("C", status: .scheduled),
            record("D", status: .delivered, channel: Channel(.call), units: 61),
        ]), into: store)
        var conflicts: [StatusConflict] = []
        let second = TestFile("2.csv", records: [
            record("A", status: .delivered),                 // replace
            record("B", status: .failed, refundable: true), // conflict: kept DELIVERED
            record("C", status: .scheduled),                 // unchanged
            record("E", status: .pending, day: day2),        // insert
            record("D", status: .delivered, channel: Channel(.call), cost: 1, units: 125), // correction
            record("E", status: .scheduled, day: day2),      // stale (within the same file)
            record("E", status: .delivered, day: day2),      // replace (within the same file)
        ])
        let outcome = try ingest(second, into: store, conflicts: &conflicts)
        var expected = FileIngestCounts()
        expected.rows = 7
        expected.inserted = 1
        expected.updated = 3
        expected.unchanged = 1
        expected.stale = 1
        expected.conflicts = 1
        #expect(outcome == .ingested(expected))
        #expect(conflicts == [StatusConflict(vendor: "sendon", messageID: "B", kept: .delivered, incoming: .failed,
                                             source: .init(fileSHA256: second.sha256, row: 3))])
        #expect(try store.record(vendor: "sendon", messageID: "B")?.status == .delivered)
        #expect(try store.record(vendor: "sendon", messageID: "A")?.status == .delivered)
        #expect(try store.record(vendor: "sendon", messageID: "D")?.units == 125)
        #expect(try store.record(vendor: "sendon", messageID: "E")?.status == .delivered)
        #expect(try store.record(vendor: "sendon", messageID: "E")?.source.row == 8)

        // A lower status later is stale; the rollups still equal what the records say.
        let third = TestFile("3.csv", records: [record("A", status: .pending), record("E", status: .scheduled, day: day2)])
        var staleOnly = FileIngestCounts()
        staleOnly.rows = 2
        staleOnly.stale = 2
        #expect(try ingest(third, into: store) == .ingested(staleOnly))
        let days = day1..<LocalDate("2026-10-12")!
        let rollups = try store.rollups(account: nil, days: days)
        // (The stores order rows by their text columns; the model by RollupKey's own order.)
        #expect(rollups.sorted { $0.key < $1.key } == (try expectedRollups(store, accounts: ["acme"], days: days)))
        // No row left at zero after records moved between rollup keys.
        #expect(rollups.allSatisfy { !$0.totals.isZero })
        #expect(rollups.first { $0.key.channel == Channel(.call) }?.totals.callMinutes == 3)
    }

    @Test("a body that throws keeps nothing of the file", arguments: storeKinds)
    func rollback(kind: StoreKind) throws {
        let ledger = try StoreUnderTest(kind)
        struct Stop: Error {}
        let manifest = IngestedFile(sha256: String(repeating: "f", count: 64), path: "x.csv", size: 1, vendor: "canonical",
                                    runID: "r", ingestedAt: Instant(secondsSinceEpoch: 0))
        #expect(throws: Stop.self) {
            try ledger.store.ingest(manifest) { sink in
                for index in 0..<3000 { try sink.upsert(record("R\(index)", status: .pending), localDay: day1) }
                try sink.reject(RejectedRow(fileSHA256: manifest.sha256, path: "x.csv", row: 1, field: "f", value: "v", reason: "r"))
                throw Stop()
            }
        }
        #expect(try ledger.store.counts() == LedgerCounts())
        #expect(try !ledger.store.isIngested(sha256: manifest.sha256))
        // The store is usable afterwards.
        try ingest(TestFile("after.csv", records: [record("R1", status: .pending)]), into: ledger.store)
        #expect(try ledger.store.counts().deliveries == 1)
    }

    @Test("billing store round trips: statements, adjustments, touched days, month reports, summaries, queries", arguments: storeKinds)
    func billingRoundTrips(kind: StoreKind) throws {
        let ledger = try StoreUnderTest(kind)
        let store = ledger.store
        try ingest(TestFile("b.csv", records: [
            record("P1", status: .pending, second: 10), record("P2", status: .pending, second: 50),
            record("F1", status: .failed, second: 20, refundable: true), record("F2", status: .failed, second: 30),
            record("Z1", account: "zeta", status: .delivered, day: day2),
        ]), into: store)
        #expect(try store.accountsWithUsage() == ["acme", "zeta"])
        #expect(try store.firstUsageDay(account: "zeta") == day2)
        #expect(try store.firstUsageDay(account: "nobody") == nil)
        #expect(try store.touchedDays(account: "acme") == [day1])
        #expect(try store.billingRollups(account: "acme", days: day1..<day2) == (try store.rollups(account: "acme", days: day1..<day2)))

        let pending = try store.pendingTotals(account: "acme", day: day1, sentAtOrBefore: Instant(date: day1, hour: 10, second: 30))
        #expect(pending.map(\.totals.messages) == [1])

        let window = Instant(date: day1)..<Instant(date: day2)
        var refundable: [String] = []
        try store.refundableFailures(vendor: "sendon", sentAt: window) { refundable.append($0.messageID) }
        #expect(refundable == ["F1"])
        if let narrowing = store as? any RefundEvidenceStore {
            var sms: [String] = [], lms: [String] = []
            try narrowing.refundableFailures(vendor: "sendon", channel: Channel(.sms), sentAt: window) { sms.append($0.messageID) }
            try narrowing.refundableFailures(vendor: "sendon", channel: Channel(.lms), sentAt: window) { lms.append($0.messageID) }
            #expect(sms == ["F1"])
            #expect(lms == [])
        }
        var all: [String] = []
        try store.records(vendor: "sendon", sentAt: window) { all.append($0.messageID) }
        #expect(all == ["P1", "F1", "F2", "P2"])

        let statement = StoredStatement(account: "acme", cycleStart: day1, cycleEnd: day2, revision: 1, checksum: "c1",
                                        content: Data("{\"total\":1}".utf8), runID: "run-1")
        let adjustment = StoredAdjustment(account: "acme", targetCycle: day2, originalCycle: day1, cycleMessages: 4,
                                          content: Data([0, 1, 2, 255]), runID: "run-1")
        try store.commitBilling(statements: [statement], adjustments: [adjustment], settledTouchedDays: ["acme": []])
        #expect(try store.storedStatements(account: "acme") == [statement])
        #expect(try store.storedStatement(account: "acme", cycleStart: day1, revision: 1) == statement)
        #expect(try store.storedStatement(account: "acme", cycleStart: day1, revision: 2) == nil)
        let adjustments = try store.storedAdjustments(account: "acme")
        #expect(adjustments.count == 1)
        #expect(adjustments.first?.seq != nil)
        #expect(adjustments.first.map { var a = $0; a.seq = nil; return a } == adjustment)
        #expect(try store.touchedDays(account: "acme") == [])
        #expect(try store.touchedDays(account: "zeta") == [day2])
        let again = #expect(throws: StoreError.self) {
            try store.commitBilling(statements: [statement], adjustments: [], settledTouchedDays: [:])
        }
        if case .corrupt = again?.reason {} else { Issue.record("expected .corrupt, got \(String(describing: again))") }

        let month = CalendarMonth("2026-10")!
        let report = StoredMonthReport(account: "acme", month: month, checksum: "m1", content: Data("a".utf8), runID: "r1")
        #expect(try store.saveMonthReport(report) == 1)
        #expect(try store.saveMonthReport(report) == 1)
        var changed = report
        changed.checksum = "m2"
        #expect(try store.saveMonthReport(changed) == 2)
        #expect(try store.latestMonthReport(account: "acme", month: month)?.revision == 2)
        #expect(try store.latestMonthReport(account: "acme", month: month)?.content == Data("a".utf8))
        #expect(try store.latestMonthReport(account: "zeta", month: month) == nil)

        let summaries = [
            VendorSummaryRow(vendor: "sendon", grain: .batch("B-1"), total: 10, success: 9, failure: 1,
                             source: .init(fileSHA256: "s", row: 2)),
            VendorSummaryRow(vendor: "sendon", grain: .dayTemplate(day: day1, template: "T1"), total: 3,
                             amount: Money(micros: 1_500_000), source: .init(fileSHA256: "s", row: 3)),
        ]
        try store.saveVendorSummaries(summaries)
        var replaced = summaries[0]
        replaced.total = 11
        try store.saveVendorSummaries([replaced])
        #expect(try store.vendorSummaries(vendor: "sendon") == [replaced, summaries[1]].sorted { $0.grain < $1.grain })

        #expect(try store.lastSuccessfulRun() == nil)
        let run = RunRecord(id: "run-1", command: "run", startedAt: Instant(secondsSinceEpoch: 10), finishedAt: Instant(secondsSinceEpoch: 20),
                            status: "ok", summaryJSON: "{\"a\":1}")
        try store.saveRun(RunRecord(id: "run-1", command: "run", startedAt: Instant(secondsSinceEpoch: 10), status: "running"))
        try store.saveRun(run)
        try store.saveRun(RunRecord(id: "run-2", command: "run", startedAt: Instant(secondsSinceEpoch: 30),
                                    finishedAt: Instant(secondsSinceEpoch: 40), status: "failed"))
        #expect(try store.lastSuccessfulRun() == run)
    }

    @Test("summary rows stored with their file: insert, unchanged, update; beside records in one file", arguments: storeKinds)
    func summaries(kind: StoreKind) throws {
        let ledger = try StoreUnderTest(kind)
        let store = ledger.store
        func summaryFile(_ name: String, total: Int64, withRecords: Bool) throws -> FileIngestOutcome {
            let sha = TestFile(name, []).sha256
            let manifest = IngestedFile(sha256: sha, path: name, size: 1, vendor: "ktcommunis-list", runID: "r",
                                        ingestedAt: Instant(secondsSinceEpoch: 1))
            return try store.ingest(manifest) { sink in
                if withRecords {
                    for index in 0..<2000 { try sink.upsert(record("SR\(index)", status: .delivered, file: sha, row: index + 2), localDay: day1) }
                }
                try sink.saveSummary([
                    VendorSummaryRow(vendor: "ktcommunis", account: "acme", grain: .dayTemplate(day: day1, template: "T1"),
                                     total: total, success: total - 1, failure: 1, source: .init(fileSHA256: sha, row: 2)),
                    VendorSummaryRow(vendor: "ktcommunis", account: "hanbit", grain: .dayTemplate(day: day1, template: "T1"),
                                     total: 5, amount: Money(micros: 7_500_000), source: .init(fileSHA256: sha, row: 3)),
                ])
                _ = sink.conflicts
            }
        }
        var first = FileIngestCounts()
        first.rows = 2002
        first.inserted = 2002
        #expect(try summaryFile("s1.csv", total: 10, withRecords: true) == .ingested(first))
        var same = FileIngestCounts()
        same.rows = 2
        same.unchanged = 2
        #expect(try summaryFile("s2.csv", total: 10, withRecords: false) == .ingested(same))
        var changed = FileIngestCounts()
        changed.rows = 2
        changed.updated = 1
        changed.unchanged = 1
        #expect(try summaryFile("s3.csv", total: 12, withRecords: false) == .ingested(changed))
        let stored = try store.vendorSummaries(vendor: "ktcommunis")
        #expect(stored.map(\.account) == ["acme", "hanbit"])
        #expect(stored.first?.total == 12)
        #expect(stored.first?.source.fileSHA256 == TestFile("s3.csv", []).sha256)
        #expect(stored.last?.source.fileSHA256 == TestFile("s1.csv", []).sha256)
        #expect(try store.counts().deliveries == 2000)
    }

    @Test("retention: detail purge keeps rollups and raises the mark; rejects purge", arguments: storeKinds)
    func retention(kind: StoreKind) throws {
        let ledger = try StoreUnderTest(kind)
        let store = ledger.store
        try ingest(TestFile("r.csv", [
            .record(record("OLD", status: .delivered, day: day1)), .record(record("NEW", status: .delivered, day: day2)),
            .reject(field: "status", value: "?", reason: "unknown status"),
        ]), into: store)
        let rollups = try store.rollups(account: nil, days: day1..<LocalDate("2026-10-12")!)
        #expect(try store.detailCount(account: "acme", before: day2) == 1)
        #expect(try store.purgeDetail(account: "acme", before: day2, runID: "p", at: Instant(secondsSinceEpoch: 5)) == 1)
        #expect(try store.purgeDetail(account: "acme", before: day1, runID: "p", at: Instant(secondsSinceEpoch: 6)) == 0)
        #expect(try store.purgeMarks() == ["acme": day2])
        #expect(try store.rollups(account: nil, days: day1..<LocalDate("2026-10-12")!) == rollups)
        #expect(try store.record(vendor: "sendon", messageID: "OLD") == nil)
        #expect(try store.rejectCount(ingestedBefore: Instant(secondsSinceEpoch: 1_790_000_001)) == 1)
        #expect(try store.purgeRejects(ingestedBefore: Instant(secondsSinceEpoch: 1_790_000_001)) == 1)
        #expect(try store.rejects() == [])
    }

    @Test("SQLite and PostgreSQL hold the same ledger for the same input", .enabled(if: TestPostgres.url != nil, Comment(rawValue: TestPostgres.skipMessage)))
    func sameDump() throws {
        for kind in [StoreKind.postgres, .postgresFast] { try sameDump(kind) }
    }

    private func sameDump(_ kind: StoreKind) throws {
        let sqlite = try StoreUnderTest(.sqlite), postgres = try StoreUnderTest(kind)
        var files: [TestFile] = []
        // Enough rows for several COPY chunks, with repeats, conflicts and rejects across files.
        let statuses: [DeliveryStatus] = [.scheduled, .pending, .delivered, .failed, .excluded, .cancelled]
        for fileIndex in 0..<4 {
            var rows: [TestFile.Row] = []
            for index in 0..<4000 {
                let id = "M\((index * 7 + fileIndex * 1000) % 9000)"
                let status = statuses[(index + fileIndex) % statuses.count]
                let channel = [Channel(.sms), Channel(.call), Channel(.friendtalk, subtype: "IMAGE"), Channel(.lms)][index % 4]
                rows.append(.record(record(id, account: "acct-\(index % 5)", status: status, day: index % 3 == 0 ? day1 : day2,
                                           second: index % 60, channel: channel, cost: index % 9 == 0 ? nil : Int64(index * 10),
                                           refundable: status == .failed && index % 2 == 0,
                                           reason: index % 11 == 0 ? "사유\t\(index)" : nil, units: Int64(index % 130),
                                           fallbackOf: index % 13 == 0 ? "K\(index)" : nil)))
                if index % 500 == 0 { rows.append(.reject(field: "units", value: "x\(index)", reason: "not a number")) }
            }
            files.append(TestFile("f\(fileIndex).csv", rows))
        }
        for file in files {
            let a = try ingest(file, into: sqlite.store), b = try ingest(file, into: postgres.store)
            #expect(a == b, "\(file.name)")
        }
        let sqliteDump = try sqlite.dump(), postgresDump = try postgres.dump()
        #expect(sqliteDump.count > 100_000)
        if sqliteDump != postgresDump {
            let a = sqliteDump.split(separator: "\n"), b = postgresDump.split(separator: "\n")
            let first = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }
            Issue.record("\(kind): dumps differ (\(a.count) vs \(b.count) lines); first difference at line \(first?.offset ?? -1):\n\(first?.element.0 ?? "")\n\(first?.element.1 ?? "")")
        }
        for account in ["acct-0", "acct-3"] {
            #expect(try sqlite.store.touchedDays(account: account) == (try postgres.store.touchedDays(account: account)))
        }
    }
}
