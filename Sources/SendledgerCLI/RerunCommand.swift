import ArgumentParser
import Foundation
import LedgerCore
import LedgerIngest
import LedgerStore

struct Rerun: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Recompute one account's cycle or one month from the ledger.")
    @OptionGroup var common: CommonOptions
    @Option(help: "Account id.") var account: String
    @Option(help: "Cycle start, YYYY-MM-DD.") var cycle: String?
    @Option(help: "Calendar month, YYYY-MM.") var month: String?
    @Flag(help: "Print what would change; write nothing.") var dryRun = false
    @Flag(help: "Apply late records beyond the late window as adjustments.") var adjust = false
    func validate() throws {
        guard (cycle == nil) != (month == nil) else { throw ValidationError("give --cycle or --month") }
    }
    func run() throws { try execute { throw CommandFailure.notAvailableYet("rerun") } }
}
