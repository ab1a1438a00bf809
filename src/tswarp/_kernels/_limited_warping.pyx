"""DTW under a limited warping path length: value and optimal path.

R[i, j, s] is the smallest sum of squared distances over the paths of exactly s steps from
(0, 0) to (i, j), where a path of s steps visits s + 1 cells:

    R[i, j, s] = ||x_i - y_j||^2 + min(R[i-1, j-1, s-1], R[i-1, j, s-1], R[i, j-1, s-1])

with R[0, 0, 0] = ||x_0 - y_0||^2. A path to (i, j) takes at least max(i, j) steps and at
most i + j; one that must still reach (n-1, m-1) within max_length cells keeps
s <= max_length - 1 - max(n-1-i, m-1-j). So a cell holds at most ``width`` states,
width = min(min(n, m) - 1, max_length - max(n, m)) + 1, slot t standing for
s = max(i, j) + t: the work is n * m * width and a path needs n * m * width direction bytes,
while the value keeps two rows of m * width states.

Stored cells have width + 1 slots: slot 0 is an infinite sentinel and slot t + 1 holds state
t, and a row has one more cell on the left, all infinite (slot 1 of the row before the first
is 0, where the first cell's path starts). Every neighbour is then read without a test:
the diagonal cell has the same slot, the cell above slot t - 1 unless i > j (then t), the
cell on the left slot t - 1 unless j > i (then t).
"""
import numpy as np

from libc.math cimport INFINITY

from cython cimport floating

from tswarp._kernels._interrupt cimport finished, tswarp_flag, tswarp_stopped, watch

# Backtracking directions, in tie-break order: diagonal first, then up, then left.
cdef enum:
    DIAGONAL = 0
    UP = 1
    LEFT = 2


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


def state_width(Py_ssize_t n, Py_ssize_t m, Py_ssize_t max_length):
    """States per cell for lengths n, m and max_length >= max(n, m)."""
    return min(min(n, m) - 1, max_length - max(n, m)) + 1


cdef inline Py_ssize_t last_state(
    Py_ssize_t i, Py_ssize_t j, Py_ssize_t n, Py_ssize_t m, Py_ssize_t max_length
) noexcept nogil:
    """The last slot of cell (i, j) that a path within max_length cells can use (-1: none)."""
    return min(min(i, j), max_length - 1 - max(n - 1 - i, m - 1 - j) - max(i, j))


cdef floating limited_cost(
    const floating* x, Py_ssize_t n, const floating* y, Py_ssize_t m, Py_ssize_t d,
    Py_ssize_t max_length, Py_ssize_t width, floating* rows, unsigned char* directions,
    Py_ssize_t* best_state, const tswarp_flag* stop,
) noexcept nogil:
    """Smallest cost over the paths of at most max_length cells; its state's slot in
    ``best_state`` (the fewest steps on ties).

    ``rows`` is scratch for 2 * (m + 1) * (width + 1) values. When ``directions`` is not
    NULL, the argmin direction of every state is written there, (n, m, width) row-major.
    The result is meaningless when ``stop`` is raised.
    """
    cdef Py_ssize_t cell = width + 1, row = (m + 1) * cell
    cdef floating* previous = rows
    cdef floating* current = rows + row
    cdef floating* swap
    cdef const floating* diagonal
    cdef const floating* up
    cdef const floating* left
    cdef floating* here
    cdef floating cost, best
    cdef Py_ssize_t i, j, t, last
    cdef unsigned char step
    cdef unsigned char* cell_directions

    for t in range(2 * row):
        rows[t] = INFINITY
    previous[1] = 0  # the first cell's diagonal neighbour: where every path starts
    for i in range(n):
        if tswarp_stopped(stop):
            break
        for t in range(cell):
            current[t] = INFINITY  # the column on the left (row -1's start included)
        for j in range(m):
            here = current + (j + 1) * cell + 1
            last = last_state(i, j, n, m, max_length)
            if last >= 0:
                cost = squared_distance(x + i * d, y + j * d, d)
                diagonal = previous + j * cell + 1
                up = previous + (j + 1) * cell + (1 if i > j else 0)
                left = current + j * cell + (1 if j > i else 0)
                if directions == NULL:
                    for t in range(last + 1):
                        here[t] = cost + min(diagonal[t], up[t], left[t])
                else:
                    cell_directions = directions + (i * m + j) * width
                    for t in range(last + 1):
                        best = diagonal[t]
                        step = DIAGONAL
                        if up[t] < best:
                            best = up[t]
                            step = UP
                        if left[t] < best:
                            best = left[t]
                            step = LEFT
                        here[t] = cost + best
                        cell_directions[t] = step
            for t in range(max(last + 1, 0), width):
                here[t] = INFINITY
        swap = previous
        previous = current
        current = swap
    here = previous + m * cell + 1
    best_state[0] = 0
    for t in range(1, width):
        if here[t] < here[best_state[0]]:
            best_state[0] = t
    return here[best_state[0]]


def limited_warping_value(
    const floating[:, ::1] x, const floating[:, ::1] y, Py_ssize_t max_length,
):
    """Smallest squared cost over the paths of at most max_length cells (>= max(n, m))."""
    cdef Py_ssize_t n = x.shape[0], m = y.shape[0], best
    cdef Py_ssize_t width = state_width(n, m, max_length)
    cdef floating[::1] rows = np.empty(2 * (m + 1) * (width + 1), dtype=np.asarray(x).dtype)
    cdef floating cost
    cdef const tswarp_flag* stop
    while True:
        stop = watch(<double> n * m * width)
        with nogil:
            cost = limited_cost(&x[0, 0], n, &y[0, 0], m, x.shape[1], max_length, width,
                                &rows[0], NULL, &best, stop)
        if finished(stop):
            return cost


def limited_warping_path(
    const floating[:, ::1] x, const floating[:, ::1] y, Py_ssize_t max_length,
):
    """Optimal path (list of (i, j)) of at most max_length cells and its squared cost.

    Of the optimal paths, the one with the fewest steps; walking back, the predecessor of
    least cost, ties going to the diagonal, then up, then left (tslearn's rule).
    """
    cdef Py_ssize_t n = x.shape[0], m = y.shape[0], best, i, j, t, k = 0
    cdef Py_ssize_t width = state_width(n, m, max_length)
    cdef floating[::1] rows = np.empty(2 * (m + 1) * (width + 1), dtype=np.asarray(x).dtype)
    cdef unsigned char[::1] directions = np.zeros(n * m * width, dtype=np.uint8)
    cdef Py_ssize_t[:, ::1] steps = np.empty((n + m - 1, 2), dtype=np.intp)
    cdef floating cost
    cdef unsigned char step
    cdef const tswarp_flag* stop
    while True:
        stop = watch(<double> n * m * width)
        with nogil:
            cost = limited_cost(&x[0, 0], n, &y[0, 0], m, x.shape[1], max_length, width,
                                &rows[0], &directions[0], &best, stop)
        if finished(stop):
            break
    with nogil:
        i, j, t = n - 1, m - 1, best
        while True:
            steps[k, 0], steps[k, 1] = i, j
            k += 1
            if i == 0 and j == 0:
                break
            # On the first row or column only one move is possible (and t stays 0).
            step = LEFT if i == 0 else UP if j == 0 else directions[(i * m + j) * width + t]
            if step == UP and i <= j or step == LEFT and j <= i:
                t -= 1  # the neighbour's first slot stands for one step fewer
            if step != LEFT:
                i -= 1
            if step != UP:
                j -= 1
    return [(steps[i, 0], steps[i, 1]) for i in range(k - 1, -1, -1)], cost
