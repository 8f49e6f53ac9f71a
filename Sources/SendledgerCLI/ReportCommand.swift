import ArgumentParser
import Foundation
import LedgerCore
import LedgerIngest
import LedgerStore

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Calendar-month reports.", subcommands: [Month.self])
    struct Month: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The calendar-month view the vendor consoles show.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Month, YYYY-MM.") var month: String
        @Option(help: "One account (default: all).") var account: String?
        @Flag(help: "Include per-message detail.") var details = false
        @Option(help: "xlsx or jsonl.") var format: String?
        func run() throws { try execute { throw CommandFailure.notAvailableYet("report month") } }
    }
}
