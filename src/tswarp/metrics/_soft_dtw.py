"""Soft-DTW: value, divergence, expected alignment and pairwise matrices.

Soft-DTW replaces DTW's minimum over warping paths by a soft minimum of temperature
``gamma``: ``-gamma * log(sum over paths of exp(-cost / gamma))``, where a path's cost is its
sum of squared Euclidean distances (no square root). ``gamma = 0`` is the hard minimum, so
every function here then returns DTW squared; tslearn's cdist functions return unsquared
DTW there instead.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from tswarp._constraints import band_for, infeasible, parse_constraint
from tswarp._gamma import check_gamma, check_gamma_fits, largest_gamma
from tswarp._kernels import _dtw, _select, _soft_dtw
from tswarp._threads import check_n_jobs, effective_n_threads
from tswarp.backend import instantiate_backend
from tswarp.metrics._constraints import document_constraints
from tswarp.metrics._inputs import (
    check_compute_with_backend,
    dataset_backend,
    needs_torch_engine,
    to_dataset_pair,
    to_series_pair,
    torch_metrics,
)
from tswarp.metrics._overflow import (
    dtw_path_and_cost,
    dtw_squared_cost,
    redo_overflowed_pairs,
    rescaled,
    scaled_back,
)
from tswarp.metrics._pairwise import constrained_matrix, output_dtype

if TYPE_CHECKING:
    from tswarp._typing import Array, ArrayLike, Dataset, DType
    from tswarp.backend import Backend

# A soft-DTW cell costs 5-20 ns (two exponentials and a log, on 8 to 1 SIMD lanes) against
# about 1 ns for DTW, so blocks of this many cells per thread return to Python within ~0.2 s.
_CELLS_PER_BLOCK = 1e7


def _check_arguments(gamma, compute_with_backend, constraint_arguments):
    """The checks every function makes before reading its series: (gamma, constraint)."""
    check_compute_with_backend(compute_with_backend)
    return check_gamma(gamma), parse_constraint(*constraint_arguments)


def _check_divergence_gamma(gamma, n, m, subject="series"):
    """ValueError unless gamma fits a divergence of ``subject`` of (longest) lengths n and m.

    Its largest term is soft-DTW of the longer series with itself, so the bound is that of
    lengths max(n, m) twice; the message still names the lengths n and m given.
    """
    longest = max(n, m)
    limit = largest_gamma(longest, longest)
    if gamma > limit:
        raise ValueError(
            f"gamma={gamma:g} is too large for {subject} of lengths {n} and {m}: soft-DTW of "
            f"the series of length {longest} with itself, a term of the divergence, would "
            f"overflow float64; use 0 <= gamma <= {limit!r}"
        )


def _float64(series):
    return series.astype(np.float64, copy=False)


def _value(x, y, gamma, constraint):
    lo, hi = band_for(len(x), len(y), constraint)
    if gamma == 0:
        # The hard minimum: DTW squared, from the DTW kernels, in soft-DTW's float64 (tiny
        # or huge series rescaled, as for soft_dtw_alignment's path).
        return dtw_squared_cost(_float64(x), _float64(y), lo, hi)
    return _soft_value(x, y, lo, hi, gamma)


def _scaled_gamma(gamma, k):
    """gamma * 4**-k, the temperature of series scaled by 2**-k, kept > 0."""
    return max(math.ldexp(gamma, -2 * k), np.finfo(np.float64).smallest_subnormal)


def _soft_value(x, y, lo, hi, gamma):
    """Soft-DTW (gamma > 0) of two validated series within a band, finite wherever it is a
    float although squared costs past float64 made the kernel's inf."""
    value = _soft_dtw.soft_dtw_value(x, y, lo, hi, gamma, _select.BUILD)
    if value < np.inf:
        return value
    # sdtw(x, y, gamma) = 4**k sdtw(x 2**-k, y 2**-k, gamma 4**-k), all exact.
    x, y, k = rescaled(x, y)
    value = _soft_dtw.soft_dtw_value(x, y, lo, hi, _scaled_gamma(gamma, k), _select.BUILD)
    return scaled_back(value, k)


