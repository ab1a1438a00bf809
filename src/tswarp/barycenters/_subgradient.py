"""DBA by stochastic subgradient descent (Schultz & Jain, 2018): one series at a time.

Each epoch visits the series in a random order; for each, the subgradient of its weighted
squared DTW distance at the barycenter b, 2 w (V b - W x) (V: how many steps of x each
position of b is aligned with, W x: the sum of those steps), is followed with a step size
that decreases linearly, over the first epoch, from ``initial_step_size`` to
``final_step_size``. The alignments come from the DBA kernel, one series per call.
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, Any

import numpy as np

from tswarp import _warnings
from tswarp.barycenters._dba import ConvergenceWarning, _document, _inputs_of, _Problem
from tswarp.barycenters._inputs import check_count, check_tol
from tswarp.metrics._inputs import dataset_backend, to_backend

if TYPE_CHECKING:
    from tswarp._typing import Array, ArrayLike, Dataset


def _random_state(random_state):
    """NumPy's random generator for an int seed, a RandomState (or Generator), or None (the
    global RandomState), as scikit-learn reads ``random_state``."""
    if random_state is None:
        return np.random.mtrand._rand
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if not 0 <= random_state < 2**32:  # NumPy's own error did not name the argument
            raise ValueError(
                f"random_state must be an integer between 0 and 2**32 - 1 as a seed, got "
                f"{random_state!r}"
            )
        return np.random.RandomState(random_state)
    if isinstance(random_state, (np.random.RandomState, np.random.Generator)):
        return random_state
    raise ValueError(
        f"random_state must be None, an integer or a numpy RandomState, got {random_state!r}"
    )


def _step_size(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    try:
        step = float(value)
    except OverflowError:
        raise ValueError(
            f"{name} must be a finite number > 0, got an integer past float64's range"
        ) from None
    if not 0 < step < np.inf:  # an infinite step turns the barycenter into NaN at once
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return step


@_document
def dtw_barycenter_averaging_subgradient(
    X: Dataset,
    barycenter_size: int | None = None,
    init_barycenter: ArrayLike | None = None,
    max_iter: int = 30,
    initial_step_size: float = 0.05,
    final_step_size: float = 0.005,
    tol: float = 1e-5,
    random_state: int | np.random.RandomState | None = None,
    weights: ArrayLike | None = None,
    metric_params: dict[str, Any] | None = None,
    verbose: bool = False,
) -> Array:
    """DTW barycenter by stochastic subgradient descent over the series.

    Each epoch takes the series one at a time, in a random order, and moves the barycenter
    along the subgradient of that series' weighted squared DTW distance (Schultz & Jain,
    2018). After each epoch the cost over all series is computed; the barycenter of the
    lowest cost is returned, and the epochs stop when the cost changes from the lowest by
    less than ``tol``.

    Parameters
    ----------
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
    initial_step_size, final_step_size : float, default 0.05 and 0.005
        The step size decreases linearly from the first to the second over the first
        epoch (in proportion to the weights of the series visited), then stays there.
    tol : float, default 1e-5
        The iterations stop once the cost decreases by less than this.
    random_state : int, numpy.random.RandomState or None, default None
        The order of the series: a seed, a generator, or NumPy's global one.
    weights : array-like of shape (n_ts,), optional
        Non-negative weights of the series, not all zero; equal weights by default.
    metric_params : dict or None, default None
        DTW constraint of the alignments: ``global_constraint``, ``sakoe_chiba_radius``,
        ``itakura_max_slope``, as in :func:`tswarp.metrics.dtw`.
    verbose : bool, default False
        Print the cost at each iteration.

    Returns
    -------
    numpy.ndarray of shape (barycenter_size, d)
        The barycenter, as :func:`dtw_barycenter_averaging`.

    Raises
    ------
    ValueError
        As :func:`dtw_barycenter_averaging`, and for step sizes that are not finite and
        > 0 or a ``random_state`` of another kind.

    Warns
    -----
    ConvergenceWarning
        If the steps diverge until the barycenter's values overflow (step sizes far too
        large for the data; the epochs stop there), or the barycenter returned costs more
        than twice the starting one (step sizes too large).

    Examples
    --------
    >>> b = dtw_barycenter_averaging_subgradient([[1, 2, 3, 4], [1, 2, 4, 5]], max_iter=10,
    ...                                          random_state=0)
    >>> print(b.ravel().round(2))
    [1.   2.   3.52 4.52]
    """
    max_iter = check_count(max_iter, "max_iter", 0)
    tol = check_tol(tol)
    first = _step_size(initial_step_size, "initial_step_size")
    last = _step_size(final_step_size, "final_step_size")
    rng = _random_state(random_state)
    problem = _Problem(X, barycenter_size, init_barycenter, weights, metric_params, None,
                       series_first=False)  # fmt: skip
    w, n = problem.weights, len(problem.weights)
    # Each step follows one series, so its weight is taken relative to the mean weight.
    scale = 2.0 / (w.sum() / n)
    barycenter, best, best_cost, eta = problem.start.copy(), problem.start, np.inf, first
    tol = problem.scaled_tol(tol)
    for epoch in range(max_iter):
        moved = False
        for index in rng.permutation(n):
            if w[index] == 0:
                continue
            counts, sums = problem.one_series(barycenter, index)
            with np.errstate(over="ignore", invalid="ignore"):  # checked after the epoch
                stepped = barycenter - scale * eta * (counts[:, None] * barycenter - sums)
            moved = moved or not np.array_equal(stepped, barycenter)
            barycenter = stepped
            if epoch == 0:
                eta -= (first - last) * w[index] / w.sum()
        # Steps too large for the data overshoot further at every step, until the values
        # (or their squared distances) overflow: the averaging step would then divide by
        # zero counts. Only its cost is used here.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            cost = problem.step(barycenter)[1] if np.isfinite(barycenter).all() else np.inf
        if not np.isfinite(cost):
            _warnings.warn(
                f"the subgradient steps diverged at epoch {epoch + 1} (the barycenter's values "
                "overflowed): the step sizes are too large for the data; returning the best "
                "barycenter before that",
                ConvergenceWarning,
            )
            break
        if verbose:
            print(f"[DBA] epoch {epoch + 1}, cost: {problem.original_cost(cost):.3f}")
        if cost < best_cost:
            best = barycenter
        if abs(best_cost - cost) < tol:
            break
        best_cost = min(best_cost, cost)
        if not moved:  # no series moves it (nor will, the steps only get smaller): with
            break  # tol=0 the epochs ran on to max_iter
    # Steps too large but short of overflow leave a barycenter far worse than the start
    # (a start near the optimum may end slightly worse: the steps' noise). The best epoch
    # is returned all the same, as tslearn does, with a warning. (After a divergence, cost
    # is inf and a warning was given.)
    finished = best is not problem.start and np.isfinite(cost)
    if finished and min(best_cost, cost) > 2 * problem.step(problem.start)[1]:
        _warnings.warn(
            "the subgradient epochs ended above twice the starting barycenter's cost: the "
            "step sizes are likely too large for the data (try smaller initial_step_size "
            "and final_step_size)",
            ConvergenceWarning,
        )
    return to_backend(dataset_backend(None, X), problem.original(best), *_inputs_of(X))
