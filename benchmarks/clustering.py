"""TimeSeriesKMeans and KernelKMeans of tswarp against tslearn's, side by side.

    python benchmarks/clustering.py [--threads 2] [--repeat 5] [--quick] [--out FILE]

The thread pools are capped at --threads before any library is imported (OMP_NUM_THREADS for
tswarp's OpenMP kernels, NUMBA_NUM_THREADS for tslearn's), and both libraries get
n_jobs=--threads. Data: z-normalised Gaussian random walks, float64, fixed seed.

Workloads (every fit runs a fixed number of iterations: tol=0 and the same first centroids,
given to both as an array; KernelKMeans starts from the same seeded random labels):
  kmeans dtw      TimeSeriesKMeans(metric="dtw"), 3 clusters, 300 series of 128 steps,
                  max_iter=10 (each iteration: the 300 x 3 DTW matrix and three DBAs)
  kmeans softdtw  the same with metric="softdtw", gamma=1, max_iter=5, max_iter_barycenter=20,
                  on 100 series
  kernel gak      KernelKMeans(kernel="gak", sigma=10), 3 clusters, 300 x 128, max_iter=10

Before timing, tswarp's labels are compared with tslearn's on the same data ("agree" when they
are equal and the inertias differ by less than 1e-6, relatively). The first fit of each library
(tslearn's includes numba's compilation) is left out; then --repeat samples are taken with the
libraries interleaved, and the table shows their medians and the ratio tslearn / tswarp (above 1
means tswarp is faster).
"""

import argparse
import datetime
import os
import platform
import statistics
import sys
import time
import warnings


def parse():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="smaller data, for a smoke test")
    parser.add_argument("--out", help="also write the report to this file")
    return parser.parse_args()


ARGS = parse()
for variable in ("OMP_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[variable] = str(ARGS.threads)

import numpy as np  # noqa: E402

import tswarp  # noqa: E402
from tswarp.clustering import KernelKMeans, TimeSeriesKMeans  # noqa: E402

with warnings.catch_warnings():  # tslearn warns at import when h5py is missing
    warnings.simplefilter("ignore")
    import tslearn
    import tslearn.clustering as tslearn_clustering


def random_walks(n, sz, seed=0):
    walks = np.cumsum(np.random.default_rng(seed).standard_normal((n, sz, 1)), axis=1)
    return (walks - walks.mean(axis=1, keepdims=True)) / walks.std(axis=1, keepdims=True)


def workloads(quick):
    n, soft_n = (60, 30) if quick else (300, 100)
    X, X_soft = random_walks(n, 128), random_walks(soft_n, 128, seed=1)
    starts = np.random.default_rng(2).choice(n, 3, replace=False)
    common = dict(n_clusters=3, tol=0.0, n_jobs=ARGS.threads)
    yield (
        f"kmeans dtw: 3 clusters, {n} x 128, max_iter=10",
        X,
        lambda cls: cls(metric="dtw", max_iter=10, init=X[starts].copy(), **common),
        "TimeSeriesKMeans",
    )
    yield (
        f"kmeans softdtw: 3 clusters, {soft_n} x 128, gamma=1, max_iter=5, max_iter_barycenter=20",
        X_soft,
        lambda cls: cls(
            metric="softdtw",
            max_iter=5,
            max_iter_barycenter=20,
            init=X_soft[starts % soft_n],
            metric_params={"gamma": 1.0},
            **common,
        ),
        "TimeSeriesKMeans",
    )
    yield (
        f"kernel gak: 3 clusters, {n} x 128, sigma=10, max_iter=10",
        X,
        lambda cls: cls(kernel_params={"sigma": 10.0}, max_iter=10, random_state=0, **common),
        "KernelKMeans",
    )


def timed(make, X):
    start = time.perf_counter()
    model = make().fit(X)
    return time.perf_counter() - start, model


def run(title, X, build, name):
    ours = {"TimeSeriesKMeans": TimeSeriesKMeans, "KernelKMeans": KernelKMeans}[name]
    theirs = getattr(tslearn_clustering, name)
    makers = {"tswarp": lambda: build(ours), "tslearn": lambda: build(theirs)}
    firsts, models = {}, {}
    for library, make in makers.items():
        firsts[library], models[library] = timed(make, X)
    same_labels = (models["tswarp"].labels_ == models["tslearn"].labels_).all()
    inertia_gap = abs(models["tswarp"].inertia_ / models["tslearn"].inertia_ - 1)
    check = "agree" if same_labels and inertia_gap < 1e-6 else "MISMATCH"
    samples = {library: [] for library in makers}
    for _ in range(ARGS.repeat):
        for library, make in makers.items():
            samples[library].append(timed(make, X)[0])
    medians = {library: statistics.median(times) for library, times in samples.items()}
    lines = [
        "",
        title,
        f"{'library':<10} {'first (s)':>10} {'median (s)':>11} {'ratio':>8}  check",
        "-" * 60,
    ]
    for library in makers:
        ratio = medians[library] / medians["tswarp"]
        note = "reference" if library == "tswarp" else f"{check} (inertia {inertia_gap:.0e})"
        lines.append(
            f"{library:<10} {firsts[library]:>10.3f} {medians[library]:>11.3f} {ratio:>8.2f}  "
            f"{note}"
        )
    lines.append(f"tswarp vs tslearn: {medians['tslearn'] / medians['tswarp']:.2f}")
    return lines


def main():
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = [
        f"=== {datetime.date.today().isoformat()}, threads={ARGS.threads}, repeat={ARGS.repeat}: "
        f"tswarp {tswarp.__version__}, tslearn {tslearn.__version__}; "
        f"{os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}",
        f"load average at start: {load}",
    ]
    print("\n".join(lines), flush=True)
    for workload in workloads(ARGS.quick):
        block = run(*workload)
        print("\n".join(block), flush=True)
        lines += block
    if ARGS.out:
        with open(ARGS.out, "w") as out:
            out.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
