"""The soft-DTW barycenter: the series Z minimising sum_i w_i * soft_dtw(Z, X_i).

Soft-DTW is smooth in Z, so a quasi-Newton method finds a (local) minimum from a gradient.
Both come from the compiled soft-DTW kernels, batched over the series and in parallel: the
forward keeps each pair's soft-min weights and the backward folds the expected alignment
into dZ without forming it. On tensors they come from the torch engine on the tensors' device
(``_torch_soft_dtw``), and the same optimiser runs on the host.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

import numpy as np

from tswarp._constraints import band_for, parse_constraint
from tswarp._gamma import check_gamma, check_gamma_fits
from tswarp._kernels import _soft_dtw
from tswarp._kernels._select import BUILD
from tswarp._threads import check_n_jobs, effective_n_threads
from tswarp.barycenters._inputs import (
    CONSTRAINT_KEYS,
    binary_exponent,
    check_bands,
    check_count,
    check_tol,
    check_weights,
    dataset,
    resample,
    starting_barycenter,
    unit_weights,
)
from tswarp.metrics._inputs import dataset_backend

if TYPE_CHECKING:
    from tswarp._typing import Array, ArrayLike, Dataset
    from tswarp.barycenters._torch_soft_dtw import TorchSoftObjective

# Bytes of soft-min weights kept at once: the series are run in chunks that fit.
_WEIGHTS_BUDGET = 1 << 28
# The methods of scipy.optimize.minimize that run on values and gradients alone, those that
# use values only, and those that need a Hessian (refused).
GRADIENT_FREE = ("nelder-mead", "powell", "cobyla", "cobyqa")
METHODS = ("l-bfgs-b", "bfgs", "cg", "newton-cg", "tnc", "slsqp", "trust-constr", *GRADIENT_FREE)
NEEDS_HESSIAN = ("dogleg", "trust-ncg", "trust-exact", "trust-krylov")
# The gamma that stands for one that underflows to 0 (see downscaled_gamma).
_SMALLEST_GAMMA = float(np.nextafter(0.0, 1.0))


def _scipy_minimize():
    try:
        from scipy.optimize import minimize
    except ImportError:  # pragma: no cover - scipy is in the test requirements
        raise ImportError(
            "softdtw_barycenter needs SciPy: pip install 'tswarp[estimators]'"
        ) from None
    return minimize


def _one_blas_thread():
    """A context in which NumPy's and SciPy's BLAS run on one thread, where threadpoolctl (a
    dependency of scikit-learn) is installed.

    The optimiser's BLAS work is a few vectors of the barycenter's size, but an idle BLAS
    thread spins for a while after each call: on a machine with as many cores as threads, it
    takes a core from the kernels' OpenMP threads at every evaluation (measured: two threads
    ran a k-means of soft-DTW barycenters three times slower than one, and twice faster
    than one with BLAS on one thread).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def objective_weights(weights):
    """The weights of the objective: as given, as in tslearn, unless the largest passes
    2**256; then scaled down by a power of two (exact), which moves neither the minimum
    nor the optimiser's steps, so that the weighted sum does not overflow.

    Other weights are kept as they are because their scale is part of the problem that the
    optimiser solves: its gradient tolerance is absolute.
    """
    return unit_weights(weights) if weights.max() > 2.0**256 else weights


def euclidean_start(X, lengths, weights):
    """tslearn's default start: the weighted mean of the series, each first resampled to the
    longest length when the lengths differ."""
    longest = X.shape[1]
    series = [resample(X[i, : lengths[i]], longest) for i in range(len(X))]
    weights = unit_weights(weights)  # exact: sums of weights near 1e308 do not overflow
    return np.tensordot(weights, np.stack(series), axes=1) / weights.sum()


