"""Running minimum and maximum over a centred window: the envelope used by LB_Keogh.

low[i, k] = min(x[i - r .. i + r, k]) and high[i, k] = max(...), the window clipped to the
series. Lemire's streaming algorithm keeps, for each extremum, a queue of indices whose values
are monotone; every index enters and leaves each queue at most once, so a feature costs O(sz)
whatever the radius.
"""
from libc.stdlib cimport free, malloc

from cython cimport floating


cdef void running_extrema(
    const floating[:, ::1] x,
    Py_ssize_t k,
    Py_ssize_t radius,
    floating[:, ::1] low,
    floating[:, ::1] high,
    Py_ssize_t* low_queue,
    Py_ssize_t* high_queue,
) noexcept nogil:
    """Fill column ``k`` of ``low`` and ``high``; each queue is scratch for len(x) indices.

    ``radius`` must be at most len(x) - 1. The queues are plain arrays read from ``head`` to
    ``tail`` (exclusive): an index is pushed once, so they never need to wrap around.
    """
    cdef Py_ssize_t n = x.shape[0], j, i
    cdef Py_ssize_t low_head = 0, low_tail = 0, high_head = 0, high_tail = 0
    cdef floating value

    # Step j reads x[j] (while there is one) and completes the window centred on i = j - radius,
    # whose right edge j has just been read.
    for j in range(n + radius):
        if j < n:
            value = x[j, k]
            # An older value that is not below the new one can never again be a window's
            # minimum: the new value outlives it in every later window. Likewise for the max.
            while low_tail > low_head and x[low_queue[low_tail - 1], k] >= value:
                low_tail -= 1
            low_queue[low_tail] = j
            low_tail += 1
            while high_tail > high_head and x[high_queue[high_tail - 1], k] <= value:
                high_tail -= 1
            high_queue[high_tail] = j
            high_tail += 1
        i = j - radius
        if i < 0:
            continue
        # Drop indices that slid out of the window on the left. The newest index read is
        # always inside, so the queues are never empty here.
        while low_queue[low_head] < i - radius:
            low_head += 1
        while high_queue[high_head] < i - radius:
            high_head += 1
        low[i, k] = x[low_queue[low_head], k]
        high[i, k] = x[high_queue[high_head], k]


def envelope(
    const floating[:, ::1] x,
    Py_ssize_t radius,
    floating[:, ::1] low,
    floating[:, ::1] high,
):
    """Write the envelope of a validated (sz, d) series into ``low`` and ``high`` (same shape).

    ``radius`` must be >= 0; a radius beyond the series is clipped, as the window is.
    """
    cdef Py_ssize_t n = x.shape[0], k
    if radius > n - 1:
        radius = n - 1
    cdef Py_ssize_t* queues = <Py_ssize_t*> malloc(2 * n * sizeof(Py_ssize_t))
    if queues == NULL:
        raise MemoryError()
    try:
        with nogil:
            for k in range(x.shape[1]):
                running_extrema(x, k, radius, low, high, queues, queues + n)
    finally:
        free(queues)
