import Foundation
@testable import LedgerBilling
import LedgerCore
import LedgerStore
import Testing

@Suite("Month reports, refunds, reconciliation, failures (real SQLite ledger)")
struct ReportTests {
    @Test("a month report: lines rounded per month without VAT, pieces per cycle, conditions, revisions")
    func monthReport() throws {
        let ledger = try TempLedger()
        try ledger.ingest([
            makeRecord("a", "2026-11-03T10:00:00+09:00", category: "campaign:winter"),
            makeRecord("b", "2026-11-03T11:00:00+09:00", category: "one-time:notice"),
            makeRecord("c", "2026-11-20T10:00:00+09:00", category: "campaign:winter"),
            makeRecord("d", "2026-11-20T10:00:00+09:00", "SMS", .failed, vendor: "kt", cost: "8"),
        ])
        let engine = try makeEngine(ledger, accounts: [makeAccount()], book: makeBook([("SMS", "9.5", "2026-01-01", nil)]))
        let report = try engine.monthReport(month: month("2026-11"), account: "acme", asOf: at("2026-12-01T00:00:00+09:00"))
        #expect(report.lines.count == 1)
        #expect(report.lines[0].exact == money("28.5") && report.lines[0].amount == money("28"))
        #expect(report.total == money("28"))
        #expect(report.bridge.map(\.cycle) == [day("2026-10-15"), day("2026-11-15")])
        #expect(report.bridge.map(\.units) == [2, 1])
        #expect(report.bridge.map(\.amount) == [money("19"), money("9")])
        #expect(report.vendorCosts.map { "\($0.vendor) \($0.messages) \($0.vendorCost) \($0.costUnknown)" } == ["kt 1 8 0", "sendon 3 0 3"])
        let campaign = try engine.monthReport(month: month("2026-11"), account: "acme", asOf: at("2026-12-01T00:00:00+09:00"), condition: .campaign)
        #expect(campaign.lines.map(\.units) == [2])
        let oneTime = try engine.monthReport(month: month("2026-11"), account: "acme", asOf: at("2026-12-01T00:00:00+09:00"), condition: .oneTime)
        #expect(oneTime.lines.map(\.units) == [1])
        // Revisions: the same content keeps its revision, a change makes the next.
        #expect(try engine.saveMonthReport(report, runID: "r1").revision == 1)
        #expect(try engine.saveMonthReport(report, runID: "r2").revision == 1)
        try ledger.ingest([makeRecord("e", "2026-11-21T10:00:00+09:00")])
        let changed = try engine.monthReport(month: month("2026-11"), account: "acme", asOf: at("2026-12-01T00:00:00+09:00"))
        #expect(try engine.saveMonthReport(changed, runID: "r3").revision == 2)
        #expect(try engine.monthReports(month: month("2026-11"), asOf: at("2026-12-01T00:00:00+09:00")).map(\.account) == ["acme"])
    }

    @Test("refunds per vendor, reporting-zone month and channel: unit cost, amount owed, cost unknown, message ids")
    func refunds() throws {
        let ledger = try TempLedger()
        try ledger.ingest([
            makeRecord("r1", "2026-11-03T10:00:00+09:00", "ALIMTALK", .failed, vendor: "kt", refundable: true, cost: "8.4", reason: "3018"),
            makeRecord("r2", "2026-11-04T10:00:00+09:00", "ALIMTALK", .failed, vendor: "kt", refundable: true, cost: "8.4"),
            makeRecord("r3", "2026-11-05T10:00:00+09:00", "ALIMTALK", .failed, vendor: "kt", refundable: true),
            makeRecord("r4", "2026-10-31T15:30:00Z", "SMS", .failed, vendor: "kt", refundable: true, cost: "9"),      // Nov 1 00:30 KST
            makeRecord("r5", "2026-10-31T14:59:00Z", "SMS", .failed, vendor: "kt", refundable: true, cost: "9"),      // Oct 31 23:59 KST
            makeRecord("r6", "2026-11-06T10:00:00+09:00", "SMS", .failed, vendor: "kt", refundable: false, cost: "9"),
            makeRecord("r7", "2026-11-06T10:00:00+09:00", "SMS", .delivered, vendor: "kt", cost: "9"),
            makeRecord("r8", "2026-11-06T10:00:00+09:00", "SMS", .failed, vendor: "sendon", refundable: true, cost: "9"),
        ])
        let engine = try makeEngine(ledger, accounts: [makeAccount()], book: smsBook)
        let report = try engine.refunds(vendor: "kt", month: month("2026-11"))
        #expect(report.channels.map(\.channel) == [channel("SMS"), channel("ALIMTALK")])
        let sms = report.channels[0], kakao = report.channels[1]
        #expect(sms.messages == 1 && sms.amountOwed == money("9") && sms.unitCost == money("9") && sms.items.map(\.messageID) == ["r4"])
        #expect(kakao.messages == 3 && kakao.amountOwed == money("16.8") && kakao.costUnknown == 1 && kakao.unitCost == money("8.4"))
        #expect(kakao.items.map(\.messageID) == ["r1", "r2", "r3"])
        #expect(kakao.items[0].reasonCode == "3018" && kakao.items[2].vendorCost == nil)
        #expect(report.messages == 4 && report.amountOwed == money("25.8") && report.costUnknown == 1)
        let october = try engine.refunds(vendor: "kt", month: month("2026-10"))
        #expect(october.channels.flatMap(\.items).map(\.messageID) == ["r5"])
        // In UTC reporting, r4 is October's.
        let utc = try makeEngine(ledger, accounts: [makeAccount()], book: smsBook, policy: BillingPolicy(reportingTimeZone: "UTC"))
        #expect(try utc.refunds(vendor: "kt", month: month("2026-10")).channels.flatMap(\.items).map(\.messageID) == ["r5", "r4"])
    }

