/* Soft-DTW kernels in C, built for several lane widths and chosen at run time.
 *
 * The dynamic program is swept in strips of TW_STRIP rows (see _soft_lanes.h) with the soft
 * minimum on vectors of TW_W lanes (_fastmath.h). Widths: 1 (plain C, any compiler), 2
 * (GNU vector extensions: SSE2 on x86-64, NEON on arm64), and on x86-64 4 (AVX2) and 8
 * (AVX-512F), compiled through target attributes and picked by CPUID, so that a portable
 * build still runs the widest one the machine has. The widths differ by ulps of exp and log
 * at most (see _fastmath.h).
 */
#ifndef TSWARP_SOFT_SIMD_H
#define TSWARP_SOFT_SIMD_H

#include <Python.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define TW_STRIP 16 /* rows per strip: enough independent cells to hide a step's latency */
#define TW_CHUNK 64 /* steps whose costs are laid out at a time */

/* One pair: lengths, band (row i admits columns lo[i] <= j < hi[i]) and either a cost
 * matrix (costs != NULL, rows `stride` apart) or two series x (n, d) and y (m, d), row-major,
 * float32 when `single` is set, whose squared distances are summed in float64. The kernels
 * poll *stop every chunk of steps and return early, with meaningless results, once it is
 * non-zero (the flag of _interrupt.h). */
typedef struct {
    Py_ssize_t n, m;
    const Py_ssize_t* lo;
    const Py_ssize_t* hi;
    double gamma;
    const double* costs;
    Py_ssize_t stride;
    const void* x;
    const void* y;
    Py_ssize_t d;
    int single;
    const volatile int* stop;
} tw_pair;

/* Where the backward puts what it computes: E itself into the (rows, cols) row-major block
 * `alignment`, or, when that is NULL, the gradient of the value with respect to the pair's
 * series (squared Euclidean costs: the pair must hold x and y), added into grad_x (n, d) and
 * grad_y (m, d), either of which may be NULL. */
typedef struct {
    double* alignment;
    Py_ssize_t rows, cols;
    double* grad_x;
    double* grad_y;
} tw_sink;

/* What the forward keeps for the backward, at most one of the three (all NULL: nothing):
 * the soft-min weights of every cell in float64 or in float32 (tw_weights_size values), or R
 * alone (tw_table_size), from which the backward recomputes the weights. */
typedef struct {
    double* weights;
    float* weights32;
    double* table;
} tw_state;

/* Scratch, in doubles, for one forward or backward call on series y of shape (m, d) (d = 0
 * for a pair of costs). */
static inline Py_ssize_t tw_scratch_size(Py_ssize_t m, Py_ssize_t d) {
    return (m + TW_STRIP + 1) + 8 + (m + TW_STRIP) * TW_STRIP + 4 * (m + 2 * TW_STRIP + 2)
         + m * d;
}
/* Sizes of a tw_state's arrays, in values: the soft-min weights of every cell,
 * [strip][step][diag, up, left][row in strip] (tw_weights_size, 24 or 12 bytes a cell), or
 * only R, [strip][step][row in strip] (tw_table_size, 8 bytes a cell), from which the
 * backward recomputes the same weights at the price of two exponentials a cell. */
static inline Py_ssize_t tw_table_size(Py_ssize_t n, Py_ssize_t m) {
    return (n + TW_STRIP - 1) / TW_STRIP * (m + TW_STRIP - 1) * TW_STRIP;
}
static inline Py_ssize_t tw_weights_size(Py_ssize_t n, Py_ssize_t m) {
    return 3 * tw_table_size(n, m);
}
/* The skewed strip buffer, [step][row in strip], 64-byte aligned for whole-vector loads. */
static inline double* tw_skew_buffer(double* scratch, Py_ssize_t m) {
    uintptr_t at = (uintptr_t)(scratch + m + TW_STRIP + 1);
    return (double*)((at + 63) & ~(uintptr_t)63);
}
static inline double* tw_below_buffer(double* scratch, Py_ssize_t m) {
    return tw_skew_buffer(scratch, m) + (m + TW_STRIP) * TW_STRIP;
}
/* y by feature, [k][j], in float64: the forward's costs then vectorise along the columns. */
static inline double* tw_columns_buffer(double* scratch, Py_ssize_t m) {
    return tw_below_buffer(scratch, m) + 4 * (m + 2 * TW_STRIP + 2);
}

/* The series pair's y into columns, or nothing for a pair of costs. */
static void tw_fill_columns(const tw_pair* p, double* columns) {
    const Py_ssize_t m = p->m, d = p->d;
    Py_ssize_t j, k;
    if (p->costs != NULL)
        return;
    for (j = 0; j < m; j++)
        for (k = 0; k < d; k++)
            columns[k * m + j] = p->single ? (double)((const float*)p->y)[j * d + k]
                                           : ((const double*)p->y)[j * d + k];
}

