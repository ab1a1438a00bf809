"""The k nearest training series of each query: a pruned search for DTW, full matrices for
the other metrics.

- DTW: :class:`DTWIndex` keeps the training series and their envelopes; its ``kneighbors``
  runs the compiled search (``tswarp._kernels._knn``: lower bounds, then early-abandoned
  DTW) block of queries by block of queries, so that a progress bar and Ctrl-C get a turn.
- Other metrics: the whole matrix (a ``cdist_*`` of the metrics, plain Euclidean distances,
  or a matrix given by the caller), then a stable sort of each row.

Both answer the same way: the k smallest distances in increasing order, ties going to the
smaller training index, as a stable sort of the exhaustive matrix would.
"""

import numpy as np

from tswarp._constraints import ITAKURA, SAKOE_CHIBA, band_for, parse_constraint
from tswarp._kernels import _envelope, _knn
from tswarp._threads import effective_n_threads
from tswarp.metrics._dtw import cdist_dtw
from tswarp.metrics._pairwise import _Progress
from tswarp.metrics._registry import METRIC_TO_FUNCTION

# Queries per thread in one call of the compiled search.
_QUERIES_PER_THREAD = 16
# Values of a block of differences in the Euclidean matrix, at most.
_EUCLIDEAN_BLOCK = 1 << 22

STAGES = (
    "pruned by LB_Kim",
    "pruned by LB_Keogh (query)",
    "pruned by LB_Keogh (candidate)",
    "DTW abandoned",
    "DTW computed",
)
"""What became of each (query, candidate) pair in the pruned search, in cascade order."""


def band_reach(n, constraint):
    """How far from the diagonal the band of two series of length n reaches: the radius of
    the envelopes whose LB_Keogh bounds DTW under ``constraint``."""
    lo, hi = band_for(n, n, constraint)
    steps = np.arange(n)
    return int(max(np.max(steps - lo), np.max(hi - 1 - steps)))


def _envelopes(X, lengths, radii):
    """The envelope of each series of the padded X, each of its own radius."""
    low, high = np.full_like(X, np.nan), np.full_like(X, np.nan)
    for i, (n, radius) in enumerate(zip(lengths, radii, strict=True)):
        _envelope.envelope(X[i, :n], int(radius), low[i, :n], high[i, :n])
    return low, high


class DTWIndex:
    """Training series prepared for the pruned DTW search under one global constraint.

    ``X`` is a validated float64 (n, sz, d) dataset and ``lengths`` its series' lengths;
    ``constraint`` is the (code, parameter) of :func:`tswarp._constraints.parse_constraint`.
    """

    def __init__(self, X, lengths, constraint):
        self.X, self.lengths, self.constraint = X, lengths, constraint
        self._reach = {}
        self.low, self.high = _envelopes(X, lengths, self.reach(lengths))

    def reach(self, lengths):
        """The band's reach for pairs of equal length, for each of ``lengths``."""
        for n in np.unique(lengths):
            if int(n) not in self._reach:
                self._reach[int(n)] = band_reach(int(n), self.constraint)
        return np.array([self._reach[int(n)] for n in lengths], dtype=np.intp)

    def _check_feasible(self, q_lengths):
        # Raises InfeasibleConstraintError for a pair of lengths that no path joins, as the
        # exhaustive cdist_dtw does (only an Itakura band can be infeasible).
        if self.constraint[0] == ITAKURA:
            for n in np.unique(q_lengths):
                for m in np.unique(self.lengths):
                    band_for(int(n), int(m), self.constraint)

    def kneighbors(self, Q=None, q_lengths=None, k=1, n_jobs=None, verbose=0):
        """(distances, indices, stats) of the k nearest training series of each query.

        Without ``Q`` the queries are the training series themselves, each leaving itself
        out. ``distances`` are DTW distances (square roots), ``stats`` counts per query the
        candidates at each of :data:`STAGES`.
        """
        skip_self = Q is None
        if skip_self:
            Q, q_lengths, low, high = self.X, self.lengths, self.low, self.high
            radius = self.reach(q_lengths)
        else:
            self._check_feasible(q_lengths)
            radius = self.reach(q_lengths)
            low, high = _envelopes(Q, q_lengths, radius)
        n_queries, n_train = len(q_lengths), len(self.lengths)
        costs = np.full((n_queries, k), np.inf)
        indices = np.full((n_queries, k), -1, dtype=np.intp)
        stats = np.zeros((n_queries, len(STAGES)), dtype=np.int64)
        threads = effective_n_threads(n_jobs, n_queries)
        block = threads * _QUERIES_PER_THREAD
        code, parameter = self.constraint
        progress = _Progress("kneighbors", n_queries * n_train, bool(verbose))
        for start in range(0, n_queries, block):
            part = slice(start, min(start + block, n_queries))
            _knn.knn_search(
                Q[part], q_lengths[part], low[part], high[part], radius[part], self.X,
                self.lengths, self.low, self.high, code, float(parameter), True,
                start if skip_self else -1, costs[part], indices[part], stats[part], threads,
            )  # fmt: skip
            progress.update(part.stop * n_train)
        # A pair whose squared costs overflow has an infinite cost in the search: such rare
        # queries go to the exhaustive cdist_dtw, which computes them again, rescaled.
        incomplete = np.flatnonzero((indices < 0).any(axis=1))
        distances = np.sqrt(costs)
        if incomplete.size:
            matrix = cdist_dtw(Q[incomplete], self.X, *self._constraint_args())
            if skip_self:
                matrix[np.arange(incomplete.size), incomplete] = np.inf
            distances[incomplete], indices[incomplete] = nearest_in_matrix(matrix, k)
        return distances, indices, stats

    def _constraint_args(self):
        code, parameter = self.constraint
        if code == SAKOE_CHIBA:
            return ("sakoe_chiba", parameter, None)
        if code == ITAKURA:
            return ("itakura", None, parameter)
        return (None, None, None)


