"""How many threads a parallel kernel runs: one rule for every n_jobs of the package.

``n_jobs`` follows joblib's convention (None -> 1, -1 -> every usable CPU, -2 -> all but one),
and the count is capped by the CPUs this process may use and by the number of work items, so
that no value, however large, asks OpenMP for more threads than can run.

A child made by ``fork()`` after OpenMP started its threads inherits a thread pool whose
threads did not survive the fork: libgomp then waits for them forever in the child's first
parallel region. Such a child runs every kernel on one thread instead.
"""

import numbers
import os

from tswarp._kernels import _openmp

_started_threads = False  # this process has run a kernel on more than one OpenMP thread
_forked_after_threads = False  # this process is a fork child of one that had


def usable_cpus():
    """The CPUs this process may run on: its affinity mask where the platform has one."""
    if hasattr(os, "process_cpu_count"):  # Python 3.13+
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def all_threads():
    """The threads of ``n_jobs=-1``: the usable CPUs, at most ``OMP_NUM_THREADS``."""
    return min(usable_cpus(), max(1, _openmp.openmp_max_threads()))


def check_n_jobs(n_jobs):
    """Raise a ValueError unless ``n_jobs`` is None or a non-zero integer."""
    is_integer = isinstance(n_jobs, numbers.Integral) and not isinstance(n_jobs, bool)
    if n_jobs is not None and (not is_integer or n_jobs == 0):
        raise ValueError(f"n_jobs must be None or a non-zero integer, got {n_jobs!r}")


def effective_n_threads(n_jobs, work_items=None):
    """The threads to run for ``n_jobs`` on ``work_items`` independent items (pairs, groups).

    None -> 1; n > 0 -> n, at most the usable CPUs; n < 0 -> usable CPUs + 1 + n (at least
    1), where the usable CPUs are also capped by ``OMP_NUM_THREADS``. Never more threads than
    work items. 1 without OpenMP, and in a fork child of a process that ran threads.
    """
    global _started_threads
    check_n_jobs(n_jobs)
    if n_jobs is None or not _openmp.openmp_enabled() or _forked_after_threads:
        return 1
    if n_jobs > 0:
        threads = min(int(n_jobs), usable_cpus())
    else:
        threads = max(1, all_threads() + 1 + int(n_jobs))
    if work_items is not None:
        threads = max(1, min(threads, int(work_items)))
    _started_threads = _started_threads or threads > 1
    return threads


def _after_fork_in_child():
    global _forked_after_threads
    _forked_after_threads = _forked_after_threads or _started_threads


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
