/* DTW of one pair, a strip of rows at a time, swept along anti-diagonals: written once,
 * included by dtw_simd.c after lanes_impl.h for the same T (it reuses its vector type V
 * and its min), with VECTOR_SHIFT (a lane shift, on x86) defined besides, and optionally
 * STORE_BYTES (a vector of directions narrowed to bytes and stored).
 *
 * A strip holds 2, 4 or 8 vectors of consecutive rows, lane g of them on row i0 + g. At
 * step t, lane g computes the cell (i0 + g, t - g), which needs three cells of earlier steps:
 * up, (i0 + g - 1, t - g), was lane g - 1's cell at step t - 1; diagonal, one column further
 * left, was lane g - 1's at step t - 2, which is the previous step's up; left was its own
 * cell at step t - 1. So one step is a shift of the previous step's cells by one lane, two
 * mins and an add, for a whole vector of cells at once, where the scalar kernel runs one cell
 * after another. Lane 0 reads the row above the strip, left by the previous strip in `above`;
 * the strip's last lane writes its own row there, behind the columns that lane 0 still reads.
 *
 * The recurrence and the cost's order of operations are those of dtw_cost in _dtw.pyx, so
 * that the result equals the scalar kernel's bit for bit (the callers reject NaN). Cells
 * outside the band are made infinite, as the scalar kernel's unvisited cells are.
 *
 * The path kernel also stores each cell's direction, one byte per lane and step (see
 * tswarp_diagonal_directions); with `directions` NULL, a constant, that code vanishes.
 */
#define V NAME(vector)
#define LANES ((ptrdiff_t)(sizeof(V) / sizeof(T)))
/* Steps, compared lane by lane with each lane's band: STEP_T is T's width, double for
 * float64 (exact to 2^53, and SSE2 has no 64-bit integer compare), int for float32. */
#if VECTOR_BYTES
typedef STEP_T NAME(columns) __attribute__((vector_size(VECTOR_BYTES)));
typedef MASK_T NAME(mask) __attribute__((vector_size(VECTOR_BYTES)));
typedef unsigned char NAME(bytes) __attribute__((vector_size(VECTOR_BYTES / sizeof(T))));
#else
typedef STEP_T NAME(columns);
typedef int NAME(mask);
#endif
#define COLUMNS NAME(columns)
#define MASK NAME(mask)

/* Vectors per strip, at most: see strip_vectors in _select.py for the choice. */
#define MAX_VECTORS 8
/* The scratch of tswarp_diagonal_scratch holds TSWARP_DIAGONAL_MAX_ROWS rows: the tallest
 * strip of this build must fit. */
_Static_assert(MAX_VECTORS * (sizeof(V) / sizeof(T)) <= TSWARP_DIAGONAL_MAX_ROWS,
               "the diagonal scratch is too small for this build's tallest strip");

static ALWAYS_INLINE V NAME(splat)(T value)
{
#if VECTOR_BYTES
    V out;
    for (ptrdiff_t l = 0; l < LANES; l++)
        out[l] = value;
    return out;
#else
    return value;
#endif
}

/* Unaligned: steps move the windows of the reversed series by one value. */
static ALWAYS_INLINE V NAME(load)(const T *p)
{
    V out;
    memcpy(&out, p, sizeof(out));
    return out;
}

/* cells moved up by one lane, lane 0 taking the last lane of `below` (the rows before). */
static ALWAYS_INLINE V NAME(shift)(V cells, V below)
{
#if VECTOR_BYTES
    return VECTOR_SHIFT(cells, below);
#else
    (void)cells;
    return below;
#endif
}

/* All bits set in the lanes where lo <= t < hi (each lane's band, in steps). */
static ALWAYS_INLINE MASK NAME(inside)(COLUMNS t, COLUMNS lo, COLUMNS hi)
{
#if VECTOR_BYTES
    return (t >= lo) & (t < hi);
#else
    return -(t >= lo && t < hi);
#endif
}

/* `cells` inside the band, infinity elsewhere. */
static ALWAYS_INLINE V NAME(in_band)(V cells, MASK inside)
{
#if VECTOR_BYTES
    return (V)(((MASK)cells & inside) | ((MASK)NAME(splat)(INFINITY) & ~inside));
#else
    return inside ? cells : INFINITY;
#endif
}

/* The direction bytes of a vector of cells, as _dtw.dtw_path's strict comparisons pick them:
 * LEFT if left < min(up, diagonal) (`nearer`), else UP if up < diagonal,
 * else DIAGONAL, which is also what a cell outside the band reads there. */
static ALWAYS_INLINE void NAME(record)(V left, V up, V diagonal, V nearer, MASK inside,
                                       unsigned char *out)
{
#if VECTOR_BYTES
    MASK to_left = left < nearer, to_up = up < diagonal;
    MASK code = ((to_left & TSWARP_LEFT) | (to_up & ~to_left & TSWARP_UP)) & inside;
#if defined(STORE_BYTES)
    STORE_BYTES(code, out);
#else
    NAME(bytes) bytes = __builtin_convertvector(code, NAME(bytes));
    memcpy(out, &bytes, sizeof(bytes));
#endif
#else
    if (inside && left < nearer)
        *out = TSWARP_LEFT;
    else if (inside && up < diagonal)
        *out = TSWARP_UP;
    else
        *out = TSWARP_DIAGONAL;
#endif
}

