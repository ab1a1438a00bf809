"""Global alignment kernel (GAK): normalised, unnormalised, pairwise matrix, and its sigma.

GAK sums, over all warping paths, the product along the path of the local kernel
``k = exp(-u) / (2 - exp(-u))``, ``u = ||x_i - y_j||^2 / (2 sigma^2)``. That sum overflows
float64 past a few hundred steps and underflows for distant series, so the kernels return
``log K`` (``_kernels/_gak.pyx``), and the normalised kernel ``K(x, y) / sqrt(K(x, x) K(y, y))``
is the exponential of a difference of logs. Each pair runs in linear space with exact
power-of-two rescaling where that keeps full accuracy, else in log space, which never
overflows or underflows.
"""

from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING

import numpy as np

from tswarp._kernels import _gak, _select
from tswarp._threads import check_n_jobs, effective_n_threads
from tswarp.backend import instantiate_backend
from tswarp.metrics._inputs import (
    dataset_backend,
    needs_torch_engine,
    to_dataset_pair,
    to_series_pair,
)
from tswarp.metrics._overflow import times_power_of_two
from tswarp.metrics._pairwise import output_dtype, pairwise_matrix

if TYPE_CHECKING:
    from tswarp._typing import Array, ArrayLike, Dataset, DType
    from tswarp.backend import Backend

# Cells per block of pairs (see pairwise_matrix): tens of milliseconds in linear space, where
# most pairs run, so that the calls' overhead stays near 1%; about a second in log space.
_CELLS_PER_BLOCK = 5e7


def torch_gak():
    """The torch implementations (imports torch: call only for tensors)."""
    from tswarp.metrics import _torch_gak

    return _torch_gak


def check_sigma(sigma):
    """``1 / (2 sigma^2)`` for a valid sigma: a real number > 0 whose scale is a positive
    finite float64 (about 1e-154 < sigma < 1e154), else TypeError or ValueError naming it."""
    if isinstance(sigma, bool) or not isinstance(sigma, numbers.Real):
        raise TypeError(f"sigma must be a real number > 0, got {sigma!r}")
    try:
        value = float(sigma)
    except OverflowError:  # an integer past the float range
        value = math.inf
    if not value > 0:  # NaN fails too
        raise ValueError(f"sigma must be a number > 0, got {sigma!r}")
    scale = 0.5 / value / value
    if not 0 < scale < math.inf:
        raise ValueError(
            f"sigma={sigma!r} is out of range: 1 / (2 sigma^2) must be a positive finite "
            "float64 (about 1e-154 < sigma < 1e154)"
        )
    return scale


# Past this sigma, 1 / (2 sigma^2) nears the subnormal floats, and squared distances that
# overflow can still give moderate u = ||x_i - y_j||^2 / (2 sigma^2): series and sigma are
# then scaled by one power of two, which leaves every u as it is.
_LARGE_SIGMA = 2.0**100


def scaled_for_sigma(sigma, *arrays):
    """(1 / (2 sigma'^2), arrays'): sigma and the arrays (series or padded datasets, float64
    then) multiplied by one power of two 2**-k, so that sigma' lies in [1, 2) when sigma is
    large; as given otherwise. GAK depends on the ratios of distances to sigma only."""
    sigma = float(sigma)
    if sigma <= _LARGE_SIGMA:
        return 0.5 / sigma / sigma, arrays
    k = math.frexp(sigma)[1] - 1
    sigma = math.ldexp(sigma, -k)
    return 0.5 / sigma / sigma, tuple(np.ldexp(a.astype(np.float64), -k) for a in arrays)


def exp_or_inf(log_value):
    """exp(log_value) as a float, inf past the float64 range (math.exp would raise)."""
    return math.exp(log_value) if log_value < 709.78 else math.inf


def log_gak(x, y, scale):
    """log K of two validated series."""
    return _gak.gak_log_value(x, y, scale, _select.BUILD)


def normalized_log(log_xy, log_xx, log_yy):
    """log of K(x, y) / sqrt(K(x, x) K(y, y)), from the three logs."""
    return log_xy - 0.5 * (log_xx + log_yy)


