// SHA-1 and CRC-32C with the CPU's own instructions (x86-64 SHA extensions and SSE4.2), for the two hashes
// cratefeed computes for every reading. The Swift implementations (CrateDB's SHA1, CrateFeed's CRC32C) stay the
// reference and the fallback: these are used only when the *_available function says the CPU has them.
#ifndef CRATEFEED_HASH_H
#define CRATEFEED_HASH_H

#include <stddef.h>
#include <stdint.h>

/// 1 when cratefeed_sha1_compress can run on this CPU, else 0.
int cratefeed_sha1_available(void);

/// Runs SHA-1's compression over `blocks` 64-byte blocks at `data`, updating `state` (H0..H4).
void cratefeed_sha1_compress(uint32_t state[5], const uint8_t *data, size_t blocks);

/// 1 when cratefeed_crc32c_update can run on this CPU, else 0.
int cratefeed_crc32c_available(void);

/// The raw CRC-32C register after `length` bytes, starting from `crc` (no pre- or post-inversion).
uint32_t cratefeed_crc32c_update(uint32_t crc, const uint8_t *data, size_t length);

#endif
