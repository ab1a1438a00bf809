"""The ``tswarp`` command, also run as ``python -m tswarp``.

Subcommands:

- ``tswarp cdist INPUT [INPUT2] -o OUT.npy``: the DTW or soft-DTW matrix between the series of
  one or two dataset files, saved as a ``.npy`` array. With ``-o OUT.zarr`` or
  ``--scheduler ADDRESS`` (``tcp://host:8786``, or ``local:N`` for a cluster of N worker
  processes on this machine) it runs block by block with :mod:`tswarp.distributed`; a
  ``.zarr`` output is written block by block, and a run stopped halfway resumes when run
  again.
- ``tswarp knn TRAIN TEST``: k-nearest-neighbour classification (DTW by default, with the
  pruned search of :mod:`tswarp.neighbors`), labels from the files: error rate, confusion
  matrix, and optionally the predicted labels in a file.
- ``tswarp demo``: ``knn`` on the bundled Cylinder-Bell-Funnel set, with a short report.
- ``tswarp --version``: the version and configuration (:func:`tswarp.show_config`).

Input files are ``.npy`` arrays of shape (n, sz) or (n, sz, d), UCR text files (``.tsv``,
``.csv``, ``.txt``: label first) and sktime/aeon ``.ts`` files; see :mod:`tswarp.datasets`.

A progress bar is drawn on stderr when stderr is a terminal and the run is long enough to
need one (about 2e8 dynamic-programming cells, a fraction of a second or more);
``--progress`` always draws it, ``--no-progress`` never does.

Exit status: 0 on success; 2 for a bad command line or an unreadable or malformed input, with
a one-line ``tswarp: error: ...`` on stderr and no output file written; 130 when interrupted
(Ctrl-C), 128 + N when stopped by signal N (SIGTERM: 143, SIGHUP: 129). The output file is
written under a temporary name in its directory and renamed into place once complete, so it
is never seen half-written, and the temporary file is removed however the run ends.
"""

import argparse
import contextlib
import fractions
import functools
import math
import os
import signal
import sys
import tempfile
import threading
import time

import numpy as np

PROG = "tswarp"
_PROGRESS_CELLS = 2e8  # DP cells from which an automatic progress bar is worth drawing
_METRICS = ("dtw", "soft_dtw", "soft_dtw_normalized")
_KNN_METRICS = ("dtw", "euclidean", "soft_dtw", "soft_dtw_normalized", "frechet")


class UsageError(Exception):
    """A bad command line or input: reported as one line on stderr, exit status 2."""


