/* Soft-DTW forward and expected alignment over strips of TW_STRIP rows, for one lane width.
 *
 * Included by soft_simd.c, once per build, with TW_W lanes (see _fastmath.h). Along one row
 * each cell waits for its left neighbour, and a soft minimum costs two exponentials and a log,
 * so a row-by-row loop is bound by that chain's latency. A strip of TW_STRIP rows is swept
 * instead by anti-diagonals ("steps"): step t holds the cells (i0 + r, t - r) of all its rows
 * r, which depend only on steps t - 1 and t - 2. Those TW_STRIP cells are computed
 * together, TW_W to a vector, and the lanes pass values one row down with a shuffle. Cells
 * outside the band (or past the lengths) cost +inf, so they come out +inf, exactly as the
 * unvisited cells of the row-by-row loop.
 */

#include "_fastmath.h"

#define NV (TW_STRIP / TW_W) /* vectors per step */

/* A cell's value and the normalised weights of its predecessors (unused ones cost nothing:
 * the functions are inlined and the compiler drops what is not read). */
typedef struct {
    V value, diag, up, left;
} cell_t;

/* cost + softmin(diag, up, left) of TW_W cells, and the normalised weights of diag, up and
 * left.
 *
 * The formulas of the scalar kernel: terms relative to min(diag, up), except when left is
 * smaller, so that no exponential overflows and the log's argument lies in [1, 3]. With
 * infinite predecessors an exponential sees -inf or NaN (inf - inf) and gives 0, the log
 * gets 1, and the weights stay finite: an unreachable cell passes on no weight, never NaN.
 */
TW_F cell_t soft_cell(V cost, V diag, V up, V left, double gamma, double scale) {
    V ref = v_min(diag, up);
    /* the larger of diag and up, relative */
    V e_pair = tswarp_soft_exp(-v_abs(diag - up) * scale);
    V pair = 1.0 + e_pair;
    V tail = tswarp_soft_exp(-v_abs(left - ref) * scale);
    M right = TW_MASK(left >= ref), diag_min = TW_MASK(diag <= up);
    V sum = v_select(right, pair + tail, pair * tail + 1.0);
    V inv = 1.0 / sum;
    V share = v_select(right, inv, tail * inv); /* weight of min(diag, up) */
    cell_t c;
    c.value = cost + (v_select(right, ref, left) - gamma * tswarp_soft_log(sum));
    c.diag = v_select(diag_min, share, e_pair * share);
    c.up = v_select(diag_min, e_pair * share, share);
    c.left = v_select(right, tail * inv, inv);
    return c;
}

/* GAK's costs from squared distances, in place (count a multiple of TW_W): u + log(2 -
 * exp(-u)), u = s * scale, minus the log of the local kernel exp(-u) / (2 - exp(-u)). The
 * log's argument lies in [1, 2]; +inf (off the band) stays +inf. */
static void gak_costs(double* costs, ptrdiff_t count, double scale) {
    ptrdiff_t k;
    for (k = 0; k < count; k += TW_W) {
        V u = v_load(costs + k) * scale;
        v_store(costs + k, u + tswarp_soft_log(2.0 - tswarp_soft_exp(-u)));
    }
}

