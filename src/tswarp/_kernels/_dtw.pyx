"""Dynamic Time Warping: the value of the optimal alignment.

R[i, j] = ||x_i - y_j||^2 + min(R[i-1, j-1], R[i-1, j], R[i, j-1]), with R[0, 0] = 0 and an
infinite border; the DTW value is sqrt(R[n, m]). Only two rows of R are kept, so memory is
O(min(n, m)) per pair.
"""
from libc.math cimport INFINITY, sqrt
from libc.stdlib cimport free, malloc

from cython cimport floating


cdef inline floating squared_distance(
    const floating[:, ::1] x, Py_ssize_t i, const floating[:, ::1] y, Py_ssize_t j
) noexcept nogil:
    cdef Py_ssize_t k
    cdef floating diff, total = 0
    for k in range(x.shape[1]):
        diff = x[i, k] - y[j, k]
        total = total + diff * diff
    return total


cdef floating dtw_squared_cost(
    const floating[:, ::1] x, const floating[:, ::1] y, floating* rows
) noexcept nogil:
    """Minimal accumulated squared cost; ``rows`` is scratch for 2 * (len(y) + 1) values."""
    cdef Py_ssize_t n = x.shape[0], m = y.shape[0], i, j
    cdef floating* previous = rows
    cdef floating* current = rows + m + 1
    cdef floating* swap
    cdef floating best

    # Row 0 of R: R[0, 0] = 0, the rest of the border infinite.
    previous[0] = 0
    for j in range(1, m + 1):
        previous[j] = INFINITY
    for i in range(n):
        current[0] = INFINITY
        for j in range(m):
            best = previous[j]
            if previous[j + 1] < best:
                best = previous[j + 1]
            if current[j] < best:
                best = current[j]
            current[j + 1] = squared_distance(x, i, y, j) + best
        swap = previous
        previous = current
        current = swap
    return previous[m]


def dtw_value(const floating[:, ::1] x, const floating[:, ::1] y):
    """DTW value of two validated series of shapes (n, d) and (m, d), same float width."""
    # The cost is symmetric, so the rolling rows run along the shorter series.
    if y.shape[0] > x.shape[0]:
        x, y = y, x
    cdef floating* rows = <floating*> malloc(2 * (y.shape[0] + 1) * sizeof(floating))
    if rows == NULL:
        raise MemoryError()
    cdef floating cost
    try:
        with nogil:
            cost = dtw_squared_cost(x, y, rows)
    finally:
        free(rows)
    return sqrt(cost)
