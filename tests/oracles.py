"""Slow, obviously correct reference implementations that the kernels are checked against."""

import numpy as np


def squared_costs(x, y):
    """C[i, j] = ||x_i - y_j||^2 for series of shapes (n, d) and (m, d)."""
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    return ((x[:, None, :] - y[None, :, :]) ** 2).sum(axis=-1)


def dtw_naive(x, y):
    """DTW by the textbook (n+1) x (m+1) dynamic program, one cell at a time."""
    cost = squared_costs(x, y)
    n, m = cost.shape
    acc = np.full((n + 1, m + 1), np.inf)
    acc[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            acc[i, j] = cost[i - 1, j - 1] + min(acc[i - 1, j - 1], acc[i - 1, j], acc[i, j - 1])
    return float(np.sqrt(acc[n, m]))


def warping_paths(n, m):
    """Every warping path from (0, 0) to (n - 1, m - 1), each exactly once."""

    def extend(path):
        i, j = path[-1]
        if (i, j) == (n - 1, m - 1):
            yield path
            return
        for di, dj in ((1, 1), (1, 0), (0, 1)):
            if i + di < n and j + dj < m:
                yield from extend([*path, (i + di, j + dj)])

    yield from extend([(0, 0)])


def dtw_brute_force(x, y):
    """DTW as the minimum over all warping paths (tiny inputs only)."""
    cost = squared_costs(x, y)
    best = min(sum(cost[i, j] for i, j in path) for path in warping_paths(*cost.shape))
    return float(np.sqrt(best))
