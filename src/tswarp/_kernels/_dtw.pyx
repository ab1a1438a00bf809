"""Dynamic Time Warping: value, accumulated cost matrix, optimal path, and pairwise values.

R[i, j] = ||x_i - y_j||^2 + min(R[i-1, j-1], R[i-1, j], R[i, j-1]), with R[-1, -1] = 0, an
infinite border, and infinity outside the global constraint's band, whose cells are never
visited. The DTW value is sqrt(R[n-1, m-1]). Value kernels keep two rolling rows, O(m) memory.
"""
import numpy as np

from cython.parallel cimport prange, threadid
from libc.math cimport INFINITY, NAN, sqrt

from cython cimport floating

from tswarp._kernels._band cimport band_limits
from tswarp._kernels._interrupt cimport finished, tswarp_flag, tswarp_stopped, watch

# Rows computed together by the value kernel (see dtw_block_of_rows), and the backtracking
# directions in tie-break order: diagonal first, then up, then left. Shared with the SIMD
# kernels.
cdef extern from "dtw_simd.h":
    enum:
        ROWS "TSWARP_ROWS"
        DIAGONAL "TSWARP_DIAGONAL"
        UP "TSWARP_UP"
        LEFT "TSWARP_LEFT"

# Scratch rows per DP: two rolling rows of R and ROWS rows of costs.
cdef enum:
    SCRATCH_ROWS = 2 + ROWS


cdef inline floating squared_distance(
    const floating* a, const floating* b, Py_ssize_t d
) noexcept nogil:
    cdef Py_ssize_t k
    cdef floating diff, total = 0
    if d == 1:  # the common univariate case, without a loop
        diff = a[0] - b[0]
        return diff * diff
    for k in range(d):
        diff = a[k] - b[k]
        total = total + diff * diff
    return total


cdef inline void dtw_block_of_rows(
    const floating* x, const floating* y, Py_ssize_t d, Py_ssize_t first,
    const Py_ssize_t* lo, const Py_ssize_t* hi,
    const floating* previous, floating* current, floating* costs,
) noexcept nogil:
    """Rows first..first+ROWS-1 together, writing the last one into ``current``.

    One row is a serial chain (each cell waits for its left neighbour), which leaves the
    CPU mostly idle; four rows interleaved column by column give it four chains to overlap.
    Row r at column j needs row r-1 at columns j-1 and j, both computed just before.
    Columns run over the union of the four bands. The costs come first, in a loop that
    vectorises, with +inf outside each row's own band; the chain loop then has no branch.
    ``costs`` is scratch for ROWS * (m + 1) values.
    """
    cdef floating left[ROWS]
    cdef floating diagonal[ROWS]
    cdef floating up, diff, value
    cdef floating* row_costs
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
            # Feature by feature, so that the loop over columns stays simple and vectorises.
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


cdef floating dtw_cost(
    const floating* x, Py_ssize_t n, const floating* y, Py_ssize_t m, Py_ssize_t d,
    const Py_ssize_t* lo, const Py_ssize_t* hi, floating* rows,
    unsigned char* directions, const tswarp_flag* stop,
) noexcept nogil:
    """Minimal accumulated cost R[n-1, m-1] of x (n, d) and y (m, d), row-major pointers.

    ``rows`` is scratch for SCRATCH_ROWS * (m + 1) values. Rows hold R shifted by one column: slot
    j + 1 is column j and slot 0 the left border. When ``directions`` is not NULL, the
    (n, m) argmin directions of the in-band cells are written there for backtracking. The
    computation stops, with a meaningless result, when ``stop`` is raised.
    """
    cdef floating* previous = rows
    cdef floating* current = rows + m + 1
    cdef floating* swap
    cdef floating best, left, up, diagonal
    cdef Py_ssize_t i = 0, j, last, next_hi
    cdef unsigned char step

    previous[0] = 0  # R[-1, -1]: where every path starts
    # Both rows, not only the first: a block of ROWS rows reads the previous row up to
    # the band of its last row, past the padding of the row before, where stale
    # scratch (NaN, -inf) would poison the minima.
    for j in range(1, 2 * (m + 1)):
        previous[j] = INFINITY
    while i < n and not tswarp_stopped(stop):
        current[lo[i]] = INFINITY  # left of the band
        if directions == NULL and i + ROWS <= n:
            last = i + ROWS - 1
            dtw_block_of_rows(x, y, d, i, lo, hi, previous, current, rows + 2 * (m + 1))
        elif directions == NULL:
            # One row alone. The left neighbour and the diagonal stay in registers, so the
            # only serial dependency is min -> add from one cell to the next.
            last = i
            left = INFINITY
            diagonal = previous[lo[i]]
            for j in range(lo[i], hi[i]):
                up = previous[j + 1]
                left = squared_distance(x + i * d, y + j * d, d) + min(diagonal, up, left)
                current[j + 1] = left
                diagonal = up
        else:
            last = i
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
        # The next row reads up to column hi[last + 1] - 1 here: past this band it is inf.
        next_hi = hi[last + 1] if last + 1 < n else hi[last]
        for j in range(hi[last], next_hi):
            current[j + 1] = INFINITY
        swap = previous
        previous = current
        current = swap
        i = last + 1
    return previous[m]


