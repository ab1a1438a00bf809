"""Soft-DTW (Cuturi & Blondel, 2017): value, expected alignment, and pairwise values.

R[i, j] = ||x_i - y_j||^2 + softmin(R[i-1, j-1], R[i-1, j], R[i, j-1]), where
softmin(a, b, c) = -gamma * log(exp(-a / gamma) + exp(-b / gamma) + exp(-c / gamma)),
R[-1, -1] = 0, the border is infinite, and so is every cell outside the global constraint's
band. The soft-DTW value is R[n-1, m-1]. gamma > 0 here: at gamma = 0 the soft minimum is the
hard one, and the callers run the DTW kernels instead (DTW squared).

The dynamic program runs in C (_soft_lanes.h): strips of 16 rows swept by anti-diagonals, the
soft minimum on SIMD lanes with inline exp and log (_fastmath.h). Every entry point takes the
SIMD build to run (``build``, an index into ``_simd.builds()``), chosen by ``_select``, and
trusts it; each build runs on its own vectors' width (:func:`soft_lanes`). Costs and the
dynamic program are in float64 for both input widths: the
exponentials turn rounding errors in R into relative errors of the weights, amplified by
1 / gamma.

The expected alignment E = dR[n-1, m-1] / dC flows back from the end through the three
normalised soft-min weights of every cell, each a function of neighbouring R values only, in
[0, 1]: three multiply-adds a cell. The batch paths (for autograd) keep the weights from the
forward (24 bytes a cell, or 12 in float32 for float32 series), so their backward computes no
exponential; the single-pair alignment does too up to a memory budget, and beyond it keeps R
alone (8 bytes a cell) and recomputes the weights with the forward's own code.
"""
import numpy as np

from cython.parallel cimport prange, threadid
from libc.math cimport NAN

from cython cimport floating

from tswarp._kernels._band cimport band_limits
from tswarp._kernels._interrupt cimport finished, tswarp_flag, tswarp_stopped, watch
from tswarp._kernels._simd cimport (
    build_kernels,
    tswarp_soft,
    tswarp_soft_pair,
    tswarp_soft_scratch_size,
    tswarp_soft_sink,
    tswarp_soft_state,
    tswarp_soft_table_size,
    tswarp_soft_weights_size,
)


cdef inline tswarp_soft_pair series_pair(
    const floating* x, Py_ssize_t n, const floating* y, Py_ssize_t m, Py_ssize_t d,
    const Py_ssize_t* lo, const Py_ssize_t* hi, double gamma, const tswarp_flag* stop,
) noexcept nogil:
    cdef tswarp_soft_pair p
    p.n, p.m, p.lo, p.hi, p.gamma = n, m, lo, hi, gamma
    p.costs, p.stride = NULL, 0
    p.x, p.y, p.d, p.single = x, y, d, floating is float
    p.gak_scale, p.stop = 0.0, stop
    return p


cdef inline tswarp_soft_state kept_state(
    double* weights, float* weights32, double* table,
) noexcept nogil:
    cdef tswarp_soft_state state
    state.weights, state.weights32, state.table = weights, weights32, table
    return state


cdef inline tswarp_soft_sink alignment_sink(
    double* out, Py_ssize_t rows, Py_ssize_t cols,
) noexcept nogil:
    cdef tswarp_soft_sink sink
    sink.alignment, sink.rows, sink.cols = out, rows, cols
    sink.grad_x, sink.grad_y = NULL, NULL
    return sink


cdef inline tswarp_soft_sink gradient_sink(double* grad_x, double* grad_y) noexcept nogil:
    cdef tswarp_soft_sink sink
    sink.alignment, sink.rows, sink.cols = NULL, 0, 0
    sink.grad_x, sink.grad_y = grad_x, grad_y
    return sink


cdef inline tswarp_soft_pair cost_pair(
    const double* costs, Py_ssize_t stride, Py_ssize_t n, Py_ssize_t m,
    const Py_ssize_t* lo, const Py_ssize_t* hi, double gamma, const tswarp_flag* stop,
) noexcept nogil:
    cdef tswarp_soft_pair p
    p.n, p.m, p.lo, p.hi, p.gamma = n, m, lo, hi, gamma
    p.costs, p.stride = costs, stride
    p.x, p.y, p.d, p.single = NULL, NULL, 0, 0
    p.gak_scale, p.stop = 0.0, stop
    return p


