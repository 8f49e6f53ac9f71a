import Foundation
import Testing
@testable import LedgerXLSX
import TestSupport

/// Property: random cells of every type go through the writer and come back from the reader
/// as the same values. A fixed seed per case keeps failures reproducible.
@Suite("Round trips")
struct RoundTripTests {
    static let pieces: [String] = [
        "a", "Z", "7", " ", "\t", "\n", "\r", "\r\n", "\u{01}", "\u{1F}", "_x0041_", "_x", "<", ">", "&", "\"", "'",
        "=", "+", "-", "@", "가", "한글", "🎉", "é", "\u{FFFE}", "\u{FFFF}", "\u{7F}", "]]>", "SMS", "₩",
    ]

    enum Kind: CaseIterable { case empty, text, integer, micros, bool, date, dateTime }

    static func randomCell(_ g: inout SplitMix64) -> (XLSXCell, XLSXCellValue) {
        switch Kind.allCases.randomElement(using: &g)! {
        case .empty:
            return (.empty, .empty)
        case .text:
            let text = (0..<Int.random(in: 0...12, using: &g)).map { _ in pieces.randomElement(using: &g)! }.joined()
            return (.text(text), .string(text))
        case .integer:
            let v = Int64.random(in: Int64.min...Int64.max, using: &g) >> Int64.random(in: 0...63, using: &g)
            return (.integer(v), .number(String(v)))
        case .micros:
            let v = Int64.random(in: -1_000_000_000_000_000...1_000_000_000_000_000, using: &g) >> Int64.random(in: 0...50, using: &g)
            let digits = Int.random(in: 0...2, using: &g)
            return (.money(micros: v, digits: digits), .number(decimalText(v)))
        case .bool:
            let b = Bool.random(using: &g)
            return (.bool(b), .bool(b))
        case .date:
            let days = Int.random(in: -25_000...80_000, using: &g) // 1901 to 2189
            let cell = XLSXCell.date(daysSince1970: days)
            return (cell, .date(String(days + 25_569)))
        case .dateTime:
            let seconds = Int64.random(in: -2_000_000_000...6_000_000_000, using: &g)
            return (.dateTime(secondsSince1970: seconds), .date("dt\(seconds)")) // checked to the second below
        }
    }

    static func decimalText(_ micros: Int64) -> String {
        let out = ByteBuffer(capacity: 32)
        out.append(micros: micros)
        return String(decoding: out.bytes, as: UTF8.self)
    }

    @Test("random cells of every type survive writer and reader", arguments: 1...12)
    func randomWorkbooks(seed: Int) throws {
        var g = SplitMix64(seed: UInt64(seed))
        var options = XLSXWriterOptions()
        options.sharedStringLimit = Int.random(in: 0...20, using: &g) // shared and inline both
        options.maxRowsPerSheet = Int.random(in: 5...60, using: &g)
        let path = try temporaryDirectory().appendingPathComponent("r.xlsx").path
        let writer = try XLSXWriter(path: path, options: options)
        var expected: [String: [[XLSXCellValue]]] = [:]
        for s in 0..<Int.random(in: 1...3, using: &g) {
            let name = "S\(s)"
            try writer.startSheet(name)
            for _ in 0..<Int.random(in: 0...100, using: &g) {
                let cells = (0..<Int.random(in: 0...12, using: &g)).map { _ in Self.randomCell(&g) }
                try writer.addRow(cells.map(\.0))
                var values = cells.map(\.1)
                while values.last == .empty { values.removeLast() }
                let sheetName = writer.sheetNames.last!
                expected[sheetName, default: []].append(values)
            }
        }
        try writer.close()
        let reader = try XLSXReader(path: path)
        #expect(reader.sheets.count == writer.sheetNames.count)
        for sheet in reader.sheets {
            var rows: [[XLSXCellValue]] = []
            try reader.forEachRow(sheet: .index(sheet.index)) { row in
                #expect(row.number == rows.count + 1)
                rows.append(row.cells)
            }
            let want = expected[sheet.name] ?? []
            #expect(rows.count == want.count)
            for (got, wanted) in zip(rows, want) {
                #expect(got.count == wanted.count)
                for (cell, value) in zip(got, wanted) {
                    if case .date(let marker) = value, marker.hasPrefix("dt"), let s = Int64(marker.dropFirst(2)), case .date(let serial) = cell {
                        // Date-times: the serial reads back to the same second.
                        let days = s >= 0 ? s / 86_400 : (s - 86_399) / 86_400
                        let (y, m, d) = XLSXDate.civil(daysSince1970: Int(days))
                        let rest = Int(s - days * 86_400)
                        let time = XLSXDateTime(serial: serial)
                        #expect(time.map { [$0.year, $0.month, $0.day, $0.hour * 3600 + $0.minute * 60 + $0.second] } == [y, m, d, rest])
                    } else {
                        #expect(cell == value)
                    }
                }
            }
        }
    }

    @Test("a sheet spanning many parser chunks reads back every row, rows cut at chunk ends included")
    func manyChunks() throws {
        var options = XLSXWriterOptions()
        options.sharedStringLimit = 1_000
        let path = try temporaryDirectory().appendingPathComponent("big.xlsx").path
        let writer = try XLSXWriter(path: path, options: options)
        try writer.startSheet("Big", options: .init(header: ["id", "text", "amount", "day", "flag"]))
        for i in 0..<40_000 {
            try writer.addRow([.integer(i), .text("row \(i) 텍스트 \(i % 1_500)"), .decimal(micros: Int64(i) * 1_010_000),
                               .date(daysSince1970: 20_000 + i % 400), .bool(i % 3 == 0)])
        }
        try writer.close()
        let reader = try XLSXReader(path: path)
        var count = 0
        try reader.forEachRow { row in
            if row.number > 1 {
                let i = row.number - 2
                let expected: [XLSXCellValue] = [.number(String(i)), .string("row \(i) 텍스트 \(i % 1_500)"),
                                                 .number(Self.decimalText(Int64(i) * 1_010_000)),
                                                 .date(String(20_000 + i % 400 + 25_569)), .bool(i % 3 == 0)]
                if row.cells != expected { Issue.record("row \(row.number): \(row.cells)") }
            }
            count += 1
        }
        #expect(count == 40_001)
        // The CSV path reads the same batches without making Strings.
        let csv = try temporaryDirectory().appendingPathComponent("big.csv").path
        try XLSXConversion.toCSV(xlsx: path, csvOutput: csv)
        let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\r\n")
        #expect(lines.count == 40_001)
        #expect(lines[39_999] == "39998,row 39998 텍스트 998,40397.98,2025-11-06,FALSE")
    }
}
