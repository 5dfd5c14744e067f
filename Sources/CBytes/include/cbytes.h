#ifndef CBYTES_H
#define CBYTES_H

#include <stddef.h>
#include <stdint.h>

/// Decodes whole 32-character blocks of standard base64 (no padding inside) with AVX2 when the
/// CPU has it. Stops before the first block holding a character outside the alphabet, and before
/// fewer than 32 characters remain. Writes 24 bytes per block but stores 32: `dst` must have 8
/// bytes of room past the decoded length. Returns the number of source characters consumed
/// (a multiple of 32; 0 without AVX2).
size_t cbytes_base64_blocks(const uint8_t *src, size_t len, uint8_t *dst);

/// Number of bytes equal to `byte` in `p[0..<n]` (AVX2 when the CPU has it, else SSE2/scalar).
size_t cbytes_count(const uint8_t *p, size_t n, uint8_t byte);

/// Index of the first `"` or `\\` in `p[0..<n]`, or `n` when there is none.
size_t cbytes_find_quote_or_backslash(const uint8_t *p, size_t n);

/// Keeps freed heap memory for reuse instead of trimming it back to the kernel after every large
/// free (glibc `mallopt`), for batch decoding where memory churns at memory speed.
void cbytes_keep_freed_heap(void);


/// SHA-256 state.
typedef struct {
    uint32_t h[8];
    uint64_t length;
    uint8_t buf[64];
    size_t used;
} cbytes_sha256;
void cbytes_sha256_init(cbytes_sha256 *s);
void cbytes_sha256_update(cbytes_sha256 *s, const uint8_t *p, size_t n);
void cbytes_sha256_final(cbytes_sha256 *s, uint8_t out[32]);

#endif
