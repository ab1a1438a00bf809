"""Batched wavefront dynamic programs: soft-DTW (gamma > 0) and DTW (gamma == 0).

Each step computes one anti-diagonal of the whole batch with a fixed, short sequence of torch
operations on views of the skewed tables (``_plan``); each view is made once and reused by
the following steps. On a GPU every operation is a kernel launch, so their number per
diagonal sets the speed: three in the soft forward step, four in the soft backward step,
five and two for DTW.

Soft-DTW runs on Q = -R / gamma, in float64: Q[s] = -C[s] / gamma + logsumexp(Q of the three
predecessors of s), one ``logaddexp`` per pair of arguments. The backward pass runs the same
recursion from the end (H, over successors, the pair's end cell seeded with -Q[end]), and the
expected alignment is E = exp(Q + H + C / gamma), the forward-backward form of the gradient.
It keeps one float per computed cell (Q) between the passes. Its rounding error is about
1e-16 * value / gamma (relative, on E), hence float64; below ``HARD_BELOW`` the hard minimum
runs instead (soft-DTW is then DTW to within gamma * log(3) per cell).

DTW runs on R = C with the hard minimum and records two booleans per cell (diagonal beaten,
left beats up); the backward pass walks each pair's optimal path back from its end cell,
all pairs at once, one gather per step. Ties go to the diagonal, then up (tslearn's order).

Inadmissible cells (beyond a pair's lengths, outside its band or mask) get +inf costs, hence
Q = -inf (R = +inf), and E = 0 there.
"""

from collections import namedtuple

import torch

from tswarp._torch._bands import Band
from tswarp._torch._plan import plan_for

# Below this gamma the soft DP would lose E to rounding (value / gamma beyond ~1e9 times
# the value's scale for typical data) while differing from the hard one by less than
# gamma * log(3) per cell: the hard DP runs.
HARD_BELOW = 1e-9

# What the backward pass needs. ``state``: soft, (Q, C / gamma dense); hard, (diagonal
# beaten, left beats up). ``end``: flat index of each pair's end cell in the skewed table;
# ``ends``: its (row, column); ``finite``: whether the pair has a finite value.
Trace = namedtuple("Trace", ["plan", "soft", "state", "end", "ends", "finite", "dtype", "shape"])


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


def _admissible(shape, device, n_lengths, m_lengths, mask):
    """Boolean (b, n, m)-broadcastable tensor of admissible cells, or None for all."""
    _, n, m = shape
    valid = None
    if n_lengths is not None:
        valid = (torch.arange(n, device=device) < n_lengths.to(device)[:, None])[:, :, None]
    if m_lengths is not None:
        cols = (torch.arange(m, device=device) < m_lengths.to(device)[:, None])[:, None, :]
        valid = cols if valid is None else valid & cols
    if mask is not None:
        mask = mask.to(device=device, dtype=torch.bool)
        valid = mask if valid is None else valid & mask
    return valid


def _skewed(dense, skew, fill):
    """Flat skewed table (length * width + 1) * b of a dense (b, n, m) table."""
    b = dense.shape[0]
    # Transposing inside the cat makes the gathered rows (one cell, all pairs) contiguous.
    padded = torch.cat((dense.reshape(b, -1).t(), dense.new_full((1, b), fill)))
    return padded.index_select(0, skew).view(-1)