#if defined(__GNUC__) || defined(__clang__)
#define TW_PREFETCH(address) __builtin_prefetch(address)
#else
#define TW_PREFETCH(address) ((void)0)
#endif

/* Costs of the strip's rows i0 .. i0 + rows - 1 for the steps first <= t < end, in skewed
 * order: chunk[(t - first) * TW_STRIP + r] is the cost of cell (i0 + r, t - r), +inf off the
 * band and past the rows. A chunk of TW_CHUNK steps stays in L1 until the sweep reads it. */
static void tw_fill_costs(
    const tw_pair* p, const double* columns, Py_ssize_t i0, Py_ssize_t rows, Py_ssize_t first,
    Py_ssize_t end, double* chunk
) {
    const Py_ssize_t L = TW_STRIP, d = p->d;
    Py_ssize_t k, r, t, start, stop;
    for (k = 0; k < (end - first) * L; k++)
        chunk[k] = INFINITY;
    for (r = 0; r < rows; r++) {
        const Py_ssize_t i = i0 + r;
        double* cell = chunk + r; /* cell[(t - first) * L] */
        start = p->lo[i] + r > first ? p->lo[i] + r : first; /* the band, in steps */
        stop = p->hi[i] + r < end ? p->hi[i] + r : end;
        if (p->costs != NULL) {
            const double* row = p->costs + i * p->stride - r;
            for (t = start; t < stop; t++)
                cell[(t - first) * L] = row[t];
            /* 16 rows read in short pieces defeat the hardware prefetcher: fetch the next. */
            for (t = stop; t < stop + TW_CHUNK && t < p->hi[i] + r; t += 8)
                TW_PREFETCH(row + t);
        } else if (stop > start) {
            /* Feature by feature over a run of columns, each sum in ascending k from 0 (the
             * order of the cost kernels in _dtw.pyx), in loops that vectorise. */
            const Py_ssize_t j0 = start - r, count = stop - start;
            double sums[TW_CHUNK];
            for (t = 0; t < count; t++)
                sums[t] = 0.0;
            for (k = 0; k < d; k++) {
                const double xk = p->single ? (double)((const float*)p->x)[i * d + k]
                                            : ((const double*)p->x)[i * d + k];
                const double* yk = columns + k * p->m + j0;
                for (t = 0; t < count; t++) {
                    const double diff = xk - yk[t];
                    sums[t] = sums[t] + diff * diff;
                }
            }
            for (t = 0; t < count; t++)
                cell[(start + t - first) * L] = sums[t];
        }
    }
}

static inline double tw_series_at(const void* series, int single, Py_ssize_t k) {
    return single ? (double)((const float*)series)[k] : ((const double*)series)[k];
}

/* The rows i0 .. i0 + rows - 1 of E, in the skewed order of a strip (e_skew[(j + r) * TW_STRIP
 * + r] is E[i0 + r, j]), into the sink: copied with exact zeros off the band, or folded into
 * the gradients, dC[i, j] / dx_i = 2 (x_i - y_j) = -dC[i, j] / dy_j, from direct differences
 * in float64 (no cancellation when the series share a large offset). */
static void tw_strip_out(
    const tw_pair* p, const double* e_skew, Py_ssize_t i0, Py_ssize_t rows, const tw_sink* sink
) {
    const Py_ssize_t L = TW_STRIP, d = p->d;
    Py_ssize_t r, j, k;
    for (r = 0; r < rows; r++) {
        const Py_ssize_t i = i0 + r, lo = p->lo[i], hi = p->hi[i];
        if (sink->alignment != NULL) {
            double* row = sink->alignment + i * sink->cols;
            for (j = 0; j < lo; j++)
                row[j] = 0.0;
            for (j = lo; j < hi; j++)
                row[j] = e_skew[(j + r) * L + r];
            for (j = hi; j < sink->cols; j++)
                row[j] = 0.0;
            continue;
        }
        for (j = lo; j < hi; j++) {
            const double twice_e = 2.0 * e_skew[(j + r) * L + r];
            for (k = 0; k < d; k++) {
                const double diff = tw_series_at(p->x, p->single, i * d + k)
                                  - tw_series_at(p->y, p->single, j * d + k);
                if (sink->grad_x != NULL)
                    sink->grad_x[i * d + k] += twice_e * diff;
                if (sink->grad_y != NULL)
                    sink->grad_y[j * d + k] -= twice_e * diff;
            }
        }
    }
}

