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

    @Test("every file is in place when the block ends, in batches before it, and no temporary is left")
    func batches() throws {
        let url = try folder()
        defer { try? FileManager.default.removeItem(at: url) }
        var inPlaceMidway = 0
        try AtomicOutput.batched(limit: 8) { batch in
            for index in 0..<20 {
                try AtomicOutput.write(url.appendingPathComponent("f\(index).txt").path, batch: batch) { temporary in
                    try Data("file \(index)".utf8).write(to: URL(fileURLWithPath: temporary))
                }
                if index == 9 { inPlaceMidway = try names(url).filter { !$0.hasPrefix(".") }.count }
            }
        }
        #expect(inPlaceMidway == 8)
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
            try AtomicOutput.batched { batch in
                for index in 0..<5 {
                    try AtomicOutput.write(url.appendingPathComponent("f\(index).txt").path, batch: batch) { temporary in
                        try Data("file \(index)".utf8).write(to: URL(fileURLWithPath: temporary))
                    }
                }
                try AtomicOutput.write(url.appendingPathComponent("broken.txt").path, batch: batch) { _ in throw Stop() }
            }
        }
        #expect(try names(url) == (0..<5).map { "f\($0).txt" })
    }

    @Test("the same file written twice in a batch ends with the second version; writes without a batch are not held")
    func twice() throws {
        let url = try folder()
        defer { try? FileManager.default.removeItem(at: url) }
        let path = url.appendingPathComponent("same.txt").path
        try AtomicOutput.batched { batch in
            for version in 1...2 {
                try AtomicOutput.write(path, batch: batch) { try Data("v\(version)".utf8).write(to: URL(fileURLWithPath: $0)) }
            }
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "v2")
        #expect(try names(url) == ["same.txt"])
        // Another writer's batch open meanwhile does not hold a write without one.
        try AtomicOutput.batched { _ in
            try AtomicOutput.write(url.appendingPathComponent("alone.txt").path) { try Data("x".utf8).write(to: URL(fileURLWithPath: $0)) }
            #expect(try names(url) == ["alone.txt", "same.txt"])
        }
    }
}
