"""What the subcommands share: the usage error, reading dataset files, the progress bar's
switch, the constraint and thread options as text, printing the report."""

import contextlib
import math
import os
import sys

PROG = "tswarp"
_PROGRESS_CELLS = 2e8  # DP cells from which an automatic progress bar is worth drawing


class UsageError(Exception):
    """A bad command line or input: reported as one line on stderr, exit status 2."""


def _read(path):
    """(X, labels, lengths, targets) of a dataset file: the labels as written (a list of
    strings, or None), and whether they are regression targets; errors name the file."""
    from tswarp.datasets._ucr import _read_with_label_text
    from tswarp.metrics._inputs import to_dataset

    if os.path.isdir(path):  # else named by its missing extension, or "Is a directory"
        raise UsageError(f"{path} is a directory, not a dataset file")
    X, y, targets = _read_with_label_text(path)
    if X.shape[0] == 0:
        raise UsageError(f"{path}: no series in the file")
    # Validated here so that a NaN inside a series is reported with the file's name.
    X, lengths = to_dataset(X, path)
    return X, y, lengths, targets


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


STDOUT = "standard output"


@contextlib.contextmanager
def _writing(name):
    """Errors of writes, which name no file (a full disk: ENOSPC), name ``name``. A reader
    gone stays a BrokenPipeError, which the command answers quietly."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as error:
        if error.filename is None:
            error.filename = name
        raise


def _say(lines):
    """Print the report's lines on stdout."""
    with _writing(STDOUT):
        print("\n".join(lines), flush=True)
