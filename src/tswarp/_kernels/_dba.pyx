"""DTW barycenter averaging: the inner step, for every series at once.

For each series, the optimal DTW path between it and the barycenter (the DP keeps one
direction byte per cell, then walks back from the end), and along that path the series'
steps, weighted, are added onto the barycenter positions they are matched with, as are the
weights themselves: the new barycenter is the ratio of the two sums. The series run in
parallel, each thread adding into its own slice of the sums, which the caller adds up.

Ties in the backtrack go to the diagonal, then up (a step in the rows only), then left, as in
``_dtw.pyx``; which sequence gives the rows decides which way "up" goes, so both orders are
offered (``series_first``). Everything is float64: the averages are sums over many series.
"""
import numpy as np

from cython.parallel cimport prange, threadid
from libc.math cimport INFINITY, NAN

from tswarp._kernels._band cimport band_limits
from tswarp._kernels._interrupt cimport finished, tswarp_flag, tswarp_stopped, watch

cdef enum:
    DIAGONAL = 0
    UP = 1
    LEFT = 2


cdef inline double squared_distance(
    const double* a, const double* b, Py_ssize_t d
) noexcept nogil:
    cdef Py_ssize_t k
    cdef double diff, total = 0
    for k in range(d):
        diff = a[k] - b[k]
        total = total + diff * diff
    return total


cdef double path_directions(
    const double* x, Py_ssize_t n, const double* y, Py_ssize_t m, Py_ssize_t d,
    const Py_ssize_t* lo, const Py_ssize_t* hi, double* rows, unsigned char* directions,
    const tswarp_flag* stop,
) noexcept nogil:
    """Squared DTW cost of x (n, d) against y (m, d) within the band, writing each in-band
    cell's argmin direction to ``directions`` (n * m). ``rows``: scratch for 2 * (m + 1)
    values, slot j + 1 holding column j. Stops early, with a meaningless result, on ``stop``.
    """
    cdef double* previous = rows
    cdef double* current = rows + m + 1
    cdef double* swap
    cdef double best
    cdef Py_ssize_t i, j, next_hi
    cdef unsigned char step
    previous[0] = 0  # where every path starts
    for j in range(1, m + 1):
        previous[j] = INFINITY
    for i in range(n):
        if tswarp_stopped(stop):
            break
        current[lo[i]] = INFINITY  # left of the band
        for j in range(lo[i], hi[i]):
            best = previous[j]
            step = DIAGONAL
            if previous[j + 1] < best:
                best = previous[j + 1]
                step = UP
            if current[j] < best:
                best = current[j]
                step = LEFT
            current[j + 1] = squared_distance(x + i * d, y + j * d, d) + best
            directions[i * m + j] = step
        # The next row reads up to its own band's end: past this row's band it is inf.
        next_hi = hi[i + 1] if i + 1 < n else hi[i]
        for j in range(hi[i], next_hi):
            current[j + 1] = INFINITY
        swap = previous
        previous = current
        current = swap
    return previous[m]


cdef void add_along_path(
    const unsigned char* directions, Py_ssize_t n, Py_ssize_t m, bint series_first,
    const double* series, Py_ssize_t d, double weight, double* sums, double* counts,
) noexcept nogil:
    """Walk the path back from (n - 1, m - 1), adding weight * series step onto the sums of
    the barycenter position it is matched with, and the weight onto its count."""
    cdef Py_ssize_t i = n - 1, j = m - 1, position, step_index, k
    cdef unsigned char step
    while True:
        if series_first:
            step_index, position = i, j
        else:
            position, step_index = i, j
        counts[position] += weight
        for k in range(d):
            sums[position * d + k] += weight * series[step_index * d + k]
        if i == 0 and j == 0:
            return
        # On the first row or column only one move is possible.
        step = LEFT if i == 0 else UP if j == 0 else directions[i * m + j]
        if step != LEFT:
            i -= 1
        if step != UP:
            j -= 1


def dba_accumulate(
    const double[:, :, ::1] X, const Py_ssize_t[::1] lengths,
    const double[:, ::1] barycenter, const double[::1] weights,
    int constraint, double parameter, bint series_first,
    double[:, :, ::1] sums, double[:, ::1] counts, double[::1] costs, int n_threads,
):
    """One averaging step of the barycenter (sz, d) against the NaN-padded series X (n, N, d).

    Per thread t (``sums`` (n_threads, sz, d) and ``counts`` (n_threads, sz), overwritten),
    the weighted sums of the series' steps matched with each barycenter position and the
    sums of their weights; ``costs[i]`` gets the squared DTW cost of series i (NaN when no
    path fits the constraint: the caller checks the bands first). The DTW rows are the
    barycenter, or the series with ``series_first``. Series of weight 0 are skipped (cost 0).
    """
    cdef Py_ssize_t n = X.shape[0], longest = X.shape[1], d = X.shape[2]
    cdef Py_ssize_t size = barycenter.shape[0], i, rows_n, cols_m, most = max(size, longest)
    if n == 0 or size == 0 or d == 0:
        raise ValueError("dba_accumulate needs series, a barycenter and features")
    if barycenter.shape[1] != d or lengths.shape[0] != n or weights.shape[0] != n:
        raise ValueError("X, lengths, barycenter and weights must agree")
    if (sums.shape[0] < n_threads or sums.shape[1] != size or sums.shape[2] != d
            or counts.shape[0] < n_threads or counts.shape[1] != size or costs.shape[0] != n):
        raise ValueError("sums, counts and costs do not have the shapes of the problem")
    if np.any(np.asarray(lengths) < 1) or np.any(np.asarray(lengths) > longest):
        raise ValueError("lengths must be within 1..X.shape[1]")
    cdef double[:, ::1] dp_rows = np.empty((n_threads, 2 * (most + 1)))
    cdef unsigned char[:, ::1] directions = np.empty((n_threads, size * longest), np.uint8)
    cdef Py_ssize_t[:, ::1] limits = np.empty((n_threads, 2 * most), dtype=np.intp)
    cdef int thread
    cdef const tswarp_flag* stop
    while True:
        # The threads add into the sums: zeros first, again after an interruption.
        np.asarray(sums)[...] = 0
        np.asarray(counts)[...] = 0
        stop = watch(<double> n * size * longest / n_threads)
        for i in prange(n, nogil=True, schedule="dynamic", chunksize=1,
                        num_threads=n_threads):
            thread = threadid()
            costs[i] = 0
            if weights[i] == 0:
                continue
            rows_n = lengths[i] if series_first else size
            cols_m = size if series_first else lengths[i]
            if not band_limits(rows_n, cols_m, constraint, parameter,
                               &limits[thread, 0], &limits[thread, most]):
                costs[i] = NAN
                continue
            if series_first:
                costs[i] = path_directions(
                    &X[i, 0, 0], rows_n, &barycenter[0, 0], cols_m, d,
                    &limits[thread, 0], &limits[thread, most], &dp_rows[thread, 0],
                    &directions[thread, 0], stop)
            else:
                costs[i] = path_directions(
                    &barycenter[0, 0], rows_n, &X[i, 0, 0], cols_m, d,
                    &limits[thread, 0], &limits[thread, most], &dp_rows[thread, 0],
                    &directions[thread, 0], stop)
            if not tswarp_stopped(stop):
                add_along_path(&directions[thread, 0], rows_n, cols_m, series_first,
                               &X[i, 0, 0], d, weights[i], &sums[thread, 0, 0],
                               &counts[thread, 0])
        if finished(stop):
            return