def soft_dtw_value(
    const floating[:, ::1] x, const floating[:, ::1] y,
    const Py_ssize_t[::1] lo, const Py_ssize_t[::1] hi, double gamma, int build,
):
    """Soft-DTW of x (n, d) and y (m, d) within a band, in O(m) memory."""
    cdef const tswarp_soft *soft = build_kernels(build).soft
    cdef tswarp_soft_pair p = series_pair(&x[0, 0], x.shape[0], &y[0, 0], y.shape[0],
                                          x.shape[1], &lo[0], &hi[0], gamma, NULL)
    cdef double[::1] scratch = np.empty(tswarp_soft_scratch_size(p.m, p.d))
    cdef double value
    while True:
        p.stop = watch(<double> p.n * p.m)
        with nogil:
            value = soft.forward(&p, &scratch[0], NULL)
        if finished(p.stop):
            return value


def soft_dtw_alignment(
    const floating[:, ::1] x, const floating[:, ::1] y,
    const Py_ssize_t[::1] lo, const Py_ssize_t[::1] hi, double gamma, int build,
    Py_ssize_t weights_budget=1 << 27,
):
    """(E, value): the (n, m) float64 expected alignment (0 outside the band) and soft-DTW.

    The backward reuses the forward's soft-min weights (24 bytes a cell) when they fit in
    ``weights_budget`` bytes; beyond, it keeps R alone (8 bytes a cell) and recomputes the
    same weights, bit for bit, at the price of two more exponentials a cell.
    """
    cdef const tswarp_soft *soft = build_kernels(build).soft
    cdef tswarp_soft_pair p = series_pair(&x[0, 0], x.shape[0], &y[0, 0], y.shape[0],
                                          x.shape[1], &lo[0], &hi[0], gamma, NULL)
    cdef bint keep = tswarp_soft_weights_size(p.n, p.m) * 8 <= weights_budget
    alignment = np.empty((p.n, p.m))
    cdef double[:, ::1] out = alignment
    cdef double[::1] scratch = np.empty(tswarp_soft_scratch_size(p.m, p.d))
    cdef double[::1] state = np.empty(
        tswarp_soft_weights_size(p.n, p.m) if keep else tswarp_soft_table_size(p.n, p.m)
    )
    cdef tswarp_soft_state kept = kept_state(&state[0] if keep else NULL, NULL,
                                             NULL if keep else &state[0])
    cdef tswarp_soft_sink sink = alignment_sink(&out[0, 0], p.n, p.m)
    cdef double value
    while True:
        p.stop = watch(2.0 * p.n * p.m)
        with nogil:
            value = soft.forward(&p, &scratch[0], &kept)
            if not tswarp_stopped(p.stop):
                soft.backward(&p, &kept, &scratch[0], &sink)
        if finished(p.stop):
            return alignment, value


def soft_dtw_pairs(
    const floating[:, :, ::1] X, const Py_ssize_t[::1] x_lengths,
    const floating[:, :, ::1] Y, const Py_ssize_t[::1] y_lengths,
    const Py_ssize_t[::1] rows, const Py_ssize_t[::1] cols,
    int constraint, double parameter, double gamma, int build, double[::1] out, int n_threads,
):
    """out[k] = soft-DTW(X[rows[k]], Y[cols[k]]) for a block of pairs, in parallel over pairs.

    The calling convention of ``dtw_pairs`` plus ``gamma``: series are NaN-padded and only
    their first ``*_lengths`` steps are read; a pair that admits no path gets NaN.
    """
    cdef const tswarp_soft *soft = build_kernels(build).soft
    cdef Py_ssize_t n_pairs = rows.shape[0], d = X.shape[2], k, a, b
    cdef Py_ssize_t max_n = X.shape[1], max_m = Y.shape[1]
    # One scratch slice per thread, allocated here so that no thread ever allocates.
    cdef double[:, ::1] scratch = np.empty((n_threads, tswarp_soft_scratch_size(max_m, d)))
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
            if not band_limits(x_lengths[a], y_lengths[b], constraint, parameter,
                               &limits[thread, 0], &limits[thread, max_n]):
                out[k] = NAN
                continue
            p = series_pair(&X[a, 0, 0], x_lengths[a], &Y[b, 0, 0], y_lengths[b], d,
                            &limits[thread, 0], &limits[thread, max_n], gamma, stop)
            out[k] = soft.forward(&p, &scratch[thread, 0], NULL)
        if finished(stop):
            return


def cost_batch_weights(Py_ssize_t batch, Py_ssize_t n, Py_ssize_t m):
    """Uninitialised float64 weights for :func:`soft_dtw_cost_batch`: (batch, size).

    ``size`` holds the soft-min weights of an n x m pair, laid out for the backward sweep
    (24 bytes a cell, plus the padding of 16-row strips): an opaque buffer.
    """
    return np.empty((batch, tswarp_soft_weights_size(n, m)))


