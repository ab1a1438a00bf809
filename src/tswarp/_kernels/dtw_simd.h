/* The SIMD builds of the kernels: DTW of many pairs at once, one pair per SIMD lane, and of
 * one pair along anti-diagonals; the soft-DTW kernels are declared in soft_dtw.h.
 *
 * dtw_simd.c is compiled once per instruction set (see meson.build); each build defines one
 * `struct tswarp_build` that describes it. simd_dispatch.c lists the builds that this
 * binary holds and says which of them the running CPU supports.
 */
#ifndef TSWARP_DTW_SIMD_H
#define TSWARP_DTW_SIMD_H

#include <stddef.h>

#include "soft_dtw.h"

/* The name `base` takes in the build that TSWARP_VARIANT names (tswarp_base_avx2, ...), so
 * that the builds link side by side: the one mangling of every symbol a build defines. */
#define TSWARP_MANGLE(base) TSWARP_MANGLE_(base, TSWARP_VARIANT)
#define TSWARP_MANGLE_(base, variant) TSWARP_MANGLE__(base, variant)
#define TSWARP_MANGLE__(base, variant) tswarp_##base##_##variant

/* DP rows that the row-block loops (_dtw.pyx's scalar one and lanes_impl.h) compute
 * together: independent dependency chains that hide the latency of min -> add, and fewer
 * passes over the stored row. */
enum { TSWARP_ROWS = 4 };

/* Backtracking directions of the path kernels, in tie-break order. */
enum { TSWARP_DIAGONAL = 0, TSWARP_UP = 1, TSWARP_LEFT = 2 };

/* Every kernel below polls *stop between blocks of rows and strips, and returns early, with a
 * meaningless result, once it is non-zero: the flag of _interrupt.h, raised by Ctrl-C. */

/* The recurrences that the lane kernels run (lanes_impl.h), indices into a build's kernels. */
enum { TSWARP_DTW = 0, TSWARP_FRECHET = 1, TSWARP_LCSS = 2, TSWARP_FAMILIES = 3 };

/* For the pairs of a group, one per lane, X[a[l]] (n_l, d) against Y[b[l]] (m_l, d), with
 * n_l = x_lengths[a[l]], m_l = y_lengths[b[l]]: out[l] = sqrt(R[n_l - 1, m_l - 1]) for DTW and
 * Fréchet, L[n_l - 1, m_l - 1] / min(n_l, m_l) for LCSS, whose steps match when their squared
 * distance is at most `threshold` (unused by the others). n and m are the largest lengths,
 * and lo[i] <= j < hi[i] (i < n) is the band of (n, m). Every lane runs over that band: this
 * is exact when each lane's own band is the same within its own grid (i < n_l, j < m_l),
 * whose cells depend on no cell outside it. That holds for equal lengths, for any lengths
 * without a constraint, and for equal m_l - n_l under a Sakoe-Chiba band. Series start every
 * x_stride (y_stride) values; scratch holds tswarp_lanes_scratch(...). */
typedef void (*tswarp_lanes_f64)(const double *X, ptrdiff_t x_stride,
                                 const ptrdiff_t *x_lengths, const ptrdiff_t *a,
                                 const double *Y, ptrdiff_t y_stride,
                                 const ptrdiff_t *y_lengths, const ptrdiff_t *b, ptrdiff_t n,
                                 ptrdiff_t m, ptrdiff_t d, const ptrdiff_t *lo,
                                 const ptrdiff_t *hi, double threshold, double *scratch,
                                 double *out, const volatile int *stop);
typedef void (*tswarp_lanes_f32)(const float *X, ptrdiff_t x_stride,
                                 const ptrdiff_t *x_lengths, const ptrdiff_t *a,
                                 const float *Y, ptrdiff_t y_stride,
                                 const ptrdiff_t *y_lengths, const ptrdiff_t *b, ptrdiff_t n,
                                 ptrdiff_t m, ptrdiff_t d, const ptrdiff_t *lo,
                                 const ptrdiff_t *hi, double threshold, float *scratch,
                                 double *out, const volatile int *stop);

/* R[n - 1, m - 1] of x (n, d) and y (m, d), row-major, within the band lo[i] <= j < hi[i]:
 * one pair, its anti-diagonals computed a vector at a time, in strips of `vectors` (2, 4 or
 * 8) vectors of rows. The value is that of dtw_cost in _dtw.pyx, in T's precision; scratch
 * holds tswarp_diagonal_scratch(m, d, sizeof(T)) values. */
typedef double (*tswarp_diagonal_f64)(const double *x, ptrdiff_t n, const double *y,
                                      ptrdiff_t m, ptrdiff_t d, const ptrdiff_t *lo,
                                      const ptrdiff_t *hi, int vectors, double *scratch,
                                      const volatile int *stop);
typedef float (*tswarp_diagonal_f32)(const float *x, ptrdiff_t n, const float *y, ptrdiff_t m,
                                     ptrdiff_t d, const ptrdiff_t *lo, const ptrdiff_t *hi,
                                     int vectors, float *scratch, const volatile int *stop);

/* The same, also writing the direction of each cell's argmin into `directions` (see
 * tswarp_diagonal_directions), for tswarp_diagonal_backtrack. */
typedef double (*tswarp_diagonal_path_f64)(const double *x, ptrdiff_t n, const double *y,
                                           ptrdiff_t m, ptrdiff_t d, const ptrdiff_t *lo,
                                           const ptrdiff_t *hi, int vectors, double *scratch,
                                           unsigned char *directions, const volatile int *stop);
