import Foundation
@testable import LedgerBilling
import LedgerCore
import LedgerStore
import Testing

let smsBook = makeBook([("SMS", "10", "2026-01-01", nil), ("LMS", "30", "2026-01-01", nil)])

@Suite("Closing, late data, adjustments (real SQLite ledger)")
struct ClosingTests {
    /// Oct 15 - Nov 15 cycle: 2 delivered and 1 PENDING; 1 delivered in the next cycle.
    func seeded() throws -> (TempLedger, BillingEngine) {
        let ledger = try TempLedger()
        try ledger.ingest([
            makeRecord("a1", "2026-10-20T10:00:00+09:00"),
            makeRecord("a2", "2026-10-20T11:00:00+09:00"),
            makeRecord("p1", "2026-10-21T10:00:00+09:00", "SMS", .pending),
            makeRecord("b1", "2026-11-16T10:00:00+09:00"),
        ])
        return (ledger, try makeEngine(ledger, accounts: [makeAccount()], book: smsBook))
    }

    @Test("a cycle closes at the first run at or after end + grace days; revision 1 is stored with its checksum")
    func closes() throws {
        let (ledger, engine) = try seeded()
        let early = try engine.close(asOf: at("2026-11-17T23:59:59+09:00"), runID: "r0")
        #expect(early.closed.isEmpty)
        let result = try engine.close(asOf: at("2026-11-18T00:00:00+09:00"), runID: "r1")
        #expect(result.closed.map(\.statement.cycleStart) == [day("2026-10-15")])
        let closed = try #require(result.closed.first)
        #expect(closed.statement.revision == 1)
        #expect(closed.statement.lines.map { "\($0.key.kind) \($0.units)" } == ["usage 2", "uncertain 1"])
        #expect(closed.statement.subtotal == money("30") && closed.statement.vat == money("3") && closed.statement.total == money("33"))
        #expect(closed.checksum == CanonicalJSON.checksum(Data(closed.canonicalJSON)))
        let stored = try #require(try ledger.store.storedStatement(account: "acme", cycleStart: day("2026-10-15"), revision: 1))
        #expect(Array(stored.content) == closed.canonicalJSON)
        #expect(stored.checksum == closed.checksum)
        #expect(stored.runID == "r1")
        // Reading it back gives the stored revision, not a recomputation.
        let read = try engine.statement(account: "acme", cycle: day("2026-10-15"), asOf: at("2027-01-01T00:00:00+09:00"))
        #expect(read == closed.statement)
        // The next run closes nothing new and adjusts nothing.
        let again = try engine.close(asOf: at("2026-11-19T00:00:00+09:00"), runID: "r2")
        #expect(again.closed.isEmpty && again.adjustments.isEmpty && again.manual.isEmpty)
    }

    @Test("a closed statement is never rewritten")
    func immutable() throws {
        let (ledger, engine) = try seeded()
        let closed = try #require(try engine.close(asOf: at("2026-11-18T00:00:00+09:00"), runID: "r1").closed.first)
        let rewrite = StoredStatement(account: "acme", cycleStart: day("2026-10-15"), cycleEnd: day("2026-11-15"), revision: 1,
                                      checksum: "x", content: Data("{}".utf8), runID: "evil")
        #expect(throws: StoreError.self) { try ledger.store.commitBilling(statements: [rewrite], adjustments: []) }
        let stored = try #require(try ledger.store.storedStatement(account: "acme", cycleStart: day("2026-10-15"), revision: 1))
        #expect(stored.checksum == closed.checksum)
    }

    @Test("a dry run returns what a real run would write and writes nothing")
    func dryRun() throws {
        let (ledger, engine) = try seeded()
        let dry = try engine.close(asOf: at("2026-11-18T00:00:00+09:00"), runID: "r1", dryRun: true)
        #expect(dry.closed.count == 1 && dry.dryRun)
        #expect(try ledger.store.storedStatements(account: "acme").isEmpty)
        let real = try engine.close(asOf: at("2026-11-18T00:00:00+09:00"), runID: "r1")
        #expect(real.closed.map(\.canonicalJSON) == dry.closed.map(\.canonicalJSON))
    }

