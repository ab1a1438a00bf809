"""The Euclidean barycenter: the weighted mean of series of one length, step by step."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tswarp.barycenters._inputs import binary_exponent, check_weights, dataset, unit_weights
from tswarp.metrics._inputs import dataset_backend, to_backend

if TYPE_CHECKING:
    from tswarp._typing import Array, ArrayLike, Dataset


def euclidean_barycenter(X: Dataset, weights: ArrayLike | None = None) -> Array:
    """Weighted mean of equal-length time series, time step by time step.

    Parameters
    ----------
    X : array-like of shape (n_ts, sz, d), (n_ts, sz) or a list of series
        The series, all of the same length.
    weights : array-like of shape (n_ts,), optional
        Non-negative weights of the series, not all zero; equal weights by default.

    Returns
    -------
    numpy.ndarray of shape (sz, d)
        The barycenter, in float64; a float64 tensor on the data's device for tensors.

    Raises
    ------
    ValueError
        If X is empty, its series have different lengths or hold a NaN inside, or the
        weights do not have one finite value >= 0 per series, or are all zero.

    Examples
    --------
    >>> euclidean_barycenter([[1, 2, 3, 4], [1, 2, 4, 5]])
    array([[1. ],
           [2. ],
           [3.5],
           [4.5]])
    >>> euclidean_barycenter([[0, 0], [4, 8]], weights=[3, 1])
    array([[1.],
           [2.]])
    """
    be = dataset_backend(None, X)
    arr, lengths = dataset(X)
    if (lengths != arr.shape[1]).any():
        raise ValueError(
            "euclidean_barycenter needs series of one length, got lengths "
            f"{sorted(set(lengths.tolist()))}; resample them or use dtw_barycenter_averaging"
        )
    w = unit_weights(check_weights(weights, len(arr)))
    # Averaged at a scale near 1, so that the weighted sums of values near 1e308 do not
    # overflow; the powers of two make the scaling exact.
    exponent = binary_exponent(arr)
    mean = np.ldexp(np.tensordot(w, np.ldexp(arr, -exponent), axes=1) / w.sum(), exponent)
    return to_backend(be, mean, X, *(X if isinstance(X, (list, tuple)) else ()))
