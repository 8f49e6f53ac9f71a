import ArgumentParser
import Foundation
import LedgerBilling
import LedgerCore
import LedgerReports

struct Rerun: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recompute one account's cycle or one month from the ledger.",
        discussion: """
            After fixing a profile or a price: recomputes from the daily rollups and prints the \
            difference, line by line (messages, units, amounts, before and after). A closed cycle \
            is never edited: its difference goes as adjustment lines onto the account's open \
            cycle, automatically inside the late window and with --adjust after it. An open \
            cycle's preview (statement-r0) and a month report are rewritten as a new revision. \
            --dry-run prints the same and writes nothing.
            """)
    @OptionGroup var common: CommonOptions
    @Option(help: "Account id.") var account: String
    @Option(help: "Cycle start, YYYY-MM-DD.") var cycle: String?
    @Option(help: "Calendar month, YYYY-MM.") var month: String?
    @Option(help: "As of another day, YYYY-MM-DD (default: today).") var asOf: String?
    @Flag(help: "Print what would change; write nothing.") var dryRun = false
    @Flag(help: "Apply a closed cycle's difference even past the late window.") var adjust = false

    func validate() throws {
        guard (cycle == nil) != (month == nil) else { throw ValidationError("give --cycle or --month") }
        if let cycle, LocalDate(cycle) == nil { throw ValidationError("--cycle: expected YYYY-MM-DD, got \"\(cycle)\"") }
        if let month, CalendarMonth(month) == nil { throw ValidationError("--month: expected YYYY-MM, got \"\(month)\"") }
        if let asOf, LocalDate(asOf) == nil { throw ValidationError("--as-of: expected YYYY-MM-DD, got \"\(asOf)\"") }
        if adjust && month != nil { throw ValidationError("--adjust applies to a closed cycle (--cycle)") }
    }

    func run() throws {
        try execute {
            let job = try Job.open(common, command: "rerun")
            let lock = try job.lock()
            defer { withExtendedLifetime(lock) {} }
            let engine = try job.billingEngine()
            let asOf = try job.asOf(self.asOf)
            let result: RerunResult
            do {
                if let cycle {
                    result = try engine.rerun(account: account, cycle: LocalDate(cycle)!, asOf: asOf, runID: job.runID,
                                              adjust: adjust, dryRun: dryRun)
                } else {
                    result = try engine.rerun(account: account, month: CalendarMonth(month!)!, asOf: asOf, runID: job.runID, dryRun: dryRun)
                }
            } catch let error as BillingError {
                throw Job.billingFailure(error)
            }
            print(try RerunDiffText.render(result, asOfDay: self.asOf ?? Job.today(in: job.config.policy.timeZone).description), terminator: "")
            guard !dryRun else { return .done }
            switch result.subject {
            case .closedCycle:
                break
            case .openCycle(let cycle, _):
                guard let preview = result.preview else { break }
                let directory = StatementReport.directory(out: job.config.paths.out, account: account, cycle: cycle.start)
                let report = StatementReport(statement: preview, records: { each in
                    try engine.details(account: account, cycle: cycle.start, each)
                })
                for path in try report.write(to: directory, formats: Set(ReportFormat.allCases)) { print("wrote \(path)") }
            case .month(let month, _):
                for path in try job.writeMonthReports(month: month, account: account, details: false,
                                                      formats: Set(ReportFormat.allCases), asOf: asOf, engine: engine) {
                    print("wrote \(path)")
                }
            }
            job.logger.info("rerun finished", metadata: [
                "account.id": "\(account)", "rerun.subject": "\(cycle.map { "cycle \($0)" } ?? "month \(month!)")",
                "rerun.changed_lines": "\(result.lines.filter(\.changed).count)", "dry_run": "\(dryRun)"])
            return .done
        }
    }
}