    @Test("the same inputs give byte-identical statements")
    func deterministic() throws {
        let (_, first) = try seeded()
        let (_, second) = try seeded()
        let a = try first.close(asOf: at("2026-11-18T00:00:00+09:00"), runID: "r1")
        let b = try second.close(asOf: at("2026-11-18T00:00:00+09:00"), runID: "r1")
        #expect(a.closed.map(\.canonicalJSON) == b.closed.map(\.canonicalJSON))
        #expect(a.closed.map(\.checksum) == b.closed.map(\.checksum))
    }

    @Test("late records after closing become adjustment lines on the open cycle; the closed bytes stay unchanged")
    func lateRecords() throws {
        let (ledger, engine) = try seeded()
        let closed = try #require(try engine.close(asOf: at("2026-11-18T00:00:00+09:00"), runID: "r1").closed.first)
        try ledger.ingest((0..<3).map { makeRecord("late\($0)", "2026-10-25T10:00:00+09:00") })
        let result = try engine.close(asOf: at("2026-11-20T00:00:00+09:00"), runID: "r3")
        #expect(result.closed.isEmpty && result.manual.isEmpty)
        let adjustment = try #require(result.adjustments.first)
        #expect(adjustment.targetCycle == day("2026-11-15"))
        #expect(adjustment.lines.count == 1)
        let line = adjustment.lines[0]
        #expect(line.originalCycle == day("2026-10-15") && line.reason == .lateRecords)
        #expect(line.key.kind == .usage && line.units == 3 && line.amount == money("30") && line.computedOn == day("2026-11-20"))
        // The closed statement's bytes are untouched.
        let stored = try #require(try ledger.store.storedStatement(account: "acme", cycleStart: day("2026-10-15"), revision: 1))
        #expect(Array(stored.content) == closed.canonicalJSON)
        // The open cycle's statement carries the adjustment: 1 x 10 usage + 30 adjustment.
        let open = try engine.statement(account: "acme", cycle: day("2026-11-15"), asOf: at("2026-11-20T00:00:00+09:00"))
        #expect(open.revision == 0)
        #expect(open.adjustments.map(\.units) == [3])
        #expect(open.usageSubtotal == money("10") && open.adjustmentSubtotal == money("30"))
        #expect(open.subtotal == money("40") && open.vat == money("4") && open.total == money("44"))
        // Nothing is adjusted twice.
        let again = try engine.close(asOf: at("2026-11-21T00:00:00+09:00"), runID: "r4")
        #expect(again.adjustments.isEmpty)
        // The next closing writes the open cycle with its adjustment in revision 1.
        let december = try engine.close(asOf: at("2026-12-18T00:00:00+09:00"), runID: "r5")
        let next = try #require(december.closed.first)
        #expect(next.statement.cycleStart == day("2026-11-15"))
        #expect(next.statement.adjustments.count == 1 && next.statement.total == money("44"))
    }