/* Before the backward: zero the alignment's rows past n (the strips write the others). */
static void tw_sink_begin(const tw_pair* p, const tw_sink* sink) {
    Py_ssize_t k;
    if (sink->alignment != NULL)
        for (k = p->n * sink->cols; k < sink->rows * sink->cols; k++)
            sink->alignment[k] = 0.0;
}

#ifndef TW_VECTORS /* GNU vector extensions; -DTW_VECTORS=0 builds the plain C path alone */
#if defined(__GNUC__) || defined(__clang__)
#define TW_VECTORS 1
#else
#define TW_VECTORS 0
#endif
#endif
#if TW_VECTORS
#define TW_INLINE static inline __attribute__((always_inline))
#else
#define TW_INLINE static inline
#endif
#if TW_VECTORS && defined(__x86_64__)
#define TW_X86 1
#include <immintrin.h>
#else
#define TW_X86 0
#endif

#define TW_W 1
#define TW_FN(name) name##_w1
#define TW_TARGET
#define TW_FUSED 0
#include "_soft_lanes.h"
#undef TW_W
#undef TW_FN
#undef TW_TARGET
#undef TW_FUSED

#if TW_VECTORS
#define TW_W 2
#define TW_FN(name) name##_w2
#define TW_TARGET
#define TW_FUSED 0
#include "_soft_lanes.h"
#undef TW_W
#undef TW_FN
#undef TW_TARGET
#undef TW_FUSED
#endif

#if TW_X86
#define TW_W 4
#define TW_FN(name) name##_w4
#define TW_TARGET __attribute__((target("avx2,fma")))
#define TW_FUSED 1
#include "_soft_lanes.h"
#undef TW_W
#undef TW_FN
#undef TW_TARGET
#undef TW_FUSED

#define TW_W 8
#define TW_FN(name) name##_w8
#define TW_TARGET __attribute__((target("avx512f")))
#define TW_FUSED 1
#include "_soft_lanes.h"
#undef TW_W
#undef TW_FN
#undef TW_TARGET
#undef TW_FUSED
#endif

/* The widest width this build and CPU support. */
static int tw_widest_lanes(void) {
#if TW_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f"))
        return 8;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return 4;
#endif
#if TW_VECTORS
    return 2;
#else
    return 1;
#endif
}

/* Soft-DTW value R[n-1, m-1] (+inf when no path has a finite cost), gamma > 0, on `lanes`
 * lanes (1, 2, 4 or 8, at most tw_widest_lanes()). scratch: tw_scratch_size(m, d) doubles.
 * For tw_soft_backward, keeps what `keep` asks for (NULL: nothing); the weights of the end
 * cell are zeros when its value is infinite. */
static double tw_soft_forward(
    const tw_pair* p, double* scratch, const tw_state* keep, int lanes
) {
    const tw_state nothing = {NULL, NULL, NULL};
    if (keep == NULL)
        keep = &nothing;
    switch (lanes) {
#if TW_X86
    case 8: return forward_w8(p, scratch, keep);
    case 4: return forward_w4(p, scratch, keep);
#endif
#if TW_VECTORS
    case 2: return forward_w2(p, scratch, keep);
#endif
    default: return forward_w1(p, scratch, keep);
    }
}

/* E = dR[n-1, m-1] / dC from what the forward kept (weights, or else R), into the sink:
 * the alignment block with every cell written, exact zeros off the band and past (n, m); or
 * the series' gradients. Reads p's lengths, band and gamma. scratch: tw_scratch_size(m, d)
 * doubles; `lanes` as for the forward.
 *
 * E flows back from the end: E[i, j] = E[i+1, j] W_up[i+1, j] + E[i, j+1] W_left[i, j+1]
 * + E[i+1, j+1] W_diag[i+1, j+1], three multiply-adds a cell, swept in the same strips. */
static void tw_soft_backward(
    const tw_pair* p, const tw_state* kept, double* scratch, const tw_sink* sink, int lanes
) {
    switch (lanes) {
#if TW_X86
    case 8: backward_w8(p, kept, scratch, sink); return;
    case 4: backward_w4(p, kept, scratch, sink); return;
#endif
#if TW_VECTORS
    case 2: backward_w2(p, kept, scratch, sink); return;
#endif
    default: backward_w1(p, kept, scratch, sink); return;
    }
}

/* The kernels' exp (which = 0) or log (which = 1) of x[:count] on `lanes` lanes, for tests
 * against libm. */
static void tw_math_array(const double* x, double* out, Py_ssize_t count, int which, int lanes) {
    switch (lanes) {
#if TW_X86
    case 8: math_array_w8(x, out, count, which); return;
    case 4: math_array_w4(x, out, count, which); return;
#endif
#if TW_VECTORS
    case 2: math_array_w2(x, out, count, which); return;
#endif
    default: math_array_w1(x, out, count, which); return;
    }
}

#endif
