"""Subsequence DTW: the best match of a query anywhere in a long series, and search.

R[i, j] = ||q_i - y_j||^2 + min(R[i-1, j-1], R[i-1, j], R[i, j-1]) as for DTW, except that
row -1 is 0 everywhere: a path may start at any column of the long series (and end at any
column too, the best of the last row). The best end comes from a sweep column by column of
the long series, in O(len(query)) memory; a sweep back from it bounds where the best path
can start, and the path is backtracked in the accumulated matrix of that stretch only.

The search compares the query with every window of the long series of the query's length,
by DTW within a Sakoe-Chiba band, and prunes windows with lower bounds and early abandoning.
"""
import numpy as np

from libc.math cimport INFINITY, sqrt

from cython cimport floating

from tswarp._kernels._interrupt cimport finished, tswarp_flag, tswarp_stopped, watch

# Columns of the long series swept together (see sweep_columns).
cdef enum:
    COLUMNS = 8
    # Rows whose costs are computed at a time, ahead of the sweep that may stop early.
    COST_ROWS = 4
    # Windows whose DTW the exhaustive search computes side by side.
    LANES = 4
    # Windows whose lower bounds are summed together (see query_envelope_bounds).
    WINDOW_CHUNK = 512


cdef inline floating squared_distance(
    const floating* a, const floating* b, Py_ssize_t d
) noexcept nogil:
    cdef Py_ssize_t k
    cdef floating diff, total = 0
    if d == 1:
        diff = a[0] - b[0]
        return diff * diff
    for k in range(d):
        diff = a[k] - b[k]
        total = total + diff * diff
    return total


cdef inline void row_costs(
    const floating* q, Py_ssize_t first, Py_ssize_t rows, const floating* y, Py_ssize_t d,
    floating* costs,
) noexcept nogil:
    """costs[r * COLUMNS + c] = ||q[first + r] - y[c]||^2 for ``rows`` rows, in loops that
    vectorise."""
    cdef Py_ssize_t r, c
    cdef floating diff
    for r in range(rows):
        for c in range(COLUMNS):
            if d == 1:
                diff = q[first + r] - y[c]
                costs[r * COLUMNS + c] = diff * diff
            else:
                costs[r * COLUMNS + c] = squared_distance(q + (first + r) * d, y + c * d, d)


cdef inline Py_ssize_t sweep_columns(
    const floating* q, Py_ssize_t n, const floating* y, Py_ssize_t d,
    floating* column, floating* costs, floating* last, Py_ssize_t reach, floating limit,
) noexcept nogil:
    """COLUMNS columns of R together, for the steps y (COLUMNS, d); ``column[i]`` holds R[i]
    at the column before them, and no cell of it from row ``reach`` on is <= ``limit``.
    Returns that row for the last swept column.

    One column alone is a serial chain from cell to cell; COLUMNS columns swept row by row
    give the CPU that many chains to overlap (column c at row i needs column c - 1 at rows
    i - 1 and i, both just computed). The loops over columns have a fixed length, so they
    unroll and keep the columns' cells in registers.

    Only cells of R <= ``limit`` matter (the others cannot lead to a better end). Once a
    whole row at or past ``reach`` exceeds it, so do all the rows above (costs are >= 0),
    and the sweep stops. The rows of ``column`` not computed keep cells of an earlier
    column, which exceed ``limit`` as the true ones do, and so change nothing that
    matters. On return ``column`` holds the last swept column and ``last`` the last row
    (inf when not reached). ``costs`` is scratch for COLUMNS * COST_ROWS values.
    """
    cdef floating above[COLUMNS]
    cdef floating diagonal, up, left, smallest
    cdef Py_ssize_t i, c, top = 0
    row_costs(q, 0, min(<Py_ssize_t> COST_ROWS, n), y, d, costs)
    # Row 0: every path may start here (row -1 is 0), so R[0, j] is the cost alone.
    for c in range(COLUMNS):
        above[c] = costs[c]
    diagonal = column[0]
    column[0] = above[COLUMNS - 1]
    if column[0] <= limit:
        top = 1
    for i in range(1, n):
        if i % COST_ROWS == 0:
            row_costs(q, i, min(<Py_ssize_t> COST_ROWS, n - i), y, d, costs)
        left = column[i]
        smallest = INFINITY
        for c in range(COLUMNS):
            up = above[c]
            left = costs[(i % COST_ROWS) * COLUMNS + c] + min(diagonal, up, left)
            diagonal = up
            above[c] = left
            smallest = min(smallest, left)
        # R[i] of the column before is the diagonal of row i + 1's first cell.
        diagonal = column[i]
        column[i] = left
        if left <= limit:
            top = i + 1
        if smallest > limit and i >= reach:
            for c in range(COLUMNS):
                last[c] = INFINITY
            return top
    for c in range(COLUMNS):
        last[c] = above[c]
    return top


