/* One build of the soft-DTW kernels, for the instruction set the compiler flags enable.
 *
 * meson compiles this file with dtw_simd.c into each build's static library, with the same
 * flags and -DTSWARP_VARIANT=<name>; it defines that build's `struct tswarp_soft`
 * (soft_dtw.h). The lane width follows the build: 8 with AVX-512F, 4 with AVX2 and FMA, 2 on
 * the platform's plain vectors (SSE2 on x86-64, NEON on arm64), 1 (plain C) without GNU
 * vector extensions. The widths differ by ulps of exp and log at most (see _fastmath.h).
 */
#include "_soft_simd.h"
#include "dtw_simd.h"

#ifndef TSWARP_VARIANT
#error "compile with -DTSWARP_VARIANT=<name>"
#endif

#if TW_VECTORS && defined(__AVX512F__)
#define TW_W 8
#define TW_FUSED 1
#elif TW_VECTORS && defined(__AVX2__) && defined(__FMA__)
#define TW_W 4
#define TW_FUSED 1
#elif TW_VECTORS
#define TW_W 2
#define TW_FUSED 0
#else
#define TW_W 1
#define TW_FUSED 0
#endif
#include "_soft_lanes.h"
#include "_gak_linear.h"

static double soft_forward(const tswarp_soft_pair *p, double *scratch,
                           const tswarp_soft_state *keep)
{
    const tswarp_soft_state nothing = {NULL, NULL, NULL};
    return forward(p, scratch, keep != NULL ? keep : &nothing);
}

const struct tswarp_soft TSWARP_MANGLE(soft) = {
    TW_W, soft_forward, backward, math_array, gak_linear,
};
