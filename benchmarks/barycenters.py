"""Barycenters: tswarp's DBA and soft-DTW barycenter against tslearn's, side by side.

    python benchmarks/barycenters.py [--threads 2] [--repeat 5] [--quick]

Workloads (z-normalised Gaussian random walks, float64, fixed seed, d = 1):
  dtw_barycenter_averaging  100 series x 256 steps, max_iter=10, tol=0 (so that both run
                            the same iterations), both from the same init_barycenter (the
                            Euclidean mean).
  softdtw_barycenter        50 series x 128 steps, gamma=1, max_iter=20, default tol, both
                            from the same init (the Euclidean mean).

Every thread count T runs in a fresh subprocess of this script whose environment caps the
thread pools at T before anything is imported (OMP_NUM_THREADS for tswarp's OpenMP kernels,
NUMBA_NUM_THREADS for tslearn's numba code, OMP_WAIT_POLICY=PASSIVE so that idle pools do not
spin). tswarp gets n_jobs=T; tslearn is timed both with n_jobs=T (joblib threads over the
series) and with n_jobs=None (its serial loop), and the faster of the two is its figure.

Before timing, each result is checked against tswarp's: the largest absolute difference of the
DBA barycenters ("agree" below 1e-8), and the soft-DTW barycenter objective sum_i soft_dtw(Z,
x_i) relative to tswarp's ("agree" when tslearn's is not lower by more than 1e-9 relative).

Columns: first (s) is the first call in the process (tslearn's includes numba compilation);
median (ms) is the median of --repeat samples, the libraries interleaved sample by sample;
ratio is library median / tswarp median (above 1: tswarp is faster).
"""

import argparse
import importlib
import os
import statistics
import subprocess
import sys
import time
import warnings

import numpy as np

SIZES = {
    "full": dict(dba=(100, 256), soft=(50, 128)),
    "quick": dict(dba=(30, 128), soft=(20, 64)),
}


def random_walks(n, sz, seed=0):
    walks = np.cumsum(np.random.default_rng(seed).standard_normal((n, sz, 1)), axis=1)
    return (walks - walks.mean(axis=1, keepdims=True)) / walks.std(axis=1, keepdims=True)


def soft_objective(Z, X, gamma):
    from tswarp.metrics import soft_dtw

    return sum(soft_dtw(Z, x, gamma=gamma) for x in X)


def dba_rows(libs, threads, n, sz):
    X = random_walks(n, sz)
    init = X.mean(axis=0)
    options = dict(init_barycenter=init, max_iter=10, tol=0.0)
    rows = [("tswarp", lambda: libs["tswarp"].dtw_barycenter_averaging(X, n_jobs=threads,
                                                                      **options))]  # fmt: skip
    if libs["tslearn"]:
        peer = libs["tslearn"].dtw_barycenter_averaging
        rows.append((f"tslearn n_jobs={threads}", lambda: peer(X, n_jobs=threads, **options)))
        if threads != 1:
            rows.append(("tslearn n_jobs=None", lambda: peer(X, **options)))

    def check(result, reference):
        difference = float(np.abs(np.asarray(result) - reference).max())
        return ("agree" if difference < 1e-8 else "MISMATCH") + f" max |diff| {difference:.0e}"

    title = f"dtw_barycenter_averaging: {n} series x {sz}, d=1, max_iter=10, tol=0"
    return title, rows, check


def soft_rows(libs, threads, n, sz):
    X = random_walks(n, sz, seed=1)
    init = X.mean(axis=0)
    options = dict(gamma=1.0, max_iter=20, init=init)
    rows = [("tswarp", lambda: libs["tswarp"].softdtw_barycenter(X, n_jobs=threads, **options))]
    if libs["tslearn"]:
        peer = libs["tslearn"].softdtw_barycenter
        rows.append((f"tslearn n_jobs={threads}", lambda: peer(X, n_jobs=threads, **options)))
        if threads != 1:
            rows.append(("tslearn n_jobs=None", lambda: peer(X, **options)))

    def check(result, reference):
        ours, theirs = soft_objective(reference, X, 1.0), soft_objective(result, X, 1.0)
        relative = (theirs - ours) / abs(ours)
        verdict = "agree" if relative > -1e-9 else "MISMATCH"
        return f"{verdict} objective {theirs:.6f} vs {ours:.6f}"

    title = f"softdtw_barycenter: {n} series x {sz}, d=1, gamma=1, max_iter=20"
    return title, rows, check


def run(title, rows, check, repeat):
    timed = []
    for name, fn in rows:
        start = time.perf_counter()
        result = fn()
        first = time.perf_counter() - start
        timed.append(dict(name=name, fn=fn, first=first, result=result, samples=[]))
    reference = np.asarray(timed[0]["result"])
    for _ in range(repeat):  # interleaved, so that machine noise hits every library alike
        for row in timed:
            start = time.perf_counter()
            row["fn"]()
            row["samples"].append(time.perf_counter() - start)
    base = statistics.median(timed[0]["samples"])
    print(f"\n{title}")
    header = f"{'library':<22}{'first (s)':>10}{'median (ms)':>13}{'ratio':>8}  check"
    print(header + "\n" + "-" * (len(header) + 30))
    for row in timed:
        median = statistics.median(row["samples"])
        note = "reference" if row is timed[0] else check(row["result"], reference)
        print(f"{row['name']:<22}{row['first']:>10.3f}{median * 1e3:>13.1f}"
              f"{median / base:>8.2f}  {note}")  # fmt: skip
    peers = [r for r in timed[1:] if "MISMATCH" not in check(r["result"], reference)]
    if peers:
        fastest = min(peers, key=lambda r: statistics.median(r["samples"]))
        ratio = statistics.median(fastest["samples"]) / base
        print(f"tswarp vs fastest peer: {ratio:.2f} ({fastest['name']})")
    sys.stdout.flush()


def worker(threads, repeat, quick):
    warnings.simplefilter("ignore")  # tslearn's optional-package notices
    libs = {"tswarp": importlib.import_module("tswarp.barycenters")}
    try:
        libs["tslearn"] = importlib.import_module("tslearn.barycenters")
    except ImportError:
        libs["tslearn"] = None
        print("tslearn is not installed: tswarp alone")
    versions = [f"{name} {importlib.import_module(name).__version__}"
                for name in ("tswarp", "tslearn") if libs[name]]  # fmt: skip
    print(f"=== threads={threads}: " + ", ".join(versions) + f"; {os.cpu_count()} CPUs")
    print("load average at start: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    size = SIZES["quick" if quick else "full"]
    run(*dba_rows(libs, threads, *size["dba"]), repeat)
    run(*soft_rows(libs, threads, *size["soft"]), repeat)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", default="2", help="comma-separated thread counts")
    parser.add_argument("--repeat", type=int, default=5, help="timed samples per library")
    parser.add_argument("--quick", action="store_true", help="smaller data")
    parser.add_argument("--_worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._worker is not None:
        return worker(args._worker, args.repeat, args.quick)
    for threads in (int(t) for t in args.threads.split(",")):
        env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
        for var in ("OMP_NUM_THREADS", "NUMBA_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            env[var] = str(threads)
        command = [sys.executable, os.path.abspath(__file__), "--_worker", str(threads)]
        command += ["--repeat", str(args.repeat)] + ["--quick"] * args.quick
        subprocess.run(command, env=env, check=True)


if __name__ == "__main__":
    main()