/* R[n-1, m-1]: the forward of struct tswarp_soft (soft_dtw.h). */
static double forward(
    const tswarp_soft_pair* p, double* scratch, const tswarp_soft_state* keep
) {
    const ptrdiff_t n = p->n, m = p->m, L = TW_STRIP, steps = m + TW_STRIP - 1;
    const double gamma = p->gamma;
    /* 1 / gamma, finite for a subnormal gamma too (0 * inf would be NaN); capping it there
     * changes the value by less than gamma * log(3) per cell. */
    const double scale = 1.0 / gamma < DBL_MAX ? 1.0 / gamma : DBL_MAX;
    double* above = scratch; /* R of the row above the strip: slot j + 1 is column j */
    double* costs = tswarp_soft_skew_buffer(scratch, m);
    double* columns = tswarp_soft_columns_buffer(scratch, m);
    double value = INFINITY, lanes[TW_STRIP];
    ptrdiff_t s, i0, j, t, chunk;
    int v;
    tswarp_soft_fill_columns(p, columns);
    above[0] = 0.0; /* R[-1, -1], where every path starts */
    for (j = 1; j <= m + L; j++)
        above[j] = INFINITY;
    for (s = 0, i0 = 0; i0 < n; s++, i0 += L) {
        const ptrdiff_t rows = n - i0 < L ? n - i0 : L, last = i0 + rows - 1;
        const ptrdiff_t first_step = p->lo[i0], end_step = p->hi[last] + rows - 1;
        /* the step of R[n-1, m-1] when this strip holds row n - 1 */
        const ptrdiff_t final_step = last == n - 1 ? m - 1 + rows - 1 : -1;
        double* w = keep->weights != NULL ? keep->weights + s * steps * 3 * L : NULL;
        float* w32 = keep->weights32 != NULL ? keep->weights32 + s * steps * 3 * L : NULL;
        double* tab = keep->table != NULL ? keep->table + s * steps * L : NULL;
        V now[NV], before[NV], next[NV];
        for (v = 0; v < NV; v++)
            now[v] = before[v] = v_splat(INFINITY); /* the steps before the band */
        for (chunk = first_step; chunk < end_step; chunk += TW_CHUNK) {
            const ptrdiff_t stop = chunk + TW_CHUNK < end_step ? chunk + TW_CHUNK : end_step;
            if (*p->stop)
                return NAN;
            tswarp_soft_fill_costs(p, columns, i0, rows, chunk, stop, costs);
            if (p->gak_scale > 0.0)
                gak_costs(costs, (stop - chunk) * L, p->gak_scale);
            for (t = chunk; t < stop; t++) {
                /* lane 0 reads the row above; lane k the previous two steps of lane k - 1 */
                V carry_up = v_splat(above[t + 1]), carry_diag = v_splat(above[t]);
                for (v = 0; v < NV; v++) {
                    V up = v_shift_in(now[v], carry_up), diag = v_shift_in(before[v], carry_diag);
                    V cost = v_load(costs + (t - chunk) * L + v * TW_W);
                    cell_t c = soft_cell(cost, diag, up, now[v], gamma, scale);
                    carry_up = now[v];
                    carry_diag = before[v];
                    next[v] = c.value;
                    if (w != NULL) {
                        v_store(w + t * 3 * L + v * TW_W, c.diag);
                        v_store(w + t * 3 * L + L + v * TW_W, c.up);
                        v_store(w + t * 3 * L + 2 * L + v * TW_W, c.left);
                    } else if (w32 != NULL) {
                        v_store_single(w32 + t * 3 * L + v * TW_W, c.diag);
                        v_store_single(w32 + t * 3 * L + L + v * TW_W, c.up);
                        v_store_single(w32 + t * 3 * L + 2 * L + v * TW_W, c.left);
                    }
                    if (tab != NULL)
                        v_store(tab + t * L + v * TW_W, next[v]);
                }
                for (v = 0; v < NV; v++) {
                    before[v] = now[v];
                    now[v] = next[v];
                }
                j = t - (L - 1); /* the column of the last lane, behind every read of above */
                if (rows == L && j >= 0)
                    above[j + 1] = TW_LANE(next[NV - 1], TW_W - 1);
                if (t == final_step) {
                    for (v = 0; v < NV; v++)
                        v_store(lanes + v * TW_W, next[v]);
                    value = lanes[rows - 1];
                    /* An infinite end passes no weight back: the backward sees zeros there. */
                    for (v = 0; v < 3 && !(value < INFINITY); v++) {
                        if (w != NULL)
                            w[t * 3 * L + v * L + rows - 1] = 0.0;
                        if (w32 != NULL)
                            w32[t * 3 * L + v * L + rows - 1] = 0.0f;
                    }
                }
            }
        }
        /* Above, for the next strip: the last row, +inf off its band and at the border. */
        above[0] = INFINITY;
        for (j = 0; j < p->lo[last]; j++)
            above[j + 1] = INFINITY;
        for (j = p->hi[last]; j < m; j++)
            above[j + 1] = INFINITY;
    }
    return value;
}

