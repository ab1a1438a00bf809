"""Skewed (diagonal-major) storage of the DP tables and the loop schedule that walks it.

The DP tables use bordered coordinates: row i in 0..n and column j in 0..m, where cell (i, j)
with i, j >= 1 holds the cost C[i - 1, j - 1], R[0, 0] = 0 and the rest of the border is +inf.
All cells with i + j = e lie on diagonal e and depend only on diagonals e - 1 and e - 2, so
one vectorised step computes a whole diagonal.

Every step reads and writes runs of ``count`` consecutive rows of a diagonal, the same count
on every diagonal: step e computes rows ``start[e]`` .. ``start[e] + count - 1``, a run that
covers the hull ``lo[e]..hi[e]`` of the cells that some pair of the batch may visit (the
whole grid, or the union of the bands). Slots of a run outside the hull hold +inf costs and
stay infinite. With equal counts, the run that step e writes is the very run that steps
e + 1 and e + 2 read (shifted by at most one row), so a whole sweep touches about two
distinct runs per diagonal: the engine makes one view per run and reuses it, which keeps
the number of torch operations per diagonal small (each is a launch on a GPU).

Diagonal e is stored in a window of ``width`` slots: slot r holds row ``base[e] + r``, and the
window covers every run that the forward step (rows shifted by -1 on e - 1 and e - 2) and the
backward step (rows shifted by +1 on e + 1 and e + 2) touch. With a band of width w the
tables hold O((n + m) w) slots per pair instead of O(n m).

Tables are laid out (diagonal, slot, batch) and used flat: the batch is innermost, so a run
of rows is one contiguous block for the whole batch, addressed by its flat offset.
"""

import functools

import numpy as np
import torch


class Plan:
    """Geometry of the skewed tables for an (n, m) grid and one hull of admissible cells.

    Attributes (host side): ``n``, ``m``, ``length`` (number of stored diagonals, n + m + 3:
    two spare diagonals past the end keep the backward reads in range), ``width`` (slots per
    diagonal), ``count`` (rows per run), ``base`` / ``lo`` / ``hi`` (int arrays over
    diagonals), ``origin`` (flat slot of R[0, 0], or None when no path starts there), and the
    step tables ``forward_steps`` / ``backward_steps``: per step, the flat slots where four
    runs start (the written run, then the three read runs).
    """

    def __init__(self, n, m, rows=None):
        self.n, self.m = n, m
        self.length = n + m + 3
        self.lo, self.hi = _diagonal_hull(n, m, rows, self.length)
        busy = [e for e in range(2, n + m + 1) if self.lo[e] <= self.hi[e]]
        self.count = int(max(self.hi[e] - self.lo[e] + 1 for e in busy)) if busy else 1
        lo = self.lo.tolist()
        # Runs start at the hull's first row; an empty diagonal inside the sweep (a mask with
        # a gap) reuses the previous start. Python ints: cheaper to use than NumPy scalars.
        diagonals = range(busy[0], busy[-1] + 1) if busy else range(0)
        start, previous = {}, lo[busy[0]] if busy else 0
        for e in diagonals:
            previous = start[e] = lo[e] if self.lo[e] <= self.hi[e] else previous
        # (diagonal, first row) of the written run and of the three read runs of each step.
        forward = [((e, s), (e - 1, s - 1), (e - 1, s), (e - 2, s - 1)) for e, s in start.items()]
        backward = [
            ((e, s), (e + 1, s + 1), (e + 1, s), (e + 2, s + 1))
            for e, s in reversed(start.items())
        ]
        self.base, self.width = _windows(forward + backward, self.count, self.length)
        base, width = self.base.tolist(), self.width

        def flat(run):
            return run[0] * width + run[1] - base[run[0]]

        # Forward step: written run on e; up (e - 1, rows - 1), left (e - 1), diagonal
        # (e - 2, rows - 1) predecessors. Backward: down (e + 1, rows + 1), right (e + 1)
        # and diagonal (e + 2, rows + 1) successors.
        self.forward_steps = [tuple(flat(run) for run in step) for step in forward]
        self.backward_steps = [tuple(flat(run) for run in step) for step in backward]
        # R[0, 0] = 0 sits on diagonal 0, row 0; it matters only if cell (1, 1) is computed.
        self.origin = flat((0, 0)) if busy and busy[0] == 2 else None
        self._device_tables = {}

    def tables(self, device):
        """Index tensors on ``device``, built once per device.

        ``skew``: (length * width + 1,) position in the flat (n * m + 1) dense grid of each
        slot, n * m (a sentinel) for slots that are not computed and for one spare slot at
        the end. ``unskew``: (n * m,) flat slot of each dense cell, length * width (the spare
        slot) outside the hull. ``bordered``: the same for the (n + 1) * (m + 1) bordered
        grid, the spare slot on the border. ``base``, ``lo``, ``hi``: per-diagonal int64
        tensors.
        """
        key = str(device)
        if key not in self._device_tables:
            self._device_tables[key] = tuple(
                torch.as_tensor(a, dtype=torch.int64, device=device)
                for a in (*_index_maps(self), self.base, self.lo, self.hi)
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


def _windows(steps, count, length):
    """Per-diagonal window start and the common width covering every run of ``steps``."""
    need_lo = np.full(length, np.iinfo(np.int64).max, dtype=np.int64)
    need_hi = np.full(length, np.iinfo(np.int64).min, dtype=np.int64)
    for step in steps:
        for e, row in step:
            need_lo[e] = min(need_lo[e], row)
            need_hi[e] = max(need_hi[e], row + count - 1)
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
    skew = np.append(np.where(inside, (i - 1) * m + (j - 1), n * m).ravel(), n * m)
    di, dj = np.meshgrid(np.arange(n + 1), np.arange(m + 1), indexing="ij")
    de = di + dj
    slot = di - plan.base[de]
    computed = (di >= 1) & (dj >= 1) & (di >= plan.lo[de]) & (di <= plan.hi[de])
    bordered = np.where(computed, de * width + slot, length * width)
    return skew, bordered[1:, 1:].ravel(), bordered.ravel()