/* Step t of a strip of `vectors` vectors. `x` holds the strip's rows, [k][vector]; `y` the
 * reversed series, one feature every `span` values, placed so that y - t + g reads column
 * t - g. `cells` holds the previous step's cells and `diagonal` its ups; both are updated.
 * `masked` (a constant after inlining, as `vectors`) is needed only where some lane is
 * outside its band. `out`, unless NULL, receives the step's directions, a byte per lane. */
static ALWAYS_INLINE void NAME(step)(const V *restrict x, const T *restrict y, ptrdiff_t span,
                                     ptrdiff_t d, int vectors, ptrdiff_t t,
                                     T *restrict above, const COLUMNS *lo, const COLUMNS *hi,
                                     const ptrdiff_t *idle, int masked, V *cells,
                                     V *diagonal, unsigned char *out)
{
    V below = NAME(splat)(above[t]);
    COLUMNS step = (COLUMNS){0} + (STEP_T)t;
    /* Last vector first: each one's shift reads the previous step's cells of the one before.
     * One step's vectors are independent chains, which hides the latency of each one's
     * shift -> min -> min -> add. */
    for (int v = vectors - 1; v >= 0; v--) {
        V up = NAME(shift)(cells[v], v > 0 ? cells[v - 1] : below);
        /* Before its first lane's band and after its last lane's (from the step after, whose
         * cells are infinite), a vector's cells stay infinite: only its ups are needed. */
        if (masked && (t < idle[2 * v] || t > idle[2 * v + 1])) {
            diagonal[v] = up;
            if (out)
                memset(out + v * LANES, TSWARP_DIAGONAL, LANES);
            continue;
        }
        const T *yv = y - t + v * LANES;
        V diff = x[v] - NAME(load)(yv);
        V cost = diff * diff;  /* equals the scalar kernel's 0 + diff * diff */
        for (ptrdiff_t k = 1; k < d; k++) {
            diff = x[k * vectors + v] - NAME(load)(yv + k * span);
            cost = cost + diff * diff;
        }
        V nearer = NAME(min)(up, diagonal[v]);
        V cell = cost + NAME(min)(cells[v], nearer);
        MASK inside = masked ? NAME(inside)(step, lo[v], hi[v]) : (MASK){0} - 1;
        if (out)
            NAME(record)(cells[v], up, diagonal[v], nearer, inside, out + v * LANES);
        diagonal[v] = up;
        cells[v] = masked ? NAME(in_band)(cell, inside) : cell;
    }
    /* The strip's last row at column t + 1 - rows, which lane 0 has read already. */
    memcpy(above + t + 1 - vectors * LANES, (const T *)&cells[vectors - 1] + (LANES - 1),
           sizeof(T));
}

/* Steps first..stop-1 of a strip; `out`, unless NULL, holds the first one's directions, and
 * each next step's follow. */
static ALWAYS_INLINE void NAME(steps)(const V *restrict x, const T *restrict y, ptrdiff_t span,
                                      ptrdiff_t d, int vectors, ptrdiff_t first,
                                      ptrdiff_t stop, T *restrict above, const COLUMNS *lo,
                                      const COLUMNS *hi, const ptrdiff_t *idle, int masked,
                                      V *cells, V *diagonal, unsigned char *restrict out)
{
    for (ptrdiff_t t = first; t < stop; t++) {
        NAME(step)(x, y, span, d, vectors, t, above, lo, hi, idle, masked, cells, diagonal,
                   out);
        if (out)
            out += vectors * LANES;
    }
}

/* Every strip of `vectors` vectors, one after the other, until *interrupt is raised; returns
 * R[n - 1, m - 1], and fills `directions` unless it is NULL. Inlined with `vectors`, d == 1 and `directions` NULL or
 * not constants. */
