"""The names of ``tslearn.metrics.softdtw_variants``, so that code importing from that module
moves over by changing the prefix.

Four functions keep that module's own, older signatures: ``soft_dtw``, ``soft_dtw_alignment``,
``cdist_soft_dtw`` and ``cdist_soft_dtw_normalized`` take ``ts1, ts2`` (or two datasets),
``gamma``, ``be`` and ``compute_with_backend``, in that order, and run the functions of
:mod:`tswarp.metrics` of the same names. Everything else here is defined elsewhere in tswarp.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tswarp import metrics as _metrics
from tswarp.backend import instantiate_backend
from tswarp.metrics import (
    GLOBAL_CONSTRAINT_CODE,
    TSLEARN_VALID_METRICS,
    VARIABLE_LENGTH_METRICS,
    SoftDTW,
    SquaredEuclidean,
    dtw,
    dtw_path,
    gamma_soft_dtw,
    sigma_gak,
)

if TYPE_CHECKING:
    from tswarp._typing import Array, ArrayLike, Dataset
    from tswarp.backend import Backend

__all__ = [
    "GLOBAL_CONSTRAINT_CODE",
    "TSLEARN_VALID_METRICS",
    "VARIABLE_LENGTH_METRICS",
    "SoftDTW",
    "SquaredEuclidean",
    "cdist_soft_dtw",
    "cdist_soft_dtw_normalized",
    "dtw",
    "dtw_path",
    "gamma_soft_dtw",
    "instantiate_backend",
    "sigma_gak",
    "soft_dtw",
    "soft_dtw_alignment",
]

_PAIR = """
    Parameters
    ----------
    ts1, ts2 : array-like of shape (sz1, d) and (sz2, d), or 1-D
        Two time series with the same number of features.
    gamma : float, default 1.0
        Temperature of the soft minimum, >= 0; 0 gives DTW squared.
    be : Backend, str or None, default None
        The backend to compute with; None follows the data.
    compute_with_backend : bool or None, default False
        As in :func:`tswarp.metrics.{name}`, which this calls (False here, as in tslearn's
        module; the value and its gradient are the same whichever runs).
"""

_DATASETS = """
    Parameters
    ----------
    dataset1 : array-like of shape (n1, sz1, d), or a list of series
        The first dataset.
    dataset2 : array-like of shape (n2, sz2, d), a list of series, or None
        The second dataset; None compares ``dataset1`` with itself.
    gamma : float, default 1.0
        Temperature of the soft minimum, >= 0; 0 gives DTW squared.
    be : Backend, str or None, default None
        The backend to compute with; None follows the data.
    compute_with_backend : bool or None, default False
        As in :func:`tswarp.metrics.{name}`, which this calls (False here, as in tslearn's
        module; the values and their gradients are the same whichever runs).
"""

_RAISES = """
    Raises
    ------
    ValueError, TypeError
        On invalid input, as :func:`tswarp.metrics.{name}` does.
"""


def soft_dtw(
    ts1: ArrayLike,
    ts2: ArrayLike,
    gamma: float = 1.0,
    be: Backend | str | None = None,
    compute_with_backend: bool = False,
) -> float | Array:
    """Soft-DTW between two time series, with this module's argument names.
    {parameters}
    Returns
    -------
    float
        Soft-DTW; on tensors, a 0-d float64 tensor.
    {raises}
    Examples
    --------
    >>> soft_dtw([[1], [2], [3]], [[3], [4], [-3]], gamma=1.0)
    41.187627311413216
    """
    return _metrics.soft_dtw(
        ts1, ts2, gamma=gamma, be=be, compute_with_backend=compute_with_backend
    )


def soft_dtw_alignment(
    ts1: ArrayLike,
    ts2: ArrayLike,
    gamma: float = 1.0,
    be: Backend | str | None = None,
    compute_with_backend: bool = False,
) -> tuple[Array, float | Array]:
    """Expected alignment matrix and soft-DTW value, with this module's argument names.
    {parameters}
    Returns
    -------
    (array of shape (sz1, sz2), float)
        The expected alignment and soft-DTW.
    {raises}
    Examples
    --------
    >>> alignment, value = soft_dtw_alignment([1, 2], [1, 2], gamma=0.0)
    >>> alignment
    array([[1., 0.],
           [0., 1.]])
    """
    return _metrics.soft_dtw_alignment(
        ts1, ts2, gamma=gamma, be=be, compute_with_backend=compute_with_backend
    )


def cdist_soft_dtw(
    dataset1: Dataset,
    dataset2: Dataset | None = None,
    gamma: float = 1.0,
    be: Backend | str | None = None,
    compute_with_backend: bool = False,
) -> Array:
    """Soft-DTW between the series of two datasets, with this module's arguments.
    {parameters}
    Returns
    -------
    array of shape (n1, n2)
        The matrix of soft-DTW values (float64).
    {raises}
    Examples
    --------
    >>> cdist_soft_dtw([[1, 2, 2, 3], [1, 2, 3, 4]], gamma=0.0)
    array([[0., 1.],
           [1., 0.]])
    """
    return _metrics.cdist_soft_dtw(
        dataset1, dataset2, gamma=gamma, be=be, compute_with_backend=compute_with_backend
    )


def cdist_soft_dtw_normalized(
    dataset1: Dataset,
    dataset2: Dataset | None = None,
    gamma: float = 1.0,
    be: Backend | str | None = None,
    compute_with_backend: bool = False,
) -> Array:
    """Soft-DTW divergence between the series of two datasets, with this module's arguments.
    {parameters}
    Returns
    -------
    array of shape (n1, n2)
        The matrix of divergences (float64), 0 between equal series.
    {raises}
    Examples
    --------
    >>> cdist_soft_dtw_normalized([[1, 2, 2, 3], [1, 2, 3, 4]], gamma=0.0)
    array([[0., 1.],
           [1., 0.]])
    """
    return _metrics.cdist_soft_dtw_normalized(
        dataset1, dataset2, gamma=gamma, be=be, compute_with_backend=compute_with_backend
    )


# The four docstrings share their Parameters and Raises sections.
for _function, _parameters in [
    (soft_dtw, _PAIR),
    (soft_dtw_alignment, _PAIR),
    (cdist_soft_dtw, _DATASETS),
    (cdist_soft_dtw_normalized, _DATASETS),
]:
    _function.__doc__ = str(_function.__doc__).format(
        parameters=_parameters.format(name=_function.__name__),
        raises=_RAISES.format(name=_function.__name__),
    )
