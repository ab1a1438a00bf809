"""``tswarp knn``: k-nearest-neighbour classification of one file by another."""

import math
import time

import numpy as np

from tswarp.cli._common import (
    UsageError,
    _constraint,
    _progress,
    _read,
    _same_dimension,
    _say,
    _threads,
)
from tswarp.cli._output import _atomic_output, _check_output


def _nearest_neighbour(train, y_train, test, n_jobs=-1, verbose=0, k=1, metric="dtw", **options):
    """Labels voted by the k nearest training series of each test series, the time taken,
    and the share of pairs that the DTW search settled without a full DTW (None for the
    other metrics). ``train`` and ``test`` are validated (X, lengths) datasets.

    A vote between equally many neighbours goes to the first label in sorted order.
    """
    from tswarp._constraints import parse_constraint
    from tswarp.neighbors._search import DTWIndex, class_votes, nearest

    train, test = ((X.astype(np.float64), lengths) for X, lengths in (train, test))
    start = time.perf_counter()
    pruned = None
    if metric == "dtw":
        index = DTWIndex(*train, parse_constraint(**options))
        _, indices, stats = index.kneighbors(*test, k, n_jobs, verbose)
        pruned = 1 - stats[:, -1].sum() / max(1, stats.sum())
    else:
        _, indices = nearest(metric, train, test, k, options, n_jobs, verbose)
    classes, codes = np.unique(y_train, return_inverse=True)
    votes = class_votes(codes, indices, None, len(classes))
    return classes[np.argmax(votes, axis=1)], time.perf_counter() - start, pruned


def _class_key(label):
    """Numbers compare by value ('2', '2.0' and '2e0' are one class), other labels as text."""
    try:
        value = float(label)
    except ValueError:
        return (1, label)
    return (0, value) if math.isfinite(value) else (1, label)


def _classes(*label_lists):
    """The class numbers of the labels of several files, the same label the same class in
    each, and the names of the classes.

    Classes are numbered in sorted order: numbers by value, then text. A class is named as
    first written, or as a whole number when every label is one, as the dataset readers
    type a file's labels ('1.0000000e+00' of the old UCR archive is 1).
    """
    keys = [[_class_key(label) for label in labels] for labels in label_lists]
    spelling = {}
    for labels, file_keys in zip(label_lists, keys, strict=True):
        for label, key in zip(labels, file_keys, strict=True):
            spelling.setdefault(key, label)
    ordered = sorted(spelling)
    if all(kind == 0 and value == round(value) for kind, value in ordered):
        names = [str(int(value)) for _, value in ordered]
    else:
        names = [spelling[key] for key in ordered]
    number = {key: k for k, key in enumerate(ordered)}
    codes = [np.array([number[key] for key in file_keys], dtype=np.int64) for file_keys in keys]
    return codes, np.array(names)


def _confusion_matrix(y_true, y_pred, class_names):
    """The confusion matrix as lines of text: a row per true class, a column per predicted.
    ``y_true`` and ``y_pred`` are class numbers, indices into ``class_names``."""
    classes = np.unique(np.concatenate([y_true, y_pred]))
    position = np.zeros(len(class_names), dtype=np.int64)
    position[classes] = np.arange(len(classes))
    counts = np.zeros((len(classes), len(classes)), dtype=np.int64)
    np.add.at(counts, (position[y_true], position[y_pred]), 1)
    names = class_names[classes].tolist()
    width = max(max(map(len, names)), len(str(counts.max())))
    lines = ["confusion matrix (rows: true label, columns: predicted label):"]
    lines.append(" " * (width + 2) + " ".join(f"{name:>{width}}" for name in names))
    for name, row in zip(names, counts, strict=True):
        lines.append(f"{name:>{width}}  " + " ".join(f"{count:>{width}}" for count in row))
    return lines


def _describe(X, lengths):
    low, high = int(lengths.min()), int(lengths.max())
    size = f"length {low}" if low == high else f"lengths {low}-{high}"
    dims = "1 dimension" if X.shape[2] == 1 else f"{X.shape[2]} dimensions"
    return f"{X.shape[0]} series ({size}, {dims})"


def _read_labelled(path):
    X, y, lengths, targets = _read(path)
    if y is None:
        raise UsageError(f"{path} has no labels: knn reads labelled .tsv, .csv, .txt or .ts")
    if targets:
        raise UsageError(f"{path} holds regression targets (@targetLabel), not class labels")
    if "" in y:  # a line that starts with its separator; no class to report or predict
        raise UsageError(f"{path}: series {y.index('') + 1} has an empty label")
    return X, y, lengths


def _run_knn(args):
    train_path, test_path = args.train, args.test
    if args.predictions is not None:
        _check_output(args.predictions, suffix=None, inputs=(train_path, test_path))
    if args.gamma is not None and not args.metric.startswith("soft_dtw"):
        raise UsageError("--gamma applies to --metric soft_dtw and soft_dtw_normalized only")
    band = (args.sakoe_chiba_radius, args.itakura_max_slope, args.window)
    if args.metric == "euclidean" and band != (None, None, None):
        raise UsageError("--metric euclidean takes no global constraint")
    X_train, y_train, train_lengths = _read_labelled(train_path)
    X_test, y_test, test_lengths = _read_labelled(test_path)
    _same_dimension((train_path, X_train), (test_path, X_test))
    if args.n_neighbors > len(y_train):
        raise UsageError(
            f"-k {args.n_neighbors} exceeds the {len(y_train)} series of {train_path}"
        )
    # Typed over both files, so that '2.0' of one is the class '2.0' of the other.
    (y_train, y_test), class_names = _classes(y_train, y_test)
    longest = max(int(train_lengths.max()), int(test_lengths.max()))
    options, constraint = _constraint(args, longest)
    if args.metric.startswith("soft_dtw"):
        options["gamma"] = 1.0 if args.gamma is None else args.gamma
        constraint += f", gamma {options['gamma']:g}"
    cells = float(train_lengths.sum()) * float(test_lengths.sum())
    predicted, elapsed, pruned = _nearest_neighbour(
        (X_train, train_lengths), y_train, (X_test, test_lengths), args.n_jobs,
        _progress(args, cells), args.n_neighbors, args.metric, **options,
    )  # fmt: skip
    if args.predictions is not None:
        with _atomic_output(args.predictions) as handle:
            handle.write("".join(f"{label}\n" for label in class_names[predicted]).encode())
    correct = int(np.sum(predicted == y_test))
    n_test = len(y_test)
    name = "DTW" if args.metric == "dtw" else args.metric
    searched = f"{len(y_train) * n_test} pairs"
    if pruned is not None:
        searched += f", {pruned:.1%} of them settled without a full DTW"
    report = [
        f"{args.n_neighbors}-nearest-neighbour classification with {name}",
        f"train: {_describe(X_train, train_lengths)}, {len(np.unique(y_train))} classes",
        f"test:  {_describe(X_test, test_lengths)}",
        f"metric: {args.metric}, {constraint}, {_threads(args.n_jobs)}",
        f"accuracy:   {correct / n_test:.4f} ({correct}/{n_test} correct)",
        f"error rate: {1 - correct / n_test:.4f}",
        *_confusion_matrix(y_test, predicted, class_names),
        f"time: {elapsed:.2f} s for {searched}",
    ]
    if args.predictions is not None:
        report.append(f"predictions: {args.predictions}")
    _say(report)
    return 0
