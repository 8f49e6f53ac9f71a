// LedgerBilling: see the module's files.
