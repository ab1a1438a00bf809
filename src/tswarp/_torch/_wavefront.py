"""Batched wavefront dynamic programs: soft-DTW (gamma > 0) and DTW (gamma == 0).

``forward`` runs R one anti-diagonal at a time and stores, for every computed cell, the
weights that its value gives to its three predecessors (diagonal, up, left): the soft-min
weights when gamma > 0 (Form B of the design notes: no exp in the backward and weights in
[0, 1] by construction, which keeps float32 accurate at small gamma), a one-hot choice when
gamma == 0. ``backward`` propagates the seeds back through those weights as a reverse
wavefront, which gives the expected alignment E = d value / d C (or the optimal path A*).

Inadmissible cells (beyond a pair's lengths, outside its band or mask) get +inf costs, hence
+inf in R and weight 0 from every successor, hence 0 in E. A cell whose three predecessors
are all +inf stays +inf with zero weights instead of computing inf - inf.
"""

from collections import namedtuple

import torch

from tswarp._torch._bands import Band
from tswarp._torch._plan import plan_for

# What the backward pass needs: the (length, width, 3, b) weights, the flat position of
# each pair's end cell in R, and whether that pair has a finite value to differentiate.
Trace = namedtuple("Trace", ["plan", "weights", "end", "finite", "shape"])


def compute_dtype(dtype, float64=False):
    """The dtype the DP runs in: float64 on request, float32 for half types."""
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


def forward(costs, gamma, n_lengths=None, m_lengths=None, mask=None, dtype=None):
    """Values (b,) in ``dtype`` and the Trace that ``backward`` needs.

    ``costs`` (b, n, m); ``gamma`` > 0 for soft-DTW, 0 for DTW (the value is then the
    squared DTW cost); ``n_lengths`` / ``m_lengths``: int tensors (b,) with 1 <= n_b <= n,
    or None for full length; ``mask``: None, a boolean tensor (b, n, m) or (n, m), or a Band.
    The value of a pair with no admissible path is +inf. Never writes into ``costs``.
    """
    b, n, m = costs.shape
    device = costs.device
    dtype = dtype or compute_dtype(costs.dtype)
    rows = None
    if isinstance(mask, Band):
        mask, rows = mask.mask, mask.rows
    if mask is not None and tuple(mask.shape[-2:]) != (n, m):
        raise ValueError(f"mask of shape {tuple(mask.shape)} for costs of shape {(b, n, m)}")
    if mask is not None and rows is None:
        rows = mask_rows(mask, n, m)
    plan = plan_for(n, m, rows)
    skew, _, base, lo, hi = plan.tables(device)
    inf = torch.inf

    # The soft DP runs on C / gamma (one multiply fewer per step). Below the smallest normal
    # gamma, 1 / gamma overflows; the soft minimum is then the hard one to within
    # gamma * log(3) per cell, under any rounding, so the hard DP runs (a finite gradient).
    soft = gamma >= torch.finfo(dtype).tiny
    table = costs.detach().to(dtype)
    if soft:
        table = table * (1.0 / gamma)
    valid = _admissible(costs.shape, device, n_lengths, m_lengths, mask)
    if valid is not None:
        table = table.masked_fill(~valid, inf)
    # Skew: slot (e, r) of R starts as the cost of its cell, +inf where nothing is computed.
    # Transposing inside the cat makes the gathered rows (one cell, all pairs) contiguous.
    padded = torch.cat((table.reshape(b, n * m).t(), table.new_full((1, b), inf)))
    R = padded.index_select(0, skew).view(plan.length, plan.width, b)
    del padded, table
    if plan.origin is not None:
        R[0, plan.origin].zero_()
    weights = R.new_zeros((plan.length, plan.width, 3, b))

    if soft:
        big = torch.finfo(dtype).max
        floor = -80.0 if dtype == torch.float32 else -700.0
        for e, r, k, up, left, diag in plan.forward_steps:
            w = weights[e, r : r + k]
            preds = (R[e - 2, diag : diag + k], R[e - 1, up : up + k], R[e - 1, left : left + k])
            torch.stack(preds, dim=1, out=w)
            # Clamp +inf to a finite minimum: inf - low is then inf (weight 0), never NaN.
            low = w.amin(1, keepdim=True).clamp_(max=big)
            torch.sub(low, w, out=w)
            # exp is slow on CPU where it underflows (and at -inf): clamp the argument to
            # a normal range and zero those weights exactly afterwards.
            tiny = w < floor
            w.clamp_(min=floor).exp_().masked_fill_(tiny, 0.0)
            total = w.sum(1, keepdim=True)  # in [1, 3], or 0 if all predecessors are +inf
            R[e, r : r + k].unsqueeze(1).add_(low.sub_(total.log()))
            w.div_(total.clamp_(min=1.0))
    else:
        for e, r, k, up, left, diag in plan.forward_steps:
            w = weights[e, r : r + k]
            preds = (R[e - 2, diag : diag + k], R[e - 1, up : up + k], R[e - 1, left : left + k])
            torch.stack(preds, dim=1, out=w)
            # argmin keeps the first minimum: diagonal, then up, then left (tslearn's order).
            pick = w.argmin(1, keepdim=True)
            R[e, r : r + k].unsqueeze(1).add_(w.gather(1, pick))
            w.zero_().scatter_(1, pick, 1.0)

    # Pair p ends at bordered cell (n_p, m_p): diagonal n_p + m_p, slot n_p - base.
    rows_end = _lengths(n_lengths, n, b, device)
    diag_end = rows_end + _lengths(m_lengths, m, b, device)
    slot = rows_end - base[diag_end]
    inside = (rows_end >= lo[diag_end]) & (rows_end <= hi[diag_end])
    end = (diag_end * plan.width + slot.clamp(0, plan.width - 1)) * b
    end += torch.arange(b, device=device)
    values = torch.where(inside, R.view(-1)[end], inf)
    if soft:
        values = values * gamma
    finite = inside & torch.isfinite(values)
    return values, Trace(plan, weights, end, finite, (b, n, m))


def _lengths(lengths, full, b, device):
    if lengths is None:
        return torch.full((b,), full, dtype=torch.int64, device=device)
    return lengths.to(device=device, dtype=torch.int64)


def backward(trace, seeds):
    """E (b, n, m): seeds[p] times the gradient of value p w.r.t. its costs.

    Zero outside the admissible cells and for pairs with an infinite value. For gamma == 0
    and seeds of 1 this is the 0/1 matrix of the optimal path.
    """
    plan, weights, end, finite = trace.plan, trace.weights, trace.end, trace.finite
    b, n, m = trace.shape
    _, unskew, _, _, _ = plan.tables(weights.device)
    # One spare zero row at the end: the unskew index sends cells outside the hull there.
    E = weights.new_zeros((plan.length * plan.width + 1, b))
    seeds = torch.where(finite, seeds.to(weights.dtype), 0.0)
    # Seeding before the loop is right because each step adds into its slots.
    E.view(-1)[end] = seeds
    S = E[:-1].view(plan.length, plan.width, b)
    for e, r, k, down, right, diag in plan.backward_steps:
        out, next_E, next_w = S[e, r : r + k], S[e + 1], weights[e + 1]
        out.addcmul_(next_E[down : down + k], next_w[down : down + k, 1])
        out.addcmul_(next_E[right : right + k], next_w[right : right + k, 2])
        out.addcmul_(S[e + 2, diag : diag + k], weights[e + 2, diag : diag + k, 0])
    return E.index_select(0, unskew).t().reshape(b, n, m)
