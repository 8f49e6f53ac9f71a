import Foundation
import LedgerCore
@testable import LedgerReports
import LedgerXLSX
import Testing
import TestSupport

/// Rows streamed as borrowed bytes (the month report's Details) must give the same files as
/// the same values owned.
@Suite("Raw rows: the same bytes as owning values")
struct RawRowTests {
    static func randomRows(count: Int, seed: UInt64) -> [[ReportValue]] {
        var rng = SplitMix64(seed: seed)
        let texts = ["", "SMS", "DELIVERED", "단말기 수신 불가", "tab\there", "new\nline", "quote \" and \\ back", "\u{1}ctl",
                     " lead", "trail ", "=1+2", "_x0041_", "a&b<c>", "010-****-5678", String(repeating: "긴", count: 120)]
        let offsets = [0, 32_400, -18_000, 19_800, -34_200, 50_400, -43_200]
        return (0..<count).map { _ in
            (0..<8).map { column -> ReportValue in
                switch (column + Int(rng.next() % 3)) % 6 {
                case 0: return .null
                case 1: return .text(texts[Int(rng.next() % UInt64(texts.count))])
                case 2: return .int(Int64(bitPattern: rng.next()) >> Int64(rng.next() % 64))
                case 3: return .exact(Money(micros: Int64(bitPattern: rng.next()) >> Int64(rng.next() % 64)))
                case 4: return .date(LocalDate(daysSinceEpoch: Int(rng.next() % 2_900_000) - 719_000))
                default:
                    return .dateTime(Instant(secondsSinceEpoch: Int64(rng.next() % 8_000_000_000) - 2_000_000_000),
                                     offsetSeconds: offsets[Int(rng.next() % UInt64(offsets.count))])
                }
            }
        }
    }

    /// The raw form of an owned value, its text borrowed from `storage` (kept alive by the caller).
    static func withRaw<R>(_ values: [ReportValue], _ body: (UnsafeBufferPointer<RawReportValue>) throws -> R) rethrows -> R {
        let storage = values.map { value -> [UInt8]? in
            if case .text(let text) = value { return Array(text.utf8) } else { return nil }
        }
        var raw: [RawReportValue] = []
        var pointers: [UnsafeMutableRawBufferPointer] = []
        defer { pointers.forEach { $0.deallocate() } }
        for (value, bytes) in zip(values, storage) {
            switch value {
            case .null: raw.append(.null)
            case .text:
                let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes!.count, alignment: 1)
                copy.copyBytes(from: bytes!)
                pointers.append(copy)
                raw.append(.text(UnsafeRawBufferPointer(copy)))
            case .int(let n): raw.append(.int(n))
            case .exact(let money): raw.append(.exact(money))
            case .date(let date): raw.append(.date(date))
            case .dateTime(let instant, let offset): raw.append(.dateTime(instant, offsetSeconds: offset))
            default: Issue.record("no raw form of \(value)")
            }
        }
        return try raw.withUnsafeBufferPointer(body)
    }

    static let columns = (0..<8).map { ReportColumn("c\($0)", Label("열\($0)", "Column \($0)")) }

    func render(_ rows: [[ReportValue]], raw: Bool, into sink: any ReportSink) throws {
        try sink.beginStream(sheet: Label("상세", "Details"), record: "detail", columns: Self.columns)
        for row in rows {
            if raw { try Self.withRaw(row) { try sink.streamRow(raw: $0) } } else { try sink.streamRow(row) }
        }
        try sink.close()
    }

    @Test("JSONL", arguments: [1 as UInt64, 2, 3])
    func jsonl(seed: UInt64) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("raw-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let rows = Self.randomRows(count: 3000, seed: seed)
        let owned = folder.appendingPathComponent("owned.jsonl").path, borrowed = folder.appendingPathComponent("raw.jsonl").path
        try render(rows, raw: false, into: JSONLSink(path: owned))
        try render(rows, raw: true, into: JSONLSink(path: borrowed))
        let a = try Data(contentsOf: URL(fileURLWithPath: owned)), b = try Data(contentsOf: URL(fileURLWithPath: borrowed))
        #expect(a.count > 100_000)
        #expect(a == b)
    }

    @Test("XLSX, with shared strings, inline strings past the table's limit, and a continuation sheet")
    func xlsx() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("raw-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var rows = Self.randomRows(count: 3000, seed: 9)
        for index in rows.indices { rows[index][7] = .text("id-\(index)") }
        var options = XLSXWriterOptions()
        options.sharedStringLimit = 500
        options.maxRowsPerSheet = 1000
        let owned = folder.appendingPathComponent("owned.xlsx").path, borrowed = folder.appendingPathComponent("raw.xlsx").path
        try render(rows, raw: false, into: XLSXSink(path: owned, language: .ko, options: options))
        try render(rows, raw: true, into: XLSXSink(path: borrowed, language: .ko, options: options))
        let a = try Data(contentsOf: URL(fileURLWithPath: owned)), b = try Data(contentsOf: URL(fileURLWithPath: borrowed))
        #expect(a.count > 10_000)
        #expect(a == b)
    }
}

