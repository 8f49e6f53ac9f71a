import Crypto
import Foundation
import LedgerCore
import LedgerIngest
import LedgerStore
import Logging
import Testing

/// A temporary folder with a fresh ledger in it.
final class Scratch {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("sendledger-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    func write(_ name: String, _ text: String) throws -> String {
        let path = url.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func ledger() throws -> SQLiteLedger {
        try SQLiteLedger(path: url.appendingPathComponent("ledger.db").path, logger: Logger(label: "test"))
    }

    func ingestor(_ store: SQLiteLedger, zones: [String: String] = [:]) -> Ingestor {
        let accounts = zones.mapValues { TimeZone(identifier: $0)! }
        return Ingestor(store: store, zones: AccountZones(defaultZone: TimeZone(identifier: "Asia/Seoul")!, accounts: accounts),
                        privacy: RecipientPrivacy(key: .init(data: Data(repeating: 7, count: 32))), runID: "test",
                        now: { Instant(secondsSinceEpoch: 1_790_000_000) }, logger: Logger(label: "test"))
    }
}

let header = "vendor,account,message_id,batch_id,sent_at,completed_at,channel,status,refundable,reason_code,reason_text,units,category,sender,recipient,fallback_of,vendor_cost\n"

@Suite("Canonical ingest into the SQLite ledger")
struct CanonicalIngestTests {
    @Test("good rows are kept; bad rows are rejected naming row, field, value and reason") func rejects() throws {
        let scratch = try Scratch()
        let store = try scratch.ledger()
        let path = try scratch.write("mixed.csv", header + """
            sendon,acme,m1,,2026-10-15T10:00:00+09:00,,SMS,DELIVERED,false,,,1,,,010-1234-5678,,9.9
            sendon,acme,m2,,2026-10-15T10:00:00,,SMS,DELIVERED,false,,,1,,,,,
            sendon,acme,m3,,2026-10-15T10:00:00+09:00,,FAX,DELIVERED,false,,,1,,,,,
            sendon,acme,m4,,2026-10-15T10:00:00+09:00,,SMS,TELEPORTED,false,,,1,,,,,
            sendon,acme,m5,,2026-10-15T10:00:00+09:00,,SMS,FAILED,maybe,,,1,,,,,
            sendon,acme,m6,,2026-10-15T10:00:00+09:00,,SMS,DELIVERED,false,,,-3,,,,,
            sendon,acme,m7,,2026-10-15T10:00:00+09:00,,SMS,DELIVERED,false,,,1,,,,,1.0000001
            sendon,acme,m8,,2026-10-15T10:00:00+09:00,,SMS,DELIVERED,false,,,1,,,,
            sendon,,m9,,2026-10-15T10:00:00+09:00,,SMS,DELIVERED,false,,,1,,,,,
            sendon,acme,m10,,1899-10-15T10:00:00+09:00,,SMS,DELIVERED,false,,,1,,,,,
            sendon,acme,m11,,2026-10-15T10:00:00+09:00,,LMS,FAILED,true,3018,단말기 수신 불가,1,,,,,29

            """)
        let report = try scratch.ingestor(store).ingest(path: path, format: .canonicalCSV)
        guard case .ingested(let counts) = report.outcome else { Issue.record("not ingested: \(report.outcome)"); return }
        #expect(counts.inserted == 2)
        #expect(counts.rejected == 9)
        let rejects = try store.rejects()
        #expect(rejects.map { "\($0.row) \($0.field) \($0.value) | \($0.reason)" } == [
            "3 sent_at 2026-10-15T10:00:00 | not a time in the format ISO 8601 with offset",
            "4 channel FAX | unknown channel",
            "5 status TELEPORTED | unknown status",
            "6 refundable maybe | not true/false",
            "7 units -3 | must not be negative",
            "8 vendor_cost 1.0000001 | not an exact amount: more than 6 decimals: \"1.0000001\"",
            "9 (row) 16 fields | expected 17 fields, found 16",
            "10 account  | required value is empty",
            "11 sent_at 1899-10-15T10:00:00+09:00 | out of range: before 2000 or after 2100",
        ])
        #expect(rejects.allSatisfy { $0.path == path && $0.fileSHA256 == report.sha256 })
        let kept = try #require(try store.record(vendor: "sendon", messageID: "m1"))
        #expect(kept.vendorCost == Money(micros: 9_900_000))
        #expect(kept.recipient == "010-****-5678")
        #expect(kept.recipientHash?.count == 32)
        #expect(try store.record(vendor: "sendon", messageID: "m11")?.refundable == true)
    }

    @Test("channels, statuses and flags in any case and spacing; the same spellings again give the same values")
    func spellings() throws {
        let scratch = try Scratch()
        let store = try scratch.ledger()
        let rows = [
            ("sms", "delivered", "false"), (" Sms ", "Delivered", "F"), ("FriendTalk:Image", "FAILED", "YES"),
            ("friendtalk:image", " failed", "y"), ("SMS", "PENDING", "1"), ("sms", "delivered", "No"),
            ("LMS", "failed", "t"), ("sms", "delivered", "0"), ("sms", "Teleported", "false"), ("Fax", "delivered", "false"),
            ("sms", "delivered", "yess"), ("sms", "delivered", "truex"), ("sms", "delivered", "TRUE"), ("sms", "delivered", "ja"),
        ]
        let body = rows.enumerated().map { index, row in
            "sendon,acme,m\(index),,2026-10-15T10:00:00+09:00,,\(row.0),\(row.1),\(row.2),,,1,,,,,"
        }.joined(separator: "\n")
        let path = try scratch.write("spellings.csv", header + body + "\n")
        let report = try scratch.ingestor(store).ingest(path: path, format: .canonicalCSV)
        guard case .ingested(let counts) = report.outcome else { Issue.record("not ingested: \(report.outcome)"); return }
        #expect(counts.inserted == 9)
        let kept = try (0..<rows.count).map { try store.record(vendor: "sendon", messageID: "m\($0)") }
        #expect(kept.map { $0.map { "\($0.channel) \($0.status.rawValue) \($0.refundable)" } ?? "-" } == [
            "SMS DELIVERED false", "SMS DELIVERED false", "FRIENDTALK:IMAGE FAILED true", "FRIENDTALK:IMAGE FAILED true",
            "SMS PENDING true", "SMS DELIVERED false", "LMS FAILED true", "SMS DELIVERED false", "-", "-", "-", "-",
            "SMS DELIVERED true", "-",
        ])
        #expect(try store.rejects().map { "\($0.row) \($0.field) \($0.value) | \($0.reason)" } == [
            "10 status Teleported | unknown status", "11 channel Fax | unknown channel",
            "12 refundable yess | not true/false", "13 refundable truex | not true/false", "15 refundable ja | not true/false",
        ])
    }

    @Test("the same file twice leaves identical tables") func twice() throws {
        let scratch = try Scratch()
        let store = try scratch.ledger()
        let path = try scratch.write("a.csv", header + "sendon,acme,m1,,2026-10-15T10:00:00+09:00,,SMS,DELIVERED,false,,,1,,,,,9.9\n")
        let ingestor = scratch.ingestor(store)
        _ = try ingestor.ingest(path: path, format: .canonicalCSV)
        let before = (try store.counts(), try store.rollups(account: nil, days: LocalDate("2026-01-01")!..<LocalDate("2027-01-01")!))
        let again = try ingestor.ingest(path: path, format: .canonicalCSV)
        guard case .alreadyIngested = again.outcome else { Issue.record("expected a no-op"); return }
        #expect(try store.counts() == before.0)
        #expect(try store.rollups(account: nil, days: LocalDate("2026-01-01")!..<LocalDate("2027-01-01")!) == before.1)
    }

    @Test("status updates move forward only and keep the rollups right") func updates() throws {
        let scratch = try Scratch()
        let store = try scratch.ledger()
        let ingestor = scratch.ingestor(store, zones: ["ny": "America/New_York"])
        let first = try scratch.write("1.csv", header + """
            sendon,acme,m1,,2026-10-15T10:00:00+09:00,,SMS,PENDING,false,3005,,1,,,,,9.9
            sendon,acme,m2,,2026-10-15T10:00:00+09:00,,SMS,DELIVERED,false,,,1,,,,,9.9
            sendon,ny,m3,,2026-10-20T09:00:00+09:00,,LMS,SCHEDULED,false,,,1,,,,,
            """ + "\n")
        let second = try scratch.write("2.csv", header + """
            sendon,acme,m1,,2026-10-15T10:00:00+09:00,,SMS,FAILED,true,3018,,1,,,,,9.9
            sendon,acme,m2,,2026-10-15T10:00:00+09:00,,SMS,PENDING,false,,,1,,,,,9.9
            sendon,ny,m3,,2026-10-21T23:30:00-04:00,,LMS,DELIVERED,false,,,2,,,,,29
            sendon,acme,m2,,2026-10-15T10:00:00+09:00,,SMS,FAILED,false,,,1,,,,,
            """ + "\n")
        _ = try ingestor.ingest(path: first, format: .canonicalCSV)
        let report = try ingestor.ingest(path: second, format: .canonicalCSV)
        guard case .ingested(let counts) = report.outcome else { Issue.record("not ingested"); return }
        #expect(counts.updated == 2)
        #expect(counts.stale == 1)
        #expect(counts.conflicts == 1)
        #expect(report.conflicts.first?.kept == .delivered)
        #expect(try store.record(vendor: "sendon", messageID: "m1")?.status == .failed)
        #expect(try store.record(vendor: "sendon", messageID: "m2")?.status == .delivered)
        // The scheduled send moved to its actual send time, a New York day.
        let rollups = try store.rollups(account: nil, days: LocalDate("2026-10-01")!..<LocalDate("2026-11-01")!)
        let summary = rollups.map { "\($0.key.account) \($0.key.day) \($0.key.channel) \($0.key.status.rawValue) \($0.key.refundable) \($0.totals.messages) \($0.totals.units)" }
        #expect(summary == [
            "acme 2026-10-15 SMS DELIVERED false 1 1",
            "acme 2026-10-15 SMS FAILED true 1 1",
            "ny 2026-10-21 LMS DELIVERED false 1 2",
        ])
    }

    @Test("a file that cannot be read leaves nothing behind") func unreadable() throws {
        let scratch = try Scratch()
        let store = try scratch.ledger()
        let path = try scratch.write("bad.csv", header + "sendon,acme,m1,,2026-10-15T10:00:00+09:00,,SMS,DELIVERED,false,,,1,,,,,\n\"unterminated,\n")
        let report = try scratch.ingestor(store).ingest(path: path, format: .canonicalCSV)
        guard case .unreadable(let reason) = report.outcome else { Issue.record("expected unreadable"); return }
        #expect(reason.contains("never closed"))
        #expect(try store.counts() == LedgerCounts())
        #expect(try store.isIngested(sha256: report.sha256) == false)
    }

    @Test("a header with an unknown column is an unreadable file naming it") func unknownColumn() throws {
        let scratch = try Scratch()
        let store = try scratch.ledger()
        let path = try scratch.write("odd.csv", "vendor,account,message_id,sent_at,channel,status,colour\n")
        let report = try scratch.ingestor(store).ingest(path: path, format: .canonicalCSV)
        guard case .unreadable(let reason) = report.outcome else { Issue.record("expected unreadable"); return }
        #expect(reason.contains("colour"))
    }

    @Test("JSONL with the same fields") func jsonl() throws {
        let scratch = try Scratch()
        let store = try scratch.ledger()
        let path = try scratch.write("a.jsonl", """
            {"vendor":"sendon","account":"acme","message_id":"j1","sent_at":"2026-10-15T10:00:00+09:00","channel":"CALL","status":"DELIVERED","units":125,"refundable":false,"vendor_cost":"60"}
            {"vendor":"sendon","account":"acme","message_id":"j2","sent_at":"2026-10-15T10:00:00+09:00","channel":"SMS","status":"NOPE"}
            not json
            """ + "\n")
        let report = try scratch.ingestor(store).ingest(path: path, format: .canonicalJSONL)
        guard case .ingested(let counts) = report.outcome else { Issue.record("not ingested"); return }
        #expect(counts.inserted == 1)
        #expect(counts.rejected == 2)
        let rollup = try #require(try store.rollups(account: "acme", days: LocalDate("2026-10-15")!..<LocalDate("2026-10-16")!).first)
        #expect(rollup.totals.units == 125)
        #expect(rollup.totals.callMinutes == 3)
    }
}

