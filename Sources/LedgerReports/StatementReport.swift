import LedgerBilling
import LedgerCore
import LedgerXLSX

/// The output formats of statements and reports.
public enum ReportFormat: String, Hashable, Sendable, CaseIterable, Comparable {
    case xlsx, jsonl
    public static func < (a: ReportFormat, b: ReportFormat) -> Bool { a.rawValue > b.rawValue }
}

/// Streams the records of a period with their local day, in the store's order; may be called
/// more than once (the Failures sheet is gathered before the Details sheet is written).
public typealias RecordStream = (_ each: (DeliveryRecord, LocalDate) throws -> Void) throws -> Void

/// A usage statement as finance reads it (PRODUCT.md: Summary, Bridge, Daily, Failures,
/// Details), rendered from the billing engine's `Statement` into
/// `statements/<account>/<cycle>/statement-r<N>.xlsx` and its `.jsonl` twin.
public struct StatementReport {
    public let statement: Statement
    /// The cycle's records, for the per-message sheets; nil leaves Failures and Details out
    /// (the statement then reads daily rollups only).
    public let records: RecordStream?
    public var xlsxOptions = XLSXWriterOptions()

    public init(statement: Statement, records: RecordStream?) {
        self.statement = statement
        self.records = records
    }

    public var language: ReportLanguage { statement.locale == .en ? .en : .ko }

    /// `<out>/statements/<account>/<cycle start>`.
    public static func directory(out: String, account: String, cycle: LocalDate) -> String {
        "\(out)/statements/\(account)/\(cycle)"
    }

    public var fileStem: String { "statement-r\(statement.revision)" }

    /// Writes the statement in each format under `directory`; returns the paths, xlsx first.
    @discardableResult
    public func write(to directory: String, formats: Set<ReportFormat>) throws -> [String] {
        try ReportFiles.write(directory: directory, stem: fileStem, formats: formats, language: language, options: xlsxOptions, render)
    }

