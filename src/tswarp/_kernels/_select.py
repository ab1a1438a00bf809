"""The one place that chooses which compiled kernel runs, and on which SIMD build.

The compiled entry points trust the strategy they are given (a build index, a strip
height); every choice between them is made here:

- the build (``baseline``, ``avx2``, ``avx512``): the fastest this CPU runs, or the one
  ``TSWARP_SIMD`` asks for, chosen once, at import, for the DTW and soft-DTW kernels alike;
- for one pair of series, the strip height of the anti-diagonal kernels, or the scalar
  kernel, from the band's mean width;
- for a cdist block (DTW, Fréchet, LCSS), which pairs share a SIMD lane group and which run
  one at a time.

It sits below both front ends (:mod:`tswarp.metrics` and the torch Functions), so both
reach the kernels through it. Functions take ``build`` (an index into ``_simd.builds()``)
with the import-time choice as default, so that tests run any build by passing it.
"""

import os

import numpy as np

from tswarp import _warnings
from tswarp._constraints import NONE, SAKOE_CHIBA
from tswarp._kernels import _dtw, _frechet, _lcss, _simd, _soft_dtw

ENVIRONMENT_VARIABLE = "TSWARP_SIMD"
# Every build name any platform may have, from the most portable to the fastest.
KNOWN = ("baseline", "avx2", "avx512")
# A lane group whose useful cells are fewer than this share of all it computes leaves its
# pairs to the scalar kernel.
MIN_EFFICIENCY = 0.25


def choose(request, compiled, available):
    """The build to use for a ``TSWARP_SIMD`` value, and a warning message or None, given
    the names of the builds compiled in and of those the CPU runs."""
    best = available[-1]
    if request is None or request.strip().lower() in ("", "auto"):
        return best, None
    name = request.strip().lower()
    if name not in KNOWN:
        reason = f"is not one of auto, {', '.join(KNOWN)}"
    elif name not in compiled:
        reason = "is not compiled for this platform"
    elif name not in available:
        reason = "is not supported by this CPU"
    else:
        return name, None
    return best, f"{ENVIRONMENT_VARIABLE}={request!r} {reason}; using {best!r}"


def build_index(name):
    """The index of a build this CPU runs, for the ``build`` arguments; ValueError otherwise."""
    if name not in _simd.available():
        raise ValueError(
            f"{name!r} is not one of the builds this CPU can run: {_simd.available()}"
        )
    return _simd.builds().index(name)


_CHOICE, _MESSAGE = choose(os.environ.get(ENVIRONMENT_VARIABLE), _simd.builds(), _simd.available())
if _MESSAGE is not None:
    _warnings.warn(_MESSAGE, RuntimeWarning)
BUILD = _simd.builds().index(_CHOICE)


def variant():
    """The name of the build that runs: ``baseline``, ``avx2`` or ``avx512``."""
    return _CHOICE


def describe():
    """The running builds and why they run, for ``tswarp.show_config()``."""
    if _MESSAGE is not None:
        why = _MESSAGE
    elif _simd.available()[-1] != _CHOICE:
        why = f"forced by {ENVIRONMENT_VARIABLE}"
    else:
        why = f"the fastest of {', '.join(_simd.available())} on this CPU"
    return f"{_CHOICE} ({why}); soft-DTW on {_soft_dtw.soft_lanes(BUILD)} float64 lanes"


# --- one pair: the anti-diagonal kernels or the scalar one ---

# Per build, the mean band width below which the scalar kernel is faster: the narrower the
# vectors, the wider.
_SCALAR_BELOW = [
    4.0 if size >= 64 else 10.0 if size >= 32 else 64.0
    for size in map(_simd.vector_bytes, range(len(_simd.builds())))
]


def strip_vectors(x, y, lo, hi, build=BUILD):
    """The strip height, in vectors (4 or 8), that the anti-diagonal kernels run for this
    band, or 0 when the scalar kernel, which visits the band's cells only, is expected to be
    faster.

    From the mean band width, with thresholds measured on one pair of length 1000
    (Sakoe-Chiba radii 5 to 200 and no band) on 16-, 32- and 64-byte vectors: 4-vector strips
    win in bands up to a few hundred columns wide, where taller strips idle at the band's
    edges, and 8 beyond; the scalar kernel wins in narrow bands, the narrower the vectors the
    wider. float32 series past 2**30 columns always take the scalar kernel: float lanes count
    columns in 32-bit integers.
    """
    if len(y) > 2**30 and x.dtype == np.float32:
        return 0
    cells, rows = _simd.band_cells(lo, hi), len(lo)
    if cells < _SCALAR_BELOW[build] * rows:
        return 0
    return 8 if cells >= 256.0 * rows else 4


def dtw_value(x, y, lo, hi, build=BUILD):
    """Minimal accumulated squared cost of x (n, d) and y (m, d) within a band, from the
    kernel expected to be faster: the same value, bit for bit, whichever runs."""
    vectors = strip_vectors(x, y, lo, hi, build)
    if vectors == 0:
        return _dtw.dtw_value(x, y, lo, hi)
    return _simd.dtw_value_diagonal(build, vectors, x, y, lo, hi)


def dtw_path(x, y, lo, hi, build=BUILD):
    """Optimal path and its minimal accumulated squared cost within a band, as
    :func:`dtw_value` chooses the kernel: the same path and cost whichever runs."""
    vectors = strip_vectors(x, y, lo, hi, build)
    if vectors == 0:
        return _dtw.dtw_path(x, y, lo, hi)
    return _simd.dtw_path_diagonal(build, vectors, x, y, lo, hi)


# --- a cdist block: lane groups, then single pairs ---


