"""Longest common subsequence (LCSS) of two series: match counts, paths and pairwise scores.

Steps i and j match when their squared Euclidean distance is at most ``threshold``. As in
tslearn, L[i, j] = L[i-1, j-1] + 1 on a match and max(L[i-1, j], L[i, j-1]) otherwise, with
a zero border and zero outside the global constraint's band; the count is L[n-1, m-1].
Counts are integers, so every kernel runs on Py_ssize_t rows. Value kernels keep two rows.
"""
import numpy as np

from cython.parallel cimport prange, threadid
from libc.math cimport NAN

from cython cimport floating

from tswarp._kernels._band cimport band_limits
from tswarp._kernels._interrupt cimport finished, tswarp_flag, tswarp_stopped, watch

# Backtracking directions. STOP (0, so a zeroed array starts with it) marks the cells with
# no match left before them, and the cells outside the band.
cdef enum:
    STOP = 0
    MATCH = 1
    UP = 2
    LEFT = 3


# Rows computed together by the value kernel (see lcss_block_of_rows).
cdef enum:
    ROWS = 4


cdef inline double squared_distance(
    const floating* a, const floating* b, Py_ssize_t d
) noexcept nogil:
    # In double whatever the input's type, so float32 series match as float64 ones do.
    cdef Py_ssize_t k
    cdef double diff, total = 0
    for k in range(d):
        diff = <double> a[k] - <double> b[k]
        total = total + diff * diff
    return total


cdef inline void lcss_block_of_rows(
    const floating* x, const floating* y, Py_ssize_t d, Py_ssize_t first,
    const Py_ssize_t* lo, const Py_ssize_t* hi, double threshold,
    const Py_ssize_t* previous, Py_ssize_t* current, double* costs,
) noexcept nogil:
    """Rows first..first+ROWS-1 together, writing the last one into ``current``.

    As frechet_block_of_rows: the squared distances first, in loops that vectorise, then
    ROWS chains of counts swept column by column over the union of the bands, a match
    selecting its count rather than branching (matches are as unpredictable as the data).
    Cells outside a row's own band get the distance -1, which makes their count 0, as the
    scalar loop's unvisited cells. ``costs`` is scratch for ROWS * (m + 1) values.
    """
    cdef Py_ssize_t left[ROWS]
    cdef Py_ssize_t diagonal[ROWS]
    cdef Py_ssize_t up, count
    cdef double diff, value, cost
    cdef double* row_costs
    cdef Py_ssize_t r, j, k, start = lo[first], stop = hi[first + ROWS - 1]
    cdef Py_ssize_t width = stop - start
    for r in range(ROWS):
        row_costs = costs + r * width - start  # indexed by column
        for j in range(start, lo[first + r]):
            row_costs[j] = -1.0
        if d == 1:
            value = <double> x[first + r]
            for j in range(lo[first + r], hi[first + r]):
                diff = value - <double> y[j]
                row_costs[j] = diff * diff
        else:
            for j in range(lo[first + r], hi[first + r]):
                row_costs[j] = 0
            for k in range(d):
                value = <double> x[(first + r) * d + k]
                for j in range(lo[first + r], hi[first + r]):
                    diff = value - <double> y[j * d + k]
                    row_costs[j] = row_costs[j] + diff * diff
        for j in range(hi[first + r], stop):
            row_costs[j] = -1.0
        left[r] = 0
        diagonal[r] = 0
    diagonal[0] = previous[start]
    costs -= start
    for j in range(start, stop):
        up = previous[j + 1]
        for r in range(ROWS):
            cost = costs[r * width + j]
            count = diagonal[r] + 1 if cost <= threshold else max(up, left[r])
            left[r] = count if cost >= 0 else 0
            diagonal[r] = up
            up = left[r]
        current[j + 1] = up


