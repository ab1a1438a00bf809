"""Pairwise matrices: the pairs are cut into blocks that a compiled kernel runs in parallel.

Working block by block keeps Python in control between kernel calls, which gives a progress
bar and lets Ctrl-C stop a long computation within a fraction of a second.
"""

import os
import shutil
import sys
import time

import numpy as np

from tswarp._constraints import infeasible
from tswarp._threads import effective_n_threads

# Pairs per thread in one block at most: the block's index and sorting arrays take about
# 150 bytes a pair, so short series, with millions of pairs per block by cells alone, would
# need several times the memory of the result.
_PAIRS_PER_BLOCK = 1 << 16


def output_dtype(dtype):
    """The dtype of a cdist result: float64 by default, or float32 on request.

    torch.float32 and torch.float64 are accepted too, for tensors that run on the kernels.
    """
    out_dtype = np.dtype(np.float64) if dtype is None else _numpy_dtype(dtype)
    if out_dtype not in (np.float32, np.float64):
        raise ValueError(
            f"dtype must be numpy.float32 or numpy.float64 (or torch's), got {dtype!r}"
        )
    return out_dtype


def _numpy_dtype(dtype):
    """NumPy's dtype for ``dtype``, torch's float32 and float64 included; None if none fits."""
    torch = sys.modules.get("torch")  # a torch dtype exists only once torch is imported
    if torch is not None and isinstance(dtype, torch.dtype):
        return {torch.float32: np.dtype(np.float32), torch.float64: np.dtype(np.float64)}.get(
            dtype
        )
    try:
        return np.dtype(dtype)
    except TypeError:
        return None


def pairs(n1, n2, symmetric, with_diagonal, start, stop):
    """Row and column indices of the flat pair numbers start..stop-1.

    Pairs are numbered row by row: all (i, j) for a full matrix, or j > i (j >= i with the
    diagonal) for one triangle of a symmetric one.
    """
    flat = np.arange(start, stop, dtype=np.intp)
    if not symmetric:
        return flat // n2, flat % n2
    shift = 0 if with_diagonal else 1
    per_row = np.arange(n1, 0, -1, dtype=np.intp) - shift  # pairs in each row
    first = np.concatenate(([0], np.cumsum(per_row)))  # number of the row's first pair
    rows = np.searchsorted(first, flat, side="right") - 1
    return rows, flat - first[rows] + rows + shift


def pair_count(n1, n2, symmetric, with_diagonal):
    """How many pairs a matrix needs: all n1 * n2, or one triangle of a symmetric one."""
    if symmetric:
        return n1 * (n1 + 1) // 2 if with_diagonal else n1 * (n1 - 1) // 2
    return n1 * n2


def all_pairs(n1, n2, symmetric, with_diagonal):
    """Row and column indices of every pair of the matrix, in one go."""
    return pairs(n1, n2, symmetric, with_diagonal, 0, pair_count(n1, n2, symmetric, with_diagonal))


