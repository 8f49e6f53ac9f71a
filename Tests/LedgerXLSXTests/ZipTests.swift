import Foundation
import Testing
@testable import LedgerXLSX

@Suite("Zip on zlib")
struct ZipTests {
    @Test("entries round trip through writer and reader, CRC and sizes checked")
    func roundTrip() throws {
        let dir = try temporaryDirectory()
        let path = dir.appendingPathComponent("a.zip").path
        let zip = ZipWriter(output: try FileZipOutput(path: path), level: 6)
        let big = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 7) }
        try zip.addEntry("empty.txt", [])
        try zip.addEntry("hello.txt", Array("hello, zip".utf8))
        try zip.addEntry("dir/big.bin", big)
        try zip.addEntry("한글.txt", Array("유니코드".utf8))
        try zip.finish()

        let archive = try ZipArchive(path: path, limits: .default)
        #expect(archive.entries.map(\.name) == ["empty.txt", "hello.txt", "dir/big.bin", "한글.txt"])
        #expect(try archive.readAll(archive.entry(named: "empty.txt")!) == [])
        #expect(try archive.readAll(archive.entry(named: "hello.txt")!) == Array("hello, zip".utf8))
        #expect(try archive.readAll(archive.entry(named: "dir/big.bin")!) == big)
        #expect(try archive.readAll(archive.entry(named: "한글.txt")!) == Array("유니코드".utf8))
    }

    @Test("the system unzip accepts our archives", .enabled(if: which("unzip") != nil))
    func systemUnzip() throws {
        let dir = try temporaryDirectory()
        let path = dir.appendingPathComponent("b.zip").path
        let zip = ZipWriter(output: try FileZipOutput(path: path), level: 1)
        try zip.addEntry("x/y.txt", Array(repeating: UInt8(ascii: "z"), count: 100_000))
        try zip.finish()
        let result = run(which("unzip")!, ["-t", path])
        #expect(result?.status == 0, "\(result?.output ?? "")")
    }

    @Test("more than 65,535 entries switch on the ZIP64 end records")
    func zip64Entries() throws {
        let dir = try temporaryDirectory()
        let path = dir.appendingPathComponent("many.zip").path
        let zip = ZipWriter(output: try FileZipOutput(path: path), level: 1)
        for i in 0..<70_000 { try zip.addEntry("e\(i)", []) }
        try zip.finish()
        var limits = XLSXLimits()
        limits.maxEntries = 100_000
        let archive = try ZipArchive(path: path, limits: limits)
        #expect(archive.entries.count == 70_000)
        #expect(archive.entries.last?.name == "e69999")
        // The same archive with the default limit is refused.
        let error = xlsxError { _ = try ZipArchive(path: path, limits: .default) }
        #expect(error?.reason == .tooManyEntries(count: 70_000, limit: 10_000))
    }

    @Test("a file that is not a zip")
    func notAZip() throws {
        let dir = try temporaryDirectory()
        let path = dir.appendingPathComponent("not.xlsx").path
        try Data("just text, no zip at all".utf8).write(to: URL(fileURLWithPath: path))
        #expect(xlsxError { _ = try XLSXReader(path: path) }?.reason == .notAZipArchive)
    }
}