/// The readable diff `rerun` prints: one row per line, before and after, then the total and
/// what was (or would be) done. Plain text with fixed columns; golden-tested.
enum RerunDiffText {
    static func render(_ result: RerunResult, asOfDay: String) throws -> String {
        let digits = result.currency.minorUnitDigits
        var out = ""
        let asOf = asOfDay
        switch result.subject {
        case .closedCycle(let cycle, let adjustments):
            out += "rerun \(result.account) cycle \(cycle.start) to \(cycle.end.adding(days: -1)): closed, "
                + "revision 1 and \(adjustments) adjustment lines so far; as of \(asOf)\n"
        case .openCycle(let cycle, let revision):
            out += "rerun \(result.account) cycle \(cycle.start) to \(cycle.end.adding(days: -1)): open, "
                + (revision.map { "preview revision \($0) before" } ?? "no preview written before") + "; as of \(asOf)\n"
        case .month(let month, let revision):
            out += "rerun \(result.account) month \(month): "
                + (revision.map { "report revision \($0) before" } ?? "no report written before") + "; as of \(asOf)\n"
        }
        var rows: [[String]] = [["line", "messages before", "after", "units before", "after",
                                 "amount before (\(result.currency.code))", "after", "change"]]
        for line in result.lines {
            let change = try line.amountAfter - line.amountBefore
            rows.append([label(line), "\(line.messagesBefore)", "\(line.messagesAfter)", "\(line.unitsBefore)", "\(line.unitsAfter)",
                         money(line.amountBefore, digits), money(line.amountAfter, digits),
                         line.changed ? signed(change, digits) : ""])
        }
        let before = try result.amountBefore, after = try result.amountAfter
        let total = try after - before
        rows.append(["total", "", "", "", "", money(before, digits), money(after, digits),
                     result.changed ? signed(total, digits) : ""])
        out += table(rows)
        out += outcome(result) + "\n"
        return out
    }

    static func outcome(_ result: RerunResult) -> String {
        let would = result.dryRun
        switch result.subject {
        case .closedCycle:
            guard let adjustment = result.adjustment else {
                return "no difference: the ledger gives what was billed" + (would ? " (dry run, nothing written)" : "")
            }
            var reasons: [String: Int] = [:]
            for line in adjustment.lines { reasons[line.reason.rawValue, default: 0] += 1 }
            let why = reasons.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            if result.needsAdjustFlag {
                return "past the late window: \(adjustment.lines.count) adjustment lines (\(why)) not applied; rerun with --adjust to put them onto cycle \(adjustment.targetCycle)"
            }
            return would ? "dry run: would add \(adjustment.lines.count) adjustment lines (\(why)) onto cycle \(adjustment.targetCycle); nothing written"
                : "added \(adjustment.lines.count) adjustment lines (\(why)) onto cycle \(adjustment.targetCycle)"
        case .openCycle:
            if would { return "dry run: would write the preview statement-r0\(result.changed ? " as a new preview revision" : ""); nothing written" }
            return "preview revision \(result.newRevision ?? 0)"
        case .month:
            if would { return "dry run: would write the month report\(result.changed ? " as a new revision" : ""); nothing written" }
            return "month report revision \(result.newRevision ?? 0)"
        }
    }

    static func label(_ line: RerunLine) -> String {
        var text = "\(line.key.channel) \(line.key.kind.rawValue), price from \(line.key.entry.effectiveFrom)"
        if let before = line.unitPriceBefore, let after = line.unitPriceAfter, before != after {
            text += " (unit price \(before) -> \(after))"
        }
        return text
    }

    static func money(_ amount: Money, _ digits: Int) -> String {
        let plain = amount.formatted(fractionDigits: digits)
        let negative = plain.hasPrefix("-")
        let body = negative ? String(plain.dropFirst()) : plain
        let parts = body.split(separator: ".", maxSplits: 1)
        var whole = String(parts[0])
        var grouped = ""
        while whole.count > 3 {
            grouped = "," + whole.suffix(3) + grouped
            whole = String(whole.dropLast(3))
        }
        grouped = whole + grouped
        if parts.count > 1 { grouped += "." + parts[1] }
        return (negative ? "-" : "") + grouped
    }

    static func signed(_ amount: Money, _ digits: Int) -> String {
        amount < .zero ? money(amount, digits) : "+" + money(amount, digits)
    }

    /// Left-aligned first column, right-aligned numbers, two spaces between columns.
    static func table(_ rows: [[String]]) -> String {
        var widths = [Int](repeating: 0, count: rows[0].count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        var out = ""
        for row in rows {
            var line = ""
            for (i, cell) in row.enumerated() {
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                line += i == 0 ? cell + pad : "  " + pad + cell
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }
}