cdef floating best_end(
    const floating* q, Py_ssize_t n, const floating* y, Py_ssize_t m, Py_ssize_t d,
    floating* column, floating* costs, floating* tail, floating bound, Py_ssize_t* end,
    const tswarp_flag* stop,
) noexcept nogil:
    """The smallest R[n - 1, j] over j, and that j (the first one on ties), given ``bound``,
    at least that smallest value (inf when unknown).

    Cells above the best end so far, or above ``bound``, are not needed: columns are swept
    only up to the rows that can still improve on it. ``column`` is scratch for n values,
    ``costs`` for COLUMNS * COST_ROWS and ``tail`` for COLUMNS * d: the last columns, fewer
    than COLUMNS, are swept from a copy padded with zeros, whose extra columns change
    nothing before them and are not read. The result is meaningless when ``stop`` is raised.
    """
    cdef floating last[COLUMNS]
    cdef floating best = INFINITY
    cdef Py_ssize_t first = 0, width, reach = n, i, c
    for i in range(n):
        column[i] = INFINITY  # column -1: no path comes from there
    end[0] = 0
    while first < m and not tswarp_stopped(stop):
        width = min(<Py_ssize_t> COLUMNS, m - first)
        if width == COLUMNS:
            reach = sweep_columns(q, n, y + first * d, d, column, costs, last, reach,
                                  min(best, bound))
        else:
            for i in range(COLUMNS * d):
                tail[i] = y[first * d + i] if i < width * d else 0
            reach = sweep_columns(q, n, tail, d, column, costs, last, reach, min(best, bound))
        for c in range(width):
            if last[c] < best:
                best = last[c]
                end[0] = first + c
        first += width
    return best


def subsequence_end(const floating[:, ::1] q, const floating[:, ::1] y, double bound):
    """(cost, end): the least squared cost of q (n, d) against any stretch of y (m, d), and
    the column where the first such optimal path ends, in O(n) memory. ``bound`` is an
    upper bound on that cost (inf when none is known): the tighter, the less work."""
    cdef Py_ssize_t n = q.shape[0], m = y.shape[0], end
    dtype = np.asarray(q).dtype
    cdef floating[::1] column = np.empty(n, dtype=dtype)
    cdef floating[::1] costs = np.empty(COLUMNS * COST_ROWS, dtype=dtype)
    cdef floating[::1] tail = np.empty(COLUMNS * q.shape[1], dtype=dtype)
    cdef floating cost
    cdef const tswarp_flag* stop
    while True:
        stop = watch(<double> n * m)
        with nogil:
            cost = best_end(&q[0, 0], n, &y[0, 0], m, q.shape[1], &column[0], &costs[0],
                            &tail[0], bound, &end, stop)
        if finished(stop):
            return cost, end


def first_possible_start(
    const floating[:, ::1] q, const floating[:, ::1] y, Py_ssize_t end, double cost,
):
    """A column L such that every path of cost <= ``cost`` ending at (n - 1, end) starts at
    L or after it.

    Sweeps the columns leftwards from ``end`` with the cost of the cheapest completion from
    each cell to (n - 1, end). Every path that starts left of column j crosses column j, so
    once a whole column's completions cost more than ``cost``, no such path starts there or
    further left. ``cost`` should carry a margin for rounding.
    """
    cdef Py_ssize_t n = q.shape[0], d = q.shape[1], i, j
    cdef double[::1] after = np.empty(n + 1)  # completions from column j + 1, then border
    cdef double below, value, smallest
    cdef const tswarp_flag* stop
    while True:
        stop = watch(<double> n * (end + 1))
        with nogil:
            for i in range(n):
                after[i] = INFINITY
            after[n] = 0  # past (n - 1, end), where the path ends
            j = end
            while j >= 0 and not tswarp_stopped(stop):
                below = INFINITY  # under row n - 1
                smallest = INFINITY
                for i in range(n - 1, -1, -1):
                    value = squared_distance(&q[i, 0], &y[j, 0], d) + min(
                        after[i + 1], below, after[i])
                    after[i + 1] = below
                    below = value
                    smallest = min(smallest, value)
                after[0] = below
                if smallest > cost:
                    break
                j -= 1
        if finished(stop):
            break
    return j + 1


