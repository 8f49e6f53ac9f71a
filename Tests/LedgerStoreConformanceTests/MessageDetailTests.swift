import Foundation
import LedgerCore
import LedgerStore
import Testing

@Suite("Store conformance: message details read in place")
struct MessageDetailTests {
    /// What the Details sheet reads of a record, owned.
    struct Seen: Equatable {
        var day: LocalDate, sentAt: Instant, channel: String, status: String, reasonCode: String?, reasonText: String?
        var isFallback: Bool, recipient: String?, category: String?, units: Int64, vendor: String, messageID: String
        var vendorCost: Money?

        init(_ d: MessageDetail) {
            func text(_ bytes: UnsafeRawBufferPointer?) -> String? { bytes.map { String(decoding: $0, as: UTF8.self) } }
            day = d.day; sentAt = d.sentAt; channel = text(d.channel)!; status = text(d.status)!; reasonCode = text(d.reasonCode)
            reasonText = text(d.reasonText); isFallback = d.isFallback; recipient = text(d.recipient); category = text(d.category)
            units = d.units; vendor = text(d.vendor)!; messageID = text(d.messageID)!; vendorCost = d.vendorCost
        }

        init(_ r: DeliveryRecord, day: LocalDate) {
            self.day = day; sentAt = r.sentAt; channel = r.channel.description; status = r.status.rawValue; reasonCode = r.reasonCode
            reasonText = r.reasonText; isFallback = r.fallbackOf != nil; recipient = r.recipient; category = r.category
            units = r.units; vendor = r.vendor; messageID = r.messageID; vendorCost = r.vendorCost
        }
    }

    @Test("messageDetails gives records(account:days:)'s rows, in its order", arguments: storeKinds)
    func sameAsRecords(kind: StoreKind) throws {
        let ledger = try StoreUnderTest(kind)
        let store = ledger.store
        var odd = record("M-odd", status: .failed, refundable: true, reason: "tab\there, \"quote\", 한글")
        odd.reasonCode = ""
        odd.category = nil
        odd.recipient = nil
        odd.vendorCost = nil
        let fallback = record("M-fb", status: .delivered, second: 3, channel: LedgerCore.Channel(.lms), fallbackOf: "M-odd")
        try ingest(TestFile("a.csv", records: [
            record("M-1", status: .delivered), record("M-2", status: .pending, second: 5), odd, fallback,
            record("M-other", account: "other", status: .delivered),
        ]), into: store)
        var fromRecords: [Seen] = []
        try store.records(account: "acme", days: day1..<day2) { record, day in fromRecords.append(Seen(record, day: day)) }
        var details: [Seen] = []
        try store.messageDetails(account: "acme", days: day1..<day2) { details.append(Seen($0)) }
        #expect(details.count == 4)
        #expect(details == fromRecords)
        #expect(details.first { $0.messageID == "M-odd" }?.reasonCode == "")
    }
}
