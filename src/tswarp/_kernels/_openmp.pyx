"""What the build got: OpenMP or serial kernels, and how many threads OpenMP would use."""

cdef extern from *:
    """
    #ifdef _OPENMP
    #include <omp.h>
    static int tswarp_openmp_enabled(void) { return 1; }
    static int tswarp_openmp_max_threads(void) { return omp_get_max_threads(); }
    #else
    static int tswarp_openmp_enabled(void) { return 0; }
    static int tswarp_openmp_max_threads(void) { return 1; }
    #endif
    """
    int tswarp_openmp_enabled() noexcept nogil
    int tswarp_openmp_max_threads() noexcept nogil


def openmp_enabled() -> bool:
    """Tell whether the kernels were compiled with OpenMP.

    Returns
    -------
    bool
        True when the kernels were compiled with OpenMP.
    """
    return bool(tswarp_openmp_enabled())


def openmp_max_threads():
    """OpenMP's default thread count (honours ``OMP_NUM_THREADS``); 1 without OpenMP."""
    return tswarp_openmp_max_threads()
