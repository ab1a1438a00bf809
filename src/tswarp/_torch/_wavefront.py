"""Batched wavefront dynamic programs: soft-DTW (gamma > 0) and DTW (gamma == 0).

Each step computes one anti-diagonal of the whole batch with a fixed, short sequence of torch
operations on views of the skewed tables (``_plan``); each view is made once and reused by
the following steps. On a GPU every operation is a kernel launch, so their number per
diagonal sets the speed: three in the soft forward step, four in the soft backward step,
five and two for DTW. On CUDA the loops are also replayed as CUDA graphs (``_cuda_graphs``).

Soft-DTW runs on Q = -R / gamma, in float64: Q[s] = -C[s] / gamma + logsumexp(Q of the three
predecessors of s), one ``logaddexp`` per pair of arguments. The backward pass runs the same
recursion from the end (H, over successors, the pair's end cell seeded with -Q[end]), and the
expected alignment is E = exp(Q + H + C / gamma), the forward-backward form of the gradient.
Between the passes it keeps Q (one float per slot, about 1.3 slots per cell on a full
grid) and a reference to the costs. The rounding error of E is about 1e-16 * value / gamma
(relative), hence float64; below ``HARD_BELOW`` the hard minimum runs instead (soft-DTW is
then DTW to within gamma * log(3) per cell).

DTW runs on R = C with the hard minimum and records two booleans per cell (diagonal beaten,
left beats up); the backward pass walks each pair's optimal path back from its end cell,
all pairs at once, one gather per step. Ties go to the diagonal, then up (tslearn's order).

Inadmissible cells (beyond a pair's lengths, outside its band or mask) get +inf costs, hence
Q = -inf (R = +inf), and E = 0 there.
"""

from collections import namedtuple

import torch

from tswarp._torch import _cuda_graphs
from tswarp._torch._bands import Band
from tswarp._torch._plan import plan_for

# Below this gamma the hard DP runs: E from the soft one would lose digits to rounding
# (value / gamma past 1e9 for values of order 1) while the two differ by less than
# gamma * log(3) per cell.
HARD_BELOW = 1e-9

# exp(x) is subnormal or 0 in float64 below this (the smallest normal number is exp(-708.4)).
UNDERFLOW = -708.0

# What the backward pass needs. ``state``: soft, (Q, the costs, the masks of the
# inadmissible cells); hard, (diagonal beaten, left beats up). ``end``: flat index of each
# pair's end cell in the skewed table; ``ends``: its (row, column); ``finite``: whether the
# pair has a finite value.
Trace = namedtuple(
    "Trace", ["plan", "soft", "gamma", "state", "end", "ends", "finite", "dtype", "shape"]
)


def compute_dtype(dtype, float64=False):
    """The dtype the hard DP runs in: float64 on request, float32 for half types."""
    if float64 or dtype == torch.float64:
        return torch.float64
    return torch.float32


def mask_rows(mask, n, m):
    """Per-row (lo, hi) column hull of a boolean (b, n, m) or (n, m) mask.

    This is the one place that copies anything to the host: 2 * n integers, so that the
    loops get their bounds as Python ints.
    """
    cells = mask.reshape(-1, n, m).any(0)
    has = cells.any(1)
    first = cells.to(torch.int8).argmax(1)  # argmax returns the first maximum
    last = m - 1 - cells.flip(1).to(torch.int8).argmax(1)
    lo = torch.where(has, first, 0)
    hi = torch.where(has, last + 1, 0)
    return tuple(torch.stack((lo, hi)).tolist())


def _inadmissible(shape, device, n_lengths, m_lengths, mask):
    """Boolean masks, each broadcastable to (n, m, b) (the batch last), whose union is the
    inadmissible cells: rows past the lengths, columns past them, cells off the mask."""
    _, n, m = shape
    masks = []
    if n_lengths is not None:
        masks.append((torch.arange(n, device=device)[:, None] >= n_lengths.to(device))[:, None])
    if m_lengths is not None:
        masks.append((torch.arange(m, device=device)[:, None] >= m_lengths.to(device))[None])
    if mask is not None:
        mask = mask.to(device=device, dtype=torch.bool).reshape(-1, n, m)
        masks.append(~mask.permute(1, 2, 0))
    return masks


