"""The k-nearest-neighbour estimators: search, classification and regression of time series.

They share :class:`_NeighborsBase`, which validates the arguments, keeps the training series
and answers ``kneighbors``: DTW through the pruned search of :class:`DTWIndex`, the other
metrics through their full matrices (see :mod:`tswarp.neighbors._search`).
"""

from __future__ import annotations

import inspect
import numbers
from typing import TYPE_CHECKING, Any

import numpy as np

from tswarp._constraints import parse_constraint
from tswarp._sklearn import missing_target, owned, sklearn_base, time_series_dataset
from tswarp._threads import check_n_jobs
from tswarp.metrics._inputs import check_same_features
from tswarp.metrics._registry import METRIC_TO_FUNCTION
from tswarp.neighbors._search import (
    DTWIndex,
    check_one_length,
    class_votes,
    nearest,
    nearest_in_matrix,
    neighbour_weights,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from tswarp._typing import ArrayLike, Dataset

_base: Any = sklearn_base()

# Metrics that give similarities (1 for identical series), not distances.
_SIMILARITIES = {"lcss", "gak"}
METRICS = (
    "dtw",
    "euclidean",
    "precomputed",
    *sorted(name for name in METRIC_TO_FUNCTION if name not in _SIMILARITIES | {"dtw"}),
)
"""The names ``metric`` accepts."""
# Arguments of the cdist functions that the estimators set themselves.
_OWN_ARGUMENTS = {"dataset1", "dataset2", "n_jobs", "verbose", "be", "dtype"}


def _check_count(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")
    return int(value)


def _metric_arguments(metric, metric_params):
    """The keyword arguments of the metric's cdist, checked against its signature."""
    if metric_params is None:
        return {}
    if not isinstance(metric_params, dict):
        raise TypeError(f"metric_params must be a dict or None, got {metric_params!r}")
    if metric in ("euclidean", "precomputed"):
        allowed = set()
    else:
        allowed = set(inspect.signature(METRIC_TO_FUNCTION[metric]).parameters) - _OWN_ARGUMENTS
    unknown = sorted(set(metric_params) - allowed)
    if unknown:
        raise ValueError(
            f"metric_params has arguments that metric={metric!r} does not take: {unknown}; "
            f"it takes {sorted(allowed) or 'none'}"
        )
    return dict(metric_params)


def _distance_matrix(X, name, n_columns=None, own=False):
    """A precomputed distance matrix: 2-D, finite, >= 0, with ``n_columns`` columns; with
    ``own``, sharing no memory with X."""
    matrix = np.asarray(X, dtype=np.float64)
    if own:
        matrix = owned(matrix, X)
    if matrix.ndim != 2 or (n_columns is None and matrix.shape[0] != matrix.shape[1]):
        raise ValueError(
            f"with metric='precomputed', {name} must be a square distance matrix"
            if n_columns is None
            else f"with metric='precomputed', {name} must be a 2-D distance matrix"
            f" (got shape {matrix.shape})"
        )
    if n_columns is not None and matrix.shape[1] != n_columns:
        raise ValueError(
            f"with metric='precomputed', {name} must have one column per training series "
            f"({n_columns}), got {matrix.shape[1]}"
        )
    if not np.isfinite(matrix).all():
        raise ValueError(f"the precomputed distances {name} hold NaN or infinite values")
    if (matrix < 0).any():
        raise ValueError(f"the precomputed distances {name} hold negative values")
    return matrix


class _NeighborsBase(_base.BaseEstimator):
    """Training series kept for the neighbour search, and ``kneighbors``."""

    def _fit(self, X):
        _check_count(self.n_neighbors, "n_neighbors")
        check_n_jobs(self.n_jobs)
        if self.metric not in METRICS:
            raise ValueError(f"metric must be one of {list(METRICS)}, got {self.metric!r}")
        arguments = _metric_arguments(self.metric, self.metric_params)
        self._index = None
        # The training data are kept (and DTW's envelopes computed) here: they must not
        # follow the caller's array if it is overwritten after fit.
        if self.metric == "precomputed":
            self._fit_X = _distance_matrix(X, "X", own=True)
            self.n_samples_fit_ = len(self._fit_X)
            self.n_features_in_ = self.n_samples_fit_  # a column per training series
            return self
        self._fit_X, self._fit_lengths = time_series_dataset(X, own=True)
        self.n_samples_fit_ = len(self._fit_lengths)
        self.n_features_in_ = self._fit_X.shape[2]
        if self.metric == "euclidean":
            check_one_length(self._fit_lengths)
        elif self.metric == "dtw":
            self._index = DTWIndex(self._fit_X, self._fit_lengths, parse_constraint(**arguments))
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.pairwise = self.metric == "precomputed"
        return tags

    def kneighbors(
        self,
        X: Dataset | None = None,
        n_neighbors: int | None = None,
        return_distance: bool = True,
    ) -> tuple[np.ndarray, np.ndarray] | np.ndarray:
        """The nearest training series of each series of X.

        Parameters
        ----------
        X : array-like of shape (n_ts, sz, d) or (n_ts, sz), or a list of series, optional
            The query series (a distance matrix of shape (n_ts, n_samples_fit) with
            ``metric="precomputed"``). Without it, the training series are the queries and
            none of them counts as its own neighbour.
        n_neighbors : int, optional
            How many neighbours; by default the estimator's ``n_neighbors``.
        return_distance : bool, default True
            Whether to return the distances too.

        Returns
        -------
        distances : numpy.ndarray of shape (n_ts, n_neighbors)
            The distances to the neighbours, in increasing order (DTW distances, not their
            squares, with ``metric="dtw"``); returned only with ``return_distance``.
        indices : numpy.ndarray of shape (n_ts, n_neighbors)
            The indices of the neighbours among the training series; between series at
            the same distance, the smaller index comes first.

        Raises
        ------
        ValueError
            If X is malformed, if its series have another number of features than the
            training series, or if ``n_neighbors`` exceeds the training series available.
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        k = _check_count(self.n_neighbors if n_neighbors is None else n_neighbors, "n_neighbors")
        skip_self = X is None
        available = self.n_samples_fit_ - skip_self
        if k > available:
            raise ValueError(
                f"n_neighbors={k} exceeds the {available} training series that can be "
                "neighbours" + (" (each series leaves itself out)" if skip_self else "")
            )
        distances, indices = self._search(X, k)
        return (distances, indices) if return_distance else indices

    def _search(self, X, k):
        arguments = _metric_arguments(self.metric, self.metric_params)
        if self.metric == "precomputed":
            if X is None:
                return nearest_in_matrix(self._fit_X, k, skip_self=True)
            return nearest_in_matrix(_distance_matrix(X, "X", self.n_samples_fit_), k)
        queries = None
        if X is not None:
            queries = time_series_dataset(X)
            check_same_features(
                self._fit_X.shape[2], queries[0].shape[2], ("the training series", "X")
            )
        train = (self._fit_X, self._fit_lengths)
        return nearest(
            self.metric, train, queries, k, arguments, self.n_jobs, self.verbose, self._index
        )


class KNeighborsTimeSeries(_NeighborsBase):
    """Nearest-neighbour search among time series, under DTW or another metric.

    With ``metric="dtw"`` the search is pruned, as in the UCR suite: lower bounds (LB_Kim,
    then LB_Keogh both ways) rule out most training series without computing their DTW,
    candidates are visited in increasing order of their bound, and each DTW stops as soon
    as it cannot beat the k-th best found so far. The neighbours are exactly those of the
    full :func:`~tswarp.metrics.cdist_dtw` matrix, ties going to the smaller index.

    Parameters
    ----------
    n_neighbors : int, default 5
        How many neighbours ``kneighbors`` returns by default.
    metric : str, default "dtw"
        ``"dtw"`` (pruned search), ``"euclidean"`` (series of one length), ``"softdtw"``,
        ``"soft_dtw_normalized"``, ``"frechet"``, ``"ctw"`` (their full cdist matrix), or
        ``"precomputed"`` (``X`` is a distance matrix: (n_ts, n_ts) to fit, (n_queries,
        n_ts) to query).
    metric_params : dict, optional
        Keyword arguments of the metric's cdist function: for DTW ``global_constraint``,
        ``sakoe_chiba_radius`` and ``itakura_max_slope``, as in
        :func:`~tswarp.metrics.cdist_dtw`.
    n_jobs : int or None, default None
        Threads, with joblib's convention (None: 1, -1: all the usable CPUs).
    verbose : int, default 0
        When non-zero, a progress bar is drawn on stderr.

    Attributes
    ----------
    n_samples_fit_ : int
        The number of training series.
    n_features_in_ : int
        Features per time step (d) of the training series (``n_samples_fit_`` with
        ``metric="precomputed"``).

    Examples
    --------
    >>> from tswarp.neighbors import KNeighborsTimeSeries
    >>> X = [[1, 2, 3, 4], [1, 1, 2, 3, 4], [4, 3, 2, 1]]
    >>> search = KNeighborsTimeSeries(n_neighbors=2).fit(X)
    >>> distances, indices = search.kneighbors([[1, 2, 3, 3, 4]])
    >>> indices
    array([[0, 1]])
    >>> distances
    array([[0., 0.]])
    """

    def __init__(
        self,
        n_neighbors: int = 5,
        metric: str = "dtw",
        metric_params: dict[str, Any] | None = None,
        n_jobs: int | None = None,
        verbose: int = 0,
    ) -> None:
        self.n_neighbors = n_neighbors
        self.metric = metric
        self.metric_params = metric_params
        self.n_jobs = n_jobs
        self.verbose = verbose

    def fit(self, X: Dataset, y: object = None) -> KNeighborsTimeSeries:
        """Keep the training series.

        Parameters
        ----------
        X : array-like of shape (n_ts, sz, d) or (n_ts, sz), or a list of series
            The series (a distance matrix with ``metric="precomputed"``; see
            :meth:`KNeighborsTimeSeries.kneighbors`).
        y : None
            Ignored.

        Returns
        -------
        KNeighborsTimeSeries
            The estimator.
        """
        return self._fit(X)


# Metrics whose values may be negative, and are not 0 between equal series.
_SIGNED = {"softdtw", "soft_dtw"}


def _check_weights(weights, metric):
    if weights not in ("uniform", "distance") and not callable(weights):
        raise ValueError(f"weights must be 'uniform', 'distance' or a callable, got {weights!r}")
    if weights == "distance" and metric in _SIGNED:
        raise ValueError(
            f"weights='distance' weighs by 1 / distance, but metric={metric!r} gives values "
            "that may be negative: use metric='soft_dtw_normalized' (a divergence, >= 0) or "
            "weights='uniform'"
        )


class KNeighborsTimeSeriesClassifier(_base.ClassifierMixin, _NeighborsBase):
    """Classification of time series by a vote of their nearest training series.

    The neighbours are those of :class:`KNeighborsTimeSeries` (a pruned search under DTW);
    each votes for its class, with equal weights or weighted by ``weights``. A tie between
    classes goes to the first of them in ``classes_``, as in scikit-learn.

    Parameters
    ----------
    n_neighbors : int, default 5
        How many neighbours vote.
    weights : {"uniform", "distance"} or callable, default "uniform"
        Equal votes, votes weighted by 1 / distance (neighbours at distance 0 alone, when
        there are any; not with the signed "softdtw"), or a function from the (n_ts,
        n_neighbors) distances to weights, finite, >= 0 and not all 0 for a series.
    metric : str, default "dtw"
        ``"dtw"`` (pruned search), ``"euclidean"`` (series of one length), ``"softdtw"``,
        ``"soft_dtw_normalized"``, ``"frechet"``, ``"ctw"`` (their full cdist matrix), or
        ``"precomputed"`` (``X`` is a distance matrix: (n_ts, n_ts) to fit, (n_queries,
        n_ts) to query).
    metric_params : dict, optional
        Keyword arguments of the metric's cdist function: for DTW ``global_constraint``,
        ``sakoe_chiba_radius`` and ``itakura_max_slope``, as in
        :func:`~tswarp.metrics.cdist_dtw`.
    n_jobs : int or None, default None
        Threads, with joblib's convention (None: 1, -1: all the usable CPUs).
    verbose : int, default 0
        When non-zero, a progress bar is drawn on stderr.

    Attributes
    ----------
    classes_ : numpy.ndarray
        The class labels, sorted.
    n_samples_fit_ : int
        The number of training series.
    n_features_in_ : int
        Features per time step (d) of the training series (``n_samples_fit_`` with
        ``metric="precomputed"``).

    Examples
    --------
    >>> from tswarp.neighbors import KNeighborsTimeSeriesClassifier
    >>> X = [[0, 0, 1, 2, 1], [0, 1, 2, 1, 0, 0], [3, 3, 2, 3], [3, 2, 2, 3, 3]]
    >>> clf = KNeighborsTimeSeriesClassifier(n_neighbors=1).fit(X, ["up", "up", "flat", "flat"])
    >>> clf.predict([[0, 1, 2, 2, 1, 0], [3, 3, 3, 2]])
    array(['up', 'flat'], dtype='<U4')
    """

    def __init__(
        self,
        n_neighbors: int = 5,
        weights: str | Callable[[np.ndarray], np.ndarray] = "uniform",
        metric: str = "dtw",
        metric_params: dict[str, Any] | None = None,
        n_jobs: int | None = None,
        verbose: int = 0,
    ) -> None:
        self.n_neighbors = n_neighbors
        self.weights = weights
        self.metric = metric
        self.metric_params = metric_params
        self.n_jobs = n_jobs
        self.verbose = verbose

    def fit(self, X: Dataset, y: ArrayLike) -> KNeighborsTimeSeriesClassifier:
        """Keep the training series and their labels.

        Parameters
        ----------
        X : array-like of shape (n_ts, sz, d) or (n_ts, sz), or a list of series
            The series (a distance matrix with ``metric="precomputed"``; see
            :meth:`KNeighborsTimeSeries.kneighbors`).
        y : array-like of shape (n_ts,)
            The labels, of any type.

        Returns
        -------
        KNeighborsTimeSeriesClassifier
            The estimator.
        """
        from sklearn.utils.multiclass import check_classification_targets
        from sklearn.utils.validation import check_consistent_length, column_or_1d

        _check_weights(self.weights, self.metric)
        if y is None:
            raise missing_target(self)
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        self._fit(X)
        check_consistent_length(np.empty(self.n_samples_fit_), y)
        self.classes_, self._y = np.unique(y, return_inverse=True)
        return self

    def _votes(self, X):
        distances, indices = self.kneighbors(X)
        weights = neighbour_weights(distances, self.weights)
        return class_votes(self._y, indices, weights, len(self.classes_))

    def predict(self, X: Dataset) -> np.ndarray:
        """Predict the class of each series.

        Parameters
        ----------
        X : array-like of shape (n_ts, sz, d) or (n_ts, sz), or a list of series
            The series (a distance matrix with ``metric="precomputed"``; see
            :meth:`KNeighborsTimeSeries.kneighbors`).

        Returns
        -------
        numpy.ndarray of shape (n_ts,)
            The predicted labels.
        """
        votes = self._votes(X)
        return self.classes_[np.argmax(votes, axis=1)]

    def predict_proba(self, X: Dataset) -> np.ndarray:
        """Estimate the probability of each class: the share of the neighbours' votes.

        Parameters
        ----------
        X : array-like of shape (n_ts, sz, d) or (n_ts, sz), or a list of series
            The series (a distance matrix with ``metric="precomputed"``; see
            :meth:`KNeighborsTimeSeries.kneighbors`).

        Returns
        -------
        numpy.ndarray of shape (n_ts, n_classes)
            The (weighted) shares of the votes, classes in the order of ``classes_``.
        """
        votes = self._votes(X)
        total = votes.sum(axis=1, keepdims=True)
        total[total == 0] = 1.0
        return votes / total


class KNeighborsTimeSeriesRegressor(_base.RegressorMixin, _NeighborsBase):
    """Regression of time series: the mean target of their nearest training series.

    The neighbours are those of :class:`KNeighborsTimeSeries` (a pruned search under DTW);
    their targets are averaged with equal weights or weighted by ``weights``.

    Parameters
    ----------
    n_neighbors : int, default 5
        How many neighbours are averaged.
    weights : {"uniform", "distance"} or callable, default "uniform"
        Equal weights, 1 / distance (neighbours at distance 0 alone, when there are any;
        not with the signed "softdtw"), or a function from the (n_ts, n_neighbors)
        distances to weights, finite, >= 0 and not all 0 for a series.
    metric : str, default "dtw"
        ``"dtw"`` (pruned search), ``"euclidean"`` (series of one length), ``"softdtw"``,
        ``"soft_dtw_normalized"``, ``"frechet"``, ``"ctw"`` (their full cdist matrix), or
        ``"precomputed"`` (``X`` is a distance matrix: (n_ts, n_ts) to fit, (n_queries,
        n_ts) to query).
    metric_params : dict, optional
        Keyword arguments of the metric's cdist function: for DTW ``global_constraint``,
        ``sakoe_chiba_radius`` and ``itakura_max_slope``, as in
        :func:`~tswarp.metrics.cdist_dtw`.
    n_jobs : int or None, default None
        Threads, with joblib's convention (None: 1, -1: all the usable CPUs).
    verbose : int, default 0
        When non-zero, a progress bar is drawn on stderr.

    Attributes
    ----------
    n_samples_fit_ : int
        The number of training series.
    n_features_in_ : int
        Features per time step (d) of the training series (``n_samples_fit_`` with
        ``metric="precomputed"``).

    Examples
    --------
    >>> from tswarp.neighbors import KNeighborsTimeSeriesRegressor
    >>> X = [[0, 1, 2], [0, 1, 1, 2], [5, 5, 4], [5, 4, 4, 4]]
    >>> reg = KNeighborsTimeSeriesRegressor(n_neighbors=2).fit(X, [1.0, 2.0, 10.0, 20.0])
    >>> reg.predict([[0, 0, 1, 2], [5, 4]])
    array([ 1.5, 15. ])
    """

    def __init__(
        self,
        n_neighbors: int = 5,
        weights: str | Callable[[np.ndarray], np.ndarray] = "uniform",
        metric: str = "dtw",
        metric_params: dict[str, Any] | None = None,
        n_jobs: int | None = None,
        verbose: int = 0,
    ) -> None:
        self.n_neighbors = n_neighbors
        self.weights = weights
        self.metric = metric
        self.metric_params = metric_params
        self.n_jobs = n_jobs
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def fit(self, X: Dataset, y: ArrayLike) -> KNeighborsTimeSeriesRegressor:
        """Keep the training series and their targets.

        Parameters
        ----------
        X : array-like of shape (n_ts, sz, d) or (n_ts, sz), or a list of series
            The series (a distance matrix with ``metric="precomputed"``; see
            :meth:`KNeighborsTimeSeries.kneighbors`).
        y : array-like of shape (n_ts,) or (n_ts, n_targets)
            The targets.

        Returns
        -------
        KNeighborsTimeSeriesRegressor
            The estimator.
        """
        from sklearn.utils.validation import check_array, check_consistent_length

        _check_weights(self.weights, self.metric)
        if y is None:
            raise missing_target(self)
        targets = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")
        self._fit(X)
        check_consistent_length(np.empty(self.n_samples_fit_), targets)
        self._y = owned(targets, y)
        return self

    def predict(self, X: Dataset) -> np.ndarray:
        """Predict the target of each series: the (weighted) mean of its neighbours'.

        Parameters
        ----------
        X : array-like of shape (n_ts, sz, d) or (n_ts, sz), or a list of series
            The series (a distance matrix with ``metric="precomputed"``; see
            :meth:`KNeighborsTimeSeries.kneighbors`).

        Returns
        -------
        numpy.ndarray of shape (n_ts,) or (n_ts, n_targets)
            The predicted targets.
        """
        distances, indices = self.kneighbors(X)
        weights = neighbour_weights(distances, self.weights)
        targets = self._y.reshape(len(self._y), -1)[indices]  # (n_ts, k, n_targets)
        if weights is None:
            predicted = targets.mean(axis=1)
        else:
            predicted = np.einsum("ij,ijt->it", weights, targets) / weights.sum(axis=1)[:, None]
        return predicted.reshape(len(indices), *self._y.shape[1:])
