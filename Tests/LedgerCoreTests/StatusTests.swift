import LedgerCore
import Testing

@Suite("Status precedence and updates")
struct StatusTests {
    func record(_ status: DeliveryStatus, refundable: Bool = false, reason: String? = nil, sentAt: Int64 = 1_000) -> DeliveryRecord {
        DeliveryRecord(vendor: "sendon", account: "acme", messageID: "m1", sentAt: Instant(secondsSinceEpoch: sentAt),
                       channel: Channel(.sms), status: status, refundable: refundable, reasonCode: reason)
    }

    @Test("forward-only rule", arguments: [
        (DeliveryStatus.scheduled, DeliveryStatus.pending, StatusUpdate.replace),
        (.pending, .delivered, .replace), (.scheduled, .delivered, .replace), (.scheduled, .cancelled, .replace),
        (.delivered, .pending, .stale), (.failed, .scheduled, .stale), (.pending, .scheduled, .stale),
        (.delivered, .failed, .conflict), (.failed, .delivered, .conflict), (.cancelled, .delivered, .conflict),
        (.delivered, .delivered, .unchanged), (.pending, .pending, .unchanged),
    ])
    func forwardOnly(existing: DeliveryStatus, incoming: DeliveryStatus, expected: StatusUpdate) {
        #expect(record(incoming).update(over: record(existing)) == expected)
    }

    @Test("a new message is an insert") func insert() {
        #expect(record(.pending).update(over: nil) == .insert)
    }

    @Test("the same final status with other details is a correction") func correction() {
        #expect(record(.failed, refundable: true).update(over: record(.failed)) == .correction)
        #expect(record(.failed, reason: "3018").update(over: record(.failed, reason: "E104")) == .correction)
    }

    @Test("an equal-precedence update may move sent_at (a scheduled send)") func scheduledMoves() {
        #expect(record(.scheduled, sentAt: 5_000).update(over: record(.scheduled, sentAt: 1_000)) == .replace)
    }

    @Test("the source alone is not a change") func sourceIsNotAFact() {
        var later = record(.delivered)
        later.source = .init(fileSHA256: "abc", row: 7)
        #expect(later.update(over: record(.delivered)) == .unchanged)
    }

    @Test func sentCounts() {
        #expect(DeliveryStatus.allCases.filter(\.countsAsSent) == [.pending, .delivered, .failed])
    }

    @Test("channels parse with sub-types", arguments: [("sms", "SMS"), ("FriendTalk:Image", "FRIENDTALK:IMAGE"), ("KAKAO_COUNSEL", "KAKAO_COUNSEL")])
    func channels(text: String, canonical: String) {
        #expect(Channel(text)?.description == canonical)
    }

    @Test func unknownChannels() {
        #expect(Channel("FAX") == nil)
        #expect(Channel("SMS:") == nil)
    }

    @Test("recipients are masked", arguments: [("010-1234-5678", "010-****-5678"), ("01012345678", "010-****-5678"), ("kim@example.com", "k***@example.com"), ("02-123-4567", "02-***-4567"),
                                                    ("1234567", "123-*-4567"), ("0212345678", "02-****-5678"), ("+82 10-1234-5678", "821-*****-5678"),
                                                    ("12-34", "****"), ("K@x.kr", "K***@x.kr"), ("@x.kr", "***@x.kr")])
    func masks(raw: String, shown: String) {
        #expect(RecipientMask.mask(raw) == shown)
    }
}
