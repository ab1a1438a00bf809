"""``tswarp demo``: 1-NN DTW on the bundled Cylinder-Bell-Funnel set, with a short report."""

import numpy as np

from tswarp.cli._common import _progress, _threads
from tswarp.cli._knn import _nearest_neighbour


def _run_demo(args):
    import tswarp
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
    squared = (X_test[:, None, :, 0] - X_train[None, :, :, 0]) ** 2
    euclidean = y_train[np.argmin(squared.sum(axis=2), axis=1)]
    e_wrong = int(np.sum(euclidean != y_test))
    n_test = len(y_test)
    print("tswarp demo: 1-nearest-neighbour classification of Cylinder-Bell-Funnel")
    print(
        f"data: {len(y_train)} train / {n_test} test synthetic series of length "
        f"{X_train.shape[1]}, 3 classes (seed {args.seed})"
    )
    print(
        f"DTW:       error rate {wrong / n_test:.4f} ({wrong}/{n_test} wrong), "
        f"{len(y_train) * n_test} distances in {elapsed:.2f} s"
    )
    print(f"Euclidean: error rate {e_wrong / n_test:.4f} ({e_wrong}/{n_test} wrong)")
    from tswarp._kernels._select import variant

    openmp = "on" if tswarp.openmp_enabled() else "off (serial kernels)"
    print(
        f"config: tswarp {tswarp.__version__}, OpenMP {openmp}, {_threads(args.n_jobs)}, "
        f"SIMD {variant()}"
    )
    print("On a UCR dataset: tswarp knn CBF_TRAIN.tsv CBF_TEST.tsv")
    return 0
