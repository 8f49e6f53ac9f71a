import ArgumentParser
import Foundation
import LedgerReports
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
                        try AtomicOutput.write(output) { temporary in
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
                    try AtomicOutput.write(output) { temporary in
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