@Suite("Recipient privacy")
struct RecipientPrivacyTests {
    @Test("the keyed hash is HMAC-SHA-256 of the digits (first 16 bytes), the shown form masked") func keyedHash() throws {
        let keyBytes = Data((0..<32).map { UInt8($0) })
        let privacy = RecipientPrivacy(key: .init(data: keyBytes))
        let (shown, hash) = privacy.protect("010-1234-5678")
        #expect(shown == "010-****-5678")
        let reference = HMAC<SHA256>.authenticationCode(for: Data("01012345678".utf8), using: SymmetricKey(data: keyBytes))
        #expect(hash == Array(reference).prefix(16).map { String(format: "%02x", $0) }.joined())
        // The same number written differently matches; a vendor-masked one is kept as is.
        #expect(privacy.protect("01012345678").hash == hash)
        #expect(privacy.protect("010-****-5678") == ("010-****-5678", nil))
        #expect(privacy.protect("Kim@Example.com").shown == "K***@Example.com")
        #expect(privacy.protect("Kim@Example.com").hash == privacy.protect("kim@example.com").hash)
        let address = HMAC<SHA256>.authenticationCode(for: Data("kim@example.com".utf8), using: SymmetricKey(data: keyBytes))
        #expect(privacy.protect("Kim@Example.com").hash == Array(address).prefix(16).map { String(format: "%02x", $0) }.joined())
    }

