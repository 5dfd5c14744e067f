// Byte kernels for the replay path, with AVX2 when the CPU has it (checked once at run time).
//
// AVX2 base64 decoding after Wojciech Muła and Daniel Lemire, "Faster Base64 Encoding and
// Decoding Using AVX2 Instructions" (ACM TWEB 2018): nibble lookups validate and translate 32
// characters at once, multiply-adds pack them into 24 bytes.
#include "cbytes.h"

#if defined(__GLIBC__)
#include <malloc.h>
void cbytes_keep_freed_heap(void) {
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    mallopt(M_TOP_PAD, 64 << 20);
}
#else
void cbytes_keep_freed_heap(void) {}
#endif

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx2"))) static size_t decode_avx2(const uint8_t *src, size_t len, uint8_t *dst) {
    const __m256i lut_lo = _mm256_setr_epi8(
        0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1A, 0x1B, 0x1B, 0x1B, 0x1A,
        0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1A, 0x1B, 0x1B, 0x1B, 0x1A);
    const __m256i lut_hi = _mm256_setr_epi8(
        0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
        0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10);
    const __m256i lut_roll = _mm256_setr_epi8(
        0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m256i mask_2f = _mm256_set1_epi8(0x2f);
    const __m256i pack_ab = _mm256_set1_epi32(0x01400140);
    const __m256i pack_abc = _mm256_set1_epi32(0x00011000);
    const __m256i order = _mm256_setr_epi8(
        2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1,
        2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, -1, -1);
    size_t done = 0;
    while (len - done >= 32) {
        __m256i str = _mm256_loadu_si256((const __m256i *)(src + done));
        const __m256i hi_nibbles = _mm256_and_si256(_mm256_srli_epi32(str, 4), mask_2f);
        const __m256i lo_nibbles = _mm256_and_si256(str, mask_2f);
        const __m256i hi = _mm256_shuffle_epi8(lut_hi, hi_nibbles);
        const __m256i lo = _mm256_shuffle_epi8(lut_lo, lo_nibbles);
        if (!_mm256_testz_si256(lo, hi)) break;  // a character outside the alphabet
        const __m256i eq_2f = _mm256_cmpeq_epi8(str, mask_2f);
        const __m256i roll = _mm256_shuffle_epi8(lut_roll, _mm256_add_epi8(eq_2f, hi_nibbles));
        str = _mm256_add_epi8(str, roll);
        __m256i out = _mm256_madd_epi16(_mm256_maddubs_epi16(str, pack_ab), pack_abc);
        out = _mm256_shuffle_epi8(out, order);
        out = _mm256_permutevar8x32_epi32(out, lanes);
        _mm256_storeu_si256((__m256i *)(dst + done / 4 * 3), out);
        done += 32;
    }
    return done;
}

static int has_avx2(void) {
    static int known = -1;  // -1 unknown, 0 no, 1 yes; written once, read relaxed
    int value = __atomic_load_n(&known, __ATOMIC_RELAXED);
    if (value < 0) {
        __builtin_cpu_init();
        value = __builtin_cpu_supports("avx2") ? 1 : 0;
        __atomic_store_n(&known, value, __ATOMIC_RELAXED);
    }
    return value;
}

size_t cbytes_base64_blocks(const uint8_t *src, size_t len, uint8_t *dst) {
    return has_avx2() ? decode_avx2(src, len, dst) : 0;
}

__attribute__((target("avx2,popcnt"))) static size_t count_avx2(const uint8_t *p, size_t n, uint8_t byte) {
    const __m256i needle = _mm256_set1_epi8((char)byte);
    size_t i = 0, count = 0;
    while (i + 32 <= n) {
        const __m256i v = _mm256_loadu_si256((const __m256i *)(p + i));
        count += (size_t)__builtin_popcount((unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, needle)));
        i += 32;
    }
    for (; i < n; i++) count += p[i] == byte;
    return count;
}

static size_t count_sse2(const uint8_t *p, size_t n, uint8_t byte) {
    const __m128i needle = _mm_set1_epi8((char)byte);
    size_t i = 0, count = 0;
    while (i + 16 <= n) {
        const __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
        count += (size_t)__builtin_popcount((unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, needle)));
        i += 16;
    }
    for (; i < n; i++) count += p[i] == byte;
    return count;
}

size_t cbytes_count(const uint8_t *p, size_t n, uint8_t byte) {
    return has_avx2() ? count_avx2(p, n, byte) : count_sse2(p, n, byte);
}

__attribute__((target("avx2"))) static size_t find_avx2(const uint8_t *p, size_t n) {
    const __m256i quote = _mm256_set1_epi8('"');
    const __m256i backslash = _mm256_set1_epi8('\\');
    size_t i = 0;
    while (i + 32 <= n) {
        const __m256i v = _mm256_loadu_si256((const __m256i *)(p + i));
        const unsigned m = (unsigned)_mm256_movemask_epi8(_mm256_or_si256(_mm256_cmpeq_epi8(v, quote), _mm256_cmpeq_epi8(v, backslash)));
        if (m) return i + (size_t)__builtin_ctz(m);
        i += 32;
    }
    for (; i < n; i++) if (p[i] == '"' || p[i] == '\\') return i;
    return n;
}

static size_t find_sse2(const uint8_t *p, size_t n) {
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    size_t i = 0;
    while (i + 16 <= n) {
        const __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
        const unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
        if (m) return i + (size_t)__builtin_ctz(m);
        i += 16;
    }
    for (; i < n; i++) if (p[i] == '"' || p[i] == '\\') return i;
    return n;
}

size_t cbytes_find_quote_or_backslash(const uint8_t *p, size_t n) {
    return has_avx2() ? find_avx2(p, n) : find_sse2(p, n);
}

#else

size_t cbytes_base64_blocks(const uint8_t *src, size_t len, uint8_t *dst) {
    (void)src;
    (void)len;
    (void)dst;
    return 0;
}

size_t cbytes_count(const uint8_t *p, size_t n, uint8_t byte) {
    size_t count = 0;
    for (size_t i = 0; i < n; i++) count += p[i] == byte;
    return count;
}

size_t cbytes_find_quote_or_backslash(const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) if (p[i] == '"' || p[i] == '\\') return i;
    return n;
}

#endif
