import ArgumentParser

/// PRODUCT.md's exit statuses (sysexits).
public enum ExitStatus: Int32, Sendable {
    case done = 0
    case usage = 64
    case someInputRejected = 65
    case internalError = 70
    case busy = 75

    var exitCode: ExitCode { ExitCode(rawValue) }
}

/// A failure the command line reports in one line and turns into an exit status.
struct CommandFailure: Error, CustomStringConvertible {
    let status: ExitStatus
    let message: String
    var description: String { message }

    static func usage(_ message: String) -> CommandFailure { CommandFailure(status: .usage, message: message) }
    static func notAvailableYet(_ command: String) -> CommandFailure {
        CommandFailure(status: .usage, message: "sendledger \(command): not available yet")
    }
}