def subsequence_accumulated(const floating[:, ::1] q, const floating[:, ::1] y):
    """The (n, m) matrix R, row by row."""
    cdef Py_ssize_t n = q.shape[0], m = y.shape[0], d = q.shape[1], i, j
    acc_array = np.empty((n, m), dtype=np.asarray(q).dtype)
    cdef floating[:, ::1] acc = acc_array
    cdef floating best
    cdef const tswarp_flag* stop
    while True:
        stop = watch(<double> n * m)
        with nogil:
            for j in range(m):
                acc[0, j] = squared_distance(&q[0, 0], &y[j, 0], d)
            for i in range(1, n):
                if tswarp_stopped(stop):
                    break
                acc[i, 0] = squared_distance(&q[i, 0], &y[0, 0], d) + acc[i - 1, 0]
                for j in range(1, m):
                    best = min(acc[i - 1, j - 1], acc[i - 1, j], acc[i, j - 1])
                    acc[i, j] = squared_distance(&q[i, 0], &y[j, 0], d) + best
        if finished(stop):
            return acc_array


def subsequence_backtrack(const double[:, ::1] acc, Py_ssize_t end):
    """The path from row 0 to (n - 1, end) that tslearn's backtracking rule follows.

    From (i, j), the predecessor of least value among (i-1, j-1), (i-1, j) and (i, j-1),
    the first of them on ties; in column 0 only (i-1, 0). It stops on reaching row 0.
    """
    cdef Py_ssize_t n = acc.shape[0], i = n - 1, j = end, k = 0
    cdef Py_ssize_t[:, ::1] steps = np.empty((n + end, 2), dtype=np.intp)
    cdef double diagonal, up, left
    with nogil:
        while True:
            steps[k, 0], steps[k, 1] = i, j
            k += 1
            if i == 0:
                break
            if j == 0:
                i -= 1
                continue
            diagonal, up, left = acc[i - 1, j - 1], acc[i - 1, j], acc[i, j - 1]
            if diagonal <= up and diagonal <= left:
                i -= 1
                j -= 1
            elif up <= left:
                i -= 1
            else:
                j -= 1
    return [(steps[i, 0], steps[i, 1]) for i in range(k - 1, -1, -1)]


# --- search: the query against every window of the long series, within a band ---


cdef double window_dtw(
    const double* q, const double* w, Py_ssize_t n, Py_ssize_t d,
    const Py_ssize_t* lo, const Py_ssize_t* hi, double* rows,
    const double* remaining, double limit,
) noexcept nogil:
    """DTW squared of q and w, both (n, d), within the band; inf once no path can cost
    ``limit`` or less: the least cell of row i plus ``remaining[i + 1]``, a lower bound on
    the cost of rows i + 1 onwards (remaining[n] = 0), exceeds it. ``rows`` is scratch for
    2 * (n + 1) values."""
    cdef double* previous = rows
    cdef double* current = rows + n + 1
    cdef double* swap
    cdef double left, up, diagonal, smallest
    cdef Py_ssize_t i, j, next_hi
    previous[0] = 0
    for j in range(1, n + 1):
        previous[j] = INFINITY
    for i in range(n):
        current[lo[i]] = INFINITY
        left = INFINITY
        diagonal = previous[lo[i]]
        smallest = INFINITY
        for j in range(lo[i], hi[i]):
            up = previous[j + 1]
            left = squared_distance(q + i * d, w + j * d, d) + min(diagonal, up, left)
            current[j + 1] = left
            diagonal = up
            smallest = min(smallest, left)
        if smallest + remaining[i + 1] > limit:
            return INFINITY
        next_hi = hi[i + 1] if i + 1 < n else hi[i]
        for j in range(hi[i], next_hi):
            current[j + 1] = INFINITY
        swap = previous
        previous = current
        current = swap
    return previous[n]


