"""1-NN DTW classification (fit + predict) of tswarp against tslearn, aeon and tswarp's own
exhaustive matrix.

    python benchmarks/neighbors.py [--threads 2] [--repeat 5] [--peer-queries 100]

Two workloads:
  CBF      Cylinder-Bell-Funnel (tswarp.datasets.load_cbf, seed 0): 30 train, 900 test series
           of length 128, unconstrained DTW.
  long     z-normalised Gaussian random walks (seed 0): 100 train, 500 test series of length
           512, a 10% window (Sakoe-Chiba radius floor(0.1 * 512) = 51); random labels.

Contenders, each given the same threads (--threads, 2 by default; OMP_NUM_THREADS and
NUMBA_NUM_THREADS are set before any library is imported, and n_jobs is passed):
  tswarp       KNeighborsTimeSeriesClassifier(n_neighbors=1): the pruned search (its "auto"
               strategy: the cascade, unless a first sample of the queries shows it pruning
               less than half the pairs, in which case the exhaustive matrix).
  exhaustive   tswarp's cdist_dtw of the test set against the train set, then argmin.
  tslearn      tslearn.neighbors.KNeighborsTimeSeriesClassifier(metric="dtw", metric_params=...).
  aeon         aeon's KNeighborsTimeSeriesClassifier(distance="dtw", distance_params=
               {"window": 0.1} on the long set), on (n, 1, sz) arrays.

Each contender is timed from fit to predict, median of --repeat runs, the contenders
interleaved run by run, after one untimed warm-up run (numba compiles tslearn's and aeon's
kernels there). tslearn and aeon are timed on the first --peer-queries test series only and
their times scaled to the whole test set (the work is linear in the test series): the
output says so. Their predictions on those series are compared with tswarp's; tswarp's with
the exhaustive argmin on every series. The ratio is the contender's time / tswarp's.

Then the search alone (no estimator) with the cascade forced on every query and with the
exhaustive matrix, and the share of (query, training series) pairs settled at each stage of
the cascade.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
import warnings


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--peer-queries", type=int, default=100)
    return parser.parse_args()


def workloads():
    import numpy as np

    from tswarp.datasets import load_cbf

    X_train, y_train, X_test, y_test = load_cbf(30, 900, seed=0)
    title = "CBF: 30 train x 900 test, length 128, no window"
    yield title, X_train, y_train, X_test, y_test, None
    rng = np.random.default_rng(0)
    walks = rng.standard_normal((600, 512, 1)).cumsum(axis=1)
    walks = (walks - walks.mean(axis=1, keepdims=True)) / walks.std(axis=1, keepdims=True)
    labels = rng.integers(0, 3, 600)
    yield (
        "long: 100 train x 500 test, length 512, window 0.1 (radius 51)",
        walks[:100],
        labels[:100],
        walks[100:],
        None,
        0.1,
    )


def contenders(threads, window, length):
    """name -> (fit+predict function of (X_train, y_train, X_test), runs on a subset?)."""
    import numpy as np

    from tswarp.metrics import cdist_dtw
    from tswarp.neighbors import KNeighborsTimeSeriesClassifier

    radius = None if window is None else int(window * length)
    params = None if radius is None else {"sakoe_chiba_radius": radius}

    def ours(X, y, Q):
        clf = KNeighborsTimeSeriesClassifier(n_neighbors=1, metric_params=params, n_jobs=threads)
        return clf.fit(X, y).predict(Q)

    def exhaustive(X, y, Q):
        return y[np.argmin(cdist_dtw(Q, X, n_jobs=threads, **(params or {})), axis=1)]

    found = {"tswarp": (ours, False), "exhaustive": (exhaustive, False)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            from tslearn.neighbors import KNeighborsTimeSeriesClassifier as TslearnKNN

            def tslearn(X, y, Q):
                clf = TslearnKNN(n_neighbors=1, metric="dtw", metric_params=params, n_jobs=threads)
                return clf.fit(X, y).predict(Q)

            found["tslearn"] = (tslearn, True)
        except ImportError:
            print("  note: tslearn is not installed, skipped")
        try:
            from aeon.classification.distance_based import KNeighborsTimeSeriesClassifier as Aeon

            def aeon(X, y, Q):
                distance_params = None if window is None else {"window": window}
                clf = Aeon(distance="dtw", distance_params=distance_params, n_jobs=threads)
                clf.fit(X.transpose(0, 2, 1), y)
                return clf.predict(Q.transpose(0, 2, 1))

            found["aeon"] = (aeon, True)
        except ImportError:
            print("  note: aeon is not installed, skipped")
    return found


def run_workload(title, X, y, Q, y_test, window, args):
    import numpy as np

    from tswarp._constraints import parse_constraint
    from tswarp.neighbors._search import STAGES, DTWIndex

    print(f"\n{title}")
    found = contenders(args.threads, window, X.shape[1])
    subset = Q[: args.peer_queries]
    scale = len(Q) / len(subset)
    times = {name: [] for name in found}
    predictions = {}
    for run in range(args.repeat + 1):  # run 0 warms up, untimed
        for name, (function, on_subset) in found.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                start = time.perf_counter()
                predicted = function(X, y, subset if on_subset else Q)
                elapsed = time.perf_counter() - start
            if run:
                times[name].append(elapsed * (scale if on_subset else 1.0))
            predictions[name] = predicted
    ours = statistics.median(times["tswarp"])
    print(f"{'contender':<12}{'median (s)':>12}{'min (s)':>10}{'ratio':>8}  predictions")
    print("-" * 74)
    for name, samples in times.items():
        on_subset = found[name][1]
        reference = predictions["tswarp"][: len(predictions[name])]
        agree = int(np.sum(np.asarray(predictions[name]) == reference))
        note = f"{agree}/{len(reference)} equal tswarp's"
        if on_subset:
            note += f" (timed on {len(subset)} test series, x{scale:g})"
        median = statistics.median(samples)
        print(f"{name:<12}{median:>12.3f}{min(samples):>10.3f}{median / ours:>8.1f}  {note}")
    if y_test is not None:
        print(f"tswarp's error rate: {np.mean(predictions['tswarp'] != y_test):.4f}")
    radius = None if window is None else int(window * X.shape[1])
    constraint = parse_constraint(sakoe_chiba_radius=radius)
    index = DTWIndex(X, np.full(len(X), X.shape[1]), constraint)
    lengths = np.full(len(Q), Q.shape[1])
    auto = index.kneighbors(Q, lengths, 1, args.threads)[2]
    on_matrix = int(np.sum(auto[:, :4].sum(axis=1) == 0))
    print(
        f"tswarp's search: the cascade on {len(Q) - on_matrix} test series, the exhaustive "
        f"matrix on {on_matrix} (chosen after a first sample of the queries)"
    )
    forced = {}
    for strategy in ("pruned", "exhaustive"):
        samples = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            index.kneighbors(Q, lengths, 1, args.threads, strategy=strategy)
            samples.append(time.perf_counter() - start)
        forced[strategy] = statistics.median(samples)
    print(
        f"search alone, median: the cascade on every query {forced['pruned']:.3f} s, the "
        f"exhaustive matrix {forced['exhaustive']:.3f} s "
        f"(ratio {forced['exhaustive'] / forced['pruned']:.1f})"
    )
    stats = index.kneighbors(Q, lengths, 1, args.threads, strategy="pruned")[2].sum(axis=0)
    print("the cascade on every query, share of the (query, training series) pairs:")
    for stage, count in zip(STAGES, stats, strict=True):
        print(f"  {stage:<32}{count / stats.sum():8.1%}")
    print(f"  {'pairs without a full DTW':<32}{1 - stats[-1] / stats.sum():8.1%}")


def main():
    args = parse_args()
    # Thread pools are sized when the libraries load: cap them before importing any.
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    os.environ["NUMBA_NUM_THREADS"] = str(args.threads)
    import numpy as np

    import tswarp

    versions = [f"tswarp {tswarp.__version__}", f"numpy {np.__version__}"]
    for module in ("tslearn", "aeon", "sklearn"):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                versions.append(f"{module} {__import__(module).__version__}")
        except ImportError:
            pass
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"1-NN DTW classification, fit + predict; {now}")
    print(", ".join(versions))
    print(f"threads={args.threads}, {os.cpu_count()} CPUs, load average at start: "
          + ", ".join(f"{v:.2f}" for v in os.getloadavg()))  # fmt: skip
    for title, X, y, Q, y_test, window in workloads():
        run_workload(title, X, y, Q, y_test, window, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
