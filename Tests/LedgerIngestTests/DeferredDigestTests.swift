import Foundation
import LedgerCore
import LedgerIngest
import LedgerStore
import Testing

/// A file of a size the manifest does not hold is hashed while it is parsed (read once); the
/// ledger must look exactly as if it had been hashed first.
@Suite("Files hashed while they are read")
struct DeferredDigestTests {
    @Test("manifest, rejects, conflicts and summaries name the file's real SHA-256") func relabelled() throws {
        let scratch = try Scratch()
        let store = try scratch.ledger()
        let ingestor = scratch.ingestor(store)
        let first = try scratch.write("1.csv", header + "sendon,acme,m1,,2026-10-15T10:00:00+09:00,,SMS,DELIVERED,false,,,1,,,,,9.9\n")
        let second = try scratch.write("2.csv", header + """
            sendon,acme,m1,,2026-10-15T10:00:00+09:00,,SMS,FAILED,true,3018,,1,,,,,9.9
            sendon,acme,m2,,2026-10-15T10:00:00+09:00,,FAX,DELIVERED,false,,,1,,,,,
            """ + "\n")
        _ = try ingestor.ingest(path: first, format: .canonicalCSV)
        let report = try ingestor.ingest(path: second, format: .canonicalCSV)
        let sha = try FileDigest.sha256(path: second).hex
        #expect(report.sha256 == sha)
        #expect(report.rejects.map(\.fileSHA256) == [sha])
        #expect(report.conflicts.map(\.source.fileSHA256) == [sha])
        #expect(try store.ingestedFiles().map(\.sha256) == [try FileDigest.sha256(path: first).hex, sha])
        #expect(try store.rejects().map(\.fileSHA256) == [sha])
        let dump = try store.canonicalDump()
        #expect(!dump.contains("provisional"))
        #expect(dump.contains(sha))
    }

    @Test("a copy of an ingested file is a no-op; another file of the same size is hashed first and ingested")
    func sameSize() throws {
        let scratch = try Scratch()
        let store = try scratch.ledger()
        let ingestor = scratch.ingestor(store)
        let row = "sendon,acme,m1,,2026-10-15T10:00:00+09:00,,SMS,DELIVERED,false,,,1,,,,,9.9\n"
        let original = try scratch.write("a.csv", header + row)
        let copy = try scratch.write("copy.csv", header + row)
        let sibling = try scratch.write("b.csv", header + row.replacingOccurrences(of: "m1", with: "m2"))
        _ = try ingestor.ingest(path: original, format: .canonicalCSV)
        let again = try ingestor.ingest(path: copy, format: .canonicalCSV)
        guard case .alreadyIngested = again.outcome else { Issue.record("expected a no-op: \(again.outcome)"); return }
        #expect(again.sha256 == (try FileDigest.sha256(path: original).hex))
        let other = try ingestor.ingest(path: sibling, format: .canonicalCSV)
        guard case .ingested(let counts) = other.outcome else { Issue.record("not ingested: \(other.outcome)"); return }
        #expect(counts.inserted == 1)
        #expect(try store.ingestedFiles().count == 2)
    }

    @Test("a provisional file whose real hash is already in the manifest rolls back") func lateRepeat() throws {
        let scratch = try Scratch()
        let store = try scratch.ledger()
        let path = try scratch.write("a.csv", header + "sendon,acme,m1,,2026-10-15T10:00:00+09:00,,SMS,DELIVERED,false,,,1,,,,,9.9\n")
        _ = try scratch.ingestor(store).ingest(path: path, format: .canonicalCSV)
        let stored = try FileDigest.sha256(path: path).hex
        let before = try store.canonicalDump()
        // As if another process had ingested the same bytes between our size check and our write.
        let file = IngestedFile(sha256: "provisional-test", path: "late.csv", size: 1, vendor: "canonical", runID: "test",
                                ingestedAt: Instant(secondsSinceEpoch: 1_790_000_000))
        let outcome = try store.ingest(file, digest: { stored }) { sink in
            try sink.reject(RejectedRow(fileSHA256: "provisional-test", path: "late.csv", row: 2, field: "x", value: "y", reason: "z"))
        }
        guard case .alreadyIngested = outcome else { Issue.record("expected a rollback: \(outcome)"); return }
        #expect(try store.canonicalDump() == before)
    }
}
