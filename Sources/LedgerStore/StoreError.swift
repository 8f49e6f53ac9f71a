/// A storage failure, with the reason kept testable.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public enum Reason: Equatable, Sendable {
        /// The location could not be opened (`sqlite:PATH`).
        case cannotOpen(String)
        /// Another process holds the database past the busy timeout.
        case busy
        /// An SQLite error code and message.
        case sqlite(code: Int32, message: String)
        /// A PostgreSQL server's message (with its SQLSTATE), or a connection failure.
        case postgres(String)
        /// The stored data breaks an invariant (a bug or a hand edit).
        case corrupt(String)
    }

    public let reason: Reason
    public let context: String

    public init(_ reason: Reason, context: String = "") {
        self.reason = reason
        self.context = context
    }

    public var description: String {
        let where_ = context.isEmpty ? "" : "\(context): "
        switch reason {
        case .cannotOpen(let path): return "\(where_)cannot open ledger at \(path)"
        case .busy: return "\(where_)the ledger is locked by another process"
        case .sqlite(let code, let message): return "\(where_)SQLite error \(code): \(message)"
        case .postgres(let message): return "\(where_)PostgreSQL: \(message)"
        case .corrupt(let detail): return "\(where_)ledger inconsistent: \(detail)"
        }
    }
}