cdef void matrix_block_of_rows(
    const floating* matrix, Py_ssize_t m, Py_ssize_t first, const Py_ssize_t* lo,
    const Py_ssize_t* hi, const floating* previous, floating* current, floating* costs,
    unsigned char* directions,
) noexcept nogil:
    """Rows first..first+ROWS-1 of the path DP over a cost matrix, as ``dtw_block_of_rows``
    does for the value: ROWS chains interleaved column by column over the union of their
    bands, the costs first copied with +inf outside each row's own band (``costs`` is
    scratch for ROWS * (m + 1) values). Each cell's direction is chosen by selects, not
    branches: which neighbour wins changes unpredictably from cell to cell. Cells outside a
    row's band get inf and a direction that no backtrack within the band reads.
    """
    cdef floating left[ROWS]
    cdef floating diagonal[ROWS]
    cdef floating up, best
    cdef floating* row_costs
    cdef unsigned char step
    cdef Py_ssize_t r, j, start = lo[first], stop = hi[first + ROWS - 1]
    cdef Py_ssize_t width = stop - start
    for r in range(ROWS):
        row_costs = costs + r * width - start  # indexed by column
        for j in range(start, lo[first + r]):
            row_costs[j] = INFINITY
        for j in range(lo[first + r], hi[first + r]):
            row_costs[j] = matrix[(first + r) * m + j]
        for j in range(hi[first + r], stop):
            row_costs[j] = INFINITY
        left[r] = INFINITY
        diagonal[r] = INFINITY
    diagonal[0] = previous[start]
    costs -= start
    directions += first * m
    for j in range(start, stop):
        up = previous[j + 1]
        for r in range(ROWS):
            # Ties go to the diagonal, then up, then left, as in the row-by-row loop.
            step = UP if up < diagonal[r] else DIAGONAL
            best = up if up < diagonal[r] else diagonal[r]
            step = LEFT if left[r] < best else step
            best = left[r] if left[r] < best else best
            directions[r * m + j] = step
            left[r] = costs[r * width + j] + best
            diagonal[r] = up
            up = left[r]
        current[j + 1] = up


cdef floating dtw_cost_of_matrix(
    const floating* matrix, Py_ssize_t n, Py_ssize_t m, const Py_ssize_t* lo,
    const Py_ssize_t* hi, floating* rows, unsigned char* directions, const tswarp_flag* stop,
) noexcept nogil:
    """As ``dtw_cost`` with directions, the cell costs read from the (n, m) ``matrix``.

    Its own loop, so that the per-cell loop over series stays as it is. ``rows`` is scratch
    for SCRATCH_ROWS * (m + 1) values.
    """
    cdef floating* previous = rows
    cdef floating* current = rows + m + 1
    cdef floating* swap
    cdef floating best
    cdef Py_ssize_t i = 0, j, last, next_hi
    cdef unsigned char step

    previous[0] = 0
    # Both rows, not only the first: a block of ROWS rows reads the previous row up to
    # the band of its last row, past the padding of the row before, where stale
    # scratch (NaN, -inf) would poison the minima.
    for j in range(1, 2 * (m + 1)):
        previous[j] = INFINITY
    while i < n and not tswarp_stopped(stop):
        current[lo[i]] = INFINITY
        if i + ROWS <= n:
            last = i + ROWS - 1
            matrix_block_of_rows(matrix, m, i, lo, hi, previous, current, rows + 2 * (m + 1),
                                 directions)
        else:
            last = i
            for j in range(lo[i], hi[i]):
                best = previous[j]
                step = DIAGONAL
                if previous[j + 1] < best:
                    best = previous[j + 1]
                    step = UP
                if current[j] < best:
                    best = current[j]
                    step = LEFT
                current[j + 1] = matrix[i * m + j] + best
                directions[i * m + j] = step
        next_hi = hi[last + 1] if last + 1 < n else hi[last]
        for j in range(hi[last], next_hi):
            current[j + 1] = INFINITY
        swap = previous
        previous = current
        current = swap
        i = last + 1
    return previous[m]


