import ArgumentParser
import Foundation
import LedgerCore
import LedgerIngest
import LedgerStore

struct Statement: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write one account's usage statement for a cycle.")
    @OptionGroup var common: CommonOptions
    @Option(help: "Account id.") var account: String
    @Option(help: "Cycle start, YYYY-MM-DD.") var cycle: String
    @Option(help: "xlsx or jsonl.") var format: String?
    @Option(help: "Output folder.") var out: String?
    func run() throws { try execute { throw CommandFailure.notAvailableYet("statement") } }
}
