"""The cost matrix of two series under a user's metric, for the metrics "from metric".

``metric`` is "precomputed" (the first argument is the matrix), a name that
``sklearn.metrics.pairwise_distances`` or ``scipy.spatial.distance.cdist`` accepts, or a
callable on two time steps. "euclidean" and "sqeuclidean" (the defaults of the metrics that
have one) are computed here, from differences, so they need neither library; scikit-learn
and SciPy are imported only for other names.
"""

import numpy as np

from tswarp.metrics._inputs import host_values, to_series_pair


def cost_matrix(s1, s2, metric, kwds):
    """The (sz1, sz2) float64 matrix of the metric between the steps of s1 and s2."""
    if isinstance(metric, str) and metric == "precomputed":
        if s2 is not None:
            raise ValueError('s2 must be None with metric="precomputed": s1 is the cost matrix')
        return _precomputed(s1)
    if not (isinstance(metric, str) or callable(metric)):
        raise TypeError(
            f'metric must be "precomputed", a metric name or a callable, got {metric!r}'
        )
    x, y = to_series_pair(s1, s1 if s2 is None else s2)
    x, y = x.astype(np.float64, copy=False), y.astype(np.float64, copy=False)
    costs = _named(x, y, metric, kwds) if isinstance(metric, str) else _called(x, y, metric, kwds)
    return _checked(costs, "the metric's values")


def _precomputed(matrix):
    costs = host_values(matrix, "s1")
    if costs.ndim != 2 or 0 in costs.shape:
        raise ValueError(
            f'with metric="precomputed", s1 must be a non-empty (sz1, sz2) matrix, got shape '
            f"{costs.shape}"
        )
    if not (np.issubdtype(costs.dtype, np.floating) or np.issubdtype(costs.dtype, np.integer)):
        raise TypeError(f'with metric="precomputed", s1 must hold real numbers, got {costs.dtype}')
    return _checked(costs.astype(np.float64), 's1 (metric="precomputed")')


def _checked(costs, name):
    if np.isnan(costs).any():
        raise ValueError(f"{name} must not hold NaN")
    return np.ascontiguousarray(costs, dtype=np.float64)


def _called(x, y, metric, kwds):
    costs = np.empty((len(x), len(y)))
    for i, step in enumerate(x):
        for j, other in enumerate(y):
            costs[i, j] = metric(step, other, **kwds)
    return costs


def _squared_euclidean(x, y):
    # Feature by feature from differences: exact where |x|^2 + |y|^2 - 2 x.y cancels.
    costs = np.zeros((len(x), len(y)))
    for k in range(x.shape[1]):
        costs += (x[:, None, k] - y[None, :, k]) ** 2
    return costs


def _named(x, y, metric, kwds):
    if metric in ("euclidean", "sqeuclidean") and not kwds:
        costs = _squared_euclidean(x, y)
        return np.sqrt(costs) if metric == "euclidean" else costs
    try:
        from sklearn.metrics import pairwise_distances
    except ImportError:
        pass
    else:
        return pairwise_distances(x, y, metric=metric, **kwds)
    try:
        from scipy.spatial.distance import cdist
    except ImportError:
        raise ImportError(
            f"metric={metric!r} needs scikit-learn or SciPy, neither of which is installed. "
            "Install one with: pip install scikit-learn (or pip install scipy)"
        ) from None
    return cdist(x, y, metric=metric, **kwds)
