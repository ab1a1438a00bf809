"""Threads: one n_jobs rule, capped so that no value crashes, and kernels that work after fork."""

import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import HAS_TORCH
from oracles import dtw_naive

import tswarp
from tswarp._threads import cgroup_cpu_limit, effective_n_threads
from tswarp.metrics import cdist_dtw, cdist_soft_dtw, cdist_soft_dtw_normalized

CDISTS = [cdist_dtw, cdist_soft_dtw, cdist_soft_dtw_normalized]


def usable_cpus():
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return min(cpus, cgroup_cpu_limit() or cpus)  # the quota reader is tested on its own below


def run_python(code, timeout=60, **env):
    """Run ``code`` in a fresh interpreter: a crash or a hang fails the test, not the suite."""
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **env},
    )


def naive_matrix(X):
    return np.array([[dtw_naive(a, b) for b in X] for a in X])


def all_cpus():
    """The threads of n_jobs=-1: the usable CPUs, at most what OMP_NUM_THREADS allows."""
    from tswarp._kernels._openmp import openmp_max_threads

    return min(usable_cpus(), openmp_max_threads())


@pytest.mark.parametrize("n_jobs", [None, 1, 2, 3, 40_000, 2**31, 2**70])
def test_positive_n_jobs_is_capped_by_the_usable_cpus(n_jobs):
    expected = 1 if n_jobs is None else min(n_jobs, usable_cpus())
    assert effective_n_threads(n_jobs) == (expected if tswarp.openmp_enabled() else 1)


@pytest.mark.parametrize("n_jobs", [-1, -2, -3, -(2**40)])
def test_negative_n_jobs_counts_back_from_the_usable_cpus(n_jobs):
    expected = max(1, all_cpus() + 1 + n_jobs)
    assert effective_n_threads(n_jobs) == (expected if tswarp.openmp_enabled() else 1)


def test_never_more_threads_than_work_items():
    assert effective_n_threads(-1, 1) == 1
    assert effective_n_threads(2**31, 0) == 1
    assert effective_n_threads(2, 5) == (min(2, usable_cpus()) if tswarp.openmp_enabled() else 1)


@pytest.mark.parametrize("n_jobs", [0, 2.5, "2", True, np.float64(2.0), np.bool_(True), [2]])
@pytest.mark.parametrize("function", CDISTS)
def test_bad_n_jobs_is_a_value_error_naming_it(function, n_jobs):
    with pytest.raises(ValueError, match=r"n_jobs must be None or a non-zero integer"):
        function([[1.0, 2.0], [2.0, 3.0]], n_jobs=n_jobs)


def test_numpy_integers_are_accepted():
    X = [[1.0, 2.0, 3.0], [2.0, 2.0, 4.0]]
    assert np.array_equal(cdist_dtw(X, n_jobs=np.int64(-1)), cdist_dtw(X, n_jobs=np.int8(2)))


@pytest.mark.torch
@pytest.mark.skipif(not HAS_TORCH, reason="torch missing")
@pytest.mark.parametrize("n_jobs", [0, "a", 1.5])
@pytest.mark.parametrize("function", CDISTS)
def test_torch_cdists_check_n_jobs_too(function, n_jobs):
    import torch

    # A tensor that requires grad runs on the torch engine, which takes no n_jobs.
    X = torch.ones(3, 4, 1, dtype=torch.float64, requires_grad=True)
    with pytest.raises(ValueError, match="n_jobs must be None or a non-zero integer"):
        function(X, n_jobs=n_jobs)


