import GRDB

extension SQLiteLedger {
    /// Tables of the billing engine (statements, closings, adjustments), registered after the
    /// core ones. Append new migrations; never edit a shipped one.
    static func registerBillingMigrations(_ migrator: inout DatabaseMigrator) {
    }
}
