import ArgumentParser
import Foundation
import LedgerCore
import LedgerIngest
import LedgerStore

struct Vendors: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Vendor profiles.", subcommands: [List.self, Check.self])
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the vendor profiles.")
        @OptionGroup var common: CommonOptions
        func run() throws { try execute { throw CommandFailure.notAvailableYet("vendors list") } }
    }
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a vendor file against its profile.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Vendor profile name.") var vendor: String
        @Argument(help: "The file to check.") var file: String
        func run() throws { try execute { throw CommandFailure.notAvailableYet("vendors check") } }
    }
}
