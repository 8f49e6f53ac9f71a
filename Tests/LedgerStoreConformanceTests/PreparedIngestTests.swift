import Foundation
import LedgerCore
import LedgerPostgres
import LedgerStore
import Testing

/// Ingests `file` as the ingestor does: records prepared in batches (`RecordPreparer`, the
/// reading thread's work), each run of consecutive records handed to the sink at once (a run
/// of one by `upsert(_:at:)`), rejects in between; the local day is the UTC day.
@discardableResult
func ingestPrepared(_ file: TestFile, into store: any LedgerStore, batchRows: Int = 1024) throws -> FileIngestOutcome {
    let sha = file.sha256
    let path = "inbox/\(file.name)"
    let manifest = IngestedFile(sha256: sha, path: path, size: Int64(file.rows.count * 100), vendor: "canonical",
                                runID: "run-1", ingestedAt: Instant(secondsSinceEpoch: 1_790_000_000))
    return try store.ingest(manifest) { sink in
        let preparer = RecordPreparer()
        var start = 0
        while start < file.rows.count {
            let end = min(file.rows.count, start + batchRows)
            // Per row of the batch: the record's index in the batch, or -1 - the row's index (a reject).
            var order: [Int] = []
            var records = 0
            preparer.begin(capacity: batchRows)
            for index in start..<end {
                if case .record(var record) = file.rows[index] {
                    record.source = .init(fileSHA256: sha, row: index + 2)
                    preparer.add(record, day: record.sentAt.utcDate)
                    order.append(records)
                    records += 1
                } else {
                    order.append(-1 - index)
                }
            }
            let batch = preparer.finish()
            var position = 0
            while position < order.count {
                if order[position] >= 0 {
                    var runEnd = position + 1
                    while runEnd < order.count && order[runEnd] >= 0 { runEnd += 1 }
                    if runEnd - position == 1 {
                        try sink.upsert(batch, at: order[position])
                    } else {
                        try sink.upsert(batch, in: order[position]..<order[runEnd - 1] + 1)
                    }
                    position = runEnd
                } else {
                    let index = -1 - order[position]
                    guard case .reject(let field, let value, let reason) = file.rows[index] else { fatalError("not a reject") }
                    try sink.reject(RejectedRow(fileSHA256: sha, path: path, row: index + 2, field: field, value: value, reason: reason))
                    position += 1
                }
            }
            start = end
        }
        _ = sink.conflicts
    }
}

@Suite("Store conformance: prepared batches")
struct PreparedIngestTests {
    /// More records than one slot numbering holds (`RecordPreparer.rollupWindow`), so the sinks'
    /// rollup slots are folded and numbered again mid-file; many rollup keys, nulls, text that
    /// needs COPY escapes, rejects between runs; then a file meeting stored messages (the fast
    /// path falls back to the staging merge, which takes the prepared records one by one).
    @Test("prepared batches give the same ledger, counts and rollups as record-by-record upserts", arguments: storeKinds)
    func preparedEqualsRecordByRecord(kind: StoreKind) throws {
        let reference = try StoreUnderTest(.sqlite), ledger = try StoreUnderTest(kind)
        let statuses: [DeliveryStatus] = [.scheduled, .pending, .delivered, .failed, .excluded, .cancelled]
        let channels = [Channel(.sms), Channel(.call), Channel(.friendtalk, subtype: "IMAGE"), Channel(.lms)]
        var big: [TestFile.Row] = []
        let count = RecordPreparer.rollupWindow + 4_500
        for index in 0..<count {
            let status = statuses[index % statuses.count]
            var item = record("P\(index)", vendor: index % 7 == 0 ? "nhn" : "sendon", account: "acct-\(index % 6)", status: status,
                              day: day1.adding(days: (index / 3_000) % 40), second: index % 60, channel: channels[index % 4],
                              cost: index % 9 == 0 ? nil : Int64(index * 10), refundable: status == .failed && index % 2 == 0,
                              reason: index % 11 == 0 ? "사유\t\(index)\\x\nend" : nil, units: Int64(index % 130),
                              fallbackOf: index % 13 == 0 ? "K\(index)" : nil)
            if index % 5 == 0 { item.category = nil }
            if index % 17 == 0 { item.batchID = nil }
            big.append(.record(item))
            if index % 997 == 0 { big.append(.reject(field: "units", value: "x\t\(index)", reason: "not a number")) }
        }
        var repeats: [TestFile.Row] = []
        for index in stride(from: 0, to: 6_000, by: 2) {
            repeats.append(.record(record("P\(index)", account: "acct-\(index % 6)", status: .delivered, day: day1, second: index % 60,
                                          units: Int64(index % 7))))
            repeats.append(.record(record("Q\(index)", account: "acct-\(index % 6)", status: .pending, day: day2)))
        }
        let files = [TestFile("big.csv", big), TestFile("repeats.csv", repeats)]
        for file in files {
            let expected = try ingest(file, into: reference.store)
            #expect(try ingestPrepared(file, into: ledger.store) == expected, "\(kind) \(file.name)")
        }
        let referenceDump = try reference.dump(), dump = try ledger.dump()
        if referenceDump != dump {
            let a = referenceDump.split(separator: "\n"), b = dump.split(separator: "\n")
            let first = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }
            Issue.record("\(kind): dumps differ (\(a.count) vs \(b.count) lines); first difference at line \(first?.offset ?? -1):\n\(first?.element.0 ?? "")\n\(first?.element.1 ?? "")")
        }
        let accounts = (0..<6).map { "acct-\($0)" }
        let days = day1..<day1.adding(days: 41)
        let rollups = try ledger.store.rollups(account: nil, days: days)
        #expect(rollups.sorted { $0.key < $1.key } == (try expectedRollups(ledger.store, accounts: accounts, days: days)))
        if let postgres = ledger.store as? PostgresLedger {
            // The big file kept the fast path; the repeats fell back.
            #expect(postgres.ingestPaths.direct == 1)
            #expect(postgres.ingestPaths.fellBack == 1)
        }
    }
}
