"""DTW under a limited warping path length (LDTW): the best path of at most max_length steps.

The dynamic program tracks, for each cell, the cost of the best path for each number of
steps that can still end in time (see ``_kernels/_limited_warping.pyx``). A limit shorter
than the longer series admits no path and raises ``InfeasibleConstraintError``, where
tslearn raises a plain ValueError.
"""

from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING

from tswarp._constraints import NONE, InfeasibleConstraintError, band_for
from tswarp._kernels import _limited_warping
from tswarp.backend import instantiate_backend
from tswarp.metrics._inputs import to_series_pair
from tswarp.metrics._overflow import distance_back, dtw_distance, out_of_range, scaled_for

if TYPE_CHECKING:
    from tswarp._typing import Array, ArrayLike, Path
    from tswarp.backend import Backend


def torch_limited_warping():
    """The torch implementations (imports torch: call only for tensors)."""
    from tswarp.metrics import _torch_limited_warping

    return _torch_limited_warping


def check_max_length(max_length):
    """max_length as an int >= 1 (an integer type: 5.0 and True are rejected)."""
    if isinstance(max_length, bool) or not isinstance(max_length, numbers.Integral):
        raise TypeError(f"max_length must be an integer, got {max_length!r}")
    if max_length < 1:
        raise ValueError(f"max_length must be an integer >= 1, got {max_length!r}")
    return int(max_length)


def feasible_length(max_length, n, m):
    """The limit for series of lengths n and m: at most n + m - 1 (any path fits), and
    InfeasibleConstraintError when below max(n, m), the fewest steps a path can have."""
    if max_length < max(n, m):
        raise InfeasibleConstraintError(
            f"max_length={max_length} admits no warping path between series of lengths {n} "
            f"and {m}: a path has at least max({n}, {m}) = {max(n, m)} steps"
        )
    return min(max_length, n + m - 1)


def limited_distance(x, y, max_length):
    """LDTW of two validated series, right wherever it is a float (as ``dtw_distance``)."""
    n, m = len(x), len(y)
    if max_length == n + m - 1:
        # Every path fits: DTW's value exactly (the same sums, minimised in another order),
        # for n * m cells instead of n * m * min(n, m).
        return dtw_distance(x, y, *band_for(n, m, (NONE, 0.0)))
    cost = _limited_warping.limited_warping_value(x, y, max_length)
    if not out_of_range(cost, x, y):
        return math.sqrt(cost)
    x, y, k = scaled_for(cost, x, y)
    return distance_back(_limited_warping.limited_warping_value(x, y, max_length), k)


def limited_path_and_distance(x, y, max_length):
    """(path, distance) of two validated series, as ``limited_distance``."""
    path, cost = _limited_warping.limited_warping_path(x, y, max_length)
    if not out_of_range(cost, x, y):
        return path, math.sqrt(cost)
    x, y, k = scaled_for(cost, x, y)
    path, cost = _limited_warping.limited_warping_path(x, y, max_length)
    return path, distance_back(cost, k)


def _series_and_length(s1, s2, max_length):
    max_length = check_max_length(max_length)
    x, y = to_series_pair(s1, s2)
    return x, y, feasible_length(max_length, len(x), len(y))


_PARAMETERS = """\
    Parameters
    ----------
    s1 : array-like of shape (sz1,) or (sz1, d)
        A time series. Trailing all-NaN rows are padding and are ignored.
    s2 : array-like of shape (sz2,) or (sz2, d)
        Another time series with the same number of features ``d``.
    max_length : int
        Most time steps (matched pairs) a path may have, at least ``max(sz1, sz2)``. From
        ``sz1 + sz2 - 1`` on, every path is allowed and the result is that of :func:`dtw`.
    be : Backend, str or None
        The backend to compute with; by default the type of ``s1`` and ``s2`` decides."""