cdef Py_ssize_t lcss_count(
    const floating* x, Py_ssize_t n, const floating* y, Py_ssize_t m, Py_ssize_t d,
    const Py_ssize_t* lo, const Py_ssize_t* hi, double threshold, Py_ssize_t* rows,
    double* block, unsigned char* directions, const double* costs, const tswarp_flag* stop,
) noexcept nogil:
    """L[n-1, m-1] of x (n, d) and y (m, d) within the band.

    ``rows`` is zeroed scratch for 2 * (m + 1) counts, holding L shifted by one column (slot
    0 is the left border). Only slots up to hi[i] are ever written before row i, and the
    bounds never decrease, so the slots that row i reads past the previous row's band still
    hold their initial zero. When ``directions`` is not NULL (zeroed, n * m bytes) the
    backtracking direction of every in-band cell is written there, and the costs are read
    from the (n, m) matrix ``costs`` when that is not NULL (value kernels pass NULL for
    both). Value kernels pass ``block``, scratch for ROWS * (m + 1) distances, to compute
    ROWS rows at a time. Meaningless when ``stop`` is raised.
    """
    cdef Py_ssize_t* previous = rows
    cdef Py_ssize_t* current = rows + m + 1
    cdef Py_ssize_t* swap
    cdef Py_ssize_t i = 0, j, count, left, up, diagonal
    cdef double cost, diff
    cdef unsigned char step
    while i < n and not tswarp_stopped(stop):
        current[lo[i]] = 0  # left of the band
        if directions == NULL and i + ROWS <= n:
            lcss_block_of_rows(x, y, d, i, lo, hi, threshold, previous, current, block)
            i += ROWS - 1
        elif directions == NULL:
            # The value alone: the left and diagonal counts stay in registers, and a match
            # selects a value rather than branching (matches are as unpredictable as data).
            left = 0
            diagonal = previous[lo[i]]
            for j in range(lo[i], hi[i]):
                if d == 1:
                    diff = <double> x[i] - <double> y[j]
                    cost = diff * diff
                else:
                    cost = squared_distance(x + i * d, y + j * d, d)
                up = previous[j + 1]
                left = diagonal + 1 if cost <= threshold else max(up, left)
                current[j + 1] = left
                diagonal = up
        else:
            for j in range(lo[i], hi[i]):
                if costs != NULL:
                    cost = costs[i * m + j]
                else:
                    cost = squared_distance(x + i * d, y + j * d, d)
                if cost <= threshold:
                    count = previous[j] + 1
                    step = MATCH
                elif previous[j + 1] > current[j]:
                    count = previous[j + 1]
                    step = UP
                else:
                    count = current[j]
                    step = LEFT
                current[j + 1] = count
                directions[i * m + j] = step if count > 0 else STOP
        swap = previous
        previous = current
        current = swap
        i += 1
    return previous[m]


def lcss_value(
    const floating[:, ::1] x, const floating[:, ::1] y,
    const Py_ssize_t[::1] lo, const Py_ssize_t[::1] hi, double threshold,
):
    """Number of matched steps of x (n, d) and y (m, d) within the band."""
    cdef Py_ssize_t m = y.shape[0], count
    cdef Py_ssize_t[::1] rows = np.zeros(2 * (m + 1), dtype=np.intp)
    cdef double[::1] block = np.empty(ROWS * (m + 1))
    cdef const tswarp_flag* stop
    while True:
        rows[:] = 0
        stop = watch(<double> x.shape[0] * m)
        with nogil:
            count = lcss_count(&x[0, 0], x.shape[0], &y[0, 0], m, x.shape[1], &lo[0], &hi[0],
                               threshold, &rows[0], &block[0], NULL, NULL, stop)
        if finished(stop):
            return count


cdef list backtrack(const unsigned char[::1] directions, Py_ssize_t n, Py_ssize_t m):
    """The matched pairs met walking back from (n - 1, m - 1), in increasing order."""
    cdef Py_ssize_t i = n - 1, j = m - 1
    cdef unsigned char step
    path = []
    while i >= 0 and j >= 0:
        step = directions[i * m + j]
        if step == STOP:
            break
        if step == MATCH:
            path.append((i, j))
        if step != LEFT:
            i -= 1
        if step != UP:
            j -= 1
    path.reverse()
    return path


cdef tuple path_and_count(
    const floating* x, Py_ssize_t n, const floating* y, Py_ssize_t m, Py_ssize_t d,
    const Py_ssize_t[::1] lo, const Py_ssize_t[::1] hi, double threshold, const double* costs,
):
    cdef Py_ssize_t[::1] rows = np.zeros(2 * (m + 1), dtype=np.intp)
    cdef unsigned char[::1] directions = np.zeros(n * m, dtype=np.uint8)
    cdef Py_ssize_t count
    cdef const tswarp_flag* stop
    while True:
        rows[:] = 0
        stop = watch(<double> n * m)
        with nogil:
            count = lcss_count(x, n, y, m, d, &lo[0], &hi[0], threshold, &rows[0], NULL,
                               &directions[0], costs, stop)
        if finished(stop):
            return backtrack(directions, n, m), count


