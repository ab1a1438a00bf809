"""The block grid of a pairwise matrix, and the computation of one block.

Nothing here imports Dask: a block is two NumPy chunks of series and the public cdist
function of the metric, so the assembled matrix is the one ``tswarp.metrics`` computes
locally, bit for bit. For a self-matrix, block (I, I) is ``cdist(A)`` (its own triangle,
mirrored) and block (I, J), I < J, is ``cdist(A, B)``: every pair (i, j), i < j, is the
kernel of (X[i], X[j]), as in the local symmetric matrix; blocks below the diagonal are
the transposes of those above.
"""

import math
import numbers
import threading
import warnings

import numpy as np

from tswarp.metrics._inputs import to_dataset
from tswarp.metrics._pairwise import output_dtype
from tswarp.metrics._registry import METRIC_TO_FUNCTION, PAIRWISE_METRICS

# Arguments of the cdist functions that the block scheduler sets itself.
_RESERVED = ("n_jobs", "verbose", "be")
# Aim of the automatic block size: at most about this many DP cells per block, so that a
# task runs for seconds at most (the scheduler's overhead per task is about a millisecond)
# while its inputs and its result stay small; and at least this many blocks per worker,
# so that the last blocks to finish leave the workers idle for a small share of the run.
_CELLS_PER_BLOCK = 1e10
_BLOCKS_PER_WORKER = 8
_MAX_BLOCK = 4096


def metric_name(metric):
    """tswarp's name of a metric given in either spelling; ValueError naming the others."""
    if not isinstance(metric, str) or metric not in METRIC_TO_FUNCTION:
        raise ValueError(f"metric must be one of {sorted(PAIRWISE_METRICS)}, got {metric!r}")
    function = METRIC_TO_FUNCTION[metric]
    return next(name for name, cdist in PAIRWISE_METRICS.items() if cdist is function)


def metric_options(metric_kwargs):
    """(kwargs for the cdist function, dtype of the result) from the caller's keywords."""
    options = dict(metric_kwargs)
    for name in _RESERVED:
        if name in options:
            raise TypeError(
                f"{name} cannot be given to tswarp.distributed: each block runs on the "
                "threads of its worker, without a progress bar, on NumPy arrays"
            )
    return options, output_dtype(options.pop("dtype", None))


def check_block_size(block_size, n1, n2, series_length, symmetric=True, workers=1):
    """The block size as an int: the given one (an integer >= 1), or by default the
    largest that keeps blocks under ``_CELLS_PER_BLOCK`` DP cells and gives each of
    ``workers`` at least ``_BLOCKS_PER_WORKER`` blocks (at most ``_MAX_BLOCK`` a side)."""
    if block_size is None:
        by_cells = int(math.sqrt(_CELLS_PER_BLOCK / max(1, series_length) ** 2))
        # A self-matrix computes about half of its side**2 blocks.
        blocks = _BLOCKS_PER_WORKER * max(1, workers) * (2 if symmetric else 1)
        by_spread = -(-max(n1, n2, 1) // math.ceil(math.sqrt(blocks)))
        return max(1, min(by_cells, by_spread, _MAX_BLOCK))
    if isinstance(block_size, bool) or not isinstance(block_size, numbers.Integral):
        raise TypeError(f"block_size must be an integer >= 1 or None, got {block_size!r}")
    if block_size < 1:
        raise ValueError(f"block_size must be >= 1, got {block_size}")
    return int(block_size)


class Grid:
    """The blocks of an (n1, n2) matrix cut into squares of ``size`` series a side.

    ``symmetric``: a self-matrix, of which only the blocks on and above the diagonal are
    computed.
    """

    def __init__(self, n1, n2, size, symmetric):
        self.n1, self.n2, self.size, self.symmetric = n1, n2, size, symmetric
        self.shape = (-(-n1 // size), -(-n2 // size))

    def rows(self, i):
        """The slice of series of row block ``i``."""
        return slice(i * self.size, min((i + 1) * self.size, self.n1))

    def cols(self, j):
        """The slice of series of column block ``j``."""
        return slice(j * self.size, min((j + 1) * self.size, self.n2))

    def blocks(self):
        """The (i, j) of the blocks to compute, row by row."""
        rows, cols = self.shape
        return [(i, j) for i in range(rows) for j in range(i if self.symmetric else 0, cols)]


def prepare_chunk(chunk, name):
    """A chunk of series validated (errors name ``name``, e.g. ``dataset1[100:200]``) and
    cut to its own longest series: a C-contiguous (n, sz, d) float32/float64 array."""
    X, lengths = to_dataset(chunk, name)
    return X[:, : int(lengths.max(initial=0))]


# One block at a time per worker process: a block runs on all of its worker's threads, so
# two at once would run twice as many threads as there are cores.
_ONE_AT_A_TIME = threading.Lock()


def compute_block(A, B, metric, options, dtype, n_jobs):
    """The block of ``metric`` between the series of A and B, or of A with itself when B
    is None, as ``dtype``: the public cdist function on ``n_jobs`` threads."""
    function = PAIRWISE_METRICS[metric]
    with _ONE_AT_A_TIME, warnings.catch_warnings():
        # The layout warning is the caller's, given once for the whole dataset.
        warnings.filterwarnings("ignore", message=".*read as series of length 1")
        values = function(A, B, n_jobs=n_jobs, **options)
    return np.asarray(values).astype(dtype, copy=False)


def check_options(metric, options, n_features):
    """Raise the metric's own error for bad keywords before any task is sent: the cdist
    function on one tiny dataset of ``n_features`` features."""
    tiny = np.zeros((1, 2, max(1, n_features)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        PAIRWISE_METRICS[metric](tiny, **options)
