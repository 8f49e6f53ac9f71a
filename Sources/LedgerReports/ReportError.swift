/// A report that could not be written: which file and why.
public struct ReportError: Error, CustomStringConvertible, Equatable {
    public enum Reason: Equatable, Sendable {
        case io(String)
    }

    public let path: String
    public let reason: Reason

    public init(path: String, _ reason: Reason) {
        self.path = path
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case .io(let why): "\(path): \(why)"
        }
    }
}
