"""tswarp.clustering at the edges: training data overwritten by the caller after fit,
k-means++ seeding under soft-DTW, kernel k-means with kernels that are not normalised
(against the feature-space distances computed by brute force), sigma='auto' underflowing."""

import numpy as np
import pytest

pytest.importorskip("sklearn")

from tswarp.clustering import EmptyClusterError, KernelKMeans, TimeSeriesKMeans


def walks(seed, n=20, sz=10, d=1):
    return np.cumsum(np.random.default_rng(seed).normal(size=(n, sz, d)), axis=1)


def two_levels(seed=0, n=10, sz=6):
    """Two groups of noisy constant series, at 1 and at 2: trivially separable."""
    rng = np.random.RandomState(seed)
    return np.r_[1 + 0.05 * rng.randn(n, sz, 1), 2 + 0.05 * rng.randn(n, sz, 1)]


def assert_groups(labels, sizes):
    """The labels are one per consecutive group of the given sizes, different groups apart."""
    groups = np.split(np.asarray(labels), np.cumsum(sizes)[:-1])
    assert all(len(set(group.tolist())) == 1 for group in groups), labels
    assert len({int(group[0]) for group in groups}) == len(sizes), labels


# --- the training data belong to the estimator ----------------------------------------------


@pytest.mark.parametrize("kernel", ["gak", "rbf", "linear"])
def test_kernel_kmeans_ignores_x_overwritten_after_fit(kernel):
    X, Y = two_levels(), two_levels(1)
    kept = X.copy()
    model = KernelKMeans(n_clusters=2, kernel=kernel, random_state=0).fit(X)
    X[:] = X[::-1].copy()  # the caller reuses its array: the groups swap places
    expected = KernelKMeans(n_clusters=2, kernel=kernel, random_state=0).fit(kept)
    np.testing.assert_array_equal(model.predict(Y), expected.predict(Y))


def test_kmeans_ignores_x_and_init_overwritten_after_fit():
    X, Y = two_levels(), two_levels(1)
    init = X[[0, 10]].copy()
    copies = X.copy(), init.copy()
    model = TimeSeriesKMeans(n_clusters=2, metric="dtw", init=init).fit(X)
    X[:], init[:] = -X, -init
    expected = TimeSeriesKMeans(n_clusters=2, metric="dtw", init=copies[1]).fit(copies[0])
    np.testing.assert_array_equal(model.cluster_centers_, expected.cluster_centers_)
    np.testing.assert_array_equal(model.predict(Y), expected.predict(Y))


# --- k-means++ under soft-DTW ---------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("gamma", [0.1, 1.0, 10.0])
def test_softdtw_kmeans_plusplus_separates_obvious_groups(seed, gamma):
    # Soft-DTW is -14.2 from a series to itself here and +1.29 to the other group: weights
    # that square it would seed both centroids in one group.
    X = np.r_[np.zeros((4, 10, 1)), np.ones((4, 10, 1))]
    km = TimeSeriesKMeans(n_clusters=2, metric="softdtw", metric_params={"gamma": gamma},
                          random_state=seed)  # fmt: skip
    assert_groups(km.fit(X).labels_, [4, 4])


@pytest.mark.parametrize("seed", range(6))
def test_softdtw_kmeans_plusplus_seeds_three_groups_apart(seed):
    X = np.r_[np.zeros((3, 8, 1)), np.full((5, 8, 1), 3.0), np.full((4, 8, 1), -2.0)]
    km = TimeSeriesKMeans(n_clusters=3, metric="softdtw", random_state=seed, max_iter=1)
    assert_groups(km.fit(X).labels_, [3, 5, 4])


# --- kernel k-means with kernels that are not normalised ------------------------------------


def brute_force_distances(X, train, labels, weights, n_clusters):
    """Squared distances of X's flat series to the weighted means of each cluster: the
    feature-space distances of the linear kernel, whose feature map is the identity."""
    flat, flat_train = X.reshape(len(X), -1), train.reshape(len(train), -1)
    centroids = [np.average(flat_train[labels == c], axis=0, weights=weights[labels == c])
                 for c in range(n_clusters)]  # fmt: skip
    return np.stack([((flat - c) ** 2).sum(axis=1) for c in centroids], axis=1)


def test_linear_kernel_kmeans_separates_obvious_groups():
    labels = KernelKMeans(n_clusters=2, kernel="linear", random_state=0).fit(two_levels()).labels_
    assert_groups(labels, [10, 10])


