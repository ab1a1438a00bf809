/* DTW of many pairs at once, one pair per SIMD lane.
 *
 * dtw_lanes.c is compiled once per instruction set (see meson.build); each build defines one
 * `struct tswarp_lanes` that describes it. dtw_lanes_dispatch.c lists the builds that this
 * binary holds and says which of them the running CPU supports.
 */
#ifndef TSWARP_DTW_LANES_H
#define TSWARP_DTW_LANES_H

#include <stddef.h>

/* out[l] = sqrt(R[n_l - 1, m_l - 1]), the DTW of X[a[l]] (n_l, d) and Y[b[l]] (m_l, d), for the
 * pairs of a group, one per lane; n_l = x_lengths[a[l]], m_l = y_lengths[b[l]]. n and m are
 * the largest of them, and lo[i] <= j < hi[i] (i < n) is the band of (n, m). Every lane runs
 * over that band: this is exact when each lane's own band is the same within its own grid
 * (i < n_l, j < m_l), whose cells depend on no cell outside it. That holds for equal lengths,
 * for any lengths without a constraint, and for equal m_l - n_l under a Sakoe-Chiba band.
 * Series start every x_stride (y_stride) values; scratch holds tswarp_lanes_scratch(...). */
typedef void (*tswarp_lanes_f64)(const double *X, ptrdiff_t x_stride,
                                 const ptrdiff_t *x_lengths, const ptrdiff_t *a,
                                 const double *Y, ptrdiff_t y_stride,
                                 const ptrdiff_t *y_lengths, const ptrdiff_t *b, ptrdiff_t n,
                                 ptrdiff_t m, ptrdiff_t d, const ptrdiff_t *lo,
                                 const ptrdiff_t *hi, double *scratch, double *out);
typedef void (*tswarp_lanes_f32)(const float *X, ptrdiff_t x_stride,
                                 const ptrdiff_t *x_lengths, const ptrdiff_t *a,
                                 const float *Y, ptrdiff_t y_stride,
                                 const ptrdiff_t *y_lengths, const ptrdiff_t *b, ptrdiff_t n,
                                 ptrdiff_t m, ptrdiff_t d, const ptrdiff_t *lo,
                                 const ptrdiff_t *hi, float *scratch, double *out);

/* R[n - 1, m - 1] of x (n, d) and y (m, d), row-major, within the band lo[i] <= j < hi[i]:
 * one pair, its anti-diagonals computed a vector at a time, in strips of `vectors` (2, 4 or
 * 8) vectors of rows. The value is that of dtw_cost in _dtw.pyx, in T's precision; scratch
 * holds tswarp_diagonal_scratch(m, d, sizeof(T)) values. */
typedef double (*tswarp_diagonal_f64)(const double *x, ptrdiff_t n, const double *y,
                                      ptrdiff_t m, ptrdiff_t d, const ptrdiff_t *lo,
                                      const ptrdiff_t *hi, int vectors, double *scratch);
typedef float (*tswarp_diagonal_f32)(const float *x, ptrdiff_t n, const float *y, ptrdiff_t m,
                                     ptrdiff_t d, const ptrdiff_t *lo, const ptrdiff_t *hi,
                                     int vectors, float *scratch);

struct tswarp_lanes {
    const char *name;   /* "baseline", "avx2", "avx512" */
    int lanes_f64;      /* pairs per group */
    int lanes_f32;
    tswarp_lanes_f64 dtw_f64;
    tswarp_lanes_f32 dtw_f32;
    tswarp_diagonal_f64 diagonal_f64;
    tswarp_diagonal_f32 diagonal_f32;
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

/* Speed of dtw_diagonal's vector-steps when `busy` vectors work at each step, relative to
 * steps with 8 or more (measured): fewer leave some of each step's latency uncovered. */
static inline double tswarp_diagonal_speed(double busy)
{
    if (busy >= 8.0)
        return 1.0;
    if (busy >= 4.0)
        return 0.8 + 0.05 * (busy - 4.0);
    if (busy >= 2.0)
        return 0.47 + 0.165 * (busy - 2.0);
    return 0.235 * busy;
}

/* The cost of dtw_diagonal with strips of `vectors` vectors of `lanes` lanes of `value_size`
 * bytes, in units of the scalar kernel's time per cell. A strip runs from its first lane's
 * first step to its last lane's last, and each vector works from its first lane's first step
 * to its last lane's last, idle before and after. At full speed a busy vector-step costs as
 * much as 1 / 0.7 (float64) or 1 / 0.5 (float32) cells of the scalar kernel, whatever the
 * vectors' width (measured on long series without a band). */
static inline double tswarp_diagonal_cost(ptrdiff_t n, const ptrdiff_t *lo, const ptrdiff_t *hi,
                                          int lanes, int value_size, int vectors)
{
    const double per_lane = value_size == 8 ? 0.7 : 0.5;
    ptrdiff_t i0, v, first, last, steps, busy;
    double cost = 0.0;
    for (i0 = 0; i0 < n; i0 += (ptrdiff_t)vectors * lanes) {
        last = i0 + (ptrdiff_t)vectors * lanes - 1;
        steps = hi[last < n ? last : n - 1] + (last < n ? last : n - 1) - i0 - lo[i0];
        busy = 0;
        for (v = 0; v < vectors; v++) {
            first = i0 + v * lanes;  /* lanes past row n - 1 repeat it */
            last = first + lanes - 1;
            busy += hi[last < n ? last : n - 1] - lo[first < n ? first : n - 1] + lanes;
        }
        busy = busy < steps * vectors ? busy : steps * vectors;
        /* An idle vector-step (a shift) costs about a quarter of a busy one. */
        cost += ((double)busy + 0.25 * (double)(steps * vectors - busy)) /
                    (per_lane * tswarp_diagonal_speed((double)busy / steps)) +
                4.0 * (double)(vectors * lanes);  /* setting the strip up */
    }
    return cost;
}

/* The strip height (2, 4 or 8 vectors) of the cheapest dtw_diagonal for this band, or, with
 * `or_scalar`, 0 when the scalar kernel, which visits the band's cells only, is expected to be
 * faster: in narrow bands, where a strip's first and last steps are mostly outside the band,
 * and on builds with narrow vectors. */
static inline int tswarp_diagonal_vectors(ptrdiff_t n, const ptrdiff_t *lo, const ptrdiff_t *hi,
                                          int lanes, int value_size, int or_scalar)
{
    double cost, best = 0.0, cells = 0.0;
    int vectors, choice = 0;
    for (vectors = 2; vectors <= 8; vectors *= 2) {
        cost = tswarp_diagonal_cost(n, lo, hi, lanes, value_size, vectors);
        if (choice == 0 || cost < best) {
            best = cost;
            choice = vectors;
        }
    }
    /* The scalar kernel: its cells, and about 12 cells' worth of time per row (measured). */
    for (ptrdiff_t i = 0; or_scalar && i < n; i++)
        cells += (double)(hi[i] - lo[i]) + 12.0;
    return or_scalar && cells <= best ? 0 : choice;
}

/* The builds in this binary, from the most portable to the fastest. */
int tswarp_lanes_count(void);
const struct tswarp_lanes *tswarp_lanes_get(int index);
/* Whether the running CPU (and OS) can execute build `index`. */
int tswarp_lanes_supported(int index);

#endif
