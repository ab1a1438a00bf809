"""Global constraint masks: which cells of the (sz1, sz2) grid a warping path may visit.

The masks come from the same band computation that the kernels use, so a mask always shows
exactly the cells that a constrained metric computes.
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING

import numpy as np

from tswarp._constraints import (
    ITAKURA,
    SAKOE_CHIBA,
    band_for,
    check_radius,
    check_slope,
    parse_constraint,
)
from tswarp.backend import instantiate_backend

if TYPE_CHECKING:
    from tswarp._typing import Array, ArrayLike
    from tswarp.backend import Backend


def _size(value, name):
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        size = int(value)
    else:
        try:
            size = len(value)
        except TypeError:
            raise TypeError(f"{name} must be a size (int) or a time series") from None
    if size < 1:
        raise ValueError(f"{name} must be at least 1, got {size}")
    return size


def _mask(sz1, sz2, constraint, be):
    sz1, sz2 = _size(sz1, "sz1"), _size(sz2, "sz2")
    mask = np.zeros((sz1, sz2), dtype=bool)
    if constraint[0] in (SAKOE_CHIBA, ITAKURA):
        for i, (start, stop) in enumerate(zip(*band_for(sz1, sz2, constraint), strict=True)):
            mask[i, start:stop] = True
    else:
        mask[:] = True
    return mask if be.is_numpy else be.from_numpy(mask)


def sakoe_chiba_mask(
    sz1: int, sz2: int, radius: float = 1, be: Backend | str | None = None
) -> Array:
    """Sakoe-Chiba band: cells within ``radius`` of the diagonal, widened by ``|sz1 - sz2|``.

    Parameters
    ----------
    sz1 : int
        Length of the first series (the rows).
    sz2 : int
        Length of the second series (the columns).
    radius : int, default 1
        Radius of the band, >= 0.
    be : Backend, str or None
        The backend of the mask; NumPy by default.

    Returns
    -------
    numpy.ndarray or torch.Tensor of shape (sz1, sz2), bool
        True on the admissible cells.

    Examples
    --------
    >>> sakoe_chiba_mask(4, 4, radius=1).astype(int)
    array([[1, 1, 0, 0],
           [1, 1, 1, 0],
           [0, 1, 1, 1],
           [0, 0, 1, 1]])
    """
    return _mask(sz1, sz2, (SAKOE_CHIBA, check_radius(radius)), instantiate_backend(be))


def itakura_mask(
    sz1: int, sz2: int, max_slope: float = 2.0, be: Backend | str | None = None
) -> Array:
    """Itakura parallelogram: paths whose slope stays within [1/max_slope, max_slope].

    Parameters
    ----------
    sz1 : int
        Length of the first series (the rows).
    sz2 : int
        Length of the second series (the columns).
    max_slope : float, default 2.0
        Largest slope of the parallelogram.
    be : Backend, str or None
        The backend of the mask; NumPy by default.

    Returns
    -------
    numpy.ndarray or torch.Tensor of shape (sz1, sz2), bool
        True on the admissible cells.

    Raises
    ------
    ValueError
        If the slope admits no path between the two corners.

    Examples
    --------
    >>> itakura_mask(6, 6, max_slope=3).astype(int)
    array([[1, 0, 0, 0, 0, 0],
           [0, 1, 1, 1, 0, 0],
           [0, 1, 1, 1, 1, 0],
           [0, 1, 1, 1, 1, 0],
           [0, 0, 1, 1, 1, 0],
           [0, 0, 0, 0, 0, 1]])
    """
    return _mask(sz1, sz2, (ITAKURA, check_slope(max_slope)), instantiate_backend(be))


def compute_mask(
    s1: int | ArrayLike,
    s2: int | ArrayLike,
    global_constraint: str | int | None = 0,
    sakoe_chiba_radius: float | None = None,
    itakura_max_slope: float | None = None,
    be: Backend | str | None = None,
) -> Array:
    """Compute the mask of a global constraint, given as for :func:`tswarp.metrics.dtw`.

    Parameters
    ----------
    s1 : int or array-like
        The length of the first series, or the series itself.
    s2 : int or array-like
        The length of the second series, or the series itself.
    global_constraint : {"sakoe_chiba", "itakura"}, int or None, default 0
        A name, or tslearn's integer code (2, 1; 0 for none).
    sakoe_chiba_radius : int or None, default None
        Radius of the Sakoe-Chiba band, as in :func:`tswarp.metrics.dtw`.
    itakura_max_slope : float or None, default None
        Largest slope of the Itakura parallelogram, as in :func:`tswarp.metrics.dtw`.
    be : Backend, str or None
        The backend of the mask; by default the type of ``s1`` and ``s2`` decides.

    Returns
    -------
    numpy.ndarray or torch.Tensor of shape (sz1, sz2), bool
        True on the admissible cells.

    Examples
    --------
    >>> compute_mask(3, 3).astype(int)
    array([[1, 1, 1],
           [1, 1, 1],
           [1, 1, 1]])
    >>> compute_mask(4, 4, "sakoe_chiba", sakoe_chiba_radius=1).astype(int)
    array([[1, 1, 0, 0],
           [1, 1, 1, 0],
           [0, 1, 1, 1],
           [0, 0, 1, 1]])
    """
    be = instantiate_backend(be, s1, s2)
    constraint = parse_constraint(global_constraint, sakoe_chiba_radius, itakura_max_slope)
    return _mask(s1, s2, constraint, be)
