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


cdef Py_ssize_t lcss_count(
    const floating* x, Py_ssize_t n, const floating* y, Py_ssize_t m, Py_ssize_t d,
    const Py_ssize_t* lo, const Py_ssize_t* hi, double threshold, Py_ssize_t* rows,
    unsigned char* directions, const double* costs, const tswarp_flag* stop,
) noexcept nogil:
    """L[n-1, m-1] of x (n, d) and y (m, d) within the band.

    ``rows`` is zeroed scratch for 2 * (m + 1) counts, holding L shifted by one column (slot
    0 is the left border). Only slots up to hi[i] are ever written before row i, and the
    bounds never decrease, so the slots that row i reads past the previous row's band still
    hold their initial zero. When ``directions`` is not NULL (zeroed, n * m bytes) the
    backtracking direction of every in-band cell is written there, and the costs are read
    from the (n, m) matrix ``costs`` when that is not NULL (value kernels pass NULL for
    both). Meaningless when ``stop`` is raised.
    """
    cdef Py_ssize_t* previous = rows
    cdef Py_ssize_t* current = rows + m + 1
    cdef Py_ssize_t* swap
    cdef Py_ssize_t i, j, count
    cdef double cost
    cdef unsigned char step
    for i in range(n):
        if tswarp_stopped(stop):
            break
        current[lo[i]] = 0  # left of the band
        if directions == NULL:
            # The value alone: no branch on the kernel's mode inside the row.
            for j in range(lo[i], hi[i]):
                if squared_distance(x + i * d, y + j * d, d) <= threshold:
                    current[j + 1] = previous[j] + 1
                else:
                    current[j + 1] = max(previous[j + 1], current[j])
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
    return previous[m]


def lcss_value(
    const floating[:, ::1] x, const floating[:, ::1] y,
    const Py_ssize_t[::1] lo, const Py_ssize_t[::1] hi, double threshold,
):
    """Number of matched steps of x (n, d) and y (m, d) within the band."""
    cdef Py_ssize_t m = y.shape[0], count
    cdef Py_ssize_t[::1] rows = np.zeros(2 * (m + 1), dtype=np.intp)
    cdef const tswarp_flag* stop
    while True:
        rows[:] = 0
        stop = watch(<double> x.shape[0] * m)
        with nogil:
            count = lcss_count(&x[0, 0], x.shape[0], &y[0, 0], m, x.shape[1], &lo[0], &hi[0],
                               threshold, &rows[0], NULL, NULL, stop)
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
            count = lcss_count(x, n, y, m, d, &lo[0], &hi[0], threshold, &rows[0],
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
                threshold, &dp_rows[thread, 0], NULL, NULL, stop) / (n if n < m else m)
        if finished(stop):
            return
