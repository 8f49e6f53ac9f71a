import Foundation
import LedgerCore

/// A file to ingest and what the inbox layout says about it:
/// `inbox/<vendor profile>/[<account>/]<file>`.
struct InboxFile: Hashable {
    var path: String
    var vendor: String
    var account: String?
}

enum Inbox {
    /// Every file under the inbox, sorted by path so runs are repeatable.
    static func scan(_ root: String) throws -> [InboxFile] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CommandFailure(status: .usage, message: "inbox \(root) is not a folder")
        }
        var files: [InboxFile] = []
        for vendor in try visibleEntries(root) {
            let vendorPath = root + "/" + vendor
            guard isFolder(vendorPath) else { continue }
            for entry in try visibleEntries(vendorPath) {
                let entryPath = vendorPath + "/" + entry
                if isFolder(entryPath) {
                    for file in try visibleEntries(entryPath) where !isFolder(entryPath + "/" + file) {
                        files.append(InboxFile(path: entryPath + "/" + file, vendor: vendor, account: entry))
                    }
                } else {
                    files.append(InboxFile(path: entryPath, vendor: vendor, account: nil))
                }
            }
        }
        return files.sorted { $0.path < $1.path }
    }

    /// Files named on the command line; folders are walked (sorted).
    static func expand(_ paths: [String], vendor: String) throws -> [InboxFile] {
        var files: [InboxFile] = []
        for path in paths {
            if isFolder(path) {
                guard let walker = FileManager.default.enumerator(atPath: path) else { continue }
                var found: [String] = []
                while let relative = walker.nextObject() as? String {
                    let full = path + "/" + relative
                    if !relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }) && !isFolder(full) && !full.hasSuffix(".reason") {
                        found.append(full)
                    }
                }
                files += found.sorted().map { InboxFile(path: $0, vendor: vendor, account: nil) }
            } else if FileManager.default.fileExists(atPath: path) {
                files.append(InboxFile(path: path, vendor: vendor, account: nil))
            } else {
                throw CommandFailure(status: .usage, message: "\(path): no such file")
            }
        }
        return files
    }

    static func isFolder(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    private static func visibleEntries(_ path: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).filter { !$0.hasPrefix(".") && !$0.hasSuffix(".reason") }.sorted()
    }

    /// Moves a file whose transaction has committed (or that the manifest already holds) to
    /// `<archive>/<run date>/<path under the inbox>`; a name already there gets a `.N` suffix.
    /// A run killed before this step leaves the file in the inbox, and the next run finds it
    /// in the manifest (a no-op) and archives it then.
    static func archive(_ file: InboxFile, inbox root: String, into folder: String, runDate: LocalDate) throws -> String {
        let relative = file.path.hasPrefix(root + "/") ? String(file.path.dropFirst(root.count + 1))
            : URL(fileURLWithPath: file.path).lastPathComponent
        let base = folder + "/" + runDate.description + "/" + relative
        try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: base).deletingLastPathComponent().path,
                                                withIntermediateDirectories: true)
        var destination = base
        var suffix = 1
        while FileManager.default.fileExists(atPath: destination) {
            destination = base + ".\(suffix)"
            suffix += 1
        }
        try FileManager.default.moveItem(atPath: file.path, toPath: destination)
        return destination
    }

    /// Moves an unreadable file aside with a `.reason` file beside it (VENDORS.md).
    static func quarantine(_ file: InboxFile, reason: String, into folder: String) throws -> String {
        let target = folder + "/" + file.vendor
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        var destination = target + "/" + URL(fileURLWithPath: file.path).lastPathComponent
        var suffix = 1
        while FileManager.default.fileExists(atPath: destination) {
            destination = target + "/" + URL(fileURLWithPath: file.path).lastPathComponent + ".\(suffix)"
            suffix += 1
        }
        try FileManager.default.moveItem(atPath: file.path, toPath: destination)
        try Data((reason + "\n").utf8).write(to: URL(fileURLWithPath: destination + ".reason"))
        return destination
    }
}