    @Test("keys longer than a block are hashed first, as RFC 2104 says; no key keeps no hash") func longKeys() throws {
        for length in [1, 63, 64, 65, 200] {
            let keyBytes = Data((0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) })
            let privacy = RecipientPrivacy(key: .init(data: keyBytes))
            for recipient in ["010-9876-5432", "someone.with.a.rather.long.address.that.spans.more.than.one.block@example.co.kr"] {
                let normalized = recipient.contains("@") ? recipient.lowercased() : String(recipient.filter(\.isNumber))
                let reference = HMAC<SHA256>.authenticationCode(for: Data(normalized.utf8), using: SymmetricKey(data: keyBytes))
                #expect(privacy.protect(recipient).hash == Array(reference).prefix(16).map { String(format: "%02x", $0) }.joined(),
                        "key of \(length) bytes, \(recipient)")
            }
        }
        #expect(RecipientPrivacy(key: nil).protect("010-1234-5678") == ("010-****-5678", nil))
        #expect(RecipientPrivacy(key: nil, masking: false).protect("010-1234-5678") == ("010-1234-5678", nil))
    }
}

/// The store with the per-record sink only: what the prepared, chunked path must equal.
final class RecordByRecordStore: LedgerStore, @unchecked Sendable {
    let inner: SQLiteLedger
    init(_ inner: SQLiteLedger) { self.inner = inner }

