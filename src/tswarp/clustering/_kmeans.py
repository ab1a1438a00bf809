"""k-means for time series: the Euclidean distance with step-by-step means, DTW with DBA
barycenters, or soft-DTW with soft-DTW barycenters.

Each iteration assigns every series to its nearest centroid and replaces every centroid by
the barycenter of its series, started from the centroid itself. Under DTW the assignment is
the pruned nearest-neighbour search of tswarp.neighbors with the centroids as the training
set (lower bounds, early-abandoned DTW; same labels and distances as the full matrix); the
other metrics take the n x k matrix of their compiled cdist. The steps, the
inertia and the stopping rule are tslearn's, so that a seeded run gives tslearn's result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from tswarp._constraints import parse_constraint
from tswarp._sklearn import sklearn_base
from tswarp.barycenters import dtw_barycenter_averaging_petitjean, softdtw_barycenter
from tswarp.barycenters._inputs import check_count
from tswarp.clustering._common import (
    EmptyClusterError,
    check_common,
    check_features,
    check_is_fitted,
    check_no_empty_cluster,
    check_params_dict,
    check_random_state,
    dataset,
    full_length,
    is_array_init,
    kmeans_plusplus,
    restarts,
)
from tswarp.metrics import cdist_dtw, cdist_soft_dtw, cdist_soft_dtw_normalized
from tswarp.neighbors._search import DTWIndex

if TYPE_CHECKING:
    from tswarp._typing import ArrayLike, Dataset

_base: Any = sklearn_base("tswarp.clustering")

_CONSTRAINT_KEYS = ("global_constraint", "sakoe_chiba_radius", "itakura_max_slope")
_METRIC_KEYS = {
    "euclidean": (),
    "dtw": _CONSTRAINT_KEYS,
    "softdtw": ("gamma", *_CONSTRAINT_KEYS),
}


class TimeSeriesKMeans(_base.TransformerMixin, _base.ClusterMixin, _base.BaseEstimator):
    """K-means clustering of time series under the Euclidean distance, DTW or soft-DTW.

    Alternates assigning each series to its nearest centroid and replacing each centroid by
    the barycenter of its series: the step-by-step mean for "euclidean", DTW barycenter
    averaging (:func:`~tswarp.barycenters.dtw_barycenter_averaging_petitjean`) for "dtw",
    :func:`~tswarp.barycenters.softdtw_barycenter` for "softdtw". The arguments, the
    random draws of the seeding and the results are tslearn's, except for k-means++ under
    "softdtw" (weighted by the soft-DTW divergence, see ``init``).

    Parameters
    ----------
    n_clusters : int, default 3
        Number of clusters, at most the number of series.
    max_iter : int, default 50
        Most iterations (assignment then barycenters) of one run.
    tol : float, default 1e-6
        A run stops once the inertia changes by less than this between two iterations.
    n_init : int, default 1
        Runs from different seeds; the one of least inertia is kept. A run whose
        assignment leaves a cluster empty is started again from new seeds, and at most
        max(n_init, 10) runs are tried.
    metric : {"euclidean", "dtw", "softdtw"}, default "euclidean"
        Metric of the assignments and of the barycenters. "euclidean" needs series of one
        length; "dtw" and "softdtw" take series of different lengths.
    max_iter_barycenter : int, default 100
        Most iterations of each soft-DTW barycenter ("softdtw" only; DBA runs at most 30
        iterations, as in tslearn).
    metric_params : dict or None, default None
        Parameters of the metric: the DTW constraint (``global_constraint``,
        ``sakoe_chiba_radius``, ``itakura_max_slope``) for "dtw" and "softdtw", and
        ``gamma`` for "softdtw". An ``n_jobs`` key is ignored (the argument decides).
    n_jobs : int or None, default None
        Threads of the distance matrices and barycenters, joblib's convention.
    dtw_inertia : bool, default False
        Measure the inertia with DTW (unconstrained) whatever the metric.
    verbose : int, default 0
        Print the inertia at each iteration.
    random_state : int, numpy.random.RandomState or None, default None
        The generator of the seeds: an integer seeds one, None is NumPy's global one.
    init : {"k-means++", "random"} or array-like of shape (n_clusters, sz, d), default \
