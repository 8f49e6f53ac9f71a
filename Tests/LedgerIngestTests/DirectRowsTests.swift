import Foundation
import LedgerCore
@testable import LedgerIngest
import LedgerStore
import Testing
import TestSupport

/// A format's rows read the general way only: every row a `RowResult` (the source does not
/// offer `DirectRows`).
private final class RowsOnly: RecordSource {
    let inner: RecordSource
    init(_ inner: RecordSource) { self.inner = inner }
    var bytesRead: Int64 { inner.bytesRead }
    func read(_ emit: (RowResult) throws -> Void) throws { try inner.read(emit) }
}

private func generalOnly(_ format: RecordFormat) -> RecordFormat {
    RecordFormat(name: format.name, vendor: format.vendor) { source, context in RowsOnly(try format.makeSource(source, context)) }
}

@Suite("Clean canonical rows laid out from their bytes")
struct DirectRowsTests {
    /// Rows of every kind the general path judges: clean ones in many spellings (quoted fields,
    /// doubled quotes, line breaks inside a field), repeats of a message (updates), and each
    /// kind of bad or out-of-bounds value.
    static func file(seed: UInt64, rows: Int) -> Data {
        var random = SplitMix64(seed: seed)
        var out = Data(header.utf8)
        for index in 0..<rows {
            let number = random.next() % 5 == 0 ? Int(random.next() % UInt64(max(index, 1))) : index
            let id = "m\(number)"
            let vendor: String = ["sendon", " sendon ", "ktcommunis"][number % 3]
            let sentDay = 1 + Int(random.next() % 28)
            let sent = random.pick([
                "2026-10-\(String(format: "%02d", sentDay))T10:00:0\(index % 10)+09:00", "2026-10-\(String(format: "%02d", sentDay))T23:30:00-04:00",
                " 2026-10-15T10:00:00Z ",
            ], rarely: ["2026-10-15T10:00:00", "1999-12-31T23:00:00+09:00", "2028-01-01T00:00:00+09:00"])
            let texts: [String] = [
                random.pick([vendor], rarely: [""]),
                random.pick(["acct-1", "acct-2", "  acct-3", "acct-1"], rarely: [""]),
                random.pick([id, " \(id) ", id, id]),
                random.pick(["", "B1", "B2"]),
                sent,
                random.pick(["", "", "2026-10-16T10:00:00+09:00"], rarely: ["1990-01-01T00:00:00Z", "soon"]),
                random.pick(["SMS", "sms", " Lms ", "FriendTalk:Image", "friendtalk:image", "CALL", "ALIMTALK"], rarely: ["FAX", "SMS:"]),
                random.pick(["DELIVERED", "failed", " Pending", "scheduled", "Delivered"], rarely: ["TELEPORTED", ""]),
                random.pick(["", "true", "F", "yes", "0"], rarely: ["maybe"]),
                random.pick(["", "3018", "E1"]),
                random.pick(["", "단말기 수신 불가", "timeout", "busy, retry \"later\"", "line one\nline two"]),
                random.pick(["", "1", "3", "125"], rarely: ["-1", "x", "20000000"]),
                random.pick(["", "campaign:가을 세일", "TPL_A", "one-time:배송"]),
                random.pick(["", "02-123-4567", "@모두의캠핑"]),
                random.pick(["", "010-1234-5678", "Kim@Example.com", "010-****-5678", "12", "+82 10-9876-5432"]),
                random.pick(["", "", "", "m3"]),
                random.pick(["", "9.9", "0.0079", "1,234", "7.5"], rarely: ["-1", "abc", "2000000"]),
            ]
            var fields = texts.map { Array($0.utf8) }
            switch random.next() % 200 {
            case 0: fields[10] = Array("a\u{0}b".utf8)                               // NUL in a text
            case 1: fields[12] = [0x63, 0xFF, 0x61]                                  // not UTF-8
            case 2: fields[13] = Array(repeating: UInt8(ascii: "x"), count: 40_000)  // longer than a cell
            case 3: fields[14] = [0x30, 0x31, 0xC3]                                  // a cut-off sequence
            default: break
            }
            for (position, field) in fields.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                // Quoted as RFC 4180 says when it must be, and now and then when it need not.
                let quoted = field.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A })
                    || random.next() % 10 == 0
                if quoted {
                    out.append(UInt8(ascii: "\""))
                    for byte in field {
                        if byte == UInt8(ascii: "\"") { out.append(byte) }
                        out.append(byte)
                    }
                    out.append(UInt8(ascii: "\""))
                } else {
                    out.append(contentsOf: field)
                }
            }
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    @Test("a file read directly leaves the ledger a file read row by row does: records, updates, rollups, rejects",
          arguments: [(UInt64(1), nil as String?), (2, "acme"), (3, nil)])
    func sameLedger(seed: UInt64, folder: String?) throws {
        let files = try Scratch()
        let path = files.url.appendingPathComponent("rows.csv").path
        try Self.file(seed: seed, rows: 3_000).write(to: URL(fileURLWithPath: path))
        let format = RecordFormat.canonicalCSV.bounded(now: { Instant(secondsSinceEpoch: 1_790_000_000) })
        var dumps: [String] = []
        for format in [format, generalOnly(format)] {
            let scratch = try Scratch()
            let store = try scratch.ledger()
            let ingestor = scratch.ingestor(store, zones: ["acct-2": "America/New_York"])
            if seed == 3 { ingestor.purgedBefore = ["acct-1": LocalDate("2026-10-10")!] }
            let report = try ingestor.ingest(path: path, format: format, accountFromFolder: folder)
            guard case .ingested(let counts) = report.outcome else { Issue.record("not ingested: \(report.outcome)"); return }
            #expect(counts.inserted > 1_000 && counts.rejected > 100 && counts.updated + counts.unchanged + counts.stale + counts.conflicts > 100,
                    "\(counts)")
            dumps.append(try store.canonicalDump())
        }
        #expect(dumps[0] == dumps[1])
        // Quoted fields arrived whole (the dump writes text as Swift literals: quotes and line
        // breaks escaped).
        #expect(dumps[0].contains(#"busy, retry \"later\""#) && dumps[0].contains(#"line one\nline two"#))
    }

    @Test("UTF-8 is judged as String(validating:) judges it")
    func utf8() {
        var random = SplitMix64(seed: 42)
        let pieces: [[UInt8]] = [
            [0x41], [0x7F], [0x80], [0xC1, 0x80], [0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0x9F, 0x80], [0xE0, 0xA0, 0x80],
            [0xED, 0x9F, 0xBF], [0xED, 0xA0, 0x80], [0xEF, 0xBF, 0xBF], [0xF0, 0x8F, 0x80, 0x80], [0xF0, 0x90, 0x80, 0x80],
            [0xF4, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF], [0xEA, 0xB0],
            Array("가나다".utf8), Array("plain ascii text".utf8),
        ]
        for _ in 0..<20_000 {
            var bytes: [UInt8] = []
            for _ in 0..<(random.next() % 6) { bytes += random.pick(pieces) }
            if random.next() % 4 == 0 { bytes.append(UInt8(truncatingIfNeeded: random.next())) }
            let expected = bytes.withUnsafeBufferPointer { String(validating: $0, as: UTF8.self) != nil }
            #expect(bytes.withUnsafeBufferPointer { CanonicalRowMapper.isValidUTF8($0) } == expected, "\(bytes)")
        }
    }
}
