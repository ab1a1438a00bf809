"""tswarp.distributed: its overhead against the local cdist, and a run to a Zarr store.

    python benchmarks/distributed.py [--overhead-n 2000] [--overhead-t 128] [--repeat 3]
                                     [--scale-n 20000] [--scale-t 64] [--store DIR]

Both runs use a LocalCluster of 2 worker processes of 1 thread each (``processes=True``),
started once, before the clock.

- Overhead: ``tswarp.distributed.cdist(X, client=client)`` (default block size, the result
  gathered into a NumPy array) against ``tswarp.metrics.cdist_dtw(X, n_jobs=2)`` in this
  process, on the same random-walk data (N series of length T), alternately, after one
  untimed run of each; medians of --repeat runs, and their ratio. The matrices are checked
  to be equal, bit for bit.
- Scale: ``cdist(X, client=client, store=..., dtype=numpy.float32)`` of N series of length T
  to a new Zarr store (deleted afterwards), timed once; then the peak resident memory
  (``ru_maxrss``) of each worker process and of this process, and the time per block.
  Before it, a run on N/10 series gives the time per pair, from which the full run's time
  is estimated and printed, so that a run too long for the machine can be stopped.

The data are made with a fixed seed; OMP_WAIT_POLICY=PASSIVE is set before anything is
imported (the workers inherit it), so that idle OpenMP threads do not spin on the cores
that the other process needs.
"""

import os
import sys

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# This file's name is the package's: without its folder on the path, "distributed" is Dask's.
_here = os.path.dirname(os.path.abspath(__file__))
sys.path = [path for path in sys.path if os.path.abspath(path or ".") != _here]

import argparse  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402

import tswarp  # noqa: E402
from tswarp.distributed import cdist  # noqa: E402
from tswarp.distributed._blocks import check_block_size  # noqa: E402
from tswarp.metrics import cdist_dtw  # noqa: E402


def random_walks(n, t, seed=0):
    steps = np.random.default_rng(seed).standard_normal((n, t))
    walks = np.cumsum(steps, axis=1)
    return (walks - walks.mean(axis=1, keepdims=True)) / walks.std(axis=1, keepdims=True)


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def overhead(client, n, t, repeat):
    X = random_walks(n, t)
    size = check_block_size(None, n, n, t, workers=2)
    local = lambda: cdist_dtw(X, n_jobs=2)  # noqa: E731
    spread = lambda: cdist(X, client=client)  # noqa: E731
    assert np.array_equal(local(), spread()), "the matrices differ"
    times = {"local": [], "distributed": []}
    for _ in range(repeat):
        times["local"].append(timed(local)[0])
        times["distributed"].append(timed(spread)[0])
    medians = {name: statistics.median(values) for name, values in times.items()}
    blocks = len(range(0, n, size)) * (len(range(0, n, size)) + 1) // 2
    print(f"overhead: N={n} T={t}, block_size {size} ({blocks} blocks), {repeat} repeats")
    for name, values in times.items():
        shown = ", ".join(f"{value:.2f}" for value in values)
        print(f"  {name:12s} median {medians[name]:7.2f} s  ({shown})")
    print(f"  distributed / local(n_jobs=2): {medians['distributed'] / medians['local']:.3f}")


def _peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def scale(client, n, t, directory):
    probe = max(2, n // 10)
    X = random_walks(n, t, seed=1)
    seconds, _ = timed(lambda: cdist(X[:probe], client=client, dtype=np.float32))
    per_pair = seconds / (probe * (probe - 1) / 2)
    pairs = n * (n - 1) / 2
    print(f"scale: N={n} T={t}, float32 to Zarr")
    print(
        f"  probe N={probe}: {seconds:.1f} s, {per_pair * 1e9:.0f} ns a pair; "
        f"estimate for N={n}: {per_pair * pairs:.0f} s",
        flush=True,
    )
    store = os.path.join(directory, "matrix.zarr")
    seconds, matrix = timed(lambda: cdist(X, client=client, store=store, dtype=np.float32))
    size = matrix.chunks[0]
    blocks = len(range(0, n, size)) * (len(range(0, n, size)) + 1) // 2
    spot = np.random.default_rng(2).integers(0, n, 2)
    expected = cdist_dtw(X[spot[:1]], X[spot[1:]], dtype=np.float32)[0, 0]
    assert matrix[spot[0], spot[1]] == expected, "a stored entry differs from cdist_dtw"
    workers = client.run(_peak_rss_mb)
    print(f"  {seconds:.1f} s for {pairs:.3g} pairs, {blocks} blocks of {size}")
    core_pair = seconds * 2 / pairs  # two single-thread workers
    print(f"  {core_pair * 1e6:.2f} us a pair on one core, {seconds * 2 / blocks:.2f} s a block")
    for address, rss in sorted(workers.items()):
        print(f"  worker {address}: peak RSS {rss:.0f} MB")
    print(f"  client: peak RSS {_peak_rss_mb():.0f} MB")
    print(f"  full matrix in memory would be {n * n * 4 / 1e9:.2f} GB (float32)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--overhead-n", type=int, default=2000)
    parser.add_argument("--overhead-t", type=int, default=128)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scale-n", type=int, default=20000)
    parser.add_argument("--scale-t", type=int, default=64)
    parser.add_argument("--store", default=None, help="directory for the scale run's store")
    parser.add_argument("--skip-overhead", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    args = parser.parse_args()
    print(f"tswarp {tswarp.__version__}, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs")
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        if not args.skip_overhead:
            overhead(client, args.overhead_n, args.overhead_t, args.repeat)
        if not args.skip_scale:
            directory = tempfile.mkdtemp(dir=args.store)
            try:
                scale(client, args.scale_n, args.scale_t, directory)
            finally:
                shutil.rmtree(directory)


if __name__ == "__main__":
    main()
