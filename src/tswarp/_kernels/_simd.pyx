"""Pairwise DTW in SIMD lanes: one pair per lane, a group of pairs sharing one loop at a time.

The lane kernels are plain C (dtw_lanes.c), compiled once per instruction set: ``baseline``
(what the platform guarantees: SSE2 on x86-64, NEON on aarch64), and on x86-64 also ``avx2``
and ``avx512``.
The fastest build that the CPU supports is chosen once, at import. The environment variable
``TSWARP_SIMD`` (``auto``, ``baseline``, ``avx2``, ``avx512``) asks for a build; a value that
cannot be honoured (unknown, or not supported here) gives a RuntimeWarning and the automatic
choice. All builds return the same values as the scalar kernel, bit for bit.
"""
import os

import numpy as np

from cython.parallel cimport prange, threadid
from libc.math cimport NAN
from libc.stddef cimport ptrdiff_t

from cython cimport floating

from tswarp._kernels._band cimport band_limits
from tswarp._kernels._interrupt cimport finished, tswarp_flag, watch

from tswarp import _warnings
from tswarp._kernels import _dtw

cdef extern from "dtw_lanes.h" nogil:
    ctypedef void (*tswarp_lanes_f64)(
        const double *X, ptrdiff_t x_stride, const ptrdiff_t *x_lengths, const ptrdiff_t *a,
        const double *Y, ptrdiff_t y_stride, const ptrdiff_t *y_lengths, const ptrdiff_t *b,
        ptrdiff_t n, ptrdiff_t m, ptrdiff_t d, const ptrdiff_t *lo, const ptrdiff_t *hi,
        double *scratch, double *out, const tswarp_flag *stop)
    ctypedef void (*tswarp_lanes_f32)(
        const float *X, ptrdiff_t x_stride, const ptrdiff_t *x_lengths, const ptrdiff_t *a,
        const float *Y, ptrdiff_t y_stride, const ptrdiff_t *y_lengths, const ptrdiff_t *b,
        ptrdiff_t n, ptrdiff_t m, ptrdiff_t d, const ptrdiff_t *lo, const ptrdiff_t *hi,
        float *scratch, double *out, const tswarp_flag *stop)
    ctypedef double (*tswarp_diagonal_f64)(
        const double *x, ptrdiff_t n, const double *y, ptrdiff_t m, ptrdiff_t d,
        const ptrdiff_t *lo, const ptrdiff_t *hi, int vectors, double *scratch,
        const tswarp_flag *stop)
    ctypedef float (*tswarp_diagonal_f32)(
        const float *x, ptrdiff_t n, const float *y, ptrdiff_t m, ptrdiff_t d,
        const ptrdiff_t *lo, const ptrdiff_t *hi, int vectors, float *scratch,
        const tswarp_flag *stop)
    ctypedef double (*tswarp_diagonal_path_f64)(
        const double *x, ptrdiff_t n, const double *y, ptrdiff_t m, ptrdiff_t d,
        const ptrdiff_t *lo, const ptrdiff_t *hi, int vectors, double *scratch,
        unsigned char *directions, const tswarp_flag *stop)
    ctypedef float (*tswarp_diagonal_path_f32)(
        const float *x, ptrdiff_t n, const float *y, ptrdiff_t m, ptrdiff_t d,
        const ptrdiff_t *lo, const ptrdiff_t *hi, int vectors, float *scratch,
        unsigned char *directions, const tswarp_flag *stop)

    struct tswarp_lanes:
        const char *name
        int lanes_f64
        int lanes_f32
        tswarp_lanes_f64 dtw_f64
        tswarp_lanes_f32 dtw_f32
        tswarp_diagonal_f64 diagonal_f64
        tswarp_diagonal_f32 diagonal_f32
        tswarp_diagonal_path_f64 diagonal_path_f64
        tswarp_diagonal_path_f32 diagonal_path_f32

    ptrdiff_t tswarp_lanes_scratch(
        ptrdiff_t lanes, ptrdiff_t n, ptrdiff_t m, ptrdiff_t d, ptrdiff_t value_size)
    ptrdiff_t tswarp_diagonal_scratch(ptrdiff_t m, ptrdiff_t d, ptrdiff_t value_size)
    int tswarp_diagonal_vectors(
        ptrdiff_t n, const ptrdiff_t *lo, const ptrdiff_t *hi, int lanes, int value_size,
        int or_scalar)
    ptrdiff_t tswarp_diagonal_directions(
        ptrdiff_t n, const ptrdiff_t *lo, const ptrdiff_t *hi, ptrdiff_t height)
    ptrdiff_t tswarp_diagonal_backtrack(
        ptrdiff_t n, ptrdiff_t m, const ptrdiff_t *lo, const ptrdiff_t *hi, ptrdiff_t height,
        const unsigned char *directions, ptrdiff_t *steps)
    int tswarp_lanes_count()
    const tswarp_lanes *tswarp_lanes_get(int index)
    int tswarp_lanes_supported(int index)