@document_constraints
def soft_dtw(
    s1: ArrayLike,
    s2: ArrayLike,
    gamma: float = 1.0,
    global_constraint: str | None = None,
    sakoe_chiba_radius: float | None = None,
    itakura_max_slope: float | None = None,
    be: Backend | str | None = None,
    compute_with_backend: bool | None = None,
) -> float | Array:
    """Soft-DTW between two time series.

    The soft minimum, at temperature ``gamma``, of the costs of all warping paths, a path's
    cost being its sum of squared Euclidean distances between matched time steps. It tends
    to DTW squared as ``gamma`` tends to 0, can be negative, and is not 0 for two equal
    series (see :func:`soft_dtw_normalized`).

    Parameters
    ----------
    s1 : array-like of shape (sz1,) or (sz1, d)
        A time series. Trailing all-NaN rows are padding and are ignored.
    s2 : array-like of shape (sz2,) or (sz2, d)
        Another time series with the same number of features ``d``.
    gamma : float, default 1.0
        Temperature of the soft minimum, >= 0. ``gamma = 0`` gives DTW squared. Soft-DTW
        lies within ``gamma * log(3) * (sz1 + sz2)`` below DTW squared, so gamma may be at
        most the largest float64 over ``2 * log(3) * (sz1 + sz2)`` (about 4e305 for series
        of 100 steps; for a divergence or a pairwise matrix, from the longest series).
    {constraints}
    be : Backend, str or None
        The backend to compute with; by default the type of ``s1`` and ``s2`` decides.
    compute_with_backend : bool or None, default None
        How soft-DTW runs on tensors: True runs the torch wavefront on the tensors' device,
        False the compiled kernels on a CPU copy, and None the compiled kernels for CPU
        tensors and the wavefront elsewhere; values and gradients are the same. It changes
        nothing on NumPy input, which always runs the compiled kernels.

    Returns
    -------
    float
        The soft-DTW value, computed in float64 for float32 inputs too.

    Raises
    ------
    ValueError
        If ``gamma`` is negative, NaN, infinite or too large for the lengths, if a series
        is not 1-D or 2-D, is empty or all NaN, has a NaN or infinite value inside it, if
        the feature sizes differ, or if a constraint argument is invalid.
    TypeError
        If ``gamma`` is not a real number or a series holds something other than numbers.

    Examples
    --------
    >>> soft_dtw([[1], [2], [3]], [[3], [4], [-3]], gamma=1.0)
    41.187627311413216
    >>> soft_dtw([1, 2, 2, 3], [1, 2, 3, 4], gamma=0)  # DTW squared
    1.0
    """
    constraint_arguments = (global_constraint, sakoe_chiba_radius, itakura_max_slope)
    gamma, constraint = _check_arguments(gamma, compute_with_backend, constraint_arguments)
    if instantiate_backend(be, s1, s2).is_pytorch:
        return torch_metrics().soft_dtw(s1, s2, gamma, constraint, compute_with_backend)
    x, y = to_series_pair(s1, s2)
    check_gamma_fits(gamma, len(x), len(y))
    return _value(x, y, gamma, constraint)