def _terminal_columns():
    """Columns of the terminal the bar is drawn on: $COLUMNS, else stderr's, else 80."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        return os.get_terminal_size(sys.stderr.fileno()).columns or 80
    except (AttributeError, OSError, ValueError):  # not a terminal, or no fileno
        return shutil.get_terminal_size().columns


def _duration(seconds):
    """h:mm:ss, or m:ss under an hour."""
    hours, rest = divmod(round(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def _rate(per_second):
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if per_second >= scale:
            return f"{per_second / scale:.1f}{suffix}"
    return f"{per_second:.0f}"


class _Progress:
    """A one-line progress bar on stderr, redrawn in place at most five times a second.

    The line fits the terminal (one column to spare, so that it never wraps) and shows the
    pairs done, their rate and the time left.
    """

    def __init__(self, label, total, enabled):
        self.label, self.total, self.enabled = label, total, enabled and total > 0
        self.start = self.last = time.perf_counter()
        self.columns = _terminal_columns() if self.enabled else 80

    def line(self, done, elapsed):
        """The text of the bar after ``done`` pairs in ``elapsed`` seconds."""
        share = done / self.total
        rate = done / elapsed if elapsed > 0 else 0.0
        if done >= self.total:
            timing = f"in {_duration(elapsed)}"
        elif rate > 0:
            timing = f"ETA {_duration((self.total - done) / rate)}"
        else:
            timing = "ETA ?"
        tail = f" {share:6.1%} {done}/{self.total} pairs, {_rate(rate)}/s, {timing}"
        width = min(30, self.columns - 1 - len(self.label) - 4 - len(tail))
        if width < 5:  # a narrow terminal: the numbers without the bar
            return f"{self.label}:{tail}"[: self.columns - 1]
        bar = "#" * int(width * share)
        return f"{self.label}: [{bar:<{width}}]{tail}"

    def update(self, done):
        now = time.perf_counter()
        if not self.enabled or (now - self.last < 0.2 and done < self.total):
            return
        self.last = now
        text = self.line(done, now - self.start)
        # \r returns to the line's start; the clear to its end removes a longer earlier line.
        sys.stderr.write(f"\r{text}\x1b[K" if sys.stderr.isatty() else f"\r{text}")
        if done >= self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def pairwise_matrix(
    kernel,
    first,
    second,
    kernel_args,
    *,
    symmetric,
    with_diagonal,
    diagonal_value=0.0,
    n_jobs=None,
    verbose=0,
    dtype=None,
    label="cdist",
    cells_per_block=1e8,
    on_nan=None,
):
    """Fill an (n1, n2) matrix with ``kernel`` over all pairs (one triangle if symmetric).

    ``kernel(X, x_lengths, Y, y_lengths, rows, cols, *kernel_args, out, n_threads)`` writes
    one value per pair into ``out``. ``cells_per_block`` sizes the blocks (DP cells per
    thread), so each kernel call returns to Python quickly. A NaN result from the kernel
    calls ``on_nan(row, col)``, which raises.
    """
    (X, x_lengths), (Y, y_lengths) = first, second
    n1, n2 = len(x_lengths), len(y_lengths)
    out_dtype = output_dtype(dtype)
    matrix = np.full((n1, n2), diagonal_value if symmetric else np.nan, dtype=out_dtype)
    n_pairs = pair_count(n1, n2, symmetric, with_diagonal)
    n_threads = effective_n_threads(n_jobs, n_pairs)
    if n_pairs == 0:
        return matrix
    cells_per_pair = max(1.0, float(x_lengths.mean()) * float(y_lengths.mean()))
    block = int(max(n_threads, cells_per_block * n_threads // cells_per_pair))
    # Short series would make huge blocks, whose index arrays outweigh the result.
    block = min(block, _PAIRS_PER_BLOCK * n_threads)
    progress = _Progress(label, n_pairs, bool(verbose))
    for start in range(0, n_pairs, block):
        stop = min(start + block, n_pairs)
        rows, cols = pairs(n1, n2, symmetric, with_diagonal, start, stop)
        values = np.empty(stop - start)
        kernel(X, x_lengths, Y, y_lengths, rows, cols, *kernel_args, values, n_threads)
        failed = np.isnan(values)
        if failed.any() and on_nan is not None:
            k = int(np.argmax(failed))
            on_nan(int(rows[k]), int(cols[k]))
        matrix[rows, cols] = values
        if symmetric:
            matrix[cols, rows] = values
        progress.update(stop)
    return matrix


def constrained_matrix(kernel, first, second, constraint, kernel_args=None, **options):
    """``pairwise_matrix`` under a global constraint, for ``kernel`` that gives NaN to a pair
    the constraint admits no path for: such a pair raises the InfeasibleConstraintError naming
    its lengths.

    ``kernel_args`` default to the constraint's (code, parameter); ``options`` are those of
    ``pairwise_matrix``.
    """

    def on_nan(i, j):
        raise infeasible(first[1][i], second[1][j], constraint)

    arguments = constraint if kernel_args is None else kernel_args
    return pairwise_matrix(kernel, first, second, arguments, on_nan=on_nan, **options)