def soft_dtw_cost_batch(
    const double[:, :, ::1] costs, const Py_ssize_t[::1] n_lengths,
    const Py_ssize_t[::1] m_lengths, const Py_ssize_t[:, ::1] lo, const Py_ssize_t[:, ::1] hi,
    double gamma, int build, double[::1] values, double[:, ::1] weights, int n_threads,
):
    """Soft-DTW of a batch of cost matrices (b, N, M), in parallel over the batch.

    Pair k uses ``costs[k, :n, :m]``, with n, m its lengths (n_lengths[k], m_lengths[k] >= 1)
    and the band ``lo[k, :n], hi[k, :n]`` (row i admits columns lo <= j < hi, both
    non-decreasing in i). ``values[k]`` gets its soft-DTW, +inf when no path has a finite
    cost; gamma > 0.

    ``weights`` is the state for :func:`soft_dtw_cost_batch_backward`: the array of
    :func:`cost_batch_weights` (b, N, M), filled here; or an empty (0, 0) array for the
    values alone. It is not modified by the backward, which can run more than once.
    """
    cdef const tswarp_soft *soft = build_kernels(build).soft
    cdef Py_ssize_t batch = costs.shape[0], n = costs.shape[1], m = costs.shape[2], k
    cdef bint keep = weights.shape[0] != 0
    if keep and (weights.shape[0] != batch or weights.shape[1] < tswarp_soft_weights_size(n, m)):
        raise ValueError("weights must come from cost_batch_weights(b, N, M) of the costs")
    check_pairs(batch, n, m, n_lengths, m_lengths, lo, hi)
    cdef double[:, ::1] scratch = np.empty((n_threads, tswarp_soft_scratch_size(m, 0)))
    cdef tswarp_soft_pair p
    cdef tswarp_soft_state state
    cdef const tswarp_flag* stop
    while True:
        stop = watch(<double> batch * n * m / n_threads)
        for k in prange(batch, nogil=True, schedule="dynamic", chunksize=1,
                        num_threads=n_threads):
            p = cost_pair(&costs[k, 0, 0], m, n_lengths[k], m_lengths[k], &lo[k, 0], &hi[k, 0],
                          gamma, stop)
            state = kept_state(&weights[k, 0] if keep else NULL, NULL, NULL)
            values[k] = soft.forward(&p, &scratch[threadid(), 0], &state)
        if finished(stop):
            return


def soft_dtw_cost_batch_backward(
    const double[:, ::1] weights, const Py_ssize_t[::1] n_lengths,
    const Py_ssize_t[::1] m_lengths, const Py_ssize_t[:, ::1] lo, const Py_ssize_t[:, ::1] hi,
    double gamma, int build, double[:, :, ::1] alignment, int n_threads,
):
    """E = dvalues[k] / dcosts[k] of :func:`soft_dtw_cost_batch`, into ``alignment``.

    ``weights`` as the forward left it; lengths and bands as given to the forward; ``gamma``
    is the forward's (the weights already carry it). ``alignment`` is a (b, N, M) float64
    array whose every cell is written: E in each pair's band, exact zeros elsewhere (off the
    band, past the pair's lengths). E is 0 everywhere for a pair with an infinite value.
    """
    cdef const tswarp_soft *soft = build_kernels(build).soft
    cdef Py_ssize_t batch = alignment.shape[0], n = alignment.shape[1], m = alignment.shape[2]
    cdef Py_ssize_t k
    if weights.shape[0] != batch or weights.shape[1] < tswarp_soft_weights_size(n, m):
        raise ValueError("weights must come from cost_batch_weights(b, N, M) of the costs")
    check_pairs(batch, n, m, n_lengths, m_lengths, lo, hi)
    cdef double[:, ::1] scratch = np.empty((n_threads, tswarp_soft_scratch_size(m, 0)))
    cdef tswarp_soft_pair p
    cdef tswarp_soft_state state
    cdef tswarp_soft_sink sink
    cdef const tswarp_flag* stop
    while True:
        stop = watch(<double> batch * n * m / n_threads)
        for k in prange(batch, nogil=True, schedule="dynamic", chunksize=1,
                        num_threads=n_threads):
            p = cost_pair(NULL, m, n_lengths[k], m_lengths[k], &lo[k, 0], &hi[k, 0], gamma, stop)
            state = kept_state(<double*>&weights[k, 0], NULL, NULL)
            sink = alignment_sink(&alignment[k, 0, 0], n, m)
            soft.backward(&p, &state, &scratch[threadid(), 0], &sink)
        if finished(stop):
            return


