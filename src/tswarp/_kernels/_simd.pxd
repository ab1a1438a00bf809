# The SIMD builds' kernels, shared with the other kernel modules: each build's
# `struct tswarp_build` (dtw_simd.h) holds its DTW kernels and, through `soft`, its soft-DTW
# kernels (soft_dtw.h). build_kernels(build) gives the struct of a build, an index into
# _simd.builds() that the chooser (_select.py) picked.
from libc.stddef cimport ptrdiff_t

from tswarp._kernels._interrupt cimport tswarp_flag

cdef extern from "soft_dtw.h" nogil:
    ctypedef struct tswarp_soft_pair:
        Py_ssize_t n, m
        const Py_ssize_t* lo
        const Py_ssize_t* hi
        double gamma
        const double* costs
        Py_ssize_t stride
        const void* x
        const void* y
        Py_ssize_t d
        int single
        double gak_scale
        const tswarp_flag* stop
    ctypedef struct tswarp_soft_state:
        double* weights
        float* weights32
        double* table
    ctypedef struct tswarp_soft_sink:
        double* alignment
        Py_ssize_t rows, cols
        double* grad_x
        double* grad_y
    Py_ssize_t tswarp_soft_scratch_size(Py_ssize_t m, Py_ssize_t d)
    Py_ssize_t tswarp_soft_weights_size(Py_ssize_t n, Py_ssize_t m)
    Py_ssize_t tswarp_soft_table_size(Py_ssize_t n, Py_ssize_t m)
    Py_ssize_t tswarp_gak_scratch_size(Py_ssize_t m, Py_ssize_t d)

    struct tswarp_soft:
        int lanes
        double (*forward)(const tswarp_soft_pair* p, double* scratch,
                          const tswarp_soft_state* keep) noexcept nogil
        void (*backward)(const tswarp_soft_pair* p, const tswarp_soft_state* kept, double* scratch,
                         const tswarp_soft_sink* sink) noexcept nogil
        void (*math_array)(const double* x, double* out, Py_ssize_t count,
                           int which) noexcept nogil
        double (*gak_linear)(const tswarp_soft_pair* p, double* scratch) noexcept nogil


cdef extern from "dtw_simd.h" nogil:
    enum:
        TSWARP_DTW
        TSWARP_FRECHET
        TSWARP_LCSS
    ctypedef void (*tswarp_lanes_f64)(
        const double *X, ptrdiff_t x_stride, const ptrdiff_t *x_lengths, const ptrdiff_t *a,
        const double *Y, ptrdiff_t y_stride, const ptrdiff_t *y_lengths, const ptrdiff_t *b,
        ptrdiff_t n, ptrdiff_t m, ptrdiff_t d, const ptrdiff_t *lo, const ptrdiff_t *hi,
        double threshold, double *scratch, double *out, const tswarp_flag *stop)
    ctypedef void (*tswarp_lanes_f32)(
        const float *X, ptrdiff_t x_stride, const ptrdiff_t *x_lengths, const ptrdiff_t *a,
        const float *Y, ptrdiff_t y_stride, const ptrdiff_t *y_lengths, const ptrdiff_t *b,
        ptrdiff_t n, ptrdiff_t m, ptrdiff_t d, const ptrdiff_t *lo, const ptrdiff_t *hi,
        double threshold, float *scratch, double *out, const tswarp_flag *stop)
    ctypedef double (*tswarp_diagonal_f64)(
        const double *x, ptrdiff_t n, const double *y, ptrdiff_t m, ptrdiff_t d,
        const ptrdiff_t *lo, const ptrdiff_t *hi, int vectors, double *scratch,
        const tswarp_flag *stop)
    ctypedef float (*tswarp_diagonal_f32)(
        const float *x, ptrdiff_t n, const float *y, ptrdiff_t m, ptrdiff_t d,
        const ptrdiff_t *lo, const ptrdiff_t *hi, int vectors, float *scratch,
        const tswarp_flag *stop)
    ctypedef double (*tswarp_diagonal_path_f64)(
        const double *x, ptrdiff_t n, const double *y, ptrdiff_t m, ptrdiff_t d,
        const ptrdiff_t *lo, const ptrdiff_t *hi, int vectors, double *scratch,
        unsigned char *directions, const tswarp_flag *stop)
    ctypedef float (*tswarp_diagonal_path_f32)(
        const float *x, ptrdiff_t n, const float *y, ptrdiff_t m, ptrdiff_t d,
        const ptrdiff_t *lo, const ptrdiff_t *hi, int vectors, float *scratch,
        unsigned char *directions, const tswarp_flag *stop)

    struct tswarp_build:
        const char *name
        int lanes_f64
        int lanes_f32
        tswarp_lanes_f64 groups_f64[3]
        tswarp_lanes_f32 groups_f32[3]
        tswarp_diagonal_f64 diagonal_f64
        tswarp_diagonal_f32 diagonal_f32
        tswarp_diagonal_path_f64 diagonal_path_f64
        tswarp_diagonal_path_f32 diagonal_path_f32
        const tswarp_soft *soft

    ptrdiff_t tswarp_lanes_scratch(
        ptrdiff_t lanes, ptrdiff_t n, ptrdiff_t m, ptrdiff_t d, ptrdiff_t value_size)
    ptrdiff_t tswarp_diagonal_scratch(ptrdiff_t m, ptrdiff_t d, ptrdiff_t value_size)
    ptrdiff_t tswarp_diagonal_directions(
        ptrdiff_t n, const ptrdiff_t *lo, const ptrdiff_t *hi, ptrdiff_t height)
    ptrdiff_t tswarp_diagonal_backtrack(
        ptrdiff_t n, ptrdiff_t m, const ptrdiff_t *lo, const ptrdiff_t *hi, ptrdiff_t height,
        const unsigned char *directions, ptrdiff_t *steps)
    int tswarp_build_count()
    const tswarp_build *tswarp_build_get(int index)
    int tswarp_build_supported(int index)


cdef const tswarp_build *build_kernels(int build) noexcept nogil
