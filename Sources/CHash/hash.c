#include "cratefeed_hash.h"

#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

// CPUID leaf 1 ECX: SSSE3 (bit 9, pshufb), SSE4.1 (bit 19), SSE4.2 (bit 20); leaf 7 EBX: SHA (bit 29).
static int cpu_has(int leaf, int reg, int bit) {
    unsigned int r[4] = {0, 0, 0, 0};
    if (leaf == 7) {
        if (!__get_cpuid_count(7, 0, &r[0], &r[1], &r[2], &r[3])) return 0;
    } else if (!__get_cpuid(leaf, &r[0], &r[1], &r[2], &r[3])) {
        return 0;
    }
    return (r[reg] >> bit) & 1;
}

int cratefeed_sha1_available(void) {
    return cpu_has(7, 1, 29) && cpu_has(1, 2, 9) && cpu_has(1, 2, 19);
}

int cratefeed_crc32c_available(void) {
    return cpu_has(1, 2, 20);
}

// Four rounds: `e` is the E input for them (plus the schedule words), `f` selects the round function and
// constant of rounds 20*f .. 20*f+19.
#define ROUNDS(f) abcd = _mm_sha1rnds4_epu32(abcd, e, f)

// The schedule words of group i (rounds 4i .. 4i+3) from the four groups before it, kept in w[i % 4].
#define SCHEDULE(i) \
    w[(i) % 4] = _mm_sha1msg2_epu32( \
        _mm_xor_si128(_mm_sha1msg1_epu32(w[(i) % 4], w[((i) + 1) % 4]), w[((i) + 2) % 4]), w[((i) + 3) % 4])

// Group i >= 1: E comes from A as it was four rounds earlier (sha1nexte), plus this group's words.
#define GROUP(i, f) \
    e = _mm_sha1nexte_epu32(previous, w[(i) % 4]); \
    previous = abcd; \
    ROUNDS(f)

__attribute__((target("sha,ssse3,sse4.1")))
void cratefeed_sha1_compress(uint32_t state[5], const uint8_t *data, size_t blocks) {
    // Words are big-endian in the block; the instructions want word 0 in the highest lane.
    const __m128i byte_swap = _mm_set_epi64x(0x0001020304050607LL, 0x08090a0b0c0d0e0fLL);
    __m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)state), 0x1B);
    __m128i e0 = _mm_set_epi32((int)state[4], 0, 0, 0);
    while (blocks-- > 0) {
        const __m128i abcd_start = abcd;
        const __m128i e_start = e0;
        __m128i w[4], e, previous;
        for (int k = 0; k < 4; k++) {
            w[k] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16 * k)), byte_swap);
        }
        e = _mm_add_epi32(e0, w[0]);
        previous = abcd;
        ROUNDS(0);
        GROUP(1, 0); GROUP(2, 0); GROUP(3, 0);
        SCHEDULE(4); GROUP(4, 0);
        SCHEDULE(5); GROUP(5, 1); SCHEDULE(6); GROUP(6, 1); SCHEDULE(7); GROUP(7, 1);
        SCHEDULE(8); GROUP(8, 1); SCHEDULE(9); GROUP(9, 1);
        SCHEDULE(10); GROUP(10, 2); SCHEDULE(11); GROUP(11, 2); SCHEDULE(12); GROUP(12, 2);
        SCHEDULE(13); GROUP(13, 2); SCHEDULE(14); GROUP(14, 2);
        SCHEDULE(15); GROUP(15, 3); SCHEDULE(16); GROUP(16, 3); SCHEDULE(17); GROUP(17, 3);
        SCHEDULE(18); GROUP(18, 3); SCHEDULE(19); GROUP(19, 3);
        // E after the 80 rounds comes from A four rounds before the end; then add the block's starting state.
        e0 = _mm_sha1nexte_epu32(previous, e_start);
        abcd = _mm_add_epi32(abcd, abcd_start);
        data += 64;
    }
    _mm_storeu_si128((__m128i *)state, _mm_shuffle_epi32(abcd, 0x1B));
    state[4] = (uint32_t)_mm_extract_epi32(e0, 3);
}

__attribute__((target("sse4.2")))
uint32_t cratefeed_crc32c_update(uint32_t crc, const uint8_t *data, size_t length) {
    uint64_t c = crc;
    while (length >= 8) {
        uint64_t word;
        memcpy(&word, data, 8);  // unaligned load
        c = _mm_crc32_u64(c, word);
        data += 8;
        length -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (length-- > 0) c32 = _mm_crc32_u8(c32, *data++);
    return c32;
}

#else

int cratefeed_sha1_available(void) { return 0; }
int cratefeed_crc32c_available(void) { return 0; }
void cratefeed_sha1_compress(uint32_t state[5], const uint8_t *data, size_t blocks) {
    (void)state; (void)data; (void)blocks;
}
uint32_t cratefeed_crc32c_update(uint32_t crc, const uint8_t *data, size_t length) {
    (void)data; (void)length;
    return crc;
}

#endif
