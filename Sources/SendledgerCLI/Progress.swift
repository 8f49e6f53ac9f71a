import Foundation
import Logging

/// Shows progress of long work: a bar on a terminal (bytes, rows, rate, time left); plain
/// log lines every few seconds when not on one (cron, CI).
final class ProgressDisplay {
    let label: String
    let totalBytes: Int64
    let logger: Logger
    let onTerminal: Bool
    private let started = Date()
    private lazy var lastDraw = onTerminal ? Date.distantPast : started

    init(label: String, totalBytes: Int64, logger: Logger, onTerminal: Bool = Terminal.stderrIsTerminal) {
        self.label = label
        self.totalBytes = max(totalBytes, 1)
        self.logger = logger
        self.onTerminal = onTerminal
    }

    func update(bytes: Int64, rows: Int) {
        let now = Date()
        let interval = onTerminal ? 0.1 : 5.0
        guard now.timeIntervalSince(lastDraw) >= interval else { return }
        lastDraw = now
        let elapsed = max(now.timeIntervalSince(started), 0.001)
        let fraction = min(Double(bytes) / Double(totalBytes), 1)
        let rate = Double(rows) / elapsed
        let left = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
        if onTerminal {
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            let text = String(format: "\r%@ [%@] %3.0f%% %@ rows %.0f rows/s %@ left ", label, bar, fraction * 100,
                              "\(rows)", rate, Self.duration(left))
            FileHandle.standardError.write(Data(text.utf8))
        } else {
            logger.info("progress", metadata: ["stage": "\(label)", "rows": "\(rows)", "bytes": "\(bytes)",
                                                "percent": "\(Int(fraction * 100))", "rows_per_second": "\(Int(rate))"])
        }
    }

    func finish() {
        if onTerminal && lastDraw != .distantPast { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return total >= 60 ? "\(total / 60)m\(total % 60)s" : "\(total)s"
    }
}