def band(Py_ssize_t n, Py_ssize_t m, int constraint, double parameter):
    """The (lo, hi) column ranges of each row, or None when no path fits the constraint."""
    lo = np.empty(n, dtype=np.intp)
    hi = np.empty(n, dtype=np.intp)
    cdef Py_ssize_t[::1] lo_view = lo, hi_view = hi
    if not band_limits(n, m, constraint, parameter, &lo_view[0], &hi_view[0]):
        return None
    return lo, hi


def dtw_value(
    const floating[:, ::1] x, const floating[:, ::1] y,
    const Py_ssize_t[::1] lo, const Py_ssize_t[::1] hi,
):
    """Minimal accumulated squared cost of x (n, d) and y (m, d) within a band."""
    cdef Py_ssize_t m = y.shape[0]
    cdef floating[::1] rows = np.empty(SCRATCH_ROWS * (m + 1), dtype=np.asarray(x).dtype)
    cdef floating cost
    cdef const tswarp_flag* stop
    while True:
        stop = watch(<double> x.shape[0] * m)
        with nogil:
            cost = dtw_cost(&x[0, 0], x.shape[0], &y[0, 0], m, x.shape[1],
                            &lo[0], &hi[0], &rows[0], NULL, stop)
        if finished(stop):
            return cost


cdef tuple path_and_cost(
    const floating* x, Py_ssize_t n, const floating* y, Py_ssize_t m, Py_ssize_t d,
    const Py_ssize_t[::1] lo, const Py_ssize_t[::1] hi, const floating* costs, dtype,
):
    """Optimal path and its cost, by ``dtw_cost`` with directions, then backtracking."""
    cdef floating[::1] rows = np.empty(SCRATCH_ROWS * (m + 1), dtype=dtype)
    cdef unsigned char[::1] directions = np.zeros(n * m, dtype=np.uint8)
    cdef Py_ssize_t[:, ::1] steps = np.empty((n + m - 1, 2), dtype=np.intp)
    cdef Py_ssize_t i, j, k = 0
    cdef floating cost
    cdef unsigned char step
    cdef const tswarp_flag* stop
    while True:
        stop = watch(<double> n * m)
        with nogil:
            if costs == NULL:
                cost = dtw_cost(x, n, y, m, d, &lo[0], &hi[0], &rows[0], &directions[0], stop)
            else:
                cost = dtw_cost_of_matrix(costs, n, m, &lo[0], &hi[0], &rows[0],
                                          &directions[0], stop)
        if finished(stop):
            break
    with nogil:
        i, j = n - 1, m - 1
        while True:
            steps[k, 0], steps[k, 1] = i, j
            k += 1
            if i == 0 and j == 0:
                break
            # On the first row or column only one move is possible.
            step = LEFT if i == 0 else UP if j == 0 else directions[i * m + j]
            if step != LEFT:
                i -= 1
            if step != UP:
                j -= 1
    return [(steps[i, 0], steps[i, 1]) for i in range(k - 1, -1, -1)], cost


def dtw_path(
    const floating[:, ::1] x, const floating[:, ::1] y,
    const Py_ssize_t[::1] lo, const Py_ssize_t[::1] hi,
):
    """Optimal path (list of (i, j)) and minimal accumulated squared cost.

    Uses one direction byte per cell, not the float matrix, so a path costs n * m bytes.
    Cells outside the band read DIAGONAL: a backtrack reaches them only when the costs
    overflowed to inf.
    """
    return path_and_cost(&x[0, 0], x.shape[0], &y[0, 0], y.shape[0], x.shape[1], lo, hi,
                         NULL, np.asarray(x).dtype)