@pytest.mark.parametrize("weighted", [False, True])
def test_linear_kernel_kmeans_is_kmeans_in_the_flat_space(weighted):
    X = np.r_[walks(1, n=15, d=2), 4 + walks(2, n=15, d=2)]
    rng = np.random.default_rng(3)
    weights = rng.uniform(0.5, 3.0, size=len(X)) if weighted else np.ones(len(X))
    model = KernelKMeans(n_clusters=3, kernel="linear", n_init=3, random_state=0)
    model.fit(X, sample_weight=weights)
    D = brute_force_distances(X, X, model.labels_, weights, 3)
    # a converged run: the labels are those of their own centroids
    np.testing.assert_array_equal(model.labels_, D.argmin(axis=1))
    assert model.inertia_ == pytest.approx(D.min(axis=1).sum(), rel=1e-9)
    Y = walks(4, n=25, d=2) + rng.uniform(-2, 6, size=(25, 1, 1))
    expected = brute_force_distances(Y, X, model.labels_, weights, 3).argmin(axis=1)
    np.testing.assert_array_equal(model.predict(Y), expected)


def test_poly_kernel_kmeans_is_kmeans_in_its_feature_space():
    # (x . y)**2 has the feature map vec(x x^T): the brute force works on those features.
    X = np.r_[walks(5, n=12, sz=4), 3 + walks(6, n=12, sz=4)]
    params = {"degree": 2, "gamma": 1.0, "coef0": 0.0}
    model = KernelKMeans(n_clusters=2, kernel="poly", kernel_params=params, random_state=1)
    model.fit(X)
    flat = X.reshape(len(X), -1)
    features = np.einsum("ni,nj->nij", flat, flat)[..., None]
    D = brute_force_distances(features, features, model.labels_, np.ones(len(X)), 2)
    np.testing.assert_array_equal(model.labels_, D.argmin(axis=1))
    assert model.inertia_ == pytest.approx(D.min(axis=1).sum(), rel=1e-9)


# --- sigma="auto" on tiny values --------------------------------------------------------------


@pytest.mark.parametrize("scale", [1e-300, 1e300])
def test_auto_sigma_out_of_gak_range_says_so(scale):
    X = np.random.RandomState(0).randn(12, 7, 1) * scale
    with pytest.raises(ValueError, match=r"sigma=.*outside the range.*rescale the data"):
        KernelKMeans(n_clusters=2, kernel_params={"sigma": "auto"}).fit(X)
    # the same data, rescaled, fit
    KernelKMeans(n_clusters=2, kernel_params={"sigma": "auto"}, random_state=0).fit(X / scale)


def test_auto_sigma_of_mostly_equal_steps_says_so():
    X = np.zeros((12, 7, 1))
    X[0, 3] = 1.0  # one step differs: the median distance is still 0
    with pytest.raises(ValueError, match=r"sigma=0 .*most of them are equal"):
        KernelKMeans(n_clusters=2, kernel_params={"sigma": "auto"}).fit(X)


# --- errors that name the argument --------------------------------------------------------------


@pytest.mark.parametrize("random_state", [-1, 2**40, 1.5, "seed", np.random.default_rng(0)])
@pytest.mark.parametrize(
    "estimator", [TimeSeriesKMeans(n_clusters=2), KernelKMeans(n_clusters=2)], ids=["km", "kkm"]
)
def test_a_bad_random_state_is_named(random_state, estimator):
    # scikit-learn's own message ("Seed must be between 0 and 2**32 - 1") named nothing.
    with pytest.raises(ValueError, match=r"random_state must be None, an integer in \[0, 2\*\*32"):
        estimator.set_params(random_state=random_state).fit(two_levels())


def test_a_bad_init_is_named():
    X = two_levels()
    holed = X[[0, 10]].copy()
    holed[1, 2] = np.nan
    with pytest.raises(ValueError, match=r"^init\[1\] has a NaN"):
        TimeSeriesKMeans(n_clusters=2, init=holed).fit(X)
    with pytest.raises(ValueError, match=r"^init holds no time series"):
        TimeSeriesKMeans(n_clusters=2, init=np.zeros((0, 6, 1))).fit(X)


def test_init_as_a_tuple_of_series():
    X = two_levels()
    as_array = TimeSeriesKMeans(n_clusters=2, metric="dtw", init=X[[0, 10]]).fit(X)
    as_tuple = TimeSeriesKMeans(n_clusters=2, metric="dtw", init=(X[0], X[10])).fit(X)
    np.testing.assert_array_equal(as_tuple.cluster_centers_, as_array.cluster_centers_)


@pytest.mark.parametrize("metric", ["euclidean", "dtw"])
@pytest.mark.parametrize(("value", "error"), [(-1, ValueError), (1.5, TypeError)])
def test_max_iter_barycenter_is_checked_whatever_the_metric(metric, value, error):
    with pytest.raises(error, match="max_iter_barycenter"):
        TimeSeriesKMeans(n_clusters=2, metric=metric, max_iter_barycenter=value).fit(two_levels())