ENVIRONMENT_VARIABLE = "TSWARP_SIMD"
# Every build name any platform may have, from the most portable to the fastest.
KNOWN = ("baseline", "avx2", "avx512")

cdef const tswarp_lanes *active = NULL


def builds():
    """Names of the builds compiled into this binary, from the most portable to the fastest."""
    return [tswarp_lanes_get(k).name.decode() for k in range(tswarp_lanes_count())]


def available():
    """Names of the builds that this CPU can run, from the most portable to the fastest."""
    return [name for k, name in enumerate(builds()) if tswarp_lanes_supported(k)]


def _set(name):
    global active
    active = tswarp_lanes_get(builds().index(name))


def choose(request):
    """The build to use for a ``TSWARP_SIMD`` value, and a warning message or None."""
    best = available().pop()  # wraparound is off: no [-1] here
    if request is None or request.strip().lower() in ("", "auto"):
        return best, None
    name = request.strip().lower()
    if name not in KNOWN:
        reason = f"is not one of auto, {', '.join(KNOWN)}"
    elif name not in builds():
        reason = "is not compiled for this platform"
    elif name not in available():
        reason = "is not supported by this CPU"
    else:
        return name, None
    return best, f"{ENVIRONMENT_VARIABLE}={request!r} {reason}; using {best!r}"


def variant():
    """The name of the build that runs: ``baseline``, ``avx2`` or ``avx512``."""
    return active.name.decode()


def describe():
    """The running build and why it runs, for ``tswarp.show_config()``."""
    name = variant()
    if name != _choice:
        return f"{name} (set in this process)"
    if _message is not None:
        return f"{name} ({_message})"
    if choose(None)[0] != name:
        return f"{name} (forced by {ENVIRONMENT_VARIABLE})"
    return f"{name} (the fastest of {', '.join(available())} on this CPU)"


def _use(name):
    """Run the build ``name`` from now on (for tests); returns the previous name."""
    if name not in available():
        raise ValueError(f"{name!r} is not one of the builds this CPU can run: {available()}")
    previous = variant()
    _set(name)
    return previous


def group_size(dtype):
    """Pairs per group of the running build for float32 or float64 data."""
    return active.lanes_f32 if np.dtype(dtype) == np.float32 else active.lanes_f64


