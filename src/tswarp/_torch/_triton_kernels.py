"""Triton kernels of soft-DTW: one program per pair sweeps all of its anti-diagonals.

Imported only where Triton is (``_fused`` decides). The kernel functions below are plain
Python until ``kernels()`` hands them to ``triton.jit``: Triton picks its interpreter (NumPy
on CPU tensors, TRITON_INTERPRET=1) or its compiler when a function is decorated, so the two
are built and cached separately.

Both passes run in log space and float64, as the torch wavefront does (``_wavefront``): the
forward on Q = -R / gamma, Q[a, c] = -C[a, c] / gamma + logsumexp(Q of the up, left and
diagonal predecessors), Q = 0 before the first cell; the backward on H, the same recursion
over the successors, seeded at the pair's end cell with -Q[end], and writes the expected
alignment E = exp(Q + H + C / gamma) times the pair's incoming gradient.

Table layout: a pair with lengths (n, m) stores its n * m cells diagonal by diagonal (the
cells with a + c = k, rows ascending), so that a diagonal is one contiguous run and its
neighbours are the runs just before or after it: exactly one float per cell, coalesced.
The lanes of a program walk a diagonal BLOCK cells at a time (no length cap); a barrier
between diagonals makes one diagonal's stores visible to every lane before the next reads
them, and those reads bypass the L1 cache (".cg").
"""

import functools
import os

import triton
import triton.language as tl


def _forward(
    C, c_batch, c_row, c_col,  # costs (any float dtype, any strides)
    N, M,  # int64 lengths of each pair
    Mask, k_batch, k_row, k_col,  # uint8 admissible cells, read when HAS_MASK
    Q, q_batch,  # float64 table, q_batch floats per pair
    End,  # float64 (b,): Q at each pair's end cell
    InvGamma,  # float64 (1,): 1 / gamma
    HAS_MASK: tl.constexpr,
    BLOCK: tl.constexpr,
):  # fmt: skip
    p = tl.program_id(0).to(tl.int64)
    inv_gamma = tl.load(InvGamma)
    n = tl.load(N + p)
    m = tl.load(M + p)
    C += p * c_batch
    Mask += p * k_batch
    Q += p * q_batch
    lanes = tl.arange(0, BLOCK)
    # Flat offsets of diagonals k - 2, k - 1 and k, and their first rows.
    off2 = n * 0
    off1 = off2
    off = off2
    lo2 = off2
    lo1 = off2
    for k in range(0, n + m - 1):
        lo = tl.maximum(k - m + 1, 0)
        hi = tl.minimum(k, n - 1)
        for start in range(lo, hi + 1, BLOCK):
            a = start + lanes
            live = a <= hi
            c = k - a
            cost = tl.load(C + a * c_row + c * c_col, mask=live, other=float("inf"))
            cost = cost.to(tl.float64)
            if HAS_MASK:
                ok = tl.load(Mask + a * k_row + c * k_col, mask=live, other=0)
                cost = tl.where(ok != 0, cost, float("inf"))
            up = tl.load(
                Q + off1 + (a - 1 - lo1),
                mask=live & (a > 0),
                other=float("-inf"),
                cache_modifier=".cg",
            )
            left = tl.load(
                Q + off1 + (a - lo1),
                mask=live & (c > 0),
                other=float("-inf"),
                cache_modifier=".cg",
            )
            diag = tl.load(
                Q + off2 + (a - 1 - lo2),
                mask=live & (a > 0) & (c > 0),
                other=float("-inf"),
                cache_modifier=".cg",
            )
            diag = tl.where((a == 0) & (c == 0), 0.0, diag)
            # logsumexp of the three, -inf when all three are
            top = tl.maximum(tl.maximum(up, left), diag)
            top = tl.where(top == float("-inf"), 0.0, top)
            total = top + tl.log(tl.exp(up - top) + tl.exp(left - top) + tl.exp(diag - top))
            tl.store(Q + off + (a - lo), total - cost * inv_gamma, mask=live)
        tl.debug_barrier()
        off2, off1, off = off1, off, off + (hi - lo + 1)
        lo2, lo1 = lo1, lo
    # The last diagonal is the end cell alone.
    tl.store(End + p, tl.load(Q + off1, cache_modifier=".cg"))


