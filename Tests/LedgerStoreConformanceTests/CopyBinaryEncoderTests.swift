import LedgerCore
@testable import LedgerPostgres
import PostgresNIO
import Testing

/// The bytes of COPY's binary format as PostgreSQL's documentation lays them out (the
/// conformance cases send them to a real server; these pin the layout itself).
@Suite("COPY binary format")
struct CopyBinaryEncoderTests {
    static func bytes(_ build: (inout CopyBinaryEncoder) -> Void) -> [UInt8] {
        var encoder = CopyBinaryEncoder(capacity: 8)
        build(&encoder)
        var chunk = encoder.chunk()
        return chunk.readBytes(length: chunk.readableBytes) ?? []
    }

    static let header: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00] + [0, 0, 0, 0] + [0, 0, 0, 0]

    @Test("header, a row of every type, NULLs, the end word") func layout() {
        let row = Self.bytes { encoder in
            encoder.row(fields: 7)
            encoder.text("가a")
            encoder.text(nil)
            encoder.bigint(-2)
            encoder.bigint(nil)
            encoder.integer(258)
            encoder.bool(true)
            encoder.date(LocalDate(year: 2000, month: 1, day: 2)!)
            encoder.end()
        }
        let expected: [UInt8] = Self.header
            + [0, 7]
            + [0, 0, 0, 4, 0xEA, 0xB0, 0x80, 0x61]
            + [0xFF, 0xFF, 0xFF, 0xFF]
            + [0, 0, 0, 8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE]
            + [0xFF, 0xFF, 0xFF, 0xFF]
            + [0, 0, 0, 4, 0, 0, 1, 2]
            + [0, 0, 0, 1, 1]
            + [0, 0, 0, 4, 0, 0, 0, 1]
            + [0xFF, 0xFF]
        #expect(row == expected)
    }

    @Test("dates count days from 2000-01-01, before it too") func dates() {
        for (day, number) in [(LocalDate(year: 2000, month: 1, day: 1)!, Int32(0)), (LocalDate(year: 1999, month: 12, day: 31)!, -1), (LocalDate(year: 2026, month: 11, day: 26)!, 9826)] {
            let bytes = Self.bytes { $0.date(day) }.dropFirst(Self.header.count)
            #expect(Array(bytes) == [0, 0, 0, 4] + withUnsafeBytes(of: number.bigEndian, Array.init))
        }
    }

    @Test("a channel's text with its sub-type; values longer than the first block") func channelsAndLongValues() {
        let channel = Self.bytes { $0.channel(Channel(.friendtalk, subtype: "WIDE_IMAGE")) }.dropFirst(Self.header.count)
        #expect(Array(channel) == [0, 0, 0, 21] + Array("FRIENDTALK:WIDE_IMAGE".utf8))
        let long = String(repeating: "사유\t\\\n", count: 50_000)
        let text = Self.bytes { $0.text(long) }.dropFirst(Self.header.count)
        #expect(Array(text.prefix(4)) == withUnsafeBytes(of: Int32(long.utf8.count).bigEndian, Array.init))
        #expect(Array(text.dropFirst(4)) == Array(long.utf8))
    }

    @Test("the column list that asks postgres-nio's copyFrom for the binary format") func request() {
        #expect(CopyStream.binaryColumns(["a"]) == ["a\") FROM STDIN WITH (FORMAT binary) --"])
        #expect(CopyStream.binaryColumns(["a", "b"]) == ["a", "b\") FROM STDIN WITH (FORMAT binary) --"])
    }
}

/// The fast path's locator rows, held in memory or partly written out to a temporary file:
/// the same keys under the same account-days either way.
@Suite("delivery_locator rows of the fast path")
struct LocatorTableTests {
    /// "account day vendor id" per key listed in COPY binary data, sorted.
    static func listed(_ data: [UInt8]) throws -> [String] {
        var at = CopyBinaryEncoderTests.header.count
        func int32() -> Int { defer { at += 4 }; return Int(Int32(bigEndian: data[at..<at + 4].withUnsafeBytes { $0.loadUnaligned(as: Int32.self) })) }
        func int16() -> Int { defer { at += 2 }; return Int(Int16(bigEndian: data[at..<at + 2].withUnsafeBytes { $0.loadUnaligned(as: Int16.self) })) }
        func text(_ length: Int) -> String { defer { at += length }; return String(decoding: data[at..<at + length], as: UTF8.self) }
        var keys: [String] = []
        while int16() == 4 {
            let account = text(int32())
            _ = int32()
            let day = LocalDate(daysSinceEpoch: int32() + CopyBinaryEncoder.daysFrom1970To2000)
            let vendor = text(int32())
            _ = int32()
            #expect(int32() == 1)
            #expect(int32() == 0)
            #expect(int32() == Int(CopyBinaryEncoder.textOID))
            let count = int32()
            #expect(int32() == 1)
            for _ in 0..<count { keys.append("\(account) \(day) \(vendor) \(text(int32()))") }
        }
        #expect(at == data.count)
        return keys.sorted()
    }

    static func rows(spillBytes: Int, _ input: [(String, LocalDate, String, String)]) throws -> [UInt8] {
        var table = LocatorTable(spillBytes: spillBytes)
        for (account, day, vendor, id) in input { table.append(id, to: table.group(account: account, day: day, vendor: vendor)) }
        var bytes: [UInt8] = []
        try table.copy { chunk in bytes += chunk.readableBytesView }
        table.close()
        return bytes
    }

    @Test("written out or held, every key is listed once under its account-day") func spilled() throws {
        let days = [LocalDate(year: 2026, month: 10, day: 1)!, LocalDate(year: 2026, month: 10, day: 2)!]
        let input = (0..<5000).map { index in ("acct-\(index % 7)", days[index % 2], ["sendon", "nhn"][index % 3 == 0 ? 0 : 1], "M\(index)-키") }
        let expected = input.map { "\($0.0) \($0.1) \($0.2) \($0.3)" }.sorted()
        #expect(try Self.listed(Self.rows(spillBytes: LocatorTable.defaultSpillBytes, input)) == expected)
        #expect(try Self.listed(Self.rows(spillBytes: 100, input)) == expected)
        #expect(try Self.listed(Self.rows(spillBytes: 10_000, input)) == expected)
    }
}
