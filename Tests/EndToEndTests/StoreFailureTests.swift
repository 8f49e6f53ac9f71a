import Foundation
import LedgerStore
import Logging
import Testing

/// The store and the output folder failing under the run: a ledger locked by another process,
/// a full disk, a read-only output folder. Each gives a clear error naming the path and a
/// non-zero exit; the ledger passes `PRAGMA integrity_check`, nothing half-written is left
/// under out/, and once the cause is gone a rerun gives what an undisturbed run gives.
@Suite("Store and output failures", .serialized)
struct StoreFailureTests {
    /// Whether this process may mount a tmpfs (root in a namespace that allows it).
    static let canMount: Bool = {
        let probe = FileManager.default.temporaryDirectory.appendingPathComponent("sendledger-mount-probe-\(getpid())").path
        try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: probe) }
        guard (try? mount(probe, options: "size=64k")) != nil else { return false }
        unmount(probe)
        return true
    }()

    static func mount(_ path: String, options: String) throws {
        let result = try Executable.run(program: "/bin/mount", ["-t", "tmpfs", "-o", options, "tmpfs", path])
        guard result.status == 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSLocalizedDescriptionKey: result.stderr]) }
    }

    static func unmount(_ path: String) {
        _ = try? Executable.run(program: "/bin/umount", [path])
    }

    /// The ledger's ingest facts and every output but the run records, after an undisturbed
    /// run on the samples.
    static let reference: Result<(dump: String, outputs: [String: Data]), Error> = Result {
        let workspace = try StoreFailureTests.workspace()
        let run = try workspace.run("run", "--as-of", "2026-11-20")
        guard run.status == 0 else { throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: run.stderr]) }
        let ledger = try SQLiteLedger(path: workspace.path("var/sendledger.db"), logger: Logger(label: "test"))
        return (try ledger.canonicalDump(), try RunTests.outputDigests(workspace))
    }

    /// A workspace with the samples and one fixed hash key, so that every ledger hashes
    /// recipients alike and dumps compare.
    static func workspace() throws -> Workspace {
        let workspace = try Workspace()
        try workspace.write("var/hash.key", String(repeating: "k", count: 32))
        return workspace
    }

    static func temporaries(under root: String) -> [String] {
        HostileInputTests.files(under: root).filter { $0.contains(".tmp-") }
    }

    /// After the failure is gone: the rerun matches the undisturbed run exactly.
    static func expectRecovers(_ workspace: Workspace, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let rerun = try workspace.run("run", "--as-of", "2026-11-20")
        #expect(rerun.status == 0, "\(rerun.stdout)\(rerun.stderr)", sourceLocation: sourceLocation)
        let expected = try reference.get()
        let ledger = try SQLiteLedger(path: workspace.path("var/sendledger.db"), logger: Logger(label: "test"))
        #expect(try ledger.integrityCheck() == "ok", sourceLocation: sourceLocation)
        #expect(try ledger.canonicalDump() == expected.dump, sourceLocation: sourceLocation)
        let outputs = try RunTests.outputDigests(workspace)
        let missing = Set(expected.outputs.keys).subtracting(outputs.keys).sorted()
        let extra = Set(outputs.keys).subtracting(expected.outputs.keys).sorted()
        #expect(missing.isEmpty && extra.isEmpty, "missing \(missing), extra \(extra)", sourceLocation: sourceLocation)
        for (path, data) in expected.outputs where outputs[path] != nil && outputs[path] != data {
            Issue.record("out/\(path) differs from an undisturbed run", sourceLocation: sourceLocation)
        }
    }

    @Test("a ledger locked by another process: a clear error naming it, non-zero exit, nothing damaged")
    func lockedLedger() throws {
        let workspace = try Self.workspace()
        // Create the ledger, then hold its write lock from another process (python's sqlite3).
        #expect(try workspace.run("check-config").status == 0)
        let database = workspace.path("var/sendledger.db")
        let first = try workspace.run("ingest", "samples/inbox/canonical/2026-10-deliveries.csv")
        #expect(first.status == 0, "\(first.stderr)")
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = ["python3", "-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1], isolation_level=None)
            db.execute("BEGIN EXCLUSIVE")
            print("locked", flush=True)
            sys.stdin.read()
            db.execute("ROLLBACK")
            """, database]
        let input = Pipe(), output = Pipe()
        holder.standardInput = input
        holder.standardOutput = output
        try holder.run()
        defer {
            try? input.fileHandleForWriting.close()
            holder.waitUntilExit()
        }
        let ready = output.fileHandleForReading.availableData
        #expect(String(decoding: ready, as: UTF8.self).contains("locked"))

        let run = try workspace.run("run", "--as-of", "2026-11-20")
        #expect(run.status != 0)
        #expect(run.stderr.contains("var/sendledger.db: the ledger is locked by another process"), "\(run.stdout)\(run.stderr)")
        #expect(Self.temporaries(under: workspace.path("out")).isEmpty)

        try input.fileHandleForWriting.close()
        holder.waitUntilExit()
        try Self.expectRecovers(workspace)
    }

    @Test("a full disk under out/: a clear error naming the file, non-zero exit, no partial file",
          .enabled(if: StoreFailureTests.canMount, "mount(8) is not permitted here: full-disk test skipped"))
    func fullDiskForOutputs() throws {
        let workspace = try Self.workspace()
        let out = workspace.path("out")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try Self.mount(out, options: "size=24k")
        var mounted = true
        defer { if mounted { Self.unmount(out) } }

        let run = try workspace.run("run", "--as-of", "2026-11-20")
        #expect(run.status != 0 && run.status != 65, "exit \(run.status)")
        #expect(run.stderr.contains("out/") && run.stderr.contains("No space left on device"), "\(run.stdout)\(run.stderr)")
        #expect(Self.temporaries(under: out).isEmpty, "\(HostileInputTests.files(under: out))")
        let ledger = try SQLiteLedger(path: workspace.path("var/sendledger.db"), logger: Logger(label: "test"))
        #expect(try ledger.integrityCheck() == "ok")

        Self.unmount(out)
        mounted = false
        try Self.expectRecovers(workspace)
    }

    @Test("a full disk under the ledger: a clear error naming it, non-zero exit, the ledger intact",
          .enabled(if: StoreFailureTests.canMount, "mount(8) is not permitted here: full-disk test skipped"))
    func fullDiskForLedger() throws {
        let workspace = try Self.workspace()
        let variable = workspace.path("var")
        try FileManager.default.createDirectory(atPath: variable, withIntermediateDirectories: true)
        try Self.mount(variable, options: "size=1200k")
        defer { Self.unmount(variable) }
        try workspace.write("var/hash.key", String(repeating: "k", count: 32))

        let run = try workspace.run("run", "--as-of", "2026-11-20")
        #expect(run.status != 0 && run.status != 65, "exit \(run.status)")
        #expect(run.stderr.contains("var/sendledger.db"), "\(run.stdout)\(run.stderr)")
        let ledger = try SQLiteLedger(path: workspace.path("var/sendledger.db"), logger: Logger(label: "test"))
        #expect(try ledger.integrityCheck() == "ok")
        #expect(Self.temporaries(under: workspace.path("out")).isEmpty)

        // Room again: the same tmpfs, larger.
        try Self.mount(variable, options: "remount,size=64m")
        try Self.expectRecovers(workspace)
    }

    @Test("a read-only out/: a clear error naming the path, non-zero exit, nothing damaged",
          .enabled(if: StoreFailureTests.canMount, "mount(8) is not permitted here: read-only test skipped"))
    func readOnlyOutputs() throws {
        let workspace = try Self.workspace()
        let out = workspace.path("out")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        // Root ignores permission bits; a read-only mount it cannot ignore.
        try Self.mount(out, options: "ro,size=64k")
        var mounted = true
        defer { if mounted { Self.unmount(out) } }

        let run = try workspace.run("run", "--as-of", "2026-11-20")
        #expect(run.status != 0 && run.status != 65, "exit \(run.status)")
        #expect(run.stderr.contains("out/") && run.stderr.contains("Read-only file system"), "\(run.stdout)\(run.stderr)")
        let ledger = try SQLiteLedger(path: workspace.path("var/sendledger.db"), logger: Logger(label: "test"))
        #expect(try ledger.integrityCheck() == "ok")

        Self.unmount(out)
        mounted = false
        try Self.expectRecovers(workspace)
    }
}
