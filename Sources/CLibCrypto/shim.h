#ifndef SENDLEDGER_CLIBCRYPTO_SHIM_H
#define SENDLEDGER_CLIBCRYPTO_SHIM_H
// OpenSSL 3 marks the one-shot SHA256_* calls deprecated in favour of EVP, whose contexts are
// heap objects. A SHA256_CTX is a plain struct: a key's HMAC pads, absorbed once, are copied
// by value per message, with no allocation. That is the whole point here.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>
#include <stddef.h>

/// The state after one 64-byte block (an HMAC pad: the key XOR 0x36 or 0x5c).
static inline void clibcrypto_sha256_absorb_block(SHA256_CTX *state, const unsigned char block[64]) {
    SHA256_Init(state);
    SHA256_Update(state, block, 64);
}

/// HMAC-SHA-256 (RFC 2104) of `message` from the key's absorbed pads.
static inline void clibcrypto_hmac_sha256(const SHA256_CTX *inner_pad, const SHA256_CTX *outer_pad,
                                          const unsigned char *message, size_t length,
                                          unsigned char out[32]) {
    SHA256_CTX state = *inner_pad;
    unsigned char inner[32];
    SHA256_Update(&state, message, length);
    SHA256_Final(inner, &state);
    state = *outer_pad;
    SHA256_Update(&state, inner, 32);
    SHA256_Final(out, &state);
}
#endif
