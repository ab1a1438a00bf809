"""Subsequence DTW: where a short series best matches inside a long one, and search.

The warping paths of subsequence DTW start on any step of the long series and end on any
later one; the distance is the square root of the cheapest path's sum of squared distances.
``subsequence_search`` is the other common task: the k best windows of the query's length
under DTW within a band, found with lower bounds and early abandoning.
"""

from __future__ import annotations

import math
import numbers
import operator
from typing import TYPE_CHECKING

import numpy as np

from tswarp._constraints import SAKOE_CHIBA, band_for, check_radius
from tswarp._kernels import _envelope, _subsequence
from tswarp.backend import instantiate_backend
from tswarp.metrics._inputs import check_same_features, host_values, to_backend, to_series
from tswarp.metrics._overflow import distance_back, out_of_range, rescaled, scaled_for

if TYPE_CHECKING:
    from tswarp._typing import Array, ArrayLike, Path
    from tswarp.backend import Backend

# A path's cost summed in another order differs by at most a few ulps per step: the margin,
# per step of the longest path, with which the start of the best match is bounded.
_ROUNDING_PER_STEP = 2.0**-50


def torch_subsequence():
    """The torch implementations (imports torch: call only for tensors)."""
    from tswarp.metrics import _torch_subsequence

    return _torch_subsequence


def series_pair(first, second, names):
    """Two validated series as float64 (sz, d) arrays: the dynamic program sums in float64,
    as tslearn does, whatever the input's width."""
    x, y = to_series(first, names[0]), to_series(second, names[1])
    check_same_features(x.shape[1], y.shape[1], names)
    return x.astype(np.float64, copy=False), y.astype(np.float64, copy=False)


def cost_bound(x, y, candidates=8):
    """An upper bound on the best match's squared cost: the least cost of the diagonal
    path over a few windows of y as long as x, those whose first and last steps are the
    closest to x's (inf when x is longer than y). The sums here run in another order than
    the kernel's, hence the margin for rounding."""
    n = len(x)
    if n > len(y):
        return math.inf
    with np.errstate(over="ignore"):
        ends = ((y[: len(y) - n + 1] - x[0]) ** 2).sum(axis=1)
        ends += ((y[n - 1 :] - x[-1]) ** 2).sum(axis=1)
        starts = np.argpartition(ends, min(candidates, len(ends)) - 1)[:candidates]
        least = min(float(((y[s : s + n] - x) ** 2).sum()) for s in starts)
    return least * (1 + x.size * _ROUNDING_PER_STEP)


def best_match(x, y):
    """(cost, end, k) of the best match of x in y: its squared cost is cost * 4**k, and the
    first least one of the last row ends at column ``end``. k is 0 unless the squared costs
    overflow, or underflow for tiny series; the series are then scaled by 2**-k (exactly)
    and computed again."""
    cost, end = _subsequence.subsequence_end(x, y, cost_bound(x, y))
    if not out_of_range(cost, x, y):
        return cost, end, 0
    x, y, k = scaled_for(cost, x, y)
    cost, end = _subsequence.subsequence_end(x, y, math.inf)
    return cost, end, k


def match_path(x, y):
    """(path, distance) of the best match of x in y, with tslearn's path.

    The end comes from the O(len(x)) sweep; then a sweep leftwards from it bounds where an
    optimal path can start, and tslearn's backtracking runs on the accumulated matrix of
    that stretch only. Paths starting further left cost more, so the values along the
    backtracking, and thus its choices, are those of the whole matrix.
    """
    cost, end, k = best_match(x, y)
    if k:
        x, y, _ = rescaled(x, y, up=k < 0)
    margin = cost * (len(x) + len(y)) * _ROUNDING_PER_STEP
    first = _subsequence.first_possible_start(x, y, end, cost + margin)
    accumulated = _subsequence.subsequence_accumulated(x, y[first : end + 1])
    steps = _subsequence.subsequence_backtrack(accumulated, end - first)
    path = [(i, j + first) for i, j in steps]
    return path, distance_back(cost, k)


