import ArgumentParser
import Foundation
import LedgerCore
import LedgerIngest
import LedgerStore

struct Purge: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Purge detail records past retention.")
    @OptionGroup var common: CommonOptions
    @Option(help: "As of another day, YYYY-MM-DD.") var asOf: String?
    @Flag(help: "Print counts; delete nothing.") var dryRun = false
    func run() throws { try execute { throw CommandFailure.notAvailableYet("purge") } }
}
