"""tswarp: Dynamic Time Warping and soft-DTW with compiled NumPy kernels and a PyTorch backend.

``import tswarp`` stays cheap: the submodules :mod:`tswarp.backend`, :mod:`tswarp.metrics`,
:mod:`tswarp.barycenters`, :mod:`tswarp.clustering`, :mod:`tswarp.datasets` and
:mod:`tswarp.plot` load on first use; torch is imported only when a torch tensor or the
PyTorch backend is asked for (or by :func:`show_config`, to report its version), matplotlib
only by :mod:`tswarp.plot` and scikit-learn only by :mod:`tswarp.clustering`. The command
line is :mod:`tswarp.cli` (``tswarp`` or ``python -m tswarp``).
"""

import importlib

from tswarp._config import openmp_enabled, show_config
from tswarp._version import version as __version__

__all__ = [
    "__version__",
    "backend",
    "barycenters",
    "datasets",
    "metrics",
    "openmp_enabled",
    "show_config",
]

# tswarp.plot and tswarp.clustering are reachable as attributes but stay out of __all__: they
# need matplotlib and scikit-learn.
_SUBMODULES = {"backend", "barycenters", "clustering", "datasets", "metrics", "plot"}


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"tswarp.{name}")
    raise AttributeError(f"module 'tswarp' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _SUBMODULES)
