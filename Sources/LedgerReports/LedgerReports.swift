// LedgerReports: see the module's files.
