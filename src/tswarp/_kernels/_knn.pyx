"""k-nearest-neighbour search under DTW, pruned as in the UCR suite.

For each query, every training series gets a lower bound of its squared DTW: LB_Kim (the
first and the last steps, which every path matches) and, for series of the query's length,
LB_Keogh of the query against the candidate's envelope. Candidates are visited in increasing
order of that bound, and the k best found so far set a threshold: once a bound exceeds it,
that candidate and all the later ones are out. A visited candidate of the query's length
is then bounded by LB_Keogh of itself against the query's envelope, and its DTW runs row by
row, abandoned once the smallest cell of a row plus a lower bound of the rows still to come
exceeds the threshold. Squared costs throughout; the square root is taken by the caller.

A candidate is pruned only when its cost is strictly above the k-th best, so candidates that
tie with it are always computed and the answer is the exhaustive one, ties going to the
smaller index. The bounds are sums in another order than DTW's: they are compared with a
margin for rounding. DTW cells are computed as in the cdist kernels, so the costs are the
same bit for bit.
"""
import numpy as np

from cython.parallel cimport prange, threadid
from libc.math cimport INFINITY
from libc.stdlib cimport free, malloc, qsort

from tswarp._kernels._band cimport band_limits
from tswarp._kernels._interrupt cimport finished, tswarp_flag, tswarp_stopped, watch

# The columns of stats: candidates ruled out by LB_Kim, by LB_Keogh of the query, by LB_Keogh
# of the candidate, DTWs abandoned, and DTWs computed to the end.
cdef enum:
    BY_KIM = 0
    BY_KEOGH_QUERY = 1
    BY_KEOGH_CANDIDATE = 2
    ABANDONED = 3
    COMPUTED = 4
    STAGES = 5
    # Rows of the DTW computed together (see block_of_rows).
    ROWS = 4


cdef struct Candidate:
    double bound
    double kim
    Py_ssize_t index


cdef int by_bound(const void* a, const void* b) noexcept nogil:
    """Order of visit: increasing bound, then index (a total order: the same on any run)."""
    cdef const Candidate* x = <const Candidate*> a
    cdef const Candidate* y = <const Candidate*> b
    if x.bound < y.bound:
        return -1
    if x.bound > y.bound:
        return 1
    return (x.index > y.index) - (x.index < y.index)


cdef inline double squared_distance(const double* a, const double* b, Py_ssize_t d) noexcept nogil:
    cdef Py_ssize_t k
    cdef double diff, total = 0
    if d == 1:
        diff = a[0] - b[0]
        return diff * diff
    for k in range(d):
        diff = a[k] - b[k]
        total = total + diff * diff
    return total


cdef inline double outside(
    const double* x, const double* low, const double* high, Py_ssize_t d
) noexcept nogil:
    """The squared distance from the step x to the box [low, high] (0 inside)."""
    cdef Py_ssize_t k
    cdef double gap, total = 0
    for k in range(d):
        gap = max(x[k] - high[k], low[k] - x[k], 0.0)
        total = total + gap * gap
    return total


cdef double keogh(
    const double* x, const double* low, const double* high, Py_ssize_t n, Py_ssize_t d,
    double* terms,
) noexcept nogil:
    """LB_Keogh of x (n, d) against the envelope (low, high): the sum of each step's
    squared distance to its box. With ``terms``, the step's share is written there."""
    cdef Py_ssize_t i
    cdef double term, total = 0
    for i in range(n):
        term = outside(x + i * d, low + i * d, high + i * d, d)
        total = total + term
        if terms != NULL:
            terms[i] = term
    return total