static ALWAYS_INLINE T NAME(strips)(const T *x, ptrdiff_t n, const T *y, ptrdiff_t m,
                                    ptrdiff_t d, int vectors, const ptrdiff_t *lo,
                                    const ptrdiff_t *hi, T *scratch, unsigned char *directions,
                                    const volatile int *interrupt)
{
    const ptrdiff_t H = vectors * LANES;  /* rows per strip */
    /* The reversed y: column c at y_rev[t_origin - c], zeros on both sides for the lanes
     * that run before or past the series (their cells are outside the band). */
    const ptrdiff_t span = m + 2 * H - 2, t_origin = m + H - 2;
    V *xs = (V *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    T *y_rev = (T *)(xs + d * vectors);
    T *above = y_rev + d * span + H;  /* above[c], -H <= c < m + H */
    V cells[MAX_VECTORS], diagonal[MAX_VECTORS];
    COLUMNS lo_steps[MAX_VECTORS], hi_steps[MAX_VECTORS];
    ptrdiff_t idle[2 * MAX_VECTORS];  /* each vector's first and last step, its bands' union */
    ptrdiff_t i0, rows = 0, g, k, q, c, first, stop, inner_first, inner_stop;
    T last[MAX_VECTORS * LANES];

    for (k = 0; k < d; k++)
        for (q = 0; q < span; q++) {
            c = t_origin - q;
            y_rev[k * span + q] = c >= 0 && c < m ? y[c * d + k] : 0;
        }
    for (c = -H; c < m + H; c++)
        above[c] = INFINITY;
    above[-1] = 0;  /* R[-1, -1]: where every path starts */
    for (i0 = 0; i0 < n && !*interrupt; i0 += H) {
        rows = n - i0 < H ? n - i0 : H;
        /* Lane g is in its band for steps lo[i0 + g] + g <= t < hi[i0 + g] + g. The strip
         * runs from its first lane's first step to its last lane's last; no lane leaves its
         * band between inner_first and inner_stop. */
        tswarp_diagonal_strip(i0, rows, lo, hi, &first, &stop);
        inner_first = first;
        inner_stop = stop;
        for (g = 0; g < H; g++) {
            /* Lanes past the last row repeat it: they compute cells nobody reads. */
            ptrdiff_t row = i0 + (g < rows ? g : rows - 1);
            for (k = 0; k < d; k++)
                ((T *)xs)[k * H + g] = x[row * d + k];
            ((STEP_T *)lo_steps)[g] = (STEP_T)(lo[row] + g);
            ((STEP_T *)hi_steps)[g] = (STEP_T)(hi[row] + g);
            if (g < rows && lo[row] + g > inner_first)
                inner_first = lo[row] + g;
            if (g < rows && hi[row] + g < inner_stop)
                inner_stop = hi[row] + g;
        }
        if (inner_stop < inner_first)
            inner_stop = inner_first;
        for (int v = 0; v < vectors; v++) {
            /* Both bounds grow with the lane: the first lane starts first, the last ends last. */
            ptrdiff_t top = i0 + v * LANES, bottom = top + LANES - 1;
            idle[2 * v] = lo[top < n ? top : n - 1] + (top - i0);
            idle[2 * v + 1] = hi[bottom < n ? bottom : n - 1] + (bottom - i0);
            cells[v] = diagonal[v] = NAME(splat)(INFINITY);
        }
        /* Lane 0's diagonal at the first step: the cell above-left of the strip. */
        diagonal[0] = NAME(shift)(cells[0], NAME(splat)(above[first - 1]));
        const T *yt = y_rev + t_origin;
#define AT(t) (directions ? directions + ((t) - first) * H : NULL)
        NAME(steps)(xs, yt, span, d, vectors, first, inner_first, above, lo_steps, hi_steps,
                    idle, 1, cells, diagonal, AT(first));
        NAME(steps)(xs, yt, span, d, vectors, inner_first, inner_stop, above, lo_steps,
                    hi_steps, idle, 0, cells, diagonal, AT(inner_first));
        NAME(steps)(xs, yt, span, d, vectors, inner_stop, stop, above, lo_steps, hi_steps,
                    idle, 1, cells, diagonal, AT(inner_stop));
#undef AT
        if (directions)
            directions += (stop - first) * H;
    }
    if (*interrupt)
        return NAN; /* stopped, perhaps before any strip */
    /* The last step's cell of row n - 1 is (n - 1, m - 1). */
    memcpy(last, cells, vectors * sizeof(V));
    return last[rows - 1];
}

#define STRIPS(vectors, directions)                                                          \
    (d == 1 ? NAME(strips)(x, n, y, m, 1, vectors, lo, hi, scratch, directions, stop)        \
            : NAME(strips)(x, n, y, m, d, vectors, lo, hi, scratch, directions, stop))

T NAME(dtw_diagonal)(const T *x, ptrdiff_t n, const T *y, ptrdiff_t m, ptrdiff_t d,
                     const ptrdiff_t *lo, const ptrdiff_t *hi, int vectors, T *scratch,
                     const volatile int *stop)
{
    if (vectors <= 2)
        return STRIPS(2, NULL);
    if (vectors <= 4)
        return STRIPS(4, NULL);
    return STRIPS(8, NULL);
}

T NAME(dtw_diagonal_path)(const T *x, ptrdiff_t n, const T *y, ptrdiff_t m, ptrdiff_t d,
                          const ptrdiff_t *lo, const ptrdiff_t *hi, int vectors, T *scratch,
                          unsigned char *directions, const volatile int *stop)
{
    if (vectors <= 2)
        return STRIPS(2, directions);
    if (vectors <= 4)
        return STRIPS(4, directions);
    return STRIPS(8, directions);
}

#undef STRIPS
#undef V
#undef LANES
#undef COLUMNS
#undef MASK
#undef MAX_VECTORS