def subsequence_cost_matrix(
    subseq: ArrayLike, longseq: ArrayLike, be: Backend | str | None = None
) -> Array:
    """Accumulated cost matrix of subsequence DTW.

    ``R[i, j]`` is the least sum of squared distances along a warping path that matches
    ``subseq[:i + 1]`` with a stretch of ``longseq`` ending at step ``j``: the path may start
    at any step of ``longseq``.

    Parameters
    ----------
    subseq : array-like of shape (sz1,) or (sz1, d)
        The query. Trailing all-NaN rows are padding and are ignored.
    longseq : array-like of shape (sz2,) or (sz2, d)
        The series searched, with the same number of features ``d``.
    be : Backend, str or None
        The backend to compute with; by default the type of the inputs decides.

    Returns
    -------
    numpy.ndarray of shape (sz1, sz2), float64
        On tensors, a float64 tensor on their device (not differentiable). The entries are
        squared costs: those past the float64 range are inf, those below it 0 (steps some
        1e154 or 1e-162 apart); :func:`dtw_subsequence_path` rescales such series and gives
        their path and distance right.

    Raises
    ------
    ValueError
        If a series is not 1-D or 2-D, is empty or all NaN, has a NaN or infinite value
        inside it, or if the feature sizes differ.
    TypeError
        If a series holds something other than real numbers.

    Examples
    --------
    >>> subsequence_cost_matrix([2, 3], [1, 2, 2, 3, 4])
    array([[1., 0., 0., 1., 4.],
           [5., 1., 1., 0., 1.]])
    """
    be = instantiate_backend(be, subseq, longseq)
    x, y = series_pair(subseq, longseq, ("subseq", "longseq"))
    return to_backend(be, _subsequence.subsequence_accumulated(x, y), subseq, longseq)


def _check_path_end(idx_path_end, size):
    try:
        if isinstance(idx_path_end, (bool, np.bool_)):  # True would read as column 1
            raise TypeError
        end = operator.index(idx_path_end)
    except TypeError:
        raise TypeError(
            f"idx_path_end must be an integer, got {type(idx_path_end).__name__}"
        ) from None
    if not 0 <= end < size:
        raise ValueError(
            f"idx_path_end must be a column of acc_cost_mat, in [0, {size}), got {end}"
        )
    return end


def _accumulated_matrix(acc_cost_mat):
    acc = host_values(acc_cost_mat, "acc_cost_mat")
    if acc.dtype.kind not in "fiub":
        raise TypeError(f"acc_cost_mat must hold real numbers, got dtype {acc.dtype}")
    if acc.ndim != 2 or 0 in acc.shape:
        raise ValueError(
            f"acc_cost_mat must be a non-empty (sz1, sz2) matrix, got shape {acc.shape}"
        )
    acc = np.ascontiguousarray(acc, dtype=np.float64)
    if np.isnan(acc).any():
        raise ValueError("acc_cost_mat must not hold NaN")
    return acc


