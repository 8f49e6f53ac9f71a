import LedgerCore

/// One value of a report: written as a typed cell in XLSX and as a JSON value in JSONL, so the
/// two twins hold the same facts (docs/statement-schema.md names every field).
public enum ReportValue: Hashable, Sendable {
    case null
    case text(String)
    case int(Int64)
    /// A rounded amount, shown and written with the currency's minor digits ("1234", "12.50").
    case money(Money, digits: Int)
    /// An exact amount or unit price: its exact decimal ("9.9", "0.0079").
    case exact(Money)
    /// A fraction shown as a percentage (VAT rate 0.1 is 10.00 %); JSON gives the decimal.
    case percent(Money)
    case date(LocalDate)
    /// An instant shown as the wall-clock time of a zone; JSON gives ISO 8601 with the offset.
    case dateTime(Instant, offsetSeconds: Int)
    case bool(Bool)

    public static func text(_ value: String?) -> ReportValue { value.map { .text($0) } ?? .null }
    public static func int(_ value: Int) -> ReportValue { .int(Int64(value)) }
}

/// What a column holds and how wide it is; `key` is the JSONL field name.
public struct ReportColumn: Hashable, Sendable {
    public var key: String
    public var label: Label
    public var width: Double

    public init(_ key: String, _ label: Label, width: Double = 12) {
        self.key = key
        self.label = label
        self.width = width
    }
}

/// A Korean and an English label; finance reads Korean by default (PRODUCT.md).
public struct Label: Hashable, Sendable {
    public var ko: String
    public var en: String

    public init(_ ko: String, _ en: String) {
        self.ko = ko
        self.en = en
    }

    public func text(_ language: ReportLanguage) -> String { language == .ko ? ko : en }
}

public enum ReportLanguage: String, Hashable, Sendable, CaseIterable {
    case ko, en
}

/// Rows of one JSONL record type, shown as one table (a sheet or a block of the Summary).
public struct ReportTable: Sendable {
    /// The JSONL `record` value of every row.
    public var record: String
    public var title: Label
    public var columns: [ReportColumn]
    public var rows: [[ReportValue]]
    /// Keys of the columns the total row adds up (nil: no total row).
    public var totals: Set<String>?

    public init(record: String, title: Label, columns: [ReportColumn], rows: [[ReportValue]] = [], totals: Set<String>? = nil) {
        self.record = record
        self.title = title
        self.columns = columns
        self.rows = rows
        self.totals = totals
    }

    /// The total row's values: every totalled column summed exactly, others empty, the label in
    /// the first column. Throws on overflow.
    public func totalRow(label: String) throws -> [ReportValue] {
        guard let totals else { return [] }
        var out: [ReportValue] = []
        for (index, column) in columns.enumerated() {
            if index == 0 { out.append(.text(label)); continue }
            guard totals.contains(column.key) else { out.append(.null); continue }
            out.append(try ReportTable.sum(rows.map { $0[index] }))
        }
        return out
    }

    static func sum(_ values: [ReportValue]) throws -> ReportValue {
        var ints: Int64 = 0
        var micros = Money.zero
        var kind: ReportValue = .int(0)
        for value in values {
            switch value {
            case .int(let n):
                let (sum, overflow) = ints.addingReportingOverflow(n)
                if overflow { throw MoneyError.overflow }
                ints = sum
            case .money(let m, let digits):
                micros = try micros + m
                kind = .money(.zero, digits: digits)
            case .exact(let m):
                micros = try micros + m
                kind = .exact(.zero)
            default:
                continue
            }
        }
        switch kind {
        case .money(_, let digits): return .money(micros, digits: digits)
        case .exact: return .exact(micros)
        default: return .int(ints)
        }
    }
}
