/* The global alignment kernel in linear space, over the strips of _soft_lanes.h.
 *
 * Included by soft_simd.c after _soft_lanes.h, whose lane vectors it uses.
 * K[i, j] = k[i, j] (K[i-1, j-1] + K[i-1, j] + K[i, j-1]), with the local kernel
 * k = e / (2 - e), e = exp(-u), u = ||x_i - y_j||^2 * scale (tswarp_gak_local of _fastmath.h:
 * a Padé approximant and one division), where the log-space forward (costs -log k, soft
 * minimum at gamma = 1) needs three exponentials and a log a cell. Strips of TW_STRIP rows
 * are swept by anti-diagonals as there; the local kernels are computed in the sweep, from
 * the strip's rows of x held per lane and y reversed (lane r of step t reads column t - r,
 * so a vector reads consecutive values). Both are NaN-padded: the cells off the grid get
 * k = 0 and so K = 0, the value of a cell no path reaches.
 *
 * Range. K grows like 3^(n+m) for similar series and shrinks like k^(n+m) for distant ones.
 * The row handed down to the next strip is multiplied by a power of two (exact) that brings
 * its largest value to [2^E, 2^(E+1)); the exponents add up in an integer g, and
 * log K = log(value) - g log(2). Within a strip a row's values are at most 2m times the
 * largest of the row above (K[i, j] <= 2M + K[i, j-1], k <= 1), so E = 1022 - TW_STRIP
 * ceil(log2(2m)) leaves no room for overflow, and the values may fall about 1022 + E binary
 * orders below the largest before they reach the subnormals.
 *
 * Accuracy. Every operation adds or multiplies non-negative numbers: a rounding adds a
 * relative error of at most eps = 2^-53, and relative errors add along a chain of operations.
 * A cell adds at most about 10 eps to the largest error of its predecessors (two additions,
 * a product, and k's 4 ulps), and the longest chain of cells has n + m - 1 of them, so
 * |computed log K - log K| <= 10 (n + m) eps to first order (about 6e-13 for n = m = 256),
 * besides the rounding of u itself, which the log-space kernel shares. That holds while no
 * result rounds in the subnormal range, where the relative error is no longer bounded by eps.
 * So the kernel gives up (returns NaN) when
 *  - some u may exceed 700 (e could then be subnormal or 0): checked before the sweep, from
 *    each feature's range in x and in y;
 *  - any operation rounded a tiny result (the sticky FE_UNDERFLOW flag of the thread, cleared
 *    before and restored after, and read after every strip to stop early): a value or a
 *    rescaled row lost digits in the subnormals;
 *  - the value is not a positive finite number (an overflow, 2^E notwithstanding);
 *  - the stop flag was raised.
 * The caller then computes the pair in log space, which has none of these limits.
 */

#include <fenv.h>

#define NV (TW_STRIP / TW_W) /* vectors per step */

/* Largest u for which the linear kernel runs: e = exp(-u) stays a normal number
 * (exp(-708.4) is DBL_MIN), with room for the rounding of u. */
#define TW_GAK_MAX_U 700.0

/* An upper bound of max over (i, j) of ||x_i - y_j||^2: for each feature, the larger of
 * (max x - min y) and (max y - min x), squared, summed. */
static double gak_largest_cost(const tswarp_soft_pair* p) {
    double bound = 0.0;
    ptrdiff_t k, i;
    for (k = 0; k < p->d; k++) {
        double lo_x = INFINITY, hi_x = -INFINITY, lo_y = INFINITY, hi_y = -INFINITY, wide;
        for (i = 0; i < p->n; i++) {
            const double v = tswarp_soft_series_at(p->x, p->single, i * p->d + k);
            lo_x = v < lo_x ? v : lo_x;
            hi_x = v > hi_x ? v : hi_x;
        }
        for (i = 0; i < p->m; i++) {
            const double v = tswarp_soft_series_at(p->y, p->single, i * p->d + k);
            lo_y = v < lo_y ? v : lo_y;
            hi_y = v > hi_y ? v : hi_y;
        }
        wide = hi_x - lo_y > hi_y - lo_x ? hi_x - lo_y : hi_y - lo_x;
        bound += wide * wide;
    }
    return bound;
}