def _cells(costs, gamma, outside, dtype):
    """The costs as (n * m + 1, b) in ``dtype``, one cell of every pair per row, +inf where
    ``outside`` (masks from _inadmissible) and on a spare last row; negated and divided by
    ``gamma`` unless it is None."""
    b, n, m = costs.shape
    fill = torch.inf if gamma is None else -torch.inf
    cells = torch.empty((n * m + 1, b), dtype=dtype, device=costs.device)
    # Transposed in the costs' dtype first: torch transposes in cache-sized blocks only
    # between equal dtypes, and a converting transpose is about three times slower.
    cells[:-1] = costs.reshape(b, n * m).t().contiguous()
    if gamma is not None:
        cells[:-1] *= -1.0 / gamma
    cells[-1] = fill
    for mask in outside:  # broadcast masks: never an (n, m, b) copy of the length masks
        cells[:-1].view(n, m, b).masked_fill_(mask, fill)
    return cells


def _rows(table, index):
    """table[index] for a 2-D table (rows of b contiguous elements)."""
    return table.index_select(0, index)


class _Runs:
    """Views of ``rows * b`` consecutive elements of a flat table, made once per run."""

    def __init__(self, flat, b):
        self.flat, self.b, self.views = flat, b, {}

    def __call__(self, rows, slot):
        view = self.views.get((rows, slot))
        if view is None:
            view = torch.as_strided(self.flat, (rows * self.b,), (1,), slot * self.b)
            self.views[rows, slot] = view
        return view


# The loops, each a function of the flat tables it updates in place (what a CUDA graph
# captures). A table holds (slots + 1) * b elements, the batch innermost.


def _soft_sweep(steps, b):
    """Q[s] += logsumexp(Q at the three predecessors of s), run by run."""

    def sweep(table):
        run = _Runs(table, b)
        for k, out, a, b_, c in steps:
            total = torch.logaddexp(run(k, a), run(k, b_))
            torch.logaddexp(total, run(k, c), out=total)
            run(k, out).add_(total)

    return sweep


def _seeded_sweep(steps, b):
    """As _soft_sweep over successors, with a fourth argument: ``seed`` at the written cell."""

    def sweep(table, seed):
        run, seed_run = _Runs(table, b), _Runs(seed, b)
        for k, out, a, b_, c in steps:
            total = torch.logaddexp(run(k, a), run(k, b_))
            torch.logaddexp(total, run(k, c), out=total)
            torch.logaddexp(total, seed_run(k, out), out=total)
            run(k, out).add_(total)

    return sweep


def _ended_sweep(plan, b, ends):
    """As _seeded_sweep, the seeds brought in on the diagonals where pairs end only.
    ``ends``: diagonal -> (end rows, pairs), host lists (from _host_ends)."""
    places = {}
    for e, (rows, pairs) in ends.items():
        first, count = plan.runs.get(e, (0, 0))
        # A pair whose end lies off the runs has no path, and its seed is -inf: skipped.
        kept = [(row, p) for row, p in zip(rows, pairs, strict=True) if 0 <= row - first < count]
        if kept:
            places[e] = ([(row - first) * b + p for row, p in kept], [p for _, p in kept])

    def sweep(table, seed):
        run = _Runs(table, b)
        steps = zip(reversed(plan.runs), plan.backward_steps, strict=True)
        for e, (k, out, down, right, diag) in steps:
            total = torch.logaddexp(run(k, down), run(k, right))
            torch.logaddexp(total, run(k, diag), out=total)
            if e in places:
                where, pairs = (torch.tensor(v, device=table.device) for v in places[e])
                total[where] = torch.logaddexp(total[where], seed[pairs])
            run(k, out).add_(total)

    return sweep


def _host_ends(trace):
    """diagonal -> (end rows, pairs) of the pairs that end on it, or None when the lengths
    are on a device (reading them would wait for it)."""
    rows, cols = trace.ends
    if rows.device.type != "cpu" or cols.device.type != "cpu":
        return None
    ends = {}
    for p, (row, col) in enumerate(zip(rows.tolist(), cols.tolist(), strict=True)):
        entry = ends.setdefault(row + col, ([], []))
        entry[0].append(row)
        entry[1].append(p)
    return ends