def lane_groups(n, m, lanes, code):
    """Split pairs of lengths (n[k], m[k]) into lane groups and single pairs.

    A group computes one pair per lane, every lane over the group's longest lengths, in
    about the time the scalar kernel needs for one or two pairs. Lanes can share a group
    when the band is the same function of the row for each of them within its own grid:
    any lengths without a constraint, equal sz2 - sz1 under a Sakoe-Chiba band, equal
    lengths under an Itakura one. So the pairs are sorted by that key, then by their
    lengths, and cut into groups.

    Returns ``grouped``, pair indices whose consecutive runs of ``lanes`` form the groups (a
    group short of pairs repeats its last one), and ``single``, the pairs left to the scalar
    kernel: those of groups with less than ``MIN_EFFICIENCY`` of their cells useful.
    """
    lengths = n.astype(np.int64) * (int(m.max(initial=0)) + 1) + m
    if code == NONE:
        shared = np.zeros_like(lengths)
    elif code == SAKOE_CHIBA:
        shared = m - n.astype(np.int64)
    else:
        shared = lengths
    order = np.lexsort((lengths, shared))
    key = shared[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else key
    sizes = np.diff(np.r_[starts, len(key)]).astype(np.intp)
    # A run fills its own groups: sorted pair p lands in slot (p - run start) % lanes.
    per_run = -(-sizes // lanes)
    offset = np.arange(len(key)) - np.repeat(starts, sizes)
    group = np.repeat(np.cumsum(per_run) - per_run, sizes) + offset // lanes
    table = np.full((int(per_run.sum()), lanes), -1, dtype=np.intp)
    table[group, offset % lanes] = order
    real = table >= 0
    table = np.where(real, table, table[np.arange(len(table)), real.sum(axis=1) - 1, None])
    useful = np.sum(n[table] * m[table].astype(np.int64) * real, axis=1)
    worst = lanes * n[table].max(axis=1, initial=0) * m[table].max(axis=1, initial=0)
    keep = useful >= MIN_EFFICIENCY * worst
    return table[keep].ravel(), table[~keep][real[~keep]]


def pairs_in_lanes(family, X, x_lengths, Y, y_lengths, rows, cols, code, parameter, out,
                   n_threads, one_by_one, threshold=0.0, build=BUILD):  # fmt: skip
    """out[k] = the value of ``family`` (``_simd.DTW``, ``FRECHET``, ``LCSS``) for the pair
    (X[rows[k]], Y[cols[k]]): the pairs that share lane groups well in the build's lane
    kernel, the others through ``one_by_one(rows, cols, out)``, the family's scalar kernel.
    Both give the same values, bit for bit."""
    if family == _simd.LCSS:
        # LCSS compares squared distances in double whatever the data's type (as its scalar
        # kernel does); float32 values convert to float64 exactly.
        X, Y = X.astype(np.float64, copy=False), Y.astype(np.float64, copy=False)
    lanes = _simd.group_size(build, X.dtype)
    grouped, single = lane_groups(x_lengths[rows], y_lengths[cols], lanes, code)
    if len(grouped):
        values = np.empty(len(grouped))
        _simd.groups(build, family, X, x_lengths, Y, y_lengths, rows[grouped], cols[grouped],
                     code, parameter, threshold, values, n_threads)  # fmt: skip
        out[grouped] = values  # the copies of a repeated pair write the same value
    if len(single):
        values = np.empty(len(single))
        one_by_one(rows[single], cols[single], values)
        out[single] = values


def dtw_pairs(X, x_lengths, Y, y_lengths, rows, cols, code, parameter, out, n_threads,
              build=BUILD):  # fmt: skip
    """out[k] = DTW(X[rows[k]], Y[cols[k]]), with ``_dtw.dtw_pairs``' conventions."""

    def one_by_one(rows, cols, values):
        _dtw.dtw_pairs(X, x_lengths, Y, y_lengths, rows, cols, code, parameter, False, values,
                       n_threads)  # fmt: skip

    pairs_in_lanes(_simd.DTW, X, x_lengths, Y, y_lengths, rows, cols, code, parameter, out,
                   n_threads, one_by_one, build=build)  # fmt: skip


def frechet_pairs(X, x_lengths, Y, y_lengths, rows, cols, code, parameter, out, n_threads,
                  build=BUILD):  # fmt: skip
    """out[k] = Fréchet(X[rows[k]], Y[cols[k]]), with ``_frechet.frechet_pairs``' conventions
    (squared costs that overflow give inf)."""

    def one_by_one(rows, cols, values):
        _frechet.frechet_pairs(X, x_lengths, Y, y_lengths, rows, cols, code, parameter, values,
                               n_threads)  # fmt: skip

    pairs_in_lanes(_simd.FRECHET, X, x_lengths, Y, y_lengths, rows, cols, code, parameter, out,
                   n_threads, one_by_one, build=build)  # fmt: skip


def lcss_pairs(X, x_lengths, Y, y_lengths, rows, cols, code, parameter, threshold, out,
               n_threads, build=BUILD):  # fmt: skip
    """out[k] = LCSS similarity of X[rows[k]] and Y[cols[k]], with ``_lcss.lcss_pairs``'
    conventions (steps match when their squared distance is at most ``threshold``)."""

    def one_by_one(rows, cols, values):
        _lcss.lcss_pairs(X, x_lengths, Y, y_lengths, rows, cols, code, parameter, threshold,
                         values, n_threads)  # fmt: skip

    pairs_in_lanes(_simd.LCSS, X, x_lengths, Y, y_lengths, rows, cols, code, parameter, out,
                   n_threads, one_by_one, threshold, build)  # fmt: skip