@document_constraints
def soft_dtw_normalized(
    s1: ArrayLike,
    s2: ArrayLike,
    gamma: float = 1.0,
    global_constraint: str | None = None,
    sakoe_chiba_radius: float | None = None,
    itakura_max_slope: float | None = None,
    be: Backend | str | None = None,
    compute_with_backend: bool | None = None,
) -> float | Array:
    """Soft-DTW divergence: ``soft_dtw(s1, s2) - (soft_dtw(s1, s1) + soft_dtw(s2, s2)) / 2``.

    Exactly 0 when ``s1`` and ``s2`` are equal, symmetric, and (for the squared Euclidean
    cost, in practice) non-negative. The constraint applies to all three terms. With
    ``gamma = 0`` the self terms vanish and the result is DTW squared.

    Parameters
    ----------
    s1 : array-like of shape (sz1,) or (sz1, d)
        A time series. Trailing all-NaN rows are padding and are ignored.
    s2 : array-like of shape (sz2,) or (sz2, d)
        Another time series with the same number of features ``d``.
    gamma : float, default 1.0
        Temperature of the soft minimum, >= 0. ``gamma = 0`` gives DTW squared. Soft-DTW
        lies within ``gamma * log(3) * (sz1 + sz2)`` below DTW squared, so gamma may be at
        most the largest float64 over ``2 * log(3) * (sz1 + sz2)`` (about 4e305 for series
        of 100 steps; for a divergence or a pairwise matrix, from the longest series).
    {constraints}
    be : Backend, str or None
        The backend to compute with; by default the type of ``s1`` and ``s2`` decides.
    compute_with_backend : bool or None, default None
        How soft-DTW runs on tensors: True runs the torch wavefront on the tensors' device,
        False the compiled kernels on a CPU copy, and None the compiled kernels for CPU
        tensors and the wavefront elsewhere; values and gradients are the same. It changes
        nothing on NumPy input, which always runs the compiled kernels.

    Returns
    -------
    float
        The soft-DTW divergence, computed in float64 for float32 inputs too.

    Examples
    --------
    >>> soft_dtw_normalized([1, 2, 3], [1, 2, 3], gamma=0.1)
    0.0
    >>> soft_dtw_normalized([1, 2, 2, 3], [1, 2, 3, 4], gamma=0)  # DTW squared
    1.0
    """
    constraint_arguments = (global_constraint, sakoe_chiba_radius, itakura_max_slope)
    gamma, constraint = _check_arguments(gamma, compute_with_backend, constraint_arguments)
    if instantiate_backend(be, s1, s2).is_pytorch:
        return torch_metrics().soft_dtw_normalized(s1, s2, gamma, constraint, compute_with_backend)
    x, y = to_series_pair(s1, s2)
    _check_divergence_gamma(gamma, len(x), len(y))
    cross = _value(x, y, gamma, constraint)
    return cross - (_value(x, x, gamma, constraint) + _value(y, y, gamma, constraint)) / 2


@document_constraints
def soft_dtw_alignment(
    s1: ArrayLike,
    s2: ArrayLike,
    gamma: float = 1.0,
    global_constraint: str | None = None,
    sakoe_chiba_radius: float | None = None,
    itakura_max_slope: float | None = None,
    be: Backend | str | None = None,
    compute_with_backend: bool | None = None,
) -> tuple[Array, float | Array]:
    """Expected alignment matrix and soft-DTW value of two time series.

    ``A[i, j]`` is the probability that a warping path drawn with probability proportional
    to ``exp(-cost / gamma)`` matches ``s1[i]`` with ``s2[j]``; it is also the gradient of
    soft-DTW with respect to the squared distance of that pair. With ``gamma = 0``, ``A`` is
    the 0/1 indicator of the DTW path of :func:`tswarp.metrics.dtw_path`.

    Parameters
    ----------
    s1 : array-like of shape (sz1,) or (sz1, d)
        A time series. Trailing all-NaN rows are padding and are ignored.
    s2 : array-like of shape (sz2,) or (sz2, d)
        Another time series with the same number of features ``d``.
    gamma : float, default 1.0
        Temperature of the soft minimum, >= 0. ``gamma = 0`` gives DTW squared. Soft-DTW
        lies within ``gamma * log(3) * (sz1 + sz2)`` below DTW squared, so gamma may be at
        most the largest float64 over ``2 * log(3) * (sz1 + sz2)`` (about 4e305 for series
        of 100 steps; for a divergence or a pairwise matrix, from the longest series).
    {constraints}
    be : Backend, str or None
        The backend to compute with; by default the type of ``s1`` and ``s2`` decides.
    compute_with_backend : bool or None, default None
        How soft-DTW runs on tensors: True runs the torch wavefront on the tensors' device,
        False the compiled kernels on a CPU copy, and None the compiled kernels for CPU
        tensors and the wavefront elsewhere; values and gradients are the same. It changes
        nothing on NumPy input, which always runs the compiled kernels.

    Returns
    -------
    A : numpy.ndarray of shape (sz1, sz2), float64
        Entries in [0, 1]; ``A[0, 0] = A[-1, -1] = 1`` and 0 outside the constraint.
    value : float
        The soft-DTW value, as :func:`soft_dtw` (a Python float, where tslearn returns
        ``numpy.float64``).

    Examples
    --------
    >>> A, value = soft_dtw_alignment([1, 2, 3], [1, 2, 2, 3], gamma=0)
    >>> A
    array([[1., 0., 0., 0.],
           [0., 1., 1., 0.],
           [0., 0., 0., 1.]])
    >>> A, value = soft_dtw_alignment([1, 2, 3], [1, 2, 2, 3], gamma=1.0)
    >>> A.round(2)
    array([[1.  , 0.36, 0.06, 0.  ],
           [0.18, 0.8 , 0.8 , 0.18],
           [0.  , 0.06, 0.36, 1.  ]])
    """
    constraint_arguments = (global_constraint, sakoe_chiba_radius, itakura_max_slope)
    gamma, constraint = _check_arguments(gamma, compute_with_backend, constraint_arguments)
    if instantiate_backend(be, s1, s2).is_pytorch:
        return torch_metrics().soft_dtw_alignment(s1, s2, gamma, constraint, compute_with_backend)
    x, y = to_series_pair(s1, s2)
    check_gamma_fits(gamma, len(x), len(y))
    lo, hi = band_for(len(x), len(y), constraint)
    if gamma > 0:
        return _soft_alignment(x, y, lo, hi, gamma)
    # In float64, so that the value equals soft_dtw(gamma=0) for float32 inputs too.
    path, cost, k = dtw_path_and_cost(_float64(x), _float64(y), lo, hi)
    alignment = np.zeros((len(x), len(y)))
    alignment[tuple(np.transpose(path))] = 1.0
    return alignment, scaled_back(cost, k)


