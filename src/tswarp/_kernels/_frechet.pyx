"""Discrete Fréchet distance: value, accumulated matrix, optimal path, and pairwise values.

R[i, j] = max(||x_i - y_j||^2, min(R[i-1, j-1], R[i-1, j], R[i, j-1])), with R[-1, -1] = 0,
an infinite border, and infinity outside the global constraint's band. It is DTW's grid with
the sum along a path replaced by its maximum: the value is the square root of R[n-1, m-1],
the smallest largest matched cost over all warping paths. Value kernels keep two rolling rows.
"""
import numpy as np

from cython.parallel cimport prange, threadid
from libc.math cimport INFINITY, NAN, sqrt

from cython cimport floating

from tswarp._kernels._band cimport band_limits
from tswarp._kernels._interrupt cimport finished, tswarp_flag, tswarp_stopped, watch

# Rows computed together by the value kernel (see frechet_block_of_rows).
cdef enum:
    ROWS = 4
    # Scratch rows per DP: two rolling rows of R and ROWS rows of costs.
    SCRATCH_ROWS = 2 + ROWS

# Backtracking directions, in tie-break order: diagonal first, then up, then left.
cdef enum:
    DIAGONAL = 0
    UP = 1
    LEFT = 2


cdef inline floating squared_distance(
    const floating* a, const floating* b, Py_ssize_t d
) noexcept nogil:
    cdef Py_ssize_t k
    cdef floating diff, total = 0
    if d == 1:
        diff = a[0] - b[0]
        return diff * diff
    for k in range(d):
        diff = a[k] - b[k]
        total = total + diff * diff
    return total


