/* The arithmetic ceiling of one core: DTW and soft-DTW cells per second when nothing but a
 * cell's arithmetic runs (no memory traffic, independent chains on the widest vectors).
 *
 *   cc -O3 -march=native -ffp-contract=off -Isrc/tswarp/_kernels -o ceiling \
 *       benchmarks/ceiling.c -lm
 *   ./ceiling
 *
 * Prints two numbers, the float64 DTW and soft-DTW cells per second, for benchmarks/report.py's
 * --ceiling and --soft-ceiling. The soft-DTW cell uses the kernels' own vector exp and log
 * (_fastmath.h), as the kernels do.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define TW_INLINE static inline __attribute__((always_inline))
#if defined(__AVX512F__)
#define TW_W 8
#elif defined(__AVX2__)
#define TW_W 4
#else
#define TW_W 2
#endif
#if defined(__FMA__) && TW_W >= 4
#define TW_FUSED 1
#else
#define TW_FUSED 0
#endif
#include "_fastmath.h"

#define CHAINS 8 /* independent chains, enough to hide the latency of each operation */

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static double sink; /* keeps the results alive so the compiler cannot drop the loops */

/* The DTW kernels take the minimum with the min instruction (lanes_impl.h's VECTOR_MIN), one
 * operation; _fastmath.h's v_min is a compare and a blend, which NaN-aware soft-DTW needs. */
TW_INLINE V dtw_min(V a, V b) {
#if defined(__x86_64__) && TW_W == 8
    return (V)_mm512_min_pd((__m512d)a, (__m512d)b);
#elif defined(__x86_64__) && TW_W == 4
    return (V)_mm256_min_pd((__m256d)a, (__m256d)b);
#elif defined(__x86_64__)
    return (V)_mm_min_pd((__m128d)a, (__m128d)b);
#else
    return v_min(a, b);
#endif
}

/* One DTW cell as the kernels compute it: (x - y)^2 + min(min(diagonal, up), left), with x and
 * y loaded (the load ports are not the limit). The costs are positive, so the values only grow,
 * by at most 4 a cell: they stay finite over any number of rounds here. */
static double dtw_cells_per_second(long rounds) {
    V diagonal[CHAINS], up[CHAINS], left[CHAINS], xs[16], ys[CHAINS];
    for (int k = 0; k < 16; k++) xs[k] = v_splat(0.05 * k);
    for (int c = 0; c < CHAINS; c++) {
        diagonal[c] = v_splat(0.5 + c);
        up[c] = v_splat(1.0 + c);
        left[c] = v_splat(2.0 + c);
        ys[c] = v_splat(0.3 + 0.01 * c);
    }
    double start = seconds();
    for (long r = 0; r < rounds; r++) {
        V x = xs[r & 15];
        for (int c = 0; c < CHAINS; c++) {
            V d = x - ys[c];
            V cell = d * d + dtw_min(dtw_min(diagonal[c], up[c]), left[c]);
            diagonal[c] = up[c];
            up[c] = left[c];
            left[c] = cell;
        }
    }
    double elapsed = seconds() - start;
    for (int c = 0; c < CHAINS; c++) sink += TW_LANE(left[c], 0);
    return (double)rounds * CHAINS * TW_W / elapsed;
}

/* One soft-DTW cell: cost + m - gamma * log(1 + exp((m - a) / gamma) + exp((m - b) / gamma))
 * with m the smallest of the three predecessors, and the weights the backward pass keeps. */
static double soft_cells_per_second(long rounds) {
    V a[CHAINS], b[CHAINS], w[CHAINS], gamma = v_splat(0.7), cost = v_splat(0.01);
    for (int c = 0; c < CHAINS; c++) {
        a[c] = v_splat(1.0 + 0.1 * c);
        b[c] = v_splat(1.2 + 0.1 * c);
        w[c] = v_splat(0.0);
    }
    double start = seconds();
    for (long r = 0; r < rounds; r++) {
        for (int c = 0; c < CHAINS; c++) {
            V m = v_min(a[c], b[c]);
            V ea = tswarp_soft_exp((m - a[c]) / gamma);
            V eb = tswarp_soft_exp((m - b[c]) / gamma);
            V s = v_splat(1.0) + ea + eb;
            V cell = cost + m - gamma * tswarp_soft_log(s);
            w[c] += ea / s;
            a[c] = b[c];
            b[c] = cell;
        }
    }
    double elapsed = seconds() - start;
    for (int c = 0; c < CHAINS; c++) sink += TW_LANE(b[c], 0) + TW_LANE(w[c], 0);
    return (double)rounds * CHAINS * TW_W / elapsed;
}

int main(void) {
    double best = 0.0, soft_best = 0.0;
    for (int repeat = 0; repeat < 5; repeat++) { /* the best of five: least disturbed */
        double cells = dtw_cells_per_second(20000000L);
        double soft = soft_cells_per_second(2000000L);
        best = cells > best ? cells : best;
        soft_best = soft > soft_best ? soft : soft_best;
    }
    printf("float64 DTW cells/s per core:      %.3g\n", best);
    printf("float64 soft-DTW cells/s per core: %.3g\n", soft_best);
    return sink == 42.0; /* never true; reading sink keeps the work */
}
