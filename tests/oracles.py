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


def path_count(n, m, mask=None):
    """Number of warping paths of an (n, m) grid (inside ``mask`` if given), exactly."""
    count = [[0] * m for _ in range(n)]
    for i in range(n):
        for j in range(m):
            if mask is not None and not mask[i, j]:
                continue
            if i == j == 0:
                count[i][j] = 1
                continue
            up = count[i - 1][j] if i else 0
            left = count[i][j - 1] if j else 0
            diagonal = count[i - 1][j - 1] if i and j else 0
            count[i][j] = up + left + diagonal
    return count[n - 1][m - 1]


def soft_dtw_brute_force(x, y, gamma, mask=None):
    """Soft-DTW and expected alignment by enumerating the warping paths (tiny inputs only).

    The value is -gamma * log(sum_p exp(-cost_p / gamma)); the alignment is the mean of the
    paths' 0/1 matrices weighted by exp(-cost_p / gamma). With a boolean ``mask``, only the
    paths inside it count.
    """
    cost = squared_costs(x, y)
    paths = [
        path
        for path in warping_paths(*cost.shape)
        if mask is None or all(mask[i, j] for i, j in path)
    ]
    exponents = np.array([-sum(cost[i, j] for i, j in path) / gamma for path in paths])
    top = exponents.max()
    weights = np.exp(exponents - top)
    value = -gamma * (top + np.log(weights.sum()))
    alignment = np.zeros(cost.shape)
    for weight, path in zip(weights / weights.sum(), paths, strict=True):
        for i, j in path:
            alignment[i, j] += weight
    return float(value), alignment


def soft_dtw_naive(x, y, gamma):
    """Soft-DTW by the textbook (n+1) x (m+1) dynamic program, with NumPy's logaddexp."""
    cost = squared_costs(x, y)
    n, m = cost.shape
    acc = np.full((n + 1, m + 1), np.inf)
    acc[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            previous = np.array([acc[i - 1, j - 1], acc[i - 1, j], acc[i, j - 1]])
            acc[i, j] = cost[i - 1, j - 1] - gamma * np.logaddexp.reduce(-previous / gamma)
    return float(acc[n, m])


def central_differences(function, x, step=1e-6):
    """Gradient of a scalar function of the array x by central finite differences."""
    x = np.asarray(x, dtype=np.float64)
    gradient = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        shift = np.zeros_like(x)
        shift[index] = step
        gradient[index] = (function(x + shift) - function(x - shift)) / (2 * step)
    return gradient
