"""The cost matrix of two series under a user's metric, for the metrics "from metric".

``metric`` is "precomputed" (the first argument is the matrix), a name that
``sklearn.metrics.pairwise_distances`` or ``scipy.spatial.distance.cdist`` accepts, or a
callable on two time steps. "euclidean" and "sqeuclidean" (the defaults of the metrics that
have one) are computed here, from differences, so they need neither library; scikit-learn
and SciPy are imported only for other names.
"""

import math
import numbers
import reprlib

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
            costs[i, j] = _cost(metric(step, other, **kwds), metric, i, j)
    return costs


def _cost(value, metric, i, j):
    """A callable metric's value as a float, or an error saying what it returned: NumPy
    would otherwise reject an array or None with its own words, and take "1.5" as 1.5."""
    if type(value) is float and not math.isnan(value):  # the common case, checked fast
        return value
    number = value
    if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):
        number = value.item()  # a 0-d array or tensor
    if isinstance(number, (bool, np.bool_)) or not isinstance(number, numbers.Real):
        raise TypeError(
            f"metric must return a real number for two time steps, got {_described(value)} "
            f"from {_name(metric)} for steps {i} and {j}"
        )
    if math.isnan(number):
        raise ValueError(f"metric returned NaN from {_name(metric)} for steps {i} and {j}")
    return number


def _name(metric):
    return getattr(metric, "__name__", None) or repr(metric)


def _described(value):
    if getattr(value, "shape", None):  # an array, which may be long
        return f"a {type(value).__name__} of shape {tuple(value.shape)}"
    return f"{reprlib.repr(value)} ({type(value).__name__})"


def _squared_euclidean(x, y):
    # Feature by feature from differences: exact where |x|^2 + |y|^2 - 2 x.y cancels.
    # A difference past the float range is inf, whose square is inf: never NaN.
    costs = np.zeros((len(x), len(y)))
    with np.errstate(over="ignore", under="ignore"):
        for k in range(x.shape[1]):
            costs += (x[:, None, k] - y[None, :, k]) ** 2
    return costs


def euclidean_costs(x, y):
    """(n, m) Euclidean costs of float64 series (n, d) and (m, d), right where the squares
    leave the float range (huge or tiny steps)."""
    costs = np.sqrt(_squared_euclidean(x, y))
    # A square past the range is inf; one below 2**-900 may have lost terms to underflow.
    # Those cells, rare, are summed again as a running hypot, which neither overflows nor
    # underflows.
    rows, cols = np.nonzero(~(costs >= 2.0**-450) | np.isinf(costs))
    if rows.size:
        found = np.zeros(rows.size)
        with np.errstate(over="ignore"):  # a distance past the float range is inf
            differences = x[rows] - y[cols]
            for k in range(x.shape[1]):
                found = np.hypot(found, differences[:, k])
        costs[rows, cols] = found
    return costs


def _named(x, y, metric, kwds):
    if metric == "euclidean" and not kwds:
        return euclidean_costs(x, y)
    if metric == "sqeuclidean" and not kwds:
        return _squared_euclidean(x, y)
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