def dtw_path_of_costs(
    const floating[:, ::1] costs, const Py_ssize_t[::1] lo, const Py_ssize_t[::1] hi,
):
    """As dtw_path, over a given (n, m) matrix of cell costs instead of two series: the
    path's cost is the sum of the matrix's values along it."""
    return path_and_cost(<const floating*> NULL, costs.shape[0], <const floating*> NULL,
                         costs.shape[1], 1, lo, hi, &costs[0, 0], np.asarray(costs).dtype)


def dtw_accumulated(
    const floating[:, ::1] x, const floating[:, ::1] y, const unsigned char[:, ::1] mask,
):
    """The (n, m) accumulated cost matrix R; cells where ``mask`` is 0 are infinite."""
    cdef Py_ssize_t n = x.shape[0], m = y.shape[0], d = x.shape[1], i, j
    acc_array = np.empty((n, m), dtype=np.asarray(x).dtype)
    cdef floating[:, ::1] acc = acc_array
    cdef floating best, up, left
    cdef const tswarp_flag* stop
    while True:
        stop = watch(<double> n * m)
        with nogil:
            for i in range(n):
                if tswarp_stopped(stop):
                    break
                for j in range(m):
                    if not mask[i, j]:
                        acc[i, j] = INFINITY
                        continue
                    if i == 0 and j == 0:
                        best = 0
                    else:
                        best = acc[i - 1, j - 1] if i > 0 and j > 0 else INFINITY
                        up = acc[i - 1, j] if i > 0 else INFINITY
                        left = acc[i, j - 1] if j > 0 else INFINITY
                        best = min(best, up, left)
                    acc[i, j] = squared_distance(&x[i, 0], &y[j, 0], d) + best
        if finished(stop):
            return acc_array


def dtw_pairs(
    const floating[:, :, ::1] X, const Py_ssize_t[::1] x_lengths,
    const floating[:, :, ::1] Y, const Py_ssize_t[::1] y_lengths,
    const Py_ssize_t[::1] rows, const Py_ssize_t[::1] cols,
    int constraint, double parameter, bint squared, double[::1] out, int n_threads,
):
    """out[k] = DTW(X[rows[k]], Y[cols[k]]) for a block of pairs, in parallel over pairs;
    with ``squared``, the minimal accumulated squared cost itself (no square root).

    Series are NaN-padded; only their first ``*_lengths`` steps are read. A pair whose
    lengths admit no path under the constraint gets NaN.
    """
    cdef Py_ssize_t n_pairs = rows.shape[0], d = X.shape[2], k, a, b
    cdef Py_ssize_t max_n = X.shape[1], max_m = Y.shape[1]
    dtype = np.asarray(X).dtype
    # One scratch slice per thread, allocated here so that no thread ever allocates.
    cdef floating[:, ::1] dp_rows = np.empty((n_threads, SCRATCH_ROWS * (max_m + 1)), dtype=dtype)
    cdef Py_ssize_t[:, ::1] limits = np.empty((n_threads, 2 * max_n), dtype=np.intp)
    cdef int thread
    cdef double cost
    cdef const tswarp_flag* stop
    while True:
        stop = watch(<double> n_pairs * max_n * max_m / n_threads)
        for k in prange(n_pairs, nogil=True, schedule="dynamic", chunksize=1,
                        num_threads=n_threads):
            thread = threadid()
            a = rows[k]
            b = cols[k]
            if not band_limits(x_lengths[a], y_lengths[b], constraint, parameter,
                               &limits[thread, 0], &limits[thread, max_n]):
                out[k] = NAN
                continue
            cost = dtw_cost(&X[a, 0, 0], x_lengths[a], &Y[b, 0, 0], y_lengths[b], d,
                            &limits[thread, 0], &limits[thread, max_n],
                            &dp_rows[thread, 0], NULL, stop)
            out[k] = cost if squared else sqrt(cost)
        if finished(stop):
            return
