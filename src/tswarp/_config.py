"""Build and runtime configuration of the compiled kernels."""

from tswarp._kernels._openmp import openmp_enabled

__all__ = ["openmp_enabled"]
