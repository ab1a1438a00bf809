"""Canonical time warping (CTW): DTW alternating with a canonical correlation analysis.

tslearn 0.10's procedure, which these functions give value for value:

1. DTW on the first ``n_components`` features of both series (the initial alignment);
2. with ``max_iter > 1``, a CCA fitted on the time steps that this path matches, and DTW
   again on the two series projected by it, which gives the returned path.

tslearn's loop then stops whatever ``max_iter`` is (its convergence test compares the path
with itself), and the distance it returns is the one of step 1. So ``ctw`` and ``cdist_ctw``,
which return the distance alone, run step 1 only: step 2 cannot change their result.
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, Any

import numpy as np

from tswarp._constraints import parse_constraint
from tswarp._threads import check_n_jobs
from tswarp.backend import instantiate_backend
from tswarp.metrics._cca import CCA
from tswarp.metrics._constraints import document_constraints
from tswarp.metrics._dtw import _dtw_block, cdist_dtw, dtw, dtw_path
from tswarp.metrics._inputs import (
    dataset_backend,
    host_values,
    needs_torch_engine,
    to_backend,
    to_dataset,
    to_series,
    torch_inputs,
)
from tswarp.metrics._lcss import _items
from tswarp.metrics._pairwise import constrained_matrix

if TYPE_CHECKING:
    from tswarp._typing import Array, ArrayLike, Dataset, Path
    from tswarp.backend import Backend


def check_max_iter(max_iter):
    """ValueError (TypeError for a non-integer) unless ``max_iter`` is an integer >= 1."""
    if isinstance(max_iter, bool) or not isinstance(max_iter, numbers.Integral):
        raise TypeError(f"max_iter must be an integer >= 1, got {max_iter!r}")
    if max_iter < 1:
        raise ValueError(f"max_iter must be an integer >= 1, got {max_iter!r}")


def check_n_components(n_components, *dims):
    """The number of components: ``n_components``, or by default the fewest features among
    ``dims``; ValueError unless it lies between 1 and that number."""
    largest = min(dims)
    if n_components is None:
        return largest
    if isinstance(n_components, bool) or not isinstance(n_components, numbers.Integral):
        raise TypeError(f"n_components must be None or an integer, got {n_components!r}")
    if not 1 <= n_components <= largest:
        raise ValueError(
            f"n_components must be between 1 and {largest}, the smaller number of features "
            f"of the two inputs, got {n_components}"
        )
    return int(n_components)


def _series(ts, name, be):
    """A validated (sz, d) series: a tensor for the PyTorch backend, else a float64 array."""
    if be.is_pytorch:
        return torch_inputs().to_series(ts, name)
    return to_series(ts, name).astype(np.float64, copy=False)


def _validated_pair(s1, s2, max_iter, n_components, be):
    """Both series validated (their features may differ), and the number of features that
    are compared."""
    check_max_iter(max_iter)
    x, y = _series(s1, "s1", be), _series(s2, "s2", be)
    k = check_n_components(n_components, x.shape[1], y.shape[1])
    return x, y, k


def _report(verbose, score):
    if verbose:
        print(f"Iteration 0, score={score}")


_CTW_DOC = """\
    s1 : array-like of shape (sz1,) or (sz1, d1)
        A time series. Trailing all-NaN rows are padding and are ignored.
    s2 : array-like of shape (sz2,) or (sz2, d2)
        Another time series; its number of features may differ from ``s1``'s.
    max_iter : int, default 100
        Largest number of DTW steps (>= 1). With 1, no CCA is fitted. tslearn stops after
        its second step whatever the value, and so does this function.
    n_components : int or None, default None
        Number of features compared, from 1 to ``min(d1, d2)`` (the default)."""


def _document_ctw(function):
    function.__doc__ = function.__doc__.replace("    {ctw}", _CTW_DOC)
    return document_constraints(function)


@_document_ctw
def ctw(
    s1: ArrayLike,
    s2: ArrayLike,
    max_iter: int = 100,
    n_components: int | None = None,
    global_constraint: str | None = None,
    sakoe_chiba_radius: float | None = None,
    itakura_max_slope: float | None = None,
    verbose: bool = False,
    be: Backend | str | None = None,
) -> float | Array:
    """Canonical time warping (CTW) distance between two time series, as tslearn computes it.

    The distance of tslearn 0.10's CTW: the DTW distance between the first ``n_components``
    features of both series, the alignment that its CTW starts from (see
    :func:`ctw_path` for the path after the canonical correlation step).

    Parameters
    ----------
    {ctw}
    {constraints}
    verbose : bool, default False
        When true, the score is printed, as tslearn does.
    be : Backend, str or None
        The backend to compute with; by default the type of ``s1`` and ``s2`` decides.

    Returns
    -------
    float
        The distance, computed in float64. On tensors, a 0-d tensor on their device, of
        their dtype, differentiable as :func:`dtw`'s.

    Raises
    ------
    ValueError
        If a series is not 1-D or 2-D, is empty or all NaN, has a NaN or infinite value
        inside it, if ``max_iter`` < 1, if ``n_components`` is not between 1 and the smaller
        number of features, or if a constraint argument is invalid.
    TypeError
        If a series holds something other than real numbers, or ``max_iter`` or
        ``n_components`` is not an integer.

    Examples
    --------
    >>> ctw([1, 2, 3], [1, 2, 2, 3])
    0.0
    >>> ctw([1, 2, 3], [[1, 5], [2, 5], [2, 5], [4, 5]])
    1.0
    """
    be = instantiate_backend(be, s1, s2)
    x, y, k = _validated_pair(s1, s2, max_iter, n_components, be)
    constraint = (global_constraint, sakoe_chiba_radius, itakura_max_slope)
    distance = dtw(x[:, :k], y[:, :k], *constraint, be=be)
    _report(verbose, distance)
    return distance


@_document_ctw
def ctw_path(
    s1: ArrayLike,
    s2: ArrayLike,
    max_iter: int = 100,
    n_components: int | None = None,
    global_constraint: str | None = None,
    sakoe_chiba_radius: float | None = None,
    itakura_max_slope: float | None = None,
    verbose: bool = False,
    be: Backend | str | None = None,
) -> tuple[Path, CCA, float | Array]:
    """Canonical time warping (CTW) path, CCA and distance, as tslearn computes them.

    DTW first aligns the first ``n_components`` features of both series; with
    ``max_iter > 1``, a canonical correlation analysis (CCA) is fitted on the time steps
    that this path matches, and DTW on the series projected by it gives the path. The
    distance is the first alignment's, the one :func:`ctw` returns (tslearn's results).

    Parameters
    ----------
    {ctw}
    {constraints}
    verbose : bool, default False
        When true, the score is printed, as tslearn does.
    be : Backend, str or None
        The backend to compute with; by default the type of ``s1`` and ``s2`` decides.

    Returns
    -------
    path : list of (int, int)
        Index pairs ``(i, j)`` matching ``s1[i]`` with ``s2[j]``, from (0, 0) to the end,
        with :func:`dtw_path`'s rule on ties.
    cca : CCA
        The fitted analysis, whose ``transform(s1, s2)`` projects both series (unfitted when
        ``max_iter`` is 1). tslearn returns scikit-learn's ``CCA`` here; this one is computed
        the same way, in NumPy, on host copies of tensors.
    distance : float
        As :func:`ctw`.

    Examples
    --------
    >>> path, cca, distance = ctw_path([1, 2, 3], [1, 2, 2, 3])
    >>> path, distance
    ([(0, 0), (1, 1), (1, 2), (2, 3)], 0.0)
    >>> cca.transform([1, 2, 3], [1, 2, 2, 3])[0].ravel()  # standardised on the matched steps
    array([-1.22474487,  0.        ,  1.22474487])
    """
    be = instantiate_backend(be, s1, s2)
    x, y, k = _validated_pair(s1, s2, max_iter, n_components, be)
    constraint = (global_constraint, sakoe_chiba_radius, itakura_max_slope)
    path, distance = dtw_path(x[:, :k], y[:, :k], *constraint, be=be)
    _report(verbose, distance)
    cca = CCA(k)
    if max_iter > 1:
        x = host_values(x, "s1").astype(np.float64, copy=False)
        y = host_values(y, "s2").astype(np.float64, copy=False)
        rows, cols = np.array(path).T
        cca.fit(x[rows], y[cols])
        x_projected, y_projected = cca.transform(x, y)
        path, _ = dtw_path(x_projected, y_projected, *constraint)
    return path, cca, distance


def _cut(dataset, k):
    """A validated (padded, lengths) dataset on its first k features, in float64."""
    X, lengths = dataset
    return np.ascontiguousarray(X[:, :, :k], dtype=np.float64), lengths


def _leading_features(data, k, series_ndim):
    """Tensors (or arrays) of a dataset cut to their first k features, as given: a list of
    series, or one (n, sz, d) array; fewer dimensions than that mean one feature."""
    if isinstance(data, (list, tuple)):
        return [_leading_features(ts, k, 2) for ts in data]
    if not hasattr(data, "ndim"):
        data = np.asarray(data)
    return data[..., :k] if data.ndim == series_ndim else data


@document_constraints
def cdist_ctw(
    dataset1: Dataset,
    dataset2: Dataset | None = None,
    max_iter: int = 100,
    n_components: int | None = None,
    global_constraint: str | None = None,
    sakoe_chiba_radius: float | None = None,
    itakura_max_slope: float | None = None,
    n_jobs: int | None = None,
    verbose: int = 0,
    be: Backend | str | None = None,
) -> Array:
    """CTW distances between every series of one dataset and every series of another.

    Each entry is :func:`ctw` of the pair: the DTW distance between their first
    ``n_components`` features, computed for all pairs by the parallel DTW kernels.

    Parameters
    ----------
    dataset1 : array-like of shape (n1, sz1, d1), (n1, sz1) or (sz1,), or a list of series
        Series of different lengths are given as a list, or NaN-padded at the end.
    dataset2 : same kinds as dataset1, optional
        Its number of features may differ from ``dataset1``'s. Without it, the symmetric
        matrix of ``dataset1`` against itself is computed from one triangle (diagonal 0).
    max_iter : int, default 100
        As in :func:`ctw` (>= 1); it does not change the distances.
    n_components : int or None, default None
        Number of features compared, from 1 to ``min(d1, d2)`` (the default).
    {constraints}
    n_jobs : int or None, default None
        Threads, as in :func:`cdist_dtw`.
    verbose : int, default 0
        When non-zero, a progress bar is drawn on stderr.
    be : Backend, str or None
        The backend of the result; by default the type of the data decides.

    Returns
    -------
    numpy.ndarray of shape (n1, n2), float64
        On tensors, a float64 tensor on the device of the first input tensor; tensors that
        need a gradient, or live on another device than the CPU, are computed as in
        :func:`cdist_dtw`, pair by pair, and the matrix is differentiable.

    Examples
    --------
    >>> cdist_ctw([[1, 2, 2, 3], [1.0, 2.0, 3.0, 4.0]])
    array([[0., 1.],
           [1., 0.]])
    >>> bivariate = [[[1, 9], [2, 9], [3, 9]], [[2, 0], [3, 0], [4, 0]]]
    >>> cdist_ctw([[1, 2, 2, 3], [1, 2, 3, 4]], bivariate)  # the first feature is compared
    array([[0.        , 1.41421356],
           [1.        , 1.        ]])
    """
    be = dataset_backend(be, dataset1, dataset2)
    check_max_iter(max_iter)
    constraint_args = (global_constraint, sakoe_chiba_radius, itakura_max_slope)
    constraint = parse_constraint(*constraint_args)
    check_n_jobs(n_jobs)
    first = to_dataset(dataset1, "dataset1")
    second = first if dataset2 is None else to_dataset(dataset2, "dataset2")
    dims = [X.shape[2] for X, _ in (first, second) if len(X)]
    k = check_n_components(n_components, *dims) if dims else 1
    if be.is_pytorch and needs_torch_engine(None, dataset1, dataset2):
        first = _leading_features(dataset1, k, 3)
        second = None if dataset2 is None else _leading_features(dataset2, k, 3)
        options: dict[str, Any] = dict(n_jobs=n_jobs, verbose=verbose, be=be, dtype=np.float64)
        return cdist_dtw(first, second, *constraint_args, **options)
    first = _cut(first, k)
    second = first if dataset2 is None else _cut(second, k)
    matrix = constrained_matrix(
        _dtw_block,
        first,
        second,
        constraint,
        symmetric=dataset2 is None,
        with_diagonal=False,
        n_jobs=n_jobs,
        verbose=verbose,
        label="cdist_ctw",
    )
    return to_backend(be, matrix, *_items(dataset1), *_items(dataset2))