class SoftObjective:
    """sum_i w_i * soft_dtw(Z, X_i) and its gradient in Z, for barycenters of ``size`` steps."""

    def __init__(self, X, lengths, weights, gamma, constraint, size, n_jobs):
        n, longest = X.shape[:2]
        check_gamma_fits(gamma, size, longest)
        # The kernels never read the padding; zeros keep it harmless anyway.
        inside = np.arange(longest)[None, :] < lengths[:, None]
        self.Y = np.ascontiguousarray(np.where(inside[:, :, None], X, 0.0))
        self.lengths, self.weights, self.gamma, self.size = lengths, weights, gamma, size
        self.n_lengths = np.full(n, size, dtype=np.intp)
        code, parameter = constraint
        lo, hi = np.empty((n, size), np.intp), np.empty((n, size), np.intp)
        for length in np.unique(lengths):
            limits = band_for(size, int(length), (code, parameter))
            lo[lengths == length], hi[lengths == length] = limits
        self.lo, self.hi = lo, hi
        cell_bytes = 24 * size * longest
        self.chunk = max(1, min(n, _WEIGHTS_BUDGET // max(cell_bytes, 1)))
        self.threads = effective_n_threads(n_jobs, n)
        # Made once for every evaluation: fresh pages of the weights cost more than the
        # backward pass that reads them.
        self.kept = _soft_dtw.series_batch_weights(self.chunk, size, longest, np.float64)
        self.slots = np.arange(self.chunk, dtype=np.intp)

    def __call__(self, z):
        """(value, gradient) at the flattened barycenter ``z``."""
        Z = np.asarray(z, dtype=np.float64).reshape(self.size, -1)
        value, grad = 0.0, np.zeros_like(Z)
        for start in range(0, len(self.Y), self.chunk):
            part = slice(start, start + self.chunk)
            Y = self.Y[part]
            count = len(Y)
            Zs = np.ascontiguousarray(np.broadcast_to(Z, (count, *Z.shape)))
            pairs = (Zs, Y, self.n_lengths[part], self.lengths[part], self.lo[part],
                     self.hi[part], self.gamma, BUILD)  # fmt: skip
            values, slots = np.empty(count), self.slots[:count]
            threads = min(self.threads, count)
            _soft_dtw.soft_dtw_series_batch(*pairs, values, self.kept, slots, threads)
            grads = np.empty(Zs.shape)
            _soft_dtw.soft_dtw_series_batch_backward(
                *pairs, self.kept, slots, grads, np.empty((0, 0, 0)), threads
            )
            value += float(self.weights[part] @ values)
            grad += np.tensordot(self.weights[part], grads, axes=1)
        return value, grad.ravel()


def softdtw_barycenter(
    X: Dataset,
    gamma: float = 1.0,
    weights: ArrayLike | None = None,
    tol: float = 1e-3,
    max_iter: int = 50,
    init: ArrayLike | None = None,
    n_jobs: int | None = None,
    method: str = "L-BFGS-B",
    **metric_params: Any,
) -> Array:
    """Barycenter under soft-DTW: the series Z minimising sum_i w_i * soft_dtw(Z, X_i).

    The objective is smooth: a quasi-Newton method (``scipy.optimize.minimize``) descends
    from ``init`` with gradients from the compiled soft-DTW kernels, run in parallel over
    the series. On torch tensors, the objective and its gradient are computed by the torch
    engine on the tensors' device (only Z and its gradient go to the host for the
    optimiser), and a tensor is returned. Soft-DTW is not convex in Z: the result is a
    local minimum, the same from the same start on either kind of data.

    Parameters
    ----------
    X : array-like of shape (n_ts, sz, d), (n_ts, sz) or a list of series
        The series to average; different lengths are given as a list, or NaN-padded.
    gamma : float, default 1.0
        Soft-DTW temperature, > 0: the smaller, the closer to DTW (and the rougher).
    weights : array-like of shape (n_ts,), optional
        Non-negative weights of the series, not all zero; equal weights by default.
    tol : float, default 1e-3
        Tolerance of the optimiser (``tol`` of ``scipy.optimize.minimize``), in the units
        of the data (see Notes); finite. COBYLA and COBYQA take it as the final radius of
        their trust region, which starts at 1: at most 1 (and > 0 for COBYLA).
    max_iter : int, default 50
        Most iterations of the optimiser; 0 returns the starting barycenter.
    init : array-like of shape (bsz, d) or (bsz,), optional
        Starting barycenter, whose length is the result's. By default the weighted mean of
        the series, each first linearly resampled to the longest length if lengths differ.
    n_jobs : int or None, default None
        Threads over the series, joblib's convention (None: 1, -1: all usable CPUs); on
        tensors, torch's thread count decides instead.
    method : str, default "L-BFGS-B"
        The ``scipy.optimize.minimize`` method, any that needs no Hessian. Those that use
        gradients get the kernels' gradient; Nelder-Mead, Powell, COBYLA and COBYQA get the
        objective's values only (and need many more evaluations). TNC counts no iterations:
        ``max_iter`` bounds its evaluations of the objective instead.
    **metric_params
        Constraint of the alignments: ``global_constraint``, ``sakoe_chiba_radius``,
        ``itakura_max_slope``, as in :func:`tswarp.metrics.soft_dtw`.

    Returns
    -------
    numpy.ndarray of shape (bsz, d)
        The barycenter, float64 (``bsz`` is the length of ``init``, or the longest length).
        A float64 tensor on the data's device for tensors.

    Raises
    ------
    ValueError
        If X is empty or holds a NaN inside a series, if gamma is not > 0, if ``tol``,
        ``max_iter`` or the weights are out of range, if ``init`` does not have the series'
        features, if ``method`` is unknown or needs a Hessian, if the constraint admits no
        path, or if the objective is not finite where the optimiser stops (it is not returned
        as if it were a barycenter).
    ImportError
        If SciPy is not installed (``pip install "tswarp[estimators]"``).

    Notes
    -----
    Data (or ``init``) with values past 2**256 is divided by a power of two, 2**e, that
    brings it near 1, and gamma by 4**e: soft_dtw(c * x, c * y, gamma) is
    c**2 * soft_dtw(x, y, gamma / c**2), so the barycenter, multiplied back by 2**e, is
    the same, while the squares of values past 2**512 no longer overflow. L-BFGS-B's
    gradient tolerance is divided by 2**e with the gradient; its other tolerance is
    relative. Where gamma / 4**e underflows, the smallest positive float is used: soft-DTW
    is then DTW to within float64's resolution either way.

    Examples
    --------
    >>> Z = softdtw_barycenter([[1, 2, 3, 4], [1, 2, 4, 5]], max_iter=5)
    >>> Z.shape
    (4, 1)
    >>> print(Z.ravel().round(2))
    [1.25 2.04 3.51 4.36]
    """
    gamma = check_gamma(gamma, positive=True)
    tol = check_tol(tol)
    max_iter = check_count(max_iter, "max_iter", 0)
    check_n_jobs(n_jobs)
    method = check_method(method)
    check_method_tol(method, tol)
    unknown = sorted(set(metric_params) - set(CONSTRAINT_KEYS))
    if unknown:
        raise TypeError(
            f"softdtw_barycenter got unexpected keyword arguments {unknown}; the constraint "
            f"arguments are {list(CONSTRAINT_KEYS)}"
        )
    constraint = parse_constraint(**metric_params)
    be = dataset_backend(None, X, init)
    arr, lengths = dataset(X)
    w = objective_weights(check_weights(weights, len(arr)))
    if init is None:
        start = euclidean_start(arr, lengths, w)
    else:
        start = starting_barycenter(init, arr.shape[2], "init")
    check_bands(len(start), lengths, constraint)
    # Soft-DTW of values past 2**512 overflows; see downscaling_exponent.
    exponent = downscaling_exponent(arr, start)
    arr, scaled_start = np.ldexp(arr, -exponent), np.ldexp(start, -exponent)
    scaled_gamma = downscaled_gamma(gamma, exponent)
    objective: SoftObjective | TorchSoftObjective
    if be.is_pytorch:
        from tswarp.barycenters._torch_soft_dtw import TorchSoftObjective

        objective = TorchSoftObjective(X, w, scaled_gamma, constraint, len(start), exponent)
        finish = objective.tensor
    else:
        objective = SoftObjective(arr, lengths, w, scaled_gamma, constraint, len(start), n_jobs)
        finish = np.asarray
    if max_iter == 0:
        return finish(start)
    minimize = _scipy_minimize()  # first: SciPy's own BLAS is loaded with it
    with contextlib.nullcontext() if be.is_pytorch else _one_blas_thread():
        Z = _minimise(minimize, objective, scaled_start, method, tol, max_iter, exponent)
    return finish(np.ldexp(Z, exponent))


def _minimise(minimize, objective, start, method, tol, max_iter, exponent):
    """The barycenter where the optimiser stops, from ``start`` (data divided by
    2**exponent); a ValueError rather than a barycenter whose objective is not finite."""
    if method in GRADIENT_FREE:
        # SciPy warns when these are handed a gradient they do not use: they get the values.
        fun, jac = (lambda z: objective(z)[0]), None
    else:
        fun, jac = objective, True
    result = minimize(
        fun, start.ravel(), method=method, jac=jac, tol=tol,
        options=optimiser_options(method, tol, max_iter, exponent),
    )  # fmt: skip
    if not np.isfinite(result.fun):
        raise ValueError(
            "the soft-DTW objective is not finite at the barycenter the optimiser stopped "
            f"at (value {result.fun}): the data, weights or gamma are too large for float64"
        )
    return result.x.reshape(start.shape)


def check_method(method):
    """The name of a ``scipy.optimize.minimize`` method that needs no Hessian, lower-cased."""
    if not isinstance(method, str):
        raise TypeError(f"method must be a string, got {method!r}")
    name = method.lower()
    if name in NEEDS_HESSIAN:
        raise ValueError(
            f"method={method!r} needs the Hessian of the objective, which softdtw_barycenter "
            f"does not compute; use one of {list(METHODS)}"
        )
    if name not in METHODS:
        raise ValueError(
            f"method must be one of scipy.optimize.minimize's methods {list(METHODS)}, "
            f"got {method!r}"
        )
    return name


def check_method_tol(method, tol):
    """ValueError for a ``tol`` that SciPy's ``method`` cannot take.

    An infinite tol breaks Powell's line search inside SciPy. COBYLA and COBYQA take tol as
    the final radius of a trust region whose radius starts at 1: SciPy replaces a larger one
    (or 0, for COBYLA) by 1e-6 with a warning, or refuses it without naming tol.
    """
    if not np.isfinite(tol):
        raise ValueError(f"tol must be finite for softdtw_barycenter's optimiser, got {tol!r}")
    if method not in ("cobyla", "cobyqa"):
        return
    smallest_ok = tol > 0 if method == "cobyla" else tol >= 0
    if not (smallest_ok and tol <= 1):
        low = "0 < tol" if method == "cobyla" else "0 <= tol"
        raise ValueError(
            f"method={method!r} takes tol as the final radius of its trust region, which "
            f"starts at 1: {low} <= 1 is needed, got {tol!r}"
        )


def downscaling_exponent(*arrays):
    """e >= 0 such that the arrays divided by 2**e have values below 2**256.

    soft_dtw(c * x, c * y, gamma) = c**2 * soft_dtw(x, y, gamma / c**2), so the barycenter
    of data scaled by c is c times the barycenter of the data with gamma / c**2; with c a
    power of two, the scaling is exact. Without it, the squares of values past 2**512
    overflow, the objective is inf everywhere, and the optimiser stops at its start. Tiny
    values are left as they are: their objective is finite, and gamma * c**-2 could
    overflow.
    """
    return max(binary_exponent(*arrays), 0)


def downscaled_gamma(gamma, exponent):
    """gamma / 4**exponent, the gamma of the data divided by 2**exponent.

    Where that underflows to 0, the smallest positive float is taken instead: soft-DTW
    differs from DTW by at most gamma * log(3) * (n + m), so with either gamma it is DTW
    to within float64's resolution of values near 1, while gamma = 0 has no gradient.
    """
    return max(float(np.ldexp(gamma, -2 * exponent)), _SMALLEST_GAMMA)


def optimiser_options(method, tol, max_iter, exponent):
    """The ``options`` of ``scipy.optimize.minimize`` for the data divided by 2**exponent.

    L-BFGS-B's ``gtol`` bounds the gradient, which the scaling divides by 2**exponent: it
    is divided too, so that ``tol`` means on the scaled data what it means on the caller's.
    Its ``ftol`` bounds a relative decrease, and other methods take ``tol`` as it is.
    TNC counts no iterations (SciPy warns that ``maxiter`` is unknown to it and ignores it):
    ``max_iter`` bounds its evaluations of the objective instead.
    """
    options = {"maxfun" if method == "tnc" else "maxiter": max_iter}
    if method == "l-bfgs-b":
        # The relative decrease that ftol bounds is at most 2: larger values change nothing,
        # while SciPy's ftol / eps overflows (a RuntimeWarning) past about 1e292.
        options["ftol"] = min(tol, 2.0)
        if exponent:
            options["gtol"] = float(np.ldexp(tol, -exponent))
    return options
