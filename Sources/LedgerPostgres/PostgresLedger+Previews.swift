import LedgerCore
import LedgerStore

extension PostgresLedger {
    public func saveStatementPreview(_ preview: StoredStatement) throws -> Int {
        try transaction {
            try lockAccounts([preview.account])
            let latest = try unlockedQuery("""
                SELECT revision::bigint, checksum FROM statement_previews WHERE account = $1 AND cycle_start = $2::date
                ORDER BY revision DESC LIMIT 1
                """, [.text(preview.account), .text(preview.cycleStart.description)]).first.map(RowReader.init)
            if let latest, try latest.text(1) == preview.checksum { return Int(try latest.int(0)) }
            let revision = Int(try latest?.int(0) ?? 0) + 1
            try unlockedQuery("""
                INSERT INTO statement_previews (account, cycle_start, cycle_end, revision, checksum, content, run_id)
                VALUES ($1, $2::date, $3::date, $4, $5, $6, $7)
                """, [.text(preview.account), .text(preview.cycleStart.description), .text(preview.cycleEnd.description),
                      .int(Int64(revision)), .text(preview.checksum), .bytes(preview.content), .text(preview.runID)])
            return revision
        }
    }

    public func latestStatementPreview(account: String, cycleStart: LocalDate) throws -> StoredStatement? {
        try query("""
            SELECT \(Self.statementSelect) FROM statement_previews WHERE account = $1 AND cycle_start = $2::date
            ORDER BY revision DESC LIMIT 1
            """, [.text(account), .text(cycleStart.description)]).first.map(decodeStatement)
    }
}
