# Global constraints as per-row column ranges: row i of an (n, m) grid admits the columns
# lo[i] <= j < hi[i]. Both bounds never decrease with i, which lets the DP loops skip every
# cell outside the band and keep two rolling rows. The definitions match tslearn's masks.
from libc.math cimport ceil, floor, fmax, fmin, rint

cdef enum:
    NO_CONSTRAINT = 0
    ITAKURA = 1
    SAKOE_CHIBA = 2


cdef inline double round2(double value) noexcept nogil:
    # Rounding to two decimals, half to even, as NumPy's round(value, 2).
    return rint(value * 100.0) / 100.0


cdef inline double line_to_end(
    Py_ssize_t n, Py_ssize_t m, double slope, Py_ssize_t j
) noexcept nogil:
    """(n - 1) - slope * (m - 1 - j): the line of this slope through the last cell, at column j.

    Written as tslearn writes it, (n - 1) - slope * (m - 1) + slope * j, while slope * (m - 1)
    is small enough for that sum to keep its decimals; past 2**40 it would cancel to wrong
    integers (0 instead of n - 1 at the last column), so it is written from the end.
    """
    if slope * (m - 1) < 2.0 ** 40:
        return (n - 1) - slope * (m - 1) + slope * j
    return (n - 1) - slope * (m - 1 - j)


cdef inline Py_ssize_t clamped_index(double value, Py_ssize_t n) noexcept nogil:
    # Into [0, n] before the cast: a double beyond the integer range has no defined cast.
    return <Py_ssize_t> fmin(fmax(value, 0.0), <double> n)


cdef inline bint band_limits(
    Py_ssize_t n, Py_ssize_t m, int constraint, double parameter,
    Py_ssize_t* lo, Py_ssize_t* hi,
) noexcept nogil:
    """Fill lo[:n] and hi[:n]; False when some row or column has no admissible cell."""
    cdef Py_ssize_t i, j, width, radius, first, stop
    cdef double scale, min_slope, max_slope, lower, upper
    if constraint == SAKOE_CHIBA:
        # The band widens by the length difference so that both corners are inside it.
        # Radii past the lengths change nothing; clamped first, they cannot overflow below.
        radius = <Py_ssize_t> fmin(fmax(parameter, 0.0), <double> (n + m))
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
        # Slopes past 2**800 (or below 2**-800) give the band of 2**800 (2**-800), which it
        # stops changing at long before (by 1e22, whatever the lengths); clamped, every
        # product below stays finite (no inf - inf).
        parameter = fmin(fmax(parameter, 2.0 ** -800), 2.0 ** 800)
        max_slope = parameter * scale
        min_slope = scale / parameter
        for i in range(n):
            lo[i] = m
            hi[i] = 0
        for j in range(m):
            lower = max(round2(min_slope * j), round2(line_to_end(n, m, max_slope, j)))
            upper = min(round2(max_slope * j), round2(line_to_end(n, m, min_slope, j)))
            first = clamped_index(ceil(lower), n)
            stop = clamped_index(floor(upper + 1.0), n)
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
