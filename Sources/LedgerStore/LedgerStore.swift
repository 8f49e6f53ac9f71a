// LedgerStore: see the module files.
