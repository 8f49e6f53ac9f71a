import ArgumentParser
import Foundation
import LedgerCore
import LedgerIngest
import LedgerStore

struct Vendors: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Vendor profiles.", subcommands: [List.self, Check.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the vendor profiles: name, vendor, format and kind.")
        @OptionGroup var common: CommonOptions

        func run() throws {
            try execute {
                let config = try Vendors.config(common)
                var bad = false
                let names = VendorFormats.profileNames(config: config)
                if names.isEmpty { print("no vendor profiles in \(config.vendorsDirectory)") }
                for name in names {
                    switch VendorFormats.profile(named: name, config: config) {
                    case .success(let profile)?:
                        print("\(name)\tvendor=\(profile.vendor)\tformat=\(profile.format.name)\tkind=\(profile.kind.rawValue)")
                    case .failure(let error)?:
                        bad = true
                        print("\(name)\tbad profile: \(error)")
                    case nil:
                        break
                    }
                }
                return bad ? .usage : .done
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a file through its vendor profile without touching the ledger: the first records, then every reject.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Vendor profile name.") var vendor: String
        @Option(help: "The account, when the profile takes it from the inbox sub-folder.") var account: String?
        @Option(help: "How many records to print.") var show = 5
        @Flag(help: "Print every record as canonical JSONL (what `ingest` reads), or every summary row as JSONL; rejects go to stderr.")
        var canonicalJsonl = false
        @Argument(help: "The file to check.") var file: String

        func run() throws {
            try execute {
                let config = try Vendors.config(common)
                let profile: VendorProfile
                switch VendorFormats.profile(named: vendor, config: config) {
                case .success(let loaded)?: profile = loaded
                case .failure(let error)?: throw CommandFailure.usage(error.description)
                case nil: throw CommandFailure.usage("--vendor \(vendor): no such vendor profile in \(config.vendorsDirectory)")
                }
                guard FileManager.default.fileExists(atPath: file) else { throw CommandFailure.usage("\(file): no such file") }
                // Inbox layout inbox/<profile>/<account>/<file>: the folder names the account.
                let parent = URL(fileURLWithPath: file).deletingLastPathComponent()
                let folderAccount = parent.deletingLastPathComponent().lastPathComponent == vendor ? parent.lastPathComponent : nil
                let digest = try FileDigest.sha256(path: file)
                // No hash key: checking must not create one, nor write anything else. Output is
                // streamed, so repeats are counted exactly rather than read twice.
                var context = FileContext(path: file, sha256: digest.hex, accountFromFolder: account ?? folderAccount,
                                          privacy: RecipientPrivacy(key: nil, masking: config.privacy.maskRecipients))
                context.exactRepeatCounts = true
                if canonicalJsonl { return try Vendors.canonicalLines(profile: profile, file: file, context: context) }
                print("checking \(file) with profile \(profile.name) (vendor \(profile.vendor), \(profile.format.name), \(profile.kind.rawValue))")
                var rows = 0, records = 0, rejected = 0, summaries = 0
                var rejects: [IngestError] = []
                let source = ProfileRecordSource(profile: profile, source: try ByteSources.open(path: file), context: context)
                do {
                    try source.read { result in
                        rows += 1
                        switch result {
                        case .record(let record):
                            records += 1
                            if records <= show { print("record " + Vendors.line(record)) }
                        case .summary(let summary):
                            summaries += 1
                            if summaries <= show {
                                print("summary \(summary.account) \(summary.grain.kind) \(summary.grain.key): total \(Vendors.count(summary.total)), "
                                      + "success \(Vendors.count(summary.success)), failure \(Vendors.count(summary.failure)), "
                                      + "fallback success \(Vendors.count(summary.fallbackSuccess)), fallback failure \(Vendors.count(summary.fallbackFailure))")
                            }
                        case .rejected(let error):
                            rejected += 1
                            rejects.append(error)
                        }
                    }
                } catch {
                    print("unreadable \(file): \(error)")
                    return .someInputRejected
                }
                for reject in rejects { print("rejected \(reject)") }
                if profile.kind == .summary {
                    print("\(file): \(summaries) summary rows, \(rejected) rejected (summaries are not delivery records)")
                } else {
                    print("\(file): \(records) records, \(rejected) rejected")
                }
                return rejected > 0 ? .someInputRejected : .done
            }
        }
    }

    static func config(_ common: CommonOptions) throws -> LedgerConfig {
        do {
            return try LedgerConfig.load(path: common.config)
        } catch {
            throw CommandFailure(status: .usage, message: error.description)
        }
    }

    static func count(_ value: Int64?) -> String { value.map(String.init) ?? "-" }

    /// A record as canonical `field=value` pairs, for a person to read.
    static func line(_ r: DeliveryRecord) -> String {
        var parts = ["vendor=\(r.vendor)", "account=\(r.account)", "message_id=\(r.messageID)", "sent_at=\(r.sentAt)",
                     "channel=\(r.channel)", "status=\(r.status.rawValue)", "refundable=\(r.refundable)", "units=\(r.units)"]
        if let v = r.batchID { parts.append("batch_id=\(v)") }
        if let v = r.completedAt { parts.append("completed_at=\(v)") }
        if let v = r.reasonCode { parts.append("reason_code=\(v)") }
        if let v = r.reasonText { parts.append("reason_text=\(v)") }
        if let v = r.category { parts.append("category=\(v)") }
        if let v = r.sender { parts.append("sender=\(v)") }
        if let v = r.recipient { parts.append("recipient=\(v)") }
        if let v = r.fallbackOf { parts.append("fallback_of=\(v)") }
        if let v = r.vendorCost { parts.append("vendor_cost=\(v)") }
        return parts.joined(separator: " ")
    }
}
