"""Skewed (diagonal-major) storage of the DP tables and the loop schedule that walks it.

The DP tables use bordered coordinates: row i in 0..n and column j in 0..m, where cell (i, j)
with i, j >= 1 holds the cost C[i - 1, j - 1], R[0, 0] = 0 and the rest of the border is +inf.
All cells with i + j = e lie on diagonal e and depend only on diagonals e - 1 and e - 2, so
one vectorised step computes a whole diagonal.

Diagonal e is stored in a window of ``width`` slots: slot r holds row ``base[e] + r``. A plan
computes, on each diagonal, only the rows ``lo[e]..hi[e]`` of the hull of the cells that some
pair of the batch may visit (the whole grid, or the union of the bands). Each window is just
wide enough for the reads of the forward step (rows shifted by -1 on e - 1 and e - 2) and of
the backward step (rows shifted by +1 on e + 1 and e + 2), so every step reads and writes
contiguous slices whose bounds are plain Python ints: no device synchronisation in the loops.
With a band of width w the tables hold O((n + m) w) slots per pair instead of O(n m).

Tables are laid out (diagonal, slot, [3,] batch): the batch is innermost so that the slice of
one step is one contiguous block for the whole batch.
"""

import functools

import numpy as np
import torch


class Plan:
    """Geometry of the skewed tables for an (n, m) grid and one hull of admissible cells.

    Attributes (host side): ``n``, ``m``, ``length`` (number of stored diagonals, n + m + 3:
    two spare diagonals past the end keep the backward reads in range), ``width`` (slots per
    diagonal), ``base`` / ``lo`` / ``hi`` (int arrays over diagonals), ``origin`` (slot of
    R[0, 0] on diagonal 0, or None when no path starts there), and the step tables
    ``forward_steps`` / ``backward_steps`` of slice offsets.
    """

    def __init__(self, n, m, rows=None):
        self.n, self.m = n, m
        self.length = n + m + 3
        self.lo, self.hi = _diagonal_hull(n, m, rows, self.length)
        self.base, self.width = _windows(self.lo, self.hi, self.length)
        # Python ints: slicing with them is cheaper than with NumPy scalars.
        base, lo, hi = self.base.tolist(), self.lo.tolist(), self.hi.tolist()
        busy = [e for e in range(2, n + m + 1) if lo[e] <= hi[e]]
        spans = [(e, lo[e] - base[e], hi[e] - lo[e] + 1) for e in busy]  # (e, first slot, count)
        # Forward step: (e, first slot on e, count, first slot of the up and of the left
        # predecessors on e - 1, of the diagonal predecessor on e - 2).
        self.forward_steps = [
            (*own, lo[e] - 1 - base[e - 1], lo[e] - base[e - 1], lo[e] - 1 - base[e - 2])
            for e, own in zip(busy, spans, strict=True)
        ]
        # Backward step: (e, first slot on e, count, first slot of the down and of the right
        # successors on e + 1, of the diagonal successor on e + 2).
        self.backward_steps = [
            (*own, lo[e] + 1 - base[e + 1], lo[e] - base[e + 1], lo[e] + 1 - base[e + 2])
            for e, own in zip(reversed(busy), reversed(spans), strict=True)
        ]
        # R[0, 0] = 0 sits on diagonal 0, row 0; it matters only if cell (1, 1) is computed.
        self.origin = -base[0] if busy and busy[0] == 2 else None
        self._device_tables = {}

    def tables(self, device):
        """Index tensors on ``device``, built once per device.

        ``skew``: (length * width,) position in the flat (n * m + 1) dense grid of each slot,
        n * m (a sentinel) for slots that are not computed. ``unskew``: (n * m,) flat slot of
        each dense cell, length * width (a sentinel) outside the hull. ``base``, ``lo``,
        ``hi``: per-diagonal int64 tensors.
        """
        key = str(device)
        if key not in self._device_tables:
            skew, unskew = _index_maps(self)
            self._device_tables[key] = tuple(
                torch.as_tensor(a, dtype=torch.int64, device=device)
                for a in (skew, unskew, self.base, self.lo, self.hi)
            )
        return self._device_tables[key]


@functools.lru_cache(maxsize=16)
def _cached_plan(n, m, rows):
    return Plan(n, m, None if rows is None else (np.asarray(rows[0]), np.asarray(rows[1])))


def plan_for(n, m, rows=None):
    """The (cached) plan of an (n, m) grid; ``rows`` = (lo, hi) per-row column ranges or None.

    Row i (0-based) admits the columns ``lo[i] <= j < hi[i]``; an empty row has lo >= hi.
    """
    if rows is not None:
        rows = (tuple(int(v) for v in rows[0]), tuple(int(v) for v in rows[1]))
    return _cached_plan(int(n), int(m), rows)


def _diagonal_hull(n, m, rows, length):
    """Lowest and highest bordered row computed on each diagonal (lo > hi: none)."""
    lo = np.full(length, n + 1, dtype=np.int64)
    hi = np.zeros(length, dtype=np.int64)
    if rows is None:
        e = np.arange(2, n + m + 1)
        lo[e] = np.maximum(1, e - m)
        hi[e] = np.minimum(n, e - 1)
        return lo, hi
    row_lo = np.clip(np.asarray(rows[0], dtype=np.int64), 0, m)
    row_hi = np.clip(np.asarray(rows[1], dtype=np.int64), 0, m)
    for i in np.flatnonzero(row_lo < row_hi):
        # Bordered row i + 1 meets diagonals (i + 1) + (j + 1) for its columns j.
        span = slice(i + row_lo[i] + 2, i + row_hi[i] + 2)
        lo[span] = np.minimum(lo[span], i + 1)
        hi[span] = np.maximum(hi[span], i + 1)
    return lo, hi


def _windows(lo, hi, length):
    """Per-diagonal window start and the common width covering every read and write."""
    busy = np.flatnonzero(lo <= hi)
    need_lo = np.full(length, np.iinfo(np.int64).max, dtype=np.int64)
    need_hi = np.full(length, np.iinfo(np.int64).min, dtype=np.int64)
    # (diagonal offset, row offset of the first row, of the last row) of each access
    accesses = ((0, 0, 0), (-1, -1, 0), (-2, -1, -1), (1, 0, 1), (2, 1, 1))
    for shift, first, last in accesses:
        np.minimum.at(need_lo, busy + shift, lo[busy] + first)
        np.maximum.at(need_hi, busy + shift, hi[busy] + last)
    used = need_lo <= need_hi
    base = np.where(used, need_lo, 0)
    width = int((need_hi - need_lo + 1)[used].max()) if used.any() else 1
    return base, width


def _index_maps(plan):
    n, m, length, width = plan.n, plan.m, plan.length, plan.width
    e = np.arange(length)[:, None]
    i = plan.base[:, None] + np.arange(width)[None, :]
    j = e - i
    inside = (i >= plan.lo[:, None]) & (i <= plan.hi[:, None])
    skew = np.where(inside, (i - 1) * m + (j - 1), n * m).ravel()
    di, dj = np.meshgrid(np.arange(1, n + 1), np.arange(1, m + 1), indexing="ij")
    de = di + dj
    slot = di - plan.base[de]
    computed = (di >= plan.lo[de]) & (di <= plan.hi[de])
    unskew = np.where(computed, de * width + slot, length * width).ravel()
    return skew, unskew