def _soft_alignment(x, y, lo, hi, gamma):
    alignment, value = _soft_dtw.soft_dtw_alignment(x, y, lo, hi, gamma, _select.BUILD)
    if value < np.inf:
        return alignment, value
    # Squared costs overflowed float64, but the alignment is a probability: that of the
    # series scaled by 2**-k at temperature gamma * 4**-k (kept > 0), the same one.
    x, y, k = rescaled(x, y)
    alignment, value = _soft_dtw.soft_dtw_alignment(
        x, y, lo, hi, _scaled_gamma(gamma, k), _select.BUILD
    )
    return alignment, scaled_back(value, k)


def _soft_matrix(label, first, second, symmetric, gamma, constraint, n_jobs, verbose, dtype):
    kernel, first, second, arguments = _pairs_kernel(first, second, gamma, constraint)
    return constrained_matrix(
        kernel,
        first,
        second,
        constraint,
        arguments,
        symmetric=symmetric,
        with_diagonal=True,  # soft-DTW(x, x) is not 0
        n_jobs=n_jobs,
        verbose=verbose,
        dtype=dtype,
        label=label,
        cells_per_block=_CELLS_PER_BLOCK,
    )


def _pairs_kernel(first, second, gamma, constraint):
    """(kernel, first, second, its arguments) for a block of pairs' soft-DTW values: at
    gamma = 0 the DTW kernel's squared costs, on the datasets in float64."""
    if gamma == 0:
        first, second = (_float64(first[0]), first[1]), (_float64(second[0]), second[1])
        return _squared_dtw_block, first, second, constraint
    return _soft_block, first, second, (*constraint, gamma)


def _squared_dtw_block(X, x_lengths, Y, y_lengths, rows, cols, code, parameter, out, n_threads):
    """The kernel of a block of pairs at gamma = 0: DTW's squared costs, then those that
    overflowed or may have underflowed once more, rescaled. (The check for tiny values,
    made for distances, takes in every squared cost below 2**-450: all that may have.)"""
    block = (X, x_lengths, Y, y_lengths, rows, cols)
    _dtw.dtw_pairs(*block, code, parameter, True, out, n_threads)
    redo_overflowed_pairs(*block, (code, parameter), out, distance=dtw_squared_cost)


def _soft_block(X, x_lengths, Y, y_lengths, rows, cols, code, parameter, gamma, out, n_threads):
    """The kernel of a block of pairs at gamma > 0: soft-DTW, then the pairs whose squared
    costs overflowed float64 once more, rescaled (``_soft_value``)."""
    arguments = (code, parameter, gamma, _select.BUILD)
    _soft_dtw.soft_dtw_pairs(X, x_lengths, Y, y_lengths, rows, cols, *arguments, out, n_threads)
    for k in np.flatnonzero(np.isinf(out)):
        x, y = X[rows[k], : x_lengths[rows[k]]], Y[cols[k], : y_lengths[cols[k]]]
        out[k] = _soft_value(x, y, *_dtw.band(len(x), len(y), code, parameter), gamma)