/* The row above strip s (i0 = s * TW_STRIP) as the forward saw it, from the table of R: the
 * last row of strip s - 1, +inf off its steps, or the border for s = 0. */
static void row_above(
    const tswarp_soft_pair* p, const double* table, ptrdiff_t s, double* above
) {
    const ptrdiff_t m = p->m, L = TW_STRIP, i0 = s * L;
    const double* last_row = table + (s - 1) * (m + L - 1) * L + L - 1;
    ptrdiff_t j;
    above[0] = s == 0 ? 0.0 : INFINITY;
    for (j = 1; j <= m + L; j++)
        above[j] = INFINITY;
    if (s > 0) /* steps lo[i0 - L] .. hi[i0 - 1] + L - 2, so columns up to hi[i0 - 1] */
        for (j = p->lo[i0 - L] > L - 1 ? p->lo[i0 - L] - (L - 1) : 0; j < p->hi[i0 - 1]; j++)
            above[j + 1] = last_row[(j + L - 1) * L];
}

/* E into the sink: the backward of struct tswarp_soft (soft_dtw.h). */
static void backward(
    const tswarp_soft_pair* p, const tswarp_soft_state* kept, double* scratch,
    const tswarp_soft_sink* sink
) {
    const ptrdiff_t n = p->n, m = p->m, L = TW_STRIP, steps = m + TW_STRIP - 1;
    const double gamma = p->gamma;
    const double scale = 1.0 / gamma < DBL_MAX ? 1.0 / gamma : DBL_MAX;
    /* E times the up and diagonal weights of the first row of the strip below, by column
     * (offset by L, so that the columns -L..m+L fit): flows into the last row of this one. */
    const ptrdiff_t span = m + 2 * L + 2;
    double* above = scratch;
    double* from_below_up = tswarp_soft_below_buffer(scratch, m);
    double* from_below_diag = from_below_up + span;
    double* to_above_up = from_below_diag + span;
    double* to_above_diag = to_above_up + span;
    double* e_skew = tswarp_soft_skew_buffer(scratch, m);
    double* swap;
    double lanes[TW_STRIP];
    ptrdiff_t s, i0, t, k;
    int v;
    for (k = 0; k < 2 * span; k++)
        from_below_up[k] = 0.0;
    tswarp_soft_sink_begin(p, sink);
    for (s = (n - 1) / L, i0 = s * L; s >= 0; s--, i0 -= L) {
        const ptrdiff_t rows = n - i0 < L ? n - i0 : L, last = i0 + rows - 1;
        const ptrdiff_t first_step = p->lo[i0], end_step = p->hi[last] + rows - 1;
        const ptrdiff_t final_step = last == n - 1 ? m - 1 + rows - 1 : -1;
        const double* w = kept->weights != NULL ? kept->weights + s * steps * 3 * L : NULL;
        const float* w32 =
            kept->weights32 != NULL ? kept->weights32 + s * steps * 3 * L : NULL;
        const double* tab = kept->table != NULL ? kept->table + s * steps * L : NULL;
        /* Products E * weight of the steps after t: "up" and "left" of t + 1, diag of t + 1
         * and t + 2. Zero after the band. */
        V up1[NV], left1[NV], diag1[NV], diag2[NV], e[NV], cw[3 * NV];
        if (tab != NULL)
            row_above(p, kept->table, s, above);
        for (k = 0; k < 2 * span; k++)
            to_above_up[k] = 0.0;
        for (v = 0; v < NV; v++)
            up1[v] = left1[v] = diag1[v] = diag2[v] = v_splat(0.0);
        for (t = end_step - 1; t >= first_step; t--) {
            if (t % TW_CHUNK == 0 && *p->stop)
                return;
            /* cell (r, t - r) receives from (r + 1, t - r) [up weight, step t + 1],
             * (r, t - r + 1) [left, t + 1] and (r + 1, t - r + 1) [diagonal, t + 2] */
            V carry_up = v_splat(from_below_up[t - (L - 1) + L]);
            V carry_diag = v_splat(from_below_diag[t - (L - 1) + 1 + L]);
            for (v = NV - 1; v >= 0; v--) {
                e[v] = (v_shift_out(up1[v], carry_up) + left1[v])
                    + v_shift_out(diag2[v], carry_diag);
                carry_up = up1[v];
                carry_diag = diag2[v];
            }
            if (w != NULL) {
                for (v = 0; v < NV; v++)
                    for (k = 0; k < 3; k++)
                        cw[3 * v + k] = v_load(w + t * 3 * L + k * L + v * TW_W);
            } else if (w32 != NULL) {
                for (v = 0; v < NV; v++)
                    for (k = 0; k < 3; k++)
                        cw[3 * v + k] = v_load_single(w32 + t * 3 * L + k * L + v * TW_W);
            } else {
                /* Recompute step t's weights from R at t - 1 and t - 2, as the forward did. */
                V r1[NV], r2[NV], zero = v_splat(0.0);
                V up_in = v_splat(above[t + 1]), diag_in = v_splat(above[t]);
                for (v = 0; v < NV; v++) {
                    r1[v] = t - 1 >= first_step ? v_load(tab + (t - 1) * L + v * TW_W)
                                                : v_splat(INFINITY);
                    r2[v] = t - 2 >= first_step ? v_load(tab + (t - 2) * L + v * TW_W)
                                                : v_splat(INFINITY);
                }
                for (v = 0; v < NV; v++) {
                    V up = v_shift_in(r1[v], up_in), diag = v_shift_in(r2[v], diag_in);
                    cell_t c = soft_cell(zero, diag, up, r1[v], gamma, scale);
                    up_in = r1[v];
                    diag_in = r2[v];
                    cw[3 * v] = c.diag;
                    cw[3 * v + 1] = c.up;
                    cw[3 * v + 2] = c.left;
                }
            }
            if (t == final_step) {
                /* E[n-1, m-1] = 1, or 0 when no path has a finite cost. */
                /* Reachable: some weight of the end cell, or its R, is not zero / finite. */
                const ptrdiff_t at = t * 3 * L + rows - 1;
                int end;
                if (w != NULL)
                    end = w[at] + w[at + L] + w[at + 2 * L] > 0;
                else if (w32 != NULL)
                    end = w32[at] + w32[at + L] + w32[at + 2 * L] > 0;
                else
                    end = tab[t * L + rows - 1] < INFINITY;
                for (v = 0; v < NV; v++)
                    v_store(lanes + v * TW_W, e[v]);
                lanes[rows - 1] = end ? 1.0 : 0.0;
                for (v = 0; v < NV; v++)
                    e[v] = v_load(lanes + v * TW_W);
            }
            for (v = 0; v < NV; v++) {
                diag2[v] = diag1[v];
                diag1[v] = e[v] * cw[3 * v];
                up1[v] = e[v] * cw[3 * v + 1];
                left1[v] = e[v] * cw[3 * v + 2];
                v_store(e_skew + t * L + v * TW_W, e[v]);
            }
            to_above_up[t + L] = TW_LANE(up1[0], 0);
            to_above_diag[t + L] = TW_LANE(diag1[0], 0);
        }
        tswarp_soft_strip_out(p, e_skew, i0, rows, sink);
        swap = from_below_up;
        from_below_up = to_above_up;
        to_above_up = swap;
        from_below_diag = from_below_up + span;
        to_above_diag = to_above_up + span;
    }
}

/* tswarp_soft_exp (which = 0), tswarp_soft_log (which = 1) or tswarp_gak_local (which = 2)
 * of x[:count], TW_W at a time. */
static void math_array(
    const double* x, double* out, ptrdiff_t count, int which
) {
    double in[TW_W], result[TW_W];
    ptrdiff_t k;
    int l;
    for (k = 0; k < count; k += TW_W) {
        for (l = 0; l < TW_W; l++)
            in[l] = k + l < count ? x[k + l] : (double)(which & 1); /* in every domain */
        v_store(result, which == 2   ? tswarp_gak_local(v_load(in), 1.0)
                        : which == 1 ? tswarp_soft_log(v_load(in))
                                     : tswarp_soft_exp(v_load(in)));
        for (l = 0; l < TW_W && k + l < count; l++)
            out[k + l] = result[l];
    }
}

#undef NV
