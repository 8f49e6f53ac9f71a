import Foundation
import LedgerIngest
import Testing

/// A source that hands out its bytes a few at a time, to push every row across refills.
final class TrickleSource: ByteSource {
    let bytes: [UInt8]
    let step: Int
    var position = 0
    init(_ text: String, step: Int) {
        bytes = Array(text.utf8)
        self.step = step
    }
    init(bytes: [UInt8], step: Int) {
        self.bytes = bytes
        self.step = step
    }
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(step, buffer.count, bytes.count - position)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + position, byteCount: count) }
        position += count
        return count
    }
}

func readAll(_ text: String, step: Int = 1 << 20, delimiter: UInt8 = UInt8(ascii: ",")) throws -> [(Int, [String])] {
    var rows: [(Int, [String])] = []
    try CSVReader(source: TrickleSource(text, step: step), delimiter: delimiter).forEachRow { row in
        rows.append((row.line, (0..<row.count).map { row.string($0) }))
    }
    return rows
}

@Suite("CSV reader (RFC 4180)")
struct CSVReaderTests {
    static let tricky = "a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"line1\nline2\"\r\n1,,3\n\n\"\",last,\"\"\n"

    @Test("quoted delimiters, doubled quotes, line breaks in fields, CRLF and LF, empty lines", arguments: [1, 2, 3, 7, 1 << 20])
    func tricky(step: Int) throws {
        let rows = try readAll(Self.tricky, step: step)
        #expect(rows.map(\.1) == [["a", "b", "c"], ["x, y", "say \"hi\"", "line1\nline2"], ["1", "", "3"], ["", "last", ""]])
        // Line numbers are where each row starts; the quoted line break counts.
        #expect(rows.map(\.0) == [1, 2, 4, 6])
    }

    @Test func byteOrderMarkIsSkipped() throws {
        let rows = try readAll("\u{FEFF}id,name\n1,김철수\n")
        #expect(rows.map(\.1) == [["id", "name"], ["1", "김철수"]])
    }

    @Test func lastRowWithoutNewline() throws {
        #expect(try readAll("a,b\n1,2").map(\.1) == [["a", "b"], ["1", "2"]])
        #expect(try readAll("a,b\n1,\"2\"", step: 1).map(\.1) == [["a", "b"], ["1", "2"]])
    }

    @Test func otherDelimiters() throws {
        #expect(try readAll("a;b\n\"1;2\";3\n", delimiter: UInt8(ascii: ";")).map(\.1) == [["a", "b"], ["1;2", "3"]])
        #expect(try readAll("a\tb\n1\t2\n", delimiter: 9).map(\.1) == [["a", "b"], ["1", "2"]])
    }

    @Test func unterminatedQuoteIsAnError() {
        #expect(throws: CSVReader.Error(line: 2, reason: .unterminatedQuote)) { try readAll("a,b\n\"never closed,1\n2,3\n") }
    }

    @Test func longRowsAreBounded() {
        var limits = CSVReader.Limits()
        limits.maxRowBytes = 1 << 20
        let huge = "a\n" + String(repeating: "x", count: 3 << 20) + "\n"
        #expect(throws: CSVReader.Error.self) {
            try CSVReader(source: TrickleSource(huge, step: 1 << 16), limits: limits).forEachRow { _ in }
        }
    }

    @Test func aTenMegabyteCellIsRead() throws {
        let cell = String(repeating: "가", count: 3_500_000)
        let rows = try readAll("a,b\n\"\(cell)\",2\n", step: 1 << 16)
        #expect(rows[1].1[0].count == cell.count)
    }

    @Test func tooManyFields() {
        let row = String(repeating: ",", count: 100_000)
        #expect(throws: CSVReader.Error.self) { try readAll("a\n" + row + "\n") }
    }

    @Test func gzipIsInflatedByMagicBytes() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sendledger-gz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let plain = directory.appendingPathComponent("f.csv")
        try Data("a,b\n1,2\n3,4\n".utf8).write(to: plain)
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["-k", "-n", plain.path]
        try gzip.run()
        gzip.waitUntilExit()
        var rows: [[String]] = []
        try CSVReader(source: try ByteSources.open(path: plain.path + ".gz")).forEachRow { row in
            rows.append((0..<row.count).map { row.string($0) })
        }
        #expect(rows == [["a", "b"], ["1", "2"], ["3", "4"]])

        // A truncated gzip file is an error, not a short file.
        let full = try Data(contentsOf: URL(fileURLWithPath: plain.path + ".gz"))
        try full.prefix(full.count - 10).write(to: directory.appendingPathComponent("cut.csv.gz"))
        #expect(throws: SourceError.self) {
            try CSVReader(source: try ByteSources.open(path: directory.appendingPathComponent("cut.csv.gz").path)).forEachRow { _ in }
        }
    }
}
