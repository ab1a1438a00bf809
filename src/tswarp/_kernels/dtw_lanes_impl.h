/* The lane kernel, written once: dtw_simd.c includes this file for each float width with
 * T (double or float), MASK_T (a signed integer of T's size), NAME(base) (a name with the width
 * and instruction-set suffixes) and VECTOR_MIN (the min intrinsic, on x86).
 *
 * A group holds LANES pairs, one per lane of a vector V: every lane runs the same loop over
 * the same band. The series are transposed to [t][k][lane] first, so that one load gives a
 * value of every lane. The recurrence and its order of operations are those of dtw_cost in
 * _dtw.pyx, so each lane's result equals the scalar kernel's bit for bit.
 */
#if VECTOR_BYTES
typedef T NAME(vector) __attribute__((vector_size(VECTOR_BYTES)));
#else
typedef T NAME(vector);
#endif
#define V NAME(vector)
#define LANES ((ptrdiff_t)(sizeof(V) / sizeof(T)))

enum { NAME(lanes) = LANES };

static ALWAYS_INLINE V NAME(min)(V a, V b)
{
#if defined(GENERIC_MIN)
    typedef MASK_T mask __attribute__((vector_size(VECTOR_BYTES)));
    mask less = a < b;
    return (V)(((mask)a & less) | ((mask)b & ~less));
#elif VECTOR_BYTES
    return VECTOR_MIN(a, b);
#else
    return a < b ? a : b;
#endif
}

/* out[t][k][lane] = S[idx[lane]][t][k] for t < size; zeros past a series' own length. */
static void NAME(transpose)(const T *S, ptrdiff_t stride, const ptrdiff_t *lengths,
                            const ptrdiff_t *idx, ptrdiff_t size, ptrdiff_t d, T *out)
{
    for (ptrdiff_t l = 0; l < LANES; l++) {
        const T *s = S + idx[l] * stride;
        ptrdiff_t t, length = lengths[idx[l]] * d;
        for (t = 0; t < length; t++)
            out[t * LANES + l] = s[t];
        for (; t < size * d; t++)
            out[t * LANES + l] = 0;
    }
}

/* One column j of a block of `rows` DP rows. Row r's cell needs row r - 1's at columns j - 1
 * and j (`diagonal` and `up`, both in registers) and its own at column j - 1 (`left`).
 * `masked` (a constant after inlining) makes the cells outside a row's band infinite, which
 * is needed only near the band's edges, where the rows of the block disagree. */
static ALWAYS_INLINE void NAME(column)(const V *restrict x, const V *restrict yj, ptrdiff_t d,
                                       int rows, ptrdiff_t j, const ptrdiff_t *lo,
                                       const ptrdiff_t *hi, int masked,
                                       const V *restrict previous, V *restrict current,
                                       V *left, V *diagonal)
{
    V cost[TSWARP_ROWS], diff, up = previous[j + 1];
    for (int r = 0; r < rows; r++) {
        diff = x[r * d] - yj[0];
        cost[r] = diff * diff;  /* equals the scalar kernel's 0 + diff * diff */
    }
    for (ptrdiff_t k = 1; k < d; k++)
        for (int r = 0; r < rows; r++) {
            diff = x[r * d + k] - yj[k];
            cost[r] = cost[r] + diff * diff;
        }
    for (int r = 0; r < rows; r++) {
        if (masked && (j < lo[r] || j >= hi[r]))
            cost[r] = (V){0} + INFINITY;
        left[r] = cost[r] + NAME(min)(NAME(min)(diagonal[r], up), left[r]);
        diagonal[r] = up;
        up = left[r];
    }
    current[j + 1] = up;
}

/* Rows i..i+rows-1 (lo, hi and x start at row i), writing the last one into `current`, both
 * rows shifted by one column (slot j + 1 holds column j). Interleaving rows column by column,
 * as dtw_cost does, gives the CPU several dependency chains at once and reads and writes the
 * stored rows once per block. Inlined with `rows` and d == 1 constants. */
