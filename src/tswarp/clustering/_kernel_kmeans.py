"""Kernel k-means: k-means in the feature space of a kernel, the centroids never formed.

The squared distance of a series x to the centroid of cluster C (weights w_i, W their sum
over C) is computed from the kernel alone:

    d(x, C) = k(x, x) - 2 * sum_{i in C} w_i k(x, x_i) / W
              + sum_{i, j in C} w_i w_j k(x_i, x_j) / W**2

For a normalised kernel (k(x, x) = 1 for every training series: GAK, "rbf", "cosine"...)
the last term, the centroid's squared norm, is counted as 1, as tslearn does, so that seeded
runs give tslearn's results: d(x, C) = 2 - 2 * sum_{i in C} w_i k(x, x_i) / W. Other
kernels ("linear", "poly"...) get the exact formula, which they need: their k(x, x) and
centroid norms differ from series to series and from cluster to cluster.

The default kernel is the normalised global alignment kernel (:func:`~tswarp.metrics.cdist_gak`),
which takes series of different lengths; scikit-learn's pairwise kernels take series of one
length, flattened.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from tswarp._sklearn import sklearn_base
from tswarp._threads import usable_cpus
from tswarp.clustering._common import (
    EmptyClusterError,
    check_common,
    check_features,
    check_is_fitted,
    check_no_empty_cluster,
    check_params_dict,
    check_random_state,
    dataset,
    restarts,
)
from tswarp.metrics import cdist_gak, sigma_gak
from tswarp.metrics._gak import check_sigma

if TYPE_CHECKING:
    from collections.abc import Callable

    from tswarp._typing import ArrayLike, Dataset

_base: Any = sklearn_base("tswarp.clustering")


class KernelKMeans(_base.ClusterMixin, _base.BaseEstimator):
    """Kernel k-means clustering of time series, by default with the global alignment kernel.

    Each run starts from labels drawn at random, then alternates computing, from the
    kernel, the distance of every series to every cluster's centroid and assigning each
    series to the nearest. The arguments, the random draws and the results are tslearn's.

    Parameters
    ----------
    n_clusters : int, default 3
        Number of clusters, at most the number of series.
    kernel : str or callable, default "gak"
        "gak", or a kernel of ``sklearn.metrics.pairwise.pairwise_kernels`` ("rbf",
        "linear", a callable...) applied to the flattened series, which must then have one
        length. For normalised kernels (k(x, x) = 1: GAK, "rbf", "laplacian", "cosine")
        the centroid's squared norm is counted as 1, as in tslearn; others get the exact
        feature-space distance.
    max_iter : int, default 50
        Most iterations of one run.
    tol : float, default 1e-6
        A run stops once the inertia changes by less than this between two iterations.
    n_init : int, default 1
        Runs from different random labels; the one of least inertia is kept. A run that
        leaves a cluster empty is started again, and at most max(n_init, 10) are tried.
    kernel_params : dict or None, default None
        For "gak", ``{"sigma": value}`` (1.0 by default), where "auto" computes sigma from
        the training series with :func:`~tswarp.metrics.sigma_gak` (drawing from
        ``random_state``); otherwise the keyword arguments of the kernel.
    n_jobs : int or None, default None
        Threads of the kernel matrices, joblib's convention.
    verbose : int, default 0
        Print the inertia at each iteration.
    random_state : int, numpy.random.RandomState or None, default None
        The generator of the first labels (and of sigma="auto").

    Attributes
    ----------
    labels_ : numpy.ndarray of shape (n_ts,)
        The cluster of each training series.
    inertia_ : float
        Sum over the series of the squared distance to their centroid, in the feature
        space (unweighted; centroid norms counted as 1 for a normalised kernel).
    n_iter_ : int
        Iterations of the best run.
    sigma_gak_ : float or None
        The sigma used by "gak"; None for other kernels.
    sample_weight_ : numpy.ndarray of shape (n_ts,)
        The weights of the training series.
    n_features_in_ : int
        Features per time step (d) of the training series.

    Notes
    -----
    The training series are kept (``predict`` compares new series with them), so a
    pickled model holds them.

    Examples
    --------
    >>> from tswarp.clustering import KernelKMeans
    >>> X = [[0, 0, 1, 2, 1], [0, 1, 2, 1, 0, 0], [5, 5, 6], [5, 6, 6, 5]]
    >>> gak_km = KernelKMeans(n_clusters=2, kernel_params={"sigma": "auto"}, random_state=0)
    >>> gak_km.fit_predict(X)
    array([0, 0, 1, 1])
    """

    def __init__(
        self,
        n_clusters: int = 3,
        kernel: str | Callable[..., Any] = "gak",
        max_iter: int = 50,
        tol: float = 1e-6,
        n_init: int = 1,
        kernel_params: dict[str, Any] | None = None,
        n_jobs: int | None = None,
        verbose: int = 0,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.n_clusters = n_clusters
        self.kernel = kernel
        self.max_iter = max_iter
        self.tol = tol
        self.n_init = n_init
        self.kernel_params = kernel_params
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.random_state = random_state

    def fit(
        self, X: Dataset, y: object = None, sample_weight: ArrayLike | None = None
    ) -> KernelKMeans:
        """Cluster the series of X.

        Parameters
        ----------
        X : array-like of shape (n_ts, sz, d) or (n_ts, sz), or a list of series
            The series; different lengths are given as a list or NaN-padded at the end
            (with "gak" only).
        y : None
            Ignored.
        sample_weight : array-like of shape (n_ts,), optional
            Weights of the series in the centroids, finite and >= 0; equal by default.

        Returns
        -------
        KernelKMeans
            The fitted estimator.

        Raises
        ------
        ValueError
            If an argument is out of range or X is invalid.
        EmptyClusterError
            If every run tried leaves a cluster empty.
        """
        _check_kernel(self.kernel)
        gak = self._is_gak()
        params = self._params(gak)
        X, _ = self._dataset(X, gak, own=True)  # kept for predict
        n_clusters, max_iter, tol, n_init = check_common(self, len(X))
        weights = _sample_weight(sample_weight, len(X))
        rs = check_random_state(self.random_state)
        self.sigma_gak_ = None
        if gak:
            sigma = params.get("sigma", 1.0)
            if isinstance(sigma, str) and sigma == "auto":
                sigma = float(sigma_gak(X, random_state=rs))
                if not sigma > 0:
                    raise _zero_sigma(X)
                _check_auto_sigma(sigma)
            params = {"sigma": sigma}
            self.sigma_gak_ = sigma
        K = self._kernel(X, None, params)
        self_similarity = np.diag(K).copy()
        normalised = _is_normalised(self_similarity)
        if normalised:
            self_similarity[:] = 1.0

        def centroid_distances(labels):
            means = _mean_similarities(K, labels, weights, n_clusters)
            norms = np.ones(n_clusters) if normalised else _centroid_norms(means, labels, weights)
            return _distances(self_similarity, means, norms), norms

        def run_once(rs):
            labels = rs.randint(n_clusters, size=len(X))
            previous, n_iter = np.inf, 0
            while n_iter < max_iter:
                n_iter += 1
                distances, _ = centroid_distances(labels)
                labels = distances.argmin(axis=1)
                check_no_empty_cluster(labels, n_clusters)
                inertia = distances.min(axis=1).sum()
                if self.verbose:
                    print(f"{inertia:.3f}", end=" --> ")
                if abs(previous - inertia) < tol:
                    break
                previous = inertia
            if self.verbose:
                print("")
            return labels, inertia, n_iter

        labels, inertia, n_iter = restarts(run_once, n_init, rs, self.verbose)
        self.labels_, self.inertia_, self.n_iter_ = labels, float(inertia), n_iter
        self.sample_weight_ = weights
        self._X_fit, self._params_fit = X, params
        self._centroid_norms = centroid_distances(labels)[1]
        self.n_features_in_ = X.shape[2]
        return self

    def fit_predict(
        self, X: Dataset, y: object = None, sample_weight: ArrayLike | None = None
    ) -> np.ndarray:
        """Cluster X and return ``labels_``.

        Parameters
        ----------
        X : array-like of shape (n_ts, sz, d) or (n_ts, sz), or a list of series
            The series.
        y : None
            Ignored.
        sample_weight : array-like of shape (n_ts,), optional
            Weights of the series.

        Returns
        -------
        numpy.ndarray of shape (n_ts,)
            The cluster of each series.
        """
        return self.fit(X, sample_weight=sample_weight).labels_

    def predict(self, X: Dataset) -> np.ndarray:
        """The nearest cluster centroid (in the kernel's feature space) of each series.

        Parameters
        ----------
        X : array-like of shape (n_ts, sz, d) or (n_ts, sz), or a list of series
            The series, with the features of the training series.

        Returns
        -------
        numpy.ndarray of shape (n_ts,)
            The cluster of each series.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the estimator is not fitted.
        ValueError
            If X is invalid or its features differ from the training series'.
        """
        check_is_fitted(self, "_X_fit")
        gak = self._is_gak()
        X, _ = self._dataset(X, gak)
        reason = f"kernel={self.kernel!r} compares series of one length; 'gak' any lengths"
        check_features(self, X, None if gak else self._X_fit.shape[1], reason)
        K = self._kernel(X, self._X_fit, self._params_fit)
        means = _mean_similarities(K, self.labels_, self.sample_weight_, self.n_clusters)
        # k(x, x) is the same for every cluster, so 1 (tslearn's value) stands for it
        distances = _distances(np.ones(len(X)), means, self._centroid_norms)
        return distances.argmin(axis=1)

    def _is_gak(self):
        return isinstance(self.kernel, str) and self.kernel == "gak"

    def _params(self, gak):
        if gak:
            return check_params_dict(self.kernel_params, "kernel_params", ("sigma",))
        # scikit-learn's kernels check their own arguments
        return check_params_dict(self.kernel_params, "kernel_params", None)

    def _dataset(self, X: Dataset, gak: bool, own: bool = False) -> tuple[np.ndarray, Any]:
        reason = f"for kernel={self.kernel!r} (only 'gak' compares lengths)"
        return dataset(X, not gak, reason, own)

    def _kernel(self, X, Y, params):
        if self._is_gak():
            return cdist_gak(X, Y, sigma=params["sigma"], n_jobs=self.n_jobs)
        from sklearn.metrics.pairwise import pairwise_kernels

        flat_Y = None if Y is None else Y.reshape(len(Y), -1)
        # joblib takes n_jobs literally: a huge count fails there, or starts idle workers
        n_jobs = self.n_jobs
        if n_jobs is not None and n_jobs > 0:
            n_jobs = min(n_jobs, usable_cpus())
        return pairwise_kernels(
            X.reshape(len(X), -1), flat_Y, metric=self.kernel, n_jobs=n_jobs, **params
        )


def _check_kernel(kernel):
    """ValueError naming ``kernel`` unless it is "gak", a kernel of scikit-learn's
    ``pairwise_kernels`` (named or "precomputed") or a callable."""
    from sklearn.metrics.pairwise import PAIRWISE_KERNEL_FUNCTIONS

    names = sorted({"gak", "precomputed", *PAIRWISE_KERNEL_FUNCTIONS})
    if not callable(kernel) and not (isinstance(kernel, str) and kernel in names):
        raise ValueError(f"kernel must be one of {names} or a callable, got {kernel!r}")


def _sample_weight(sample_weight, n):
    if sample_weight is None:
        return np.ones(n)
    weights = np.asarray(sample_weight)
    if weights.dtype.kind not in "biuf":
        raise TypeError(f"sample_weight must hold real numbers, got dtype {weights.dtype}")
    weights = weights.astype(np.float64)
    if weights.ndim == 0:
        weights = np.full(n, float(weights))
    if weights.shape != (n,):
        raise ValueError(
            f"sample_weight must have one value per series, shape ({n},), got {weights.shape}"
        )
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise ValueError("sample_weight must be finite and >= 0")
    if not (weights > 0).any():
        raise ValueError("sample_weight are all zero: at least one series needs weight > 0")
    return weights


def _is_normalised(self_similarity):
    """Whether k(x, x) = 1 for every training series, up to rounding."""
    return bool(np.all(np.abs(self_similarity - 1.0) <= 1e-12))


def _mean_similarities(K, labels, weights, n_clusters):
    """(n, n_clusters) weighted means of the kernel values of K's rows with each cluster's
    members (the columns of K are the training series)."""
    means = np.empty((K.shape[0], n_clusters))
    for j in range(n_clusters):
        members = labels == j
        total = weights[members].sum()
        if not members.any() or total == 0:
            raise EmptyClusterError("a cluster has no series (of weight > 0)")
        means[:, j] = np.sum(weights[members] * K[:, members], axis=1) / total
    return means


def _centroid_norms(means, labels, weights):
    """The squared norm of each cluster's centroid, sum_{i, j in C} w_i w_j k(x_i, x_j) / W**2,
    from the mean similarities of the training series themselves (the rows of ``means``)."""
    n_clusters = means.shape[1]
    norms = np.empty(n_clusters)
    for j in range(n_clusters):
        members = labels == j
        norms[j] = np.sum(weights[members] * means[members, j]) / weights[members].sum()
    return norms


def _distances(self_similarity, means, norms):
    """(n, n_clusters) squared feature-space distances to the centroids: k(x, x) - 2 * mean
    similarity + centroid norm (the first two added first, as tslearn's 2 - 2 * mean)."""
    return (self_similarity[:, None] + norms) - 2 * means


def _check_auto_sigma(sigma):
    """ValueError when sigma='auto' lies outside GAK's range, the data being too tiny or too
    huge for it: the data should be rescaled."""
    try:
        check_sigma(sigma)
    except ValueError:
        raise ValueError(
            f"kernel_params sigma='auto' computed sigma={sigma:.3g} from X, outside the "
            "range GAK takes (about 1e-154 < sigma < 1e154): the values of X are too small "
            "or too large; rescale the data (multiply X by a constant) or give a sigma"
        ) from None


def _zero_sigma(X):
    """The error of sigma='auto' giving 0: most of the time steps drawn are equal."""
    return ValueError(
        "kernel_params sigma='auto' computed sigma=0 from X (the median distance between "
        "the time steps drawn is 0: most of them are equal): give a sigma > 0"
    )