cdef inline double block_of_rows(
    const double* x, const double* y, Py_ssize_t d, Py_ssize_t first,
    const Py_ssize_t* lo, const Py_ssize_t* hi, const double* previous, double* current,
    double* costs,
) noexcept nogil:
    """Rows first..first+ROWS-1 of the DP together, the last one written into ``current``;
    returns its least cell.

    As the cdist kernel does it: one row is a serial chain from cell to cell, ROWS rows
    interleaved column by column give the CPU that many chains to overlap. The costs come
    first, +inf outside each row's band, in loops that vectorise. ``costs`` is scratch for
    ROWS * (m + 1) values.
    """
    cdef double left[ROWS]
    cdef double diagonal[ROWS]
    cdef double up, diff, value, smallest = INFINITY
    cdef double* row_costs
    cdef Py_ssize_t r, j, k, start = lo[first], stop = hi[first + ROWS - 1]
    cdef Py_ssize_t width = stop - start
    for r in range(ROWS):
        row_costs = costs + r * width - start  # indexed by column
        for j in range(start, lo[first + r]):
            row_costs[j] = INFINITY
        if d == 1:
            for j in range(lo[first + r], hi[first + r]):
                diff = x[first + r] - y[j]
                row_costs[j] = diff * diff
        else:
            for j in range(lo[first + r], hi[first + r]):
                row_costs[j] = 0
            for k in range(d):
                value = x[(first + r) * d + k]
                for j in range(lo[first + r], hi[first + r]):
                    diff = value - y[j * d + k]
                    row_costs[j] = row_costs[j] + diff * diff
        for j in range(hi[first + r], stop):
            row_costs[j] = INFINITY
        left[r] = INFINITY
        diagonal[r] = INFINITY
    diagonal[0] = previous[start]
    costs -= start
    for j in range(start, stop):
        up = previous[j + 1]
        for r in range(ROWS):
            left[r] = costs[r * width + j] + min(diagonal[r], up, left[r])
            diagonal[r] = up
            up = left[r]
        current[j + 1] = up
        smallest = min(smallest, up)
    return smallest


cdef double abandoning_dtw(
    const double* x, Py_ssize_t n, const double* y, Py_ssize_t m, Py_ssize_t d,
    const Py_ssize_t* lo, const Py_ssize_t* hi, double* rows, const double* remaining,
    double limit,
) noexcept nogil:
    """The squared DTW of x (n, d) and y (m, d) within the band, or inf once the least cell
    of a row i plus ``remaining[i]`` (a lower bound on the cost of the rows after i)
    exceeds ``limit``, checked every ROWS rows. ``rows`` is scratch for
    (2 + ROWS) * (m + 1) values."""
    cdef double* previous = rows
    cdef double* current = rows + m + 1
    cdef double* swap
    cdef double left, up, diagonal, smallest
    cdef Py_ssize_t i = 0, j, last, next_hi
    previous[0] = 0
    # Both rows, not only the first: a block of ROWS rows reads the previous row up to
    # the band of its last row, past the padding of the row before, where stale
    # scratch (NaN, -inf) would poison the minima.
    for j in range(1, 2 * (m + 1)):
        previous[j] = INFINITY
    while i < n:
        current[lo[i]] = INFINITY
        if i + ROWS <= n:
            last = i + ROWS - 1
            smallest = block_of_rows(x, y, d, i, lo, hi, previous, current, rows + 2 * (m + 1))
        else:
            last = i
            left = INFINITY
            diagonal = previous[lo[i]]
            smallest = INFINITY
            for j in range(lo[i], hi[i]):
                up = previous[j + 1]
                left = squared_distance(x + i * d, y + j * d, d) + min(diagonal, up, left)
                current[j + 1] = left
                diagonal = up
                smallest = min(smallest, left)
        if smallest + remaining[last] > limit:
            return INFINITY
        next_hi = hi[last + 1] if last + 1 < n else hi[last]
        for j in range(hi[last], next_hi):
            current[j + 1] = INFINITY
        swap = previous
        previous = current
        current = swap
        i = last + 1
    return previous[m]


cdef inline bint comes_before(
    double cost, Py_ssize_t index, double other_cost, Py_ssize_t other_index
) noexcept nogil:
    return cost < other_cost or (cost == other_cost and index < other_index)


