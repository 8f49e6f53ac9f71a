import LedgerBilling
import LedgerCore
import LedgerXLSX

/// The calendar-month view of one account (the seed consoles' "monthly amount"): totals per
/// medium for each condition (all, campaign, one-time), vendor cost per medium, the cycles the
/// month bridges to, the daily breakdown and, when asked, every message.
/// Written as `months/<YYYY-MM>/<account>.xlsx` and `.jsonl`.
public struct MonthAccountReport {
    /// The `all` report first, then campaign and one-time (any order accepted; sorted here).
    public let reports: [MonthReport]
    /// The month's messages for the Details sheet; nil leaves it out.
    public let details: MessageDetailStream?
    public var xlsxOptions = XLSXWriterOptions()

    public init(reports: [MonthReport], details: MessageDetailStream?) {
        let order = MonthCondition.allCases
        self.reports = reports.sorted { order.firstIndex(of: $0.condition)! < order.firstIndex(of: $1.condition)! }
        self.details = details
    }

    var all: MonthReport { reports.first { $0.condition == .all } ?? reports[0] }
    public var language: ReportLanguage { all.locale == .en ? .en : .ko }

    public static func directory(out: String, month: CalendarMonth) -> String { "\(out)/months/\(month)" }

    @discardableResult
    public func write(to directory: String, formats: Set<ReportFormat>, batch: AtomicOutput.Batch? = nil) throws -> [String] {
        try ReportFiles.write(directory: directory, stem: all.account, formats: formats, language: language, options: xlsxOptions,
                              batch: batch, render)
    }

    public func render(into sink: any ReportSink) throws {
        let r = all
        let digits = r.currencyDigits
        var clock = ZoneClock(identifier: r.timeZone) ?? ZoneClock(identifier: "UTC")!
        let L = ReportLabels.self
        typealias F = ReportColumn
        func total(_ condition: MonthCondition) -> ReportValue {
            .money(reports.first { $0.condition == condition }?.total ?? .zero, digits: digits)
        }
        let fields: [(ReportColumn, ReportValue)] = [
            F.field("schema", L.schema, .text("sendledger.month.jsonl/1")),
            F.field("account", L.account, .text(r.account)), F.field("account_name", L.accountName, .text(r.accountName)),
            F.field("plan", L.plan, .text(r.plan)), F.field("currency", L.currency, .text(r.currency)),
            F.field("time_zone", L.timeZone, .text(r.timeZone)), F.field("locale", L.locale, .text(r.locale.rawValue)),
            F.field("month", L.month, .text(r.month.description)), F.field("revision", L.revision, .int(r.revision)),
            F.field("as_of", L.asOf, .dateTime(r.asOf, offsetSeconds: clock.offset(at: r.asOf))),
            F.field("messages", L.messages, .int(r.messages)),
        ]
        let closing: [(ReportColumn, ReportValue)] = [
            F.field("total", L.monthTotal, total(.all)), F.field("campaign_total", L.campaignTotal, total(.campaign)),
            F.field("one_time_total", L.oneTimeTotal, total(.oneTime)),
        ]
        var tables: [ReportTable] = []
        for report in reports {
            tables.append(ReportTable(record: "channel", title: L.condition(report.condition.rawValue), columns: Columns.monthChannel,
                                      rows: report.channels.map { [.text(report.condition.rawValue)] + $0.values(digits: digits) },
                                      totals: Columns.channelTotals))
        }
        tables.append(ReportTable(record: "line", title: L.linesBlock, columns: Columns.line,
                                  rows: r.lines.map { $0.values(digits: digits) }, totals: Columns.amountTotals))
        tables.append(ReportTable(record: "vendor_cost", title: L.vendorCostBlock, columns: Columns.vendorCost, rows: r.vendorCosts.map {
            [.text($0.vendor), .text($0.channel.description), .int($0.messages), .int($0.units), .exact($0.vendorCost), .int($0.costUnknown)]
        }, totals: Columns.vendorCostTotals))
        try sink.summary(sheet: L.summary, title: "\(L.monthTitle.text(language)) — \(r.accountName) (\(r.month))",
                         record: "month", fields: fields, tables: tables, closing: closing)

        // Bridge: the month's piece of each cycle it overlaps, per line.
        var bridgeRows: [(LocalDate, Int, [ReportValue])] = []
        for (index, line) in r.lines.enumerated() {
            for piece in line.pieces {
                bridgeRows.append((piece.cycle, index, [
                    .text(piece.month.description), .date(piece.cycle), .text(line.key.channel.description), .text(line.key.kind.rawValue),
                    .date(line.key.entry.effectiveFrom), .int(piece.messages), .int(piece.units), .exact(piece.exact),
                    .money(piece.amount, digits: digits)]))
            }
        }
        bridgeRows.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        try sink.table(sheet: L.bridge, ReportTable(record: "bridge", title: L.bridge, columns: Columns.bridge,
                                                    rows: bridgeRows.map(\.2), totals: Columns.amountTotals))
        try sink.table(sheet: L.daily, ReportTable(record: "daily", title: L.daily, columns: Columns.daily,
                                                   rows: StatementReport.dailyRows(r.lines, digits: digits), totals: Columns.amountTotals))
        guard let details else { return }
        try sink.beginStream(sheet: L.details, record: "detail", columns: Columns.monthDetail)
        // One row of raw values, refilled per message: text goes from the store's row to the
        // writers without a `String` per cell.
        var row = [RawReportValue](repeating: .null, count: Columns.monthDetail.count)
        var masked: [UInt8] = []
        try details { message in
            row[0] = .date(message.day)
            row[1] = .dateTime(message.sentAt, offsetSeconds: clock.offset(at: message.sentAt))
            row[2] = .text(message.channel)
            row[3] = .text(message.status)
            row[4] = .text(message.reasonCode)
            row[5] = .text(message.reasonText)
            row[6] = .text(message.isFallback ? Self.fallback : Self.direct)
            row[8] = .text(message.category)
            row[9] = .int(message.units)
            row[10] = .text(message.vendor)
            row[11] = .text(message.messageID)
            row[12] = message.vendorCost.map { .exact($0) } ?? .null
            // Recipients are stored masked; one that is not is masked here (`maskedRecipient`).
            guard let recipient = message.recipient, !recipient.isEmpty else {
                row[7] = .null
                return try row.withUnsafeBufferPointer { try sink.streamRow(raw: $0) }
            }
            if recipient.contains(UInt8(ascii: "*")) {
                row[7] = .text(recipient)
                return try row.withUnsafeBufferPointer { try sink.streamRow(raw: $0) }
            }
            masked = Array(RecipientMask.mask(utf8: recipient.assumingMemoryBound(to: UInt8.self)).utf8)
            try masked.withUnsafeBytes { bytes in
                row[7] = .text(bytes)
                try row.withUnsafeBufferPointer { try sink.streamRow(raw: $0) }
            }
        }
    }