    /// Renders every sheet into `sink` (not closed).
    public func render(into sink: any ReportSink) throws {
        let s = statement
        let digits = s.currencyDigits
        var clock = ZoneClock(identifier: s.timeZone) ?? ZoneClock(identifier: "UTC")!
        let L = ReportLabels.self
        typealias F = ReportColumn
        let fields: [(ReportColumn, ReportValue)] = [
            F.field("schema", L.schema, .text("sendledger.statement.jsonl/1")),
            F.field("account", L.account, .text(s.account)), F.field("account_name", L.accountName, .text(s.accountName)),
            F.field("plan", L.plan, .text(s.plan)), F.field("currency", L.currency, .text(s.currency)),
            F.field("time_zone", L.timeZone, .text(s.timeZone)), F.field("locale", L.locale, .text(s.locale.rawValue)),
            F.field("cycle_start", L.cycleStart, .date(s.cycleStart)), F.field("cycle_end", L.cycleEnd, .date(s.cycleEnd)),
            F.field("revision", L.revision, .int(s.revision)),
            F.field("as_of", L.asOf, .dateTime(s.asOf, offsetSeconds: clock.offset(at: s.asOf))),
            F.field("vat_rate", L.vatRate, .percent((try? Money(parsing: s.vatRate)) ?? .zero)),
            F.field("rounding", L.rounding, .text(s.rounding.rawValue)), F.field("messages", L.messages, .int(s.messages)),
        ]
        let closing: [(ReportColumn, ReportValue)] = [
            F.field("usage_subtotal", L.usageSubtotal, .money(s.usageSubtotal, digits: digits)),
            F.field("adjustment_subtotal", L.adjustmentSubtotal, .money(s.adjustmentSubtotal, digits: digits)),
            F.field("subtotal", L.subtotal, .money(s.subtotal, digits: digits)),
            F.field("vat", L.vat, .money(s.vat, digits: digits)),
            F.field("total", L.grandTotal, .money(s.total, digits: digits)),
        ]
        let channels = ReportTable(record: "channel", title: L.channelsBlock, columns: Columns.channel,
                                   rows: s.channels.map { $0.values(digits: digits) }, totals: Columns.channelTotals)
        let lines = ReportTable(record: "line", title: L.linesBlock, columns: Columns.line,
                                rows: s.lines.map { $0.values(digits: digits) }, totals: Columns.amountTotals)
        let adjustments = ReportTable(record: "adjustment", title: L.adjustmentsBlock, columns: Columns.adjustment, rows: s.adjustments.map { a in
            [.date(a.originalCycle), .date(a.originalCycleEnd), .text(a.reason.rawValue), .text(a.key.channel.description),
             .text(a.key.kind.rawValue), .date(a.key.entry.effectiveFrom), .text(a.per.rawValue), .exact(a.unitPrice),
             .int(a.messages), .int(a.units), .exact(a.exact), .money(a.amount, digits: digits), .date(a.computedOn)]
        }, totals: Columns.amountTotals)
        try sink.summary(sheet: L.summary, title: "\(L.statementTitle.text(language)) — \(s.accountName) (\(s.cycleStart))",
                         record: "statement", fields: fields, tables: [channels, lines, adjustments], closing: closing)

        // Bridge: per calendar month, each line's piece; adds up to the usage subtotal.
        var bridgeRows: [(CalendarMonth, Int, [ReportValue])] = []
        for (index, line) in s.lines.enumerated() {
            for piece in line.pieces {
                bridgeRows.append((piece.month, index, [
                    .text(piece.month.description), .date(piece.cycle), .text(line.key.channel.description), .text(line.key.kind.rawValue),
                    .date(line.key.entry.effectiveFrom), .int(piece.messages), .int(piece.units), .exact(piece.exact),
                    .money(piece.amount, digits: digits)]))
            }
        }
        bridgeRows.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        try sink.table(sheet: L.bridge, ReportTable(record: "bridge", title: L.bridge, columns: Columns.bridge,
                                                    rows: bridgeRows.map(\.2), totals: Columns.amountTotals))
        try sink.table(sheet: L.daily, ReportTable(record: "daily", title: L.daily, columns: Columns.daily,
                                                   rows: Self.dailyRows(s.lines, digits: digits), totals: Columns.amountTotals))

        guard let records else { return }
        var failures: [[ReportValue]] = []
        try records { record, day in
            guard record.status == .failed || record.status == .excluded else { return }
            failures.append([
                .date(day), .dateTime(record.sentAt, offsetSeconds: clock.offset(at: record.sentAt)), .text(record.vendor),
                .text(record.messageID), .text(record.channel.description), .text(record.status.rawValue), .bool(record.refundable),
                .text(record.reasonCode), .text(record.reasonText), .text(record.fallbackOf)])
        }
        try sink.table(sheet: L.failures, ReportTable(record: "failure", title: L.failures, columns: Columns.failure, rows: failures))
        try sink.beginStream(sheet: L.details, record: "detail", columns: Columns.detail)
        try records { record, day in
            try sink.streamRow(Self.detailValues(record, day: day, clock: &clock))
        }
    }

    static func detailValues(_ r: DeliveryRecord, day: LocalDate, clock: inout ZoneClock) -> [ReportValue] {
        [.date(day), .dateTime(r.sentAt, offsetSeconds: clock.offset(at: r.sentAt)), .text(r.vendor), .text(r.messageID),
         .text(r.batchID), .text(r.channel.description), .text(r.status.rawValue), .bool(r.refundable), .text(r.reasonCode),
         .text(r.reasonText), .int(r.units), .text(r.category), .text(r.sender), .text(r.maskedRecipient), .text(r.fallbackOf),
         r.completedAt.map { .dateTime($0, offsetSeconds: clock.offset(at: $0)) } ?? .null]
    }

    /// Per local day, each line's part; adds up to the lines exactly (largest remainder).
    static func dailyRows(_ lines: [StatementLine], digits: Int) -> [[ReportValue]] {
        var rows: [(LocalDate, Int, [ReportValue])] = []
        for (index, line) in lines.enumerated() {
            for part in line.days {
                rows.append((part.day, index, [
                    .date(part.day), .text(line.key.channel.description), .text(line.key.kind.rawValue), .date(line.key.entry.effectiveFrom),
                    .int(part.messages), .int(part.units), .exact(part.exact), .money(part.amount, digits: digits)]))
            }
        }
        rows.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        return rows.map(\.2)
    }
}
