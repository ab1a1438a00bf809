"""``tswarp demo``: 1-NN DTW on the bundled Cylinder-Bell-Funnel set, with a short report."""

import numpy as np

from tswarp.cli._common import _progress, _say, _threads
from tswarp.cli._knn import _nearest_neighbour


def _euclidean_1nn(X_train, y_train, X_test):
    """Labels of the nearest training series by Euclidean distance, one test series at a
    time: all pairs at once would take n_test * n_train * length floats."""
    train = X_train[:, :, 0]
    nearest = [np.argmin(((train - series) ** 2).sum(axis=1)) for series in X_test[:, :, 0]]
    return y_train[np.array(nearest, dtype=np.intp)]


def _run_demo(args):
    import tswarp
    from tswarp._kernels._select import variant
    from tswarp.datasets import load_cbf

    X_train, y_train, X_test, y_test = load_cbf(args.n_train, args.n_test, seed=args.seed)
    cells = float(X_train.shape[0] * X_test.shape[0] * X_train.shape[1] ** 2)
    train = (X_train, np.full(len(X_train), X_train.shape[1]))
    test = (X_test, np.full(len(X_test), X_test.shape[1]))
    predicted, elapsed, _ = _nearest_neighbour(
        train, y_train, test, args.n_jobs, _progress(args, cells)
    )
    wrong = int(np.sum(predicted != y_test))
    # The Euclidean 1-NN baseline: what DTW's tolerance of shifted events buys.
    e_wrong = int(np.sum(_euclidean_1nn(X_train, y_train, X_test) != y_test))
    n_test = len(y_test)
    openmp = "on" if tswarp.openmp_enabled() else "off (serial kernels)"
    _say(
        [
            "tswarp demo: 1-nearest-neighbour classification of Cylinder-Bell-Funnel",
            f"data: {len(y_train)} train / {n_test} test synthetic series of length "
            f"{X_train.shape[1]}, 3 classes (seed {args.seed})",
            f"DTW:       error rate {wrong / n_test:.4f} ({wrong}/{n_test} wrong), "
            f"{len(y_train) * n_test} distances in {elapsed:.2f} s",
            f"Euclidean: error rate {e_wrong / n_test:.4f} ({e_wrong}/{n_test} wrong)",
            f"config: tswarp {tswarp.__version__}, OpenMP {openmp}, {_threads(args.n_jobs)}, "
            f"SIMD {variant()}",
            "On a UCR dataset: tswarp knn CBF_TRAIN.tsv CBF_TEST.tsv",
        ]
    )
    return 0