    private static var direct: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: ("direct" as StaticString).utf8Start, count: 6) }
    private static var fallback: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: ("fallback" as StaticString).utf8Start, count: 8) }
}

/// One workbook for all accounts of a month: per account (grouped by currency, since KRW and
/// USD never add up) the month totals, and per account and channel the counts.
/// Written as `months/<YYYY-MM>/all-accounts.xlsx` and `.jsonl`.
public struct MonthAllAccountsReport {
    /// Per account, its reports for every condition.
    public let accounts: [[MonthReport]]
    public let month: CalendarMonth
    public let asOf: Instant
    public let timeZone: String
    public var xlsxOptions = XLSXWriterOptions()

    public static let stem = "all-accounts"

    public init(month: CalendarMonth, asOf: Instant, timeZone: String, accounts: [[MonthReport]]) {
        self.month = month
        self.asOf = asOf
        self.timeZone = timeZone
        self.accounts = accounts
    }

    @discardableResult
    public func write(to directory: String, formats: Set<ReportFormat>, batch: AtomicOutput.Batch? = nil) throws -> [String] {
        try ReportFiles.write(directory: directory, stem: Self.stem, formats: formats, language: .ko, options: xlsxOptions, batch: batch, render)
    }

    public func render(into sink: any ReportSink) throws {
        let L = ReportLabels.self
        typealias F = ReportColumn
        var clock = ZoneClock(identifier: timeZone) ?? ZoneClock(identifier: "UTC")!
        let fields: [(ReportColumn, ReportValue)] = [
            F.field("schema", L.schema, .text("sendledger.months.jsonl/1")), F.field("month", L.month, .text(month.description)),
            F.field("time_zone", L.timeZone, .text(timeZone)), F.field("as_of", L.asOf, .dateTime(asOf, offsetSeconds: clock.offset(at: asOf))),
            F.field("accounts", L.accounts, .int(accounts.count)),
        ]
        var byCurrency: [String: [[ReportValue]]] = [:]
        var channelRows: [[ReportValue]] = []
        for reports in accounts {
            guard let all = reports.first(where: { $0.condition == .all }) else { continue }
            let digits = all.currencyDigits
            func total(_ condition: MonthCondition) -> ReportValue {
                .money(reports.first { $0.condition == condition }?.total ?? .zero, digits: digits)
            }
            byCurrency[all.currency, default: []].append([
                .text(all.account), .text(all.accountName), .text(all.currency), .int(all.messages),
                .int(all.channels.reduce(0) { $0 + $1.sent }), .int(all.channels.reduce(0) { $0 + $1.billedUnits }),
                total(.all), total(.campaign), total(.oneTime)])
            for channel in all.channels {
                channelRows.append([.text(all.account), .text(all.currency)] + channel.values(digits: digits))
            }
        }
        let tables = byCurrency.keys.sorted().map { currency in
            ReportTable(record: "account", title: Label("\(L.accountsBlock.ko) — \(currency)", "\(L.accountsBlock.en) — \(currency)"),
                        columns: Columns.account, rows: byCurrency[currency]!, totals: Columns.accountTotals)
        }
        try sink.summary(sheet: L.summary, title: "\(L.monthsTitle.ko) (\(month))", record: "months", fields: fields,
                         tables: tables, closing: [])
        try sink.table(sheet: L.byChannel, ReportTable(record: "account_channel", title: L.byChannel, columns: Columns.accountChannel,
                                                       rows: channelRows))
    }
}