    @Test("reconciliation: every difference between summary and detail counts at the same grain is a row")
    func reconciliation() throws {
        let ledger = try TempLedger()
        try ledger.ingest([
            makeRecord("k1", "2026-11-03T10:00:00+09:00", "ALIMTALK", .delivered, vendor: "kt", category: "T1"),
            makeRecord("k2", "2026-11-03T10:00:00+09:00", "ALIMTALK", .delivered, vendor: "kt", category: "T1"),
            makeRecord("k3", "2026-11-03T10:00:00+09:00", "ALIMTALK", .failed, vendor: "kt", category: "T1"),
            makeRecord("f3", "2026-11-03T10:00:10+09:00", "SMS", .delivered, vendor: "kt", category: "T1", fallbackOf: "k3"),
            makeRecord("k4", "2026-11-03T10:00:00+09:00", "ALIMTALK", .delivered, vendor: "kt", category: "T2"),
            makeRecord("k5", "2026-11-03T10:00:00+09:00", "ALIMTALK", .delivered, vendor: "kt", category: "T3"),
            makeRecord("g1", "2026-11-03T10:00:00+09:00", "SMS", .delivered, vendor: "godo", batch: "B1"),
            makeRecord("g2", "2026-11-03T10:00:00+09:00", "SMS", .delivered, vendor: "godo", batch: "B1"),
            makeRecord("g3", "2026-11-03T10:00:00+09:00", "SMS", .failed, vendor: "godo", batch: "B1"),
        ])
        let engine = try makeEngine(ledger, accounts: [makeAccount()], book: smsBook)
        let kt = [
            VendorSummaryRow(vendor: "kt", grain: .dayTemplate(day: day("2026-11-03"), template: "T1"), total: 3, success: 2, failure: 1,
                             fallbackSuccess: 1, fallbackFailure: 0, source: .init(fileSHA256: "sum", row: 2)),
            VendorSummaryRow(vendor: "kt", grain: .dayTemplate(day: day("2026-11-03"), template: "T2"), total: 2, success: 2, failure: 0,
                             fallbackSuccess: 0, fallbackFailure: 0, source: .init(fileSHA256: "sum", row: 3)),
            VendorSummaryRow(vendor: "kt", grain: .dayTemplate(day: day("2026-11-04"), template: "T1"), total: 5, success: 5,
                             source: .init(fileSHA256: "sum", row: 4)),
        ]
        try ledger.store.saveVendorSummaries(kt)
        #expect(try ledger.store.vendorSummaries(vendor: "kt") == kt)
        let report = try engine.reconcile(vendor: "kt")
        let rows = report.rows.map { "\($0.key) \($0.measure.rawValue) \($0.summary.map(String.init) ?? "-") \($0.detail) \($0.difference)" }
        #expect(rows == [
            "2026-11-03|T2 total 2 1 -1",
            "2026-11-03|T2 success 2 1 -1",
            "2026-11-03|T3 total - 1 1",
            "2026-11-03|T3 success - 1 1",
            "2026-11-04|T1 total 5 0 -5",
            "2026-11-04|T1 success 5 0 -5",
        ])
        #expect(report.rows.first?.sourceRow == 3)
        let godo = try engine.reconcile(vendor: "godo", summaries: [
            VendorSummaryRow(vendor: "godo", grain: .batch("B1"), total: 3, success: 2, failure: 1),
            VendorSummaryRow(vendor: "godo", grain: .batch("B2"), total: 4, success: 4, failure: 0),
        ])
        #expect(godo.rows.map { "\($0.key) \($0.measure.rawValue) \($0.difference)" } == ["B2 total -4", "B2 success -4"])
        let invoice = try engine.reconcile(vendor: "godo", summaries: [
            VendorSummaryRow(vendor: "godo", grain: .monthChannel(month: month("2026-11"), channel: channel("SMS")), total: 3, success: 3),
        ])
        #expect(invoice.rows.map { "\($0.key) \($0.measure.rawValue) \($0.difference)" } == ["2026-11|SMS success -1"])
        // An invoice amount is compared with the records' reported costs.
        try ledger.ingest([makeRecord("c1", "2026-12-03T10:00:00+09:00", vendor: "inv", cost: "9.5"),
                           makeRecord("c2", "2026-12-03T10:00:00+09:00", vendor: "inv")])
        let billed = try engine.reconcile(vendor: "inv", summaries: [
            VendorSummaryRow(vendor: "inv", grain: .monthChannel(month: month("2026-12"), channel: channel("SMS")), total: 2, amount: money("19")),
        ])
        #expect(billed.rows.count == 1)
        #expect(billed.rows.first?.measure == .cost)
        #expect(billed.rows.first?.summaryAmount == money("19") && billed.rows.first?.detailAmount == money("9.5"))
        #expect(billed.rows.first?.amountDifference == money("-9.5") && billed.rows.first?.detailCostUnknown == 1)
    }

    @Test("failures: failed fallbacks listed with their original; fallbacks without a FAILED original are discrepancies but billed")
    func fallbackChain() throws {
        let ledger = try TempLedger()
        let records = [
            makeRecord("k1", "2026-10-20T10:00:00+09:00", "ALIMTALK", .failed, reason: "3018"),
            makeRecord("f1", "2026-10-20T10:00:05+09:00", "SMS", .delivered, fallbackOf: "k1"),
            makeRecord("k2", "2026-10-20T10:00:00+09:00", "ALIMTALK", .failed),
            makeRecord("f2", "2026-10-20T10:00:05+09:00", "LMS", .failed, fallbackOf: "k2", reason: "잔액 부족"),
            makeRecord("f3", "2026-10-20T10:00:05+09:00", "SMS", .delivered, fallbackOf: "missing"),
            makeRecord("k4", "2026-10-20T10:00:00+09:00", "ALIMTALK", .delivered),
            makeRecord("f4", "2026-10-20T10:00:05+09:00", "SMS", .delivered, fallbackOf: "k4"),
        ]
        try ledger.ingest(records)
        let book = makeBook([("ALIMTALK", "7", "2026-01-01", nil), ("SMS", "9", "2026-01-01", nil), ("LMS", "25", "2026-01-01", nil)])
        let engine = try makeEngine(ledger, accounts: [makeAccount()], book: book)
        let list = try engine.failures(account: "acme", cycle: day("2026-10-15"))
        #expect(list.failures.map(\.messageID).sorted() == ["f2", "k1", "k2"])
        #expect(list.fallbackFailed.map { "\($0.fallbackID)<-\($0.originalID) \($0.originalStatus?.rawValue ?? "-")" } == ["f2<-k2 FAILED"])
        #expect(list.fallbackDiscrepancies.map(\.fallbackID).sorted() == ["f3", "f4"])
        let statement = try engine.statement(account: "acme", cycle: day("2026-10-15"), asOf: at("2026-11-01T00:00:00+09:00"))
        #expect(statement.lines.map { "\($0.key.channel) \($0.key.kind) \($0.units)" } == ["SMS fallback 3", "ALIMTALK usage 1"])
        var details = 0
        try engine.details(account: "acme", cycle: day("2026-10-15")) { _, _ in details += 1 }
        #expect(details == records.count)
    }

    @Test("SHA-256 and canonical JSON: known digests, sorted keys, stable bytes")
    func checksums() throws {
        #expect(SHA256.hex(Array("".utf8)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(Array(String(repeating: "a", count: 1000).utf8)) == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
        let statement = try pureStatement(makeAccount(), smsBook, cycle: octoberCycle, records: smsRecords(3))
        let bytes = try statement.canonicalJSON()
        #expect(try statement.canonicalJSON() == bytes)
        #expect(try CanonicalJSON.decode(Statement.self, from: bytes) == statement)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("{\"account\":\"acme\",\"accountName\":\"acme\",\"adjustmentSubtotal\":\"0\""))
        #expect(text.contains("\"unitPrice\":\"10\""))
    }
}
