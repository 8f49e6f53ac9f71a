import Foundation
@testable import LedgerBilling
import LedgerCore
import LedgerStore
import Testing

func day(_ text: String) -> LocalDate { LocalDate(text)! }
func money(_ text: String) -> Money { try! Money(parsing: text) }
func month(_ text: String) -> CalendarMonth { CalendarMonth(text)! }
func channel(_ text: String) -> Channel { Channel(text)! }
/// An instant from an ISO 8601 text with offset.
func at(_ text: String) -> Instant { Instant(iso8601: text)! }

func makeAccount(id: String = "acme", anchor: Int = 15, changes: [(String, Int)] = [], zone: String = "Asia/Seoul", plan: String = "std",
                 currency: Currency = .krw, rounding: RoundingMode? = nil, vat: String? = nil) -> Account {
    Account(id: id, anchors: AnchorSchedule(initial: AnchorDay(anchor)!, changes: changes.map { .init(effective: day($0.0), anchor: AnchorDay($0.1)!) }),
            timeZone: zone, plan: plan, currency: currency, rounding: rounding, vatRate: vat.map { try! Rate(parsing: $0) })
}

/// A price book with one plan "std"; entries (channel, price, from, per).
func makeBook(currency: String = "KRW", _ entries: [(String, String, String, String?)]) -> PriceBook {
    var text = "[[plan]]\nname = \"std\"\ncurrency = \"\(currency)\"\n"
    for (channel, price, from, per) in entries {
        text += "[[plan.price]]\nchannel = \"\(channel)\"\nprice = \"\(price)\"\neffective_from = \(from)\n"
        if let per { text += "per = \"\(per)\"\n" }
    }
    return try! PriceBook.parse(text: text)
}


/// A delivery record sent at `sent` (ISO 8601 with offset).
func makeRecord(_ id: String, _ sent: String, _ channelText: String = "SMS", _ status: DeliveryStatus = .delivered, account: String = "acme",
                vendor: String = "sendon", refundable: Bool = false, units: Int64 = 1, category: String? = nil, fallbackOf: String? = nil,
                cost: String? = nil, batch: String? = nil, reason: String? = nil) -> DeliveryRecord {
    DeliveryRecord(vendor: vendor, account: account, messageID: id, batchID: batch, sentAt: at(sent), channel: channel(channelText), status: status,
                   refundable: refundable, reasonCode: reason, units: units, category: category, fallbackOf: fallbackOf,
                   vendorCost: cost.map(money))
}

/// Rollups of records in the account's zone, as the ingest keeps them.
func makeRollups(_ records: [DeliveryRecord], zone: String = "Asia/Seoul") -> [DailyRollup] {
    var clock = ZoneClock(identifier: zone)!
    var totals: [RollupKey: RollupTotals] = [:]
    for record in records {
        totals[RollupKey(record: record, day: clock.localDate(of: record.sentAt)), default: RollupTotals()] += RollupTotals(record: record)
    }
    return totals.sorted { $0.key < $1.key }.map { DailyRollup(key: $0.key, totals: $0.value) }
}

/// A statement computed without a store.
func pureStatement(_ account: Account, _ book: PriceBook, cycle: BillingCycle, records: [DeliveryRecord], policy: BillingPolicy = BillingPolicy(),
                   finality: PendingFinality = .allFinal, adjustments: [AdjustmentLine] = []) throws -> Statement {
    let rollups = makeRollups(records, zone: account.timeZone).filter { cycle.contains($0.key.day) }
    let usage = try Rater(account: account, plan: book.plans[account.plan]!, policy: policy).rate(rollups, finality: finality)
    return try StatementAssembler(account: account).statement(cycle: cycle, usage: usage, adjustments: adjustments, revision: 0,
                                                              asOf: Instant(secondsSinceEpoch: 0))
}

/// A real SQLite ledger in a fresh temporary directory.
final class TempLedger {
    let directory: URL
    let store: SQLiteLedger
    private var files = 0

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("billing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try SQLiteLedger(path: directory.appendingPathComponent("ledger.sqlite").path, logger: .init(label: "test"))
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// Ingests records as one file; local days in `zone`.
    func ingest(_ records: [DeliveryRecord], zone: String = "Asia/Seoul") throws {
        files += 1
        var clock = ZoneClock(identifier: zone)!
        let file = IngestedFile(sha256: "file-\(files)-\(UUID().uuidString)", path: "inbox/file-\(files).csv", size: 0, vendor: "test",
                                runID: "run-\(files)", ingestedAt: Instant(secondsSinceEpoch: 0))
        _ = try store.ingest(file) { sink in
            for record in records { try sink.upsert(record, localDay: clock.localDate(of: record.sentAt)) }
        }
    }
}

func makeEngine(_ ledger: TempLedger, accounts: [Account], book: PriceBook, policy: BillingPolicy = BillingPolicy()) throws -> BillingEngine {
    try BillingEngine(store: ledger.store, accounts: AccountDirectory(accounts: accounts), priceBook: book, policy: policy)
}

/// A month report computed without a store.
func pureMonthReport(_ account: Account, _ book: PriceBook, month: CalendarMonth, records: [DeliveryRecord],
                     condition: MonthCondition = .all) throws -> MonthReport {
    let rollups = makeRollups(records, zone: account.timeZone).filter { month.days.contains($0.key.day) }
    let usage = try Rater(account: account, plan: book.plans[account.plan]!, policy: BillingPolicy())
        .rate(rollups, finality: .allFinal, include: condition.includes)
    return try StatementAssembler(account: account).monthReport(month: month, usage: usage, condition: condition,
                                                                asOf: Instant(secondsSinceEpoch: 0))
}