def nearest_in_matrix(matrix, k, skip_self=False):
    """(distances, indices) of the k smallest values of each row, ties to the smaller
    column; with ``skip_self``, row i leaves out column i."""
    order = np.argsort(matrix, axis=1, kind="stable")
    if skip_self:
        rows = len(matrix)
        order = order[order != np.arange(rows)[:, None]].reshape(rows, -1)
    order = order[:, :k]
    return np.take_along_axis(matrix, order, axis=1), order


def euclidean_matrix(Q, q_lengths, X, x_lengths):
    """Euclidean distances between every query and every training series, all of one length
    (ValueError otherwise: the Euclidean distance matches steps one to one)."""
    lengths = np.unique(np.concatenate([q_lengths, x_lengths]))
    if len(lengths) > 1:
        raise ValueError(
            "metric='euclidean' needs series of a single length, got lengths "
            f"{lengths.min()} to {lengths.max()}; DTW compares series of different lengths"
        )
    size = int(lengths[0])
    queries = Q[:, :size].reshape(len(Q), -1)
    train = X[:, :size].reshape(len(X), -1)
    matrix = np.empty((len(queries), len(train)))
    rows = max(1, _EUCLIDEAN_BLOCK // max(1, train.size))
    for start in range(0, len(queries), rows):
        differences = queries[start : start + rows, None, :] - train[None]
        matrix[start : start + rows] = np.sqrt(np.einsum("ijk,ijk->ij", differences, differences))
    return matrix


def nearest(metric, train, queries, k, arguments, n_jobs=None, verbose=0, index=None):
    """(distances, indices) of the k nearest training series of each query under ``metric``.

    ``train`` and ``queries`` are validated ``(X, lengths)`` datasets; without ``queries``
    the training series are the queries, each leaving itself out. ``arguments`` are the
    metric's cdist keyword arguments; for DTW, ``index`` is a :class:`DTWIndex` of ``train``
    already built, if any.
    """
    X, x_lengths = train
    if metric == "dtw":
        if index is None:
            index = DTWIndex(X, x_lengths, parse_constraint(**arguments))
        return index.kneighbors(*(queries or (None, None)), k, n_jobs, verbose)[:2]
    Q, q_lengths = queries or train
    if metric == "euclidean":
        matrix = euclidean_matrix(Q, q_lengths, X, x_lengths)
    else:
        options = dict(n_jobs=n_jobs, verbose=verbose, **arguments)
        cdist = METRIC_TO_FUNCTION[metric]
        matrix = cdist(X, **options) if queries is None else cdist(Q, X, **options)
    return nearest_in_matrix(np.asarray(matrix, dtype=np.float64), k, queries is None)


def neighbour_weights(distances, weights):
    """The weight of each neighbour: None for equal weights, else an array like distances.

    ``"distance"`` weighs by 1 / distance; a query with neighbours at distance 0 weighs
    those alone, equally (as scikit-learn does); a callable maps the distances to weights.
    """
    if weights == "uniform":
        return None
    if weights == "distance":
        with np.errstate(divide="ignore"):
            inverse = 1.0 / distances
        exact = np.isinf(inverse)
        rows = exact.any(axis=1)
        inverse[rows] = exact[rows]
        return inverse
    return np.asarray(weights(distances), dtype=np.float64)


def class_votes(codes, indices, weights, n_classes):
    """(n_queries, n_classes) sums of the neighbours' weights (1 each when None) per class,
    ``codes`` being the class number of each training series."""
    if weights is None:
        weights = np.ones(indices.shape)
    votes = np.zeros((len(indices), n_classes))
    rows = np.repeat(np.arange(len(indices)), indices.shape[1])
    np.add.at(votes, (rows, codes[indices].ravel()), weights.ravel())
    return votes
