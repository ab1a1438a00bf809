"""Slow NumPy references for the torch engine, written independently of it.

They take a cost matrix (n, m) and an optional boolean mask of admissible cells, and work in
float64 one cell (or one path) at a time.
"""

import numpy as np
from oracles import warping_paths


def _allowed(mask, i, j):
    return mask is None or bool(mask[i, j])


def soft_min(values, gamma):
    """-gamma * log(sum(exp(-v / gamma))) over the finite values; +inf if there are none."""
    finite = np.asarray([v for v in values if np.isfinite(v)], dtype=np.float64)
    if finite.size == 0:
        return np.inf
    low = finite.min()
    return low - gamma * np.log(np.exp(-(finite - low) / gamma).sum())


def soft_dtw_table(cost, gamma, mask=None):
    """The bordered (n + 1, m + 1) table R of the textbook soft-DTW recursion."""
    n, m = cost.shape
    R = np.full((n + 1, m + 1), np.inf)
    R[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            if _allowed(mask, i - 1, j - 1):
                best = soft_min((R[i - 1, j - 1], R[i - 1, j], R[i, j - 1]), gamma)
                R[i, j] = cost[i - 1, j - 1] + best
    return R


def soft_dtw_recursion(cost, gamma, mask=None):
    """Soft-DTW value and E = d value / d cost, E by recomputing each transition from R.

    This is the paper's backward (Form A), not the engine's exp(alpha + beta - value) form.
    """
    n, m = cost.shape
    R = soft_dtw_table(cost, gamma, mask)
    E = np.zeros((n + 2, m + 2))
    if np.isfinite(R[n, m]):
        E[n, m] = 1.0
    for i in range(n, 0, -1):
        for j in range(m, 0, -1):
            if (i, j) == (n, m) or not np.isfinite(R[i, j]):
                continue
            total = 0.0
            for si, sj in ((i + 1, j), (i, j + 1), (i + 1, j + 1)):
                if si <= n and sj <= m and np.isfinite(R[si, sj]) and E[si, sj] > 0:
                    # The weight that successor s gave to this cell in its soft-min.
                    step = R[si, sj] - cost[si - 1, sj - 1] - R[i, j]
                    total += E[si, sj] * np.exp(step / gamma)
            E[i, j] = total
    return R[n, m], E[1 : n + 1, 1 : m + 1]


def soft_dtw_paths(cost, gamma, mask=None):
    """Soft-DTW value and E over every admissible warping path (tiny inputs only).

    The value is the soft-min of the path costs and E the mean alignment matrix under the
    Gibbs distribution exp(-cost(path) / gamma).
    """
    n, m = cost.shape
    paths = [p for p in warping_paths(n, m) if all(_allowed(mask, i, j) for i, j in p)]
    E = np.zeros((n, m))
    if not paths:
        return np.inf, E
    totals = np.array([sum(cost[i, j] for i, j in p) for p in paths])
    value = soft_min(totals, gamma)
    weights = np.exp(-(totals - totals.min()) / gamma)
    weights /= weights.sum()
    for weight, path in zip(weights, paths, strict=True):
        for i, j in path:
            E[i, j] += weight
    return value, E


def dtw_backtrack(cost, mask=None):
    """Squared DTW cost and the 0/1 matrix of tslearn's optimal path.

    From the end cell, step to the first minimum among (diagonal, up, left) predecessors of
    the accumulated matrix; on the first row step left, on the first column step up.
    """
    n, m = cost.shape
    R = np.full((n + 1, m + 1), np.inf)
    R[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            if _allowed(mask, i - 1, j - 1):
                R[i, j] = cost[i - 1, j - 1] + min(R[i - 1, j - 1], R[i - 1, j], R[i, j - 1])
    A = np.zeros((n, m))
    if not np.isfinite(R[n, m]):
        return np.inf, A
    i, j = n, m
    while True:
        A[i - 1, j - 1] = 1.0
        if (i, j) == (1, 1):
            break
        if i == 1:
            j -= 1
        elif j == 1:
            i -= 1
        else:
            moves = ((i - 1, j - 1), (i - 1, j), (i, j - 1))
            i, j = min(moves, key=lambda cell: R[cell])  # min keeps the first minimum
    return R[n, m], A
