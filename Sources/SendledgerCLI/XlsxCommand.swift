import ArgumentParser
import Foundation
import LedgerXLSX

struct Xlsx: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Convert between XLSX and CSV.", subcommands: [ToCSV.self, FromCSV.self])

    struct ToCSV: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "to-csv", abstract: "Write one sheet of an XLSX file as CSV.")
        @Argument(help: "The XLSX file.") var file: String
        @Option(help: "Sheet name (default: the first).") var sheet: String?
        @Argument(help: "The CSV to write (default: standard output).") var output: String?
        @Option(help: "Log level.") var logLevel = "warning"

        func run() throws {
            try execute {
                let logger = Job.makeLogger(level: logLevel)
                do {
                    if let output {
                        try AtomicFile.write(to: output) { temporary in
                            try XLSXConversion.toCSV(xlsx: file, sheet: sheet, csvOutput: temporary, logger: logger)
                        }
                    } else {
                        try XLSXConversion.toCSV(xlsx: file, sheet: sheet, fileDescriptor: 1, logger: logger)
                    }
                } catch let error as XLSXError {
                    throw CommandFailure(status: .someInputRejected, message: error.description)
                }
                return .done
            }
        }
    }

    struct FromCSV: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "from-csv", abstract: "Write a CSV file as an XLSX workbook.")
        @Argument(help: "The CSV file.") var file: String
        @Argument(help: "The XLSX to write.") var output: String
        @Option(help: "Log level.") var logLevel = "warning"

        func run() throws {
            try execute {
                let logger = Job.makeLogger(level: logLevel)
                do {
                    try AtomicFile.write(to: output) { temporary in
                        try XLSXConversion.fromCSV(csv: file, xlsxOutput: temporary, logger: logger)
                    }
                } catch let error as XLSXError {
                    throw CommandFailure(status: .someInputRejected, message: error.description)
                }
                return .done
            }
        }
    }
}

/// Writes a file under a temporary name in the same folder, fsyncs it and renames it into
/// place: a half-written output never appears under its real name.
enum AtomicFile {
    static func write(to path: String, mode: mode_t = 0o644, _ body: (String) throws -> Void) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())").path
        do {
            try body(temporary)
            let fd = open(temporary, O_RDONLY)
            if fd >= 0 {
                fchmod(fd, mode)
                fsync(fd)
                close(fd)
            }
            guard rename(temporary, path) == 0 else {
                throw CommandFailure(status: .internalError, message: "\(path): cannot rename into place: \(String(cString: strerror(errno)))")
            }
        } catch {
            unlink(temporary)
            throw error
        }
    }
}