def dtw_groups(
    const floating[:, :, ::1] X, const Py_ssize_t[::1] x_lengths,
    const floating[:, :, ::1] Y, const Py_ssize_t[::1] y_lengths,
    const Py_ssize_t[::1] rows, const Py_ssize_t[::1] cols,
    int constraint, double parameter, double[::1] out, int n_threads,
):
    """out[k] = DTW(X[rows[k]], Y[cols[k]]), with ``dtw_pairs``' conventions.

    The pairs come in consecutive groups of ``group_size(X.dtype)``, and threads share out the
    groups. Lengths may differ within a group only as dtw_lanes.h allows: freely without a
    constraint, with equal sz2 - sz1 under a Sakoe-Chiba band. A group costs as much as its
    longest lengths.
    """
    cdef const tswarp_lanes *build = active
    cdef Py_ssize_t lanes = build.lanes_f64 if floating is double else build.lanes_f32
    cdef Py_ssize_t n_groups = rows.shape[0] // lanes, group, first, n, m, k
    cdef Py_ssize_t d = X.shape[2], max_n = X.shape[1], max_m = Y.shape[1]
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
                build.dtw_f64(&X[0, 0, 0], max_n * d, <const ptrdiff_t*> &x_lengths[0],
                              <const ptrdiff_t*> &rows[first], &Y[0, 0, 0], max_m * d,
                              <const ptrdiff_t*> &y_lengths[0], <const ptrdiff_t*> &cols[first],
                              n, m, d, lo, hi, &scratch[thread, 0], &out[first], stop)
            else:
                build.dtw_f32(&X[0, 0, 0], max_n * d, <const ptrdiff_t*> &x_lengths[0],
                              <const ptrdiff_t*> &rows[first], &Y[0, 0, 0], max_m * d,
                              <const ptrdiff_t*> &y_lengths[0], <const ptrdiff_t*> &cols[first],
                              n, m, d, lo, hi, &scratch[thread, 0], &out[first], stop)
        if finished(stop):
            return


def dtw_value(
    const floating[:, ::1] x, const floating[:, ::1] y,
    const Py_ssize_t[::1] lo, const Py_ssize_t[::1] hi,
):
    """Minimal accumulated squared cost of x (n, d) and y (m, d) within a band.

    The value of ``_dtw.dtw_value``, bit for bit, from the kernel expected to be faster for
    this band on the running build: :func:`dtw_value_diagonal` or the scalar one.
    """
    return diagonal_or_scalar(x, y, lo, hi, 0, True)


def dtw_value_diagonal(
    const floating[:, ::1] x, const floating[:, ::1] y,
    const Py_ssize_t[::1] lo, const Py_ssize_t[::1] hi, int vectors=0,
):
    """Minimal accumulated squared cost of x (n, d) and y (m, d) within a band.

    The value of ``_dtw.dtw_value``, bit for bit, from the running build's kernel that sweeps
    the anti-diagonals of strips of rows (dtw_diagonal_impl.h), ``vectors`` (2, 4 or 8) vectors
    high; 0 picks the height expected to be fastest for this band.
    """
    return diagonal_or_scalar(x, y, lo, hi, vectors, False)


cdef int strip_vectors(
    const tswarp_lanes *build, Py_ssize_t n, Py_ssize_t m, const ptrdiff_t *lo,
    const ptrdiff_t *hi, int value_size, int vectors, bint or_scalar,
):
    """The strip height the diagonal kernels run for this band (``vectors`` when given),
    or 0 for the scalar kernel: the cheaper one with ``or_scalar``, and always for float32
    series past 2**30 columns, which float lanes count in 32-bit integers."""
    cdef int lanes = build.lanes_f64 if value_size == 8 else build.lanes_f32
    if value_size == 4 and m > 2**30:
        return 0
    if vectors == 0:
        vectors = tswarp_diagonal_vectors(n, lo, hi, lanes, value_size, or_scalar)
    return vectors


cdef diagonal_or_scalar(
    const floating[:, ::1] x, const floating[:, ::1] y,
    const Py_ssize_t[::1] lo, const Py_ssize_t[::1] hi, int vectors, bint or_scalar,
):
    cdef const tswarp_lanes *build = active
    cdef Py_ssize_t n = x.shape[0], m = y.shape[0], d = x.shape[1]
    cdef const ptrdiff_t *lo_ = <const ptrdiff_t*> &lo[0]
    cdef const ptrdiff_t *hi_ = <const ptrdiff_t*> &hi[0]
    cdef floating cost
    vectors = strip_vectors(build, n, m, lo_, hi_, sizeof(floating), vectors, or_scalar)
    if vectors == 0:
        return _dtw.dtw_value(x, y, lo, hi)
    cdef floating[::1] scratch = np.empty(
        tswarp_diagonal_scratch(m, d, sizeof(floating)), dtype=np.asarray(x).dtype
    )
    cdef const tswarp_flag* stop
    while True:
        stop = watch(<double> n * m)
        with nogil:
            if floating is double:
                cost = build.diagonal_f64(&x[0, 0], n, &y[0, 0], m, d, lo_, hi_, vectors,
                                          &scratch[0], stop)
            else:
                cost = build.diagonal_f32(&x[0, 0], n, &y[0, 0], m, d, lo_, hi_, vectors,
                                          &scratch[0], stop)
        if finished(stop):
            return cost


