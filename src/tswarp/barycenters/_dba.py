"""DTW barycenter averaging (DBA): the barycenter that minimises the weighted sum of squared
DTW distances to the series, by alternating two steps until the cost stops decreasing:

1. align every series with the barycenter (its optimal DTW path), and
2. replace each barycenter position by the weighted mean of the series steps aligned with it.

Step 1 and the sums of step 2 run in one compiled kernel, in parallel over the series
(``_kernels/_dba.pyx``); this module checks the arguments, starts, and decides when to stop.
Each step can only lower the cost (the mean minimises the squared distances for fixed paths,
and the optimal paths for the new barycenter cost no more than the old ones).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from tswarp import _warnings
from tswarp._constraints import band_for
from tswarp._kernels import _dba, _select
from tswarp._threads import check_n_jobs, effective_n_threads
from tswarp.barycenters._inputs import (
    binary_exponent,
    check_bands,
    check_count,
    check_tol,
    check_weights,
    constraint_of,
    dataset,
    resample,
    starting_barycenter,
    unit_weights,
)
from tswarp.metrics._inputs import dataset_backend, to_backend

if TYPE_CHECKING:
    from tswarp._typing import Array, ArrayLike, Dataset

F = TypeVar("F", bound=Callable[..., Any])


class ConvergenceWarning(UserWarning):
    """The cost of an iterative barycenter went up, and the iterations stopped there."""

    __module__ = "tswarp.barycenters"


_SHARED_DOC = """\
X : array-like of shape (n_ts, sz, d), (n_ts, sz) or a list of series
    The series to average. Series of different lengths are given as a list, or NaN-padded
    at the end.
barycenter_size : int or None, default None
    Length of the barycenter: by default that of the longest series, or of
    ``init_barycenter`` when it is given (which then decides).
init_barycenter : array-like of shape (size, d) or (size,), optional
    Starting barycenter. By default, the step-by-step mean of the series (over those long
    enough to have the step) linearly resampled to ``barycenter_size``.
max_iter : int, default 30
    Most iterations (0 returns the starting barycenter).
tol : float, default 1e-5
    The iterations stop once the cost decreases by less than this.
weights : array-like of shape (n_ts,), optional
    Non-negative weights of the series, not all zero; equal weights by default.
metric_params : dict or None, default None
    DTW constraint of the alignments: ``global_constraint``, ``sakoe_chiba_radius``,
    ``itakura_max_slope``, as in :func:`tswarp.metrics.dtw`.
verbose : bool, default False
    Print the cost at each iteration."""

_N_JOBS_DOC = """    n_jobs : int or None, default None
        Threads for the alignments, joblib's convention (None: 1, -1: all usable CPUs)."""


def _document(function: F) -> F:
    assert function.__doc__ is not None  # the decorated functions all have docstrings
    shared = "\n".join("    " + line for line in _SHARED_DOC.splitlines())
    doc = function.__doc__.replace("    {shared}", shared)
    function.__doc__ = doc.replace("    {n_jobs}", _N_JOBS_DOC)
    return function