/* The local kernels of step t for lane vector v: x rows xs[k * TW_STRIP + r], y reversed
 * and padded, yr[k * span + q] the value of column m - 1 - (q - TW_STRIP). The squared
 * distance sums the features in ascending order from 0, as the log-space costs do.
 * `padded` (a constant once inlined): some lanes may read the NaN padding, and get 0. */
TW_F V gak_local(const double* xs, const double* yr, ptrdiff_t span, ptrdiff_t d,
                 ptrdiff_t at, int v, double scale, int padded) {
    V diff = v_load(xs + v * TW_W) - v_load(yr + at + v * TW_W);
    V cost = diff * diff;
    ptrdiff_t k;
    for (k = 1; k < d; k++) {
        diff = v_load(xs + k * TW_STRIP + v * TW_W) - v_load(yr + k * span + at + v * TW_W);
        cost = cost + diff * diff;
    }
    return padded ? tswarp_gak_local(cost, scale) : tswarp_gak_local_finite(cost, scale);
}

/* Step t of a strip (see gak_sweep). */
TW_F void gak_step(const double* xs, const double* yr, ptrdiff_t span, ptrdiff_t d,
                   ptrdiff_t m, ptrdiff_t t, double scale, int padded, const double* above,
                   V* now, V* up, V* diag) {
    /* lane 0 reads the row above; lane r the previous step of lane r - 1 */
    V carry = v_splat(above[t + 1]);
    const ptrdiff_t at = TW_STRIP + m - 1 - t;
    int v;
    for (v = 0; v < NV; v++) {
        diag[v] = up[v];
        up[v] = v_shift_in(now[v], carry);
        carry = now[v];
    }
    for (v = 0; v < NV; v++) {
        const V k = gak_local(xs, yr, span, d, at, v, scale, padded);
        now[v] = k * ((diag[v] + up[v]) + now[v]);
    }
}

/* Steps 0 .. m + rows - 2 of the strip of `rows` rows whose row above is `above` (slot j + 1
 * for column j), written over by the strip's last row when it is full; the value of cell
 * (rows - 1, m - 1) into *end. Returns 0, or 1 when the stop flag was raised. Inlined with
 * d == 1 a constant, so that the common case keeps its lanes in registers. */
TW_F int gak_sweep(const tswarp_soft_pair* p, const double* xs, const double* yr,
                   ptrdiff_t d, ptrdiff_t rows, double* above, double* end) {
    const ptrdiff_t m = p->m, L = TW_STRIP, span = m + 2 * TW_STRIP, end_step = m + rows - 1;
    const double scale = p->gak_scale / 0x1.62e42fefa39efp-1; /* u / log(2) per cost */
    double lanes[TW_STRIP];
    ptrdiff_t t, chunk, j;
    /* Lane r of step t: K[i0 + r, t - r] (now: step t - 1), and of the row above, K[i0 + r
     * - 1, t - r] (up) and K[i0 + r - 1, t - r - 1] (diagonal: the up of step t - 1). */
    V now[NV], up[NV], diag[NV];
    int v;
    for (v = 0; v < NV; v++)
        now[v] = up[v] = v_splat(0.0); /* column -1 */
    up[0] = v_shift_in(up[0], v_splat(above[0])); /* the diagonal of step 0: K[i0 - 1, -1] */
    for (chunk = 0; chunk < end_step; chunk += TW_CHUNK) {
        const ptrdiff_t stop = chunk + TW_CHUNK < end_step ? chunk + TW_CHUNK : end_step;
        if (*p->stop)
            return 1;
        for (t = chunk; t < stop; t++) {
            /* Between the ramps of a full strip, every lane is on the grid. */
            if (rows == L && t >= L - 1 && t < m)
                gak_step(xs, yr, span, d, m, t, scale, 0, above, now, up, diag);
            else
                gak_step(xs, yr, span, d, m, t, scale, 1, above, now, up, diag);
            j = t - (L - 1); /* the column of the last lane, behind every read of above */
            if (rows == L && j >= 0)
                above[j + 1] = TW_LANE(now[NV - 1], TW_W - 1);
        }
    }
    for (v = 0; v < NV; v++)
        v_store(lanes + v * TW_W, now[v]);
    *end = lanes[rows - 1]; /* the last step holds (rows - 1, m - 1) */
    return 0;
}

