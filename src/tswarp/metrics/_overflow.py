"""DTW of huge or tiny values: pairs whose squared costs left the float range, done again.

The kernels sum squared differences in the dtype of the series, so values past about 1e19
(float32) or 1e154 (float64) overflow to inf although DTW, a square root, may be well within
range. Series are validated finite and infeasible pairs raise (or give NaN) first, so an
infinite kernel result always means overflow. Such a pair runs again in float64 with both
series multiplied by the same power of two, 2**-k, chosen so that no squared cost can
overflow: an exact scaling (no rounding changes, hence the same path) that multiplies the
squared cost by 4**-k. The hot loops stay as they are.

At the other end, differences below about 1e-19 (float32) or 1e-154 (float64) have squares
that underflow, to 0 or to subnormals with few bits, so tiny series get a cost of 0 or a
badly rounded one. A pair whose cost and largest value are both tiny runs again, scaled up
by a power of two (k < 0). Ordinary data never qualifies: equal series of ordinary values
have a cost of exactly 0, but not a tiny largest value.
"""

import math

import numpy as np

from tswarp._kernels import _dtw, _select

# Scaled series stay below 2**448 in magnitude: a path's squared cost is then below
# (sz1 + sz2) * d * 2**898, finite for any data that fits in memory, while differences down
# to 2**-959 times the largest value still count (their squares stay normal floats).
_LARGEST_EXPONENT = 448

# Per dtype: (largest value, squared cost) under which a pair may have lost squares to
# underflow. Above the first, a difference whose square leaves the normal range is below
# 2**-43 times the largest value (float64: 2**-111), under the data's own rounding; above
# the second, squares lost (each below the smallest normal) cannot change the cost.
FLOAT32_TINY = (2.0**-20, 2.0**-60)
FLOAT64_TINY = (2.0**-400, 2.0**-900)


def _tiny_bounds(dtype):
    return FLOAT32_TINY if dtype == np.float32 else FLOAT64_TINY


def largest_value(x, y):
    """The largest absolute value of two series."""
    return max(float(np.abs(x).max()), float(np.abs(y).max()))


def rescaled(x, y, up=False):
    """(x * 2**-k, y * 2**-k, k) in float64: k >= 0 the smallest that keeps every value of
    both below 2**448, or with ``up`` the k (then < 0) that brings the largest to
    [2**447, 2**448)."""
    x, y = x.astype(np.float64, copy=False), y.astype(np.float64, copy=False)
    k = math.frexp(largest_value(x, y))[1] - _LARGEST_EXPONENT
    k = k if up else max(0, k)
    return np.ldexp(x, -k), np.ldexp(y, -k), k


def times_power_of_two(value, k):
    """value * 2**k rounded once (subnormal results too), or inf past the float64 range."""
    try:
        return math.ldexp(value, k)
    except OverflowError:
        return math.inf


def scaled_back(cost, k):
    """cost * 4**k, or inf past the float64 range (4.0**k alone may not be a float)."""
    return times_power_of_two(cost, 2 * k)


def distance_back(cost, k):
    """The distance sqrt(cost) * 2**k of a squared cost computed on series scaled by 2**-k."""
    return times_power_of_two(math.sqrt(cost), k)


def may_have_underflowed(cost, x, y):
    """Whether a kernel's squared cost of x and y may have lost squares to underflow: the
    cost (0 included) and the series' largest value are both tiny, not 0."""
    largest, cost_bound = _tiny_bounds(x.dtype)
    return cost < cost_bound and 0.0 < largest_value(x, y) < largest


def out_of_range(cost, x, y):
    """Whether a kernel's squared cost of x and y must be computed again, scaled: inf
    (overflow), or tiny for tiny series (underflow)."""
    return not cost < math.inf or may_have_underflowed(cost, x, y)


def scaled_for(cost, x, y):
    """``rescaled(x, y)`` that suits a kernel's squared cost needing it (``out_of_range``):
    scaled down after an overflow, up after an underflow."""
    return rescaled(x, y, up=cost < math.inf)


def dtw_distance(x, y, lo, hi):
    """DTW of two validated series within a band, right wherever it is a float."""
    cost = _select.dtw_value(x, y, lo, hi)
    if not out_of_range(cost, x, y):
        return math.sqrt(cost)
    x, y, k = scaled_for(cost, x, y)
    return distance_back(_select.dtw_value(x, y, lo, hi), k)


def dtw_squared_cost(x, y, lo, hi):
    """DTW's squared cost of two validated series within a band (soft-DTW at gamma = 0),
    rounded once from the exact one wherever it is a float: inf only past the range."""
    cost = _select.dtw_value(x, y, lo, hi)
    if not out_of_range(cost, x, y):
        return cost
    x, y, k = scaled_for(cost, x, y)
    return scaled_back(_select.dtw_value(x, y, lo, hi), k)


def dtw_path_and_cost(x, y, lo, hi):
    """(path, cost, k): the optimal path within a band and its squared cost, cost * 4**k.

    k is 0 unless the squared costs leave the series' dtype's range; the path is then the
    one of the rescaled series, which stays in the band (an overflowed run's need not) and
    is optimal (an underflowed run sees ties that are none).
    """
    path, cost = _select.dtw_path(x, y, lo, hi)
    if not out_of_range(cost, x, y):
        return path, cost, 0
    x, y, k = scaled_for(cost, x, y)
    path, cost = _select.dtw_path(x, y, lo, hi)
    return path, cost, k


def _tiny_pairs(X, Y, rows, cols, out):
    """Where a cdist block's distances may have lost squares to underflow (as
    ``may_have_underflowed``); the largest values are looked at for tiny results only."""
    largest, cost_bound = _tiny_bounds(X.dtype)
    (candidates,) = np.nonzero(out < math.sqrt(cost_bound))
    if not candidates.size:
        return candidates
    top = np.maximum(_largest_of(X, rows[candidates]), _largest_of(Y, cols[candidates]))
    return candidates[(top > 0) & (top < largest)]


def _largest_of(X, indices):
    """The largest absolute value of each series X[indices] (NaN padding skipped)."""
    chosen, where = np.unique(indices, return_inverse=True)
    values = np.abs(X[chosen]).reshape(len(chosen), -1)
    return np.fmax.reduce(values, axis=1)[where]


def redo_overflowed_pairs(X, x_lengths, Y, y_lengths, rows, cols, constraint, out,
                          distance=dtw_distance):  # fmt: skip
    """Compute again, with ``distance(x, y, lo, hi)`` (safe at both ends of the range), the
    pairs of a cdist block whose value came out inf, or tiny for tiny series."""
    redo = np.union1d(np.flatnonzero(np.isinf(out)), _tiny_pairs(X, Y, rows, cols, out))
    for k in redo:
        a, b = rows[k], cols[k]
        x, y = X[a, : x_lengths[a]], Y[b, : y_lengths[b]]
        lo, hi = _dtw.band(len(x), len(y), *constraint)
        out[k] = distance(x, y, lo, hi)


def float32_may_overflow(x, y):
    """Whether some squared path cost of float32 series could pass the float32 range."""
    largest = largest_value(x, y)
    cells = x.shape[1] * (len(x) + len(y))
    return (2.0 * largest) ** 2 * cells > float(np.finfo(np.float32).max)


def float32_may_underflow(x, y):
    """Whether float32 series are tiny enough for their squared differences to underflow
    (as in ``may_have_underflowed``): float64 then holds them."""
    return 0.0 < largest_value(x, y) < FLOAT32_TINY[0]
