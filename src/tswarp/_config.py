"""Build and runtime configuration of the compiled kernels, and a report of it for bug reports.

``openmp_enabled`` says whether the kernels were built with OpenMP; ``effective_n_threads``
(the rule itself lives in ``tswarp._threads``, with its fork-safety state) says how many
threads a parallel kernel runs, for every caller of the package.
"""

from __future__ import annotations

import importlib.util
import platform
import sys
from typing import TextIO

from tswarp._kernels._openmp import openmp_enabled
from tswarp._threads import all_threads, effective_n_threads

__all__ = ["effective_n_threads", "openmp_enabled", "show_config"]


def kernel_summary():
    """One line on the compiled kernels: OpenMP or serial, and the default thread count."""
    if openmp_enabled():
        threads = all_threads()
        return f"OpenMP on, {threads} thread{'' if threads == 1 else 's'}"
    return "OpenMP off (serial kernels)"


def simd_summary():
    """One line on the SIMD builds of the DTW and soft-DTW kernels, and why they were chosen."""
    from tswarp._kernels import _select

    return _select.describe()


def _installed_version(name):
    """A distribution's version from its metadata, without importing it."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "installed"


def _torch_lines(quick=False):
    # Looked up before importing: without torch installed, nothing is imported at all.
    if importlib.util.find_spec("torch") is None:
        return ['torch: not installed (pip install "tswarp[torch]" adds the PyTorch backend)']
    if quick and "torch" not in sys.modules:
        # Importing torch takes a second or more.
        return [f"torch: {_installed_version('torch')} (CUDA: see tswarp.show_config())"]
    try:
        import torch
    except Exception as error:  # a broken install should be reported, not crash the report
        return [f"torch: installed but fails to import ({type(error).__name__}: {error})"]
    lines = [f"torch: {torch.__version__}"]
    if torch.cuda.is_available():
        names = sorted({torch.cuda.get_device_name(k) for k in range(torch.cuda.device_count())})
        lines.append(
            f"CUDA: available, {torch.cuda.device_count()} device(s): {', '.join(names)} "
            f"(CUDA {torch.version.cuda})"
        )
    else:
        lines.append("CUDA: not available")
    lines.append(_triton_line())
    return lines


def _triton_line():
    if importlib.util.find_spec("triton") is None:
        return "triton: not installed (soft-DTW on CUDA runs the torch wavefront)"
    from tswarp._torch import _fused

    state = "on" if _fused.enabled() else "off (TSWARP_TRITON=1 switches them on)"
    return f"triton: {_installed_version('triton')}, soft-DTW kernels {state}"


def config_lines(quick=False):
    """The lines :func:`show_config` prints.

    ``quick=True`` (``tswarp --version``) imports neither numpy nor torch, each slower than
    the rest of the report: their versions come from the package metadata, and the SIMD
    build and CUDA are left to :func:`show_config`.
    """
    from tswarp._version import version

    if quick and "numpy" not in sys.modules:
        numpy_version = _installed_version("numpy")
        simd = "see tswarp.show_config()"
    else:
        import numpy as np

        numpy_version, simd = np.__version__, simd_summary()
    return [
        f"tswarp: {version}",
        f"python: {platform.python_version()} ({sys.platform})",
        f"numpy: {numpy_version}",
        f"kernels: {kernel_summary()}",
        f"simd: {simd}",
        *_torch_lines(quick),
    ]


def show_config(file: TextIO | None = None) -> None:
    """Print tswarp's version, its kernels' OpenMP status and threads, SIMD build, torch / CUDA.

    The thread count is what ``n_jobs=-1`` uses: the CPUs this process may run on (its
    affinity mask, and a container's CPU quota), capped by ``OMP_NUM_THREADS``. The SIMD
    line names the build of the pairwise DTW kernels that runs (``baseline``, ``avx2`` or
    ``avx512``): the fastest this CPU supports, unless the environment variable
    ``TSWARP_SIMD`` asks for another one. Torch is imported only when
    installed, to report its version and whether CUDA is available.
    ``tswarp --version`` prints the same lines, less the SIMD build and CUDA, which take
    importing numpy's and torch's modules.

    Parameters
    ----------
    file : writable text stream, optional
        Where to print; standard output by default.
    """
    for line in config_lines():
        print(line, file=file)
