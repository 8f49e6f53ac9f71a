import Foundation
import LedgerCore
import LedgerIngest

/// Which reader a file needs: the canonical formats, or a vendor profile from
/// `jobs/vendors/<name>.toml` (the folder the file sits in names the profile).
enum VendorFormats {
    /// Profiles loaded so far, by path (a run reads many files of the same vendor).
    nonisolated(unsafe) private static var cache: [String: Result<VendorProfile, ProfileError>] = [:]
    private static let lock = NSLock()

    /// Records out of `RecordBounds` (dates, units, cost, text) are rejected, whatever the format.
    static func format(for file: InboxFile, config: LedgerConfig) -> RecordFormat? {
        let now: @Sendable () -> Instant = { Instant(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)) }
        if file.vendor == "canonical" { return RecordFormat.canonical(for: file.path).bounded(now: now) }
        guard case .success(let profile)? = profile(named: file.vendor, config: config) else { return nil }
        if case .json = profile.format {
            // A JSON document is parsed whole: past this it would take gigabytes of memory.
            return profile.recordFormat.limitingBytes(to: maxJSONDocumentBytes).bounded(now: now)
        }
        return profile.recordFormat.bounded(now: now)
    }

    /// The largest JSON document (after gzip) a profile reads; larger exports come as JSONL.
    static let maxJSONDocumentBytes: Int64 = 256 << 20

    /// The profile `<vendors dir>/<name>.toml`: nil when there is no such file, a failure
    /// naming file and key when it is bad.
    static func profile(named name: String, config: LedgerConfig) -> Result<VendorProfile, ProfileError>? {
        guard !name.isEmpty, !name.contains("/"), !name.hasPrefix(".") else { return nil }
        let path = config.vendorsDirectory + "/" + name + ".toml"
        lock.lock()
        defer { lock.unlock() }
        if let cached = cache[path] { return cached }
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let result: Result<VendorProfile, ProfileError>
        do {
            result = .success(try VendorProfile.load(path: path))
        } catch {
            result = .failure(error)
        }
        cache[path] = result
        return result
    }

    /// Every profile file in the vendors folder, by name.
    static func profileNames(config: LedgerConfig) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: config.vendorsDirectory)) ?? []
        return entries.filter { $0.hasSuffix(".toml") && !$0.hasPrefix(".") }.map { String($0.dropLast(5)) }.sorted()
    }
}