static ALWAYS_INLINE void NAME(rows)(const V *restrict x, const V *restrict y, ptrdiff_t d,
                                     int rows, const ptrdiff_t *lo, const ptrdiff_t *hi,
                                     const V *restrict previous, V *restrict current)
{
    V left[TSWARP_ROWS], diagonal[TSWARP_ROWS];
    ptrdiff_t start = lo[0], stop = hi[rows - 1], j;
    /* Every row of the block holds [inner_start, inner_stop) */
    ptrdiff_t inner_start = lo[rows - 1], inner_stop = hi[0];
    if (inner_stop < inner_start)
        inner_stop = inner_start;
    for (int r = 0; r < rows; r++)
        left[r] = diagonal[r] = (V){0} + INFINITY;
    diagonal[0] = previous[start];
    for (j = start; j < inner_start; j++)
        NAME(column)(x, y + j * d, d, rows, j, lo, hi, 1, previous, current, left, diagonal);
    for (; j < inner_stop; j++)
        NAME(column)(x, y + j * d, d, rows, j, lo, hi, 0, previous, current, left, diagonal);
    for (; j < stop; j++)
        NAME(column)(x, y + j * d, d, rows, j, lo, hi, 1, previous, current, left, diagonal);
}

void NAME(dtw_group)(const T *X, ptrdiff_t x_stride, const ptrdiff_t *x_lengths,
                     const ptrdiff_t *a, const T *Y, ptrdiff_t y_stride,
                     const ptrdiff_t *y_lengths, const ptrdiff_t *b, ptrdiff_t n, ptrdiff_t m,
                     ptrdiff_t d, const ptrdiff_t *lo, const ptrdiff_t *hi, T *scratch,
                     double *out, const volatile int *stop)
{
    V *x = (V *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    V *y = x + n * d;
    V *previous = y + m * d, *current = previous + m + 1, *swap;
    ptrdiff_t i = 0, end, rows, j, l, next_hi;
    NAME(transpose)(X, x_stride, x_lengths, a, n, d, (T *)x);
    NAME(transpose)(Y, y_stride, y_lengths, b, m, d, (T *)y);
    previous[0] = (V){0};  /* R[-1, -1]: where every path starts */
    for (j = 1; j <= m; j++)
        previous[j] = (V){0} + INFINITY;
    while (i < n && !*stop) {
        /* Blocks of rows stop at each lane's last row, whose value is then read. */
        end = n;
        for (l = 0; l < LANES; l++)
            if (x_lengths[a[l]] > i && x_lengths[a[l]] < end)
                end = x_lengths[a[l]];
        rows = end - i < TSWARP_ROWS ? 1 : TSWARP_ROWS;
        current[lo[i]] = (V){0} + INFINITY;  /* left of the band */
        if (rows == TSWARP_ROWS && d == 1)
            NAME(rows)(x + i, y, 1, TSWARP_ROWS, lo + i, hi + i, previous, current);
        else if (rows == TSWARP_ROWS)
            NAME(rows)(x + i * d, y, d, TSWARP_ROWS, lo + i, hi + i, previous, current);
        else
            NAME(rows)(x + i * d, y, d, 1, lo + i, hi + i, previous, current);
        i += rows;
        for (l = 0; l < LANES; l++)
            if (x_lengths[a[l]] == i)
                out[l] = sqrt((double)((const T *)(current + y_lengths[b[l]]))[l]);
        /* The next row reads up to column hi[i] - 1 here: past this band it is inf. */
        next_hi = i < n ? hi[i] : hi[i - 1];
        for (j = hi[i - 1]; j < next_hi; j++)
            current[j + 1] = (V){0} + INFINITY;
        swap = previous;
        previous = current;
        current = swap;
    }
}

#undef V
#undef LANES