    @Test("a status change after closing moves units between lines, as status-change adjustments")
    func statusChange() throws {
        let (ledger, engine) = try seeded()
        _ = try engine.close(asOf: at("2026-11-18T00:00:00+09:00"), runID: "r1")
        try ledger.ingest([makeRecord("p1", "2026-10-21T10:00:00+09:00", "SMS", .delivered)])
        let lines = try #require(try engine.close(asOf: at("2026-11-20T00:00:00+09:00"), runID: "r2").adjustments.first).lines
        #expect(lines.map { "\($0.key.kind) \($0.units) \($0.amount) \($0.reason.rawValue)" } ==
                ["usage 1 10 status-change", "uncertain -1 -10 status-change"])
    }

    @Test("a corrected price for an entry gives price-correction adjustments")
    func priceCorrection() throws {
        let (ledger, engine) = try seeded()
        _ = try engine.close(asOf: at("2026-11-18T00:00:00+09:00"), runID: "r1")
        let corrected = try makeEngine(ledger, accounts: [makeAccount()], book: makeBook([("SMS", "12", "2026-01-01", nil)]))
        let lines = try #require(try corrected.close(asOf: at("2026-11-20T00:00:00+09:00"), runID: "r2").adjustments.first).lines
        #expect(lines.map { "\($0.key.kind) \($0.units) \($0.amount) \($0.reason.rawValue)" } ==
                ["usage 0 4 price-correction", "uncertain 0 2 price-correction"])
    }

    @Test("late records past the late window are listed for rerun --adjust, not applied")
    func outsideWindow() throws {
        let (ledger, engine) = try seeded()
        _ = try engine.close(asOf: at("2026-11-18T00:00:00+09:00"), runID: "r1")
        try ledger.ingest([makeRecord("late", "2026-10-25T10:00:00+09:00")])
        // The window of the Oct 15 - Nov 15 cycle ends at Nov 15 + 35 days = Dec 20 00:00 KST.
        let inside = try engine.close(asOf: at("2026-12-19T23:59:59+09:00"), runID: "dry", dryRun: true)
        #expect(inside.adjustments.count == 1 && inside.manual.isEmpty)
        let result = try engine.close(asOf: at("2026-12-20T00:00:00+09:00"), runID: "r2")
        #expect(result.adjustments.isEmpty)
        #expect(result.manual.first?.lines.map(\.units) == [1])
        #expect(result.manual.first?.lines.first?.originalCycle == day("2026-10-15"))
        #expect(try ledger.store.storedAdjustments(account: "acme").isEmpty)
        // It stays listed on every run until decided by hand; other touched days are settled.
        let next = try engine.close(asOf: at("2026-12-20T12:00:00+09:00"), runID: "r2b")
        #expect(next.manual.first?.lines.map(\.units) == [1])
        #expect(try ledger.store.touchedDays(account: "acme") == [day("2026-10-25")])
        // rerun --adjust applies it by hand onto the open cycle.
        let applied = try #require(try engine.adjust(account: "acme", cycle: day("2026-10-15"), asOf: at("2026-12-20T00:00:00+09:00"), runID: "manual"))
        #expect(applied.targetCycle == day("2026-12-15"))
        #expect(applied.lines.map(\.amount) == [money("10")])
        #expect(try ledger.store.storedAdjustments(account: "acme").count == 1)
        #expect(try ledger.store.touchedDays(account: "acme").isEmpty)
        let after = try engine.close(asOf: at("2026-12-21T00:00:00+09:00"), runID: "r3")
        #expect(after.manual.isEmpty && after.adjustments.isEmpty)
        // Late data for a cycle long past its window is still found (only touched cycles are recomputed).
        try ledger.ingest([makeRecord("very-late", "2026-10-26T10:00:00+09:00")])
        let much = try engine.close(asOf: at("2027-06-01T00:00:00+09:00"), runID: "r4")
        #expect(much.manual.flatMap(\.lines).map { "\($0.originalCycle) \($0.units)" } == ["2026-10-15 1"])
    }

    @Test("PENDING records on the cut-off day are final by their own sent_at (store query)")
    func finalityOnCutoffDay() throws {
        let ledger = try TempLedger()
        try ledger.ingest([
            makeRecord("p0", "2026-10-21T23:00:00+09:00", "SMS", .pending),
            makeRecord("p1", "2026-10-22T08:00:00+09:00", "SMS", .pending),
            makeRecord("p2", "2026-10-22T20:00:00+09:00", "SMS", .pending),
            makeRecord("p3", "2026-10-23T01:00:00+09:00", "SMS", .pending),
        ])
        let engine = try makeEngine(ledger, accounts: [makeAccount()], book: smsBook)
        // As of Oct 25 12:00 KST the cut-off (72 h) is Oct 22 12:00 KST: p0 and p1 are final.
        let statement = try engine.statement(account: "acme", cycle: day("2026-10-15"), asOf: at("2026-10-25T12:00:00+09:00"))
        #expect(statement.lines.map(\.units) == [2])
        #expect(statement.channels.first?.pending == 4)
        #expect(statement.channels.first?.uncertainBilled == 2)
        let free = try makeEngine(ledger, accounts: [makeAccount()], book: smsBook, policy: BillingPolicy(uncertain: .free))
        let freeStatement = try free.statement(account: "acme", cycle: day("2026-10-15"), asOf: at("2026-10-25T12:00:00+09:00"))
        #expect(freeStatement.lines.isEmpty && freeStatement.channels.first?.uncertainFree == 2)
        let later = try engine.statement(account: "acme", cycle: day("2026-10-15"), asOf: at("2026-10-26T02:00:00+09:00"))
        #expect(later.lines.map(\.units) == [4])
    }

    @Test("a DST account (America/New_York): local days, cycle edges and closing follow local midnight")
    func dstAccount() throws {
        let ledger = try TempLedger()
        let zone = "America/New_York"
        try ledger.ingest([
            makeRecord("before", "2026-03-01T04:30:00Z", account: "ny"),   // Feb 28 23:30 EST: February cycle
            makeRecord("m1", "2026-03-08T04:30:00Z", account: "ny"),       // Mar 7 23:30 EST
            makeRecord("m2", "2026-03-08T07:30:00Z", account: "ny"),       // Mar 8 03:30 EDT (after the jump)
            makeRecord("m3", "2026-04-01T03:30:00Z", account: "ny"),       // Mar 31 23:30 EDT
            makeRecord("after", "2026-04-01T04:30:00Z", account: "ny"),    // Apr 1 00:30 EDT: April cycle
        ], zone: zone)
        let account = makeAccount(id: "ny", anchor: 1, zone: zone, currency: .usd)
        let engine = try makeEngine(ledger, accounts: [account], book: makeBook(currency: "USD", [("SMS", "0.01", "2026-01-01", nil)]))
        let march = try engine.statement(account: "ny", cycle: day("2026-03-01"), asOf: at("2026-04-02T00:00:00Z"))
        #expect(march.daily.map(\.day) == [day("2026-03-07"), day("2026-03-08"), day("2026-03-31")])
        #expect(march.lines.first?.units == 3)
        // Closes at local 00:00 of Apr 4 (EDT, UTC-4) = 04:00 UTC, not at 00:00 UTC.
        #expect(try engine.close(asOf: at("2026-04-04T03:59:59Z"), runID: "r1", dryRun: true).closed.map(\.statement.cycleStart) == [day("2026-02-01")])
        #expect(try engine.close(asOf: at("2026-04-04T04:00:00Z"), runID: "r1", dryRun: true).closed.map(\.statement.cycleStart) ==
                [day("2026-02-01"), day("2026-03-01")])
    }
}

