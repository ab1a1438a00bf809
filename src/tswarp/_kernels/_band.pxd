# Global constraints as per-row column ranges: row i of an (n, m) grid admits the columns
# lo[i] <= j < hi[i]. Both bounds never decrease with i, which lets the DP loops skip every
# cell outside the band and keep two rolling rows. The definitions match tslearn's masks.
from libc.math cimport ceil, floor, rint

cdef enum:
    NO_CONSTRAINT = 0
    ITAKURA = 1
    SAKOE_CHIBA = 2


cdef inline double round2(double value) noexcept nogil:
    # Rounding to two decimals, half to even, as NumPy's round(value, 2).
    return rint(value * 100.0) / 100.0


cdef inline bint band_limits(
    Py_ssize_t n, Py_ssize_t m, int constraint, double parameter,
    Py_ssize_t* lo, Py_ssize_t* hi,
) noexcept nogil:
    """Fill lo[:n] and hi[:n]; False when some row or column has no admissible cell."""
    cdef Py_ssize_t i, j, width, radius, first, stop
    cdef double scale, min_slope, max_slope, lower, upper
    if constraint == SAKOE_CHIBA:
        # The band widens by the length difference so that both corners are inside it.
        radius = <Py_ssize_t> parameter
        for i in range(n):
            if n <= m:
                width = m - n + radius
                lo[i] = i - radius
                hi[i] = i + width + 1
            else:
                width = n - m + radius
                lo[i] = i - width
                hi[i] = i + radius + 1
            lo[i] = max(lo[i], 0)
            hi[i] = min(hi[i], m)
        return True
    if constraint == ITAKURA:
        # tslearn defines the parallelogram per column j as the rows
        # ceil(lower_j) <= i < floor(upper_j + 1); both bounds grow with j, so each row
        # admits one contiguous run of columns, found by sweeping the columns once.
        scale = <double> n / <double> m
        max_slope = parameter * scale
        min_slope = scale / parameter
        for i in range(n):
            lo[i] = m
            hi[i] = 0
        for j in range(m):
            lower = max(round2(min_slope * j),
                        round2((n - 1) - max_slope * (m - 1) + max_slope * j))
            upper = min(round2(max_slope * j),
                        round2((n - 1) - min_slope * (m - 1) + min_slope * j))
            first = max(<Py_ssize_t> ceil(lower), 0)
            stop = min(<Py_ssize_t> floor(upper + 1.0), n)
            if first >= stop:
                return False  # an empty column
            for i in range(first, stop):
                if lo[i] > j:
                    lo[i] = j
                hi[i] = j + 1
        for i in range(n):
            if lo[i] >= hi[i]:
                return False  # an empty row
        return True
    for i in range(n):
        lo[i] = 0
        hi[i] = m
    return True
