import Foundation
import GRDB
import LedgerCore

/// What retention needs from the ledger (BILLING.md: retention): count and delete the detail
/// records of an account before a local day, and remember how far each account was purged so
/// that a late record for a purged day is rejected instead of counted a second time in the
/// rollups (which are kept).
public protocol RetentionStore: LedgerStore {
    /// Detail records of the account whose local day is before `day`.
    func detailCount(account: String, before day: LocalDate) throws -> Int

    /// Deletes the account's detail records before `day` (and their status conflicts) in one
    /// transaction and raises the account's purge mark to `day`; returns how many were deleted.
    /// Rollups, statements, adjustments and runs are kept.
    func purgeDetail(account: String, before day: LocalDate, runID: String, at: Instant) throws -> Int

    /// Rejected rows of files ingested before `instant` (they may hold raw recipients).
    func rejectCount(ingestedBefore instant: Instant) throws -> Int

    /// Deletes the rejected rows of files ingested before `instant`; returns how many.
    func purgeRejects(ingestedBefore instant: Instant) throws -> Int

    /// The first local day still held in detail, per purged account.
    func purgeMarks() throws -> [String: LocalDate]
}

extension SQLiteLedger: RetentionStore {
    static func registerRetentionMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("2026-11-v4-retention") { db in
            try db.execute(sql: """
                CREATE TABLE purge_marks (
                    account TEXT NOT NULL PRIMARY KEY,
                    before_day TEXT NOT NULL,
                    run_id TEXT NOT NULL,
                    purged_at INTEGER NOT NULL
                );
                """)
        }
    }

    public func detailCount(account: String, before day: LocalDate) throws -> Int {
        try read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM deliveries WHERE account = ? AND local_day < ?",
                             arguments: [account, day.daysSinceEpoch]) ?? 0
        }
    }

    public func purgeDetail(account: String, before day: LocalDate, runID: String, at instant: Instant) throws -> Int {
        try write { db in
            // Conflicts name messages by key only: drop those of the records going away first.
            try db.execute(sql: """
                DELETE FROM status_conflicts WHERE (vendor, message_id) IN
                  (SELECT vendor, message_id FROM deliveries WHERE account = ? AND local_day < ?)
                """, arguments: [account, day.daysSinceEpoch])
            try db.execute(sql: "DELETE FROM deliveries WHERE account = ? AND local_day < ?",
                           arguments: [account, day.daysSinceEpoch])
            let deleted = db.changesCount
            // The mark only rises: a purge with an earlier cutoff never reopens purged days.
            try db.execute(sql: """
                INSERT INTO purge_marks (account, before_day, run_id, purged_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (account) DO UPDATE SET before_day = excluded.before_day, run_id = excluded.run_id,
                  purged_at = excluded.purged_at
                WHERE excluded.before_day > purge_marks.before_day
                """, arguments: [account, day.description, runID, instant.secondsSinceEpoch])
            return deleted
        }
    }

    public func rejectCount(ingestedBefore instant: Instant) throws -> Int {
        try read { db in
            try Int.fetchOne(db, sql: """
                SELECT count(*) FROM rejects WHERE file_sha256 IN
                  (SELECT sha256 FROM ingested_files WHERE ingested_at < ?)
                """, arguments: [instant.secondsSinceEpoch]) ?? 0
        }
    }

    public func purgeRejects(ingestedBefore instant: Instant) throws -> Int {
        try write { db in
            try db.execute(sql: """
                DELETE FROM rejects WHERE file_sha256 IN (SELECT sha256 FROM ingested_files WHERE ingested_at < ?)
                """, arguments: [instant.secondsSinceEpoch])
            return db.changesCount
        }
    }

    public func purgeMarks() throws -> [String: LocalDate] {
        try read { db in
            var marks: [String: LocalDate] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT account, before_day FROM purge_marks") {
                if let day = LocalDate(row[1] as String) { marks[row[0]] = day }
            }
            return marks
        }
    }
}