cdef void window_dtw_lanes(
    const double* q, const double* w, Py_ssize_t n, Py_ssize_t d,
    const Py_ssize_t* lo, const Py_ssize_t* hi, double* rows, double* out,
) noexcept nogil:
    """``window_dtw`` without abandoning for LANES windows at once, stored one after another
    in ``w``: their cells side by side are independent chains that the CPU overlaps, and
    each window's value is the one ``window_dtw`` gives. ``rows`` is scratch for
    2 * LANES * (n + 1) values; slot j of a row holds column j - 1 of each window in turn.
    """
    cdef double* previous = rows
    cdef double* current = rows + LANES * (n + 1)
    cdef double* swap
    cdef double left[LANES]
    cdef double diagonal[LANES]
    cdef double up
    cdef Py_ssize_t i, j, lane, next_hi
    for lane in range(LANES):
        previous[lane] = 0
    for j in range(LANES, LANES * (n + 1)):
        previous[j] = INFINITY
    for i in range(n):
        for lane in range(LANES):
            current[lo[i] * LANES + lane] = INFINITY
            left[lane] = INFINITY
            diagonal[lane] = previous[lo[i] * LANES + lane]
        for j in range(lo[i], hi[i]):
            for lane in range(LANES):
                up = previous[(j + 1) * LANES + lane]
                left[lane] = squared_distance(q + i * d, w + (lane * n + j) * d, d) + min(
                    diagonal[lane], up, left[lane])
                current[(j + 1) * LANES + lane] = left[lane]
                diagonal[lane] = up
        next_hi = hi[i + 1] if i + 1 < n else hi[i]
        for j in range(hi[i], next_hi):
            for lane in range(LANES):
                current[(j + 1) * LANES + lane] = INFINITY
        swap = previous
        previous = current
        current = swap
    for lane in range(LANES):
        out[lane] = previous[n * LANES + lane]


cdef void every_window(
    const double* q, const double* y, Py_ssize_t n, Py_ssize_t d, Py_ssize_t windows,
    const Py_ssize_t* lo, const Py_ssize_t* hi, const double* mean, const double* scale,
    double* w, double* rows, const double* no_bound, double* costs, const tswarp_flag* stop,
) noexcept nogil:
    """costs[s] = the squared DTW of q with every window s, LANES windows at a time."""
    cdef Py_ssize_t s = 0, lane
    while s + LANES <= windows and not tswarp_stopped(stop):
        for lane in range(LANES):
            load_window(y, s + lane, n, d, mean, scale, w + lane * n * d)
        window_dtw_lanes(q, w, n, d, lo, hi, rows, costs + s)
        s += LANES
    while s < windows and not tswarp_stopped(stop):
        load_window(y, s, n, d, mean, scale, w)
        costs[s] = window_dtw(q, w, n, d, lo, hi, rows, no_bound, INFINITY)
        s += 1


cdef inline double outside(double value, double low, double high) noexcept nogil:
    """How far value lies outside [low, high], squared (0 inside)."""
    cdef double gap = max(value - high, low - value, 0.0)
    return gap * gap


cdef inline void load_window(
    const double* y, Py_ssize_t start, Py_ssize_t n, Py_ssize_t d,
    const double* mean, const double* scale, double* w,
) noexcept nogil:
    """w = (y[start:start + n] - mean) * scale, the window as it is compared."""
    cdef Py_ssize_t i, k
    for i in range(n):
        for k in range(d):
            w[i * d + k] = (y[(start + i) * d + k] - mean[start * d + k]) * scale[start * d + k]