/// Writing a report's formats, each atomically.
enum ReportFiles {
    /// Renders once into every format at the same time (a store's rows are read once for the
    /// workbook and its twin); each file is written to a temporary name and renamed into place.
    static func write(directory: String, stem: String, formats: Set<ReportFormat>, language: ReportLanguage, options: XLSXWriterOptions,
                      batch: AtomicOutput.Batch? = nil, _ render: (any ReportSink) throws -> Void) throws -> [String] {
        let ordered = formats.sorted()
        let paths = ordered.map { "\(directory)/\(stem).\($0.rawValue)" }
        var sinks: [any ReportSink] = []
        func open(_ index: Int) throws {
            guard index < ordered.count else {
                try render(sinks.count == 1 ? sinks[0] : TeeSink(sinks))
                for sink in sinks { try sink.close() }
                return
            }
            try AtomicOutput.write(paths[index], batch: batch) { temporary in
                sinks.append(ordered[index] == .xlsx
                    ? try XLSXSink(path: temporary, language: language, options: options)
                    : try JSONLSink(path: temporary))
                try open(index + 1)
            }
        }
        guard !ordered.isEmpty else { return [] }
        try open(0)
        return paths
    }
}

/// The same calls to several sinks: a workbook and its JSONL twin rendered in one pass.
final class TeeSink: ReportSink {
    let sinks: [any ReportSink]

    init(_ sinks: [any ReportSink]) { self.sinks = sinks }

    func summary(sheet: Label, title: String, record: String, fields: [(ReportColumn, ReportValue)], tables: [ReportTable],
                 closing: [(ReportColumn, ReportValue)]) throws {
        for sink in sinks { try sink.summary(sheet: sheet, title: title, record: record, fields: fields, tables: tables, closing: closing) }
    }

    func table(sheet: Label, _ table: ReportTable) throws {
        for sink in sinks { try sink.table(sheet: sheet, table) }
    }

    func beginStream(sheet: Label, record: String, columns: [ReportColumn]) throws {
        for sink in sinks { try sink.beginStream(sheet: sheet, record: record, columns: columns) }
    }

    func streamRow(_ values: [ReportValue]) throws {
        for sink in sinks { try sink.streamRow(values) }
    }

    func streamRow(raw values: UnsafeBufferPointer<RawReportValue>) throws {
        for sink in sinks { try sink.streamRow(raw: values) }
    }

    func close() throws {
        for sink in sinks { try sink.close() }
    }
}