typedef float (*tswarp_diagonal_path_f32)(const float *x, ptrdiff_t n, const float *y,
                                          ptrdiff_t m, ptrdiff_t d, const ptrdiff_t *lo,
                                          const ptrdiff_t *hi, int vectors, float *scratch,
                                          unsigned char *directions, const volatile int *stop);

/* One build's kernels: one instruction set's DTW kernels and its soft-DTW ones. */
struct tswarp_build {
    const char *name;   /* "baseline", "avx2", "avx512" */
    int lanes_f64;      /* pairs per group */
    int lanes_f32;
    tswarp_lanes_f64 groups_f64[TSWARP_FAMILIES];  /* lane kernels, by family */
    tswarp_lanes_f32 groups_f32[TSWARP_FAMILIES];  /* NULL for LCSS: it compares in double */
    tswarp_diagonal_f64 diagonal_f64;
    tswarp_diagonal_f32 diagonal_f32;
    tswarp_diagonal_path_f64 diagonal_path_f64;
    tswarp_diagonal_path_f32 diagonal_path_f32;
    const struct tswarp_soft *soft; /* the same build's soft-DTW kernels (soft_dtw.h) */
};

/* Scratch values for one group: transposed series, two DP rows, 64 bytes to align them. */
static inline ptrdiff_t tswarp_lanes_scratch(ptrdiff_t lanes, ptrdiff_t n, ptrdiff_t m,
                                             ptrdiff_t d, ptrdiff_t value_size)
{
    return lanes * (d * (n + m) + 2 * (m + 1)) + 64 / value_size;
}

/* The tallest strip of rows of any build: 8 vectors of 16 floats. */
#define TSWARP_DIAGONAL_MAX_ROWS 128

/* Scratch values for dtw_diagonal: the strip's rows, y reversed with a strip's height of
 * padding on either side, the row above the strip, 64 bytes to align them. */
static inline ptrdiff_t tswarp_diagonal_scratch(ptrdiff_t m, ptrdiff_t d, ptrdiff_t value_size)
{
    const ptrdiff_t rows = TSWARP_DIAGONAL_MAX_ROWS;
    return d * (rows + m + 2 * rows) + m + 2 * rows + 64 / value_size;
}

/* Steps first..stop-1 of the strip of `rows` rows from row i0: from its first row's first
 * in-band column to its last row's last, row i0 + g at step t being on column t - g. */
static inline void tswarp_diagonal_strip(ptrdiff_t i0, ptrdiff_t rows, const ptrdiff_t *lo,
                                         const ptrdiff_t *hi, ptrdiff_t *first, ptrdiff_t *stop)
{
    *first = lo[i0];
    *stop = hi[i0 + rows - 1] + rows - 1;
}


/* Bytes of the directions of a path kernel whose strips are `height` rows high: strip after
 * strip, `height` bytes per step, byte g of step t for the cell (i0 + g, t - g). Skewed as
 * the strip computes them, so that a vector's directions are one store; about a byte per
 * in-band cell, plus a strip's height per row. */
static inline ptrdiff_t tswarp_diagonal_directions(ptrdiff_t n, const ptrdiff_t *lo,
                                                   const ptrdiff_t *hi, ptrdiff_t height)
{
    ptrdiff_t total = 0, first, stop;
    for (ptrdiff_t i0 = 0; i0 < n; i0 += height) {
        tswarp_diagonal_strip(i0, n - i0 < height ? n - i0 : height, lo, hi, &first, &stop);
        total += (stop - first) * height;
    }
    return total;
}

/* The optimal path that the directions give, from (n - 1, m - 1) back to (0, 0), written
 * into steps (2 values per cell, n + m - 1 cells at most); returns its length. As in
 * _dtw.dtw_path: row 0 goes left, column 0 up, and a cell that no step computed (outside
 * the band, reached only when the costs overflowed to inf) reads DIAGONAL. */
static inline ptrdiff_t tswarp_diagonal_backtrack(ptrdiff_t n, ptrdiff_t m, const ptrdiff_t *lo,
                                                  const ptrdiff_t *hi, ptrdiff_t height,
                                                  const unsigned char *directions,
                                                  ptrdiff_t *steps)
{
    ptrdiff_t i = n - 1, j = m - 1, k = 0, i0 = (n - 1) / height * height, first, stop, t;
    /* The last strip's bytes follow those of the full strips above it. */
    const unsigned char *strip = directions + tswarp_diagonal_directions(i0, lo, hi, height);
    int step;
    tswarp_diagonal_strip(i0, n - i0, lo, hi, &first, &stop);
    for (;;) {
        steps[2 * k] = i;
        steps[2 * k + 1] = j;
        k++;
        if (i == 0 && j == 0)
            return k;
        t = j + (i - i0);
        if (i == 0 || j == 0)
            step = i == 0 ? TSWARP_LEFT : TSWARP_UP;
        else if (t >= first && t < stop)
            step = strip[(t - first) * height + (i - i0)];
        else
            step = TSWARP_DIAGONAL;
        if (step != TSWARP_LEFT)
            i--;
        if (step != TSWARP_UP)
            j--;
        if (i < i0) {
            i0 -= height;
            tswarp_diagonal_strip(i0, height, lo, hi, &first, &stop);
            strip -= (stop - first) * height;
        }
    }
}

/* The builds in this binary, from the most portable to the fastest. */
int tswarp_build_count(void);
const struct tswarp_build *tswarp_build_get(int index);
/* Whether the running CPU (and OS) can execute build `index`. */
int tswarp_build_supported(int index);

#endif
