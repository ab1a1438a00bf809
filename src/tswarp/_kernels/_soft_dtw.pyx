"""Soft-DTW (Cuturi & Blondel, 2017): value, expected alignment, and pairwise values.

R[i, j] = ||x_i - y_j||^2 + softmin(R[i-1, j-1], R[i-1, j], R[i, j-1]), where
softmin(a, b, c) = -gamma * log(exp(-a / gamma) + exp(-b / gamma) + exp(-c / gamma)),
R[-1, -1] = 0, the border is infinite, and so is every cell outside the global constraint's
band; those cells are never visited. The soft-DTW value is R[n-1, m-1]. With gamma = 0 the
soft minimum is the hard one, so the same kernels give DTW squared (no square root).

Costs and the dynamic program are in float64 for both input widths: the exponentials turn
rounding errors in R into relative errors of the weights, amplified by 1 / gamma.
"""
import numpy as np

from cython.parallel cimport prange, threadid
from libc.float cimport DBL_MAX
from libc.math cimport INFINITY, NAN, exp, fabs, log
from libc.string cimport memcpy

from cython cimport floating

from tswarp._kernels._band cimport band_limits


cdef inline double squared_distance(
    const floating* a, const floating* b, Py_ssize_t d
) noexcept nogil:
    # The DTW kernel's cost sums in the input width; this one always sums in float64.
    cdef Py_ssize_t k
    cdef double diff, total = 0
    for k in range(d):
        diff = <double> a[k] - <double> b[k]
        total = total + diff * diff
    return total


cdef inline double soft_min(
    double a, double b, double c, double gamma, double scale
) noexcept nogil:
    """-gamma * log(exp(-a / gamma) + exp(-b / gamma) + exp(-c / gamma)); min if gamma = 0.

    ``scale`` is 1 / gamma. Every exponent is shifted by the smallest argument, so no
    exponential overflows and the log's argument lies in [1, 3]. a and b are combined
    first: in the DP they come from the previous row, so that exponential runs ahead of
    the serial dependency on c, the left neighbour, which then costs one exp and one log.
    """
    cdef double ref = min(a, b), pair, tail
    if gamma == 0:
        return min(ref, c)
    if ref == INFINITY:
        return c  # also avoids inf - inf
    pair = 1.0 + exp(-fabs(a - b) * scale)  # the a and b terms, relative to ref
    tail = exp(-fabs(c - ref) * scale)
    if c >= ref:
        return ref - gamma * log(pair + tail)
    return c - gamma * log(1.0 + pair * tail)  # c is the smallest: pair * tail is relative to c


cdef double soft_dtw_forward(
    const floating* x, Py_ssize_t n, const floating* y, Py_ssize_t m, Py_ssize_t d,
    const Py_ssize_t* lo, const Py_ssize_t* hi, double gamma, double* rows, double* table,
    const double* costs, Py_ssize_t stride,
) noexcept nogil:
    """R[n-1, m-1] of x (n, d) and y (m, d), row-major pointers, over the band lo/hi.

    ``rows`` is scratch for 2 * (m + 1) values laid out as in the DTW kernel: slot j + 1 is
    column j, slot 0 the left border. When ``table`` is not NULL, the in-band cells of R are
    also copied into it, a row-major array with rows ``stride`` apart whose other cells are
    left untouched. When ``costs`` is not NULL (same layout), it gives the cost of each cell
    instead of the squared distance between x and y, which are then not read.
    """
    cdef double* previous = rows
    cdef double* current = rows + m + 1
    cdef double* swap
    cdef double left, up, diagonal, cost
    # 1 / gamma, finite even for a subnormal gamma (0 * inf would be NaN); capping it there
    # changes the value by less than gamma * log(3) per cell.
    cdef double scale = min(1.0 / gamma, DBL_MAX) if gamma > 0 else 0.0
    cdef Py_ssize_t i, j, next_hi

    previous[0] = 0  # R[-1, -1]: where every path starts
    for j in range(1, m + 1):
        previous[j] = INFINITY
    for i in range(n):
        current[lo[i]] = INFINITY  # left of the band
        left = INFINITY
        diagonal = previous[lo[i]]
        for j in range(lo[i], hi[i]):
            up = previous[j + 1]
            cost = costs[i * stride + j] if costs != NULL else squared_distance(
                x + i * d, y + j * d, d
            )
            left = cost + soft_min(diagonal, up, left, gamma, scale)
            current[j + 1] = left
            diagonal = up
        if table != NULL:
            memcpy(table + i * stride + lo[i], current + lo[i] + 1,
                   (hi[i] - lo[i]) * sizeof(double))
        # The next row reads up to column hi[i + 1] - 1 here: beyond this band it is inf.
        next_hi = hi[i + 1] if i + 1 < n else hi[i]
        for j in range(hi[i], next_hi):
            current[j + 1] = INFINITY
        swap = previous
        previous = current
        current = swap
    return previous[m]