cdef inline void frechet_block_of_rows(
    const floating* x, const floating* y, Py_ssize_t d, Py_ssize_t first,
    const Py_ssize_t* lo, const Py_ssize_t* hi,
    const floating* previous, floating* current, floating* costs,
) noexcept nogil:
    """Rows first..first+ROWS-1 together, writing the last one into ``current``.

    A single row is one serial chain of min and max from cell to cell; ROWS rows swept
    column by column give the CPU ROWS chains to overlap (row r at column j needs row r-1
    at columns j-1 and j, both just computed). Columns run over the union of the bands.
    The costs come first, in loops that vectorise, with +inf outside each row's own band,
    so the chain loop has no branch. ``costs`` is scratch for ROWS * (m + 1) values.
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
            left[r] = max(costs[r * width + j], min(diagonal[r], up, left[r]))
            diagonal[r] = up
            up = left[r]
        current[j + 1] = up


cdef floating frechet_cost(
    const floating* x, Py_ssize_t n, const floating* y, Py_ssize_t m, Py_ssize_t d,
    const Py_ssize_t* lo, const Py_ssize_t* hi, floating* rows,
    unsigned char* directions, const floating* costs, const tswarp_flag* stop,
) noexcept nogil:
    """R[n-1, m-1] of x (n, d) and y (m, d), row-major pointers, within the band.

    ``rows`` is scratch for SCRATCH_ROWS * (m + 1) values (2 * (m + 1) with
    ``directions``); its first two rows hold R shifted by one column (slot 0 is the left
    border). When ``directions`` is not NULL, the (n, m) argmin directions of the
    in-band cells are written there for backtracking, and the cell costs are read from the
    (n, m) matrix ``costs`` when that is not NULL (x and y are then unused). The result is
    meaningless when ``stop`` is raised.
    """
    cdef floating* previous = rows
    cdef floating* current = rows + m + 1
    cdef floating* swap
    cdef floating best, left, up, diagonal, cost
    cdef Py_ssize_t i = 0, j, last, next_hi
    cdef unsigned char step

    previous[0] = 0  # R[-1, -1]: max(c, 0) = c starts every path
    # Both rows, not only the first: a block of ROWS rows reads the previous row up to
    # the band of its last row, past the padding of the row before, where stale
    # scratch (NaN, -inf) would poison the minima.
    for j in range(1, 2 * (m + 1)):
        previous[j] = INFINITY
    while i < n and not tswarp_stopped(stop):
        current[lo[i]] = INFINITY  # left of the band
        last = i
        if directions == NULL and i + ROWS <= n:
            last = i + ROWS - 1
            frechet_block_of_rows(x, y, d, i, lo, hi, previous, current, rows + 2 * (m + 1))
        elif directions == NULL:
            # The left neighbour and the diagonal stay in registers; min and max only.
            left = INFINITY
            diagonal = previous[lo[i]]
            for j in range(lo[i], hi[i]):
                up = previous[j + 1]
                left = max(squared_distance(x + i * d, y + j * d, d), min(diagonal, up, left))
                current[j + 1] = left
                diagonal = up
        else:
            for j in range(lo[i], hi[i]):
                cost = costs[i * m + j] if costs != NULL else squared_distance(
                    x + i * d, y + j * d, d)
                best = previous[j]
                step = DIAGONAL
                if previous[j + 1] < best:
                    best = previous[j + 1]
                    step = UP
                if current[j] < best:
                    best = current[j]
                    step = LEFT
                current[j + 1] = max(cost, best)
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


def frechet_value(
    const floating[:, ::1] x, const floating[:, ::1] y,
    const Py_ssize_t[::1] lo, const Py_ssize_t[::1] hi,
):
    """Smallest largest squared cost over the warping paths of x (n, d) and y (m, d)."""
    cdef Py_ssize_t m = y.shape[0]
    cdef floating[::1] rows = np.empty(SCRATCH_ROWS * (m + 1), dtype=np.asarray(x).dtype)
    cdef floating cost
    cdef const tswarp_flag* stop
    while True:
        stop = watch(<double> x.shape[0] * m)
        with nogil:
            cost = frechet_cost(&x[0, 0], x.shape[0], &y[0, 0], m, x.shape[1],
                                &lo[0], &hi[0], &rows[0], NULL, NULL, stop)
        if finished(stop):
            return cost


cdef list backtrack(const unsigned char[::1] directions, Py_ssize_t n, Py_ssize_t m):
    """The path from (0, 0) to (n - 1, m - 1) that the directions lead back along."""
    cdef Py_ssize_t[:, ::1] steps = np.empty((n + m - 1, 2), dtype=np.intp)
    cdef Py_ssize_t i = n - 1, j = m - 1, k = 0
    cdef unsigned char step
    with nogil:
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
    return [(steps[i, 0], steps[i, 1]) for i in range(k - 1, -1, -1)]


cdef tuple path_and_cost(
    const floating* x, Py_ssize_t n, const floating* y, Py_ssize_t m, Py_ssize_t d,
    const Py_ssize_t[::1] lo, const Py_ssize_t[::1] hi, const floating* costs, dtype,
):
    cdef floating[::1] rows = np.empty(2 * (m + 1), dtype=dtype)
    cdef unsigned char[::1] directions = np.zeros(n * m, dtype=np.uint8)
    cdef floating cost
    cdef const tswarp_flag* stop
    while True:
        stop = watch(<double> n * m)
        with nogil:
            cost = frechet_cost(x, n, y, m, d, &lo[0], &hi[0], &rows[0], &directions[0],
                                costs, stop)
        if finished(stop):
            return backtrack(directions, n, m), cost


def frechet_path(
    const floating[:, ::1] x, const floating[:, ::1] y,
    const Py_ssize_t[::1] lo, const Py_ssize_t[::1] hi,
):
    """Optimal path (list of (i, j)) and its largest squared cost, one direction byte a cell.

    Walking back from the last cell, the predecessor of least R is taken, ties going to the
    diagonal, then up, then left (tslearn's choice).
    """
    return path_and_cost(&x[0, 0], x.shape[0], &y[0, 0], y.shape[0], x.shape[1], lo, hi,
                         NULL, np.asarray(x).dtype)


def frechet_path_of_costs(
    const floating[:, ::1] costs, const Py_ssize_t[::1] lo, const Py_ssize_t[::1] hi,
):
    """As frechet_path, over a given (n, m) matrix of cell costs instead of two series."""
    return path_and_cost(<const floating*> NULL, costs.shape[0], <const floating*> NULL,
                         costs.shape[1], 1, lo, hi, &costs[0, 0], np.asarray(costs).dtype)


def frechet_accumulated(
    const floating[:, ::1] x, const floating[:, ::1] y, const unsigned char[:, ::1] mask,
):
    """The (n, m) matrix R; cells where ``mask`` is 0 are infinite."""
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
                    acc[i, j] = max(squared_distance(&x[i, 0], &y[j, 0], d), best)
        if finished(stop):
            return acc_array


def frechet_pairs(
    const floating[:, :, ::1] X, const Py_ssize_t[::1] x_lengths,
    const floating[:, :, ::1] Y, const Py_ssize_t[::1] y_lengths,
    const Py_ssize_t[::1] rows, const Py_ssize_t[::1] cols,
    int constraint, double parameter, double[::1] out, int n_threads,
):
    """out[k] = Fréchet(X[rows[k]], Y[cols[k]]) for a block of pairs, in parallel over pairs.

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
            out[k] = sqrt(frechet_cost(&X[a, 0, 0], x_lengths[a], &Y[b, 0, 0], y_lengths[b], d,
                                       &limits[thread, 0], &limits[thread, max_n],
                                       &dp_rows[thread, 0], NULL, NULL, stop))
        if finished(stop):
            return
