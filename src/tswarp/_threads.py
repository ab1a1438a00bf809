"""How many threads a parallel kernel runs: one rule for every n_jobs of the package.

``n_jobs`` follows joblib's convention (None -> 1, -1 -> every usable CPU, -2 -> all but one),
and the count is capped by the CPUs this process may use (its affinity mask and a container's
CPU quota) and by the number of work items, so that no value, however large, asks OpenMP for
more threads than can run. Every parallel kernel gets its count from ``effective_n_threads``:
the NumPy cdists (``n_jobs``), the command line (``--n-jobs``) and the torch Functions that
run the compiled kernels (``torch.get_num_threads()``, which ``torch.set_num_threads`` sets).

A child made by ``fork()`` after OpenMP started its threads inherits a thread pool whose
threads did not survive the fork: libgomp then waits for them forever in the child's first
parallel region. Such a child runs every kernel on one thread instead.
"""

import numbers
import os
import sys

from tswarp._kernels import _openmp

_started_threads = False  # this process has run a kernel on more than one OpenMP thread
_forked_after_threads = False  # this process is a fork child of one that had


_CGROUP = "/sys/fs/cgroup"


def _read_words(path):
    try:
        with open(path) as file:
            return file.read().split()
    except (OSError, UnicodeDecodeError):
        return []


def cgroup_cpu_limit(root=_CGROUP):
    """The CPUs a cgroup CPU quota allows (rounded up), or None without a quota.

    A container started with ``--cpus=2`` sees every CPU of the host in its affinity mask,
    but runs only two CPUs' worth of time: more threads than that just wait for each other.
    Both cgroup versions are read: v2's ``cpu.max`` ("quota period", or "max"), and v1's
    ``cpu.cfs_quota_us`` (-1 for none) and ``cpu.cfs_period_us``.
    """
    words = _read_words(os.path.join(root, "cpu.max"))
    if len(words) != 2:
        words = _read_words(os.path.join(root, "cpu", "cpu.cfs_quota_us"))
        words += _read_words(os.path.join(root, "cpu", "cpu.cfs_period_us"))
    try:
        quota, period = (int(word) for word in words)
    except ValueError:  # "max", a missing file, or anything unexpected: no quota
        return None
    if quota <= 0 or period <= 0:
        return None
    return max(1, -(-quota // period))


def usable_cpus():
    """The CPUs this process may run on: its affinity mask where the platform has one,
    capped by a cgroup CPU quota (a container's CPU limit)."""
    if hasattr(os, "process_cpu_count"):  # Python 3.13+
        cpus = os.process_cpu_count() or 1
    elif hasattr(os, "sched_getaffinity"):
        cpus = len(os.sched_getaffinity(0)) or 1
    else:
        cpus = os.cpu_count() or 1
    return min(cpus, _cgroup_limit or cpus)


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


# Read once: a process does not change its container, and n_jobs is resolved on every call.
_cgroup_limit = cgroup_cpu_limit() if sys.platform.startswith("linux") else None


def _after_fork_in_child():
    global _forked_after_threads
    _forked_after_threads = _forked_after_threads or _started_threads


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
