"""Skewed (diagonal-major) storage of the DP tables and the loop schedule that walks it.

The DP tables use bordered coordinates: row i in 0..n and column j in 0..m, where cell (i, j)
with i, j >= 1 holds the cost C[i - 1, j - 1], R[0, 0] = 0 and the rest of the border is +inf.
All cells with i + j = e lie on diagonal e and depend only on diagonals e - 1 and e - 2, so
one vectorised step computes a whole diagonal.

Every step reads and writes runs of consecutive rows of a diagonal: step e computes rows
``s[e]`` .. ``s[e] + k[e] - 1``, a run that covers the hull ``lo[e]..hi[e]`` of the cells that
some pair of the batch may visit (the whole grid, or the union of the bands), its length
rounded up to a multiple of ``ROUND``. Slots of a run outside the hull hold +inf costs and
stay infinite. Since neighbouring diagonals mostly have equal run lengths, the run that step
e writes is the very run that steps e + 1 and e + 2 read (shifted by at most one row), so a
whole sweep touches about two distinct runs per diagonal: the engine makes one view per run
and reuses it, which keeps the number of torch operations per diagonal small (each is a
launch on a GPU).

Diagonal e is stored in a window of consecutive slots: row r of diagonal e is at flat slot
``first[e] + r``, and the window covers exactly the rows that the runs of the forward step
(rows shifted by -1 on e - 1 and e - 2) and of the backward step (rows shifted by +1 on
e + 1 and e + 2) touch: about n m slots per pair for the whole grid, and with a band of
width w, O((n + m) w) instead of O(n m).

Tables are laid out (diagonal, slot, batch) and used flat: the batch is innermost, so a run
of rows is one contiguous block for the whole batch, addressed by its flat offset.
"""

import functools

import numpy as np
import torch

ROUND = 16  # run lengths are multiples of this (or the longest run)


class Plan:
    """Geometry of the skewed tables for an (n, m) grid and one hull of admissible cells.

    Attributes (host side): ``n``, ``m``, ``length`` (number of stored diagonals, n + m + 3:
    two spare diagonals past the end keep the backward reads in range), ``slots`` (slots
    per pair in a table, the spare slot at the end not included), ``sizes`` (slots per
    diagonal), ``count`` (the longest run), ``first`` / ``lo`` / ``hi`` (int arrays over
    diagonals), ``origin`` (flat slot of R[0, 0], or None when no path starts there), the
    step tables ``forward_steps`` / ``backward_steps``: per step, the run length (rows) and
    the flat slots where four runs start (the written run, then the three read runs).
    """

    def __init__(self, n, m, rows=None):
        self.n, self.m = n, m
        self.length = n + m + 3
        self.lo, self.hi = _diagonal_hull(n, m, rows, self.length)
        busy = [e for e in range(2, n + m + 1) if self.lo[e] <= self.hi[e]]
        self.count = int(max(self.hi[e] - self.lo[e] + 1 for e in busy)) if busy else 1
        lo, hi = self.lo.tolist(), self.hi.tolist()
        # Runs start at the hull's first row and span its rows rounded up to a multiple of
        # ROUND: consecutive diagonals then mostly share run lengths (and views), at a cost
        # of fewer than ROUND idle rows. An empty diagonal inside the sweep (a mask with a
        # gap) reuses the previous run. Python ints: cheaper to use than NumPy scalars.
        diagonals = range(busy[0], busy[-1] + 1) if busy else range(0)
        runs, previous = {}, (lo[busy[0]], 1) if busy else (0, 1)
        for e in diagonals:
            if lo[e] <= hi[e]:
                rounded = -(-(hi[e] - lo[e] + 1) // ROUND) * ROUND
                previous = (lo[e], min(rounded, self.count))
            runs[e] = previous
        # (diagonal, first row, rows) of the written run and of the three read runs.
        forward = [
            ((e, s, k), (e - 1, s - 1, k), (e - 1, s, k), (e - 2, s - 1, k))
            for e, (s, k) in runs.items()
        ]
        backward = [
            ((e, s, k), (e + 1, s + 1, k), (e + 1, s, k), (e + 2, s + 1, k))
            for e, (s, k) in reversed(runs.items())
        ]
        self.first, self.sizes = _windows(forward + backward, self.length)
        self.slots, first = int(self.sizes.sum()), self.first.tolist()

        def flat(run):
            return first[run[0]] + run[1]

        # Forward step: rows, then the first slot of the written run on e, of the up
        # (e - 1, rows - 1), left (e - 1) and diagonal (e - 2, rows - 1) predecessors.
        # Backward step: the same for the down (e + 1, rows + 1), right (e + 1) and
        # diagonal (e + 2, rows + 1) successors.
        self.forward_steps = [(step[0][2], *(flat(run) for run in step)) for step in forward]
        self.backward_steps = [(step[0][2], *(flat(run) for run in step)) for step in backward]
        self.runs = runs  # diagonal -> (first row, rows) of the run its steps write
        # R[0, 0] = 0 sits on diagonal 0, row 0; it matters only if cell (1, 1) is computed.
        self.origin = flat((0, 0)) if busy and busy[0] == 2 else None
        self._device_tables = {}

    def tables(self, device):
        """Index tensors on ``device``, built once per device.

        ``skew``: (slots + 1,) position in the flat (n * m + 1) dense grid of each slot,
        n * m (a sentinel) for slots that are not computed and for one spare slot at the end.
        ``unskew``: (n * m,) flat slot of each dense cell, ``slots`` (the spare slot) outside
        the hull. ``bordered``: the same for the (n + 1) * (m + 1) bordered grid, the spare
        slot on the border. ``first``, ``lo``, ``hi``: per-diagonal int64 tensors.
        """
        key = str(device)
        if key not in self._device_tables:
            self._device_tables[key] = tuple(
                torch.as_tensor(a, dtype=torch.int64, device=device)
                for a in (*_index_maps(self), self.first, self.lo, self.hi)
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


def _windows(steps, length):
    """Flat slot of row 0 of each diagonal, and the window sizes, for windows that hold
    exactly the rows of every run of ``steps`` (diagonal, first row, rows)."""
    need_lo = np.full(length, np.iinfo(np.int64).max, dtype=np.int64)
    need_hi = np.full(length, np.iinfo(np.int64).min, dtype=np.int64)
    for step in steps:
        for e, row, count in step:
            need_lo[e] = min(need_lo[e], row)
            need_hi[e] = max(need_hi[e], row + count - 1)
    sizes = np.where(need_lo <= need_hi, need_hi - need_lo + 1, 0)
    offsets = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    return offsets - np.where(sizes > 0, need_lo, 0), sizes


def _index_maps(plan):
    n, m, slots = plan.n, plan.m, plan.slots
    e = np.repeat(np.arange(plan.length), plan.sizes)
    i = np.arange(slots) - plan.first[e]
    j = e - i
    inside = (i >= plan.lo[e]) & (i <= plan.hi[e])
    skew = np.append(np.where(inside, (i - 1) * m + (j - 1), n * m), n * m)
    di, dj = np.meshgrid(np.arange(n + 1), np.arange(m + 1), indexing="ij")
    de = di + dj
    computed = (di >= 1) & (dj >= 1) & (di >= plan.lo[de]) & (di <= plan.hi[de])
    bordered = np.where(computed, plan.first[de] + di, slots)
    return skew, bordered[1:, 1:].ravel(), bordered.ravel()