_RAISES = """\
    Raises
    ------
    InfeasibleConstraintError
        A ``ValueError``, if ``max_length < max(sz1, sz2)``: no path is that short
        (tslearn raises a plain ``ValueError``).
    ValueError
        If ``max_length < 1``, or a series is not 1-D or 2-D, is empty or all NaN, has a
        NaN or infinite value inside it, or if the feature sizes differ.
    TypeError
        If ``max_length`` is not an integer (``5.0`` and ``True`` are not), or a series
        holds something other than real numbers."""


def dtw_limited_warping_length(
    s1: ArrayLike, s2: ArrayLike, max_length: int, be: Backend | str | None = None
) -> float | Array:
    """DTW between two time series over the warping paths of at most ``max_length`` steps.

    The square root of the smallest sum of squared Euclidean distances between matched
    steps, over the warping paths that match at most ``max_length`` pairs of steps (Zhang
    et al., *Dynamic time warping under limited warping path length*, Information Sciences,
    2017). The work is ``sz1 * sz2 * w`` cells, where
    ``w = min(min(sz1, sz2), max_length - max(sz1, sz2) + 1)`` counts the path lengths
    that a cell can be reached with; memory is two rows of ``sz2 * w`` values.

    {parameters}

    Returns
    -------
    float
        The distance. On tensors, a 0-d tensor of the inputs' dtype on their device,
        differentiable through the optimal path.

    {raises}

    Examples
    --------
    >>> dtw_limited_warping_length([1, 2, 3], [1, 2, 2, 3], 5)
    0.0
    >>> dtw_limited_warping_length([0, 0, 1, 2], [0, 1, 1, 2], 4)
    1.0
    >>> dtw_limited_warping_length([0, 0, 1, 2], [0, 1, 1, 2], 5)
    0.0
    """
    be = instantiate_backend(be, s1, s2)
    if be.is_pytorch:
        return torch_limited_warping().dtw_limited_warping_length(s1, s2, max_length)
    return limited_distance(*_series_and_length(s1, s2, max_length))


def dtw_path_limited_warping_length(
    s1: ArrayLike, s2: ArrayLike, max_length: int, be: Backend | str | None = None
) -> tuple[Path, float | Array]:
    """Optimal warping path of at most ``max_length`` steps, and its DTW distance.

    Of the optimal paths, the one with the fewest steps is returned; walking back from the
    last cell along it, the predecessor of least cost is taken, ties going to the diagonal,
    then to a step in ``s1`` only, then in ``s2`` only (tslearn's rule). A path costs a byte
    for each of the ``sz1 * sz2 * w`` cells of :func:`dtw_limited_warping_length`.

    {parameters}

    Returns
    -------
    path : list of (int, int)
        Index pairs ``(i, j)`` matching ``s1[i]`` with ``s2[j]``, from (0, 0) to the end,
        at most ``max_length`` of them.
    distance : float
        The distance, as :func:`dtw_limited_warping_length`.

    {raises}

    Examples
    --------
    >>> path, distance = dtw_path_limited_warping_length([0, 0, 1, 2], [0, 1, 1, 2], 4)
    >>> path
    [(0, 0), (1, 1), (2, 2), (3, 3)]
    >>> distance
    1.0
    >>> dtw_path_limited_warping_length([0, 0, 1, 2], [0, 1, 1, 2], 5)[0]
    [(0, 0), (1, 0), (2, 1), (2, 2), (3, 3)]
    """
    be = instantiate_backend(be, s1, s2)
    if be.is_pytorch:
        return torch_limited_warping().dtw_path_limited_warping_length(s1, s2, max_length)
    return limited_path_and_distance(*_series_and_length(s1, s2, max_length))


for _function in (dtw_limited_warping_length, dtw_path_limited_warping_length):
    _function.__doc__ = (
        str(_function.__doc__)
        .replace("    {parameters}", _PARAMETERS)
        .replace("    {raises}", _RAISES)
    )