class _Runs:
    """Views of ``count * b`` consecutive elements of a flat table, one per start slot."""

    def __init__(self, flat, count, b):
        self.flat, self.size, self.b, self.views = flat, count * b, b, {}

    def __call__(self, slot):
        view = self.views.get(slot)
        if view is None:
            view = torch.as_strided(self.flat, (self.size,), (1,), slot * self.b)
            self.views[slot] = view
        return view


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
    skew, _, _, base, lo, hi = plan.tables(device)
    soft = gamma >= HARD_BELOW
    dtype = torch.float64 if soft else (dtype or compute_dtype(costs.dtype))

    table = costs.detach().to(dtype)
    if soft:
        table = table * (1.0 / gamma)
    valid = _admissible(costs.shape, device, n_lengths, m_lengths, mask)
    if valid is not None:
        table = table.masked_fill(~valid, torch.inf)
    flat = _skewed(table, skew, torch.inf)  # slot s starts as the cost of its cell
    if soft:
        flat.neg_()
    if plan.origin is not None:
        flat[plan.origin * b : (plan.origin + 1) * b] = 0.0
    run = _Runs(flat, plan.count, b)

    if soft:
        for out, up, left, diag in plan.forward_steps:
            total = torch.logaddexp(run(up), run(left))
            torch.logaddexp(total, run(diag), out=total)
            run(out).add_(total)
        state = (flat, table)
    else:
        # diagonal beaten (diag > min(up, left)) and left beats up (up > left): the choice.
        beaten, left_wins = (torch.zeros_like(flat, dtype=torch.bool) for _ in range(2))
        beaten_run, left_run = _Runs(beaten, plan.count, b), _Runs(left_wins, plan.count, b)
        for out, up, left, diag in plan.forward_steps:
            u, v, d = run(up), run(left), run(diag)
            low = torch.minimum(u, v)
            torch.gt(d, low, out=beaten_run(out))
            torch.gt(u, v, out=left_run(out))
            torch.minimum(low, d, out=low)
            run(out).add_(low)
        state = (beaten, left_wins)

    # Pair p ends at bordered cell (n_p, m_p): diagonal n_p + m_p.
    rows_end = _lengths(n_lengths, n, b, device)
    cols_end = _lengths(m_lengths, m, b, device)
    diag_end = rows_end + cols_end
    inside = (rows_end >= lo[diag_end]) & (rows_end <= hi[diag_end])
    slot = diag_end * plan.width + rows_end - base[diag_end]
    end = slot.clamp(0, plan.length * plan.width - 1) * b + torch.arange(b, device=device)
    values = torch.where(inside, flat[end], torch.inf if not soft else -torch.inf)
    if soft:
        values = values * -gamma
    finite = torch.isfinite(values)
    ends = (rows_end, cols_end)
    return values, Trace(plan, soft, state, end, ends, finite, dtype, (b, n, m))


def _lengths(lengths, full, b, device):
    if lengths is None:
        return torch.full((b,), full, dtype=torch.int64, device=device)
    return lengths.to(device=device, dtype=torch.int64)


def backward(trace, seeds):
    """E (b, n, m): seeds[p] times the gradient of value p w.r.t. its costs.

    Zero outside the admissible cells and for pairs with an infinite value. For gamma == 0
    and seeds of 1 this is the 0/1 matrix of the optimal path.
    """
    seeds = torch.where(trace.finite, seeds.to(trace.dtype), 0.0)
    if trace.soft:
        return _soft_backward(trace, seeds)
    return _hard_backward(trace, seeds)


def _soft_backward(trace, seeds):
    plan, (Q, table), end = trace.plan, trace.state, trace.end
    b, n, m = trace.shape
    skew, unskew, *_ = plan.tables(Q.device)
    # H[s] = -C[s] / gamma + logsumexp(H of the successors of s), and at each pair's end
    # cell -Q[end], brought in as a fourth argument from the table ``seed`` (-inf elsewhere).
    H = _skewed(table, skew, torch.inf).neg_()
    seed = torch.full_like(H, -torch.inf)
    seed[end] = torch.where(trace.finite, -Q[end], -torch.inf)
    run, seed_run = _Runs(H, plan.count, b), _Runs(seed, plan.count, b)
    for out, down, right, diag in plan.backward_steps:
        total = torch.logaddexp(run(down), run(right))
        torch.logaddexp(total, run(diag), out=total)
        torch.logaddexp(total, seed_run(out), out=total)
        run(out).add_(total)
    del seed, seed_run
    # E = exp(Q + H + C / gamma) cell by cell, zero where the cost is infinite.
    costs = table.reshape(b, n * m).t()
    exponent = Q.view(-1, b).index_select(0, unskew)
    exponent += H.view(-1, b).index_select(0, unskew)
    exponent += costs
    E = torch.where(costs < torch.inf, exponent.exp_(), 0.0).mul_(seeds)
    return E.t().reshape(b, n, m)


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
    step = step.view(-1, b).index_select(0, bordered).view(-1)
    rows_end, cols_end = trace.ends
    where = (rows_end * (m + 1) + cols_end) * b + torch.arange(b, device=device)
    path, back = [where], torch.empty_like(where)
    for _ in range(n + m - 2):  # the longest path has n + m - 1 cells
        torch.take(step, where, out=back)
        where = where - back
        path.append(where)
    E = seeds.new_zeros((n + 1) * (m + 1) * b)
    E[torch.stack(path).view(-1)] = seeds.expand(len(path), b).reshape(-1)
    return E.view(n + 1, m + 1, b)[1:, 1:].permute(2, 0, 1).contiguous()
