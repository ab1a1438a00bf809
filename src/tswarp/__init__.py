"""tswarp: Dynamic Time Warping and soft-DTW with compiled NumPy kernels and a PyTorch backend.

``import tswarp`` stays cheap: the submodules :mod:`tswarp.backend`, :mod:`tswarp.metrics` and
:mod:`tswarp.plot` load on first use, torch is imported only when a torch tensor or the PyTorch
backend is asked for, and matplotlib only by :mod:`tswarp.plot`.
"""

import importlib

from tswarp._config import openmp_enabled
from tswarp._version import version as __version__

__all__ = ["__version__", "backend", "metrics", "openmp_enabled"]

# tswarp.plot is reachable as an attribute but stays out of __all__: it needs matplotlib.
_SUBMODULES = {"backend", "metrics", "plot"}


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"tswarp.{name}")
    raise AttributeError(f"module 'tswarp' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _SUBMODULES)
