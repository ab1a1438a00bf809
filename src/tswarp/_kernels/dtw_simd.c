/* One build of the lane kernels, for the instruction set the compiler flags enable.
 *
 * meson compiles this file several times (baseline, -mavx2, -mavx512f ...) with
 * -DTSWARP_VARIANT=<name>; the names of what it defines carry that suffix, so the builds link
 * side by side and the dispatcher picks one at run time. The kernels themselves are written
 * once, in lanes_impl.h (many pairs, one per lane: DTW, Fréchet and LCSS) and
 * dtw_diagonal_impl.h (one DTW pair, its anti-diagonals across the lanes), included below for
 * double and for float.
 *
 * Results must equal the scalar Cython kernel bit for bit: the same operations in the same
 * order, in the same precision, and no contraction of a*b+c into an FMA (meson passes
 * -ffp-contract=off). Only min, max and the lane shift are done with instruction-set intrinsics:
 * GCC's vector extensions have no min, `a < b ? a : b` on vectors is C++ only, and their
 * generic shuffles compile to poor code for a shift across 128-bit halves.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "dtw_simd.h"

#ifndef TSWARP_VARIANT
#error "compile with -DTSWARP_VARIANT=<name>"
#endif

#if defined(__GNUC__) && (defined(__AVX512F__) || defined(__AVX2__) || defined(__SSE2__))
#include <immintrin.h>
/* SHIFT(c, b): c's lanes moved up by one, b's last lane into lane 0. */
#if defined(__AVX512F__)
#define VECTOR_BYTES 64
#define MIN_F64 _mm512_min_pd
#define MIN_F32 _mm512_min_ps
#define MAX_F64 _mm512_max_pd
#define MAX_F32 _mm512_max_ps
/* SELECT_LE(a, b, yes, no): yes in the lanes where a <= b, no in the others; one blend. */
#define SELECT_LE_F64(a, b, yes, no)                                                         \
    _mm512_mask_blend_pd(_mm512_cmp_pd_mask(a, b, _CMP_LE_OQ), no, yes)
#define SELECT_LE_F32(a, b, yes, no)                                                         \
    _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, b, _CMP_LE_OQ), no, yes)
#define SHIFT_F64(c, b)                                                                      \
    _mm512_castsi512_pd(                                                                     \
        _mm512_alignr_epi64(_mm512_castpd_si512(c), _mm512_castpd_si512(b), 7))
#define SHIFT_F32(c, b)                                                                      \
    _mm512_castsi512_ps(                                                                     \
        _mm512_alignr_epi32(_mm512_castps_si512(c), _mm512_castps_si512(b), 15))
#elif defined(__AVX2__)
#define VECTOR_BYTES 32
#define MIN_F64 _mm256_min_pd
#define MIN_F32 _mm256_min_ps
#define MAX_F64 _mm256_max_pd
#define MAX_F32 _mm256_max_ps
#define SELECT_LE_F64(a, b, yes, no) _mm256_blendv_pd(no, yes, _mm256_cmp_pd(a, b, _CMP_LE_OQ))
#define SELECT_LE_F32(a, b, yes, no) _mm256_blendv_ps(no, yes, _mm256_cmp_ps(a, b, _CMP_LE_OQ))
/* STORE_BYTES(c, out): lane l's low byte to out[l] (the path's directions, 0 to 2), with
 * packs: GCC's __builtin_convertvector goes through general registers on SSE2 and AVX2. */
#define STORE_BYTES_F64(c, out)                                                              \
    do {                                                                                     \
        __m256i low = _mm256_permutevar8x32_epi32((__m256i)(c), _mm256_setr_epi32(0, 2, 4, 6, \
                                                                                   0, 2, 4, 6)); \
        __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(low), _mm_setzero_si128());   \
        int bytes = _mm_cvtsi128_si32(_mm_packus_epi16(words, words));                      \
        memcpy(out, &bytes, 4);                                                              \
    } while (0)
#define STORE_BYTES_F32(c, out)                                                              \
    do {                                                                                     \
        __m128i words = _mm_packs_epi32(_mm256_castsi256_si128((__m256i)(c)),                \
                                        _mm256_extracti128_si256((__m256i)(c), 1));          \
        _mm_storel_epi64((__m128i *)(out), _mm_packus_epi16(words, words));                  \
    } while (0)
/* The 128-bit halves [b.high, c.low], then a shift within each half. */
#define SHIFT_F64(c, b) _mm256_shuffle_pd(_mm256_permute2f128_pd(c, b, 0x03), c, 5)
#define SHIFT_F32(c, b)                                                                      \
    _mm256_castsi256_ps(_mm256_alignr_epi8(                                                  \
        _mm256_castps_si256(c), _mm256_castps_si256(_mm256_permute2f128_ps(c, b, 0x03)), 12))
