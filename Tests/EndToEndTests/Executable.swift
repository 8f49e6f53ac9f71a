import Foundation
import Testing

/// Runs the built `sendledger` executable, as a user or cron would.
struct Executable {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The executable next to the test runner (SwiftPM builds products into the same folder);
    /// `SENDLEDGER_BIN` overrides.
    static let url: URL = {
        if let override = ProcessInfo.processInfo.environment["SENDLEDGER_BIN"] { return URL(fileURLWithPath: override) }
        var candidates: [URL] = []
        if let runner = Bundle.main.executableURL { candidates.append(runner.deletingLastPathComponent().appendingPathComponent("sendledger")) }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("sendledger"))
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/sendledger"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates.last!
    }()

    /// The repository root, where jobs/ and samples/ live.
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func start(_ arguments: [String], in directory: URL) throws -> Process {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment["TERM"] = "dumb"
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    @discardableResult
    static func run(_ arguments: [String], in directory: URL) throws -> Result {
        var environment = ProcessInfo.processInfo.environment
        environment["TERM"] = "dumb"
        return try run(program: url.path, arguments, in: directory, environment: environment)
    }

    /// Runs any program to its end, its output read from files so that a chatty child never
    /// blocks on a full pipe.
    static func run(program: String, _ arguments: [String], in directory: URL? = nil,
                    environment: [String: String]? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        if let environment { process.environment = environment }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("sendledger-out-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: scratch.path + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: scratch.path + ".err", contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: scratch.path + ".out")
            try? FileManager.default.removeItem(atPath: scratch.path + ".err")
        }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch.path + ".out"))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch.path + ".err"))
        process.standardOutput = out
        process.standardError = err
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: FileManager.default.contents(atPath: scratch.path + ".out") ?? Data(), as: UTF8.self),
                      stderr: String(decoding: FileManager.default.contents(atPath: scratch.path + ".err") ?? Data(), as: UTF8.self))
    }
}

/// A copy of the repository's jobs/ and samples/ in a temporary folder, run from there.
final class Workspace {
    let url: URL

    init(copySamples: Bool = true) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("sendledger-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Executable.repository.appendingPathComponent("jobs"), to: url.appendingPathComponent("jobs"))
        if copySamples {
            try FileManager.default.copyItem(at: Executable.repository.appendingPathComponent("samples"), to: url.appendingPathComponent("samples"))
        } else {
            try FileManager.default.createDirectory(at: url.appendingPathComponent("samples/inbox"), withIntermediateDirectories: true)
        }
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ relative: String) -> String { url.appendingPathComponent(relative).path }

    func write(_ relative: String, _ text: String) throws {
        let target = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: target)
    }

    @discardableResult
    func run(_ arguments: String...) throws -> Executable.Result { try Executable.run(arguments, in: url) }
}