cdef Py_ssize_t insert(
    double* costs, Py_ssize_t* indices, Py_ssize_t size, Py_ssize_t k, double cost,
    Py_ssize_t index,
) noexcept nogil:
    """Put (cost, index) into the sorted k best, when it belongs there; the new size."""
    cdef Py_ssize_t t
    if size == k and not comes_before(cost, index, costs[k - 1], indices[k - 1]):
        return size
    t = size if size < k else k - 1
    while t > 0 and comes_before(cost, index, costs[t - 1], indices[t - 1]):
        costs[t] = costs[t - 1]
        indices[t] = indices[t - 1]
        t -= 1
    costs[t] = cost
    indices[t] = index
    return size + 1 if size < k else size


cdef void search_one(
    const double* q, Py_ssize_t n, const double* q_low, const double* q_high,
    Py_ssize_t radius, const double* T, const Py_ssize_t* t_lengths, const double* t_low,
    const double* t_high, Py_ssize_t n_train, Py_ssize_t max_n, Py_ssize_t max_m,
    Py_ssize_t d, Py_ssize_t skip, int code, double parameter, Py_ssize_t k,
    double margin, Candidate* candidates, double* scratch, Py_ssize_t* band, double* costs,
    Py_ssize_t* indices, long long* stats, const tswarp_flag* stop,
) noexcept nogil:
    """The k best training series for the query q (n, d): squared costs and indices, sorted.

    Training series c starts at ``T + c * max_m * d``, its envelope likewise; the band of
    pairs of the query's length stays within ``radius`` of the diagonal, the radius of the
    envelopes. ``skip`` is a training index left out (the query itself), or -1.
    ``scratch`` holds (2 + ROWS) * (max_m + 1) DP values, then max_n + 1 query terms and
    max_m + 1 candidate terms; ``band`` 2 * max_n indices.
    """
    cdef Py_ssize_t c, t, rest, i, m, size = 0, step = max_m * d
    cdef double* rows = scratch
    cdef double* query_terms = scratch + (2 + ROWS) * (max_m + 1)
    cdef double* candidate_terms = query_terms + max_n + 1
    cdef double threshold = INFINITY, limit, cost, total
    for c in range(n_train):
        m = t_lengths[c]
        candidates[c].index = c
        candidates[c].kim = squared_distance(q, T + c * step, d)
        if n > 1 or m > 1:
            candidates[c].kim += squared_distance(q + (n - 1) * d, T + c * step + (m - 1) * d, d)
        candidates[c].bound = candidates[c].kim
        if m == n:
            candidates[c].bound = max(candidates[c].kim, keogh(
                q, t_low + c * step, t_high + c * step, n, d, NULL))
    qsort(candidates, n_train, sizeof(Candidate), by_bound)
    for t in range(n_train):
        c = candidates[t].index
        if c == skip:
            continue
        limit = threshold * margin
        if candidates[t].bound > limit:
            for rest in range(t, n_train):  # all the later ones are out too
                if candidates[rest].index != skip:
                    stats[BY_KIM if candidates[rest].kim > limit else BY_KEOGH_QUERY] += 1
            break
        if tswarp_stopped(stop):
            return
        m = t_lengths[c]
        if m == n:
            # The rows after i cost at least the query's terms of those rows, and at least
            # the candidate's terms of the columns past i + radius, which no row up to i
            # reaches: the larger of the two sums bounds them.
            total = keogh(T + c * step, q_low, q_high, m, d, candidate_terms)
            if total > limit:
                stats[BY_KEOGH_CANDIDATE] += 1
                continue
            keogh(q, t_low + c * step, t_high + c * step, n, d, query_terms)
            query_terms[n] = 0
            candidate_terms[m] = 0
            for i in range(n - 1, -1, -1):
                query_terms[i] = query_terms[i] + query_terms[i + 1]
            for i in range(m - 1, -1, -1):
                candidate_terms[i] = candidate_terms[i] + candidate_terms[i + 1]
            for i in range(n):
                query_terms[i] = max(query_terms[i + 1],
                                     candidate_terms[min(i + radius + 1, m)])
        else:
            for i in range(n):
                query_terms[i] = 0
        band_limits(n, m, code, parameter, band, band + n)
        cost = abandoning_dtw(q, n, T + c * step, m, d, band, band + n, rows, query_terms,
                              limit)
        if cost == INFINITY:
            stats[ABANDONED] += 1
            continue
        stats[COMPUTED] += 1
        size = insert(costs, indices, size, k, cost, c)
        if size == k:
            threshold = costs[k - 1]