cdef inline double read(
    const double* table, Py_ssize_t stride, Py_ssize_t i, Py_ssize_t j,
    const Py_ssize_t* lo, const Py_ssize_t* hi,
) noexcept nogil:
    # R[i, j] from the table, with the forward's border: 0 at (-1, -1), inf off the band.
    if i < 0 or j < 0:
        return 0.0 if i == j else INFINITY
    if j < lo[i] or j >= hi[i]:
        return INFINITY
    return table[i * stride + j]


cdef void soft_dtw_backward(
    Py_ssize_t n, Py_ssize_t m, const Py_ssize_t* lo, const Py_ssize_t* hi, double gamma,
    double* rows, double* table, Py_ssize_t stride,
) noexcept nogil:
    """Overwrite R in ``table`` (from the forward) with E = dR[n-1, m-1] / dC; gamma > 0.

    ``table`` is row-major with rows ``stride`` apart, as the forward wrote it.

    E[i, j] is the probability that a path drawn from the Gibbs distribution goes through
    (i, j). It flows back from E[n-1, m-1] = 1: each cell s passes E[s] to its three
    predecessors p in proportion to the weights of its soft minimum,
    exp((min_p R[p] - R[p]) / gamma) / sum of the three.

    Memory decides the form. Storing those weights in the forward (Form B) costs 24 bytes a
    cell on top of the output; recomputing them from R alone here costs nothing beyond the
    (n, m) output, which holds R until each cell is replaced by its E (a cell's R is last
    read by its successors, which come first in reverse order). Recomputing the weights
    from R[s] - C[s] - R[p] instead (Form A) would divide an absolute rounding error of
    eps * |R| by gamma: 1e-3 errors in E for R ~ 1e9 and gamma = 1e-4. Here every exponent
    is a difference of neighbouring R values, and the normalised weights sum to 1.

    ``rows`` (2 * (m + 1) values) accumulates E for the current row and the row above.
    Cells outside the band keep the 0 they had; a cell with E = 0 passes nothing on, so an
    infinite R never meets a 0 * inf.
    """
    cdef double* current = rows  # E of row i, complete once the cell to the right is done
    cdef double* above = rows + m + 1  # E of row i - 1, collected from row i
    cdef double* swap
    cdef double e, up, left, diagonal, low, w_up, w_left, w_diagonal, share
    cdef Py_ssize_t i, j
    for j in range(lo[n - 1], hi[n - 1]):
        current[j] = 0
    # E of the last cell is 1, or 0 when no path has a finite cost.
    current[m - 1] = 1.0 if table[(n - 1) * stride + m - 1] < INFINITY else 0.0
    for i in range(n - 1, -1, -1):
        if i > 0:
            for j in range(lo[i - 1], hi[i - 1]):
                above[j] = 0
        for j in range(hi[i] - 1, lo[i] - 1, -1):
            e = current[j]
            if e > 0 and (i > 0 or j > 0):
                up = read(table, stride, i - 1, j, lo, hi)
                left = read(table, stride, i, j - 1, lo, hi)
                diagonal = read(table, stride, i - 1, j - 1, lo, hi)
                low = min(up, left, diagonal)
                if low < INFINITY:
                    w_up = exp((low - up) / gamma)
                    w_left = exp((low - left) / gamma)
                    w_diagonal = exp((low - diagonal) / gamma)
                    share = e / (w_up + w_left + w_diagonal)
                    # Off-band and border predecessors are infinite: their weight is 0.
                    if w_up > 0:
                        above[j] += share * w_up
                    if w_left > 0:
                        current[j - 1] += share * w_left
                    if w_diagonal > 0 and i > 0 and j > 0:
                        above[j - 1] += share * w_diagonal
            table[i * stride + j] = e
        swap = current
        current = above
        above = swap


def soft_dtw_value(
    const floating[:, ::1] x, const floating[:, ::1] y,
    const Py_ssize_t[::1] lo, const Py_ssize_t[::1] hi, double gamma,
):
    """Soft-DTW of x (n, d) and y (m, d) within a band, in O(m) memory."""
    cdef Py_ssize_t m = y.shape[0]
    cdef double[::1] rows = np.empty(2 * (m + 1))
    cdef double value
    with nogil:
        value = soft_dtw_forward(&x[0, 0], x.shape[0], &y[0, 0], m, x.shape[1],
                                 &lo[0], &hi[0], gamma, &rows[0], NULL, NULL, m)
    return value


