import Foundation

/// An exclusive lock on a lock file (flock), so two runs never overlap. The kernel releases
/// it when the process dies, so a stale lock file never blocks the next night.
final class RunLock {
    private let descriptor: Int32
    let path: String

    /// Takes the lock at once, or returns nil when another process holds it.
    init?(path: String) throws {
        self.path = path
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw CommandFailure(status: .internalError, message: "\(path): cannot open lock file: \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        descriptor = fd
        // Who holds it, for a person looking at the file.
        let note = "pid \(getpid())\n"
        ftruncate(fd, 0)
        _ = note.withCString { write(fd, $0, strlen($0)) }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