class _Problem:
    """The checked arguments of one DBA run, and its averaging step."""

    def __init__(
        self, X, barycenter_size, init_barycenter, weights, metric_params, n_jobs, series_first
    ):
        self.X, self.lengths = dataset(X)
        n, longest, d = self.X.shape
        self.weights = unit_weights(check_weights(weights, n))
        self.constraint = constraint_of(metric_params)
        check_n_jobs(n_jobs)
        self.threads = effective_n_threads(n_jobs, n)
        self.series_first = series_first
        given = None
        if init_barycenter is not None:
            given = starting_barycenter(init_barycenter, d, "init_barycenter")
        # Data past 2**256 (or below 2**-256) is divided by a power of two that brings it
        # near 1: squared distances of values near 1e200 (1e-200) overflow (underflow) and
        # leave the paths arbitrary, while the scaling, exact, changes nothing else. The
        # costs, and so ``tol``, are in squared units: see scaled_tol and original_cost.
        self.exponent = binary_exponent(self.X, *([] if given is None else [given]))
        self.X = np.ldexp(self.X, -self.exponent)
        if given is not None:
            self.start = np.ldexp(given, -self.exponent)
        else:
            size = longest if barycenter_size is None else barycenter_size
            size = check_count(size, "barycenter_size", 1)
            self.start = resample(self._step_means(), size)
        check_bands(len(self.start), self.lengths, self.constraint, series_first)
        self.vectors = self._strip_vectors()

    def _strip_vectors(self):
        """The chooser's kernel for the alignments: that of the longest series' pair."""
        longest = self.X[int(np.argmax(self.lengths))]
        pair = (longest, self.start) if self.series_first else (self.start, longest)
        lo, hi = band_for(len(pair[0]), len(pair[1]), self.constraint)
        return _select.strip_vectors(*pair, lo, hi)

    def _step_means(self):
        """The mean of each time step over the series that reach it."""
        inside = np.arange(self.X.shape[1])[None, :] < self.lengths[:, None]
        totals = np.where(inside[:, :, None], self.X, 0.0).sum(axis=0)
        return totals / inside.sum(axis=0)[:, None]

    def step(self, barycenter):
        """(next barycenter, cost of ``barycenter``): one alignment and averaging step."""
        size, d = barycenter.shape
        sums = np.empty((self.threads, size, d))
        counts = np.empty((self.threads, size))
        costs = np.empty(len(self.X))
        code, parameter = self.constraint
        _dba.dba_accumulate(
            self.X, self.lengths, barycenter, self.weights, code, parameter,
            self.series_first, sums, counts, costs, self.threads, _select.BUILD, self.vectors,
        )  # fmt: skip
        # The cost as sum_i w_i * dtw_i ** 2 / sum_i w_i, the squares taken of the rounded
        # distances and added in order, so that the stopping test sees the same numbers as
        # tslearn's.
        distances = np.sqrt(costs)
        cost = np.cumsum(distances * distances * self.weights)[-1] / self.weights.sum()
        return sums.sum(axis=0) / counts.sum(axis=0)[:, None], float(cost)

    def one_series(self, barycenter, index):
        """(counts, sums): along series ``index``'s path, its weight added onto the counts of
        the barycenter positions and its weighted steps onto their sums."""
        size, d = barycenter.shape
        sums, counts, cost = np.empty((1, size, d)), np.empty((1, size)), np.empty(1)
        part = slice(index, index + 1)
        code, parameter = self.constraint
        _dba.dba_accumulate(
            self.X[part], self.lengths[part], barycenter, self.weights[part], code, parameter,
            self.series_first, sums, counts, cost, 1, _select.BUILD, self.vectors,
        )  # fmt: skip
        return counts[0], sums[0]

    def scaled_tol(self, tol):
        """``tol`` in the units of the costs that ``step`` returns (inf past float64's
        range, which any cost difference of such tiny data is below anyway)."""
        with np.errstate(over="ignore"):
            return float(np.ldexp(tol, -2 * self.exponent))

    def original_cost(self, cost):
        """A cost of ``step`` in the units of the caller's data (inf past float64's range)."""
        with np.errstate(over="ignore"):
            return float(np.ldexp(cost, 2 * self.exponent))

    def original(self, barycenter):
        """A barycenter of the scaled data in the units of the caller's data."""
        return np.ldexp(barycenter, self.exponent)

    def run(self, max_iter, tol, verbose):
        """(barycenter, cost) after at most ``max_iter`` steps; the cost is that of the
        barycenter before the last step (inf when no step ran)."""
        barycenter, previous, cost = self.start, np.inf, np.inf
        tol = self.scaled_tol(tol)
        for iteration in range(max_iter):
            stepped, cost = self.step(barycenter)
            fixed = np.array_equal(stepped, barycenter)
            barycenter = stepped
            if verbose:
                print(f"[DBA] epoch {iteration + 1}, cost: {self.original_cost(cost):.3f}")
            if abs(previous - cost) < tol:
                break
            if previous < cost:
                _warnings.warn(
                    "the DBA cost increased (rounding errors near a fixed point); stopping "
                    "the iterations",
                    ConvergenceWarning,
                )
                break
            if fixed:  # every later step would repeat this one (with tol=0, up to max_iter)
                break
            previous = cost
        return self.original(barycenter), self.original_cost(cost)


def _checked_run(X, barycenter_size, init_barycenter, max_iter, tol, weights, metric_params,
                 verbose, n_jobs, series_first):  # fmt: skip
    max_iter = check_count(max_iter, "max_iter", 0)
    tol = check_tol(tol)
    problem = _Problem(X, barycenter_size, init_barycenter, weights, metric_params, n_jobs,
                       series_first)  # fmt: skip
    return problem.run(max_iter, tol, verbose)


