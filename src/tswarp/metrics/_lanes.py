"""Pairwise DTW blocks in SIMD lanes: pairs of equal or similar lengths share a lane group.

A group of the running build (``tswarp._kernels._simd``) computes one pair per lane, every lane
over the group's longest lengths, in about the time the scalar kernel needs for one or two
pairs. Lanes can share a group when the band is the same function of the row for each of them
within its own grid: any lengths without a constraint, equal sz2 - sz1 under a Sakoe-Chiba
band, equal lengths under an Itakura one. So the pairs of a block are sorted by that key, then
by their lengths, and cut into groups. A group whose lanes would mostly compute padding or cells
past their own lengths (less than ``MIN_EFFICIENCY`` of its cells useful) leaves its pairs to
the scalar kernel instead.
"""

import numpy as np

from tswarp._constraints import NONE, SAKOE_CHIBA
from tswarp._kernels import _dtw, _simd
from tswarp.metrics._overflow import redo_overflowed_pairs

MIN_EFFICIENCY = 0.25


def lane_groups(n, m, lanes, code):
    """Split pairs of lengths (n[k], m[k]) into lane groups and single pairs.

    Returns ``grouped``, pair indices whose consecutive runs of ``lanes`` form the groups (a
    group short of pairs repeats its last one), and ``single``, the pairs left to the scalar
    kernel. ``code`` is the constraint's, which decides which lengths may share a group.
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


def dtw_block(X, x_lengths, Y, y_lengths, rows, cols, code, parameter, out, n_threads):
    """``pairwise_matrix``'s kernel for DTW: lane groups, then the single pairs."""
    lanes = _simd.group_size(X.dtype)
    grouped, single = lane_groups(x_lengths[rows], y_lengths[cols], lanes, code)
    for kernel, index in ((_simd.dtw_groups, grouped), (_dtw.dtw_pairs, single)):
        if len(index):
            values = np.empty(len(index))
            kernel(X, x_lengths, Y, y_lengths, rows[index], cols[index], code, parameter,
                   values, n_threads)  # fmt: skip
            out[index] = values  # the copies of a repeated pair write the same value
    redo_overflowed_pairs(X, x_lengths, Y, y_lengths, rows, cols, (code, parameter), out)
