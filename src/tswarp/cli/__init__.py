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
- ``tswarp --version``: the version and configuration (:func:`tswarp.show_config`), with
  torch's version read from its package metadata rather than by importing it.

Input files are ``.npy`` arrays of shape (n, sz) or (n, sz, d), UCR text files (``.tsv``,
``.csv``, ``.txt``: label first) and sktime/aeon ``.ts`` files; see :mod:`tswarp.datasets`.

A progress bar is drawn on stderr when stderr is a terminal and the run is long enough to
need one (about 2e8 dynamic-programming cells, a fraction of a second or more);
``--progress`` always draws it, ``--no-progress`` never does.

Exit status: 0 on success; 2 for a bad command line, an unreadable or malformed input, or
an output that cannot be written (a full disk), with a one-line ``tswarp: error: ...`` on
stderr and no output file written; 130 when interrupted (Ctrl-C), 128 + N when stopped by
signal N (SIGTERM: 143, SIGHUP: 129), 141 without a word when the reader of its output has
gone (``tswarp ... | head -1``). The output file is written under a temporary name in its
directory and renamed into place once complete, so it is never seen half-written, and the
temporary file is removed however the run ends; through a symbolic link, the file it points
to is replaced. A device or a pipe (``/dev/null``, a FIFO) is written in place.
"""

from __future__ import annotations

import argparse
import contextlib
import fractions
import importlib
import math
import os
import signal
import sys
import threading
from typing import TYPE_CHECKING

from tswarp.cli._common import PROG, STDOUT, UsageError, _writing

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["PROG", "UsageError", "build_parser", "main"]

_METRICS = ("dtw", "soft_dtw", "soft_dtw_normalized")
_KNN_METRICS = ("dtw", "euclidean", "soft_dtw", "soft_dtw_normalized", "frechet")


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

    # argparse drops the errors of writing the help: into a full disk it would exit 0.
    def print_help(self, file=None):
        with _writing(STDOUT):
            (file or sys.stdout).write(self.format_help())


class _ShowConfig(argparse.Action):
    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        from tswarp._config import config_lines

        with _writing(STDOUT):
            print("\n".join(config_lines(quick=True)))
        parser.exit()


def _deferred(name):
    """The subcommand ``name``, run by ``run_<name>`` of ``tswarp.cli._<name>``, imported when
    it runs: ``--version`` and ``--help`` then answer without loading numpy and the kernels."""

    def run(args):
        return getattr(importlib.import_module(f"tswarp.cli._{name}"), f"_run_{name}")(args)

    return run


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
# The demo's series are made in memory: past a million, numpy's errors would say nothing.
_demo_count = _option_type(int, lambda v: 1 <= v <= 10**6, "a whole number from 1 to 1000000")
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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``tswarp`` command."""
    parser = _Parser(
        prog=PROG,
        description="Dynamic Time Warping and soft-DTW on time-series files.",
        epilog="Input files: .npy arrays (n, sz) or (n, sz, d); UCR .tsv/.csv/.txt; .ts.",
    )
    parser.add_argument(
        "--version", action=_ShowConfig, help="print the version and configuration, then exit"
    )
    # Not required here, so that an unknown option is named before a missing command.
    commands = parser.add_subparsers(title="commands", dest="command")

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
    cdist.set_defaults(run=_deferred("cdist"))

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
    knn.set_defaults(run=_deferred("knn"))

    demo = commands.add_parser(
        "demo",
        help="1-NN with DTW on the bundled Cylinder-Bell-Funnel set",
        description="Generate the Cylinder-Bell-Funnel set, classify it with 1-NN DTW and "
        "print a short report.",
    )
    demo.add_argument("--n-train", type=_demo_count, default=30, metavar="N", help="default: 30")
    demo.add_argument("--n-test", type=_demo_count, default=900, metavar="N", help="default: 900")
    demo.add_argument("--seed", type=_seed, default=0, help="default: 0")
    _add_run_options(demo, constraints=False)
    demo.set_defaults(run=_deferred("demo"))
    return parser


def _one_line(error):
    if isinstance(error, OSError) and error.strerror:
        message = f"{error.filename}: {error.strerror}" if error.filename else error.strerror
    else:
        message = str(error) or type(error).__name__
    return " ".join(message.split())


def _escape_unencodable_output():
    """Characters that stdout's encoding lacks (a label in another script, a file name in
    another encoding) are written as escapes, rather than failing once the work is done."""
    if getattr(sys.stdout, "errors", None) == "strict" and hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")


def _complain(message):
    """``message`` on stderr, on a line of its own."""
    if sys.stderr is None:  # started with stderr closed
        return
    # On a terminal, a return and a clear: the message replaces a progress bar left
    # half-drawn (or the ^C echo) instead of trailing after it.
    fresh_line = "\r\x1b[K" if sys.stderr.isatty() else ""
    print(f"{fresh_line}{PROG}: {message}", file=sys.stderr)


_MEMORY_HINTS = {"cdist": " (try --float32, or fewer series per run)"}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``tswarp`` command with ``argv`` (``sys.argv[1:]`` by default).

    Returns the exit status instead of exiting, so that it can be called in-process.
    """
    if sys.stdout is None:  # started with stdout closed (>&-): no report could be read
        _complain("error: standard output is closed")
        return 2
    args = None
    try:
        with _stop_signals_raise():
            try:
                _escape_unencodable_output()
                parser = build_parser()
                args = parser.parse_args(argv)
                if args.command is None:
                    parser.error("a command is required: cdist, knn or demo")
                return args.run(args)
            finally:  # so that a reader gone shows here, not at exit
                with _writing(STDOUT):
                    sys.stdout.flush()
    except SystemExit as done:  # --help and --version
        return done.code if isinstance(done.code, int) else 0
    except BrokenPipeError:
        # The reader of stdout has gone (``tswarp ... | head -1``): stop quietly, as a
        # command killed by SIGPIPE would, and keep Python's flush at exit from failing.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    except (UsageError, ValueError, OSError) as error:
        message, status = f"error: {_one_line(error)}", 2
    except MemoryError:
        hint = _MEMORY_HINTS.get(getattr(args, "command", None) or "", "")
        message, status = f"error: not enough memory{hint}", 2
    except KeyboardInterrupt:
        message, status = "interrupted", 130
    except _Stopped as stop:
        message, status = f"stopped by {signal.Signals(stop.signum).name}", 128 + stop.signum
    _complain(message)
    return status
