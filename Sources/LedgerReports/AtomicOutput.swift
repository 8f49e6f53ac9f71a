#if canImport(Glibc)
import Glibc
private let systemClose = Glibc.close
#elseif canImport(Darwin)
import Darwin
private let systemClose = Darwin.close
#endif
import Synchronization

/// Writes a file so that a reader never sees half of it: the content goes to a temporary file
/// in the same folder (created with the final mode, so recipient data is never readable by
/// others even for a moment), is fsync'd, and is renamed over the final path; the folder is
/// fsync'd after the rename. On any error the temporary file is removed.
public enum AtomicOutput {
    /// Reports hold masked recipients and billing data: owner read-write, group read.
    public static let reportMode: mode_t = 0o640

    /// Calls `body` with the temporary path to fill, then moves it to `path`.
    public static func write(_ path: String, mode: mode_t = reportMode, _ body: (String) throws -> Void) throws {
        let directory = parent(of: path)
        // Once per folder and process: a month's reports are thousands of files in one folder,
        // and reading the folder for every file made the writes quadratic.
        let firstVisit = preparedDirectories.withLock { $0.insert(directory).inserted }
        if firstVisit {
            try makeDirectories(directory)
            removeStaleTemporaries(in: directory.isEmpty ? "." : directory)
        }
        let name = String(path.split(separator: "/").last ?? Substring(path))
        let temporary = (directory.isEmpty ? "" : directory + "/") + ".\(name).tmp-\(getpid())"
        var fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        if fd < 0 && errno == ENOENT && !firstVisit {
            // The folder went away since this process first wrote to it.
            try makeDirectories(directory)
            fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        }
        guard fd >= 0 else { throw ReportError(path: temporary, .io("cannot create: \(String(cString: strerror(errno)))")) }
        // The umask may have narrowed the mode; set it exactly.
        _ = fchmod(fd, mode)
        _ = systemClose(fd)
        do {
            try body(temporary)
            try sync(temporary)
            guard rename(temporary, path) == 0 else {
                throw ReportError(path: path, .io("cannot rename into place: \(String(cString: strerror(errno)))"))
            }
        } catch {
            unlink(temporary)
            throw error
        }
        try? sync(directory.isEmpty ? "." : directory, directory: true)
    }

    /// Folders made and cleared of stale temporaries by this process.
    private static let preparedDirectories = Mutex<Set<String>>([])

    /// Removes the temporary files (`.<name>.tmp-<pid>`) that a killed process left in a
    /// folder: no reader ever took them for output (the final name is only ever renamed into
    /// place whole), and the next write to the folder clears them. Live writers' are kept.
    static func removeStaleTemporaries(in directory: String) {
        guard let folder = opendir(directory) else { return }
        defer { closedir(folder) }
        var stale: [String] = []
        while let entry = readdir(folder) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            guard name.hasPrefix("."), let dash = name.lastIndex(of: "-"), name[..<dash].hasSuffix(".tmp"),
                  let pid = pid_t(name[name.index(after: dash)...]), pid > 0, pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { stale.append(name) }
        }
        for name in stale { unlink(directory + "/" + name) }
    }

    static func sync(_ path: String, directory: Bool = false) throws {
        let fd = open(path, (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC)
        guard fd >= 0 else { throw ReportError(path: path, .io("cannot open to sync: \(String(cString: strerror(errno)))")) }
        defer { _ = systemClose(fd) }
        guard fsync(fd) == 0 else { throw ReportError(path: path, .io("fsync failed: \(String(cString: strerror(errno)))")) }
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func makeDirectories(_ path: String) throws {
        guard !path.isEmpty else { return }
        var current = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            current += (current.isEmpty || current == "/" ? "" : "/") + part
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw ReportError(path: current, .io("cannot create folder: \(String(cString: strerror(errno)))"))
            }
        }
    }
}
