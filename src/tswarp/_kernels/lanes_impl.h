/* The lane kernels, written once for every recurrence on DTW's grid: dtw_simd.c includes this
 * file for each float width with T (double or float), MASK_T (a signed integer of T's size),
 * NAME(base) (a name with the width and instruction-set suffixes), VECTOR_MIN and VECTOR_MAX
 * (the min and max intrinsics, on x86), optionally VECTOR_SELECT_LE (a compare and blend
 * intrinsic), and WITH_LCSS (1 for double: LCSS compares costs in
 * double whatever the data's type, so float32 data runs on the double kernel).
 *
 * A group holds LANES pairs, one per lane of a vector V: every lane runs the same loop over
 * the same band. The series are transposed to [t][k][lane] first, so that one load gives a
 * value of every lane. The family (TSWARP_DTW, TSWARP_FRECHET, TSWARP_LCSS) is a constant
 * argument of the inlined loops, read only by lane_step, lane_outside and lane_result: each
 * exported kernel is the loop with its family's recurrence compiled in. The recurrences and
 * their order of operations are those of the scalar kernels (dtw_cost in _dtw.pyx,
 * frechet_cost in _frechet.pyx, lcss_count in _lcss.pyx), so each lane's result equals the
 * scalar kernel's bit for bit; LCSS holds its counts as doubles, exact up to 2**53.
 */
#if VECTOR_BYTES
typedef T NAME(vector) __attribute__((vector_size(VECTOR_BYTES)));
typedef MASK_T NAME(lane_mask) __attribute__((vector_size(VECTOR_BYTES)));
#else
typedef T NAME(vector);
#endif
#define V NAME(vector)
#define LANES ((ptrdiff_t)(sizeof(V) / sizeof(T)))

enum { NAME(lanes) = LANES };

static ALWAYS_INLINE V NAME(min)(V a, V b)
{
#if defined(GENERIC_MIN)
    NAME(lane_mask) less = (NAME(lane_mask))(a < b);
    return (V)(((NAME(lane_mask))a & less) | ((NAME(lane_mask))b & ~less));
#elif VECTOR_BYTES
    return VECTOR_MIN(a, b);
#else
    return a < b ? a : b;
#endif
}

static ALWAYS_INLINE V NAME(max)(V a, V b)
{
#if defined(GENERIC_MIN)
    NAME(lane_mask) greater = (NAME(lane_mask))(a > b);
    return (V)(((NAME(lane_mask))a & greater) | ((NAME(lane_mask))b & ~greater));
#elif VECTOR_BYTES
    return VECTOR_MAX(a, b);
#else
    return a > b ? a : b;
#endif
}

/* The value of a cell outside the band, and of the border: what the scalar kernels read
 * there (infinite costs; zero counts). */
static ALWAYS_INLINE V NAME(lane_outside)(int family)
{
    return family == TSWARP_LCSS ? (V){0} : (V){0} + INFINITY;
}

/* A cell from its cost and its three predecessors, in the scalar kernels' operations:
 * DTW adds the cost to the least predecessor, Fréchet takes the larger of the two, LCSS
 * (a match when the squared distance is at most the threshold) adds one to the diagonal or
 * keeps the larger of up and left. */
static ALWAYS_INLINE V NAME(lane_step)(int family, V cost, V diagonal, V up, V left, V threshold)
{
    if (family == TSWARP_DTW)
        return cost + NAME(min)(NAME(min)(diagonal, up), left);
    if (family == TSWARP_FRECHET)
        return NAME(max)(cost, NAME(min)(NAME(min)(diagonal, up), left));
#if defined(VECTOR_SELECT_LE)
    return VECTOR_SELECT_LE(cost, threshold, diagonal + 1, NAME(max)(up, left));
#elif VECTOR_BYTES
    NAME(lane_mask) match = (NAME(lane_mask))(cost <= threshold);
    V matched = diagonal + 1, unmatched = NAME(max)(up, left);
    return (V)(((NAME(lane_mask))matched & match) | ((NAME(lane_mask))unmatched & ~match));
#else
    return cost <= threshold ? diagonal + 1 : NAME(max)(up, left);
#endif
}