def knn_search(
    const double[:, :, ::1] Q, const Py_ssize_t[::1] q_lengths,
    const double[:, :, ::1] q_low, const double[:, :, ::1] q_high,
    const Py_ssize_t[::1] q_radius,
    const double[:, :, ::1] T, const Py_ssize_t[::1] t_lengths,
    const double[:, :, ::1] t_low, const double[:, :, ::1] t_high,
    int code, double parameter, Py_ssize_t first_self,
    double[:, ::1] costs, Py_ssize_t[:, ::1] indices, long long[:, ::1] stats, int n_threads,
):
    """The k = costs.shape[1] nearest training series of each query, by squared DTW.

    Series are NaN-padded; only their first ``*_lengths`` steps are read. Envelopes are those
    of radius ``q_radius[q]`` (the band's reach for pairs of the query's length), for every
    series (queries and training series of the same length share it). With ``first_self``
    >= 0, the queries are the training series from ``first_self`` on: query q leaves out
    training series first_self + q. Writes the
    squared costs and indices of the k best, sorted by cost then index (inf and -1 where
    fewer than k costs were finite), and per query the count of candidates at each stage
    (see STAGES).
    Every pair of lengths must admit a path under the constraint.
    """
    cdef Py_ssize_t n_queries = Q.shape[0], n_train = T.shape[0], d = T.shape[2]
    cdef Py_ssize_t max_n = Q.shape[1], max_m = T.shape[1], k = costs.shape[1], q
    cdef Py_ssize_t scratch_size = (2 + ROWS) * (max_m + 1) + max_n + 1 + max_m + 1
    # Bounds and DTW sum in different orders: each may be a few ulps per term off.
    cdef double margin = 1.0 + 8.0 * (max_n + max_m + d + 2) * 2.0 ** -53
    cdef double[:, ::1] scratch = np.empty((n_threads, scratch_size))
    cdef Py_ssize_t[:, ::1] band = np.empty((n_threads, 2 * max_n), dtype=np.intp)
    cdef int thread
    cdef const tswarp_flag* stop
    cdef Candidate* candidates = <Candidate*> malloc(
        max(1, n_threads * n_train) * sizeof(Candidate))
    if candidates == NULL:
        raise MemoryError()
    try:
        while True:
            stats[:, :] = 0
            costs[:, :] = INFINITY
            indices[:, :] = -1
            stop = watch(<double> n_queries * n_train * max_n * max_m / n_threads)
            for q in prange(n_queries, nogil=True, schedule="dynamic", chunksize=1,
                            num_threads=n_threads):
                if tswarp_stopped(stop):
                    continue
                thread = threadid()
                search_one(&Q[q, 0, 0], q_lengths[q], &q_low[q, 0, 0], &q_high[q, 0, 0],
                           q_radius[q], &T[0, 0, 0], &t_lengths[0], &t_low[0, 0, 0],
                           &t_high[0, 0, 0], n_train, max_n, max_m, d,
                           first_self + q if first_self >= 0 else -1, code, parameter, k, margin,
                           candidates + thread * n_train, &scratch[thread, 0],
                           &band[thread, 0], &costs[q, 0], &indices[q, 0], &stats[q, 0], stop)
            if finished(stop):
                return
    finally:
        free(candidates)