def subsequence_path(
    acc_cost_mat: ArrayLike, idx_path_end: int, be: Backend | str | None = None
) -> Path:
    """Optimal subsequence path that ends at a given step of the long series.

    Walking back from ``(sz1 - 1, idx_path_end)``, the path steps to the predecessor of least
    accumulated cost, preferring a diagonal step, then a step in the query only, then in the
    long series only, on ties (tslearn's rule), and stops on reaching the query's first step.

    Parameters
    ----------
    acc_cost_mat : array-like of shape (sz1, sz2)
        An accumulated cost matrix, as :func:`subsequence_cost_matrix` returns.
    idx_path_end : int
        The step of the long series where the path ends, in ``[0, sz2)``.
    be : Backend, str or None
        Accepted for tslearn's signature; the path is a list on every backend.

    Returns
    -------
    list of (int, int)
        Index pairs ``(i, j)`` from ``(0, start)`` to ``(sz1 - 1, idx_path_end)``.

    Raises
    ------
    ValueError
        If ``acc_cost_mat`` is not a non-empty matrix or holds NaN, or if ``idx_path_end``
        is not one of its columns.
    TypeError
        If ``idx_path_end`` is not an integer (``True`` is not).

    Examples
    --------
    >>> acc = subsequence_cost_matrix([2, 3], [1, 2, 2, 3, 4])
    >>> subsequence_path(acc, 3)
    [(0, 2), (1, 3)]
    """
    instantiate_backend(be, acc_cost_mat)  # checks ``be``
    acc = _accumulated_matrix(acc_cost_mat)
    return _subsequence.subsequence_backtrack(acc, _check_path_end(idx_path_end, acc.shape[1]))


def dtw_subsequence_path(
    subseq: ArrayLike, longseq: ArrayLike, be: Backend | str | None = None
) -> tuple[Path, float | Array]:
    """Best match of a query anywhere in a long series: its path and its DTW distance.

    The path may start and end on any steps of ``longseq``; the distance is the square root
    of its sum of squared distances, the least over all such paths. Among several best
    ends the first is taken, and the path is the one tslearn's backtracking gives (see
    :func:`subsequence_path`). The work needs memory for one column of the accumulated
    matrix plus the stretch of the match only, not the whole matrix.

    Parameters
    ----------
    subseq : array-like of shape (sz1,) or (sz1, d)
        The query. Trailing all-NaN rows are padding and are ignored.
    longseq : array-like of shape (sz2,) or (sz2, d)
        The series searched, with the same number of features ``d``.
    be : Backend, str or None
        The backend to compute with; by default the type of the inputs decides.

    Returns
    -------
    path : list of (int, int)
        Index pairs ``(i, j)`` matching ``subseq[i]`` with ``longseq[j]``.
    distance : numpy.float64
        The distance, computed in float64. On tensors, a 0-d tensor of their dtype on their
        device, differentiable with respect to both series through the path.

    Raises
    ------
    ValueError
        If a series is not 1-D or 2-D, is empty or all NaN, has a NaN or infinite value
        inside it, or if the feature sizes differ.
    TypeError
        If a series holds something other than real numbers.

    Examples
    --------
    >>> path, distance = dtw_subsequence_path([2, 3], [1, 2, 2, 3, 4])
    >>> path, float(distance)
    ([(0, 2), (1, 3)], 0.0)
    """
    be = instantiate_backend(be, subseq, longseq)
    if be.is_pytorch:
        return torch_subsequence().dtw_subsequence_path(subseq, longseq)
    path, distance = match_path(*series_pair(subseq, longseq, ("subseq", "longseq")))
    return path, np.float64(distance)


def dtw_subsequence(
    subseq: ArrayLike, longseq: ArrayLike, be: Backend | str | None = None
) -> float | Array:
    """Subsequence DTW distance: how well a query matches its best stretch of a long series.

    The distance of :func:`dtw_subsequence_path` without the path, from one column of the
    accumulated matrix at a time: O(sz1) memory, whatever the length of ``longseq``.

    Parameters
    ----------
    subseq : array-like of shape (sz1,) or (sz1, d)
        The query. Trailing all-NaN rows are padding and are ignored.
    longseq : array-like of shape (sz2,) or (sz2, d)
        The series searched, with the same number of features ``d``.
    be : Backend, str or None
        The backend to compute with; by default the type of the inputs decides.

    Returns
    -------
    float
        The distance, computed in float64. On tensors, a 0-d tensor of their dtype on their
        device, differentiable with respect to both series through the optimal path.

    Examples
    --------
    >>> dtw_subsequence([2, 3], [1, 2, 2, 3, 4])
    0.0
    >>> dtw_subsequence([2, 4], [1, 2, 2, 3, 4])
    1.0
    """
    be = instantiate_backend(be, subseq, longseq)
    if be.is_pytorch:
        return torch_subsequence().dtw_subsequence(subseq, longseq)
    cost, _, k = best_match(*series_pair(subseq, longseq, ("subseq", "longseq")))
    return distance_back(cost, k)