def unnormalized_gak(
    s1: ArrayLike, s2: ArrayLike, sigma: float = 1.0, be: Backend | str | None = None
) -> float | Array:
    """Global alignment kernel between two time series, not normalised.

    The sum, over all warping paths, of the product along the path of the local kernel
    ``exp(-u) / (2 - exp(-u))``, ``u = ||s1[i] - s2[j]||^2 / (2 sigma^2)`` (Cuturi, 2011).
    It grows about like ``5.8 ** length`` for similar series: see :func:`gak` for a value
    that stays in range.

    Parameters
    ----------
    s1 : array-like of shape (sz1,) or (sz1, d)
        A time series. Trailing all-NaN rows are padding and are ignored.
    s2 : array-like of shape (sz2,) or (sz2, d)
        Another time series with the same number of features ``d``.
    sigma : float, default 1.0
        Bandwidth of the Gaussian part of the local kernel, > 0.
    be : Backend, str or None
        The backend to compute with; by default the type of ``s1`` and ``s2`` decides.

    Returns
    -------
    float
        The kernel, computed as its log and exponentiated: ``inf`` only where the value
        itself is beyond the float64 range (past about 400 steps for similar series). On
        tensors, a 0-d float64 tensor on their device, differentiable.

    Raises
    ------
    ValueError
        If ``sigma`` is not > 0 (or NaN, or so extreme that ``1 / (2 sigma^2)`` overflows
        or underflows), if a series is not 1-D or 2-D, is empty or all NaN, has a NaN or
        infinite value inside it, or if the feature sizes differ.
    TypeError
        If ``sigma`` is not a real number or a series holds something other than numbers.

    Examples
    --------
    >>> round(unnormalized_gak([1, 2, 3], [1.0, 2.0, 2.0, 3.0], sigma=2.0), 5)
    15.35819
    """
    scale = check_sigma(sigma)
    if instantiate_backend(be, s1, s2).is_pytorch:
        return torch_gak().unnormalized_gak(s1, s2, scale)
    scale, (x, y) = scaled_for_sigma(sigma, *to_series_pair(s1, s2))
    return exp_or_inf(log_gak(x, y, scale))


def gak(
    s1: ArrayLike, s2: ArrayLike, sigma: float = 1.0, be: Backend | str | None = None
) -> float | Array:
    """Normalised global alignment kernel between two time series, in (0, 1].

    ``K(s1, s2) / sqrt(K(s1, s1) K(s2, s2))`` with ``K`` the kernel of
    :func:`unnormalized_gak`: 1 for two equal series, and larger for more similar ones.
    All three kernels are computed as logs, so that the ratio is right for series of any
    length or distance.

    Parameters
    ----------
    s1 : array-like of shape (sz1,) or (sz1, d)
        A time series. Trailing all-NaN rows are padding and are ignored.
    s2 : array-like of shape (sz2,) or (sz2, d)
        Another time series with the same number of features ``d``.
    sigma : float, default 1.0
        Bandwidth of the Gaussian part of the local kernel, > 0.
    be : Backend, str or None
        The backend to compute with; by default the type of ``s1`` and ``s2`` decides.

    Returns
    -------
    numpy.float64
        The normalised kernel; 0.0 only where it is below the smallest float64. On
        tensors, a 0-d float64 tensor on their device, differentiable.

    Raises
    ------
    ValueError, TypeError
        As :func:`unnormalized_gak`.

    Examples
    --------
    >>> round(float(gak([1, 2, 3], [1.0, 2.0, 2.0, 3.0], sigma=2.0)), 6)
    0.839337
    >>> float(gak([1, 2, 3], [1, 2, 3]))
    1.0
    """
    scale = check_sigma(sigma)
    if instantiate_backend(be, s1, s2).is_pytorch:
        return torch_gak().gak(s1, s2, scale)
    scale, (x, y) = scaled_for_sigma(sigma, *to_series_pair(s1, s2))
    log_value = normalized_log(log_gak(x, y, scale), log_gak(x, x, scale), log_gak(y, y, scale))
    return np.float64(math.exp(min(log_value, 0.0)))  # <= 0 but for rounding


def _log_block(X, x_lengths, Y, y_lengths, rows, cols, scale, out, n_threads):
    _gak.gak_log_pairs(
        X, x_lengths, Y, y_lengths, rows, cols, scale, _select.BUILD, out, n_threads
    )


