import Foundation
import LedgerCore
import LedgerIngest
import LedgerPostgres
import LedgerStore
import Logging

/// Options every command takes.
struct CommonOptions: ParsableArguments {
    @Option(help: "The job's configuration file.")
    var config = "jobs/nightly.toml"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"
}

import ArgumentParser

/// What a command needs once the config is checked: the logger, the store, the ingestor.
struct Job {
    let config: LedgerConfig
    let logger: Logger
    let store: any LedgerStore
    let runID: String

    /// Loads the config and opens the ledger; config errors become exit 64.
    static func open(_ options: CommonOptions, command: String) throws -> Job {
        let logger = makeLogger(options)
        let config: LedgerConfig
        do {
            config = try LedgerConfig.load(path: options.config)
        } catch {
            throw CommandFailure(status: .usage, message: error.description)
        }
        let store: any LedgerStore
        switch config.store {
        case .sqlite(let path):
            do {
                store = try SQLiteLedger(path: path, logger: logger)
            } catch let error as StoreError {
                throw CommandFailure(status: error.reason == .busy ? .busy : .internalError, message: error.description)
            }
        case .postgres(let url):
            do {
                store = try PostgresLedger(url: url, logger: logger)
            } catch let error as StoreError {
                throw CommandFailure(status: .internalError, message: "\(config.file): store: \(error.description)")
            }
        }
        return Job(config: config, logger: logger, store: store, runID: makeRunID(command: command))
    }

    static func makeLogger(_ options: CommonOptions) -> Logger { makeLogger(level: options.logLevel) }

    static func makeLogger(level name: String) -> Logger {
        let level = Logger.Level(rawValue: name.lowercased()) ?? .info
        let json = !Terminal.stderrIsTerminal
        var logger = Logger(label: "sendledger") { label in
            var handler = StderrLogHandler(label: label, json: json)
            handler.logLevel = level
            return handler
        }
        logger.logLevel = level
        return logger
    }

    static func makeRunID(command: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return "\(formatter.string(from: Date()))-\(command)-\(getpid())"
    }

    /// Today's date in a zone (the run's as-of default).
    static func today(in zone: String) -> LocalDate {
        var clock = ZoneClock(identifier: zone) ?? ZoneClock(TimeZone(identifier: "UTC")!)
        return clock.localDate(of: Instant(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)))
    }

    /// The run lock for `ingest`: none with PostgreSQL, where several ingest processes (on this
    /// machine or others) share the database and row-level conflict handling keeps them apart;
    /// the SQLite ledger has one writer, so ingest takes the run lock there as before.
    func ingestLock() throws -> RunLock? {
        if case .postgres = config.store { return nil }
        return try lock()
    }

    /// Takes the run lock or fails with exit 75 ("busy").
    func lock() throws -> RunLock {
        guard let lock = try RunLock(path: config.paths.lock) else {
            throw CommandFailure(status: .busy, message: "busy: another sendledger run holds \(config.paths.lock)")
        }
        return lock
    }

    func makeIngestor() throws -> Ingestor {
        let zones: AccountZones
        do {
            zones = try AccountZonesLoading.load(config: config)
        } catch let error as ConfigError {
            throw CommandFailure(status: .usage, message: error.description)
        }
        let key = try RecipientPrivacy.loadOrCreateKey(at: config.privacy.hashKeyFile)
        let privacy = RecipientPrivacy(key: key, masking: config.privacy.maskRecipients)
        let ingestor = Ingestor(store: store, zones: zones, privacy: privacy, runID: runID,
                                now: { Instant(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)) }, logger: logger)
        if let retention = store as? any RetentionStore {
            ingestor.purgedBefore = try retention.purgeMarks()
        }
        return ingestor
    }
}

extension ParsableCommand {
    /// Runs a command body, turning failures into one line on stderr and PRODUCT.md's exit status.
    func execute(_ body: () throws -> ExitStatus) throws {
        let status: ExitStatus
        do {
            status = try body()
        } catch let failure as CommandFailure {
            FileHandle.standardError.write(Data("sendledger: \(failure.message)\n".utf8))
            throw ExitCode(failure.status.rawValue)
        } catch let error as StoreError {
            FileHandle.standardError.write(Data("sendledger: \(error)\n".utf8))
            throw ExitCode(error.reason == .busy ? ExitStatus.busy.rawValue : ExitStatus.internalError.rawValue)
        } catch let interruption as IngestInterrupted {
            FileHandle.standardError.write(Data("sendledger: \(interruption)\n".utf8))
            throw ExitCode(ExitStatus.busy.rawValue)
        } catch let error as ExitCode {
            throw error
        } catch {
            FileHandle.standardError.write(Data("sendledger: internal error: \(error)\n".utf8))
            throw ExitCode(ExitStatus.internalError.rawValue)
        }
        if status != .done { throw ExitCode(status.rawValue) }
    }
}
