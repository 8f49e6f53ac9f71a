#ifndef SENDLEDGER_CZLIB_SHIM_H
#define SENDLEDGER_CZLIB_SHIM_H
#include <zlib.h>

// zlib's init functions are macros that pass the version and struct size; Swift cannot call
// macros, so these wrappers do.
static inline int czlib_deflateInit2(z_streamp strm, int level, int method, int windowBits,
                                     int memLevel, int strategy) {
    return deflateInit2(strm, level, method, windowBits, memLevel, strategy);
}
static inline int czlib_inflateInit2(z_streamp strm, int windowBits) {
    return inflateInit2(strm, windowBits);
}
#endif