def dtw_path(
    const floating[:, ::1] x, const floating[:, ::1] y,
    const Py_ssize_t[::1] lo, const Py_ssize_t[::1] hi,
):
    """Optimal path (list of (i, j)) and minimal accumulated squared cost within a band.

    Those of ``_dtw.dtw_path``, ties and cost bit for bit, from the kernel expected to be
    faster for this band on the running build: :func:`dtw_path_diagonal` or the scalar one.
    """
    return path_diagonal_or_scalar(x, y, lo, hi, 0, True)


def dtw_path_diagonal(
    const floating[:, ::1] x, const floating[:, ::1] y,
    const Py_ssize_t[::1] lo, const Py_ssize_t[::1] hi, int vectors=0,
):
    """Optimal path and minimal accumulated squared cost, those of ``_dtw.dtw_path``.

    From the anti-diagonal kernel of :func:`dtw_value_diagonal`, which also stores each
    cell's direction (a byte per cell, as the scalar kernel), then a backtrack.
    """
    return path_diagonal_or_scalar(x, y, lo, hi, vectors, False)


cdef path_diagonal_or_scalar(
    const floating[:, ::1] x, const floating[:, ::1] y,
    const Py_ssize_t[::1] lo, const Py_ssize_t[::1] hi, int vectors, bint or_scalar,
):
    cdef const tswarp_lanes *build = active
    cdef Py_ssize_t n = x.shape[0], m = y.shape[0], d = x.shape[1], height, k, s
    cdef int lanes = build.lanes_f64 if floating is double else build.lanes_f32
    cdef const ptrdiff_t *lo_ = <const ptrdiff_t*> &lo[0]
    cdef const ptrdiff_t *hi_ = <const ptrdiff_t*> &hi[0]
    cdef floating cost
    vectors = strip_vectors(build, n, m, lo_, hi_, sizeof(floating), vectors, or_scalar)
    if vectors == 0:
        return _dtw.dtw_path(x, y, lo, hi)
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
                cost = build.diagonal_path_f64(&x[0, 0], n, &y[0, 0], m, d, lo_, hi_, vectors,
                                               &scratch[0], &directions[0], stop)
            else:
                cost = build.diagonal_path_f32(&x[0, 0], n, &y[0, 0], m, d, lo_, hi_, vectors,
                                               &scratch[0], &directions[0], stop)
        if finished(stop):
            break
    with nogil:
        k = tswarp_diagonal_backtrack(n, m, lo_, hi_, height, &directions[0],
                                      <ptrdiff_t*> &steps[0, 0])
    return [(steps[s, 0], steps[s, 1]) for s in range(k - 1, -1, -1)], cost


def diagonal_vectors(const Py_ssize_t[::1] lo, const Py_ssize_t[::1] hi, dtype, bint or_scalar):
    """The strip height :func:`dtw_value` picks for this band (0: the scalar kernel)."""
    return strip_vectors(active, lo.shape[0], 0, <const ptrdiff_t*> &lo[0],
                         <const ptrdiff_t*> &hi[0], np.dtype(dtype).itemsize, 0, or_scalar)


_choice, _message = choose(os.environ.get(ENVIRONMENT_VARIABLE))
if _message is not None:
    _warnings.warn(_message, RuntimeWarning)
_set(_choice)
