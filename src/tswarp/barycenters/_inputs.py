"""The arguments that every barycenter function shares, each checked once here: the dataset,
the weights, a starting barycenter, the DTW constraint, and the resampling of series to a
length by linear interpolation (the default starting points are made of it)."""

import numbers

import numpy as np

from tswarp._constraints import band_for, parse_constraint
from tswarp.metrics._inputs import (
    check_same_features,
    from_objects,
    host_values,
    to_dataset,
    to_series,
)

CONSTRAINT_KEYS = ("global_constraint", "sakoe_chiba_radius", "itakura_max_slope")


def dataset(X):
    """(padded float64 (n, N, d) array, lengths) of a dataset of at least one series, N the
    longest length.

    Tensors are read on the host; padding rows stay NaN.
    """
    empty = ValueError("X is empty: a barycenter needs at least one time series")
    if isinstance(X, (list, tuple)) and len(X) == 0:
        raise empty
    arr, lengths = to_dataset(X, "X")
    if arr.shape[0] == 0:
        raise empty
    # Padding columns past the longest series are not time steps: kept, they made the
    # default barycenter longer than any series, with NaN means at the extra steps.
    arr = arr[:, : int(lengths.max())]
    return np.ascontiguousarray(arr, dtype=np.float64), lengths


def check_weights(weights, n):
    """The weights of n series as a float64 array: finite, >= 0 and not all zero (ones when
    None)."""
    if weights is None:
        return np.ones(n)
    values = host_values(weights, "weights")
    if values.dtype == object:  # numbers in an object array, read as X's are
        values = from_objects(values, "weights")
    if values.dtype.kind not in "biuf":
        raise TypeError(f"weights must hold real numbers, got dtype {values.dtype}")
    values = values.astype(np.float64)
    if values.shape != (n,):
        raise ValueError(
            f"weights must have one value per series of X, shape ({n},), got shape {values.shape}"
        )
    if not np.isfinite(values).all() or (values < 0).any():
        raise ValueError("weights must be finite and >= 0")
    if not (values > 0).any():
        raise ValueError("weights are all zero: at least one series must have weight > 0")
    return values


# Values between 2**-256 and 2**256 have squares, and sums of those, well inside float64's
# range: data there is used as it is.
_SAFE_EXPONENT = 256


def binary_exponent(*arrays):
    """A power of two, 2**e, that brings the arrays' values near 1 when dividing them: e is
    0 when their largest finite magnitude is between 2**-256 and 2**256, and otherwise the
    e for which it is in [2**(e - 1), 2**e).

    Dividing by 2**e is exact in floating point, and DTW averaging commutes with it: the
    result is bit for bit the same, without squares that overflow (values near 1e200) or
    underflow (near 1e-200) and leave the alignments arbitrary.
    """
    largest = max(float(np.nanmax(np.abs(a), initial=0.0)) for a in arrays)
    if largest == 0 or not np.isfinite(largest):
        return 0
    exponent = int(np.frexp(largest)[1])
    return 0 if abs(exponent) <= _SAFE_EXPONENT else exponent


def unit_weights(weights):
    """Checked weights, scaled by a power of two when their largest is past 2**256 or
    below 2**-256 (see :func:`binary_exponent`).

    Weighted means and DBA's alignments do not change (the scaling is exact), while sums
    of weights near 1e308 no longer overflow, nor does the inverse of a subnormal total.
    """
    return np.ldexp(weights, -binary_exponent(weights))


def check_count(value, name, minimum):
    """An integer >= minimum (bools are refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return int(value)


def check_tol(tol):
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real):
        raise TypeError(f"tol must be a real number, got {tol!r}")
    try:
        value = float(tol)
    except OverflowError:  # an integer past float64's range
        raise ValueError(
            "tol must be a number >= 0, got an integer past float64's range"
        ) from None
    if np.isnan(value):
        raise TypeError(f"tol must be a real number, got {tol!r}")
    if value < 0:
        raise ValueError(f"tol must be >= 0, got {tol!r}")
    return value


def starting_barycenter(init, d, name):
    """A user's starting barycenter as a fresh float64 (sz, d) array (padding removed)."""
    series = to_series(init, name)
    check_same_features(series.shape[1], d, (name, "X"))
    return np.array(series, dtype=np.float64)


def constraint_of(metric_params):
    """The (code, parameter) of a ``metric_params`` dict of DTW constraint arguments."""
    if metric_params is None:
        return parse_constraint()
    if not isinstance(metric_params, dict):
        raise TypeError(f"metric_params must be a dict or None, got {metric_params!r}")
    unknown = sorted(set(metric_params) - set(CONSTRAINT_KEYS))
    if unknown:
        raise ValueError(
            f"metric_params has unknown keys {unknown}; the accepted ones are "
            f"{list(CONSTRAINT_KEYS)}"
        )
    return parse_constraint(**metric_params)


def check_bands(size, lengths, constraint, series_first=False):
    """InfeasibleConstraintError (a ValueError) if a series' length and the barycenter's
    admit no warping path under the constraint."""
    for length in np.unique(lengths):
        n, m = (int(length), size) if series_first else (size, int(length))
        band_for(n, m, constraint)


def resample(series, size):
    """A (sz, d) series linearly interpolated onto ``size`` evenly spaced steps."""
    if len(series) == size:
        return np.array(series, dtype=np.float64)
    old, new = np.linspace(0, 1, len(series)), np.linspace(0, 1, size)
    return np.stack([np.interp(new, old, feature) for feature in series.T], axis=1)
