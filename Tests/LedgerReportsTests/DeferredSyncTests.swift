import Foundation
@testable import LedgerReports
import Testing

@Suite("Atomic output with batched fsyncs")
struct DeferredSyncTests {
    struct Stop: Error {}

    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("deferred-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func names(_ url: URL) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: url.path).sorted() }

    @Test("every file is in place when the block ends, and no temporary is left")
    func batches() throws {
        let url = try folder()
        defer { try? FileManager.default.removeItem(at: url) }
        try AtomicOutput.deferringSync(batch: 8) {
            for index in 0..<20 {
                try AtomicOutput.write(url.appendingPathComponent("f\(index).txt").path) { temporary in
                    try Data("file \(index)".utf8).write(to: URL(fileURLWithPath: temporary))
                }
            }
        }
        let all = try names(url)
        #expect(all.count == 20)
        #expect(all.allSatisfy { !$0.contains(".tmp-") })
        #expect(try String(contentsOf: url.appendingPathComponent("f17.txt"), encoding: .utf8) == "file 17")
    }

    @Test("when the block throws, the files finished before are in place and the error comes out")
    func failure() throws {
        let url = try folder()
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: Stop.self) {
            try AtomicOutput.deferringSync(batch: 64) {
                for index in 0..<5 {
                    try AtomicOutput.write(url.appendingPathComponent("f\(index).txt").path) { temporary in
                        try Data("file \(index)".utf8).write(to: URL(fileURLWithPath: temporary))
                    }
                }
                try AtomicOutput.write(url.appendingPathComponent("broken.txt").path) { _ in throw Stop() }
            }
        }
        #expect(try names(url) == (0..<5).map { "f\($0).txt" })
    }

    @Test("the same file written twice in a block ends with the second version")
    func twice() throws {
        let url = try folder()
        defer { try? FileManager.default.removeItem(at: url) }
        let path = url.appendingPathComponent("same.txt").path
        try AtomicOutput.deferringSync {
            for version in 1...2 {
                try AtomicOutput.write(path) { try Data("v\(version)".utf8).write(to: URL(fileURLWithPath: $0)) }
            }
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "v2")
        #expect(try names(url) == ["same.txt"])
    }
}