"k-means++"
        The first centroids: k-means++ seeding (weights: the metric's squared distances,
        or for "softdtw" the soft-DTW divergences, which are >= 0 and 0 for equal series),
        k distinct series drawn at random, or the given series. Series seeds shorter than
        the longest are linearly resampled to its length.

    Attributes
    ----------
    cluster_centers_ : numpy.ndarray of shape (n_clusters, sz, d)
        The centroids (``sz`` is the longest length of X, or that of ``init``).
    labels_ : numpy.ndarray of shape (n_ts,)
        The nearest centroid of each series of X.
    inertia_ : float
        Mean over the series of the squared metric value to their centroid, in the last
        assignment of the best run (for "softdtw", the square of the soft-DTW value, as
        tslearn).
    n_iter_ : int
        Iterations of the best run.
    n_features_in_ : int
        Features per time step (d) of the series seen by fit.

    Examples
    --------
    >>> from tswarp.clustering import TimeSeriesKMeans
    >>> X = [[0, 0, 1, 2, 1], [0, 1, 2, 1, 0, 0], [5, 5, 6], [5, 6, 6, 5]]
    >>> km = TimeSeriesKMeans(n_clusters=2, metric="dtw", random_state=0).fit(X)
    >>> km.labels_
    array([0, 0, 1, 1])
    >>> km.cluster_centers_.shape
    (2, 6, 1)
    >>> km.predict([[6, 5, 5, 5, 6]])
    array([1])
    """

    def __init__(
        self,
        n_clusters: int = 3,
        max_iter: int = 50,
        tol: float = 1e-6,
        n_init: int = 1,
        metric: str = "euclidean",
        max_iter_barycenter: int = 100,
        metric_params: dict[str, Any] | None = None,
        n_jobs: int | None = None,
        dtw_inertia: bool = False,
        verbose: int = 0,
        random_state: int | np.random.RandomState | None = None,
        init: str | ArrayLike = "k-means++",
    ) -> None:
        self.n_clusters = n_clusters
        self.max_iter = max_iter
        self.tol = tol
        self.n_init = n_init
        self.metric = metric
        self.max_iter_barycenter = max_iter_barycenter
        self.metric_params = metric_params
        self.n_jobs = n_jobs
        self.dtw_inertia = dtw_inertia
        self.verbose = verbose
        self.random_state = random_state
        self.init = init

    def fit(self, X: Dataset, y: object = None) -> TimeSeriesKMeans:
        """Cluster the series of X.

        Parameters
        ----------
        X : array-like of shape (n_ts, sz, d) or (n_ts, sz), or a list of series
            The series; different lengths are given as a list or NaN-padded at the end.
        y : None
            Ignored.

        Returns
        -------
        TimeSeriesKMeans
            The fitted estimator.

        Raises
        ------
        ValueError
            If an argument is out of range, X is invalid (empty, NaN inside a series,
            different lengths under "euclidean", values so tiny that their squares
            underflow), or ``init`` does not match X.
        EmptyClusterError
            If X holds fewer distinct series than clusters, or every run tried leaves
            a cluster empty.
        """
        params = self._params()
        X, lengths = self._dataset(X)
        n, size, d = X.shape
        n_clusters, max_iter, tol, n_init = check_common(self, n)
        check_count(self.max_iter_barycenter, "max_iter_barycenter", 0)
        _check_no_underflow(X)
        _check_distinct_series(X, lengths, n_clusters)
        start = self._check_init(n_clusters, size, d)
        rs = check_random_state(self.random_state)

        def run_once(rs):
            centers = start.copy() if start is not None else self._seed(X, lengths, rs, params)
            return self._run(X, lengths, centers, params, max_iter, tol)

        centers, inertia, n_iter = restarts(run_once, n_init, rs, self.verbose)
        self.cluster_centers_ = centers
        self.labels_ = self._assign(X, lengths, centers, params)[0]
        self.inertia_ = float(inertia)
        self.n_iter_ = n_iter
        self.n_features_in_ = d
        return self

    def fit_predict(self, X: Dataset, y: object = None) -> np.ndarray:
        """Cluster X and return ``labels_``.

        Parameters
        ----------
        X : array-like of shape (n_ts, sz, d) or (n_ts, sz), or a list of series
            The series.
        y : None
            Ignored.

        Returns
        -------
        numpy.ndarray of shape (n_ts,)
            The cluster of each series.
        """
        return self.fit(X).labels_

    def predict(self, X: Dataset) -> np.ndarray:
        """The nearest centroid of each series.

        Parameters
        ----------
        X : array-like of shape (n_ts, sz, d) or (n_ts, sz), or a list of series
            The series, with the features of those seen by fit.

        Returns
        -------
        numpy.ndarray of shape (n_ts,)
            The index of the nearest centroid (the first among equals).

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the estimator is not fitted.
        ValueError
            If X is invalid or its features differ from those seen by fit.
        """
        X, lengths, params = self._fitted_input(X)
        return self._assign(X, lengths, self.cluster_centers_, params)[0]

    def transform(self, X: Dataset) -> np.ndarray:
        """The metric value of each series to each centroid.

        Parameters
        ----------
        X : array-like of shape (n_ts, sz, d) or (n_ts, sz), or a list of series
            The series, with the features of those seen by fit.

        Returns
        -------
        numpy.ndarray of shape (n_ts, n_clusters)
            Euclidean or DTW distances, or soft-DTW values.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the estimator is not fitted.
        ValueError
            If X is invalid or its features differ from those seen by fit.
        """
        X, _, params = self._fitted_input(X)
        return self._distances(X, self.cluster_centers_, params)

    def _fitted_input(self, X):
        check_is_fitted(self, "cluster_centers_")
        params = self._params()
        X, lengths = self._dataset(X)
        euclidean = self.metric == "euclidean"
        check_features(self, X, self.cluster_centers_.shape[1] if euclidean else None)
        return X, lengths, params

    # The steps.

    def _params(self):
        if self.metric not in _METRIC_KEYS:
            raise ValueError(f"metric must be one of {sorted(_METRIC_KEYS)}, got {self.metric!r}")
        keys = (*_METRIC_KEYS[self.metric], "n_jobs")
        params = check_params_dict(self.metric_params, "metric_params", keys)
        params.pop("n_jobs", None)
        return params

    def _dataset(self, X: Dataset) -> tuple[np.ndarray, Any]:
        return dataset(X, self.metric == "euclidean", "for metric='euclidean'")

    def _check_init(self, n_clusters, size, d):
        """The given first centroids at full length, or None for a seeding method."""
        if isinstance(self.init, str) and self.init in ("k-means++", "random"):
            return None
        if not is_array_init(self.init):
            raise ValueError(
                f"init must be 'k-means++', 'random' or an array of series, got {self.init!r}"
            )
        centers, lengths = dataset(self.init, name="init")
        if len(centers) != n_clusters:
            raise ValueError(f"init holds {len(centers)} series, but n_clusters={n_clusters}")
        if centers.shape[2] != d:
            raise ValueError(f"init has {centers.shape[2]} feature(s) per time step and X has {d}")
        if self.metric == "euclidean" and centers.shape[1] != size:
            raise ValueError(
                f"init has series of length {centers.shape[1]} and X of length {size}: "
                "metric='euclidean' compares equal lengths"
            )
        return full_length(centers, lengths, centers.shape[1])

    def _seed(self, X, lengths, rs, params):
        n, size = len(X), X.shape[1]
        if self.init == "random":
            chosen = rs.choice(n, self.n_clusters, replace=False)
        elif self.metric == "euclidean":
            flat = X.reshape(n, -1)

            def squared(indices):
                return np.stack([((flat - flat[i]) ** 2).sum(axis=1) for i in indices])

            # scikit-learn draws the first seed by weights (all equal here).
            chosen = kmeans_plusplus(n, self.n_clusters, squared, rs,
                                     lambda rs: rs.choice(n, p=np.ones(n) / n))  # fmt: skip
        else:

            def squared(indices):
                if self.metric == "softdtw":
                    return self._soft_divergences(X[indices], X, params)
                return self._distances(X[indices], X, params) ** 2

            chosen = kmeans_plusplus(n, self.n_clusters, squared, rs, lambda rs: rs.randint(n))
        return full_length(X[chosen], lengths[chosen], size)

    def _distances(self, X, centers, params):
        if self.metric == "dtw":
            return cdist_dtw(X, centers, n_jobs=self.n_jobs, **params)
        if self.metric == "softdtw":
            return cdist_soft_dtw(X, centers, n_jobs=self.n_jobs, **params)
        return np.stack([np.sqrt(((X - c) ** 2).sum(axis=(1, 2))) for c in centers], axis=1)

    def _soft_divergences(self, X, Y, params):
        """The soft-DTW divergences sdtw(x, y) - (sdtw(x, x) + sdtw(y, y)) / 2, the weights of
        k-means++ under soft-DTW: >= 0 and 0 for equal series, like DTW**2 (which they are
        at gamma = 0). Soft-DTW values themselves are negative for close series, and their
        squares would favour a seed's own group (tslearn's weights)."""
        divergences = cdist_soft_dtw_normalized(X, Y, n_jobs=self.n_jobs, **params)
        return np.maximum(divergences, 0.0)  # rounding may leave -1e-16 for equal series

    def _assign(self, X, lengths, centers, params):
        """(label, metric value to that centroid) of each series: the nearest centroid, the
        first among equals."""
        if self.metric == "dtw":
            index = DTWIndex(centers, np.full(len(centers), centers.shape[1]),
                             parse_constraint(**params))  # fmt: skip
            distances, labels, _ = index.kneighbors(X, lengths, 1, self.n_jobs)
            return labels[:, 0], distances[:, 0]
        distances = self._distances(X, centers, params)
        labels = distances.argmin(axis=1)
        return labels, distances[np.arange(len(X)), labels]

    def _run(self, X, lengths, centers, params, max_iter, tol):
        """(centers, inertia, iterations) of one run from ``centers``."""
        previous, n_iter = np.inf, 0
        while n_iter < max_iter:
            n_iter += 1
            labels, nearest = self._assign(X, lengths, centers, params)
            check_no_empty_cluster(labels, len(centers))
            if self.dtw_inertia and self.metric != "dtw":
                nearest = cdist_dtw(X, centers, n_jobs=self.n_jobs)[np.arange(len(X)), labels]
            inertia = np.sum(nearest**2) / len(X)
            _check_finite_inertia(inertia, nearest)
            if self.verbose:
                print(f"{inertia:.3f}", end=" --> ")
            centers = self._barycenters(X, labels, centers, params)
            if abs(previous - inertia) < tol:
                break
            previous = inertia
        if self.verbose:
            print("")
        return centers, inertia, n_iter

    def _barycenters(self, X, labels, centers, params):
        updated = np.empty_like(centers)
        for k, center in enumerate(centers):
            members = X[labels == k]
            if self.metric == "dtw":
                updated[k] = dtw_barycenter_averaging_petitjean(
                    members, init_barycenter=center, metric_params=params or None,
                    n_jobs=self.n_jobs,
                )  # fmt: skip
            elif self.metric == "softdtw":
                updated[k] = softdtw_barycenter(
                    members, max_iter=self.max_iter_barycenter, init=center,
                    n_jobs=self.n_jobs, **params,
                )  # fmt: skip
            else:
                updated[k] = members.mean(axis=0)
        return updated


# Below this magnitude every square (of a value, or of a difference of values) is under the
# smallest normal float64: distances and the inertia lose their bits or vanish to 0.
_UNDERFLOW_BELOW = float(np.sqrt(np.finfo(np.float64).tiny))


def _check_no_underflow(X):
    """ValueError for data so tiny that their squared distances underflow: series would tie
    at distance 0, seeds coincide and clusters come out empty or arbitrary."""
    largest = float(np.nanmax(np.abs(X)))
    if 0 < largest < _UNDERFLOW_BELOW:
        raise ValueError(
            f"the values of X are at most {largest:.3g} in magnitude: their squared "
            f"distances underflow float64 (values below {_UNDERFLOW_BELOW:.3g}), and series "
            "would look equal; multiply the data by a constant and fit again"
        )


def _check_distinct_series(X, lengths, n_clusters):
    """EmptyClusterError at once when X holds fewer distinct series than clusters: equal
    series share a cluster, so every run would leave one empty."""
    if n_clusters < 2 or n_clusters > len(X):  # check_common has refused the latter
        return
    # A series is its length and its values, padding read as 0.
    rows = np.column_stack([np.where(np.isnan(X), 0.0, X).reshape(len(X), -1), lengths])
    distinct = len(np.unique(rows, axis=0))
    if distinct < n_clusters:
        raise EmptyClusterError(
            f"X holds {distinct} distinct series, fewer than n_clusters={n_clusters}: equal "
            "series share a cluster, so one would stay empty"
        )


def _check_finite_inertia(inertia, nearest):
    """ValueError when the inertia overflows: its tol test would compare inf with inf, and
    every run would end as if a cluster were empty."""
    if not np.isfinite(inertia):
        raise ValueError(
            f"the inertia (mean squared distance to the nearest centroid, distances up to "
            f"{np.max(nearest):.3g}) overflows {nearest.dtype}: divide the data by a constant "
            "(the distances scale with it) and fit again"
        )