def _self_values(dataset, gamma, constraint, n_jobs):
    """soft-DTW(x, x) of every series of a dataset, in one kernel call over the pairs (i, i)."""
    kernel, (X, lengths), _, arguments = _pairs_kernel(dataset, dataset, gamma, constraint)
    index = np.arange(len(lengths), dtype=np.intp)
    values = np.empty(len(lengths))
    if len(lengths):
        pairs = (X, lengths, X, lengths, index, index)
        threads = effective_n_threads(n_jobs, len(lengths))
        kernel(*pairs, *arguments, values, threads)
    failed = np.flatnonzero(np.isnan(values))
    if failed.size:
        size = lengths[failed[0]]
        raise infeasible(size, size, constraint)
    return values


@document_constraints
def cdist_soft_dtw(
    dataset1: Dataset,
    dataset2: Dataset | None = None,
    gamma: float = 1.0,
    global_constraint: str | None = None,
    sakoe_chiba_radius: float | None = None,
    itakura_max_slope: float | None = None,
    n_jobs: int | None = None,
    verbose: int = 0,
    be: Backend | str | None = None,
    compute_with_backend: bool | None = None,
    dtype: DType | None = None,
) -> Array:
    """Soft-DTW between every series of one dataset and every series of another.

    Parameters
    ----------
    dataset1 : array-like of shape (n1, sz1, d), (n1, sz1) or (sz1,), or a list of series
        Series of different lengths are given as a list, or NaN-padded at the end.
    dataset2 : same kinds as dataset1, optional
        Without it, the symmetric matrix of ``dataset1`` against itself is computed from
        one triangle, diagonal included (soft-DTW of a series with itself is not 0).
    gamma : float, default 1.0
        Temperature of the soft minimum, >= 0. ``gamma = 0`` gives DTW squared (tslearn
        returns unsquared DTW there).
    {constraints}
    n_jobs : int or None, default None
        Threads, with joblib's convention: None means 1, -1 all the CPUs this process may use
        (at most ``OMP_NUM_THREADS``), -2 all but one. Larger values are capped at those CPUs;
        a process forked after threads ran computes on one thread.
    verbose : int, default 0
        When non-zero, a progress bar is drawn on stderr.
    be : Backend, str or None
        The backend to compute with.
    compute_with_backend : bool or None, default None
        How soft-DTW runs on tensors: True runs the torch wavefront on the tensors' device,
        False the compiled kernels on a CPU copy, and None the compiled kernels for CPU
        tensors and the wavefront elsewhere; values and gradients are the same. It changes
        nothing on NumPy input, which always runs the compiled kernels.
    dtype : numpy.float32 or numpy.float64, optional
        Data type of the returned matrix (float64 by default); float32 halves its memory.
        On tensors, ``torch.float32`` and ``torch.float64`` are accepted too.

    Returns
    -------
    numpy.ndarray of shape (n1, n2)
        The soft-DTW values; a tensor on the device of the input tensors with the PyTorch
        backend.

    Examples
    --------
    >>> cdist_soft_dtw([[1, 2, 2, 3], [1, 2, 3, 4]], gamma=0.01).round(4)
    array([[-0.011,  1.    ],
           [ 1.    ,  0.    ]])
    >>> cdist_soft_dtw([[1, 2, 3], [1, 2, 2, 3, 4]], [[1, 2, 3]], gamma=0)
    array([[0.],
           [1.]])
    """
    constraint_arguments = (global_constraint, sakoe_chiba_radius, itakura_max_slope)
    gamma, constraint = _check_arguments(gamma, compute_with_backend, constraint_arguments)
    check_n_jobs(n_jobs)
    be = dataset_backend(be, dataset1, dataset2)
    if be.is_pytorch and needs_torch_engine(compute_with_backend, dataset1, dataset2):
        return torch_metrics().cdist_soft_dtw(
            dataset1, dataset2, gamma, constraint, compute_with_backend, dtype
        )
    first, second = to_dataset_pair(dataset1, dataset2)
    check_gamma_fits(gamma, first[1].max(initial=1), second[1].max(initial=1))
    symmetric = dataset2 is None
    matrix = _soft_matrix(
        "cdist_soft_dtw", first, second, symmetric, gamma, constraint, n_jobs, verbose, dtype
    )
    return be.from_numpy(matrix)


