"""The SIMD kernels: lane groups (one pair per lane; DTW, Fréchet, LCSS) and DTW along the
anti-diagonals of one pair.

The kernels are plain C (dtw_simd.c), compiled once per instruction set: ``baseline``
(what the platform guarantees: SSE2 on x86-64, NEON on aarch64), and on x86-64 also ``avx2``
and ``avx512``. Every entry point takes the build to run as an index into :func:`builds`,
chosen by ``_select``, and trusts it. All builds return the same values as the scalar
kernel, bit for bit.
"""

import numpy as np

from cython.parallel cimport prange, threadid
from libc.math cimport NAN

from cython cimport floating

from tswarp._kernels._band cimport band_limits
from tswarp._kernels._interrupt cimport finished, watch


cdef const tswarp_build *build_kernels(int build) noexcept nogil:
    return tswarp_build_get(build)


# The recurrences of the lane kernels, for the ``family`` argument of :func:`groups`.
DTW = TSWARP_DTW
FRECHET = TSWARP_FRECHET
LCSS = TSWARP_LCSS


def builds():
    """Names of the builds compiled into this binary, from the most portable to the fastest."""
    return [tswarp_build_get(k).name.decode() for k in range(tswarp_build_count())]


def available():
    """Names of the builds that this CPU can run, from the most portable to the fastest."""
    return [name for k, name in enumerate(builds()) if tswarp_build_supported(k)]


def group_size(int build, dtype):
    """Pairs per group of build ``build`` (an index into :func:`builds`) for float32 or
    float64 data (LCSS groups always run on float64 data: see :func:`groups`)."""
    cdef const tswarp_build *chosen = tswarp_build_get(build)
    return chosen.lanes_f32 if np.dtype(dtype) == np.float32 else chosen.lanes_f64


def vector_bytes(int build):
    """The width of build ``build``'s vectors, in bytes."""
    return tswarp_build_get(build).lanes_f64 * 8


def band_cells(const Py_ssize_t[::1] lo, const Py_ssize_t[::1] hi):
    """The number of cells in a band, sum(hi - lo), as a float."""
    cdef double cells = 0.0
    cdef Py_ssize_t i
    for i in range(lo.shape[0]):
        cells += <double> (hi[i] - lo[i])
    return cells


def groups(
    int build, int family, const floating[:, :, ::1] X, const Py_ssize_t[::1] x_lengths,
    const floating[:, :, ::1] Y, const Py_ssize_t[::1] y_lengths,
    const Py_ssize_t[::1] rows, const Py_ssize_t[::1] cols,
    int constraint, double parameter, double threshold, double[::1] out, int n_threads,
):
    """out[k] = the ``family``'s value (:data:`DTW`, :data:`FRECHET` or :data:`LCSS`) of
    X[rows[k]] and Y[cols[k]], with the scalar ``*_pairs`` kernels' conventions.

    Build ``build`` (an index into :func:`builds`) runs. The pairs come in consecutive groups
    of ``group_size(build, X.dtype)``, and threads share out the groups. Lengths may differ
    within a group only as dtw_simd.h allows: freely without a constraint, with equal
    sz2 - sz1 under a Sakoe-Chiba band. A group costs as much as its longest lengths. LCSS
    steps match when their squared distance is at most ``threshold``; it compares in double,
    so it takes float64 data only.
    """
    cdef const tswarp_build *chosen = tswarp_build_get(build)
    cdef Py_ssize_t lanes = chosen.lanes_f64 if floating is double else chosen.lanes_f32
    cdef Py_ssize_t n_groups = rows.shape[0] // lanes, group, first, n, m, k
    cdef Py_ssize_t d = X.shape[2], max_n = X.shape[1], max_m = Y.shape[1]
    cdef tswarp_lanes_f64 kernel_f64 = chosen.groups_f64[family]
    cdef tswarp_lanes_f32 kernel_f32 = chosen.groups_f32[family]
    if floating is float and kernel_f32 == NULL:
        raise TypeError("this family's lane kernel takes float64 data only")
    if n_groups == 0:
        return
    cdef Py_ssize_t size = tswarp_lanes_scratch(lanes, max_n, max_m, d, sizeof(floating))
    # One scratch slice per thread, allocated here so that no thread ever allocates.
    cdef floating[:, ::1] scratch = np.empty((n_threads, size), dtype=np.asarray(X).dtype)
    cdef Py_ssize_t[:, ::1] limits = np.empty((n_threads, 2 * max_n), dtype=np.intp)
    cdef const ptrdiff_t *lo
    cdef const ptrdiff_t *hi
    cdef int thread
    cdef const tswarp_flag* stop
    while True:
        stop = watch(<double> n_groups * max_n * max_m / n_threads)
        for group in prange(n_groups, nogil=True, schedule="dynamic", chunksize=1,
                            num_threads=n_threads):
            thread = threadid()
            first = group * lanes
            n = 0
            m = 0
            for k in range(first, first + lanes):
                n = max(n, x_lengths[rows[k]])
                m = max(m, y_lengths[cols[k]])
            if not band_limits(n, m, constraint, parameter,
                               &limits[thread, 0], &limits[thread, max_n]):
                for k in range(first, first + lanes):
                    out[k] = NAN
                continue
            lo = <const ptrdiff_t*> &limits[thread, 0]
            hi = <const ptrdiff_t*> &limits[thread, max_n]
            if floating is double:
                kernel_f64(&X[0, 0, 0], max_n * d, <const ptrdiff_t*> &x_lengths[0],
                           <const ptrdiff_t*> &rows[first], &Y[0, 0, 0], max_m * d,
                           <const ptrdiff_t*> &y_lengths[0], <const ptrdiff_t*> &cols[first],
                           n, m, d, lo, hi, threshold, &scratch[thread, 0], &out[first], stop)
            else:
                kernel_f32(&X[0, 0, 0], max_n * d, <const ptrdiff_t*> &x_lengths[0],
                           <const ptrdiff_t*> &rows[first], &Y[0, 0, 0], max_m * d,
                           <const ptrdiff_t*> &y_lengths[0], <const ptrdiff_t*> &cols[first],
                           n, m, d, lo, hi, threshold, &scratch[thread, 0], &out[first], stop)
        if finished(stop):
            return