def _own_logs(dataset, scale, n_jobs):
    """log K(x, x) of every series of a validated dataset, in one call over the pairs (i, i)."""
    X, lengths = dataset
    index = np.arange(len(lengths), dtype=np.intp)
    values = np.empty(len(lengths))
    if len(lengths):
        threads = effective_n_threads(n_jobs, len(lengths))
        _log_block(X, lengths, X, lengths, index, index, scale, values, threads)
    return values


def cdist_gak(
    dataset1: Dataset,
    dataset2: Dataset | None = None,
    sigma: float = 1.0,
    n_jobs: int | None = None,
    verbose: int = 0,
    be: Backend | str | None = None,
    dtype: DType | None = None,
) -> Array:
    """Normalised global alignment kernel between every series of two datasets.

    Entry (i, j) is :func:`gak` of ``dataset1[i]`` and ``dataset2[j]``: a similarity, 1 for
    equal series, larger for more similar ones. Each series' own kernel ``K(x, x)`` is
    computed once, not once per pair: it is the diagonal when ``dataset2`` is None.

    Parameters
    ----------
    dataset1 : array-like of shape (n1, sz1, d), (n1, sz1) or (sz1,), or a list of series
        Series of different lengths are given as a list, or NaN-padded at the end.
    dataset2 : same kinds as dataset1, optional
        Without it, the symmetric matrix of ``dataset1`` against itself is computed from
        one triangle (its diagonal is 1).
    sigma : float, default 1.0
        Bandwidth of the local kernel, > 0, as in :func:`unnormalized_gak`.
    n_jobs : int or None, default None
        Threads, as in :func:`cdist_dtw`.
    verbose : int, default 0
        When non-zero, a progress bar is drawn on stderr.
    be : Backend, str or None
        The backend to compute with.
    dtype : numpy.float32 or numpy.float64, optional
        Data type of the returned matrix (float64 by default); the logs are normalised in
        float64 before any conversion.

    Returns
    -------
    numpy.ndarray of shape (n1, n2)
        On tensors, a tensor; tensors that need a gradient, or live on another device than
        the CPU, run the torch engines and the matrix is differentiable.

    Examples
    --------
    >>> cdist_gak([[1, 2, 2, 3], [1.0, 2.0, 3.0, 4.0]], sigma=2.0).round(6)
    array([[1.      , 0.656297],
           [0.656297, 1.      ]])
    """
    scale = check_sigma(sigma)
    check_n_jobs(n_jobs)
    be = dataset_backend(be, dataset1, dataset2)
    if be.is_pytorch and needs_torch_engine(None, dataset1, dataset2):
        return torch_gak().cdist_gak(dataset1, dataset2, scale, dtype)
    out_dtype = output_dtype(dtype)
    first, second = to_dataset_pair(dataset1, dataset2)
    symmetric = dataset2 is None
    scale, scaled = scaled_for_sigma(sigma, first[0], *(() if symmetric else (second[0],)))
    first = (scaled[0], first[1])
    second = first if symmetric else (scaled[1], second[1])
    logs = pairwise_matrix(
        _log_block,
        first,
        second,
        (scale,),
        symmetric=symmetric,
        with_diagonal=True,
        n_jobs=n_jobs,
        verbose=verbose,
        label="cdist_gak",
        cells_per_block=_CELLS_PER_BLOCK,
    )
    if symmetric:
        own_first = own_second = np.diagonal(logs).copy()
    else:
        own_first, own_second = _own_logs(first, scale, n_jobs), _own_logs(second, scale, n_jobs)
    logs -= 0.5 * (own_first[:, None] + own_second[None, :])
    matrix = np.exp(np.minimum(logs, 0.0, out=logs), out=logs)
    return be.from_numpy(matrix.astype(out_dtype, copy=False))


def _random_state(random_state):
    """NumPy's RandomState for ``random_state``, as scikit-learn's check_random_state: None
    is NumPy's global generator, an integer seeds a new one, a RandomState is used as is."""
    if random_state is None:
        return np.random.mtrand._rand
    if isinstance(random_state, np.random.RandomState):
        return random_state
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        try:
            return np.random.RandomState(random_state)
        except ValueError as error:  # a seed outside NumPy's range
            raise ValueError(
                f"random_state={random_state!r} is not a valid seed: {error}"
            ) from None
    raise ValueError(
        f"random_state must be None, an integer or a numpy.random.RandomState, got "
        f"{random_state!r}"
    )


