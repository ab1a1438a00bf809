"""Discrete Fréchet distance: distance, optimal path, accumulated matrix, pairwise matrix.

The warping paths are DTW's; a path costs its largest squared distance between matched steps
instead of their sum, and the distance is the square root of the cheapest path's cost.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from tswarp._constraints import band_for, parse_constraint
from tswarp._kernels import _frechet, _select
from tswarp._threads import check_n_jobs
from tswarp.backend import instantiate_backend
from tswarp.metrics._constraints import document_constraints
from tswarp.metrics._dtw import admissible_cells
from tswarp.metrics._from_metric import cost_matrix
from tswarp.metrics._inputs import (
    dataset_backend,
    needs_torch_engine,
    to_backend,
    to_dataset_pair,
    to_series_pair,
)
from tswarp.metrics._overflow import (
    distance_back,
    float32_may_overflow,
    float32_may_underflow,
    out_of_range,
    redo_overflowed_pairs,
    scaled_for,
)
from tswarp.metrics._pairwise import constrained_matrix

if TYPE_CHECKING:
    from collections.abc import Callable

    from tswarp._typing import Array, ArrayLike, Dataset, DType, Path
    from tswarp.backend import Backend


def torch_frechet():
    """The torch implementations (imports torch: call only for tensors)."""
    from tswarp.metrics import _torch_frechet

    return _torch_frechet


def frechet_distance(x, y, lo, hi):
    """Fréchet distance of two validated series within a band, right wherever it is a float.

    A squared cost past the dtype's range makes the kernel's result inf, and tiny series
    may lose their squares to underflow; the pair is then computed again on series scaled
    by 2**-k, exactly, and the root scaled back.
    """
    cost = _frechet.frechet_value(x, y, lo, hi)
    if not out_of_range(cost, x, y):
        return math.sqrt(cost)
    x, y, k = scaled_for(cost, x, y)
    return distance_back(_frechet.frechet_value(x, y, lo, hi), k)


def frechet_path_and_distance(x, y, lo, hi):
    """(path, distance) of two validated series within a band, as ``frechet_distance``."""
    path, cost = _frechet.frechet_path(x, y, lo, hi)
    if not out_of_range(cost, x, y):
        return path, math.sqrt(cost)
    x, y, k = scaled_for(cost, x, y)
    path, cost = _frechet.frechet_path(x, y, lo, hi)
    return path, distance_back(cost, k)


def frechet_block(X, x_lengths, Y, y_lengths, rows, cols, code, parameter, out, n_threads):
    """``pairwise_matrix``'s kernel: the chosen kernels (SIMD lane groups, then single pairs),
    then the pairs out of the float range again, rescaled."""
    _select.frechet_pairs(X, x_lengths, Y, y_lengths, rows, cols, code, parameter, out, n_threads)
    pairs = (X, x_lengths, Y, y_lengths, rows, cols)
    redo_overflowed_pairs(*pairs, (code, parameter), out, frechet_distance)


def _series_and_band(s1, s2, constraint):
    x, y = to_series_pair(s1, s2)
    return (x, y, *band_for(len(x), len(y), constraint))


@document_constraints
def frechet(
    s1: ArrayLike,
    s2: ArrayLike,
    global_constraint: str | None = None,
    sakoe_chiba_radius: float | None = None,
    itakura_max_slope: float | None = None,
    be: Backend | str | None = None,
) -> float | Array:
    """Discrete Fréchet distance between two time series.

    The smallest, over all warping paths, of the largest Euclidean distance between matched
    time steps: DTW's paths, with the maximum along a path instead of the sum.

    Parameters
    ----------
    s1 : array-like of shape (sz1,) or (sz1, d)
        A time series. Trailing all-NaN rows are padding and are ignored.
    s2 : array-like of shape (sz2,) or (sz2, d)
        Another time series with the same number of features ``d``.
    {constraints}
    be : Backend, str or None
        The backend to compute with; by default the type of ``s1`` and ``s2`` decides.

    Returns
    -------
    float
        The Fréchet distance. Float32 inputs are computed in float32 (again in float64,
        scaled, if their squared distances overflow or underflow). On tensors, a 0-d tensor of the
        inputs' dtype on their device, differentiable through the matched pair that sets
        the distance.

    Raises
    ------
    ValueError
        If a series is not 1-D or 2-D, is empty or all NaN, has a NaN or infinite value
        inside it, if the feature sizes differ, or if a constraint argument is invalid.
    TypeError
        If a series holds something other than real numbers.

    Examples
    --------
    >>> frechet([1, 2, 3], [1, 2, 2, 3])
    0.0
    >>> frechet([1, 2, 3], [1, 2, 2, 3, 4])
    1.0
    >>> frechet([0, 0, 0, 5], [0, 5, 5, 5], sakoe_chiba_radius=1)
    5.0
    """
    be = instantiate_backend(be, s1, s2)
    constraint = parse_constraint(global_constraint, sakoe_chiba_radius, itakura_max_slope)
    if be.is_pytorch:
        return torch_frechet().frechet(s1, s2, constraint)
    return frechet_distance(*_series_and_band(s1, s2, constraint))


@document_constraints
def frechet_path(
    s1: ArrayLike,
    s2: ArrayLike,
    global_constraint: str | None = None,
    sakoe_chiba_radius: float | None = None,
    itakura_max_slope: float | None = None,
    be: Backend | str | None = None,
) -> tuple[Path, float | Array]:
    """Optimal warping path and Fréchet distance between two time series.

    Walking back from the last cell, the path steps to the predecessor of smallest
    accumulated cost, preferring a diagonal step, then a step in ``s1`` only, then in ``s2``
    only, on ties (tslearn's choice). Many paths often share the optimal cost: this rule
    picks the same one as tslearn.

    Parameters
    ----------
    s1 : array-like of shape (sz1,) or (sz1, d)
        A time series. Trailing all-NaN rows are padding and are ignored.
    s2 : array-like of shape (sz2,) or (sz2, d)
        Another time series with the same number of features ``d``.
    {constraints}
    be : Backend, str or None
        The backend to compute with; by default the type of ``s1`` and ``s2`` decides.

    Returns
    -------
    path : list of (int, int)
        Index pairs ``(i, j)`` matching ``s1[i]`` with ``s2[j]``, from (0, 0) to the end.
    distance : float
        The Fréchet distance, as :func:`frechet`.

    Examples
    --------
    >>> path, distance = frechet_path([1, 2, 3], [1, 2, 2, 3, 4])
    >>> path
    [(0, 0), (1, 1), (1, 2), (2, 3), (2, 4)]
    >>> distance
    1.0
    """
    be = instantiate_backend(be, s1, s2)
    constraint = parse_constraint(global_constraint, sakoe_chiba_radius, itakura_max_slope)
    if be.is_pytorch:
        return torch_frechet().frechet_path(s1, s2, constraint)
    return frechet_path_and_distance(*_series_and_band(s1, s2, constraint))


def frechet_accumulated_matrix(
    s1: ArrayLike, s2: ArrayLike, mask: ArrayLike, be: Backend | str | None = None
) -> Array:
    """Accumulated cost matrix of the Fréchet distance.

    ``R[i, j]`` is the smallest, over the paths from (0, 0) to (i, j) within ``mask``, of
    the largest squared distance along the path; ``R[-1, -1]`` is the squared distance.

    Parameters
    ----------
    s1, s2 : array-like of shape (sz1,) / (sz1, d) and (sz2,) / (sz2, d)
        The two time series.
    mask : array-like of bool, shape (sz1, sz2)
        Admissible cells (True), for instance from :func:`compute_mask`. It must hold a
        warping path from (0, 0) to (sz1 - 1, sz2 - 1).
    be : Backend, str or None
        The backend to compute with.

    Returns
    -------
    numpy.ndarray of shape (sz1, sz2), float64
        Cells outside the mask are ``inf``. A float64 tensor on the device of the input
        tensors with the PyTorch backend (not differentiable).

    Examples
    --------
    >>> import numpy as np
    >>> frechet_accumulated_matrix([1, 2, 3], [1, 2, 2], np.ones((3, 3), dtype=bool))
    array([[0., 1., 1.],
           [1., 0., 0.],
           [4., 1., 1.]])
    """
    be = instantiate_backend(be, s1, s2)
    x, y = to_series_pair(s1, s2)
    if x.dtype == np.float32 and (float32_may_overflow(x, y) or float32_may_underflow(x, y)):
        x, y = x.astype(np.float64), y.astype(np.float64)  # the float64 result holds more
    allowed = admissible_cells(mask, len(x), len(y))
    matrix = _frechet.frechet_accumulated(x, y, allowed).astype(np.float64, copy=False)
    return to_backend(be, matrix, s1, s2)


@document_constraints
def frechet_path_from_metric(
    s1: ArrayLike,
    s2: ArrayLike | None = None,
    metric: str | Callable[..., float] = "precomputed",
    global_constraint: str | None = None,
    sakoe_chiba_radius: float | None = None,
    itakura_max_slope: float | None = None,
    be: Backend | str | None = None,
    **kwds: Any,
) -> tuple[Path, float | Array]:
    """Optimal path and Fréchet value under any cost between time steps.

    The path minimises the largest cost along it, as :func:`frechet_path` does with squared
    Euclidean costs; the value is that largest cost itself, with no square root taken.

    Parameters
    ----------
    s1 : array-like of shape (sz1,) or (sz1, d), or (sz1, sz2) with ``metric="precomputed"``
        A time series, or the matrix of costs between the steps of two series.
    s2 : array-like of shape (sz2,) or (sz2, d), optional
        The other time series (``s1`` itself when omitted); must be None when
        ``metric="precomputed"``.
    metric : str or callable, default "precomputed"
        ``"precomputed"``, a metric name that ``sklearn.metrics.pairwise_distances`` accepts
        (or, without scikit-learn, ``scipy.spatial.distance.cdist``), or a callable on two
        time steps (1-D arrays) returning their cost. On tensors, "precomputed",
        "euclidean", "sqeuclidean" or a callable on tensors.
    {constraints}
    be : Backend, str or None
        The backend to compute with.
    **kwds
        Passed on to the metric.

    Returns
    -------
    path : list of (int, int)
        Index pairs ``(i, j)``, with the tie rule of :func:`frechet_path`.
    value : numpy.float64
        The largest cost along the path. On tensors, a 0-d tensor differentiable through
        the cost of that cell.

    Raises
    ------
    ValueError
        If a callable metric returns NaN.
    TypeError
        If a callable metric returns something other than a real number.
    ImportError
        If a metric name other than "euclidean" or "sqeuclidean" is given and neither
        scikit-learn nor SciPy is installed.

    Examples
    --------
    >>> def cityblock(a, b):
    ...     return abs(a - b).sum()
    >>> path, value = frechet_path_from_metric([1, 2, 3], [1, 2, 2, 3, 4], metric=cityblock)
    >>> path, float(value)
    ([(0, 0), (1, 1), (1, 2), (2, 3), (2, 4)], 1.0)
    >>> costs = [[0, 4, 9], [4, 0, 1]]
    >>> frechet_path_from_metric(costs)
    ([(0, 0), (1, 1), (1, 2)], np.float64(1.0))
    """
    be = instantiate_backend(be, s1, s2)
    constraint = parse_constraint(global_constraint, sakoe_chiba_radius, itakura_max_slope)
    if be.is_pytorch:
        return torch_frechet().frechet_path_from_metric(s1, s2, metric, constraint, kwds)
    costs = cost_matrix(s1, s2, metric, kwds)
    sz1, sz2 = costs.shape
    path, value = _frechet.frechet_path_of_costs(costs, *band_for(sz1, sz2, constraint))
    return path, np.float64(value)


@document_constraints
def cdist_frechet(
    dataset1: Dataset,
    dataset2: Dataset | None = None,
    global_constraint: str | None = None,
    sakoe_chiba_radius: float | None = None,
    itakura_max_slope: float | None = None,
    n_jobs: int | None = None,
    verbose: int = 0,
    be: Backend | str | None = None,
    dtype: DType | None = None,
) -> Array:
    """Fréchet distances between every series of one dataset and every series of another.

    Parameters
    ----------
    dataset1 : array-like of shape (n1, sz1, d), (n1, sz1) or (sz1,), or a list of series
        Series of different lengths are given as a list, or NaN-padded at the end.
    dataset2 : same kinds as dataset1, optional
        Without it, the symmetric matrix of ``dataset1`` against itself is computed from
        one triangle (its diagonal is 0).
    {constraints}
    n_jobs : int or None, default None
        Threads, as in :func:`cdist_dtw`.
    verbose : int, default 0
        When non-zero, a progress bar is drawn on stderr.
    be : Backend, str or None
        The backend to compute with.
    dtype : numpy.float32 or numpy.float64, optional
        Data type of the returned matrix (float64 by default).

    Returns
    -------
    numpy.ndarray of shape (n1, n2)
        On tensors, a tensor; tensors that need a gradient, or live on another device than
        the CPU, are computed pair by pair and the matrix is differentiable.

    Examples
    --------
    >>> cdist_frechet([[1, 2, 2, 3], [1.0, 2.0, 3.0, 4.0]])
    array([[0., 1.],
           [1., 0.]])
    >>> cdist_frechet([[1, 2, 2, 3], [1, 2, 3, 4]], [[1, 2, 3], [2, 3, 4, 5]])
    array([[0., 2.],
           [1., 1.]])
    """
    be = dataset_backend(be, dataset1, dataset2)
    constraint = parse_constraint(global_constraint, sakoe_chiba_radius, itakura_max_slope)
    check_n_jobs(n_jobs)
    if be.is_pytorch and needs_torch_engine(None, dataset1, dataset2):
        return torch_frechet().cdist_frechet(dataset1, dataset2, constraint, dtype)
    first, second = to_dataset_pair(dataset1, dataset2)
    matrix = constrained_matrix(
        frechet_block,
        first,
        second,
        constraint,
        symmetric=dataset2 is None,
        with_diagonal=False,
        n_jobs=n_jobs,
        verbose=verbose,
        dtype=dtype,
        label="cdist_frechet",
    )
    return be.from_numpy(matrix)