def window_moments(const double[:, ::1] y, Py_ssize_t n, double[:, ::1] mean,
                   double[:, ::1] scale):
    """mean[s] and scale[s] = 1 / std of every window y[s:s + n], per feature; scale 0 for
    a constant window (its largest and smallest values equal).

    Two passes over each window (its mean, then the squares about it), so that the
    moments are as accurate as the data, wherever the window lies in a long series.
    Windows go in chunks, step by step of the window, so that the loops over windows
    vectorise.
    """
    cdef Py_ssize_t windows = mean.shape[0], d = y.shape[1], first, width, i, k, c
    cdef double[:, ::1] scratch = np.empty((4, WINDOW_CHUNK))
    cdef double* centre = &scratch[0, 0]
    cdef double* spread = &scratch[1, 0]
    cdef double* largest = &scratch[2, 0]
    cdef double* smallest = &scratch[3, 0]
    cdef double value
    with nogil:
        for k in range(d):
            first = 0
            while first < windows:
                width = min(<Py_ssize_t> WINDOW_CHUNK, windows - first)
                for c in range(width):
                    centre[c] = 0
                    spread[c] = 0
                    largest[c] = y[first + c, k]
                    smallest[c] = y[first + c, k]
                for i in range(n):
                    for c in range(width):
                        value = y[first + c + i, k]
                        centre[c] += value
                        largest[c] = max(largest[c], value)
                        smallest[c] = min(smallest[c], value)
                for c in range(width):
                    centre[c] /= n
                for i in range(n):
                    for c in range(width):
                        value = y[first + c + i, k] - centre[c]
                        spread[c] += value * value
                for c in range(width):
                    mean[first + c, k] = centre[c]
                    if largest[c] == smallest[c]:
                        scale[first + c, k] = 0
                    else:
                        scale[first + c, k] = 1 / sqrt(spread[c] / n)
                first += width


def query_envelope_bounds(
    const double[:, ::1] y, Py_ssize_t n, const double[:, ::1] mean,
    const double[:, ::1] scale, const double[:, ::1] low, const double[:, ::1] high,
):
    """LB_Keogh of every window against the query's envelope (low, high), squared.

    Window s, as compared ((y[s + i] - mean[s]) * scale[s]), must lie within the envelope
    of the query around each of its steps for a path in the band to cost nothing; the sum
    of its squared excursions is a lower bound on its DTW. Windows go in chunks that stay
    in cache, step by step of the query, so that the loop over windows vectorises.
    """
    cdef Py_ssize_t windows = mean.shape[0], d = y.shape[1], first, width, i, k, c
    bounds_array = np.zeros(windows)
    cdef double[::1] bounds = bounds_array
    cdef double value, below, above, gap
    with nogil:
        first = 0
        while first < windows:
            width = min(<Py_ssize_t> WINDOW_CHUNK, windows - first)
            for i in range(n):
                for k in range(d):
                    below = low[i, k]
                    above = high[i, k]
                    for c in range(width):
                        value = (y[first + c + i, k] - mean[first + c, k]) * scale[first + c, k]
                        gap = max(value - above, below - value, 0.0)
                        bounds[first + c] += gap * gap
            first += width
    return bounds_array


cdef struct Answer:
    # Windows kept pairwise apart by the exclusion, at most ``capacity`` of them: once full,
    # their largest cost bounds which windows can still enter the k best (see search).
    Py_ssize_t* starts
    double* costs
    Py_ssize_t size, capacity, exclusion
    double threshold


cdef void keep(Answer* answer, Py_ssize_t start, double cost) noexcept nogil:
    """Take a computed window into ``answer`` when that keeps its windows apart and does
    not raise its threshold, and update the threshold."""
    cdef Py_ssize_t t, clash = -1, clashes = 0, largest = 0
    if answer.size == answer.capacity and cost >= answer.threshold:
        return
    for t in range(answer.size):
        if start - answer.exclusion < answer.starts[t] < start + answer.exclusion:
            clash = t
            clashes += 1
    if clashes == 0:
        if answer.size < answer.capacity:
            clash = answer.size
            answer.size += 1
        else:  # in place of the costliest
            for t in range(answer.size):
                if answer.costs[t] > answer.costs[largest]:
                    largest = t
            clash = largest
    elif clashes > 1 or cost >= answer.costs[clash]:
        return  # taking it would leave fewer windows, or costlier ones
    answer.starts[clash] = start
    answer.costs[clash] = cost
    if answer.size == answer.capacity:
        answer.threshold = answer.costs[0]
        for t in range(1, answer.size):
            answer.threshold = max(answer.threshold, answer.costs[t])


