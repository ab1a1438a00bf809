/* One build of the lane kernels, for the instruction set the compiler flags enable.
 *
 * meson compiles this file several times (baseline, -mavx2, -mavx512f ...) with
 * -DTSWARP_VARIANT=<name>; the names of what it defines carry that suffix, so the builds link
 * side by side and the dispatcher picks one at run time. The kernel itself is written once, in
 * dtw_lanes_impl.h, included below for double and for float.
 *
 * Results must equal the scalar Cython kernel bit for bit: the same operations in the same
 * order, in the same precision, and no contraction of a*b+c into an FMA (meson passes
 * -ffp-contract=off). Only min is done with an instruction-set intrinsic: GCC's vector
 * extensions have no min, and `a < b ? a : b` on vectors is C++ only.
 */
#include <math.h>
#include <stdint.h>

#include "dtw_lanes.h"

#ifndef TSWARP_VARIANT
#error "compile with -DTSWARP_VARIANT=<name>"
#endif

#if defined(__GNUC__) && (defined(__AVX512F__) || defined(__AVX2__) || defined(__SSE2__))
#include <immintrin.h>
#if defined(__AVX512F__)
#define VECTOR_BYTES 64
#define MIN_F64 _mm512_min_pd
#define MIN_F32 _mm512_min_ps
#elif defined(__AVX2__)
#define VECTOR_BYTES 32
#define MIN_F64 _mm256_min_pd
#define MIN_F32 _mm256_min_ps
#else
#define VECTOR_BYTES 16
#define MIN_F64 _mm_min_pd
#define MIN_F32 _mm_min_ps
#endif
#elif defined(__GNUC__)
/* Other targets (aarch64 NEON, ...): a compare and a bitwise select, with GCC or Clang. */
#define VECTOR_BYTES 16
#define GENERIC_MIN 1
#else
/* No vector extensions: one lane per "vector", plain C. */
#define VECTOR_BYTES 0
#endif

#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

/* DP rows computed together: independent dependency chains that hide the latency of
 * min -> add, and fewer passes over the stored row. */
#ifndef ROWS
#define ROWS 4
#endif

#define JOIN3_(a, b, c) a##_##b##_##c
#define JOIN3(a, b, c) JOIN3_(a, b, c)
#define JOIN2_(a, b) a##_##b
#define JOIN2(a, b) JOIN2_(a, b)
#define STRINGIFY_(a) #a
#define STRINGIFY(a) STRINGIFY_(a)

#define T double
#define MASK_T long long
#define NAME(base) JOIN3(base, f64, TSWARP_VARIANT)
#define VECTOR_MIN MIN_F64
#include "dtw_lanes_impl.h"
#undef T
#undef MASK_T
#undef NAME
#undef VECTOR_MIN

#define T float
#define MASK_T int
#define NAME(base) JOIN3(base, f32, TSWARP_VARIANT)
#define VECTOR_MIN MIN_F32
#include "dtw_lanes_impl.h"
#undef T
#undef MASK_T
#undef NAME
#undef VECTOR_MIN

const struct tswarp_lanes JOIN2(tswarp_lanes, TSWARP_VARIANT) = {
    STRINGIFY(TSWARP_VARIANT),
    JOIN3(lanes, f64, TSWARP_VARIANT),
    JOIN3(lanes, f32, TSWARP_VARIANT),
    JOIN3(dtw_group, f64, TSWARP_VARIANT),
    JOIN3(dtw_group, f32, TSWARP_VARIANT),
};
