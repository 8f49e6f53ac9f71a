// LedgerIngest: see the module's files.