def search_windows(
    const double[:, ::1] q, const double[:, ::1] y,
    const Py_ssize_t[::1] lo, const Py_ssize_t[::1] hi,
    const double[:, ::1] mean, const double[:, ::1] scale,
    const Py_ssize_t[::1] order, const double[::1] query_bounds,
    const double[:, ::1] low, const double[:, ::1] high,
    Py_ssize_t k, Py_ssize_t exclusion, bint prune,
):
    """The squared DTW of q (n, d) with every window of y that can be among the k best
    non-overlapping ones; inf for the windows pruned.

    Windows are visited in ``order``. With ``prune``, ``order`` sorts ``query_bounds``
    (LB_Keogh against the query's envelope) in increasing order,
    ``low`` and ``high`` are y's envelope within the band's radius, and a window is skipped
    once a lower bound of its cost exceeds the threshold of the windows computed so far:
    LB_Keogh of the query, then the first and last steps, then LB_Keogh of the query
    against the window's envelope, then DTW abandoned row by row. The threshold is the
    largest cost among 2k - 1 computed windows that lie pairwise ``exclusion`` apart: a
    window costlier than all of them comes, in the order (cost, start), after k of the best
    non-overlapping windows (each window taken rules out at most two of them), so it is
    never taken.
    """
    cdef Py_ssize_t n = q.shape[0], d = q.shape[1], windows = order.shape[0]
    cdef Py_ssize_t t, s, i, kk
    costs_array = np.full(mean.shape[0], INFINITY)
    cdef double[::1] costs = costs_array
    cdef double[::1] w = np.empty(LANES * n * d)
    cdef double[::1] rows = np.empty(2 * LANES * (n + 1))
    cdef double[::1] remaining = np.zeros(n + 1)
    cdef Py_ssize_t[::1] kept_starts = np.empty(2 * k - 1, dtype=np.intp)
    cdef double[::1] kept_costs = np.empty(2 * k - 1)
    cdef Answer answer
    # Lower bounds are sums in another order than DTW's: they are compared with a margin.
    cdef double margin = 1.0 + 4.0 * (2 * n + 2) * 2.0 ** -53
    cdef double limit, bound
    cdef const tswarp_flag* stop
    while True:
        answer.starts = &kept_starts[0]
        answer.costs = &kept_costs[0]
        answer.size = 0
        answer.capacity = 2 * k - 1
        answer.exclusion = exclusion
        answer.threshold = INFINITY
        stop = watch(<double> windows * n)  # at least n cells a window
        with nogil:
            if not prune:
                every_window(&q[0, 0], &y[0, 0], n, d, windows, &lo[0], &hi[0], &mean[0, 0],
                             &scale[0, 0], &w[0], &rows[0], &remaining[0], &costs[0], stop)
            for t in range(windows if prune else 0):
                if tswarp_stopped(stop):
                    break
                s = order[t]
                limit = answer.threshold * margin
                if prune and query_bounds[s] > limit:
                    break  # and so are all the windows after it
                load_window(&y[0, 0], s, n, d, &mean[0, 0], &scale[0, 0], &w[0])
                if prune:
                    bound = squared_distance(&q[0, 0], &w[0], d)
                    if n > 1:
                        bound = bound + squared_distance(&q[n - 1, 0], &w[(n - 1) * d], d)
                    if bound > limit:
                        continue
                    remaining[n] = 0
                    for i in range(n - 1, -1, -1):
                        bound = 0
                        for kk in range(d):
                            bound = bound + outside(
                                q[i, kk], (low[s + i, kk] - mean[s, kk]) * scale[s, kk],
                                (high[s + i, kk] - mean[s, kk]) * scale[s, kk])
                        remaining[i] = remaining[i + 1] + bound
                    if remaining[0] > limit:
                        continue
                costs[s] = window_dtw(&q[0, 0], &w[0], n, d, &lo[0], &hi[0], &rows[0],
                                      &remaining[0], limit)
                if prune and costs[s] < INFINITY:
                    keep(&answer, s, costs[s])
        if finished(stop):
            return costs_array