def dtw_value_diagonal(
    int build, int vectors, const floating[:, ::1] x, const floating[:, ::1] y,
    const Py_ssize_t[::1] lo, const Py_ssize_t[::1] hi,
):
    """Minimal accumulated squared cost of x (n, d) and y (m, d) within a band.

    The value of ``_dtw.dtw_value``, bit for bit, from build ``build``'s kernel that sweeps
    the anti-diagonals of strips of rows (dtw_diagonal_impl.h), ``vectors`` (2, 4 or 8)
    vectors high. float32 series must have at most 2**30 columns.
    """
    cdef const tswarp_build *chosen = tswarp_build_get(build)
    cdef Py_ssize_t n = x.shape[0], m = y.shape[0], d = x.shape[1]
    cdef const ptrdiff_t *lo_ = <const ptrdiff_t*> &lo[0]
    cdef const ptrdiff_t *hi_ = <const ptrdiff_t*> &hi[0]
    cdef floating cost
    cdef floating[::1] scratch = np.empty(
        tswarp_diagonal_scratch(m, d, sizeof(floating)), dtype=np.asarray(x).dtype
    )
    cdef const tswarp_flag* stop
    while True:
        stop = watch(<double> n * m)
        with nogil:
            if floating is double:
                cost = chosen.diagonal_f64(&x[0, 0], n, &y[0, 0], m, d, lo_, hi_, vectors,
                                           &scratch[0], stop)
            else:
                cost = chosen.diagonal_f32(&x[0, 0], n, &y[0, 0], m, d, lo_, hi_, vectors,
                                           &scratch[0], stop)
        if finished(stop):
            return cost


def dtw_path_diagonal(
    int build, int vectors, const floating[:, ::1] x, const floating[:, ::1] y,
    const Py_ssize_t[::1] lo, const Py_ssize_t[::1] hi,
):
    """Optimal path (list of (i, j)) and minimal accumulated squared cost within a band.

    Those of ``_dtw.dtw_path``, ties and cost bit for bit, from the kernel of
    :func:`dtw_value_diagonal`, which also stores each cell's direction (a byte per cell, as
    the scalar kernel), then a backtrack.
    """
    cdef const tswarp_build *chosen = tswarp_build_get(build)
    cdef Py_ssize_t n = x.shape[0], m = y.shape[0], d = x.shape[1], height, k, s
    cdef int lanes = chosen.lanes_f64 if floating is double else chosen.lanes_f32
    cdef const ptrdiff_t *lo_ = <const ptrdiff_t*> &lo[0]
    cdef const ptrdiff_t *hi_ = <const ptrdiff_t*> &hi[0]
    cdef floating cost
    # The strip height the kernel runs: 2, 4 or 8 vectors, rounding up.
    vectors = 2 if vectors <= 2 else 4 if vectors <= 4 else 8
    height = vectors * lanes
    cdef floating[::1] scratch = np.empty(
        tswarp_diagonal_scratch(m, d, sizeof(floating)), dtype=np.asarray(x).dtype
    )
    cdef unsigned char[::1] directions = np.empty(
        tswarp_diagonal_directions(n, lo_, hi_, height), dtype=np.uint8
    )
    cdef Py_ssize_t[:, ::1] steps = np.empty((n + m - 1, 2), dtype=np.intp)
    cdef const tswarp_flag* stop
    while True:
        stop = watch(<double> n * m)
        with nogil:
            if floating is double:
                cost = chosen.diagonal_path_f64(&x[0, 0], n, &y[0, 0], m, d, lo_, hi_, vectors,
                                                &scratch[0], &directions[0], stop)
            else:
                cost = chosen.diagonal_path_f32(&x[0, 0], n, &y[0, 0], m, d, lo_, hi_, vectors,
                                                &scratch[0], &directions[0], stop)
        if finished(stop):
            break
    with nogil:
        k = tswarp_diagonal_backtrack(n, m, lo_, hi_, height, &directions[0],
                                      <ptrdiff_t*> &steps[0, 0])
    return [(steps[s, 0], steps[s, 1]) for s in range(k - 1, -1, -1)], cost