def _inputs_of(X):
    return (X, *X) if isinstance(X, (list, tuple)) else (X,)


@_document
def dtw_barycenter_averaging(
    X: Dataset,
    barycenter_size: int | None = None,
    init_barycenter: ArrayLike | None = None,
    max_iter: int = 30,
    tol: float = 1e-5,
    weights: ArrayLike | None = None,
    metric_params: dict[str, Any] | None = None,
    verbose: bool = False,
    n_init: int = 1,
    n_jobs: int | None = None,
) -> Array:
    """DTW barycenter averaging (DBA) of a set of time series.

    The barycenter is the series whose weighted sum of squared DTW distances to the given
    series is (locally) smallest. DBA alternates aligning every series with the barycenter
    and averaging, at each barycenter position, the series steps aligned with it (the
    majorize-minimize form of Schultz & Jain, 2018, of the averaging of Petitjean et al.,
    2011). Each iteration lowers the cost; the iterations stop when it decreases by less
    than ``tol``.

    Parameters
    ----------
    {shared}
    n_init : int, default 1
        Runs, the best of which is returned. Every run starts from the same barycenter, so
        more than one only repeats the work (kept for tslearn's signature).
    {n_jobs}

    Returns
    -------
    numpy.ndarray of shape (barycenter_size, d)
        The barycenter, in float64; a float64 tensor on the data's device for tensors.

    Raises
    ------
    ValueError
        If X is empty or holds a NaN inside a series, if ``barycenter_size``, ``max_iter``,
        ``n_init``, ``tol`` or the weights are out of range, if ``init_barycenter`` does not
        have the series' features, or if the constraint admits no path between a series
        and the barycenter.

    Warns
    -----
    ConvergenceWarning
        If the cost increases, which only rounding errors near a fixed point can cause;
        the iterations stop there.

    Examples
    --------
    >>> dtw_barycenter_averaging([[1, 2, 3, 4], [1, 2, 4, 5]], max_iter=5)
    array([[1. ],
           [2. ],
           [3.5],
           [4.5]])
    >>> dtw_barycenter_averaging([[1, 2, 3, 4], [1, 2, 3, 4, 5]], barycenter_size=3)
    array([[1.5       ],
           [3.        ],
           [4.33333333]])
    """
    n_init = check_count(n_init, "n_init", 1)
    best, best_cost = None, np.inf
    for attempt in range(n_init):
        if verbose:
            print(f"Attempt {attempt + 1}")
        barycenter, cost = _checked_run(
            X, barycenter_size, init_barycenter, max_iter, tol, weights, metric_params,
            verbose, n_jobs, series_first=False,
        )  # fmt: skip
        if best is None or cost < best_cost:
            best, best_cost = barycenter, cost
    return to_backend(dataset_backend(None, X), best, *_inputs_of(X))


@_document
def dtw_barycenter_averaging_petitjean(
    X: Dataset,
    barycenter_size: int | None = None,
    init_barycenter: ArrayLike | None = None,
    max_iter: int = 30,
    tol: float = 1e-5,
    weights: ArrayLike | None = None,
    metric_params: dict[str, Any] | None = None,
    verbose: bool = False,
    n_jobs: int | None = None,
) -> Array:
    """DTW barycenter averaging as Petitjean et al. (2011) first wrote it.

    The same iterations as :func:`dtw_barycenter_averaging`, with each series aligned as
    the first sequence of the DTW and the barycenter as the second: among equally good
    paths the other one is chosen, so results may differ where paths tie.

    Parameters
    ----------
    {shared}
    {n_jobs}

    Returns
    -------
    numpy.ndarray of shape (barycenter_size, d)
        The barycenter, as :func:`dtw_barycenter_averaging`.

    Raises
    ------
    ValueError
        As :func:`dtw_barycenter_averaging`.

    Examples
    --------
    >>> dtw_barycenter_averaging_petitjean([[0, 0, 0], [10, 10, 10]], weights=[3, 1])
    array([[2.5],
           [2.5],
           [2.5]])
    """
    barycenter, _ = _checked_run(
        X, barycenter_size, init_barycenter, max_iter, tol, weights, metric_params, verbose,
        n_jobs, series_first=True,
    )  # fmt: skip
    return to_backend(dataset_backend(None, X), barycenter, *_inputs_of(X))