#else
#define VECTOR_BYTES 16
#define MIN_F64 _mm_min_pd
#define MIN_F32 _mm_min_ps
#define MAX_F64 _mm_max_pd
#define MAX_F32 _mm_max_ps
#define SHIFT_F64(c, b) _mm_shuffle_pd(b, c, 1)
/* STORE_BYTES as with AVX2 above. */
#define STORE_BYTES_F64(c, out)                                                              \
    do {                                                                                     \
        __m128i words = _mm_packs_epi32(_mm_shuffle_epi32((__m128i)(c), 0x08),               \
                                        _mm_setzero_si128());                                \
        int bytes = _mm_cvtsi128_si32(_mm_packus_epi16(words, words));                      \
        memcpy(out, &bytes, 2);                                                              \
    } while (0)
#define STORE_BYTES_F32(c, out)                                                              \
    do {                                                                                     \
        __m128i words = _mm_packs_epi32((__m128i)(c), (__m128i)(c));                          \
        int bytes = _mm_cvtsi128_si32(_mm_packus_epi16(words, words));                      \
        memcpy(out, &bytes, 4);                                                              \
    } while (0)
#define SHIFT_F32(c, b)                                                                      \
    _mm_castsi128_ps(_mm_or_si128(_mm_slli_si128(_mm_castps_si128(c), 4),                    \
                                  _mm_srli_si128(_mm_castps_si128(b), 12)))
#endif
#elif defined(__GNUC__)
/* Other targets (aarch64 NEON, ...): a compare and a bitwise select, with GCC or Clang. */
#define VECTOR_BYTES 16
#define GENERIC_MIN 1
#if defined(__has_builtin)
#if __has_builtin(__builtin_shufflevector)
#define HAS_SHUFFLEVECTOR 1
#endif
#endif
#if defined(HAS_SHUFFLEVECTOR)
#define SHIFT_F64(c, b) __builtin_shufflevector(c, b, 3, 0)
#define SHIFT_F32(c, b) __builtin_shufflevector(c, b, 7, 0, 1, 2)
#else
#define SHIFT_F64(c, b) __builtin_shuffle(c, b, (long long __attribute__((vector_size(16)))){3, 0})
#define SHIFT_F32(c, b) __builtin_shuffle(c, b, (int __attribute__((vector_size(16)))){7, 0, 1, 2})
#endif
#else
/* No vector extensions: one lane per "vector", plain C. */
#define VECTOR_BYTES 0
#endif

#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

#define STRINGIFY_(a) #a
#define STRINGIFY(a) STRINGIFY_(a)

#define T double
#define MASK_T long long
#define STEP_T double
#define NAME(base) TSWARP_MANGLE(base##_f64)
#define VECTOR_MIN MIN_F64
#define VECTOR_MAX MAX_F64
#ifdef SELECT_LE_F64
#define VECTOR_SELECT_LE SELECT_LE_F64
#endif
#define WITH_LCSS 1
#define VECTOR_SHIFT SHIFT_F64
#ifdef STORE_BYTES_F64
#define STORE_BYTES STORE_BYTES_F64
#endif
#include "lanes_impl.h"
#include "dtw_diagonal_impl.h"
#undef T
#undef MASK_T
#undef STEP_T
#undef NAME
#undef VECTOR_MIN
#undef VECTOR_MAX
#undef VECTOR_SELECT_LE
#undef WITH_LCSS
#undef VECTOR_SHIFT
#undef STORE_BYTES

#define T float
#define MASK_T int
#define STEP_T int
#define NAME(base) TSWARP_MANGLE(base##_f32)
#define VECTOR_MIN MIN_F32
#define VECTOR_MAX MAX_F32
#ifdef SELECT_LE_F32
#define VECTOR_SELECT_LE SELECT_LE_F32
#endif
#define WITH_LCSS 0
#define VECTOR_SHIFT SHIFT_F32
#ifdef STORE_BYTES_F32
#define STORE_BYTES STORE_BYTES_F32
#endif
#include "lanes_impl.h"
#include "dtw_diagonal_impl.h"
#undef T
#undef MASK_T
#undef STEP_T
#undef NAME
#undef VECTOR_MIN
#undef VECTOR_MAX
#undef VECTOR_SELECT_LE
#undef WITH_LCSS
#undef VECTOR_SHIFT
#undef STORE_BYTES

extern const struct tswarp_soft TSWARP_MANGLE(soft);

const struct tswarp_build TSWARP_MANGLE(build) = {
    STRINGIFY(TSWARP_VARIANT),
    TSWARP_MANGLE(lanes_f64),
    TSWARP_MANGLE(lanes_f32),
    {
        TSWARP_MANGLE(dtw_group_f64),
        TSWARP_MANGLE(frechet_group_f64),
        TSWARP_MANGLE(lcss_group_f64),
    },
    {TSWARP_MANGLE(dtw_group_f32), TSWARP_MANGLE(frechet_group_f32), NULL},
    TSWARP_MANGLE(dtw_diagonal_f64),
    TSWARP_MANGLE(dtw_diagonal_f32),
    TSWARP_MANGLE(dtw_diagonal_path_f64),
    TSWARP_MANGLE(dtw_diagonal_path_f32),
    &TSWARP_MANGLE(soft),
};
