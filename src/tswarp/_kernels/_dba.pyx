"""DTW barycenter averaging: the inner step, for every series at once.

For each series, the optimal DTW path between it and the barycenter (the DP keeps one
direction byte per cell, then walks back from the end), and along that path the series'
steps, weighted, are added onto the barycenter positions they are matched with, as are the
weights themselves: the new barycenter is the ratio of the two sums. The series run in
parallel, each thread adding into its own slice of the sums, which the caller adds up.

The path comes from the SIMD anti-diagonal kernel of ``_simd`` (``vectors`` > 0, the strip
height that ``_select.strip_vectors`` picks) or, in narrow bands, from the row-by-row loop
here (``vectors`` = 0); both give the path of ``_dtw.dtw_path`` bit for bit, ties included:
the diagonal first, then up (a step in the rows only), then left. Which sequence gives the
rows decides which way "up" goes, so both orders are offered (``series_first``). Everything
is float64: the averages are sums over many series.
"""
import numpy as np

from cython.parallel cimport prange, threadid
from libc.math cimport INFINITY, NAN
from libc.stddef cimport ptrdiff_t

from tswarp._kernels._band cimport band_limits
from tswarp._kernels._interrupt cimport finished, tswarp_flag, tswarp_stopped, watch
from tswarp._kernels._simd cimport (
    build_kernels,
    tswarp_build,
    tswarp_diagonal_backtrack,
    tswarp_diagonal_scratch,
)

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


cdef void add_steps(
    const ptrdiff_t* steps, Py_ssize_t count, bint series_first, const double* series,
    Py_ssize_t d, double weight, double* sums, double* counts,
) noexcept nogil:
    """As ``add_along_path``, for a path given as ``count`` (row, column) pairs."""
    cdef Py_ssize_t s, k, position, step_index
    for s in range(count):
        if series_first:
            step_index, position = steps[2 * s], steps[2 * s + 1]
        else:
            position, step_index = steps[2 * s], steps[2 * s + 1]
        counts[position] += weight
        for k in range(d):
            sums[position * d + k] += weight * series[step_index * d + k]


def dba_accumulate(
    const double[:, :, ::1] X, const Py_ssize_t[::1] lengths,
    const double[:, ::1] barycenter, const double[::1] weights,
    int constraint, double parameter, bint series_first,
    double[:, :, ::1] sums, double[:, ::1] counts, double[::1] costs, int n_threads,
    int build, int vectors,
):
    """One averaging step of the barycenter (sz, d) against the NaN-padded series X (n, N, d).

    Per thread t (``sums`` (n_threads, sz, d) and ``counts`` (n_threads, sz), overwritten),
    the weighted sums of the series' steps matched with each barycenter position and the
    sums of their weights; ``costs[i]`` gets the squared DTW cost of series i (NaN when no
    path fits the constraint: the caller checks the bands first). The DTW rows are the
    barycenter, or the series with ``series_first``. Series of weight 0 are skipped (cost 0).
    A series whose squared cost overflows (inf) adds nothing: the callers rescale first.
    ``vectors``: 0 for the row-by-row kernel, else the anti-diagonal kernels' strip height
    (2, 4 or 8 vectors) on build ``build``.
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
    if vectors not in (0, 2, 4, 8):
        raise ValueError("vectors must be 0, 2, 4 or 8")
    cdef const tswarp_build* chosen = build_kernels(build)
    cdef Py_ssize_t height = vectors * chosen.lanes_f64
    # Scratch per thread: DP rows (or the anti-diagonal kernel's), directions (a strip of
    # ``height`` rows keeps height bytes per step, at most columns + height steps; the
    # rows and columns are the barycenter's steps and a series', in either order), path
    # steps, band limits.
    cdef Py_ssize_t scratch_size = max(2 * (most + 1), tswarp_diagonal_scratch(most, d, 8))
    cdef Py_ssize_t direction_bytes = (size + height) * (longest + height)
    cdef double[:, ::1] scratch = np.empty((n_threads, scratch_size))
    cdef unsigned char[:, ::1] directions = np.empty((n_threads, direction_bytes), np.uint8)
    cdef Py_ssize_t[:, ::1] steps = np.empty((n_threads, 2 * (size + longest)), dtype=np.intp)
    cdef Py_ssize_t[:, ::1] limits = np.empty((n_threads, 2 * most), dtype=np.intp)
    cdef const double* rows_series
    cdef const double* cols_series
    cdef Py_ssize_t count
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
            rows_series = &X[i, 0, 0] if series_first else &barycenter[0, 0]
            cols_series = &barycenter[0, 0] if series_first else &X[i, 0, 0]
            if vectors == 0:
                costs[i] = path_directions(
                    rows_series, rows_n, cols_series, cols_m, d, &limits[thread, 0],
                    &limits[thread, most], &scratch[thread, 0], &directions[thread, 0], stop)
                # An overflowed (inf) cost ties every cell: its path is arbitrary, and it
                # would step out of the band onto directions never written. It adds nothing.
                if not tswarp_stopped(stop) and costs[i] < INFINITY:
                    add_along_path(&directions[thread, 0], rows_n, cols_m, series_first,
                                   &X[i, 0, 0], d, weights[i], &sums[thread, 0, 0],
                                   &counts[thread, 0])
            else:
                costs[i] = chosen.diagonal_path_f64(
                    rows_series, rows_n, cols_series, cols_m, d,
                    <const ptrdiff_t*> &limits[thread, 0],
                    <const ptrdiff_t*> &limits[thread, most], vectors, &scratch[thread, 0],
                    &directions[thread, 0], stop)
                if not tswarp_stopped(stop) and costs[i] < INFINITY:
                    count = tswarp_diagonal_backtrack(
                        rows_n, cols_m, <const ptrdiff_t*> &limits[thread, 0],
                        <const ptrdiff_t*> &limits[thread, most], height,
                        &directions[thread, 0], <ptrdiff_t*> &steps[thread, 0])
                    add_steps(<const ptrdiff_t*> &steps[thread, 0], count, series_first,
                              &X[i, 0, 0], d, weights[i], &sums[thread, 0, 0],
                              &counts[thread, 0])
        if finished(stop):
            return
