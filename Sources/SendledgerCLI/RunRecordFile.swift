import Crypto
import Foundation
import LedgerIngest
import LedgerReports
import LedgerStore

/// The audit record of a run, `out/runs/<run-id>.json` (PRODUCT.md): inputs with SHA-256, the
/// config's hash, counts, rejects, outputs with SHA-256, and the time each stage took.
struct RunRecordFile: Encodable {
    struct Input: Encodable {
        var path: String
        var vendor: String
        var sha256: String?
        var size: Int64?
        /// ingested, already-ingested, unreadable, no-profile, bad-profile.
        var outcome: String
        var counts: FileIngestCounts?
        var reason: String?
    }

    struct Output: Encodable {
        var path: String
        var sha256: String
    }

    var runID: String
    var command: String
    var asOf: String
    var startedAt: String
    var finishedAt: String
    /// ok, rejects, interrupted, failed.
    var status: String
    var exitStatus: Int32
    var config: String
    var configSHA256: String
    var inputs: [Input]
    var counts: [String: Int]
    var outputs: [Output]
    var stageSeconds: [String: Double]

    /// Writes the record atomically under `out/runs/`.
    func write(outFolder: String) throws -> String {
        let path = "\(outFolder)/runs/\(runID).json"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(self)
        try AtomicOutput.write(path, mode: 0o640) { temporary in
            try (data + Data("\n".utf8)).write(to: URL(fileURLWithPath: temporary))
        }
        return path
    }

    static func sha256(ofFile path: String) -> String {
        (try? FileDigest.sha256(path: path).hex) ?? ""
    }
}

/// Prometheus textfile metrics (`out/metrics/sendledger.prom`), written atomically so the node
/// exporter never reads half a file.
enum RunMetrics {
    static func write(outFolder: String, record: RunRecordFile, lastSuccess: Date?, durationSeconds: Double) throws {
        var lines: [String] = []
        func metric(_ name: String, _ help: String, _ type: String, _ samples: [(String, String)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            for (labels, value) in samples { lines.append("\(name)\(labels) \(value)") }
        }
        var byVendor: [String: (rows: Int, rejected: Int)] = [:]
        for input in record.inputs {
            var entry = byVendor[input.vendor] ?? (0, 0)
            entry.rows += (input.counts?.rows ?? 0) - (input.counts?.rejected ?? 0)
            entry.rejected += input.counts?.rejected ?? 0
            byVendor[input.vendor] = entry
        }
        let vendors = byVendor.keys.sorted()
        metric("sendledger_rows_ingested", "Rows ingested by the last run, per vendor profile.", "gauge",
               vendors.map { ("{vendor=\"\($0)\"}", "\(byVendor[$0]!.rows)") })
        metric("sendledger_rows_rejected", "Rows rejected by the last run, per vendor profile.", "gauge",
               vendors.map { ("{vendor=\"\($0)\"}", "\(byVendor[$0]!.rejected)") })
        metric("sendledger_files_unreadable", "Files the last run could not read (quarantined).", "gauge",
               [("", "\(record.inputs.filter { ["unreadable", "no-profile", "bad-profile"].contains($0.outcome) }.count)")])
        metric("sendledger_run_duration_seconds", "Wall time of the last run.", "gauge", [("", String(format: "%.3f", durationSeconds))])
        metric("sendledger_run_exit_status", "Exit status of the last run.", "gauge", [("", "\(record.exitStatus)")])
        if let lastSuccess {
            metric("sendledger_last_success_timestamp_seconds", "When a run last finished without an internal error.", "gauge",
                   [("", "\(Int(lastSuccess.timeIntervalSince1970))")])
        }
        let text = lines.joined(separator: "\n") + "\n"
        try AtomicOutput.write("\(outFolder)/metrics/sendledger.prom", mode: 0o644) { temporary in
            try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
        }
    }
}