def lcss_path(
    const floating[:, ::1] x, const floating[:, ::1] y,
    const Py_ssize_t[::1] lo, const Py_ssize_t[::1] hi, double threshold,
):
    """Matched pairs (list of (i, j)) and their number, one direction byte a cell.

    Walking back from the last cell: a matching cell steps diagonally, otherwise the step
    goes up when that count is larger, left on ties (tslearn's rule). The walk ends where
    no match is left.
    """
    return path_and_count(&x[0, 0], x.shape[0], &y[0, 0], y.shape[0], x.shape[1], lo, hi,
                          threshold, NULL)


def lcss_path_of_costs(
    const double[:, ::1] costs, const Py_ssize_t[::1] lo, const Py_ssize_t[::1] hi,
    double threshold,
):
    """As lcss_path, over a given (n, m) matrix of costs instead of two series."""
    return path_and_count(<const double*> NULL, costs.shape[0], <const double*> NULL,
                          costs.shape[1], 1, lo, hi, threshold, &costs[0, 0])


def lcss_pairs(
    const floating[:, :, ::1] X, const Py_ssize_t[::1] x_lengths,
    const floating[:, :, ::1] Y, const Py_ssize_t[::1] y_lengths,
    const Py_ssize_t[::1] rows, const Py_ssize_t[::1] cols,
    int constraint, double parameter, double threshold, double[::1] out, int n_threads,
):
    """out[k] = LCSS score of X[rows[k]] and Y[cols[k]], in parallel over pairs.

    Series are NaN-padded; only their first ``*_lengths`` steps are read. A pair whose
    lengths admit no path under the constraint gets NaN.
    """
    cdef Py_ssize_t n_pairs = rows.shape[0], d = X.shape[2], k, a, b, n, m, j
    cdef Py_ssize_t max_n = X.shape[1], max_m = Y.shape[1]
    # One scratch slice per thread, allocated here so that no thread ever allocates.
    cdef Py_ssize_t[:, ::1] dp_rows = np.empty((n_threads, 2 * (max_m + 1)), dtype=np.intp)
    cdef double[:, ::1] block = np.empty((n_threads, ROWS * (max_m + 1)))
    cdef Py_ssize_t[:, ::1] limits = np.empty((n_threads, 2 * max_n), dtype=np.intp)
    cdef int thread
    cdef const tswarp_flag* stop
    while True:
        stop = watch(<double> n_pairs * max_n * max_m / n_threads)
        for k in prange(n_pairs, nogil=True, schedule="dynamic", chunksize=1,
                        num_threads=n_threads):
            thread = threadid()
            a = rows[k]
            b = cols[k]
            n = x_lengths[a]
            m = y_lengths[b]
            if not band_limits(n, m, constraint, parameter,
                               &limits[thread, 0], &limits[thread, max_n]):
                out[k] = NAN
                continue
            for j in range(2 * (m + 1)):
                dp_rows[thread, j] = 0
            out[k] = <double> lcss_count(
                &X[a, 0, 0], n, &Y[b, 0, 0], m, d, &limits[thread, 0], &limits[thread, max_n],
                threshold, &dp_rows[thread, 0], &block[thread, 0], NULL, NULL, stop
            ) / (n if n < m else m)
        if finished(stop):
            return


def lcss_table(const unsigned char[:, ::1] matches, const unsigned char[:, ::1] allowed):
    """The whole (n + 1, m + 1) int64 table L of the recurrence above, for given (n, m)
    0/1 matches and admissible cells: L[i + 1, j + 1] is the count of s1[:i + 1] and
    s2[:j + 1]. Only tslearn's ``lcss_accumulated_matrix`` asks for it."""
    cdef Py_ssize_t n = matches.shape[0], m = matches.shape[1], i, j
    table = np.zeros((n + 1, m + 1), dtype=np.int64)
    cdef long long[:, ::1] L = table
    with nogil:
        for i in range(n):
            for j in range(m):
                if not allowed[i, j]:
                    continue
                if matches[i, j]:
                    L[i + 1, j + 1] = L[i, j] + 1
                else:
                    L[i + 1, j + 1] = max(L[i, j + 1], L[i + 1, j])
    return table
