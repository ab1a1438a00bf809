"""Global alignment kernel (Cuturi, 2011): one pair, and pairs in parallel.

K(x, y) sums, over all warping paths, the product along the path of the local kernel
k = exp(-u) / (2 - exp(-u)), u = ||x_i - y_j||^2 / (2 sigma^2). With the costs
c = -log k = u + log(2 - exp(-u)), R = -log K follows soft-DTW's recurrence at gamma = 1:
R[i, j] = c[i, j] - log(exp(-R[i-1, j-1]) + exp(-R[i-1, j]) + exp(-R[i, j-1])). So the
soft-DTW forward of _soft_lanes.h computes it (strips of rows on SIMD lanes, its exp and
log), turning squared distances into these costs as it lays them out (``gak_scale`` =
1 / (2 sigma^2)). Sums of logs neither overflow nor underflow, whatever the lengths.

Most pairs run first in linear space instead (``gak_linear`` of _gak_linear.h): one
exponential and one division a cell, with exact power-of-two rescaling between strips. It
gives up on the pairs where it could lose accuracy (subnormal values, local kernels near 0,
overflow), and those alone run in log space.
"""
import numpy as np

from cython.parallel cimport prange, threadid

from cython cimport floating
from libc.math cimport NAN

from tswarp._kernels._band cimport NO_CONSTRAINT, band_limits
from tswarp._kernels._interrupt cimport finished, tswarp_flag, watch
from tswarp._kernels._simd cimport build_kernels, tswarp_soft, tswarp_soft_pair
from tswarp._kernels._simd cimport tswarp_gak_scratch_size

# Strategies: linear space where it is exact enough, else log space (the default); linear
# space alone (NaN where it gives up); log space alone. The last two are for tests.
cpdef enum:
    AUTO = 0
    LINEAR = 1
    LOG = 2


cdef inline tswarp_soft_pair gak_pair(
    const floating* x, Py_ssize_t n, const floating* y, Py_ssize_t m, Py_ssize_t d,
    const Py_ssize_t* lo, const Py_ssize_t* hi, double scale, const tswarp_flag* stop,
) noexcept nogil:
    cdef tswarp_soft_pair p
    p.n, p.m, p.lo, p.hi, p.gamma = n, m, lo, hi, 1.0
    p.costs, p.stride = NULL, 0
    p.x, p.y, p.d, p.single = x, y, d, floating is float
    p.gak_scale, p.stop = scale, stop
    return p


cdef inline double gak_log(
    const tswarp_soft* soft, const tswarp_soft_pair* p, double* scratch, int strategy,
) noexcept nogil:
    cdef double value = NAN
    if strategy != LOG:
        value = soft.gak_linear(p, scratch)
    if value != value and strategy != LINEAR:  # NaN: the linear kernel gave up (or stopped)
        value = -soft.forward(p, scratch, NULL)
    return value


def gak_log_value(
    const floating[:, ::1] x, const floating[:, ::1] y, double scale, int build,
    int strategy=AUTO,
):
    """log K of x (n, d) and y (m, d), scale = 1 / (2 sigma^2) > 0, in O(m) memory, by
    ``strategy`` (AUTO, LINEAR or LOG)."""
    cdef const tswarp_soft *soft = build_kernels(build).soft
    cdef Py_ssize_t n = x.shape[0], m = y.shape[0]
    cdef Py_ssize_t[::1] lo = np.zeros(n, dtype=np.intp), hi = np.full(n, m, dtype=np.intp)
    cdef tswarp_soft_pair p = gak_pair(&x[0, 0], n, &y[0, 0], m, x.shape[1], &lo[0], &hi[0],
                                       scale, NULL)
    cdef double[::1] scratch = np.empty(tswarp_gak_scratch_size(m, p.d))
    cdef double value
    while True:
        p.stop = watch(<double> n * m)
        with nogil:
            value = gak_log(soft, &p, &scratch[0], strategy)
        if finished(p.stop):
            return value


def gak_log_pairs(
    const floating[:, :, ::1] X, const Py_ssize_t[::1] x_lengths,
    const floating[:, :, ::1] Y, const Py_ssize_t[::1] y_lengths,
    const Py_ssize_t[::1] rows, const Py_ssize_t[::1] cols,
    double scale, int build, double[::1] out, int n_threads, int strategy=AUTO,
):
    """out[k] = log K(X[rows[k]], Y[cols[k]]) for a block of pairs, in parallel over pairs.

    The calling convention of ``soft_dtw_pairs``: NaN-padded series of which only the first
    ``*_lengths`` steps are read; ``scale`` and ``strategy`` as in :func:`gak_log_value`.
    """
    cdef const tswarp_soft *soft = build_kernels(build).soft
    cdef Py_ssize_t n_pairs = rows.shape[0], d = X.shape[2], k, a, b
    cdef Py_ssize_t max_n = X.shape[1], max_m = Y.shape[1]
    # One scratch slice per thread, allocated here so that no thread ever allocates.
    cdef double[:, ::1] scratch = np.empty((n_threads, tswarp_gak_scratch_size(max_m, d)))
    cdef Py_ssize_t[:, ::1] limits = np.empty((n_threads, 2 * max_n), dtype=np.intp)
    cdef int thread
    cdef tswarp_soft_pair p
    cdef const tswarp_flag* stop
    while True:
        stop = watch(<double> n_pairs * max_n * max_m / n_threads)
        for k in prange(n_pairs, nogil=True, schedule="dynamic", chunksize=1,
                        num_threads=n_threads):
            thread = threadid()
            a = rows[k]
            b = cols[k]
            band_limits(x_lengths[a], y_lengths[b], NO_CONSTRAINT, 0.0,
                        &limits[thread, 0], &limits[thread, max_n])
            p = gak_pair(&X[a, 0, 0], x_lengths[a], &Y[b, 0, 0], y_lengths[b], d,
                         &limits[thread, 0], &limits[thread, max_n], scale, stop)
            out[k] = gak_log(soft, &p, &scratch[thread, 0], strategy)
        if finished(stop):
            return