# --- search ----------------------------------------------------------------------------------


def _count(value, name, smallest):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < smallest:
        raise ValueError(f"{name} must be >= {smallest}, got {value}")
    return int(value)


def _search_radius(sakoe_chiba_radius, size):
    if sakoe_chiba_radius is None:
        return size // 10
    return int(min(check_radius(sakoe_chiba_radius), size - 1))  # wider changes nothing


def window_moments(y, size, z_normalize):
    """(mean, scale) of every window of ``size`` steps, each (windows, d): windows are
    compared as (window - mean) * scale. Without z-normalisation mean 0 and scale 1 keep
    them as they are; constant windows get scale 0 (they become zeros)."""
    windows = len(y) - size + 1
    if not z_normalize:
        return np.zeros((windows, y.shape[1])), np.ones((windows, y.shape[1]))
    mean, scale = np.empty((windows, y.shape[1])), np.empty((windows, y.shape[1]))
    _subsequence.window_moments(y, size, mean, scale)
    return mean, scale


def z_normalized(x):
    """x with each feature at mean 0 and standard deviation 1 (0 where x is constant), as
    the windows are."""
    mean, scale = window_moments(x, len(x), True)
    return (x - mean) * scale


def envelope_of(x, radius):
    low, high = np.empty_like(x), np.empty_like(x)
    _envelope.envelope(x, radius, low, high)
    return low, high


def search_costs(q, y, radius, k, exclusion, z_normalize, prune):
    """The squared DTW of q with every window of y that may be among the k best (inf for
    the others), as ``_subsequence.search_windows`` computes them; with pruning, windows
    are visited from the least LB_Keogh against the query's envelope."""
    size = len(q)
    lo, hi = band_for(size, size, (SAKOE_CHIBA, radius))
    mean, scale = window_moments(y, size, z_normalize)
    if z_normalize:
        q = z_normalized(q)
    if not prune:
        order = np.arange(len(mean), dtype=np.intp)
        return _subsequence.search_windows(
            q, y, lo, hi, mean, scale, order, None, None, None, k, exclusion, False
        )
    query_low, query_high = envelope_of(q, radius)
    bounds = _subsequence.query_envelope_bounds(y, size, mean, scale, query_low, query_high)
    order = np.argsort(bounds).astype(np.intp, copy=False)  # any order among equal bounds
    low, high = envelope_of(y, radius)
    return _subsequence.search_windows(
        q, y, lo, hi, mean, scale, order, bounds, low, high, k, exclusion, True
    )


def best_apart(costs, k, exclusion):
    """The k windows of least cost (the smaller start first on ties) whose starts lie
    ``exclusion`` apart, taken greedily: a list of (start, cost)."""
    candidates = np.flatnonzero(np.isfinite(costs))
    order = candidates[np.lexsort((candidates, costs[candidates]))]
    taken = []
    for start in order.tolist():
        if all(abs(start - other) >= exclusion for other, _ in taken):
            taken.append((start, float(costs[start])))
            if len(taken) == k:
                break
    return taken


