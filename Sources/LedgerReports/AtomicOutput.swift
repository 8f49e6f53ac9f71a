#if canImport(Glibc)
import Glibc
private let systemClose = Glibc.close
#elseif canImport(Darwin)
import Darwin
private let systemClose = Darwin.close
#endif
import Foundation
import Synchronization

/// Writes a file so that a reader never sees half of it: the content goes to a temporary file
/// in the same folder (created with the final mode, so recipient data is never readable by
/// others even for a moment), is fsync'd, and is renamed over the final path; the folder is
/// fsync'd after the rename. On any error the temporary file is removed.
public enum AtomicOutput {
    /// Reports hold masked recipients and billing data: owner read-write, group read.
    public static let reportMode: mode_t = 0o640

    /// Calls `body` with the temporary path to fill, then moves it to `path`.
    /// With a `batch`, the fsync and rename wait for the batch (`Batch`).
    public static func write(_ path: String, mode: mode_t = reportMode, batch: Batch? = nil, _ body: (String) throws -> Void) throws {
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
        if let batch, batch.holds(path) {
            // The same file again before its first version was renamed: that one goes first.
            try batch.commit()
        }
        do {
            try body(temporary)
            if let batch {
                try batch.add(Batch.File(temporary: temporary, path: path, directory: directory))
                return
            }
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

    /// Files whose fsyncs are batched: each is still durable before it is renamed into place,
    /// but its writeback starts when it is written, and the fsync, rename and folder fsync are
    /// done for `limit` files at a time (a month's reports are thousands of files: an fsync
    /// after each, and one of its folder, waited on the disk for about 15% of the run). Whoever
    /// makes a batch commits it at the end (`AtomicOutput.batched`); it may be shared by threads.
    public final class Batch: @unchecked Sendable {
        // @unchecked: `files` only under `lock`.
        struct File {
            let temporary: String
            let path: String
            let directory: String
        }
        let limit: Int
        private let lock = NSLock()
        private var files: [File] = []

        public init(limit: Int = 64) { self.limit = limit }

        func holds(_ path: String) -> Bool { lock.withLock { files.contains { $0.path == path } } }

        func add(_ file: File) throws {
            startWriteback(file.temporary)
            let full = lock.withLock {
                files.append(file)
                return files.count >= limit
            }
            if full { try commit() }
        }

        /// fsync, rename and folder fsync of the files queued so far (taken from the queue
        /// first, so other threads go on queueing meanwhile).
        public func commit() throws {
            let taken = lock.withLock {
                defer { files.removeAll() }
                return files
            }
            guard !taken.isEmpty else { return }
            var failure: (any Error)?
            var directories: [String] = []
            for file in taken {
                do {
                    guard failure == nil else { throw ReportError(path: file.path, .io("not written: an earlier file failed")) }
                    try AtomicOutput.sync(file.temporary)
                    guard rename(file.temporary, file.path) == 0 else {
                        throw ReportError(path: file.path, .io("cannot rename into place: \(String(cString: strerror(errno)))"))
                    }
                    if !directories.contains(file.directory) { directories.append(file.directory) }
                } catch {
                    unlink(file.temporary)
                    if failure == nil { failure = error }
                }
            }
            for directory in directories { try? AtomicOutput.sync(directory.isEmpty ? "." : directory, directory: true) }
            if let failure { throw failure }
        }

        /// Asks the kernel to start writing the file out, without waiting for it (on Linux,
        /// POSIX_FADV_DONTNEED starts writeback of the dirty pages; the report is not read again).
        private func startWriteback(_ path: String) {
            #if os(Linux)
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return }
            _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_DONTNEED))
            _ = systemClose(fd)
            #endif
        }
    }

    /// Runs `body` with a batch for its writes and commits it: files written by the time
    /// `body` ends, or throws, are in place when this returns.
    public static func batched<T>(limit: Int = 64, _ body: (Batch) throws -> T) throws -> T {
        let batch = Batch(limit: limit)
        let result: T
        do {
            result = try body(batch)
        } catch {
            try? batch.commit()
            throw error
        }
        try batch.commit()
        return result
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
