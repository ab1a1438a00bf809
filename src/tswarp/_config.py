"""Build and runtime configuration of the compiled kernels, and a report of it for bug reports.

``openmp_enabled`` says whether the kernels were built with OpenMP; ``effective_n_threads``
(the rule itself lives in ``tswarp._threads``, with its fork-safety state) says how many
threads a parallel kernel runs, for every caller of the package.
"""

import importlib.util
import platform
import sys

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


def _torch_lines(probe=True):
    # Looked up before importing: without torch installed, nothing is imported at all.
    if importlib.util.find_spec("torch") is None:
        return ['torch: not installed (pip install "tswarp[torch]" adds the PyTorch backend)']
    if not probe and "torch" not in sys.modules:
        # Importing torch takes a second or more: its installed version is read from the
        # package metadata instead, and CUDA is left to show_config().
        from importlib.metadata import PackageNotFoundError
        from importlib.metadata import version as installed_version

        try:
            found = installed_version("torch")
        except PackageNotFoundError:
            found = "installed"
        return [f"torch: {found} (CUDA: see tswarp.show_config())"]
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
    return lines


def config_lines(probe_torch=True):
    """The lines :func:`show_config` prints; ``probe_torch=False`` leaves torch unimported."""
    import numpy as np

    from tswarp._version import version

    return [
        f"tswarp: {version}",
        f"python: {platform.python_version()} ({sys.platform})",
        f"numpy: {np.__version__}",
        f"kernels: {kernel_summary()}",
        f"simd: {simd_summary()}",
        *_torch_lines(probe_torch),
    ]


def show_config(file=None):
    """Print tswarp's version, its kernels' OpenMP status and threads, SIMD build, torch / CUDA.

    The thread count is what ``n_jobs=-1`` uses: the CPUs this process may run on (its
    affinity mask, and a container's CPU quota), capped by ``OMP_NUM_THREADS``. The SIMD
    line names the build of the pairwise DTW kernels that runs (``baseline``, ``avx2`` or
    ``avx512``): the fastest this CPU supports, unless the environment variable
    ``TSWARP_SIMD`` asks for another one. Torch is imported only when
    installed, to report its version and whether CUDA is available.
    ``python -m tswarp --version`` prints the same lines.

    Parameters
    ----------
    file : writable text stream, optional
        Where to print; standard output by default.
    """
    for line in config_lines():
        print(line, file=file)