class _Stopped(BaseException):
    """A stop signal (SIGTERM, SIGHUP), raised where the command runs so that cleanups run."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


def _raise_stopped(signum, frame):
    raise _Stopped(signum)


@contextlib.contextmanager
def _stop_signals_raise():
    """SIGTERM and SIGHUP raise _Stopped inside the block, where they would kill the process.

    Signals with a handler of their own, or ignored (``nohup``), are left alone.
    """
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for name in ("SIGTERM", "SIGHUP"):
            number = getattr(signal, name, None)
            if number is not None and signal.getsignal(number) == signal.SIG_DFL:
                previous[number] = signal.signal(number, _raise_stopped)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


class _Parser(argparse.ArgumentParser):
    # argparse prints the usage and exits; a single line the caller can act on is clearer.
    def error(self, message):
        raise UsageError(f"{message} (see '{self.prog} --help')")


class _ShowConfig(argparse.Action):
    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        from tswarp._config import show_config

        show_config()
        parser.exit()


def _option_type(convert, check, requirement):
    """An argparse type: ``convert`` the text, then require ``check`` of the value."""

    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not check(value):
            raise argparse.ArgumentTypeError(f"must be {requirement}, got {text!r}")
        return value

    parse.__name__ = requirement
    return parse


def _whole_or_infinite(text):
    value = float(text)  # "inf" is no constraint, as in the metrics
    return int(value) if value.is_integer() else value


_radius = _option_type(
    _whole_or_infinite,
    lambda v: (isinstance(v, int) and v >= 0) or v == math.inf,
    "a whole number >= 0 or inf",
)
_slope = _option_type(float, lambda v: 0 < v < math.inf, "a positive number")
_gamma = _option_type(float, lambda v: 0 <= v < math.inf, "a number >= 0")
_n_jobs = _option_type(int, lambda v: v != 0, "a non-zero whole number (-1: all cores)")
_count = _option_type(int, lambda v: v >= 1, "a whole number >= 1")
_seed = _option_type(int, lambda v: v >= 0, "a whole number >= 0")
# Read exactly as written in decimal, so that 0.29 of 100 steps is 29, not 28.999...
_window = _option_type(fractions.Fraction, lambda v: 0 <= v <= 1, "a fraction from 0 to 1")


def _address(text):
    if text.startswith("local"):
        processes = text.partition(":")[2]
        if not processes.isdigit() or int(processes) < 1:
            raise argparse.ArgumentTypeError(f"must be local:N with N >= 1, got {text!r}")
    return text


_address.__name__ = "a scheduler address"


def _add_run_options(parser, constraints=True, window=False):
    if constraints:
        band = parser.add_mutually_exclusive_group()
        if window:
            band.add_argument(
                "--window",
                type=_window,
                metavar="W",
                help="Sakoe-Chiba band of W times the longest series' length, rounded down "
                "(0.1: 10%%, the UCR archive's and aeon's convention)",
            )
        band.add_argument(
            "--sakoe-chiba-radius",
            type=_radius,
            metavar="R",
            help="warp at most R steps off the diagonal (Sakoe-Chiba band)",
        )
        band.add_argument(
            "--itakura-max-slope",
            type=_slope,
            metavar="S",
            help="keep the warping path's slope within [1/S, S] (Itakura parallelogram)",
        )
    parser.add_argument(
        "--n-jobs",
        type=_n_jobs,
        default=-1,
        metavar="N",
        help="threads: -1 all cores (default; honours OMP_NUM_THREADS), -2 all but one",
    )
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="draw a progress bar on stderr (default: for long runs when stderr is a terminal)",
    )


def build_parser():
    """The argument parser of the ``tswarp`` command."""
    parser = _Parser(
        prog=PROG,
        description="Dynamic Time Warping and soft-DTW on time-series files.",
        epilog="Input files: .npy arrays (n, sz) or (n, sz, d); UCR .tsv/.csv/.txt; .ts.",
    )
    parser.add_argument(
        "--version", action=_ShowConfig, help="print the version and configuration, then exit"
    )
    commands = parser.add_subparsers(title="commands", dest="command", required=True)

    cdist = commands.add_parser(
        "cdist",
        help="pairwise distance matrix between the series of one or two files",
        description="Save the matrix of distances between the series of INPUT and those of "
        "INPUT2 (or of INPUT with itself) as a .npy array.",
    )
    cdist.add_argument("input", metavar="INPUT", help="dataset file (rows of the matrix)")
    cdist.add_argument(
        "input2", metavar="INPUT2", nargs="?", help="second dataset file (columns of the matrix)"
    )
    cdist.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT.npy|OUT.zarr",
        help="output file; a .zarr store is written block by block, and resumed if it exists",
    )
    cdist.add_argument("--metric", choices=_METRICS, default="dtw", help="default: dtw")
    cdist.add_argument(
        "--gamma", type=_gamma, metavar="G", help="soft-DTW smoothing (default: 1.0)"
    )
    cdist.add_argument(
        "--float32", action="store_true", help="save a float32 matrix (half the size)"
    )
    cdist.add_argument(
        "--scheduler",
        type=_address,
        metavar="ADDRESS",
        help="run on a Dask cluster: tcp://host:port, or local:N for N worker processes here "
        "(default for a .zarr output: local:1); needs tswarp[distributed]",
    )
    cdist.add_argument(
        "--block-size",
        type=_count,
        metavar="N",
        help="series per side of a block with --scheduler or a .zarr output (default: auto)",
    )
    _add_run_options(cdist)
    cdist.set_defaults(run=_run_cdist)

    knn = commands.add_parser(
        "knn",
        help="k-nearest-neighbour classification (DTW by default)",
        description="Classify each series of TEST by a vote of its K nearest series in "
        "TRAIN, and report the error rate and the confusion matrix. Labels come from the "
        "files (.tsv, .csv, .txt, .ts). DTW neighbours are found by a pruned search (lower "
        "bounds, early abandoning) that gives the same neighbours as the full matrix.",
    )
    knn.add_argument("train", metavar="TRAIN", help="labelled training set")
    knn.add_argument("test", metavar="TEST", help="labelled test set")
    knn.add_argument(
        "-k",
        "--n-neighbors",
        type=_count,
        default=1,
        metavar="K",
        help="neighbours that vote (default: 1); a tie goes to the first label in sorted order",
    )
    knn.add_argument("--metric", choices=_KNN_METRICS, default="dtw", help="default: dtw")
    knn.add_argument("--gamma", type=_gamma, metavar="G", help="soft-DTW smoothing (default: 1.0)")
    knn.add_argument(
        "--predictions",
        metavar="FILE",
        help="write the predicted label of each test series to FILE, one per line",
    )
    _add_run_options(knn, window=True)
    knn.set_defaults(run=_run_knn)

    demo = commands.add_parser(
        "demo",
        help="1-NN with DTW on the bundled Cylinder-Bell-Funnel set",
        description="Generate the Cylinder-Bell-Funnel set, classify it with 1-NN DTW and "
        "print a short report.",
    )
    demo.add_argument("--n-train", type=_count, default=30, metavar="N", help="default: 30")
    demo.add_argument("--n-test", type=_count, default=900, metavar="N", help="default: 900")
    demo.add_argument("--seed", type=_seed, default=0, help="default: 0")
    _add_run_options(demo, constraints=False)
    demo.set_defaults(run=_run_demo)
    return parser


def _read(path):
    """(X, y, lengths) of a dataset file; errors name the file."""
    from tswarp.datasets import load_dataset
    from tswarp.metrics._inputs import to_dataset

    X, y = load_dataset(path)
    if X.shape[0] == 0:
        raise UsageError(f"{path}: no series in the file")
    # Validated here so that a NaN inside a series is reported with the file's name.
    X, lengths = to_dataset(X, path)
    return X, y, lengths


def _same_dimension(first, second):
    (path1, X1), (path2, X2) = first, second
    if X1.shape[2] != X2.shape[2]:
        raise UsageError(
            f"{path1} has {X1.shape[2]} values per time step but {path2} has "
            f"{X2.shape[2]}: the series must have the same number of dimensions"
        )


def _progress(args, cells):
    if args.progress is not None:
        return int(args.progress)
    return int(cells >= _PROGRESS_CELLS and sys.stderr.isatty())


def _constraint(args, longest=None):
    radius, slope = args.sakoe_chiba_radius, args.itakura_max_slope
    window = getattr(args, "window", None)
    if window is not None:
        radius = math.floor(window * longest)
        return {
            "sakoe_chiba_radius": radius
        }, f"window {float(window):g} (Sakoe-Chiba radius {radius})"
    if radius is not None:
        return {"sakoe_chiba_radius": radius}, f"Sakoe-Chiba radius {radius}"
    if slope is not None:
        return {"itakura_max_slope": slope}, f"Itakura max slope {slope:g}"
    return {}, "no global constraint"


def _threads(n_jobs):
    from tswarp._threads import effective_n_threads

    threads = effective_n_threads(n_jobs)
    return f"n_jobs={n_jobs} ({threads} thread{'' if threads == 1 else 's'})"


def _default_file_mode():
    # mkstemp creates files readable by the owner only; give the output the usual mode.
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _is_zarr(path):
    return path.lower().rstrip("/").endswith(".zarr")


def _check_output(path, suffix=".npy"):
    """A usable output path; a matrix (``suffix`` .npy) may also go to a Zarr store."""
    if suffix == ".npy" and _is_zarr(path):
        if os.path.exists(path) and not os.path.exists(os.path.join(path, "zarr.json")):
            raise UsageError(f"output {path} exists and is not a Zarr store")
    elif suffix is not None and not path.lower().endswith(suffix):
        also = " or .zarr" if suffix == ".npy" else ""
        raise UsageError(f"output {path}: the file name must end in {suffix}{also}")
    elif os.path.isdir(path):
        raise UsageError(f"output {path} is a directory")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise UsageError(f"output {path}: directory {directory} does not exist")


@contextlib.contextmanager
def _atomic_output(path):
    """A temporary file beside ``path``, renamed to it only if the block succeeds."""
    directory, name = os.path.split(os.path.abspath(path))
    try:
        handle = tempfile.NamedTemporaryFile(
            dir=directory, prefix=f".{name}.", suffix=".tmp", delete=False
        )
    except OSError as error:
        raise UsageError(f"cannot write in {directory}: {error.strerror}") from None
    try:
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(handle.name, _default_file_mode())
        os.replace(handle.name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(handle.name)
        raise


def _run_cdist(args):
    from tswarp import metrics

    _check_output(args.output)
    if args.metric == "dtw" and args.gamma is not None:
        raise UsageError("--gamma applies to --metric soft_dtw and soft_dtw_normalized only")
    X, _, x_lengths = _read(args.input)
    Y, y_lengths = X, x_lengths
    if args.input2 is not None:
        Y, _, y_lengths = _read(args.input2)
        _same_dimension((args.input, X), (args.input2, Y))
    cells = float(x_lengths.sum()) * float(y_lengths.sum())
    options, _ = _constraint(args)
    if args.metric != "dtw":
        options["gamma"] = 1.0 if args.gamma is None else args.gamma
    function = getattr(metrics, f"cdist_{args.metric}")
    dtype = np.float32 if args.float32 else np.float64
    verbose = _progress(args, cells / (2 if args.input2 is None else 1))
    if args.scheduler is not None or _is_zarr(args.output):
        second = None if args.input2 is None else Y
        return _run_distributed(args, X, second, options, dtype, verbose)
    with _atomic_output(args.output) as handle:
        start = time.perf_counter()
        matrix = function(
            X,
            None if args.input2 is None else Y,
            n_jobs=args.n_jobs,
            verbose=verbose,
            dtype=dtype,
            **options,
        )
        elapsed = time.perf_counter() - start
        np.save(handle, matrix)
    _report(args, matrix, elapsed)
    return 0


def _report(args, matrix, elapsed):
    print(
        f"{args.output}: {matrix.shape[0]} x {matrix.shape[1]} {args.metric} matrix "
        f"({matrix.dtype}) in {elapsed:.2f} s"
    )


@contextlib.contextmanager
def _client(address):
    """A client of the cluster at ``address``, or of a LocalCluster for ``local:N``."""
    from distributed import Client, LocalCluster

    if not address.startswith("local:"):
        with Client(address, timeout="10s") as client:
            yield client
        return
    from tswarp._threads import usable_cpus

    processes = int(address.partition(":")[2])
    threads = max(1, usable_cpus() // processes)
    with (
        LocalCluster(
            n_workers=processes, threads_per_worker=threads, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def _run_distributed(args, X, Y, options, dtype, verbose):
    """cdist on a cluster: a .zarr output written block by block, or a .npy saved whole."""
    try:
        from tswarp.distributed import cdist
    except ImportError as error:
        raise UsageError(str(error)) from None
    zarr_output = _is_zarr(args.output)
    with _client(args.scheduler or "local:1") as client:
        start = time.perf_counter()
        run = functools.partial(
            cdist, X, Y, metric=args.metric, block_size=args.block_size, client=client,
            verbose=verbose, dtype=dtype, **options,
        )  # fmt: skip
        if zarr_output:
            matrix = run(store=args.output)
        else:
            with _atomic_output(args.output) as handle:
                matrix = run()
                np.save(handle, matrix)
        elapsed = time.perf_counter() - start
    _report(args, matrix, elapsed)
    return 0


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


def _confusion_matrix(y_true, y_pred):
    """The confusion matrix as lines of text: a row per true label, a column per predicted."""
    labels = np.unique(np.concatenate([y_true, y_pred]))
    position = {label: i for i, label in enumerate(labels.tolist())}
    counts = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for true, predicted in zip(y_true.tolist(), y_pred.tolist(), strict=True):
        counts[position[true], position[predicted]] += 1
    names = [str(label) for label in labels.tolist()]
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
    X, y, lengths = _read(path)
    if y is None:
        raise UsageError(f"{path} has no labels: knn reads labelled .tsv, .csv, .txt or .ts")
    return X, y, lengths


def _run_knn(args):
    train_path, test_path = args.train, args.test
    if args.predictions is not None:
        _check_output(args.predictions, suffix=None)
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
    if y_train.dtype.kind != y_test.dtype.kind:
        # Labels '1' read as a number in one file and as text in the other must still match.
        y_train, y_test = y_train.astype(str), y_test.astype(str)
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
            handle.write("".join(f"{label}\n" for label in predicted.tolist()).encode())
    correct = int(np.sum(predicted == y_test))
    n_test = len(y_test)
    name = "DTW" if args.metric == "dtw" else args.metric
    print(f"{args.n_neighbors}-nearest-neighbour classification with {name}")
    print(f"train: {_describe(X_train, train_lengths)}, {len(np.unique(y_train))} classes")
    print(f"test:  {_describe(X_test, test_lengths)}")
    print(f"metric: {args.metric}, {constraint}, {_threads(args.n_jobs)}")
    print(f"accuracy:   {correct / n_test:.4f} ({correct}/{n_test} correct)")
    print(f"error rate: {1 - correct / n_test:.4f}")
    print("\n".join(_confusion_matrix(y_test, predicted)))
    searched = f"{len(y_train) * n_test} pairs"
    if pruned is not None:
        searched += f", {pruned:.1%} of them settled without a full DTW"
    print(f"time: {elapsed:.2f} s for {searched}")
    if args.predictions is not None:
        print(f"predictions: {args.predictions}")
    return 0


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


def _one_line(error):
    if isinstance(error, OSError) and error.strerror:
        message = f"{error.filename}: {error.strerror}" if error.filename else error.strerror
    else:
        message = str(error) or type(error).__name__
    return " ".join(message.split())


def main(argv=None):
    """Run the ``tswarp`` command with ``argv`` (``sys.argv[1:]`` by default).

    Returns the exit status instead of exiting, so that it can be called in-process.
    """
    try:
        with _stop_signals_raise():
            args = build_parser().parse_args(argv)
            return args.run(args)
    except SystemExit as done:  # --help and --version
        return done.code if isinstance(done.code, int) else 0
    except (UsageError, ValueError, OSError) as error:
        message = _one_line(error)
    except MemoryError:
        message = "not enough memory (try --float32, or fewer series per run)"
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except _Stopped as stop:
        print(f"{PROG}: stopped by {signal.Signals(stop.signum).name}", file=sys.stderr)
        return 128 + stop.signum
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 2