def _backward(
    C, c_batch, c_row, c_col,
    N, M,
    Mask, k_batch, k_row, k_col,
    Q, H, q_batch,  # the forward's table; H, of the same layout, is written
    End, Seed,  # float64 (b,): Q at the end cells; the incoming gradient of each pair
    E, e_batch, e_row, e_col,  # the expected alignments, zero-filled by the caller
    InvGamma,
    HAS_MASK: tl.constexpr,
    BLOCK: tl.constexpr,
):  # fmt: skip
    p = tl.program_id(0).to(tl.int64)
    inv_gamma = tl.load(InvGamma)
    n = tl.load(N + p)
    m = tl.load(M + p)
    end = tl.load(End + p)
    seed = tl.load(Seed + p)
    C += p * c_batch
    Mask += p * k_batch
    Q += p * q_batch
    H += p * q_batch
    E += p * e_batch
    # A pair without a finite value has no gradient: nothing flows in from its end.
    inflow = tl.where(end == float("-inf"), float("-inf"), -end)
    lanes = tl.arange(0, BLOCK)
    # Flat offsets and first rows of diagonals k + 2 and k + 1; diagonal k ends where
    # k + 1 starts.
    off2 = n * m
    off1 = off2
    lo2 = n * 0
    lo1 = lo2
    for t in range(0, n + m - 1):
        k = n + m - 2 - t
        lo = tl.maximum(k - m + 1, 0)
        hi = tl.minimum(k, n - 1)
        off = off1 - (hi - lo + 1)
        for start in range(lo, hi + 1, BLOCK):
            a = start + lanes
            live = a <= hi
            c = k - a
            cost = tl.load(C + a * c_row + c * c_col, mask=live, other=float("inf"))
            cost = cost.to(tl.float64)
            if HAS_MASK:
                ok = tl.load(Mask + a * k_row + c * k_col, mask=live, other=0)
                cost = tl.where(ok != 0, cost, float("inf"))
            down = tl.load(
                H + off1 + (a + 1 - lo1),
                mask=live & (a < n - 1),
                other=float("-inf"),
                cache_modifier=".cg",
            )
            right = tl.load(
                H + off1 + (a - lo1),
                mask=live & (c < m - 1),
                other=float("-inf"),
                cache_modifier=".cg",
            )
            diag = tl.load(
                H + off2 + (a + 1 - lo2),
                mask=live & (a < n - 1) & (c < m - 1),
                other=float("-inf"),
                cache_modifier=".cg",
            )
            diag = tl.where((a == n - 1) & (c == m - 1), inflow, diag)
            top = tl.maximum(tl.maximum(down, right), diag)
            top = tl.where(top == float("-inf"), 0.0, top)
            total = top + tl.log(tl.exp(down - top) + tl.exp(right - top) + tl.exp(diag - top))
            h = total - cost * inv_gamma
            tl.store(H + off + (a - lo), h, mask=live)
            q = tl.load(Q + off + (a - lo), mask=live, other=float("-inf"))
            grad = tl.exp(tl.minimum(q + h + cost * inv_gamma, 0.0)) * seed  # E <= 1
            grad = tl.where(cost == float("inf"), 0.0, grad)
            tl.store(E + a * e_row + c * e_col, grad.to(E.dtype.element_ty), mask=live)
        tl.debug_barrier()
        off2, off1 = off1, off
        lo2, lo1 = lo1, lo


@functools.lru_cache(maxsize=2)
def _compiled(interpret):
    """(forward, backward) Triton kernels; ``interpret`` is a cache key only (see above)."""
    return triton.jit(_forward), triton.jit(_backward)


def interpreting():
    """Whether Triton runs kernels in its interpreter (TRITON_INTERPRET): read through
    ``triton.knobs`` where it exists (3.4 on), from the environment as older Triton does."""
    knobs = getattr(triton, "knobs", None)
    if knobs is not None:
        return bool(knobs.runtime.interpret)
    return os.environ.get("TRITON_INTERPRET", "0").lower() in ("1", "true", "on", "yes")


def kernels():
    """The (forward, backward) kernels for the current TRITON_INTERPRET setting."""
    return _compiled(interpreting())