@document_constraints
def cdist_soft_dtw_normalized(
    dataset1: Dataset,
    dataset2: Dataset | None = None,
    gamma: float = 1.0,
    global_constraint: str | None = None,
    sakoe_chiba_radius: float | None = None,
    itakura_max_slope: float | None = None,
    n_jobs: int | None = None,
    verbose: int = 0,
    be: Backend | str | None = None,
    compute_with_backend: bool | None = None,
    dtype: DType | None = None,
) -> Array:
    """Soft-DTW divergence between every series of one dataset and every series of another.

    Entry (i, j) is :func:`soft_dtw_normalized` of ``dataset1[i]`` and ``dataset2[j]``.
    Each series' self term ``soft_dtw(x, x)`` is computed once, not once per pair: it is the
    diagonal when ``dataset2`` is None.

    Parameters
    ----------
    dataset1 : array-like of shape (n1, sz1, d), (n1, sz1) or (sz1,), or a list of series
        Series of different lengths are given as a list, or NaN-padded at the end.
    dataset2 : same kinds as dataset1, optional
        Without it, the symmetric matrix of ``dataset1`` against itself is computed from
        one triangle.
    gamma : float, default 1.0
        Temperature of the soft minimum, >= 0. ``gamma = 0`` gives DTW squared (tslearn
        returns unsquared DTW there).
    {constraints}
    n_jobs : int or None, default None
        Threads, with joblib's convention: None means 1, -1 all the CPUs this process may use
        (at most ``OMP_NUM_THREADS``), -2 all but one. Larger values are capped at those CPUs;
        a process forked after threads ran computes on one thread.
    verbose : int, default 0
        When non-zero, a progress bar is drawn on stderr.
    be : Backend, str or None
        The backend to compute with.
    compute_with_backend : bool or None, default None
        How soft-DTW runs on tensors: True runs the torch wavefront on the tensors' device,
        False the compiled kernels on a CPU copy, and None the compiled kernels for CPU
        tensors and the wavefront elsewhere; values and gradients are the same. It changes
        nothing on NumPy input, which always runs the compiled kernels.
    dtype : numpy.float32 or numpy.float64, optional
        Data type of the returned matrix (float64 by default); float32 halves its memory.
        The divergence is formed in float64 before any conversion.
        On tensors, ``torch.float32`` and ``torch.float64`` are accepted too.

    Returns
    -------
    numpy.ndarray of shape (n1, n2)
        The soft-DTW divergences; a tensor on the device of the input tensors with the
        PyTorch backend.

    Examples
    --------
    >>> cdist_soft_dtw_normalized([[1, 2, 2, 3], [1, 2, 3, 4]], gamma=0.01).round(4)
    array([[0.    , 1.0055],
           [1.0055, 0.    ]])
    """
    name = "cdist_soft_dtw_normalized"
    constraint_arguments = (global_constraint, sakoe_chiba_radius, itakura_max_slope)
    gamma, constraint = _check_arguments(gamma, compute_with_backend, constraint_arguments)
    check_n_jobs(n_jobs)
    be = dataset_backend(be, dataset1, dataset2)
    if be.is_pytorch and needs_torch_engine(compute_with_backend, dataset1, dataset2):
        return torch_metrics().cdist_soft_dtw_normalized(
            dataset1, dataset2, gamma, constraint, compute_with_backend, dtype
        )
    first, second = to_dataset_pair(dataset1, dataset2)
    longest = first[1].max(initial=1), second[1].max(initial=1)
    _check_divergence_gamma(gamma, *longest, subject="datasets with longest series")
    out_dtype = output_dtype(dtype)
    symmetric = dataset2 is None
    # In float64: the divergence is a difference of larger numbers.
    matrix = _soft_matrix(name, first, second, symmetric, gamma, constraint, n_jobs, verbose, None)
    if symmetric:
        self_first = self_second = np.diagonal(matrix).copy()
    else:
        self_first = _self_values(first, gamma, constraint, n_jobs)
        self_second = _self_values(second, gamma, constraint, n_jobs)
    matrix -= (self_first[:, None] + self_second[None, :]) / 2
    return be.from_numpy(matrix.astype(out_dtype, copy=False))