@Suite("Retention")
struct RetentionTests {
    @Test("detail is kept for open, unclosed and late-window cycles even past retention_days")
    func cutoff() throws {
        let ledger = try TempLedger()
        try ledger.ingest([makeRecord("a", "2026-09-20T10:00:00+09:00"), makeRecord("b", "2026-10-20T10:00:00+09:00")])
        let engine = try makeEngine(ledger, accounts: [makeAccount()], book: smsBook, policy: BillingPolicy(retentionDays: 10))
        // Nothing closed yet: every cycle since the first usage is kept.
        #expect(try engine.retentionCutoff(account: "acme", asOf: at("2026-12-01T00:00:00+09:00")) == day("2026-09-15"))
        _ = try engine.close(asOf: at("2026-12-01T00:00:00+09:00"), runID: "r1")
        // Sep 15 - Oct 15 is closed and its late window ended Nov 19; Oct 15 - Nov 15 is inside its window.
        #expect(try engine.retentionCutoff(account: "acme", asOf: at("2026-12-01T00:00:00+09:00")) == day("2026-10-15"))
        // Later: Jan 15 - Feb 15 is closed but inside its late window (to Mar 22), so kept.
        _ = try engine.close(asOf: at("2027-03-01T00:00:00+09:00"), runID: "r2")
        #expect(try engine.retentionCutoff(account: "acme", asOf: at("2027-03-01T00:00:00+09:00")) == day("2027-01-15"))
        // With a long retention, retention_days decides.
        let keepLong = try makeEngine(ledger, accounts: [makeAccount()], book: smsBook, policy: BillingPolicy(retentionDays: 365))
        #expect(try keepLong.retentionCutoff(account: "acme", asOf: at("2027-03-01T00:00:00+09:00")) == day("2026-03-01"))
    }
}

