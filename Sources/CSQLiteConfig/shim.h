#ifndef SENDLEDGER_CSQLITECONFIG_SHIM_H
#define SENDLEDGER_CSQLITECONFIG_SHIM_H
#include <sqlite3.h>

// sqlite3_config is variadic, which Swift cannot call: this wrapper does. Memory statistics
// take a global mutex on every allocation; the ledger never reads them. Only effective before
// SQLite initializes (SQLITE_MISUSE after, which is harmless).
static inline int csqlite_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
#endif
