#if canImport(Glibc)
import Glibc
private let systemClose = Glibc.close
#elseif canImport(Darwin)
import Darwin
private let systemClose = Darwin.close
#endif

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
        try makeDirectories(directory)
        let name = String(path.split(separator: "/").last ?? Substring(path))
        let temporary = (directory.isEmpty ? "" : directory + "/") + ".\(name).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
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
