"""The k nearest training series of each query: a pruned search for DTW, full matrices for
the other metrics.

- DTW: :class:`DTWIndex` keeps the training series and their envelopes; its ``kneighbors``
  runs the compiled search (``tswarp._kernels._knn``: lower bounds, then early-abandoned
  DTW) in parallel over the queries.
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
from tswarp.metrics._overflow import FLOAT64_TINY, rescaled
from tswarp.metrics._pairwise import _Progress
from tswarp.metrics._registry import METRIC_TO_FUNCTION

# Calls of the compiled search per kneighbors when a progress bar is drawn. Otherwise one
# call does all the queries: every call starts and joins the threads, which costs a
# scheduler time slice or more on a busy machine, and the kernel polls Ctrl-C itself.
_PROGRESS_STEPS = 50
# The share of a sample's pairs that needed a DTW (abandoned or not) above which the rest
# of the queries go to the exhaustive matrix (see DTWIndex.kneighbors).
_EXHAUSTIVE_ABOVE = 0.5
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
        self.largest = _largest_values(X)

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

    def kneighbors(self, Q=None, q_lengths=None, k=1, n_jobs=None, verbose=0, strategy="auto"):
        """(distances, indices, stats) of the k nearest training series of each query.

        Without ``Q`` the queries are the training series themselves, each leaving itself
        out. ``distances`` are DTW distances (square roots), ``stats`` counts per query the
        candidates at each of :data:`STAGES` (all "DTW computed" for the queries of the
        exhaustive matrix).

        ``strategy``: ``"pruned"`` (the cascade for every query), ``"exhaustive"`` (the
        cdist_dtw matrix) or ``"auto"``: the cascade on a first sample of the queries, then
        on the others too unless more than ``_EXHAUSTIVE_ABOVE`` of the sample's pairs
        needed a DTW (noisy series, few training series, a wide band), where the matrix's
        vectorised kernels are faster. All three give the same neighbours.
        """
        skip_self = Q is None
        if skip_self:
            Q, q_lengths = self.X, self.lengths
        else:
            self._check_feasible(q_lengths)
        n_queries, n_train = len(q_lengths), len(self.lengths)
        search = _Search(self, Q, q_lengths, k, skip_self, effective_n_threads(n_jobs, n_queries))
        progress = _Progress("kneighbors", n_queries * n_train, bool(verbose))
        if strategy == "pruned":
            sample = n_queries
        elif strategy == "exhaustive":
            sample = 0
        else:
            sample = min(n_queries, max(4 * search.threads, -(-n_queries // 50)))
        search.pruned(0, sample, progress)
        if sample < n_queries:
            reached = search.stats[:sample, 3:].sum() / max(1, search.stats[:sample].sum())
            if strategy == "exhaustive" or reached > _EXHAUSTIVE_ABOVE:
                search.exhaustive(sample, n_queries, n_jobs)
                progress.update(n_queries * n_train)
            else:
                search.pruned(sample, n_queries, progress)
        # A pair whose squared costs overflow has an infinite cost in the search: such rare
        # queries go to the exhaustive cdist_dtw, which computes them again, rescaled.
        for row in np.flatnonzero((search.indices < 0).any(axis=1)):
            search.exhaustive(row, row + 1, n_jobs)
        # A pair of tiny series whose squared costs underflow (to 0, or to a few bits) ties
        # with others in the search: such queries go to cdist_dtw too, which rescales them.
        for row in self._underflowed(Q, search.costs, search.indices):
            search.exhaustive(row, row + 1, n_jobs)
        return search.distances(), search.indices, search.stats

    def _underflowed(self, Q, costs, indices):
        """The queries with a neighbour found whose squared cost may have underflowed: the
        cost is tiny and so are both series (cdist_dtw's rule for scaling a pair up)."""
        value_bound, cost_bound = FLOAT64_TINY
        largest = np.maximum(_largest_values(Q)[:, None], self.largest[indices])
        tiny = (costs < cost_bound) & (largest > 0) & (largest < value_bound)
        return np.flatnonzero(tiny.any(axis=1))

    def constraint_arguments(self):
        """The constraint as cdist_dtw's keyword arguments."""
        code, parameter = self.constraint
        if code == SAKOE_CHIBA:
            return {"sakoe_chiba_radius": parameter}
        if code == ITAKURA:
            return {"itakura_max_slope": parameter}
        return {}


class _Search:
    """One kneighbors call: the queries and the results filled in."""

    def __init__(self, index, Q, q_lengths, k, skip_self, threads):
        self.index, self.Q, self.q_lengths = index, Q, q_lengths
        self.skip_self, self.threads = skip_self, threads
        self.radius = index.reach(q_lengths)
        n_queries = len(q_lengths)
        # Squared costs of the pruned search, distances of the exhaustive one, whose rows
        # are marked in ``matrix_rows``; -1: no neighbour found (yet).
        self.costs = np.full((n_queries, k), np.inf)
        self.matrix_distances = np.full((n_queries, k), np.nan)
        self.matrix_rows = np.zeros(n_queries, dtype=bool)
        self.indices = np.full((n_queries, k), -1, dtype=np.intp)
        self.stats = np.zeros((n_queries, len(STAGES)), dtype=np.int64)

    def pruned(self, first, stop, progress):
        """The cascade for queries first..stop-1, in one call of the kernel, or in steps
        with a progress bar."""
        index, n_train = self.index, len(self.index.lengths)
        code, parameter = index.constraint
        step = max(self.threads, -(-len(self.q_lengths) // _PROGRESS_STEPS))
        for start in range(first, stop, step if progress.enabled else max(1, stop - first)):
            part = slice(start, min(start + step if progress.enabled else stop, stop))
            if self.skip_self:
                low, high = index.low[part], index.high[part]
            else:  # only for the queries that the cascade searches
                low, high = _envelopes(self.Q[part], self.q_lengths[part], self.radius[part])
            _knn.knn_search(
                self.Q[part], self.q_lengths[part], low, high,
                self.radius[part], index.X, index.lengths, index.low, index.high, code,
                float(parameter), start if self.skip_self else -1, self.costs[part],
                self.indices[part], self.stats[part], self.threads,
            )  # fmt: skip
            progress.update(part.stop * n_train)

    def exhaustive(self, first, stop, n_jobs):
        """Queries first..stop-1 from the full cdist_dtw matrix."""
        rows = slice(first, stop)
        matrix = cdist_dtw(
            self.Q[rows], self.index.X, n_jobs=n_jobs,
            **self.index.constraint_arguments(),
        )  # fmt: skip
        if self.skip_self:
            matrix[np.arange(stop - first), np.arange(first, stop)] = np.inf
        k = self.costs.shape[1]
        self.matrix_distances[rows], self.indices[rows] = nearest_in_matrix(matrix, k)
        self.matrix_rows[rows] = True
        self.stats[rows] = 0
        self.stats[rows, -1] = len(self.index.lengths) - self.skip_self

    def distances(self):
        """The DTW distances of the neighbours found."""
        return np.where(self.matrix_rows[:, None], self.matrix_distances, np.sqrt(self.costs))


def _largest_values(X):
    """The largest absolute value of each series of the NaN-padded X."""
    return np.fmax.reduce(np.abs(X).reshape(len(X), -1), axis=1)


def nearest_in_matrix(matrix, k, skip_self=False):
    """(distances, indices) of the k smallest values of each row, ties to the smaller
    column; with ``skip_self``, row i leaves out column i."""
    order = np.argsort(matrix, axis=1, kind="stable")
    if skip_self:
        rows = len(matrix)
        order = order[order != np.arange(rows)[:, None]].reshape(rows, -1)
    order = order[:, :k]
    return np.take_along_axis(matrix, order, axis=1), order


def check_one_length(*lengths):
    """The single length of the series whose ``lengths`` are given (ValueError if there are
    several: the Euclidean distance matches steps one to one)."""
    sizes = np.unique(np.concatenate(lengths))
    if len(sizes) > 1:
        raise ValueError(
            "metric='euclidean' needs series of a single length, got lengths "
            f"{sizes.min()} to {sizes.max()}; DTW compares series of different lengths"
        )
    return int(sizes[0])


def euclidean_matrix(Q, q_lengths, X, x_lengths):
    """Euclidean distances between every query and every training series, all of one length
    (see :func:`check_one_length`)."""
    size = check_one_length(q_lengths, x_lengths)
    queries = Q[:, :size].reshape(len(Q), -1)
    train = X[:, :size].reshape(len(X), -1)
    # Overflow is handled: an inf is computed again, and stays only past the float64 range.
    with np.errstate(over="ignore"):
        matrix = _euclidean_blocks(queries, train)
        if np.isinf(matrix).any():
            # Squares past the float64 range (values beyond about 1e154): again on both sets
            # scaled by the same power of two, an exact scaling, then scaled back.
            scaled_queries, scaled_train, k = rescaled(queries, train)
            matrix = _euclidean_blocks(scaled_queries, scaled_train) * 2.0**k
    # Underflow too: squares of differences between tiny series (below 2**-400) lose their
    # bits or vanish, and such series would all tie at distance 0. Their pairs are computed
    # again, scaled up by one power of two.
    tiny_queries = _largest_values(queries) < FLOAT64_TINY[0]
    tiny_train = _largest_values(train) < FLOAT64_TINY[0]
    if tiny_queries.any() and tiny_train.any():
        scaled_queries, scaled_train, k = rescaled(
            queries[tiny_queries], train[tiny_train], up=True
        )
        block = _euclidean_blocks(scaled_queries, scaled_train)
        matrix[np.ix_(tiny_queries, tiny_train)] = np.ldexp(block, k)
    return matrix


def _euclidean_blocks(queries, train):
    """The Euclidean matrix of flat series, a block of queries at a time (bounded memory)."""
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

    ``"distance"`` weighs by 1 / distance; a query with neighbours at distance 0 (or below,
    a normalised soft-DTW's rounding) weighs those alone, equally (as scikit-learn does),
    and a query whose neighbours are all infinitely far weighs them equally. A callable maps
    the distances to weights of the same shape, finite, >= 0 and not all 0 for a query.
    """
    if weights == "uniform":
        return None
    if weights == "distance":
        exact = distances <= 0
        inverse = 1.0 / np.where(exact, np.inf, distances)  # exact rows are set below
        rows = exact.any(axis=1)
        inverse[rows] = exact[rows]
        # 1 / inf is 0 for every neighbour: no weighted mean without this
        inverse[~(inverse > 0).any(axis=1)] = 1.0
        return inverse
    given = np.asarray(weights(distances), dtype=np.float64)
    if given.shape != distances.shape:
        raise ValueError(
            "the callable weights must return one weight per neighbour, an array of shape "
            f"(n_queries, n_neighbors) = {distances.shape}; it returned shape {given.shape}"
        )
    if not (np.isfinite(given).all() and (given >= 0).all()):
        raise ValueError("the callable weights must return finite weights >= 0")
    empty = np.flatnonzero(given.sum(axis=1) == 0)
    if len(empty):
        raise ValueError(
            f"the callable weights gave every neighbour of query {empty[0]} weight 0: a vote "
            "or mean needs at least one weight > 0"
        )
    return given


def class_votes(codes, indices, weights, n_classes):
    """(n_queries, n_classes) sums of the neighbours' weights (1 each when None) per class,
    ``codes`` being the class number of each training series."""
    if weights is None:
        weights = np.ones(indices.shape)
    votes = np.zeros((len(indices), n_classes))
    rows = np.repeat(np.arange(len(indices)), indices.shape[1])
    np.add.at(votes, (rows, codes[indices].ravel()), weights.ravel())
    return votes
