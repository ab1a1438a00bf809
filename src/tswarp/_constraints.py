"""Global constraints: the user's arguments read into one (code, parameter) pair, and the band
of each row that the pair admits. Shared by the NumPy metrics and the torch engine."""

import math
import numbers
import sys

from tswarp._kernels import _dtw

NONE, ITAKURA, SAKOE_CHIBA = 0, 1, 2  # the codes of tslearn's GLOBAL_CONSTRAINT_CODE
GLOBAL_CONSTRAINT_CODE = {None: NONE, "": NONE, "itakura": ITAKURA, "sakoe_chiba": SAKOE_CHIBA}
_CODES = (NONE, ITAKURA, SAKOE_CHIBA)
_RADIUS_CAP = 2**40


def _real(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    try:
        number = float(value)
    except OverflowError:  # an integer beyond the float range means as much as the largest
        number = sys.float_info.max if value > 0 else -sys.float_info.max
    if math.isnan(number):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    return number


def check_radius(radius, name="sakoe_chiba_radius"):
    """A band radius: a whole number >= 0 or inf (2 and 2.0 are fine, 2.5 and True are not)."""
    value = _real(radius, name)
    if value < 0 or not (value == math.inf or value.is_integer()):
        raise ValueError(f"{name} must be a whole number >= 0 (or inf), got {radius!r}")
    # Radii beyond any series length, infinity too, all mean "no constraint" (as in tslearn):
    # clip so C gets a finite int.
    return int(min(value, _RADIUS_CAP))


def check_slope(slope):
    slope = _real(slope, "itakura_max_slope")
    if not 0 < slope < math.inf:
        raise ValueError(f"itakura_max_slope must be a positive finite number, got {slope:g}")
    return slope


def parse_constraint(global_constraint=None, sakoe_chiba_radius=None, itakura_max_slope=None):
    """(code, parameter) from tslearn-style arguments.

    ``global_constraint`` is None, "", "sakoe_chiba", "itakura" or the matching int code.
    Without it, a given ``sakoe_chiba_radius`` or ``itakura_max_slope`` picks its own
    constraint; both together are ambiguous and rejected. Defaults: radius 1, slope 2.
    """
    code = None
    if global_constraint is None or isinstance(global_constraint, str):
        code = GLOBAL_CONSTRAINT_CODE.get(global_constraint)
    elif isinstance(global_constraint, numbers.Integral) and not isinstance(
        global_constraint, bool
    ):
        code = int(global_constraint) if int(global_constraint) in _CODES else None
    if code is None:
        raise ValueError(
            "global_constraint must be None, 'sakoe_chiba' or 'itakura', "
            f"got {global_constraint!r}"
        )
    if code == NONE:
        if sakoe_chiba_radius is not None and itakura_max_slope is not None:
            raise AmbiguousConstraintError(
                "both sakoe_chiba_radius and itakura_max_slope are set: choose one with "
                "global_constraint='sakoe_chiba' or global_constraint='itakura'"
            )
        if sakoe_chiba_radius is not None:
            code = SAKOE_CHIBA
        elif itakura_max_slope is not None:
            code = ITAKURA
    if code == SAKOE_CHIBA:
        return code, check_radius(1 if sakoe_chiba_radius is None else sakoe_chiba_radius)
    if code == ITAKURA:
        return code, check_slope(2.0 if itakura_max_slope is None else itakura_max_slope)
    return NONE, 0.0


def band_for(n, m, constraint):
    """Per-row column ranges (lo, hi) of an (n, m) grid; InfeasibleConstraintError (a
    ValueError) if no path fits."""
    code, parameter = constraint
    limits = _dtw.band(n, m, code, parameter)
    if limits is None:
        raise infeasible(n, m, constraint)
    return limits


class AmbiguousConstraintError(ValueError, RuntimeWarning):
    """Both constraint parameters given and no ``global_constraint`` to choose between them.

    A ValueError, and also a RuntimeWarning, which is what tslearn raises in this case.
    """


class InfeasibleConstraintError(ValueError, RuntimeWarning):
    """No warping path fits the global constraint for the lengths at hand.

    A ValueError, and also a RuntimeWarning: tslearn raises a RuntimeWarning in this case (as
    an exception), so tslearn code that catches RuntimeWarning catches this error too.
    """

    __module__ = "tswarp.metrics"  # where users import it from


def infeasible(n, m, constraint):
    """The error for lengths n and m that no path joins under ``constraint``."""
    return InfeasibleConstraintError(infeasible_message(n, m, constraint))


def infeasible_message(n, m, constraint):
    """Why no warping path fits, and whether a larger slope would help."""
    if n > m and m <= 2:
        # tslearn's parallelogram keeps row 0 alone in the first column and row n - 1 alone
        # in the last, so no slope covers the rows in between.
        return (
            f"no itakura_max_slope admits a warping path between series of lengths {n} and "
            f"{m} (got {constraint[1]:g}); use another global constraint"
        )
    return (
        f"itakura_max_slope={constraint[1]:g} admits no warping path between series of "
        f"lengths {n} and {m}; use a larger slope"
    )
