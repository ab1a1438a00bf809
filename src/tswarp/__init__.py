"""tswarp: Dynamic Time Warping and soft-DTW with compiled NumPy kernels and a PyTorch backend.

``import tswarp`` stays cheap: the submodules :mod:`tswarp.backend`, :mod:`tswarp.metrics` and
:mod:`tswarp.datasets` load on first use, and torch is imported only when a torch tensor or the
PyTorch backend is asked for (or by :func:`show_config`, to report its version). The command
line is :mod:`tswarp.cli` (``tswarp`` or ``python -m tswarp``).
"""

import importlib

from tswarp._config import openmp_enabled, show_config
from tswarp._version import version as __version__

__all__ = ["__version__", "backend", "datasets", "metrics", "openmp_enabled", "show_config"]

_SUBMODULES = {"backend", "datasets", "metrics"}


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"tswarp.{name}")
    raise AttributeError(f"module 'tswarp' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _SUBMODULES)