def _hard_sweep(steps, b):
    """R[s] += min(R at the predecessors of s), recording (diagonal beaten: diag > min(up,
    left); left beats up: up > left), the choice with ties to the diagonal, then up."""

    def sweep(table, beaten, left_wins):
        run, beaten_run, left_run = _Runs(table, b), _Runs(beaten, b), _Runs(left_wins, b)
        for k, out, up, left, diag in steps:
            u, v, d = run(k, up), run(k, left), run(k, diag)
            low = torch.minimum(u, v)
            torch.gt(d, low, out=beaten_run(k, out))
            torch.gt(u, v, out=left_run(k, out))
            torch.minimum(low, d, out=low)
            run(k, out).add_(low)

    return sweep


def _walker(b):
    """path[t + 1] = path[t] - step[path[t]]: every pair's optimal path, one cell a step."""

    def walk(step, path):
        back = torch.empty(b, dtype=path.dtype, device=path.device)
        here = torch.as_strided(path, (b,), (1,), 0)
        for t in range(1, path.numel() // b):
            torch.take(step, here, out=back)
            here = torch.sub(here, back, out=torch.as_strided(path, (b,), (1,), t * b))

    return walk


def forward(costs, gamma, n_lengths=None, m_lengths=None, mask=None, dtype=None):
    """Values (b,) in the DP's dtype and the Trace that ``backward`` needs.

    ``costs`` (b, n, m); ``gamma`` > 0 for soft-DTW, 0 for DTW (the value is then the
    squared DTW cost); ``n_lengths`` / ``m_lengths``: int tensors (b,) with 1 <= n_b <= n,
    or None for full length; ``mask``: None, a boolean tensor (b, n, m) or (n, m), or a Band.
    ``dtype``: the hard DP's dtype (the soft DP runs in float64). The value of a pair with
    no admissible path is +inf. Never writes into ``costs``.
    """
    b, n, m = costs.shape
    device = costs.device
    rows = None
    if isinstance(mask, Band):
        mask, rows = mask.mask, mask.rows
    if mask is not None and tuple(mask.shape[-2:]) != (n, m):
        raise ValueError(f"mask of shape {tuple(mask.shape)} for costs of shape {(b, n, m)}")
    if mask is not None and rows is None:
        rows = mask_rows(mask, n, m)
    plan = plan_for(n, m, rows)
    skew, _, _, first, lo, hi = plan.tables(device)
    soft = gamma >= HARD_BELOW
    dtype = torch.float64 if soft else (dtype or compute_dtype(costs.dtype))

    outside = _inadmissible(costs.shape, device, n_lengths, m_lengths, mask)
    cells = _cells(costs.detach(), gamma if soft else None, outside, dtype)
    flat = _rows(cells, skew).view(-1)  # slot s starts with the cost of its cell
    if plan.origin is not None:
        flat[plan.origin * b : (plan.origin + 1) * b] = 0.0
    if soft:
        _cuda_graphs.run(("soft forward", plan, b), _soft_sweep(plan.forward_steps, b), [flat])
        state = (flat, costs.detach(), outside)  # the costs: a reference, not a copy
    else:
        beaten, left_wins = (torch.zeros_like(flat, dtype=torch.bool) for _ in range(2))
        tables = [flat, beaten, left_wins]
        _cuda_graphs.run(("hard forward", plan, b), _hard_sweep(plan.forward_steps, b), tables)
        state = (beaten, left_wins)

    # Pair p ends at bordered cell (n_p, m_p): diagonal n_p + m_p.
    rows_end = _lengths(n_lengths, n, b, device)
    cols_end = _lengths(m_lengths, m, b, device)
    diag_end = rows_end + cols_end
    inside = (rows_end >= lo[diag_end]) & (rows_end <= hi[diag_end])
    slot = (first[diag_end] + rows_end).clamp(0, plan.slots - 1)
    end = slot * b + torch.arange(b, device=device)
    values = torch.where(inside, flat[end], torch.inf if not soft else -torch.inf)
    if soft:
        values = values * -gamma
    finite = torch.isfinite(values)
    ends = (rows_end, cols_end)
    return values, Trace(plan, soft, gamma, state, end, ends, finite, dtype, (b, n, m))


def _lengths(lengths, full, b, device):
    if lengths is None:
        return torch.full((b,), full, dtype=torch.int64, device=device)
    return lengths.to(device=device, dtype=torch.int64)


def backward(trace, seeds):
    """E (b, n, m): seeds[p] times the gradient of value p w.r.t. its costs, not
    necessarily contiguous.

    Zero outside the admissible cells and for pairs with an infinite value. For gamma == 0
    and seeds of 1 this is the 0/1 matrix of the optimal path.
    """
    seeds = torch.where(trace.finite, seeds.to(trace.dtype), 0.0)
    if not trace.shape[0]:  # an empty batch: its tables cannot be viewed (-1, 0)
        return seeds.new_zeros(trace.shape)
    if trace.soft:
        return _soft_backward(trace, seeds)
    return _hard_backward(trace, seeds)


def _soft_backward(trace, seeds):
    plan, (Q, costs, outside), end = trace.plan, trace.state, trace.end
    b, n, m = trace.shape
    skew, unskew, *_ = plan.tables(Q.device)
    cells = _cells(costs, trace.gamma, outside, Q.dtype)
    # H[s] = -C[s] / gamma + logsumexp(H of the successors of s), and at each pair's end
    # cell -Q[end] (what the pair's seed, a virtual successor, brings in).
    H = _rows(cells, skew).view(-1)
    seed = torch.where(trace.finite, -Q[end], -torch.inf)
    ends = _host_ends(trace)
    if ends is not None and not _cuda_graphs.capturable([H]):
        _ended_sweep(plan, b, ends)(H, seed)  # ends known on the host: only their diagonals
    else:
        # A table of seeds, -inf but at the end cells, read at every step: no host copy.
        table = torch.full_like(H, -torch.inf)
        table[end] = seed
        sweep = _seeded_sweep(plan.backward_steps, b)
        _cuda_graphs.run(("soft backward", plan, b), sweep, [H, table])
        del table
    # E = exp(Q + H + C / gamma) cell by cell, zero where the cost is infinite. E is a
    # probability: its log, a sum of terms of order value / gamma, is clamped to <= 0 so that
    # their rounding (1e-16 * value / gamma) cannot make it overflow when that passes 1. Logs
    # below UNDERFLOW become -inf: their exp is (nearly) 0 anyway, and on the CPU torch's exp
    # of such arguments takes a path about seven times slower (most cells far from the
    # optimal path have them).
    E = _rows(H.add_(Q).view(-1, b), unskew)
    torch.nn.functional.threshold_(E.sub_(cells[:-1]).clamp_(max=0.0), UNDERFLOW, -torch.inf)
    E.exp_()
    E.masked_fill_(cells[:-1] == -torch.inf, 0.0).mul_(seeds)
    return E.t().view(b, n, m)  # strided: (b, n, m) with the batch innermost in memory


def _hard_backward(trace, seeds):
    plan, (beaten, left_wins) = trace.plan, trace.state
    b, n, m = trace.shape
    device = beaten.device
    _, _, bordered, *_ = plan.tables(device)
    # Each cell's step back in the flat bordered (n + 1, m + 1, b) grid: diagonal, up or
    # left; border cells (the spare slot) stay where they are.
    step = torch.where(left_wins, b, (m + 1) * b)
    step = torch.where(beaten, step, (m + 2) * b)
    step[-b:] = 0
    step = _rows(step.view(-1, b), bordered).view(-1)
    rows_end, cols_end = trace.ends
    where = (rows_end * (m + 1) + cols_end) * b + torch.arange(b, device=device)
    path = torch.empty((n + m - 1) * b, dtype=torch.int64, device=device)
    path[:b] = where
    _cuda_graphs.run(("hard backward", plan, b), _walker(b), [step, path])
    E = seeds.new_zeros((n + 1) * (m + 1) * b)
    E[path] = seeds.expand(n + m - 1, b).reshape(-1)
    return E.view(n + 1, m + 1, b)[1:, 1:].permute(2, 0, 1).contiguous()