def test_huge_n_jobs_computes_the_matrix():
    # 40000 threads aborted in libgomp, 70000 segfaulted, 2**31 overflowed the C int.
    X = np.random.default_rng(3).normal(size=(12, 9))
    code = (
        "import numpy as np\n"
        "from tswarp.metrics import cdist_dtw, cdist_soft_dtw_normalized\n"
        f"X = np.array({X.tolist()})\n"
        "for n_jobs in (40_000, 70_000, 2**31, -(2**31)):\n"
        "    print(cdist_dtw(X, n_jobs=n_jobs).tolist())\n"
        "    cdist_soft_dtw_normalized(X, X[:3], n_jobs=n_jobs)\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    expected = naive_matrix(X)
    for line in result.stdout.splitlines():
        np.testing.assert_allclose(np.array(eval(line)), expected, rtol=1e-12)


def test_huge_omp_num_threads_is_capped():
    # The default of the command line is n_jobs=-1, which honours OMP_NUM_THREADS.
    code = (
        "import numpy as np\n"
        "from tswarp.metrics import cdist_dtw, cdist_soft_dtw\n"
        "from tswarp._threads import effective_n_threads\n"
        "X = np.random.default_rng(0).normal(size=(20, 15))\n"
        "cdist_dtw(X, n_jobs=-1)\n"
        "cdist_soft_dtw(X, n_jobs=-1)\n"
        "print(effective_n_threads(-1))\n"
    )
    result = run_python(code, OMP_NUM_THREADS="100000")
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) <= usable_cpus()


FORK_CODE = """
import multiprocessing
import numpy as np
from tswarp.metrics import cdist_dtw, cdist_soft_dtw

X = np.random.default_rng(0).normal(size=(40, 30))

def work(seed):
    return [cdist_dtw(X, n_jobs=2).tolist(), cdist_soft_dtw(X[:9], n_jobs=-1).tolist()]

if __name__ == "__main__":
    expected = work(0)  # the parent's OpenMP threads are running from here on
    with multiprocessing.get_context("fork").Pool(2) as pool:
        results = pool.map_async(work, range(4)).get(timeout=30)  # then kills a hung pool
    print(all(result == expected for result in results))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_fork_pool_after_threads_works(tmp_path):
    # libgomp's thread pool does not survive fork: the child's first parallel cdist hung.
    script = tmp_path / "fork_pool.py"
    script.write_text(FORK_CODE)
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_fork_child_runs_serial_only_after_threads():
    code = (
        "import os\n"
        "from tswarp._threads import effective_n_threads\n"
        "def child_threads():\n"
        "    read, write = os.pipe()\n"
        "    pid = os.fork()\n"
        "    if pid == 0:\n"
        "        os.write(write, str(effective_n_threads(2)).encode())\n"
        "        os._exit(0)\n"
        "    os.waitpid(pid, 0)\n"
        "    return int(os.read(read, 10))\n"
        "print(child_threads(), effective_n_threads(2), child_threads())\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    before, parent, after = map(int, result.stdout.split())
    assert before == parent  # no threads had run yet: the child may use them
    assert after == 1


def _cgroup(tmp_path, files):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return str(tmp_path)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"cpu.max": "200000 100000\n"}, 2),
        ({"cpu.max": "150000 100000\n"}, 2),  # one and a half CPUs: two threads
        ({"cpu.max": "10000 100000\n"}, 1),
        ({"cpu.max": "max 100000\n"}, None),
        ({"cpu/cpu.cfs_quota_us": "300000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 3),
        ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
        ({"cpu.max": "garbage\n"}, None),
        ({}, None),
    ],
)
def test_cgroup_cpu_quota_caps_the_threads(tmp_path, files, expected):
    assert cgroup_cpu_limit(_cgroup(tmp_path, files)) == expected


def test_config_reports_the_thread_rule_beside_openmp():
    from tswarp import _config

    assert _config.effective_n_threads is effective_n_threads
    assert _config.openmp_enabled is tswarp.openmp_enabled


@pytest.mark.skipif(not HAS_TORCH, reason="needs torch")
def test_torch_compiled_functions_follow_torch_threads_under_the_rule():
    import torch

    from tswarp._torch import _compiled

    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        expected = min(2, usable_cpus()) if tswarp.openmp_enabled() else 1
        assert _compiled._threads(100) == expected
        assert _compiled._threads(1) == 1  # never more threads than pairs
        torch.set_num_threads(1)
        assert _compiled._threads(100) == 1
    finally:
        torch.set_num_threads(before)
