"""Longest common subsequence (LCSS) similarity: score, matched pairs, pairwise matrix.

Two time steps match when their Euclidean distance is at most ``eps``; the score is the
largest number of matches along a warping path, divided by the shorter series' length.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from tswarp._constraints import band_for, parse_constraint
from tswarp._kernels import _dtw, _lcss, _select
from tswarp._threads import check_n_jobs
from tswarp.backend import instantiate_backend
from tswarp.metrics._constraints import document_constraints
from tswarp.metrics._from_metric import cost_matrix, euclidean_costs
from tswarp.metrics._inputs import (
    check_eps,
    dataset_backend,
    host_values,
    to_backend,
    to_dataset_pair,
    to_series_pair,
)
from tswarp.metrics._pairwise import constrained_matrix

if TYPE_CHECKING:
    from collections.abc import Callable

    from tswarp._typing import Array, ArrayLike, Dataset, DType, Path
    from tswarp.backend import Backend


def squared_threshold(eps):
    """The largest double s with sqrt(s) <= eps.

    The kernels compare squared distances with it, which decides every match exactly as
    ``sqrt(squared distance) <= eps`` does, with no square root per cell.
    """
    if math.isinf(eps):
        return math.inf
    threshold = eps * eps
    while math.sqrt(threshold) > eps:
        threshold = math.nextafter(threshold, 0.0)
    while math.sqrt(math.nextafter(threshold, math.inf)) <= eps:
        threshold = math.nextafter(threshold, math.inf)
    return threshold


# With eps in [2**-450, 2**500], comparing squared distances decides every match right: the
# squares of differences up to eps are finite, and those that underflow are too small to
# matter. Outside, it still does for data whose values (not 0) are all above 2**-390 (tiny
# eps: such values differ by 0 or by 2**-443 at least) or all below 2**500 (huge eps: no
# square overflows); otherwise the distances are compared with eps themselves, rarely.
_SMALLEST_EPS, _LARGEST_EPS = 2.0**-450, 2.0**500
_SMALLEST_VALUE, _LARGEST_VALUE = 2.0**-390, 2.0**500


def squares_decide(eps, *arrays):
    """Whether the kernels' squared distances, compared with ``squared_threshold(eps)``,
    decide the matches of these series or datasets right (NaN padding is skipped)."""
    if _SMALLEST_EPS <= eps <= _LARGEST_EPS or eps == math.inf:
        return True
    magnitudes = [np.abs(array[~np.isnan(array)]) for array in arrays]
    if eps > _LARGEST_EPS:
        return all(not m.size or m.max() < _LARGEST_VALUE for m in magnitudes)
    return all(not ((m > 0) & (m < _SMALLEST_VALUE)).any() for m in magnitudes)


def _distances(x, y):
    """The (n, m) Euclidean distances of two validated series, in float64."""
    with np.errstate(over="ignore"):  # a distance past the float range is inf: no match
        return euclidean_costs(x.astype(np.float64), y.astype(np.float64))


def _pairs_by_distances(X, x_lengths, Y, y_lengths, rows, cols, code, parameter, eps, out,
                        n_threads):  # fmt: skip
    """``pairwise_matrix``'s kernel for data and eps that squared distances cannot decide:
    pair by pair, comparing distances with eps (NaN where no path fits the constraint)."""
    for k, (a, b) in enumerate(zip(rows, cols, strict=True)):
        x, y = X[a, : x_lengths[a]], Y[b, : y_lengths[b]]
        band = _dtw.band(len(x), len(y), code, parameter)
        if band is None:
            out[k] = math.nan
            continue
        _, count = _lcss.lcss_path_of_costs(_distances(x, y), *band, eps)
        out[k] = count / min(len(x), len(y))


def _series_and_band(s1, s2, constraint):
    x, y = to_series_pair(s1, s2)
    return (x, y, *band_for(len(x), len(y), constraint))


def _items(dataset):
    """The series of a list or tuple dataset, or the dataset itself, to look for tensors."""
    return dataset if isinstance(dataset, (list, tuple)) else (dataset,)


@document_constraints
def lcss(
    s1: ArrayLike,
    s2: ArrayLike,
    eps: float = 1.0,
    global_constraint: str | None = None,
    sakoe_chiba_radius: float | None = None,
    itakura_max_slope: float | None = None,
    be: Backend | str | None = None,
) -> float:
    """Longest common subsequence (LCSS) similarity between two time series.

    Steps ``s1[i]`` and ``s2[j]`` match when their Euclidean distance is at most ``eps``.
    The score is the largest number of matches that a warping path can collect, divided by
    ``min(sz1, sz2)``: 1 when the shorter series is matched step by step, 0 when nothing
    matches. It is a similarity (tslearn's definition), not a distance; aeon's
    ``lcss_distance`` is one minus it.

    Parameters
    ----------
    s1 : array-like of shape (sz1,) or (sz1, d)
        A time series. Trailing all-NaN rows are padding and are ignored.
    s2 : array-like of shape (sz2,) or (sz2, d)
        Another time series with the same number of features ``d``.
    eps : float, default 1.0
        Largest Euclidean distance between two matching steps (>= 0).
    {constraints}
    be : Backend, str or None
        The backend of the result; by default the type of the data decides.

    Returns
    -------
    float
        The similarity, in [0, 1], a Python float for tensors too (a count has no useful
        gradient: tensors are read on the host, detached).

    Raises
    ------
    ValueError
        If a series is not 1-D or 2-D, is empty or all NaN, has a NaN or infinite value
        inside it, if the feature sizes differ, if ``eps`` is negative or if a constraint
        argument is invalid.
    TypeError
        If a series holds something other than real numbers, or ``eps`` is not a number.

    Examples
    --------
    >>> lcss([1, 2, 3], [1, 2, 3, 10])
    1.0
    >>> lcss([1, 2, 3, 4], [1, 20, 3, 40], eps=0.5)
    0.5
    >>> lcss([1, 2, 3, 4], [1, 20, 3, 40], eps=40)
    1.0
    """
    be = instantiate_backend(be, s1, s2)
    eps = check_eps(eps)
    constraint = parse_constraint(global_constraint, sakoe_chiba_radius, itakura_max_slope)
    x, y, lo, hi = _series_and_band(s1, s2, constraint)
    if squares_decide(eps, x, y):
        count = _lcss.lcss_value(x, y, lo, hi, squared_threshold(eps))
    else:  # the rare path: distances compared with eps themselves
        _, count = _lcss.lcss_path_of_costs(_distances(x, y), lo, hi, eps)
    return count / min(len(x), len(y))


@document_constraints
def lcss_path(
    s1: ArrayLike,
    s2: ArrayLike,
    eps: float = 1.0,
    global_constraint: str | None = None,
    sakoe_chiba_radius: float | None = None,
    itakura_max_slope: float | None = None,
    be: Backend | str | None = None,
) -> tuple[Path, float]:
    """Matched pairs and LCSS similarity between two time series.

    Parameters are those of :func:`lcss`. Walking back from the last cell, a matching cell
    is taken and the walk steps diagonally; otherwise it steps in ``s1`` only when that
    keeps more matches, else in ``s2`` only (tslearn's rule, so the pairs are tslearn's).

    Parameters
    ----------
    s1, s2 : array-like of shape (sz1,) / (sz1, d) and (sz2,) / (sz2, d)
        The two time series.
    eps : float, default 1.0
        Largest Euclidean distance between two matching steps.
    {constraints}
    be : Backend, str or None
        The backend of the result; by default the type of the data decides.

    Returns
    -------
    path : list of (int, int)
        The matched index pairs ``(i, j)`` only, increasing in both indices.
    similarity : float
        The score of :func:`lcss`, ``len(path) / min(sz1, sz2)``.

    Examples
    --------
    >>> lcss_path([1, 2, 3, 4], [1, 20, 3, 40], eps=0.5)
    ([(0, 0), (2, 2)], 0.5)
    """
    be = instantiate_backend(be, s1, s2)
    eps = check_eps(eps)
    constraint = parse_constraint(global_constraint, sakoe_chiba_radius, itakura_max_slope)
    x, y, lo, hi = _series_and_band(s1, s2, constraint)
    if squares_decide(eps, x, y):
        path, count = _lcss.lcss_path(x, y, lo, hi, squared_threshold(eps))
    else:
        path, count = _lcss.lcss_path_of_costs(_distances(x, y), lo, hi, eps)
    return path, count / min(len(x), len(y))


@document_constraints
def lcss_path_from_metric(
    s1: ArrayLike,
    s2: ArrayLike | None = None,
    eps: float = 1.0,
    metric: str | Callable[..., float] = "euclidean",
    global_constraint: str | None = None,
    sakoe_chiba_radius: float | None = None,
    itakura_max_slope: float | None = None,
    be: Backend | str | None = None,
    **kwds: Any,
) -> tuple[Path, float]:
    """Matched pairs and LCSS similarity under any cost between time steps.

    Steps match when their cost under ``metric`` is at most ``eps``; the rest is
    :func:`lcss_path`.

    Parameters
    ----------
    s1 : array-like of shape (sz1,) or (sz1, d), or (sz1, sz2) with ``metric="precomputed"``
        A time series, or the matrix of costs between the steps of two series.
    s2 : array-like of shape (sz2,) or (sz2, d), optional
        The other time series (``s1`` itself when omitted); must be None when
        ``metric="precomputed"``.
    eps : float, default 1.0
        Largest cost between two matching steps.
    metric : str or callable, default "euclidean"
        ``"precomputed"``, a metric name that ``sklearn.metrics.pairwise_distances`` accepts
        (or, without scikit-learn, ``scipy.spatial.distance.cdist``), or a callable on two
        time steps (1-D arrays) returning their cost.
    {constraints}
    be : Backend, str or None
        The backend of the result; by default the type of the data decides.
    **kwds
        Passed on to the metric.

    Returns
    -------
    path : list of (int, int)
        The matched index pairs, with the rule of :func:`lcss_path`.
    similarity : float
        The number of matches divided by ``min(sz1, sz2)``.

    Raises
    ------
    ImportError
        If a metric name other than "euclidean" or "sqeuclidean" is given and neither
        scikit-learn nor SciPy is installed.

    Examples
    --------
    >>> costs = [[0.0, 5.0, 5.0], [5.0, 5.0, 0.5]]
    >>> lcss_path_from_metric(costs, metric="precomputed")
    ([(0, 0), (1, 2)], 1.0)
    >>> def cityblock(a, b):
    ...     return abs(a - b).sum()
    >>> lcss_path_from_metric([1, 2, 3, 4], [1, 20, 3, 40], eps=0.5, metric=cityblock)
    ([(0, 0), (2, 2)], 0.5)
    """
    be = instantiate_backend(be, s1, s2)
    eps = check_eps(eps)
    constraint = parse_constraint(global_constraint, sakoe_chiba_radius, itakura_max_slope)
    # A named metric's cost past the float range is inf, no match: no warning. A callable's
    # own warnings are the caller's to see.
    with np.errstate(over="ignore" if isinstance(metric, str) else None):
        costs = cost_matrix(s1, s2, metric, kwds)
    sz1, sz2 = costs.shape
    path, count = _lcss.lcss_path_of_costs(costs, *band_for(sz1, sz2, constraint), eps)
    return path, count / min(costs.shape)


@document_constraints
def cdist_lcss(
    dataset1: Dataset,
    dataset2: Dataset | None = None,
    eps: float = 1.0,
    global_constraint: str | None = None,
    sakoe_chiba_radius: float | None = None,
    itakura_max_slope: float | None = None,
    n_jobs: int | None = None,
    verbose: int = 0,
    be: Backend | str | None = None,
    dtype: DType | None = None,
) -> Array:
    """LCSS similarities between every series of one dataset and every series of another.

    tslearn has no such function; aeon's ``lcss_pairwise_distance`` gives one minus these
    similarities.

    Parameters
    ----------
    dataset1 : array-like of shape (n1, sz1, d), (n1, sz1) or (sz1,), or a list of series
        Series of different lengths are given as a list, or NaN-padded at the end.
    dataset2 : same kinds as dataset1, optional
        Without it, the symmetric matrix of ``dataset1`` against itself is computed from
        one triangle (its diagonal is 1).
    eps : float, default 1.0
        Largest Euclidean distance between two matching steps.
    {constraints}
    n_jobs : int or None, default None
        Threads, as in :func:`cdist_dtw`.
    verbose : int, default 0
        When non-zero, a progress bar is drawn on stderr.
    be : Backend, str or None
        The backend of the result; by default the type of the data decides.
    dtype : numpy.float32 or numpy.float64, optional
        Data type of the returned matrix (float64 by default).

    Returns
    -------
    numpy.ndarray of shape (n1, n2)
        The similarities, each in [0, 1]. On tensors, a tensor (not differentiable) on the
        device of the first input tensor.

    Examples
    --------
    >>> cdist_lcss([[1, 2, 3, 4], [1, 20, 3, 40]], eps=0.5)
    array([[1. , 0.5],
           [0.5, 1. ]])
    """
    be = dataset_backend(be, dataset1, dataset2)
    eps = check_eps(eps)
    constraint = parse_constraint(global_constraint, sakoe_chiba_radius, itakura_max_slope)
    check_n_jobs(n_jobs)
    first, second = to_dataset_pair(dataset1, dataset2)
    # Matches are decided in float64 whatever the data's type, and the SIMD lanes take float64
    # data: float32 datasets are converted once here, exactly, rather than block by block.
    first = (first[0].astype(np.float64, copy=False), first[1])
    second = first if dataset2 is None else (second[0].astype(np.float64, copy=False), second[1])
    by_squares = squares_decide(eps, first[0], second[0])
    # Else the rare path, pair by pair.
    kernel: Callable[..., None] = _select.lcss_pairs if by_squares else _pairs_by_distances
    limit = squared_threshold(eps) if by_squares else eps
    matrix = constrained_matrix(
        kernel,
        first,
        second,
        constraint,
        kernel_args=(*constraint, limit),
        symmetric=dataset2 is None,
        with_diagonal=False,
        diagonal_value=1.0,
        n_jobs=n_jobs,
        verbose=verbose,
        dtype=dtype,
        label="cdist_lcss",
    )
    return to_backend(be, matrix, *_items(dataset1), *_items(dataset2))


def _admissible(mask, shape):
    """The user's (sz1, sz2) mask of admissible cells as C-contiguous 0/1 bytes."""
    allowed = host_values(mask, "mask")
    if allowed.shape != shape:
        raise ValueError(f"mask must have shape (sz1, sz2) = {shape}, got {allowed.shape}")
    return np.ascontiguousarray(allowed, dtype=bool).view(np.uint8)


def _table(be, matches, mask, *inputs):
    allowed = _admissible(mask, matches.shape)
    table = _lcss.lcss_table(np.ascontiguousarray(matches).view(np.uint8), allowed)
    return to_backend(be, table, *inputs)


def lcss_accumulated_matrix(
    s1: ArrayLike, s2: ArrayLike, eps: float, mask: ArrayLike, be: Backend | str | None = None
) -> Array:
    """The table of LCSS match counts of two time series (tslearn's ``dtw_variants`` helper).

    ``L[i, j]`` is the number of matches of ``s1[:i]`` and ``s2[:j]`` (steps match when their
    Euclidean distance is at most ``eps``), with tslearn's recurrence: ``L[i-1, j-1] + 1`` on
    a match, ``max(L[i-1, j], L[i, j-1])`` otherwise, and 0 on the first row and column and
    wherever ``mask`` is False. ``L[-1, -1] / min(sz1, sz2)`` is :func:`lcss` (under the
    mask's constraint).

    Parameters
    ----------
    s1 : array-like of shape (sz1,) or (sz1, d)
        A time series. Trailing all-NaN rows are padding and are ignored.
    s2 : array-like of shape (sz2,) or (sz2, d)
        Another time series with the same number of features ``d``.
    eps : float
        Largest Euclidean distance between two matching steps (>= 0).
    mask : array-like of bool, shape (sz1, sz2)
        The cells that count (True), e.g. from :func:`compute_mask`.
    be : Backend, str or None
        The backend of the result; by default the type of the data decides.

    Returns
    -------
    numpy.ndarray of shape (sz1 + 1, sz2 + 1), int64
        On tensors, an int64 tensor on their device.

    Raises
    ------
    ValueError
        If a series is invalid (as in :func:`lcss`), ``eps`` is negative or ``mask`` does not
        have shape (sz1, sz2).

    Examples
    --------
    >>> from tswarp.metrics import compute_mask
    >>> lcss_accumulated_matrix([1, 2, 3], [1, 3], 0.5, compute_mask(3, 2))
    array([[0, 0, 0],
           [0, 1, 1],
           [0, 1, 1],
           [0, 1, 2]])
    """
    be = instantiate_backend(be, s1, s2)
    eps = check_eps(eps)
    with np.errstate(over="ignore"):  # a distance past the float range is inf: no match
        costs = cost_matrix(s1, s2, "euclidean", {})
    return _table(be, costs <= eps, mask, s1, s2)


def lcss_accumulated_matrix_from_dist_matrix(
    dist_matrix: ArrayLike, eps: float, mask: ArrayLike, be: Backend | str | None = None
) -> Array:
    """The table of LCSS match counts for a given matrix of costs between time steps.

    As :func:`lcss_accumulated_matrix`, where steps ``i`` and ``j`` match when
    ``dist_matrix[i, j] <= eps``.

    Parameters
    ----------
    dist_matrix : array-like of shape (sz1, sz2)
        The costs between the steps of two series (no NaN).
    eps : float
        Largest cost between two matching steps (>= 0).
    mask : array-like of bool, shape (sz1, sz2)
        The cells that count (True).
    be : Backend, str or None
        The backend of the result; by default the type of ``dist_matrix`` decides.

    Returns
    -------
    numpy.ndarray of shape (sz1 + 1, sz2 + 1), int64
        On a tensor, an int64 tensor on its device.

    Raises
    ------
    ValueError
        If ``dist_matrix`` is not a non-empty 2-D matrix without NaN, ``eps`` is negative, or
        ``mask`` does not have the shape of ``dist_matrix``.

    Examples
    --------
    >>> import numpy as np
    >>> costs = [[0.0, 5.0], [5.0, 0.5]]
    >>> lcss_accumulated_matrix_from_dist_matrix(costs, 1.0, np.ones((2, 2), dtype=bool))
    array([[0, 0, 0],
           [0, 1, 1],
           [0, 1, 2]])
    """
    be = instantiate_backend(be, dist_matrix)
    eps = check_eps(eps)
    costs = host_values(dist_matrix, "dist_matrix")
    if costs.ndim != 2 or 0 in costs.shape:
        raise ValueError(
            f"dist_matrix must be a non-empty (sz1, sz2) matrix, got shape {costs.shape}"
        )
    if not (np.issubdtype(costs.dtype, np.floating) or np.issubdtype(costs.dtype, np.integer)):
        raise TypeError(f"dist_matrix must hold real numbers, got {costs.dtype}")
    if np.isnan(costs).any():
        raise ValueError("dist_matrix must not hold NaN")
    return _table(be, costs <= eps, mask, dist_matrix)
