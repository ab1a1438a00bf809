"""Dynamic Time Warping: distance, optimal path, accumulated cost matrix, pairwise matrix."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tswarp._constraints import band_for, parse_constraint
from tswarp._kernels import _dtw, _select
from tswarp._threads import check_n_jobs
from tswarp.backend import instantiate_backend
from tswarp.metrics._constraints import document_constraints
from tswarp.metrics._inputs import (
    dataset_backend,
    host_values,
    needs_torch_engine,
    to_backend,
    to_dataset_pair,
    to_series_pair,
    torch_metrics,
)
from tswarp.metrics._overflow import (
    distance_back,
    dtw_distance,
    dtw_path_and_cost,
    float32_may_overflow,
    float32_may_underflow,
    redo_overflowed_pairs,
)
from tswarp.metrics._pairwise import constrained_matrix

if TYPE_CHECKING:
    from tswarp._typing import Array, ArrayLike, Dataset, DType, Path
    from tswarp.backend import Backend


def _series_and_band(s1, s2, global_constraint, sakoe_chiba_radius, itakura_max_slope):
    constraint = parse_constraint(global_constraint, sakoe_chiba_radius, itakura_max_slope)
    x, y = to_series_pair(s1, s2)
    return x, y, band_for(len(x), len(y), constraint)


@document_constraints
def dtw(
    s1: ArrayLike,
    s2: ArrayLike,
    global_constraint: str | None = None,
    sakoe_chiba_radius: float | None = None,
    itakura_max_slope: float | None = None,
    be: Backend | str | None = None,
) -> float | Array:
    """Dynamic Time Warping distance between two time series.

    The square root of the smallest sum, over all warping paths, of squared Euclidean
    distances between matched time steps.

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
        The DTW distance. Float32 inputs are computed in float32; a pair whose squared costs
        overflow, or tiny series whose squared differences underflow, are computed again in
        float64, scaled by a power of two, so the distance is right whenever it is a float.

    Raises
    ------
    ValueError
        If a series is not 1-D or 2-D, is empty or all NaN, has a NaN or infinite value
        inside it, if the feature sizes differ, or if a constraint argument is invalid.
    TypeError
        If a series holds something other than real numbers.

    Examples
    --------
    >>> dtw([1, 2, 3], [1, 2, 2, 3, 4])
    1.0
    >>> dtw([[1], [2], [3]], [[3], [4], [-3]])  # sqrt(42)
    6.48074069840786
    >>> dtw([0, 1, 2, 3, 4, 5], [0, 0, 0, 1, 2, 3], sakoe_chiba_radius=0)
    4.123105625617661
    """
    be = instantiate_backend(be, s1, s2)
    if be.is_pytorch:
        constraint = parse_constraint(global_constraint, sakoe_chiba_radius, itakura_max_slope)
        return torch_metrics().dtw(s1, s2, constraint)
    x, y, (lo, hi) = _series_and_band(
        s1, s2, global_constraint, sakoe_chiba_radius, itakura_max_slope
    )
    return dtw_distance(x, y, lo, hi)


@document_constraints
def dtw_path(
    s1: ArrayLike,
    s2: ArrayLike,
    global_constraint: str | None = None,
    sakoe_chiba_radius: float | None = None,
    itakura_max_slope: float | None = None,
    be: Backend | str | None = None,
) -> tuple[Path, float | Array]:
    """Optimal warping path and DTW distance between two time series.

    Among equally good paths, the one that prefers a diagonal step, then a step in ``s1``
    only ("up"), then in ``s2`` only, when walking back from the last cell is returned
    (tslearn's choice).

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
        The DTW distance, as :func:`dtw`.

    Examples
    --------
    >>> path, distance = dtw_path([1, 2, 3], [1, 2, 2, 3, 4])
    >>> path
    [(0, 0), (1, 1), (1, 2), (2, 3), (2, 4)]
    >>> distance
    1.0
    """
    be = instantiate_backend(be, s1, s2)
    if be.is_pytorch:
        constraint = parse_constraint(global_constraint, sakoe_chiba_radius, itakura_max_slope)
        return torch_metrics().dtw_path(s1, s2, constraint)
    x, y, (lo, hi) = _series_and_band(
        s1, s2, global_constraint, sakoe_chiba_radius, itakura_max_slope
    )
    path, cost, k = dtw_path_and_cost(x, y, lo, hi)
    return path, distance_back(cost, k)


@document_constraints
def dtw_accumulated_matrix(
    s1: ArrayLike,
    s2: ArrayLike,
    mask: ArrayLike | None = None,
    be: Backend | str | None = None,
    global_constraint: str | None = None,
    sakoe_chiba_radius: float | None = None,
    itakura_max_slope: float | None = None,
) -> Array:
    """Accumulated cost matrix of DTW: the cheapest squared cost of reaching each cell.

    ``R[i, j]`` is the smallest sum of squared distances along a path from (0, 0) to
    (i, j); ``R[-1, -1]`` is the squared DTW distance. Cells outside the constraint are
    ``inf``, and so are cells whose value is past the float64 range (float32 series whose
    squares could overflow or underflow float32 are accumulated in float64).

    Parameters
    ----------
    s1, s2 : array-like of shape (sz1,) / (sz1, d) and (sz2,) / (sz2, d)
        The two time series.
    mask : array-like of bool, shape (sz1, sz2), optional
        Admissible cells (True). When given, the constraint arguments (tswarp's addition to
        tslearn's arguments) must be left unset, and the mask must hold a warping path
        from (0, 0) to (sz1 - 1, sz2 - 1).
    be : Backend, str or None
        The backend to compute with. It comes fourth, as in tslearn's
        ``dtw_accumulated_matrix(s1, s2, mask, be=None)``.
    {constraints}

    Returns
    -------
    numpy.ndarray of shape (sz1, sz2), float64
        A float64 tensor on the device of the input tensors with the PyTorch backend.

    Examples
    --------
    >>> dtw_accumulated_matrix([1, 2, 3], [1, 2, 2])
    array([[0., 1., 2.],
           [1., 0., 0.],
           [5., 1., 1.]])
    """
    be = instantiate_backend(be, s1, s2)
    x, y = to_series_pair(s1, s2)
    if x.dtype == np.float32 and (float32_may_overflow(x, y) or float32_may_underflow(x, y)):
        x, y = x.astype(np.float64), y.astype(np.float64)  # the float64 result holds more
    if mask is None:
        # The series are validated above; only the band is left to compute.
        constraint = parse_constraint(global_constraint, sakoe_chiba_radius, itakura_max_slope)
        lo, hi = band_for(len(x), len(y), constraint)
        allowed = np.zeros((len(x), len(y)), dtype=np.uint8)
        for i, (start, stop) in enumerate(zip(lo, hi, strict=True)):
            allowed[i, start:stop] = 1
    else:
        if (global_constraint, sakoe_chiba_radius, itakura_max_slope) != (None, None, None):
            raise ValueError("give either mask or the global constraint arguments, not both")
        allowed = admissible_cells(mask, len(x), len(y))
    matrix = _dtw.dtw_accumulated(x, y, allowed).astype(np.float64, copy=False)
    return to_backend(be, matrix, s1, s2)


def admissible_cells(mask, n, m):
    """A user's (n, m) boolean mask as a C-contiguous 0/1 uint8 array holding a warping path."""
    allowed = host_values(mask, "mask")
    if allowed.shape != (n, m):
        raise ValueError(f"mask must have shape (sz1, sz2) = {(n, m)}, got {allowed.shape}")
    allowed = np.ascontiguousarray(allowed, dtype=bool).view(np.uint8)
    if not _admits_a_path(allowed):
        raise ValueError(
            "mask admits no warping path: no chain of True cells links (0, 0) to "
            f"(sz1 - 1, sz2 - 1) = {(n - 1, m - 1)} by steps right, down or diagonal"
        )
    return allowed


def _admits_a_path(allowed):
    """Whether the 0/1 mask holds a warping path: DTW of zero series over it is finite."""
    n, m = allowed.shape
    zeros = np.zeros((max(n, m), 1))
    return np.isfinite(_dtw.dtw_accumulated(zeros[:n], zeros[:m], allowed)[-1, -1])


@document_constraints
def cdist_dtw(
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
    """DTW distances between every series of one dataset and every series of another.

    Parameters
    ----------
    dataset1 : array-like of shape (n1, sz1, d), (n1, sz1) or (sz1,), or a list of series
        Series of different lengths are given as a list, or NaN-padded at the end.
    dataset2 : same kinds as dataset1, optional
        Without it, the symmetric matrix of ``dataset1`` against itself is computed from
        one triangle (its diagonal is 0).
    {constraints}
    n_jobs : int or None, default None
        Threads, with joblib's convention: None means 1, -1 all the CPUs this process may use
        (at most ``OMP_NUM_THREADS``), -2 all but one. Larger values are capped at those CPUs;
        a process forked after threads ran computes on one thread.
    verbose : int, default 0
        When non-zero, a progress bar is drawn on stderr.
    be : Backend, str or None
        The backend to compute with.
    dtype : numpy.float32 or numpy.float64, optional
        Data type of the returned matrix (float64 by default); float32 halves its memory.
        On tensors, ``torch.float32`` and ``torch.float64`` are accepted too.

    Returns
    -------
    numpy.ndarray of shape (n1, n2)
        Pairs whose squared costs overflow or underflow are computed again in float64,
        rescaled, as in :func:`dtw`.

    Examples
    --------
    >>> cdist_dtw([[1, 2, 2, 3], [1.0, 2.0, 3.0, 4.0]])
    array([[0., 1.],
           [1., 0.]])
    >>> cdist_dtw([[1, 2, 3], [1, 2, 2, 3, 4]], [[1, 2, 3]])
    array([[0.],
           [1.]])
    """
    be = dataset_backend(be, dataset1, dataset2)
    constraint = parse_constraint(global_constraint, sakoe_chiba_radius, itakura_max_slope)
    check_n_jobs(n_jobs)
    if be.is_pytorch and needs_torch_engine(None, dataset1, dataset2):
        return torch_metrics().cdist_dtw(dataset1, dataset2, constraint, dtype)
    first, second = to_dataset_pair(dataset1, dataset2)
    matrix = constrained_matrix(
        _dtw_block,
        first,
        second,
        constraint,
        symmetric=dataset2 is None,
        with_diagonal=False,
        n_jobs=n_jobs,
        verbose=verbose,
        dtype=dtype,
        label="cdist_dtw",
    )
    return be.from_numpy(matrix)


def _dtw_block(X, x_lengths, Y, y_lengths, rows, cols, code, parameter, out, n_threads):
    """``pairwise_matrix``'s kernel for DTW: the chosen kernels, then the overflowed pairs."""
    _select.dtw_pairs(X, x_lengths, Y, y_lengths, rows, cols, code, parameter, out, n_threads)
    redo_overflowed_pairs(X, x_lengths, Y, y_lengths, rows, cols, (code, parameter), out)