def series_batch_weights(Py_ssize_t count, Py_ssize_t n, Py_ssize_t m, dtype):
    """Uninitialised state for :func:`soft_dtw_series_batch`: the soft-min weights of
    ``count`` pairs of lengths up to (n, m), in the series' dtype (float32: 12 bytes a cell,
    float64: 24), laid out for the backward: an opaque (count, size) array.
    """
    return np.empty((count, tswarp_soft_weights_size(n, m)), dtype=dtype)


cdef inline tswarp_soft_state series_state(floating* weights) noexcept nogil:
    if floating is float:
        return kept_state(NULL, weights, NULL)
    else:
        return kept_state(weights, NULL, NULL)


def soft_dtw_series_batch(
    const floating[:, :, ::1] X, const floating[:, :, ::1] Y,
    const Py_ssize_t[::1] n_lengths, const Py_ssize_t[::1] m_lengths,
    const Py_ssize_t[:, ::1] lo, const Py_ssize_t[:, ::1] hi, double gamma, int build,
    double[::1] values, floating[:, ::1] weights, const Py_ssize_t[::1] slots, int n_threads,
):
    """Soft-DTW of the pairs (X[k], Y[k]) of two batches (b, N, d), (b, M, d), with squared
    Euclidean costs computed on the fly (float64 sums), in parallel over the batch.

    Pair k uses the first n_lengths[k] and m_lengths[k] (>= 1) steps and the band
    ``lo[k], hi[k]`` as in :func:`soft_dtw_cost_batch`; ``values[k]`` gets its soft-DTW.
    ``slots[k]`` >= 0 keeps the pair's soft-min weights in ``weights[slots[k]]`` (from
    :func:`series_batch_weights`) for :func:`soft_dtw_series_batch_backward`; -1 keeps
    nothing. The weights take the series' precision: float32 weights for float32 series
    (their rounding, 6e-8 relative, is that of the float32 gradient itself) halve the
    memory of training.
    """
    cdef const tswarp_soft *soft = build_kernels(build).soft
    cdef Py_ssize_t batch = X.shape[0], n = X.shape[1], m = Y.shape[1], d = X.shape[2], k
    check_series_batch(batch, n, m, d, Y.shape[0], Y.shape[2], values.shape[0], weights, slots)
    check_pairs(batch, n, m, n_lengths, m_lengths, lo, hi)
    cdef double[:, ::1] scratch = np.empty((n_threads, tswarp_soft_scratch_size(m, d)))
    cdef tswarp_soft_pair p
    cdef tswarp_soft_state state
    cdef const tswarp_flag* stop
    while True:
        stop = watch(<double> batch * n * m / n_threads)
        for k in prange(batch, nogil=True, schedule="dynamic", chunksize=1,
                        num_threads=n_threads):
            p = series_pair(&X[k, 0, 0], n_lengths[k], &Y[k, 0, 0], m_lengths[k], d,
                            &lo[k, 0], &hi[k, 0], gamma, stop)
            state = series_state(&weights[slots[k], 0] if slots[k] >= 0 else <floating*>NULL)
            values[k] = soft.forward(&p, &scratch[threadid(), 0], &state)
        if finished(stop):
            return


