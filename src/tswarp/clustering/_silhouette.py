"""The silhouette coefficient of a clustering of time series, from a distance matrix of
the chosen metric (DTW by default).

For a series i of cluster A, a(i) is its mean distance to the other series of A and b(i)
the least, over the other clusters B, of its mean distance to the series of B; its
silhouette is (b - a) / max(a, b), and 0 when A holds i alone. The score is the mean.
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, Any

import numpy as np

from tswarp.clustering._common import check_random_state, dataset
from tswarp.metrics import cdist_dtw, cdist_soft_dtw_normalized

if TYPE_CHECKING:
    from collections.abc import Callable

    from tswarp._typing import ArrayLike, Dataset

_DISCARDED = ("be", "n_jobs", "verbose")


def silhouette_score(
    X: Dataset,
    labels: ArrayLike,
    metric: str | Callable[..., float] | None = None,
    sample_size: int | None = None,
    metric_params: dict[str, Any] | None = None,
    n_jobs: int | None = None,
    verbose: int = 0,
    random_state: int | np.random.RandomState | None = None,
    **kwds: Any,
) -> float:
    """Mean silhouette coefficient of a clustering of time series.

    Parameters
    ----------
    X : array-like of shape (n_ts, sz, d) or (n_ts, sz), a list of series, or a matrix \
of shape (n_ts, n_ts)
        The series (different lengths as a list or NaN-padded), or their distance matrix
        with ``metric="precomputed"``.
    labels : array-like of shape (n_ts,)
        The cluster of each series: between 2 and n_ts - 1 distinct labels.
    metric : {"dtw", "softdtw", "euclidean", "precomputed"}, callable or None, default None
        "dtw" (also None): :func:`~tswarp.metrics.cdist_dtw`; "softdtw": the normalised
        soft-DTW :func:`~tswarp.metrics.cdist_soft_dtw_normalized`; "euclidean": the
        distance of the flattened series (of one length); a callable is called on each pair
        of series (without their padding) and returns their distance.
    sample_size : int or None, default None
        Score a random subset of this many series (drawn from ``random_state``, as
        scikit-learn draws it) instead of all.
    metric_params : dict or None, default None
        Keyword arguments of the metric (its constraint, ``gamma``, or the callable's);
        ``be``, ``n_jobs`` and ``verbose`` keys are ignored.
    n_jobs : int or None, default None
        Threads of the distance matrix, joblib's convention.
    verbose : int, default 0
        When non-zero, a progress bar for the distance matrix.
    random_state : int, numpy.random.RandomState or None, default None
        The generator of the subset, with ``sample_size``.
    **kwds
        More keyword arguments of the metric, as ``metric_params``.

    Returns
    -------
    float
        The mean silhouette, in [-1, 1]: higher for denser, better separated clusters.

    Raises
    ------
    ValueError
        If the number of distinct labels is not between 2 and n_ts - 1, the labels do not
        have one entry per series, X is invalid, or ``sample_size`` is out of range.

    Examples
    --------
    >>> from tswarp.clustering import silhouette_score
    >>> X = [[0, 0, 1, 2, 1], [0, 1, 2, 1, 0, 0], [5, 5, 6], [5, 6, 6, 5]]
    >>> round(silhouette_score(X, [0, 0, 1, 1], metric="dtw"), 4)
    0.8878
    """
    params = {} if metric_params is None else dict(metric_params)
    params.update(kwds)
    for key in _DISCARDED:
        params.pop(key, None)
    D = _distance_matrix(X, metric, params, n_jobs, verbose)
    labels = np.asarray(labels)
    if labels.shape != (len(D),):
        raise ValueError(
            f"labels must have one entry per series, shape ({len(D)},), got {labels.shape}"
        )
    if sample_size is not None:
        if isinstance(sample_size, bool) or not isinstance(sample_size, numbers.Integral):
            raise TypeError(f"sample_size must be an integer or None, got {sample_size!r}")
        if not 0 < sample_size <= len(D):
            raise ValueError(f"sample_size must be in [1, {len(D)}], got {sample_size}")
        chosen = check_random_state(random_state).permutation(len(D))[:sample_size]
        D, labels = D[np.ix_(chosen, chosen)], labels[chosen]
    return float(np.mean(_silhouettes(D, labels)))


def _distance_matrix(X, metric, params, n_jobs, verbose):
    if isinstance(metric, str) and metric == "precomputed":
        D = np.asarray(X)
        if D.ndim != 2 or D.shape[0] != D.shape[1] or D.dtype.kind not in "biuf":
            raise ValueError(
                f"X must be a square matrix of distances with metric='precomputed', got "
                f"shape {D.shape} and dtype {D.dtype}"
            )
        D = D.astype(np.float64)
        if not np.isfinite(D).all() or (D < 0).any() or np.any(np.diagonal(D) != 0):
            raise ValueError(
                "X must hold finite distances >= 0 with a zero diagonal (metric='precomputed')"
            )
        return D
    if metric is None or (isinstance(metric, str) and metric == "dtw"):
        return cdist_dtw(X, n_jobs=n_jobs, verbose=verbose, **params)
    if isinstance(metric, str) and metric == "softdtw":
        return cdist_soft_dtw_normalized(X, n_jobs=n_jobs, verbose=verbose, **params)
    if isinstance(metric, str) and metric == "euclidean":
        data, _ = dataset(X, True, "for metric='euclidean'")
        flat = data.reshape(len(data), -1)
        return np.sqrt(np.stack([((flat - row) ** 2).sum(axis=1) for row in flat]))
    if callable(metric):
        data, lengths = dataset(X)
        series = [s[:length] for s, length in zip(data, lengths, strict=True)]
        D = np.zeros((len(series), len(series)))
        for i in range(len(series)):
            for j in range(i + 1, len(series)):
                D[i, j] = D[j, i] = float(metric(series[i], series[j], **params))
        return D
    raise ValueError(
        f"metric must be 'dtw', 'softdtw', 'euclidean', 'precomputed', a callable or None, "
        f"got {metric!r}"
    )


def _silhouettes(D, labels):
    """The silhouette of each series from the distance matrix D."""
    names, codes = np.unique(labels, return_inverse=True)
    if not 1 < len(names) < len(D):
        raise ValueError(
            f"labels hold {len(names)} distinct values: the silhouette needs between 2 and "
            f"n_ts - 1 = {len(D) - 1}"
        )
    sizes = np.bincount(codes)
    totals = np.stack([D[:, codes == c].sum(axis=1) for c in range(len(names))], axis=1)
    rows = np.arange(len(D))
    own = sizes[codes]
    a = totals[rows, codes] / np.maximum(own - 1, 1)
    means = totals / sizes
    means[rows, codes] = np.inf
    b = means.min(axis=1)
    with np.errstate(invalid="ignore"):
        s = np.where(own > 1, (b - a) / np.maximum(a, b), 0.0)
    return np.nan_to_num(s)
