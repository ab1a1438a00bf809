"""DTW of huge values: pairs whose squared costs overflow, computed again on the rare path.

The kernels sum squared differences in the dtype of the series, so values past about 1e19
(float32) or 1e154 (float64) overflow to inf although DTW, a square root, may be well within
range. Series are validated finite and infeasible pairs raise (or give NaN) first, so an
infinite kernel result always means overflow. Such a pair runs again in float64 with both
series multiplied by the same power of two, 2**-k, chosen so that no squared cost can
overflow: an exact scaling (no rounding changes, hence the same path) that multiplies the
squared cost by 4**-k. The hot loops stay as they are.
"""

import math

import numpy as np

from tswarp._kernels import _dtw, _select

# Scaled series stay below 2**448 in magnitude: a path's squared cost is then below
# (sz1 + sz2) * d * 2**898, finite for any data that fits in memory, while differences down
# to 2**-959 times the largest value still count (their squares stay normal floats).
_LARGEST_EXPONENT = 448


def rescaled(x, y):
    """(x * 2**-k, y * 2**-k, k) in float64, k >= 0 the smallest that keeps every value of
    both below 2**448."""
    x, y = x.astype(np.float64, copy=False), y.astype(np.float64, copy=False)
    largest = max(float(np.abs(x).max()), float(np.abs(y).max()))
    k = max(0, math.frexp(largest)[1] - _LARGEST_EXPONENT)
    return np.ldexp(x, -k), np.ldexp(y, -k), k


def scaled_back(cost, k):
    """cost * 4**k, or inf past the float64 range (4.0**k alone may not be a float)."""
    return cost * 2.0**k * 2.0**k


def dtw_distance(x, y, lo, hi):
    """DTW of two validated series within a band, right wherever it is a float."""
    cost = _select.dtw_value(x, y, lo, hi)
    return math.sqrt(cost) if cost < math.inf else rescaled_dtw_distance(x, y, lo, hi)


def rescaled_dtw_distance(x, y, lo, hi):
    """DTW of a pair whose squared costs overflowed: computed again on rescaled series."""
    x, y, k = rescaled(x, y)
    return math.sqrt(_select.dtw_value(x, y, lo, hi)) * 2.0**k


def dtw_path_and_cost(x, y, lo, hi):
    """(path, cost, k): the optimal path within a band and its squared cost, cost * 4**k.

    k is 0 unless the squared costs overflow the series' dtype; the path is then the one of
    the rescaled series, which stays in the band (an overflowed run's need not).
    """
    path, cost = _select.dtw_path(x, y, lo, hi)
    if cost < math.inf:
        return path, cost, 0
    x, y, k = rescaled(x, y)
    path, cost = _select.dtw_path(x, y, lo, hi)
    return path, cost, k


def redo_overflowed_pairs(X, x_lengths, Y, y_lengths, rows, cols, constraint, out,
                          distance=dtw_distance):  # fmt: skip
    """Compute again, with ``distance(x, y, lo, hi)`` (overflow-safe), the pairs of a cdist
    block whose value came out as inf in ``out``."""
    for k in np.flatnonzero(np.isinf(out)):
        a, b = rows[k], cols[k]
        x, y = X[a, : x_lengths[a]], Y[b, : y_lengths[b]]
        lo, hi = _dtw.band(len(x), len(y), *constraint)
        out[k] = distance(x, y, lo, hi)


def float32_may_overflow(x, y):
    """Whether some squared path cost of float32 series could pass the float32 range."""
    largest = max(float(np.abs(x).max()), float(np.abs(y).max()))
    cells = x.shape[1] * (len(x) + len(y))
    return (2.0 * largest) ** 2 * cells > float(np.finfo(np.float32).max)