def soft_dtw_series_batch_backward(
    const floating[:, :, ::1] X, const floating[:, :, ::1] Y,
    const Py_ssize_t[::1] n_lengths, const Py_ssize_t[::1] m_lengths,
    const Py_ssize_t[:, ::1] lo, const Py_ssize_t[:, ::1] hi, double gamma, int build,
    const floating[:, ::1] weights, const Py_ssize_t[::1] slots,
    double[:, :, ::1] grad_x, double[:, :, ::1] grad_y, int n_threads,
):
    """Gradients of :func:`soft_dtw_series_batch`'s values: grad_x[k] = dvalues[k] / dX[k]
    and grad_y[k] = dvalues[k] / dY[k], (b, N, d) and (b, M, d) float64, overwritten (zeros
    past the lengths, and for the pairs whose slot is -1, which kept nothing). Either may be
    an empty (0, 0, 0) array when not wanted. Arguments as given to the forward, which left
    ``weights`` unchanged for any number of backward calls.
    """
    cdef const tswarp_soft *soft = build_kernels(build).soft
    cdef Py_ssize_t batch = X.shape[0], n = X.shape[1], m = Y.shape[1], d = X.shape[2], k
    check_series_batch(batch, n, m, d, Y.shape[0], Y.shape[2], batch, weights, slots)
    check_pairs(batch, n, m, n_lengths, m_lengths, lo, hi)
    cdef bint want_x = grad_x.shape[0] != 0, want_y = grad_y.shape[0] != 0
    if want_x and (grad_x.shape[0] != batch or grad_x.shape[1] != n or grad_x.shape[2] != d):
        raise ValueError("grad_x must have the shape of X")
    if want_y and (grad_y.shape[0] != batch or grad_y.shape[1] != m or grad_y.shape[2] != d):
        raise ValueError("grad_y must have the shape of Y")
    cdef double[:, ::1] scratch = np.empty((n_threads, tswarp_soft_scratch_size(m, d)))
    cdef tswarp_soft_pair p
    cdef tswarp_soft_state state
    cdef tswarp_soft_sink sink
    cdef const tswarp_flag* stop
    while True:
        # The backward adds into the gradients: zeros first, again after an interruption.
        if want_x:
            np.asarray(grad_x)[...] = 0
        if want_y:
            np.asarray(grad_y)[...] = 0
        stop = watch(<double> batch * n * m / n_threads)
        for k in prange(batch, nogil=True, schedule="dynamic", chunksize=1,
                        num_threads=n_threads):
            if slots[k] < 0:
                continue
            p = series_pair(&X[k, 0, 0], n_lengths[k], &Y[k, 0, 0], m_lengths[k], d,
                            &lo[k, 0], &hi[k, 0], gamma, stop)
            state = series_state(<floating*>&weights[slots[k], 0])
            sink = gradient_sink(&grad_x[k, 0, 0] if want_x else NULL,
                                 &grad_y[k, 0, 0] if want_y else NULL)
            soft.backward(&p, &state, &scratch[threadid(), 0], &sink)
        if finished(stop):
            return


cdef check_series_batch(
    Py_ssize_t b, Py_ssize_t n, Py_ssize_t m, Py_ssize_t d, Py_ssize_t y_b, Py_ssize_t y_d,
    Py_ssize_t count, weights, const Py_ssize_t[::1] slots,
):
    """Shapes and slots that the series kernels can index without reading out of bounds."""
    if y_b != b or y_d != d or count != b or slots.shape[0] != b:
        raise ValueError("X, Y, values and slots must hold the same pairs and features")
    if b and (n == 0 or m == 0 or d == 0):
        raise ValueError("series need at least one step and one feature")
    kept = np.asarray(slots)
    if b and kept.max() >= 0 and (
        kept.max() >= weights.shape[0] or weights.shape[1] < tswarp_soft_weights_size(n, m)
    ):
        raise ValueError("weights must come from series_batch_weights(count, N, M, dtype)")


cdef check_pairs(
    Py_ssize_t b, Py_ssize_t n, Py_ssize_t m, const Py_ssize_t[::1] n_lengths,
    const Py_ssize_t[::1] m_lengths, const Py_ssize_t[:, ::1] lo, const Py_ssize_t[:, ::1] hi,
):
    """Lengths within 1..n and 1..m, and a band row for each of the n rows of every pair: a
    length of 0 or past the padded size would make the kernels write out of bounds."""
    if n_lengths.shape[0] != b or m_lengths.shape[0] != b:
        raise ValueError(f"n_lengths and m_lengths must hold {b} lengths")
    if b and (lo.shape[0] != b or hi.shape[0] != b or lo.shape[1] < n or hi.shape[1] < n):
        raise ValueError(f"lo and hi must be ({b}, {n}) band limits")
    rows, cols = np.asarray(n_lengths), np.asarray(m_lengths)
    if b and (rows.min() < 1 or rows.max() > n or cols.min() < 1 or cols.max() > m):
        raise ValueError(f"lengths must lie within 1..{n} and 1..{m}")


def _math_array(const double[::1] x, int which, int build):
    """The kernels' exp (which = 0, x <= 0), log (1, 1 <= x <= 3) or GAK local kernel
    (2, 0 <= x <= 1010: e / (2 - e), e = 2^-x) of x on build ``build`` (tests)."""
    out = np.empty(x.shape[0])
    cdef double[::1] result = out
    if x.shape[0]:
        build_kernels(build).soft.math_array(&x[0], &result[0], x.shape[0], which)
    return out


def soft_lanes(int build):
    """The float64 lanes that build ``build``'s soft-DTW kernels run on."""
    return build_kernels(build).soft.lanes