def _check_n_samples(n_samples):
    if isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral):
        raise TypeError(f"n_samples must be an integer >= 2, got {n_samples!r}")
    if n_samples < 2:
        raise ValueError(f"n_samples must be >= 2 (a distance needs two steps), got {n_samples}")
    return int(n_samples)


def _pairwise_distances(points):
    """Euclidean distances between all pairs (i < j) of rows (values below 1 in magnitude,
    whose squared differences cannot overflow), a row at a time."""
    rows = [np.sqrt(((points[i + 1 :] - points[i]) ** 2).sum(axis=1)) for i in range(len(points))]
    return np.concatenate(rows)


def check_steps_to_draw(count):
    """ValueError naming ``dataset`` unless its series hold two time steps or more in all:
    the bandwidth heuristics draw pairs of steps, and one step pairs with itself only."""
    if count < 2:
        found = "is empty" if count == 0 else "holds a single time step"
        raise ValueError(
            f"dataset must hold at least 2 time steps in all, to draw pairs of steps from; "
            f"it {found}"
        )


def sigma_value(dataset, n_samples, random_state):
    """sigma_gak of a validated dataset (X, lengths), as a float."""
    X, lengths = dataset
    check_steps_to_draw(int(lengths.sum()))
    steps = np.concatenate([X[i, :size] for i, size in enumerate(lengths)]).astype(np.float64)
    # Drawn as tslearn draws them: the same steps for the same random_state.
    chosen = _random_state(random_state).choice(
        len(steps), size=n_samples, replace=len(steps) < n_samples
    )
    # Steps scaled by a power of two below 1 in magnitude (exactly): no square overflows, nor
    # underflows but for differences negligible next to the largest value.
    points = steps[chosen]
    _, e = math.frexp(float(np.abs(points).max()))
    median = float(np.median(_pairwise_distances(np.ldexp(points, -e))))
    return times_power_of_two(median, e) * math.sqrt(X.shape[1])


def sigma_gak(
    dataset: Dataset,
    n_samples: int = 100,
    random_state: int | np.random.RandomState | None = None,
    be: Backend | str | None = None,
) -> float | Array:
    """A bandwidth for GAK from the data: Cuturi's heuristic, as tslearn computes it.

    The median Euclidean distance between time steps drawn at random from all the series,
    times the square root of the series' length.

    Parameters
    ----------
    dataset : array-like of shape (n, sz, d), (n, sz) or (sz,), or a list of series
        Series of different lengths are given as a list, or NaN-padded at the end; ``sz``
        is then the longest length (the padded one).
    n_samples : int, default 100
        How many time steps to draw (with replacement when the dataset holds fewer), >= 2.
    random_state : int, numpy.random.RandomState or None, default None
        The generator that draws them: an integer seeds one, None is NumPy's global
        generator. The same seed draws the same steps as tslearn's.
    be : Backend, str or None
        The backend to compute with.

    Returns
    -------
    numpy.float64
        The suggested sigma, right for data of any magnitude (so, for data beyond about
        1e154 or below 1e-154, outside the range that :func:`gak` accepts: rescale such
        data). On tensors, a 0-d float64 tensor on their device.

    Raises
    ------
    ValueError, TypeError
        If ``n_samples`` is not an integer >= 2, ``random_state`` is not one of the kinds
        above, or the dataset is invalid (as in :func:`cdist_gak`) or holds fewer than 2
        time steps in all.

    Examples
    --------
    >>> round(float(sigma_gak([[1, 2, 2, 3], [1.0, 2.0, 3.0, 4.0]], 200, random_state=0)), 6)
    2.0
    """
    n_samples = _check_n_samples(n_samples)
    be = dataset_backend(be, dataset)
    first, _ = to_dataset_pair(dataset, None)
    value = sigma_value(first, n_samples, random_state)
    if be.is_pytorch:
        return torch_gak().as_tensor_like(value, dataset)
    return np.float64(value)