@pytest.mark.parametrize("kernel", ["gauss", None, 3])
def test_an_unknown_kernel_is_named(kernel):
    # It reached pairwise_kernels, whose error named its own 'metric' parameter.
    with pytest.raises(ValueError, match=r"^kernel must be one of \[.*'gak'.*'rbf'.*\] or a"):
        KernelKMeans(n_clusters=2, kernel=kernel).fit(two_levels())


def test_kernel_kmeans_predict_of_another_length_names_the_kernel():
    model = KernelKMeans(n_clusters=2, kernel="rbf", random_state=0).fit(two_levels())
    with pytest.raises(ValueError, match=r"length 5, .* length 6 \(kernel='rbf' compares"):
        model.predict(two_levels()[:, :5])


def test_kernel_kmeans_with_a_huge_n_jobs():
    # joblib, which runs scikit-learn's kernels, refused more than 500000 jobs.
    X = two_levels()
    expected = KernelKMeans(n_clusters=2, kernel="rbf", random_state=0).fit(X)
    model = KernelKMeans(n_clusters=2, kernel="rbf", random_state=0, n_jobs=10**6).fit(X)
    np.testing.assert_array_equal(model.labels_, expected.labels_)
    np.testing.assert_array_equal(model.predict(X), expected.predict(X))


# --- values whose squares underflow ---------------------------------------------------------


@pytest.mark.parametrize("metric", ["euclidean", "dtw", "softdtw"])
def test_kmeans_of_values_whose_squares_underflow_says_so(metric):
    # Every squared distance was 0: "euclidean" failed with "try fewer clusters", "dtw"
    # returned labels other than those of the same data at scale 1, with an inertia of 0.
    X = two_levels() * 2.0**-700
    with pytest.raises(ValueError, match=r"squared distances underflow.*multiply the data"):
        TimeSeriesKMeans(n_clusters=2, metric=metric, random_state=0).fit(X)
    # scaled back up, the same series cluster
    labels = (
        TimeSeriesKMeans(n_clusters=2, metric=metric, random_state=0).fit(X * 2.0**700).labels_
    )
    assert_groups(labels, [10, 10])


# --- scikit-learn's conventions at the edges ------------------------------------------------


@pytest.mark.parametrize(
    "estimator",
    [
        TimeSeriesKMeans(n_clusters=2, random_state=0),
        TimeSeriesKMeans(n_clusters=2, metric="dtw", random_state=0),
        KernelKMeans(n_clusters=2, random_state=0),
    ],
    ids=["euclidean", "dtw", "gak"],
)
def test_duplicates_with_fewer_distinct_series_than_clusters(estimator):
    X = np.repeat(two_levels()[[0, 10]], 4, axis=0)  # two distinct series, 8 in all
    k_means = isinstance(estimator, TimeSeriesKMeans)  # which says so before any run
    message = "2 distinct series" if k_means else "left a cluster empty: try fewer clusters"
    with pytest.raises(EmptyClusterError, match=message):
        estimator.set_params(n_clusters=3).fit(X)
    assert_groups(
        estimator.set_params(n_clusters=2).fit(X[np.argsort(X[:, 0, 0])]).labels_, [4, 4]
    )


@pytest.mark.parametrize("metric", ["euclidean", "dtw"])
def test_one_cluster_per_series_has_zero_inertia(metric):
    X = walks(7, n=6)
    km = TimeSeriesKMeans(n_clusters=6, metric=metric, random_state=0).fit(X)
    assert sorted(km.labels_.tolist()) == list(range(6))
    assert km.inertia_ == 0.0
    np.testing.assert_array_equal(km.cluster_centers_[km.labels_], X)


@pytest.mark.parametrize("metric", ["euclidean", "dtw", "softdtw"])
def test_fewer_distinct_series_than_clusters_fail_at_once(metric):
    # Equal series always share a cluster: no initialisation can fill five clusters from
    # three distinct series (trailing NaN is padding; a series one step longer differs).
    base = np.random.default_rng(0).normal(size=(3, 8))
    X = np.repeat(base, 4, axis=0)
    with pytest.raises(EmptyClusterError, match="3 distinct series, fewer than n_clusters=5"):
        TimeSeriesKMeans(n_clusters=5, metric=metric, random_state=0).fit(X)
    if metric != "euclidean":  # which takes series of one length only
        padded = np.c_[X, np.full(len(X), np.nan)]
        padded[0, -1] = 0.0  # a fourth series, one step longer
        with pytest.raises(EmptyClusterError, match="4 distinct series"):
            TimeSeriesKMeans(n_clusters=5, metric=metric, random_state=0).fit(padded)
    labels = TimeSeriesKMeans(n_clusters=3, metric=metric, random_state=0).fit(X).labels_
    assert len(set(labels)) == 3 and (labels.reshape(3, 4) == labels[::4, None]).all()
