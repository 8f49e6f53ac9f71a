// LedgerXLSX: see the module's files.
