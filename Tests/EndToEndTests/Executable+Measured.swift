import Foundation
import Testing

/// glibc's posix_spawn_file_actions_addchdir_np (2.29+), which the Glibc module does not export.
@_silgen_name("posix_spawn_file_actions_addchdir_np")
private func spawnActionsChangeDirectory(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ path: UnsafePointer<CChar>) -> CInt

extension Executable {
    /// A finished child with its peak resident memory (ru_maxrss of that child alone, from
    /// wait4), so a test can hold a hostile input to a memory bound.
    struct Measured {
        let result: Result
        let peakKiB: Int
    }

    /// Runs `sendledger` with `arguments` in `directory` to its end, measuring its peak RSS.
    static func runMeasured(_ arguments: [String], in directory: URL, environment extra: [String: String] = [:]) throws -> Measured {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("sendledger-measured-\(UUID().uuidString)").path
        defer {
            unlink(scratch + ".out")
            unlink(scratch + ".err")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, scratch + ".out", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, scratch + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        _ = spawnActionsChangeDirectory(&actions, directory.path)
        var environment = ProcessInfo.processInfo.environment
        environment["TERM"] = "dumb"
        environment.merge(extra) { $1 }
        let argv = ([url.path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, url.path, &actions, nil, argv, envp)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EINVAL) }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EINVAL) }
        }
        // WIFEXITED / WEXITSTATUS; a signal shows as 128 + its number, as a shell reports it.
        let exit = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let result = Result(status: exit,
                            stdout: String(decoding: FileManager.default.contents(atPath: scratch + ".out") ?? Data(), as: UTF8.self),
                            stderr: String(decoding: FileManager.default.contents(atPath: scratch + ".err") ?? Data(), as: UTF8.self))
        return Measured(result: result, peakKiB: Int(usage.ru_maxrss))
    }
}
