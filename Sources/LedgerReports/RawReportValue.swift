import LedgerCore
import LedgerStore

/// A `ReportValue` whose text is borrowed UTF-8, valid only during the call it is passed to:
/// per-message rows go from the store's row to the writers without a `String` per cell.
public enum RawReportValue {
    case null
    case text(UnsafeRawBufferPointer)
    case int(Int64)
    case exact(Money)
    case date(LocalDate)
    case dateTime(Instant, offsetSeconds: Int)

    /// The owning value (what a sink without a raw path writes).
    public var value: ReportValue {
        switch self {
        case .null: .null
        case .text(let bytes): .text(String(decoding: bytes, as: UTF8.self))
        case .int(let n): .int(n)
        case .exact(let money): .exact(money)
        case .date(let date): .date(date)
        case .dateTime(let instant, let offset): .dateTime(instant, offsetSeconds: offset)
        }
    }

    public static func text(_ bytes: UnsafeRawBufferPointer?) -> RawReportValue { bytes.map { .text($0) } ?? .null }
}

/// Streams an account's messages of a period as the Details sheet shows them, in the store's
/// order (`LedgerStore.messageDetails`).
public typealias MessageDetailStream = (_ each: (MessageDetail) throws -> Void) throws -> Void

extension ReportSink {
    /// The default: owning values through `streamRow(_:)`.
    public func streamRow(raw values: UnsafeBufferPointer<RawReportValue>) throws {
        try streamRow(values.map(\.value))
    }
}
