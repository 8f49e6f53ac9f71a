import Foundation
import LedgerCore
import LedgerStore
import Testing

/// A new file is read once: its SHA-256 is worked out while it is ingested, under a provisional
/// token (`DeferredDigestLedgerStore`). Every store must leave the ledger as if it had been
/// hashed first, and roll back a file whose real hash turns out to be in the manifest.
@Suite("Files hashed while they are read, on every store")
struct DeferredDigestConformanceTests {
    static let token = "provisional-conformance"

    /// A file with new records, a record meeting a stored one in conflict, a reject and a summary,
    /// all named by the provisional token.
    static func ingestProvisional(_ store: any DeferredDigestLedgerStore, realHash: String) throws -> FileIngestOutcome {
        let manifest = IngestedFile(sha256: token, path: "inbox/late.csv", size: 123_456, vendor: "canonical", runID: "run-2",
                                    ingestedAt: Instant(secondsSinceEpoch: 1_790_000_100))
        return try store.ingest(manifest, digest: { realHash }) { sink in
            for index in 0..<3000 {
                try sink.upsert(record("D\(index)", status: .delivered, second: index % 60, file: token, row: index + 2), localDay: day1)
            }
            // Stored as FAILED by the first file: a DELIVERED over it is a conflict.
            try sink.upsert(record("F1", status: .delivered, file: token, row: 3002), localDay: day1)
            try sink.reject(RejectedRow(fileSHA256: token, path: "inbox/late.csv", row: 3003, field: "units", value: "x", reason: "not a number"))
            try sink.saveSummary([VendorSummaryRow(vendor: "sendon", account: "acme", grain: .batch("B-1"), total: 1, success: 1, failure: 0,
                                                   source: .init(fileSHA256: token, row: 3004))])
            _ = sink.conflicts
        }
    }

    static let first = TestFile("first.csv", [.record(record("F1", status: .failed, refundable: true, reason: "x"))])

    @Test("manifest, rejects, conflicts and summaries end up named by the real SHA-256", arguments: storeKinds)
    func relabelled(kind: StoreKind) throws {
        let ledger = try StoreUnderTest(kind)
        let store = try #require(ledger.store as? any DeferredDigestLedgerStore)
        try ingest(Self.first, into: store)
        #expect(try store.hasIngestedFile(size: 123_456) == false)
        let real = String(repeating: "ab", count: 32)
        guard case .ingested(let counts) = try Self.ingestProvisional(store, realHash: real) else {
            Issue.record("not ingested")
            return
        }
        #expect(counts.inserted == 3001 && counts.conflicts == 1 && counts.rejected == 1, "\(counts)")
        #expect(try store.hasIngestedFile(size: 123_456))
        #expect(try store.isIngested(sha256: real))
        #expect(try store.ingestedFiles().map(\.sha256) == [Self.first.sha256, real])
        #expect(try store.rejects().map(\.fileSHA256) == [real])
        #expect(try ledger.store.vendorSummaries(vendor: "sendon").map(\.source.fileSHA256) == [real])
        let dump = try ledger.dump()
        #expect(!dump.contains(Self.token))
        #expect(dump.contains(real))
    }

    @Test("a file whose real hash is already in the manifest rolls back whole", arguments: storeKinds)
    func lateRepeat(kind: StoreKind) throws {
        let ledger = try StoreUnderTest(kind)
        let store = try #require(ledger.store as? any DeferredDigestLedgerStore)
        try ingest(Self.first, into: store)
        let before = try ledger.dump()
        // As if another process had ingested the same bytes between our size check and our commit.
        let outcome = try Self.ingestProvisional(store, realHash: Self.first.sha256)
        #expect(outcome == .alreadyIngested)
        #expect(try ledger.dump() == before)
    }
}
