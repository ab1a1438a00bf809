/* The soft-DTW kernels' helpers that do not depend on the lane width: buffers, costs, and
 * the backward's output. Included by soft_simd.c before the lane template _soft_lanes.h.
 */
#ifndef TSWARP_SOFT_SIMD_H
#define TSWARP_SOFT_SIMD_H

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "soft_dtw.h"

/* The skewed strip buffer, [step][row in strip], 64-byte aligned for whole-vector loads. */
static inline double* tswarp_soft_skew_buffer(double* scratch, ptrdiff_t m) {
    uintptr_t at = (uintptr_t)(scratch + m + TW_STRIP + 1);
    return (double*)((at + 63) & ~(uintptr_t)63);
}
static inline double* tswarp_soft_below_buffer(double* scratch, ptrdiff_t m) {
    return tswarp_soft_skew_buffer(scratch, m) + (m + TW_STRIP) * TW_STRIP;
}
/* y by feature, [k][j], in float64: the forward's costs then vectorise along the columns. */
static inline double* tswarp_soft_columns_buffer(double* scratch, ptrdiff_t m) {
    return tswarp_soft_below_buffer(scratch, m) + 4 * (m + 2 * TW_STRIP + 2);
}

/* The series pair's y into columns, or nothing for a pair of costs. */
static void tswarp_soft_fill_columns(const tswarp_soft_pair* p, double* columns) {
    const ptrdiff_t m = p->m, d = p->d;
    ptrdiff_t j, k;
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
static void tswarp_soft_fill_costs(
    const tswarp_soft_pair* p, const double* columns, ptrdiff_t i0, ptrdiff_t rows,
    ptrdiff_t first, ptrdiff_t end, double* chunk
) {
    const ptrdiff_t L = TW_STRIP, d = p->d;
    ptrdiff_t k, r, t, start, stop;
    for (k = 0; k < (end - first) * L; k++)
        chunk[k] = INFINITY;
    for (r = 0; r < rows; r++) {
        const ptrdiff_t i = i0 + r;
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
            const ptrdiff_t j0 = start - r, count = stop - start;
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

static inline double tswarp_soft_series_at(const void* series, int single, ptrdiff_t k) {
    return single ? (double)((const float*)series)[k] : ((const double*)series)[k];
}

/* The rows i0 .. i0 + rows - 1 of E, in the skewed order of a strip (e_skew[(j + r) * TW_STRIP
 * + r] is E[i0 + r, j]), into the sink: copied with exact zeros off the band, or folded into
 * the gradients, dC[i, j] / dx_i = 2 (x_i - y_j) = -dC[i, j] / dy_j, from direct differences
 * in float64 (no cancellation when the series share a large offset). */
static void tswarp_soft_strip_out(
    const tswarp_soft_pair* p, const double* e_skew, ptrdiff_t i0, ptrdiff_t rows,
    const tswarp_soft_sink* sink
) {
    const ptrdiff_t L = TW_STRIP, d = p->d;
    ptrdiff_t r, j, k;
    for (r = 0; r < rows; r++) {
        const ptrdiff_t i = i0 + r, lo = p->lo[i], hi = p->hi[i];
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
                const double diff = tswarp_soft_series_at(p->x, p->single, i * d + k)
                                  - tswarp_soft_series_at(p->y, p->single, j * d + k);
                if (sink->grad_x != NULL)
                    sink->grad_x[i * d + k] += twice_e * diff;
                if (sink->grad_y != NULL)
                    sink->grad_y[j * d + k] -= twice_e * diff;
            }
        }
    }
}

/* Before the backward: zero the alignment's rows past n (the strips write the others). */
static void tswarp_soft_sink_begin(const tswarp_soft_pair* p, const tswarp_soft_sink* sink) {
    ptrdiff_t k;
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
#if TW_VECTORS && (defined(__AVX2__) || defined(__AVX512F__))
#include <immintrin.h>
#endif

#endif
