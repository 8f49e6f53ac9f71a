import ArgumentParser
import Foundation
import LedgerCore
import LedgerIngest
import LedgerStore

struct Xlsx: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Convert between XLSX and CSV.", subcommands: [ToCSV.self, FromCSV.self])
    struct ToCSV: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "to-csv", abstract: "Write one sheet of an XLSX file as CSV.")
        @Argument(help: "The XLSX file.") var file: String
        @Option(help: "Sheet name (default: the first).") var sheet: String?
        @Argument(help: "The CSV to write (default: standard output).") var output: String?
        func run() throws { try execute { throw CommandFailure.notAvailableYet("xlsx to-csv") } }
    }
    struct FromCSV: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "from-csv", abstract: "Write a CSV file as an XLSX workbook.")
        @Argument(help: "The CSV file.") var file: String
        @Argument(help: "The XLSX to write.") var output: String
        func run() throws { try execute { throw CommandFailure.notAvailableYet("xlsx from-csv") } }
    }
}
