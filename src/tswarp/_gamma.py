"""The soft-min temperature ``gamma``: its type, its sign, and how large the lengths let it be.

Each soft minimum lowers a value by at most ``gamma * log(3)`` below the hard minimum, and a
warping path of series of lengths n and m passes n + m - 1 cells, so soft-DTW lies within
``gamma * log(3) * (n + m)`` below DTW squared. The kernels also subtract two such values, and
the divergence adds two self terms, so ``2 * gamma * log(3) * (n + m)`` must stay finite: the
largest usable gamma is the largest float over that factor.
"""

import math
import numbers
import sys

_LOG3 = math.log(3.0)


def check_gamma(gamma, positive=False):
    """gamma as a float: a finite number >= 0 (> 0 with ``positive``), else TypeError or
    ValueError naming it. A 0-d array or tensor counts as the number it holds, as
    ``gamma_soft_dtw`` may return one."""
    bound = "> 0" if positive else ">= 0"
    number = (
        gamma.item() if getattr(gamma, "ndim", None) == 0 and hasattr(gamma, "item") else gamma
    )
    if isinstance(number, bool) or not isinstance(number, numbers.Real):
        raise TypeError(f"gamma must be a real number {bound}, got {gamma!r}")
    try:
        value = float(number)
    except OverflowError:  # an integer past the float range
        raise ValueError(
            f"gamma must be a finite number {bound}, got an integer past the float64 range"
        ) from None
    if not (0 < value if positive else 0 <= value) or not value < math.inf:  # NaN fails too
        raise ValueError(f"gamma must be a finite number {bound}, got {gamma!r}")
    return value


def largest_gamma(n, m, largest=sys.float_info.max):
    """The largest gamma whose soft-DTW values stay below ``largest`` for lengths n and m."""
    return largest / (2.0 * _LOG3 * (int(n) + int(m)))


def check_gamma_fits(gamma, n, m, largest=sys.float_info.max, dtype_name="float64"):
    """ValueError unless gamma <= largest_gamma(n, m): the longest lengths at hand."""
    limit = largest_gamma(n, m, largest)
    if gamma > limit:
        raise ValueError(
            f"gamma={gamma:g} is too large for series of lengths {n} and {m}: soft-DTW would "
            f"overflow {dtype_name}; use 0 <= gamma <= {limit!r}"
        )
