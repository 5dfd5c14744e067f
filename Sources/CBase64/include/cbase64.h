#ifndef CBASE64_H
#define CBASE64_H

#include <stddef.h>
#include <stdint.h>

/// Decodes whole 32-character blocks of standard base64 (no padding inside) with AVX2 when the
/// CPU has it. Stops before the first block holding a character outside the alphabet, and before
/// fewer than 32 characters remain. Writes 24 bytes per block but stores 32: `dst` must have 8
/// bytes of room past the decoded length. Returns the number of source characters consumed
/// (a multiple of 32; 0 without AVX2).
size_t cbase64_decode_blocks(const uint8_t *src, size_t len, uint8_t *dst);

#endif