@Suite("Statuses over time, usage instant, unknown accounts (real SQLite ledger)")
struct StatusUpdateTests {
    @Test("forward-only statuses as billing sees them: stale changes nothing, a conflict keeps the first, a correction wins")
    func forwardOnly() throws {
        let ledger = try TempLedger()
        try ledger.ingest([makeRecord("m1", "2026-10-20T10:00:00+09:00", "SMS", .pending),
                           makeRecord("m2", "2026-10-20T10:00:00+09:00", "SMS", .delivered),
                           makeRecord("m3", "2026-10-20T10:00:00+09:00", "SMS", .failed, refundable: false)])
        try ledger.ingest([makeRecord("m1", "2026-10-20T10:00:00+09:00", "SMS", .delivered),     // PENDING -> DELIVERED
                           makeRecord("m2", "2026-10-20T10:00:00+09:00", "SMS", .pending),       // stale
                           makeRecord("m2", "2026-10-20T10:00:00+09:00", "SMS", .failed),        // conflict: DELIVERED stays
                           makeRecord("m3", "2026-10-20T10:00:00+09:00", "SMS", .failed, refundable: true)])   // correction
        let engine = try makeEngine(ledger, accounts: [makeAccount()], book: smsBook)
        let statement = try engine.statement(account: "acme", cycle: day("2026-10-15"), asOf: at("2026-10-21T00:00:00+09:00"))
        #expect(statement.lines.map { "\($0.key.kind) \($0.units)" } == ["usage 2"])
        #expect(statement.channels.first?.failedRefundable == 1)
        #expect(statement.channels.first?.pending == 0)
    }

    @Test("a scheduled send moves to its actual send time; completion time never moves usage")
    func usageInstant() throws {
        let ledger = try TempLedger()
        try ledger.ingest([makeRecord("s1", "2026-11-20T10:00:00+09:00", "SMS", .scheduled)])
        // Sent earlier than reserved (inside the October cycle), completed in November.
        var sent = makeRecord("s1", "2026-11-14T23:30:00+09:00", "SMS", .delivered)
        sent.completedAt = at("2026-11-15T00:30:00+09:00")
        try ledger.ingest([sent])
        let engine = try makeEngine(ledger, accounts: [makeAccount()], book: smsBook)
        let october = try engine.statement(account: "acme", cycle: day("2026-10-15"), asOf: at("2026-12-01T00:00:00+09:00"))
        let november = try engine.statement(account: "acme", cycle: day("2026-11-15"), asOf: at("2026-12-01T00:00:00+09:00"))
        #expect(october.lines.map(\.units) == [1])
        #expect(november.lines.isEmpty && november.messages == 0)
    }

    @Test("usage of an account missing from the accounts file is reported, not billed")
    func unknownAccounts() throws {
        let ledger = try TempLedger()
        try ledger.ingest([makeRecord("x", "2026-10-20T10:00:00+09:00", account: "ghost"), makeRecord("y", "2026-10-20T10:00:00+09:00")])
        let engine = try makeEngine(ledger, accounts: [makeAccount()], book: smsBook)
        let result = try engine.close(asOf: at("2026-11-18T00:00:00+09:00"), runID: "r1")
        #expect(result.unknownAccounts == ["ghost"])
        #expect(result.closed.map(\.statement.account) == ["acme"])
        #expect(throws: BillingError(account: "ghost", .unknownAccount("ghost"))) {
            try engine.statement(account: "ghost", cycle: day("2026-10-15"), asOf: at("2026-11-18T00:00:00+09:00"))
        }
    }
}

@Suite("Billing store")
struct BillingStoreTests {
    @Test("billingRollups reads the same rows as rollups(account:days:)")
    func sameRollups() throws {
        let ledger = try TempLedger()
        try ledger.ingest([
            makeRecord("a", "2026-10-20T10:00:00+09:00", "FRIENDTALK:IMAGE", category: "campaign:x", cost: "3.5"),
            makeRecord("b", "2026-10-21T10:00:00+09:00", "CALL", .delivered, units: 61),
            makeRecord("c", "2026-10-21T10:00:00+09:00", "LMS", .failed, refundable: true, fallbackOf: "z"),
            makeRecord("d", "2026-10-21T10:00:00+09:00", account: "other"),
        ])
        let days = day("2026-10-01")..<day("2026-11-01")
        let fast = try ledger.store.billingRollups(account: "acme", days: days)
        #expect(fast.count == 3)
        #expect(fast == (try ledger.store.rollups(account: "acme", days: days)))
    }
}
