"""DTW under any cost between time steps: the optimal path over a cost matrix.

The matrix comes from ``cost_matrix`` (a precomputed matrix, a metric name or a callable);
the DTW recurrence then runs on it in the compiled kernel, and the value is the sum of the
costs along the optimal path, with no square root taken.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from tswarp._constraints import band_for, parse_constraint
from tswarp._kernels import _dtw
from tswarp.backend import instantiate_backend
from tswarp.metrics._constraints import document_constraints
from tswarp.metrics._from_metric import cost_matrix

if TYPE_CHECKING:
    from collections.abc import Callable

    from tswarp._typing import Array, ArrayLike, Path
    from tswarp.backend import Backend


def path_of_costs(costs, constraint):
    """(path, value) of a validated float64 cost matrix within the constraint's band."""
    return _dtw.dtw_path_of_costs(costs, *band_for(*costs.shape, constraint))


def _torch_path_from_metric(s1, s2, metric, constraint, kwds):
    """On tensors: the path from a host copy, the value summed in torch (differentiable)."""
    import torch

    from tswarp.metrics._torch_from_metric import cost_matrix as tensor_cost_matrix
    from tswarp.metrics._torch_from_metric import host_costs

    costs = tensor_cost_matrix(s1, s2, metric, kwds)
    path, _ = path_of_costs(host_costs(costs), constraint)
    rows, cols = torch.tensor(path, dtype=torch.int64, device=costs.device).T
    return path, costs[rows, cols].sum()


@document_constraints
def dtw_path_from_metric(
    s1: ArrayLike,
    s2: ArrayLike | None = None,
    metric: str | Callable[..., float] = "euclidean",
    global_constraint: str | None = None,
    sakoe_chiba_radius: float | None = None,
    itakura_max_slope: float | None = None,
    be: Backend | str | None = None,
    **kwds: Any,
) -> tuple[Path, float | Array]:
    """Optimal warping path and DTW score under any cost between time steps.

    The path minimises the sum of the costs between matched steps, as :func:`dtw_path` does
    with squared Euclidean costs; the score is that sum itself, with no square root taken.
    With ``metric="sqeuclidean"`` the path is that of :func:`dtw_path` and the score its
    distance squared.

    Parameters
    ----------
    s1 : array-like of shape (sz1,) or (sz1, d), or (sz1, sz2) with ``metric="precomputed"``
        A time series (trailing all-NaN rows are padding and are ignored), or the matrix of
        costs between the steps of two series.
    s2 : array-like of shape (sz2,) or (sz2, d), optional
        The other time series (``s1`` itself when omitted); must be None when
        ``metric="precomputed"``.
    metric : str or callable, default "euclidean"
        ``"precomputed"``, a metric name that ``sklearn.metrics.pairwise_distances`` accepts
        (or, without scikit-learn, ``scipy.spatial.distance.cdist``), or a callable on two
        time steps (1-D arrays) returning their cost. On tensors, "precomputed",
        "euclidean", "sqeuclidean" or a callable on tensors.
    {constraints}
    be : Backend, str or None
        The backend to compute with; by default the type of the data decides.
    **kwds
        Passed on to the metric.

    Returns
    -------
    path : list of (int, int)
        Index pairs ``(i, j)`` from (0, 0) to the last cell. Of equally good paths, the one
        that prefers a diagonal step, then a step in ``s1`` only, then in ``s2`` only, when
        walking back from the last cell (tslearn's choice).
    score : numpy.float64
        The sum of the costs along the path. On tensors, a 0-d tensor on the costs' device,
        differentiable through the costs along the path (and so through the series for a
        metric computed in torch).

    Raises
    ------
    ValueError
        If a series is invalid (as for :func:`dtw`), if a precomputed matrix is not a
        non-empty 2-D matrix or holds NaN, if a callable metric returns NaN, if ``s2`` is
        given with "precomputed", or if a constraint argument is invalid or admits no path.
    TypeError
        If ``metric`` is neither a string nor a callable, a callable metric returns
        something other than a real number (an array, None, a string), or the data are not
        real numbers.
    ImportError
        If a metric name other than "euclidean" or "sqeuclidean" is given and neither
        scikit-learn nor SciPy is installed.

    Examples
    --------
    >>> path, score = dtw_path_from_metric([1, 2, 3], [1, 2, 2, 4], metric="sqeuclidean")
    >>> path, float(score)
    ([(0, 0), (1, 1), (1, 2), (2, 3)], 1.0)
    >>> def cityblock(a, b):
    ...     return abs(a - b).sum()
    >>> path, score = dtw_path_from_metric([1, 2, 3], [1, 2, 2, 5], metric=cityblock)
    >>> float(score)
    2.0
    >>> dtw_path_from_metric([[0, 1, 4], [1, 0, 1]], metric="precomputed")
    ([(0, 0), (1, 1), (1, 2)], np.float64(1.0))
    """
    be = instantiate_backend(be, s1, s2)
    constraint = parse_constraint(global_constraint, sakoe_chiba_radius, itakura_max_slope)
    if be.is_pytorch:
        return _torch_path_from_metric(s1, s2, metric, constraint, kwds)
    path, score = path_of_costs(cost_matrix(s1, s2, metric, kwds), constraint)
    return path, np.float64(score)