    final class Sink: FileIngestSink {
        let inner: any FileIngestSink
        init(_ inner: any FileIngestSink) { self.inner = inner }
        func upsert(_ record: DeliveryRecord, localDay: LocalDate) throws -> StatusUpdate { try inner.upsert(record, localDay: localDay) }
        func reject(_ row: RejectedRow) throws { try inner.reject(row) }
        var conflicts: [StatusConflict] { inner.conflicts }
        func saveSummary(_ rows: [VendorSummaryRow]) throws { try inner.saveSummary(rows) }
    }

    func isIngested(sha256: String) throws -> Bool { try inner.isIngested(sha256: sha256) }
    func ingest(_ file: IngestedFile, _ body: (any FileIngestSink) throws -> Void) throws -> FileIngestOutcome {
        try inner.ingest(file) { sink in try body(Sink(sink)) }
    }
    func rollups(account: String?, days: Range<LocalDate>) throws -> [DailyRollup] { try inner.rollups(account: account, days: days) }
    func record(vendor: String, messageID: String) throws -> DeliveryRecord? { try inner.record(vendor: vendor, messageID: messageID) }
    func records(account: String, days: Range<LocalDate>, _ each: (DeliveryRecord, LocalDate) throws -> Void) throws {
        try inner.records(account: account, days: days, each)
    }
    func ingestedFiles() throws -> [IngestedFile] { try inner.ingestedFiles() }
    func rejects() throws -> [RejectedRow] { try inner.rejects() }
    func counts() throws -> LedgerCounts { try inner.counts() }
    func saveRun(_ run: RunRecord) throws { try inner.saveRun(run) }
    func lastSuccessfulRun() throws -> RunRecord? { try inner.lastSuccessfulRun() }
}