def subsequence_search(
    query: ArrayLike,
    longseq: ArrayLike,
    k: int = 1,
    exclusion: int | None = None,
    sakoe_chiba_radius: float | None = None,
    z_normalize: bool = False,
    prune: bool = True,
    be: Backend | str | None = None,
) -> list[tuple[int, int, float]] | list[tuple[int, int, Array]]:
    """The k best matches of a query among the windows of a long series, under DTW.

    Every window of ``longseq`` as long as the query is compared with it by DTW within a
    Sakoe-Chiba band (the UCR Suite's task); the k windows of least distance whose starts
    lie at least ``exclusion`` apart are returned. They are chosen greedily: the best
    window, then the best one far enough from it, and so on, the smaller start first
    among equal distances. Most windows are ruled out without computing their DTW: by
    lower bounds (the first and last steps, LB_Keogh of each series against the other's
    envelope), visited from the most promising, and by abandoning DTW once it is sure to
    exceed the k-th best distance. The answer is the one of the exhaustive scan.

    Parameters
    ----------
    query : array-like of shape (sz1,) or (sz1, d)
        The query. Trailing all-NaN rows are padding and are ignored.
    longseq : array-like of shape (sz2,) or (sz2, d)
        The series searched, at least as long as the query, with the same ``d``.
    k : int, default 1
        How many matches to return. Fewer come back when no more windows fit
        ``exclusion`` apart.
    exclusion : int, optional
        The least distance between the starts of two matches; by default the query's
        length, so that matches do not overlap. 0 or 1 allows any two windows.
    sakoe_chiba_radius : int, optional
        The band's radius; by default a tenth of the query's length (rounded down), as the
        UCR Suite's usual 10% warping window.
    z_normalize : bool, default False
        Compare the z-normalised query with each window z-normalised on its own (mean 0,
        standard deviation 1 per feature; a constant window becomes zeros), to match shapes
        whatever their offset and scale.
    prune : bool, default True
        False computes the DTW of every window: the same answer, slower.
    be : Backend, str or None
        The backend to compute with; by default the type of the inputs decides.

    Returns
    -------
    list of (int, int, float)
        ``(start, end, distance)`` of each match, best first: the window is
        ``longseq[start:end + 1]``. Distances are computed in float64; on tensors, each
        is a 0-d float64 tensor on their device (not differentiable).

    Raises
    ------
    ValueError
        If a series is invalid as for :func:`dtw_subsequence_path`, if the query is longer
        than ``longseq``, if ``k < 1``, ``exclusion < 0`` or the radius is negative.
    TypeError
        If ``k`` or ``exclusion`` is not an integer, or a series holds something other
        than real numbers.

    Examples
    --------
    >>> longseq = [0, 0, 1, 2, 1, 0, 0, 5, 0, 1, 2, 1, 0]
    >>> subsequence_search([1, 2, 1], longseq, k=2)
    [(2, 4, 0.0), (9, 11, 0.0)]
    >>> subsequence_search([1, 2, 1], longseq, k=2, exclusion=0)
    [(2, 4, 0.0), (9, 11, 0.0)]
    """
    be = instantiate_backend(be, query, longseq)
    q, y = series_pair(query, longseq, ("query", "longseq"))
    if len(q) > len(y):
        raise ValueError(
            f"query ({len(q)} steps) must not be longer than longseq ({len(y)} steps)"
        )
    windows = len(y) - len(q) + 1
    k = min(_count(k, "k", 1), windows)  # no more matches than windows
    exclusion = len(q) if exclusion is None else _count(exclusion, "exclusion", 0)
    exclusion = min(exclusion, windows)  # wider rules out nothing more
    radius = _search_radius(sakoe_chiba_radius, len(q))
    if not isinstance(z_normalize, (bool, np.bool_)):
        raise TypeError(f"z_normalize must be True or False, got {z_normalize!r}")
    if not isinstance(prune, (bool, np.bool_)):
        raise TypeError(f"prune must be True or False, got {prune!r}")
    costs = search_costs(q, y, radius, k, exclusion, bool(z_normalize), bool(prune))
    matches = [
        (start, start + len(q) - 1, math.sqrt(cost))
        for start, cost in best_apart(costs, k, exclusion)
    ]
    if be.is_pytorch:
        return torch_subsequence().on_device(matches, query, longseq)
    return matches