/* A pair's result from its last cell, for lengths n and m: DTW and Fréchet take the root of
 * the squared cost, LCSS divides the count by the shorter length. */
static ALWAYS_INLINE double NAME(lane_result)(int family, T last, ptrdiff_t n, ptrdiff_t m)
{
    if (family == TSWARP_LCSS)
        return (double)last / (double)(n < m ? n : m);
    return sqrt((double)last);
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
 * `masked` (a constant after inlining) gives the cells outside a row's band the outside
 * value, which is needed only near the band's edges, where the rows of the block disagree.
 * The cost is the scalar kernels' squared distance: diff * diff, plus one such term per
 * further dimension (their 0 + diff * diff is the same value). */
static ALWAYS_INLINE void NAME(column)(int family, const V *restrict x, const V *restrict yj,
                                       ptrdiff_t d, int rows, ptrdiff_t j, const ptrdiff_t *lo,
                                       const ptrdiff_t *hi, int masked, V threshold,
                                       const V *restrict previous, V *restrict current,
                                       V *left, V *diagonal)
{
    V cost[TSWARP_ROWS], diff, up = previous[j + 1];
    for (int r = 0; r < rows; r++) {
        diff = x[r * d] - yj[0];
        cost[r] = diff * diff;
    }
    for (ptrdiff_t k = 1; k < d; k++)
        for (int r = 0; r < rows; r++) {
            diff = x[r * d + k] - yj[k];
            cost[r] = cost[r] + diff * diff;
        }
    for (int r = 0; r < rows; r++) {
        if (masked && (j < lo[r] || j >= hi[r]))
            left[r] = NAME(lane_outside)(family);
        else
            left[r] = NAME(lane_step)(family, cost[r], diagonal[r], up, left[r], threshold);
        diagonal[r] = up;
        up = left[r];
    }
    current[j + 1] = up;
}

/* Rows i..i+rows-1 (lo, hi and x start at row i), writing the last one into `current`, both
 * rows shifted by one column (slot j + 1 holds column j). Interleaving rows column by column,
 * as the scalar kernels' row blocks do, gives the CPU several dependency chains at once and
 * reads and writes the stored rows once per block. Inlined with `rows` and d == 1 constants. */
static ALWAYS_INLINE void NAME(rows)(int family, const V *restrict x, const V *restrict y,
                                     ptrdiff_t d, int rows, const ptrdiff_t *lo,
                                     const ptrdiff_t *hi, V threshold,
                                     const V *restrict previous, V *restrict current)
{
    V left[TSWARP_ROWS], diagonal[TSWARP_ROWS];
    ptrdiff_t start = lo[0], stop = hi[rows - 1], j;
    /* Every row of the block holds [inner_start, inner_stop) */
    ptrdiff_t inner_start = lo[rows - 1], inner_stop = hi[0];
    if (inner_stop < inner_start)
        inner_stop = inner_start;
    for (int r = 0; r < rows; r++)
        left[r] = diagonal[r] = NAME(lane_outside)(family);
    diagonal[0] = previous[start];
    for (j = start; j < inner_start; j++)
        NAME(column)(family, x, y + j * d, d, rows, j, lo, hi, 1, threshold, previous, current,
                     left, diagonal);
    for (; j < inner_stop; j++)
        NAME(column)(family, x, y + j * d, d, rows, j, lo, hi, 0, threshold, previous, current,
                     left, diagonal);
    for (; j < stop; j++)
        NAME(column)(family, x, y + j * d, d, rows, j, lo, hi, 1, threshold, previous, current,
                     left, diagonal);
}

/* The kernel of tswarp_lanes_f64 / _f32 (dtw_simd.h) for one family, a constant once
 * inlined into the exported kernels below. */
static ALWAYS_INLINE void NAME(group)(int family, const T *X, ptrdiff_t x_stride,
                                      const ptrdiff_t *x_lengths, const ptrdiff_t *a,
                                      const T *Y, ptrdiff_t y_stride,
                                      const ptrdiff_t *y_lengths, const ptrdiff_t *b,
                                      ptrdiff_t n, ptrdiff_t m, ptrdiff_t d,
                                      const ptrdiff_t *lo, const ptrdiff_t *hi,
                                      double threshold, T *scratch, double *out,
                                      const volatile int *stop)
{
    V *x = (V *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    V *y = x + n * d;
    V *previous = y + m * d, *current = previous + m + 1, *swap;
    V limit = (V){0} + (T)threshold, outside = NAME(lane_outside)(family);
    ptrdiff_t i = 0, end, rows, j, l, next_hi;
    NAME(transpose)(X, x_stride, x_lengths, a, n, d, (T *)x);
    NAME(transpose)(Y, y_stride, y_lengths, b, m, d, (T *)y);
    previous[0] = (V){0};  /* R[-1, -1]: where every path starts (and LCSS's zero border) */
    for (j = 1; j <= m; j++)
        previous[j] = outside;
    while (i < n && !*stop) {
        /* Blocks of rows stop at each lane's last row, whose value is then read. */
        end = n;
        for (l = 0; l < LANES; l++)
            if (x_lengths[a[l]] > i && x_lengths[a[l]] < end)
                end = x_lengths[a[l]];
        rows = end - i < TSWARP_ROWS ? 1 : TSWARP_ROWS;
        current[lo[i]] = outside;  /* left of the band */
        if (rows == TSWARP_ROWS && d == 1)
            NAME(rows)(family, x + i, y, 1, TSWARP_ROWS, lo + i, hi + i, limit, previous,
                       current);
        else if (rows == TSWARP_ROWS)
            NAME(rows)(family, x + i * d, y, d, TSWARP_ROWS, lo + i, hi + i, limit, previous,
                       current);
        else
            NAME(rows)(family, x + i * d, y, d, 1, lo + i, hi + i, limit, previous, current);
        i += rows;
        for (l = 0; l < LANES; l++)
            if (x_lengths[a[l]] == i)
                out[l] = NAME(lane_result)(family, ((const T *)(current + y_lengths[b[l]]))[l],
                                      x_lengths[a[l]], y_lengths[b[l]]);
        /* The next row reads up to column hi[i] - 1 here: past this band it is outside. */
        next_hi = i < n ? hi[i] : hi[i - 1];
        for (j = hi[i - 1]; j < next_hi; j++)
            current[j + 1] = outside;
        swap = previous;
        previous = current;
        current = swap;
    }
}

#define LANE_KERNEL(family, kernel)                                                          \
    void NAME(kernel)(const T *X, ptrdiff_t x_stride, const ptrdiff_t *x_lengths,            \
                      const ptrdiff_t *a, const T *Y, ptrdiff_t y_stride,                    \
                      const ptrdiff_t *y_lengths, const ptrdiff_t *b, ptrdiff_t n,           \
                      ptrdiff_t m, ptrdiff_t d, const ptrdiff_t *lo, const ptrdiff_t *hi,    \
                      double threshold, T *scratch, double *out, const volatile int *stop)   \
    {                                                                                        \
        NAME(group)(family, X, x_stride, x_lengths, a, Y, y_stride, y_lengths, b, n, m, d,  \
                    lo, hi, threshold, scratch, out, stop);                                  \
    }

LANE_KERNEL(TSWARP_DTW, dtw_group)
LANE_KERNEL(TSWARP_FRECHET, frechet_group)
#if WITH_LCSS
LANE_KERNEL(TSWARP_LCSS, lcss_group)
#endif

#undef LANE_KERNEL
#undef V
#undef LANES