@Suite("Chunked ingest")
struct ChunkedIngestTests {
    /// A first file of new messages, then one where stored messages (status changes, stale and
    /// conflicting rows), a message repeated within the file and a bad row fall among new ones,
    /// at every position of a 32-record chunk.
    static func files() -> (String, String) {
        func row(_ id: String, _ status: String, _ minute: Int, account: String = "acme") -> String {
            let refundable = status == "FAILED" ? "true" : "false"
            return "sendon,\(account),\(id),,2026-10-15T10:\(String(format: "%02d", minute % 60)):00+09:00,,SMS,\(status),\(refundable),,,1,,,010-1234-\(String(format: "%04d", minute)),,9.9\n"
        }
        var first = header
        for index in 0..<300 { first += row("m\(index)", index % 3 == 0 ? "PENDING" : "DELIVERED", index, account: index % 2 == 0 ? "acme" : "beta") }
        var second = header
        for index in 0..<400 {
            second += row("n\(index)", "DELIVERED", index)
            if index % 37 == 5 { second += row("m\(index % 300)", index % 2 == 0 ? "FAILED" : "DELIVERED", index) }
            if index % 53 == 7 { second += row("n\(index)", "FAILED", index) }
            if index == 100 { second += "sendon,acme,bad,,not a time,,SMS,DELIVERED,false,,,1,,,,,\n" }
        }
        return (first, second)
    }

    @Test("chunks that meet stored or repeated messages give what record-by-record upserts give")
    func sameAsRecordByRecord() throws {
        let (first, second) = Self.files()
        var dumps: [String] = []
        var outcomes: [[String]] = []
        for chunked in [true, false] {
            let scratch = try Scratch()
            let ledger = try scratch.ledger()
            let store: any LedgerStore = chunked ? ledger : RecordByRecordStore(ledger)
            let ingestor = Ingestor(store: store, zones: AccountZones(defaultZone: TimeZone(identifier: "Asia/Seoul")!),
                                    privacy: RecipientPrivacy(key: .init(data: Data(repeating: 7, count: 32))), runID: "test",
                                    now: { Instant(secondsSinceEpoch: 1_790_000_000) }, logger: Logger(label: "test"))
            var outcome: [String] = []
            for (name, text) in [("a.csv", first), ("b.csv", second)] {
                // The same path in both folders' ledgers would differ; the name alone is kept.
                let path = try scratch.write(name, text)
                let report = try ingestor.ingest(path: path, format: .canonicalCSV)
                outcome.append("\(report.outcome) conflicts \(report.conflicts.count) rejects \(report.rejects.count)")
            }
            outcomes.append(outcome)
            dumps.append(try ledger.canonicalDump().replacingOccurrences(of: scratch.url.path, with: "<scratch>"))
        }
        #expect(outcomes[0] == outcomes[1])
        #expect(dumps[0] == dumps[1])
        #expect(outcomes[0][1].contains("inserted: 400"), "\(outcomes[0])")
        #expect(outcomes[0][1].contains("updated") && !outcomes[0][1].contains("updated: 0"), "\(outcomes[0])")
    }
}