def soft_dtw_alignment(
    const floating[:, ::1] x, const floating[:, ::1] y,
    const Py_ssize_t[::1] lo, const Py_ssize_t[::1] hi, double gamma,
):
    """(E, value): the (n, m) float64 expected alignment (0 outside the band) and soft-DTW.

    gamma must be > 0; the hard alignment of gamma = 0 is a DTW path.
    """
    cdef Py_ssize_t n = x.shape[0], m = y.shape[0], d = x.shape[1]
    alignment = np.zeros((n, m))
    cdef double[:, ::1] table = alignment
    cdef double[::1] rows = np.empty(2 * (m + 1))
    cdef double value
    with nogil:
        value = soft_dtw_forward(&x[0, 0], n, &y[0, 0], m, d, &lo[0], &hi[0], gamma,
                                 &rows[0], &table[0, 0], NULL, m)
        soft_dtw_backward(n, m, &lo[0], &hi[0], gamma, &rows[0], &table[0, 0], m)
    return alignment, value


def soft_dtw_pairs(
    const floating[:, :, ::1] X, const Py_ssize_t[::1] x_lengths,
    const floating[:, :, ::1] Y, const Py_ssize_t[::1] y_lengths,
    const Py_ssize_t[::1] rows, const Py_ssize_t[::1] cols,
    int constraint, double parameter, double gamma, double[::1] out, int n_threads,
):
    """out[k] = soft-DTW(X[rows[k]], Y[cols[k]]) for a block of pairs, in parallel over pairs.

    The calling convention of ``dtw_pairs`` plus ``gamma``: series are NaN-padded and only
    their first ``*_lengths`` steps are read; a pair that admits no path gets NaN.
    """
    cdef Py_ssize_t n_pairs = rows.shape[0], d = X.shape[2], k, a, b
    cdef Py_ssize_t max_n = X.shape[1], max_m = Y.shape[1]
    # One scratch slice per thread, allocated here so that no thread ever allocates.
    cdef double[:, ::1] dp_rows = np.empty((n_threads, 2 * (max_m + 1)))
    cdef Py_ssize_t[:, ::1] limits = np.empty((n_threads, 2 * max_n), dtype=np.intp)
    cdef int thread
    for k in prange(n_pairs, nogil=True, schedule="dynamic", chunksize=1,
                    num_threads=n_threads):
        thread = threadid()
        a = rows[k]
        b = cols[k]
        if not band_limits(x_lengths[a], y_lengths[b], constraint, parameter,
                           &limits[thread, 0], &limits[thread, max_n]):
            out[k] = NAN
            continue
        out[k] = soft_dtw_forward(&X[a, 0, 0], x_lengths[a], &Y[b, 0, 0], y_lengths[b], d,
                                  &limits[thread, 0], &limits[thread, max_n], gamma,
                                  &dp_rows[thread, 0], NULL, NULL, 0)


def soft_dtw_cost_batch(
    const double[:, :, ::1] costs, const Py_ssize_t[::1] n_lengths,
    const Py_ssize_t[::1] m_lengths, const Py_ssize_t[:, ::1] lo, const Py_ssize_t[:, ::1] hi,
    double gamma, double[::1] values, double[:, :, ::1] tables, int n_threads,
):
    """Soft-DTW of a batch of cost matrices (b, N, M), in parallel over the batch.

    Pair k uses ``costs[k, :n, :m]`` with n, m its lengths and the band ``lo[k], hi[k]``.
    ``values[k]`` gets its soft-DTW. When ``tables`` has the shape of ``costs`` (zeros), the
    forward R of each pair is kept there for :func:`soft_dtw_cost_batch_backward`; pass an
    empty (0, 0, 0) array for the value alone.
    """
    cdef Py_ssize_t batch = costs.shape[0], stride = costs.shape[2], k
    cdef bint keep = tables.shape[0] == batch
    cdef double[:, ::1] dp_rows = np.empty((n_threads, 2 * (stride + 1)))
    for k in prange(batch, nogil=True, schedule="dynamic", chunksize=1,
                    num_threads=n_threads):
        values[k] = soft_dtw_forward(
            <double*> NULL, n_lengths[k], <double*> NULL, m_lengths[k], 0,
            &lo[k, 0], &hi[k, 0], gamma,
            &dp_rows[threadid(), 0], &tables[k, 0, 0] if keep else NULL,
            &costs[k, 0, 0], stride,
        )


def soft_dtw_cost_batch_backward(
    double[:, :, ::1] tables, const Py_ssize_t[::1] n_lengths,
    const Py_ssize_t[::1] m_lengths, const Py_ssize_t[:, ::1] lo, const Py_ssize_t[:, ::1] hi,
    double gamma, int n_threads,
):
    """Turn the forward tables of :func:`soft_dtw_cost_batch` into E = dvalue / dcosts."""
    cdef Py_ssize_t batch = tables.shape[0], stride = tables.shape[2], k
    cdef double[:, ::1] dp_rows = np.empty((n_threads, 2 * (stride + 1)))
    for k in prange(batch, nogil=True, schedule="dynamic", chunksize=1,
                    num_threads=n_threads):
        soft_dtw_backward(n_lengths[k], m_lengths[k], &lo[k, 0], &hi[k, 0], gamma,
                          &dp_rows[threadid(), 0], &tables[k, 0, 0], stride)