/* log K of the pair, or NaN when the linear kernel gives up (see above). p's band is
 * ignored: GAK has none. scratch: tswarp_gak_scratch_size(m, d) doubles. */
static double gak_linear(const tswarp_soft_pair* p, double* scratch) {
    const ptrdiff_t n = p->n, m = p->m, d = p->d, L = TW_STRIP, span = m + 2 * TW_STRIP;
    double* above = scratch; /* K of the row above the strip: slot j + 1 is column j */
    double* yr = (double*)(((uintptr_t)(scratch + m + L + 1) + 63) & ~(uintptr_t)63);
    double* xs = yr + d * span;
    double value = NAN, largest, unit;
    ptrdiff_t i0, j, k, bits = 1;
    int64_t g; /* stored values are K 2^g */
    int top, underflow;
    fexcept_t saved;
    if (!(gak_largest_cost(p) * p->gak_scale <= TW_GAK_MAX_U))
        return NAN;
    while (bits < 62 && ((ptrdiff_t)1 << bits) < 2 * m)
        bits++;
    top = 1022 - L * (int)bits > 0 ? 1022 - L * (int)bits : 0; /* E */
    for (k = 0; k < d; k++) {
        double* row = yr + k * span;
        for (j = 0; j < span; j++)
            row[j] = NAN;
        for (j = 0; j < m; j++)
            row[L + m - 1 - j] = tswarp_soft_series_at(p->y, p->single, j * d + k);
    }
    above[0] = ldexp(1.0, top); /* K[-1, -1] = 1, where every path starts */
    g = top;
    for (j = 1; j <= m + L; j++)
        above[j] = 0.0;
    fegetexceptflag(&saved, FE_ALL_EXCEPT);
    feclearexcept(FE_UNDERFLOW);
    for (i0 = 0; i0 < n; i0 += L) {
        const ptrdiff_t rows = n - i0 < L ? n - i0 : L;
        for (k = 0; k < d; k++)
            for (j = 0; j < L; j++)
                xs[k * L + j] =
                    j < rows ? tswarp_soft_series_at(p->x, p->single, (i0 + j) * d + k) : NAN;
        if (d == 1 ? gak_sweep(p, xs, yr, 1, rows, above, &value)
                   : gak_sweep(p, xs, yr, d, rows, above, &value))
            goto done;
        if (i0 + rows == n || fetestexcept(FE_UNDERFLOW))
            break; /* the end, or a loss already known: no use going on */
        /* The next strip's row above: the border column is 0, the row scaled by 2^s. */
        above[0] = 0.0;
        largest = 0.0;
        for (j = 1; j <= m; j++)
            largest = above[j] > largest ? above[j] : largest;
        if (!(largest > 0.0 && largest <= DBL_MAX)) {
            value = NAN; /* every path vanished, or overflowed */
            goto done;
        }
        {
            int e, s;
            frexp(largest, &e); /* largest in [2^(e-1), 2^e) */
            s = top + 1 - e;
            s = s > 1000 ? 1000 : s < -1000 ? -1000 : s;
            unit = ldexp(1.0, s);
            for (j = 1; j <= m; j++)
                above[j] *= unit;
            g += s;
        }
    }
done:
    underflow = fetestexcept(FE_UNDERFLOW);
    fesetexceptflag(&saved, FE_ALL_EXCEPT);
    if (underflow || *p->stop || !(value > 0.0 && value <= DBL_MAX))
        return NAN;
    {
        int e;
        const double mantissa = frexp(value, &e); /* in [0.5, 1): no cancellation below */
        return log(mantissa) + (double)(e - g) * 0x1.62e42fefa39efp-1;
    }
}

#undef NV
#undef TW_GAK_MAX_U
