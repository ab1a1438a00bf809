/* Soft-DTW kernels: the types and sizes their callers share, and one build's function table.
 *
 * soft_simd.c is compiled once per instruction set with dtw_simd.c (see meson.build); each
 * build's `struct tswarp_soft`, reached from its `struct tswarp_build` (dtw_simd.h), holds
 * its kernels and the lane width they run on.
 */
#ifndef TSWARP_SOFT_DTW_H
#define TSWARP_SOFT_DTW_H

#include <stddef.h>

#define TW_STRIP 16 /* rows per strip: enough independent cells to hide a step's latency */
#define TW_CHUNK 64 /* steps whose costs are laid out at a time */

/* One pair: lengths, band (row i admits columns lo[i] <= j < hi[i]) and either a cost
 * matrix (costs != NULL, rows `stride` apart) or two series x (n, d) and y (m, d), row-major,
 * float32 when `single` is set, whose squared distances are summed in float64. The kernels
 * poll *stop every chunk of steps and return early, with meaningless results, once it is
 * non-zero (the flag of _interrupt.h).
 * gak_scale > 0 turns the forward into the global alignment kernel's: each cost s (a
 * squared distance) becomes u + log(2 - exp(-u)), u = s * gak_scale, minus the log of GAK's
 * local kernel, and at gamma = 1 the value is -log of the kernel. 0 for soft-DTW; the
 * backward ignores it. */
typedef struct {
    ptrdiff_t n, m;
    const ptrdiff_t* lo;
    const ptrdiff_t* hi;
    double gamma;
    const double* costs;
    ptrdiff_t stride;
    const void* x;
    const void* y;
    ptrdiff_t d;
    int single;
    double gak_scale;
    const volatile int* stop;
} tswarp_soft_pair;

/* Where the backward puts what it computes: E itself into the (rows, cols) row-major block
 * `alignment`, or, when that is NULL, the gradient of the value with respect to the pair's
 * series (squared Euclidean costs: the pair must hold x and y), added into grad_x (n, d) and
 * grad_y (m, d), either of which may be NULL. */
typedef struct {
    double* alignment;
    ptrdiff_t rows, cols;
    double* grad_x;
    double* grad_y;
} tswarp_soft_sink;

/* What the forward keeps for the backward, at most one of the three (all NULL: nothing):
 * the soft-min weights of every cell in float64 or in float32 (tswarp_soft_weights_size
 * values), or R alone (tswarp_soft_table_size), from which the backward recomputes the
 * weights. */
typedef struct {
    double* weights;
    float* weights32;
    double* table;
} tswarp_soft_state;

/* Scratch, in doubles, for one forward or backward call on series y of shape (m, d) (d = 0
 * for a pair of costs). */
static inline ptrdiff_t tswarp_soft_scratch_size(ptrdiff_t m, ptrdiff_t d) {
    return (m + TW_STRIP + 1) + 8 + (m + TW_STRIP) * TW_STRIP + 4 * (m + 2 * TW_STRIP + 2)
         + m * d;
}
/* Sizes of a tswarp_soft_state's arrays, in values: the soft-min weights of every cell,
 * [strip][step][diag, up, left][row in strip] (tswarp_soft_weights_size, 24 or 12 bytes a
 * cell), or only R, [strip][step][row in strip] (tswarp_soft_table_size, 8 bytes a cell),
 * from which the backward recomputes the same weights at the price of two exponentials a
 * cell. */
static inline ptrdiff_t tswarp_soft_table_size(ptrdiff_t n, ptrdiff_t m) {
    return (n + TW_STRIP - 1) / TW_STRIP * (m + TW_STRIP - 1) * TW_STRIP;
}
static inline ptrdiff_t tswarp_soft_weights_size(ptrdiff_t n, ptrdiff_t m) {
    return 3 * tswarp_soft_table_size(n, m);
}
/* Scratch, in doubles, for gak_linear, or for the forward it falls back to: the larger of
 * the forward's and the linear kernel's (the row above, 64 bytes to align, y reversed with a
 * strip's height of padding on either side, a strip's rows of x). */
static inline ptrdiff_t tswarp_gak_scratch_size(ptrdiff_t m, ptrdiff_t d) {
    const ptrdiff_t linear = (m + TW_STRIP + 1) + 8 + d * (m + 2 * TW_STRIP) + d * TW_STRIP;
    const ptrdiff_t soft = tswarp_soft_scratch_size(m, d);
    return linear > soft ? linear : soft;
}

/* One build's soft-DTW kernels, on `lanes` float64 lanes.
 *
 * forward: the soft-DTW value R[n-1, m-1] (+inf when no path has a finite cost), gamma > 0.
 * scratch: tswarp_soft_scratch_size(m, d) doubles. For backward, keeps what `keep` asks for (NULL:
 * nothing); the weights of the end cell are zeros when its value is infinite.
 *
 * backward: E = dR[n-1, m-1] / dC from what the forward kept (weights, or else R), into the
 * sink: the alignment block with every cell written, exact zeros off the band and past
 * (n, m); or the series' gradients. Reads p's lengths, band and gamma. E flows back from the
 * end: E[i, j] = E[i+1, j] W_up[i+1, j] + E[i, j+1] W_left[i, j+1]
 * + E[i+1, j+1] W_diag[i+1, j+1], three multiply-adds a cell, swept in the same strips.
 *
 * math_array: the kernels' exp (which = 0) or log (which = 1) of x[:count], for tests.
 *
 * gak_linear: log of the global alignment kernel of the pair (x and y, gak_scale > 0, the
 * band ignored), computed in linear space (_gak_linear.h), or NaN where that could lose
 * accuracy (subnormals, overflow, a local kernel near 0) or the stop flag was raised: the
 * caller then runs forward, which gives -log K at gamma = 1. scratch:
 * tswarp_gak_scratch_size(m, d) doubles. */
struct tswarp_soft {
    int lanes;
    double (*forward)(const tswarp_soft_pair *p, double *scratch, const tswarp_soft_state *keep);
    void (*backward)(const tswarp_soft_pair *p, const tswarp_soft_state *kept, double *scratch,
                     const tswarp_soft_sink *sink);
    void (*math_array)(const double *x, double *out, ptrdiff_t count, int which);
    double (*gak_linear)(const tswarp_soft_pair *p, double *scratch);
};

#endif
