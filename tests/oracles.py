"""Slow, obviously correct reference implementations that the kernels are checked against."""

import math

import numpy as np


def squared_costs(x, y):
    """C[i, j] = ||x_i - y_j||^2 for series of shapes (n, d) and (m, d)."""
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    return ((x[:, None, :] - y[None, :, :]) ** 2).sum(axis=-1)


def accumulated_naive(x, y, mask=None):
    """The (n, m) accumulated cost matrix, one cell at a time; inf where mask is False."""
    cost = squared_costs(x, y)
    n, m = cost.shape
    acc = np.full((n + 1, m + 1), np.inf)
    acc[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            if mask is None or mask[i - 1, j - 1]:
                best = min(acc[i - 1, j - 1], acc[i - 1, j], acc[i, j - 1])
                acc[i, j] = cost[i - 1, j - 1] + best
    return acc[1:, 1:]


def dtw_naive(x, y, mask=None):
    """DTW by the textbook dynamic program."""
    return float(np.sqrt(accumulated_naive(x, y, mask)[-1, -1]))


def sakoe_chiba_naive(n, m, radius):
    """tslearn's Sakoe-Chiba band, cell by cell: |i - j| <= radius after widening."""
    mask = np.zeros((n, m), dtype=bool)
    for i in range(n):
        for j in range(m):
            if n <= m:
                mask[i, j] = -radius <= j - i <= (m - n) + radius
            else:
                mask[i, j] = -radius <= i - j <= (n - m) + radius
    return mask


def itakura_naive(n, m, max_slope):
    """tslearn's Itakura parallelogram, column by column, with its rounding to 2 decimals."""
    mask = np.zeros((n, m), dtype=bool)
    low_slope, high_slope = (1 / max_slope) * (n / m), max_slope * (n / m)
    for j in range(m):
        lower = max(
            np.round(low_slope * j, 2),
            np.round((n - 1) - high_slope * (m - 1) + high_slope * j, 2),
        )
        upper = min(
            np.round(high_slope * j, 2), np.round((n - 1) - low_slope * (m - 1) + low_slope * j, 2)
        )
        mask[int(np.ceil(lower)) : int(np.floor(upper + 1)), j] = True
    return mask


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


def optimal_paths(x, y, mask=None):
    """DTW as the minimum over all warping paths inside ``mask`` (tiny inputs only).

    Returns the squared DTW cost and the list of paths reaching it.
    """
    cost = squared_costs(x, y)
    allowed = [
        path
        for path in warping_paths(*cost.shape)
        if mask is None or all(mask[i, j] for i, j in path)
    ]
    totals = [sum(cost[i, j] for i, j in path) for path in allowed]
    best = min(totals)
    return best, [path for path, total in zip(allowed, totals, strict=True) if total == best]


def dtw_brute_force(x, y, mask=None):
    """DTW as the minimum over all warping paths inside ``mask`` (tiny inputs only)."""
    return float(np.sqrt(optimal_paths(x, y, mask)[0]))


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


def frechet_accumulated_naive(x, y, mask=None, cost=None):
    """The Fréchet accumulated matrix, one cell at a time: max(cost, min(predecessors)).

    ``cost`` replaces the squared costs of x and y when given.
    """
    cost = squared_costs(x, y) if cost is None else np.asarray(cost, dtype=np.float64)
    n, m = cost.shape
    acc = np.full((n + 1, m + 1), np.inf)
    acc[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            if mask is None or mask[i - 1, j - 1]:
                best = min(acc[i - 1, j - 1], acc[i - 1, j], acc[i, j - 1])
                acc[i, j] = max(cost[i - 1, j - 1], best)
    return acc[1:, 1:]


def frechet_optimal_paths(x, y, mask=None):
    """The smallest largest squared cost over the paths inside ``mask``, and the paths
    reaching it (tiny inputs only)."""
    cost = squared_costs(x, y)
    allowed = [
        path
        for path in warping_paths(*cost.shape)
        if mask is None or all(mask[i, j] for i, j in path)
    ]
    largest = [max(cost[i, j] for i, j in path) for path in allowed]
    best = min(largest)
    return best, [path for path, top in zip(allowed, largest, strict=True) if top == best]


def dtw_path_naive(x, y, mask=None):
    """(path, squared cost): the accumulated matrix, then a walk back from the last cell that
    prefers the diagonal, then up (i - 1), then left (j - 1) among equal predecessors."""
    acc = accumulated_naive(x, y, mask)
    i, j = acc.shape[0] - 1, acc.shape[1] - 1
    path = [(i, j)]
    while (i, j) != (0, 0):
        if i == 0:
            j -= 1
        elif j == 0:
            i -= 1
        else:
            moves = [(i - 1, j - 1), (i - 1, j), (i, j - 1)]
            i, j = min(moves, key=lambda cell: acc[cell])  # the first of equal minima
        path.append((i, j))
    return path[::-1], float(acc[-1, -1])


def dba_naive(series, start, max_iter, weights=None, mask_of=None):
    """DBA written out: align each series with the barycenter (barycenter first), average
    the steps aligned with each position, weighted; stop when the cost changes by less
    than 1e-5 or after ``max_iter`` steps. ``mask_of(n, m)`` gives the constraint's mask.

    Returns the barycenter and the list of costs, sum_i w_i * dtw_i ** 2 / sum_i w_i, of
    the barycenters before each step.
    """
    series = [np.asarray(s, dtype=np.float64).reshape(len(s), -1) for s in series]
    weights = np.ones(len(series)) if weights is None else np.asarray(weights, dtype=float)
    barycenter = np.array(start, dtype=np.float64).reshape(len(start), -1)
    costs = []
    for _ in range(max_iter):
        totals = np.zeros_like(barycenter)
        counts = np.zeros(len(barycenter))
        cost = 0.0
        for s, w in zip(series, weights, strict=True):
            mask = None if mask_of is None else mask_of(len(barycenter), len(s))
            path, squared = dtw_path_naive(barycenter, s, mask)
            cost += w * squared
            for i, j in path:
                totals[i] += w * s[j]
                counts[i] += w
        costs.append(cost / weights.sum())
        barycenter = totals / counts[:, None]
        if len(costs) > 1 and abs(costs[-2] - costs[-1]) < 1e-5:
            break
    return barycenter, costs


def log_local_kernels(x, y, sigma):
    """log of GAK's local kernel exp(-u) / (2 - exp(-u)), u = ||x_i - y_j||^2 / (2 sigma^2),
    for all (i, j)."""
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    u = ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1) / (2 * sigma**2)
    return -u - np.log(2 - np.exp(-u))


def log_gak_naive(x, y, sigma=1.0):
    """log of the global alignment kernel by the log-space DP, each log-sum-exp with
    math.fsum."""
    log_k = log_local_kernels(x, y, sigma)
    n, m = log_k.shape
    log_acc = np.full((n + 1, m + 1), -np.inf)
    log_acc[0, 0] = 0.0
    for i in range(n):
        for j in range(m):
            terms = [log_acc[i, j], log_acc[i, j + 1], log_acc[i + 1, j]]
            top = max(terms)
            total = math.fsum(math.exp(t - top) for t in terms)
            log_acc[i + 1, j + 1] = log_k[i, j] + top + math.log(total)
    return log_acc[n, m]


def lcss_count_naive(x, y, eps, mask=None):
    """tslearn's LCSS count by its dynamic program, cell by cell, steps matching when
    math.dist (scaled inside, so right for huge and tiny values) is at most eps."""
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    n, m = len(x), len(y)
    table = np.zeros((n + 1, m + 1), dtype=int)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            if mask is not None and not mask[i - 1, j - 1]:
                continue
            if math.dist(x[i - 1], y[j - 1]) <= eps:
                table[i, j] = table[i - 1, j - 1] + 1
            else:
                table[i, j] = max(table[i - 1, j], table[i, j - 1])
    return int(table[n, m])


def sbd_exact(x, y):
    """SBD in exact rational arithmetic (any magnitudes): 1 - max over the shifts of
    cc / (||x|| ||y||), 0 when ||x|| ||y|| < 1e-9; only the last square root is rounded."""
    from fractions import Fraction

    x = [[Fraction(float(v)) for v in row] for row in np.reshape(x, (len(x), -1))]
    y = [[Fraction(float(v)) for v in row] for row in np.reshape(y, (len(y), -1))]
    norms = sum(v * v for row in x for v in row) * sum(v * v for row in y for v in row)
    if norms < Fraction(1e-9) ** 2:
        return 1.0
    best = None
    for shift in range(-(len(y) - 1), len(x)):
        cc = sum(
            sum(a * b for a, b in zip(x[t + shift], y[t], strict=True))
            for t in range(len(y))
            if 0 <= t + shift < len(x)
        )
        ratio = math.sqrt(cc * cc / norms) * (1 if cc >= 0 else -1)
        best = ratio if best is None else max(best, ratio)
    return 1.0 - best
