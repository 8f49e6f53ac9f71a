import Foundation
import GRDB
import LedgerCore

extension SQLiteLedger {
    static func registerPreviewMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("2026-11-v5-statement-previews") { db in
            try db.execute(sql: """
                CREATE TABLE statement_previews (
                    account TEXT NOT NULL,
                    cycle_start TEXT NOT NULL,
                    cycle_end TEXT NOT NULL,
                    revision INTEGER NOT NULL,
                    checksum TEXT NOT NULL,
                    content BLOB NOT NULL,
                    run_id TEXT NOT NULL,
                    PRIMARY KEY (account, cycle_start, revision)
                ) WITHOUT ROWID;
                """)
        }
    }

    public func saveStatementPreview(_ preview: StoredStatement) throws -> Int {
        try write { db in
            let latest = try Row.fetchOne(db, sql: """
                SELECT revision, checksum FROM statement_previews WHERE account = ? AND cycle_start = ?
                ORDER BY revision DESC LIMIT 1
                """, arguments: [preview.account, preview.cycleStart.description])
            if let latest, (latest["checksum"] as String) == preview.checksum { return latest["revision"] as Int }
            let revision = ((latest?["revision"] as Int?) ?? 0) + 1
            try db.execute(sql: """
                INSERT INTO statement_previews (account, cycle_start, cycle_end, revision, checksum, content, run_id)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [preview.account, preview.cycleStart.description, preview.cycleEnd.description, revision,
                                 preview.checksum, preview.content, preview.runID])
            return revision
        }
    }

    public func latestStatementPreview(account: String, cycleStart: LocalDate) throws -> StoredStatement? {
        try read { db in
            try Row.fetchOne(db, sql: """
                SELECT * FROM statement_previews WHERE account = ? AND cycle_start = ? ORDER BY revision DESC LIMIT 1
                """, arguments: [account, cycleStart.description]).flatMap { row in
                guard let end = LocalDate(row["cycle_end"] as String) else { return nil }
                return StoredStatement(account: row["account"], cycleStart: cycleStart, cycleEnd: end, revision: row["revision"],
                                       checksum: row["checksum"], content: row["content"], runID: row["run_id"])
            }
        }
    }
}
