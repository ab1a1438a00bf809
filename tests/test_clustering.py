"""tswarp.clustering: tslearn's results on seeded runs, independent oracles (brute-force
silhouettes, scikit-learn's k-means and silhouette), bad input, scikit-learn conventions."""

import importlib
import itertools
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.base import clone
from sklearn.metrics import silhouette_score as sklearn_silhouette
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.estimator_checks import parametrize_with_checks

from tswarp.clustering import (
    EmptyClusterError,
    KernelKMeans,
    TimeSeriesKMeans,
    silhouette_score,
)
from tswarp.metrics import cdist_dtw, dtw


def tslearn_clustering():
    pytest.importorskip("tslearn")
    with warnings.catch_warnings():  # tslearn warns at import when h5py is missing
        warnings.simplefilter("ignore")
        return importlib.import_module("tslearn.clustering")


def walks(seed, n=30, sz=20, d=1):
    return np.cumsum(np.random.default_rng(seed).normal(size=(n, sz, d)), axis=1)


def ragged(seed, n=24):
    rng = np.random.default_rng(seed)
    return [np.cumsum(rng.normal(size=(rng.integers(8, 20), 2)), axis=0) for _ in range(n)]


def padded(series):
    out = np.full((len(series), max(len(s) for s in series), series[0].shape[1]), np.nan)
    for i, s in enumerate(series):
        out[i, : len(s)] = s
    return out


def assert_same_fit(ours, theirs, centers_atol=1e-9):
    np.testing.assert_array_equal(ours.labels_, theirs.labels_)
    assert ours.inertia_ == pytest.approx(theirs.inertia_, rel=1e-9)
    assert ours.n_iter_ == theirs.n_iter_
    if hasattr(theirs, "cluster_centers_"):
        np.testing.assert_allclose(
            ours.cluster_centers_, theirs.cluster_centers_, atol=centers_atol
        )


# --- the same results as tslearn -------------------------------------------------------------


# Not k-means++ under soft-DTW: tswarp weighs its seeds by the soft-DTW divergence, tslearn
# by squared soft-DTW values (see docs/differences.md).
@pytest.mark.parametrize(
    ("metric", "init"),
    [
        pair
        for pair in itertools.product(
            ["euclidean", "dtw", "softdtw"], ["k-means++", "random", "array"]
        )
        if pair != ("softdtw", "k-means++")
    ],
)
def test_kmeans_same_as_tslearn(metric, init):
    ts = tslearn_clustering()
    X = walks(1, d=2)
    kwargs = dict(n_clusters=3, metric=metric, random_state=3, max_iter=8, max_iter_barycenter=8)
    kwargs["init"] = X[[4, 10, 20]].copy() if init == "array" else init
    if metric == "softdtw":
        kwargs["metric_params"] = {"gamma": 0.5}
    theirs = ts.TimeSeriesKMeans(**kwargs).fit(X)
    ours = TimeSeriesKMeans(**kwargs).fit(X)
    # soft-DTW barycenters come from L-BFGS, which carries the gradients' rounding along
    soft = metric == "softdtw"
    assert_same_fit(ours, theirs, centers_atol=1e-7 if soft else 1e-9)
    rtol = 1e-7 if soft else 1e-9
    np.testing.assert_allclose(ours.transform(X[:5]), theirs.transform(X[:5]), rtol=rtol)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


# Constraints by radius or slope alone: tslearn 0.10's DBA reads a global_constraint given
# by name ("sakoe_chiba") as no constraint, so its barycenters would be unconstrained.
@pytest.mark.parametrize(
    "metric_params", [None, {"sakoe_chiba_radius": 2}, {"itakura_max_slope": 3.0}]
)
def test_kmeans_dtw_variable_lengths_same_as_tslearn(metric_params):
    ts = tslearn_clustering()
    X = padded(ragged(2))
    kwargs = dict(n_clusters=3, metric="dtw", random_state=0, n_init=2)
    kwargs["metric_params"] = metric_params
    theirs = ts.TimeSeriesKMeans(**kwargs).fit(X)
    ours = TimeSeriesKMeans(**kwargs).fit(ragged(2))  # a list of series gives the same
    assert_same_fit(ours, theirs)


def test_kmeans_dtw_inertia_same_as_tslearn():
    ts = tslearn_clustering()
    X = walks(5)
    kwargs = dict(n_clusters=2, metric="euclidean", dtw_inertia=True, random_state=1)
    assert_same_fit(TimeSeriesKMeans(**kwargs).fit(X), ts.TimeSeriesKMeans(**kwargs).fit(X))


@pytest.mark.parametrize("sigma", [None, "auto", 7.5])
def test_kernel_kmeans_gak_same_as_tslearn(sigma):
    ts = tslearn_clustering()
    X = walks(3, d=2)
    params = None if sigma is None else {"sigma": sigma}
    theirs = ts.KernelKMeans(n_clusters=3, kernel_params=params and dict(params), n_init=2,
                             random_state=0).fit(X)  # fmt: skip
    ours = KernelKMeans(n_clusters=3, kernel_params=params, n_init=2, random_state=0).fit(X)
    assert_same_fit(ours, theirs)
    assert ours.sigma_gak_ == pytest.approx(theirs.sigma_gak_, rel=1e-12)
    Y = walks(4, n=10, d=2)
    np.testing.assert_array_equal(ours.predict(Y), theirs.predict(Y))


def test_kernel_kmeans_rbf_and_weights_same_as_tslearn():
    ts = tslearn_clustering()
    X = walks(6, sz=12)
    weights = np.random.default_rng(0).uniform(0.5, 2.0, size=len(X))
    kwargs = dict(n_clusters=3, kernel="rbf", kernel_params={"gamma": 0.01}, random_state=2)
    theirs = ts.KernelKMeans(**kwargs).fit(X, sample_weight=weights)
    ours = KernelKMeans(**kwargs).fit(X, sample_weight=weights)
    assert_same_fit(ours, theirs)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


@pytest.mark.parametrize("metric", [None, "dtw", "softdtw", "euclidean"])
def test_silhouette_same_as_tslearn(metric):
    ts = tslearn_clustering()
    X = walks(7, n=25)
    labels = np.random.default_rng(1).integers(3, size=len(X))
    expected = ts.silhouette_score(X, labels, metric=metric)
    assert silhouette_score(X, labels, metric=metric) == pytest.approx(expected, rel=1e-10)
    expected = ts.silhouette_score(X, labels, metric=metric, sample_size=12, random_state=4)
    ours = silhouette_score(X, labels, metric=metric, sample_size=12, random_state=4)
    assert ours == pytest.approx(expected, rel=1e-10)


def test_silhouette_params_same_as_tslearn():
    ts = tslearn_clustering()
    X = walks(8, n=20)
    labels = np.arange(20) % 3
    for kwargs in [{"metric_params": {"gamma": 2.0}}, {"gamma": 0.3}]:
        expected = ts.silhouette_score(X, labels, metric="softdtw", **kwargs)
        ours = silhouette_score(X, labels, metric="softdtw", **kwargs)
        assert ours == pytest.approx(expected, rel=1e-10)
    params = {"sakoe_chiba_radius": 1}
    expected = ts.silhouette_score(X, labels, metric="dtw", metric_params=params)
    assert silhouette_score(X, labels, metric_params=params) == pytest.approx(expected, rel=1e-10)


# --- independent oracles ---------------------------------------------------------------------


def brute_silhouette(D, labels):
    """The definition, one series at a time."""
    scores = []
    for i in range(len(D)):
        own = [j for j in range(len(D)) if labels[j] == labels[i] and j != i]
        if not own:
            scores.append(0.0)
            continue
        a = np.mean(D[i, own])
        b = min(np.mean(D[i, labels == c]) for c in set(labels.tolist()) - {labels[i]})
        scores.append((b - a) / max(a, b))
    return np.mean(scores)


def test_silhouette_against_sklearn_and_brute_force():
    X = ragged(9, n=18)
    labels = np.array([0, 1, 2] * 5 + [3, 1, 1])  # cluster 3 holds one series
    D = cdist_dtw(X)
    ours = silhouette_score(X, labels, metric="dtw")
    assert ours == pytest.approx(sklearn_silhouette(D, labels, metric="precomputed"), rel=1e-12)
    assert ours == pytest.approx(brute_silhouette(D, labels), rel=1e-12)
    assert silhouette_score(D, labels, metric="precomputed") == pytest.approx(ours, rel=1e-12)


def test_silhouette_callable_metric():
    X = ragged(10, n=12)
    labels = np.arange(12) % 2
    ours = silhouette_score(X, labels, metric=dtw)
    assert ours == pytest.approx(brute_silhouette(cdist_dtw(X), labels), rel=1e-12)
    ours = silhouette_score(X, labels, metric=dtw, metric_params={"sakoe_chiba_radius": 1})
    expected = brute_silhouette(cdist_dtw(X, sakoe_chiba_radius=1), labels)
    assert ours == pytest.approx(expected, rel=1e-12)


def test_euclidean_kmeans_against_sklearn_kmeans():
    from sklearn.cluster import KMeans

    X = walks(11, n=40, sz=10)
    start = X[[0, 13, 27]]
    ours = TimeSeriesKMeans(n_clusters=3, init=start, max_iter=100, tol=0).fit(X)
    flat = X.reshape(len(X), -1)
    theirs = KMeans(3, init=start.reshape(3, -1), n_init=1, max_iter=100, tol=0).fit(flat)
    np.testing.assert_array_equal(ours.labels_, theirs.labels_)
    np.testing.assert_allclose(ours.cluster_centers_.reshape(3, -1), theirs.cluster_centers_)
    # at convergence the last assignment is that of the final centroids
    assert ours.inertia_ == pytest.approx(theirs.inertia_ / len(X), rel=1e-10)


@pytest.mark.parametrize("metric", ["euclidean", "dtw"])
def test_inertia_does_not_increase(metric):
    X = walks(12, n=40, sz=16)
    start = X[[1, 2, 3]]  # poor seeds, so that several iterations run
    runs = [TimeSeriesKMeans(n_clusters=3, metric=metric, init=start, max_iter=t, tol=0)
            for t in range(1, 7)]  # fmt: skip
    inertias = [km.fit(X).inertia_ for km in runs]
    assert all(b <= a * (1 + 1e-12) for a, b in itertools.pairwise(inertias))
    assert inertias[-1] < inertias[0]


@pytest.mark.parametrize("metric", ["euclidean", "dtw", "softdtw"])
def test_an_inertia_past_float64_is_a_clear_error(metric):
    X = walks(14, n=12, sz=10) * 1e300  # distances near 1e300: their squares overflow
    km = TimeSeriesKMeans(n_clusters=2, metric=metric, random_state=0, max_iter=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's overflow in the squares
        with pytest.raises(ValueError, match=r"inertia .* overflows float64: divide the data"):
            km.fit(X)
    # Scaled down, the same data fit.
    assert np.isfinite(km.fit(X / 1e300).inertia_)


def test_dtw_inertia_definition():
    X = walks(13, n=15)
    km = TimeSeriesKMeans(n_clusters=2, metric="dtw", random_state=0).fit(X)
    # the inertia of the last assignment: from the final centroids once converged
    D = cdist_dtw(X, km.cluster_centers_)
    assert km.inertia_ == pytest.approx(np.mean(D.min(axis=1) ** 2), rel=1e-6)
    np.testing.assert_array_equal(km.labels_, D.argmin(axis=1))


@pytest.mark.parametrize("metric_params", [None, {"sakoe_chiba_radius": 3}])
def test_dtw_assignment_is_the_full_matrix_argmin(metric_params):
    # The pruned nearest-centroid search against the full matrix: smooth series (so that
    # bounds prune), a repeated centroid (ties go to the first), ragged queries.
    rng = np.random.default_rng(15)
    base = np.sin(np.linspace(0, 6, 40))[None, :, None]
    X = base + np.cumsum(rng.normal(scale=0.1, size=(300, 40, 1)), axis=1)
    km = TimeSeriesKMeans(n_clusters=3, metric="dtw", metric_params=metric_params,
                          init=X[[0, 1, 2]], max_iter=2).fit(X)  # fmt: skip
    km.cluster_centers_ = km.cluster_centers_[[0, 1, 1, 2]]
    queries = [x[: 25 + i % 15] for i, x in enumerate(X[::3])]
    D = cdist_dtw(queries, km.cluster_centers_, **(metric_params or {}))
    np.testing.assert_array_equal(km.predict(queries), D.argmin(axis=1))
    assert (km.predict(X) != 2).all()  # the second copy of a centroid never wins a tie
    # the inertia is made of the same distances as the matrix's
    labels, nearest = km._assign(*km._dataset(X), km.cluster_centers_, km._params())
    full = cdist_dtw(X, km.cluster_centers_, **(metric_params or {}))
    np.testing.assert_array_equal(nearest, full[np.arange(len(X)), labels])


def test_padding_and_lists_agree():
    series = ragged(14, n=15)
    a = TimeSeriesKMeans(n_clusters=2, metric="dtw", random_state=0).fit(series)
    b = TimeSeriesKMeans(n_clusters=2, metric="dtw", random_state=0).fit(padded(series))
    np.testing.assert_array_equal(a.labels_, b.labels_)
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    assert a.cluster_centers_.shape == (2, padded(series).shape[1], 2)
    c = KernelKMeans(n_clusters=2, random_state=0).fit(series)
    d = KernelKMeans(n_clusters=2, random_state=0).fit(padded(series))
    np.testing.assert_array_equal(c.labels_, d.labels_)


def test_univariate_2d_input_is_n_series():
    X = walks(15)
    a = TimeSeriesKMeans(n_clusters=3, metric="dtw", random_state=0).fit(X[:, :, 0])
    b = TimeSeriesKMeans(n_clusters=3, metric="dtw", random_state=0).fit(X)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    assert a.n_features_in_ == 1


def test_inputs_are_not_modified():
    X = walks(16)
    X[3, -4:] = np.nan  # a shorter series
    init = X[[0, 5, 9]].copy()
    params = {"sakoe_chiba_radius": 3}
    kernel_params = {"sigma": "auto"}
    copies = [a.copy() for a in (X, init)]
    TimeSeriesKMeans(n_clusters=3, metric="dtw", init=init, metric_params=params).fit(X)
    KernelKMeans(n_clusters=3, kernel_params=kernel_params, random_state=0).fit(X)
    for before, after in zip(copies, (X, init), strict=True):
        np.testing.assert_array_equal(before, after)
    assert params == {"sakoe_chiba_radius": 3} and kernel_params == {"sigma": "auto"}


def test_empty_clusters_everywhere():
    X = np.zeros((4, 5, 1))  # identical series: every series goes to the first centroid
    with pytest.raises(EmptyClusterError, match="1 distinct series"):
        TimeSeriesKMeans(n_clusters=2, metric="dtw", random_state=0).fit(X)
    with pytest.raises(EmptyClusterError):
        KernelKMeans(n_clusters=2, random_state=0).fit(X + np.arange(5)[:, None])


# --- bad input -------------------------------------------------------------------------------


X_OK = walks(17, n=10, sz=8)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_clusters": 0}, ValueError, "n_clusters"),
        ({"n_clusters": 11}, ValueError, "n_clusters=11"),
        ({"n_clusters": 2.5}, TypeError, "n_clusters"),
        ({"max_iter": 0}, ValueError, "max_iter"),
        ({"tol": -1.0}, ValueError, "tol"),
        ({"n_init": 0}, ValueError, "n_init"),
        ({"n_jobs": 0}, ValueError, "n_jobs"),
        ({"metric": "lcss"}, ValueError, "metric"),
        ({"init": "kmeans"}, ValueError, "init"),
        ({"init": X_OK[:2]}, ValueError, "n_clusters=3"),
        ({"init": walks(0, n=3, sz=8, d=2)}, ValueError, "feature"),
        ({"init": X_OK[:3, :5]}, ValueError, "length"),
        ({"metric_params": {"gamma": 1.0}, "metric": "dtw"}, ValueError, "gamma"),
        ({"metric_params": [1], "metric": "dtw"}, TypeError, "metric_params"),
        ({"metric_params": {"gamma": -1.0}, "metric": "softdtw"}, ValueError, "gamma"),
        ({"metric_params": {"sakoe_chiba_radius": -1}, "metric": "dtw"}, ValueError, "radius"),
        ({"max_iter_barycenter": -1, "metric": "softdtw"}, ValueError, "max_iter_barycenter"),
    ],
)
def test_kmeans_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        TimeSeriesKMeans(**{"n_clusters": 3, **kwargs}).fit(X_OK)


@pytest.mark.parametrize(
    ("X", "metric", "match"),
    [
        (np.zeros((0, 5, 1)), "dtw", "no time series"),
        (np.arange(5.0), "dtw", "1-D"),
        ([[1.0, np.nan, 2.0]] * 4, "dtw", "NaN"),
        ([[1.0, np.inf, 2.0]] * 4, "dtw", "NaN or infinite"),
        ([[1.0, 2.0, 3.0]] * 3 + [[1.0, 2.0]], "euclidean", "one length"),
        (np.ones((4, 3), dtype=complex), "dtw", "Complex"),
    ],
)
def test_kmeans_bad_data(X, metric, match):
    with pytest.raises(ValueError, match=match):
        TimeSeriesKMeans(n_clusters=2, metric=metric).fit(X)


def test_predict_errors():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        TimeSeriesKMeans().predict(X_OK)
    with pytest.raises(NotFittedError):
        KernelKMeans().predict(X_OK)
    km = TimeSeriesKMeans(n_clusters=2, random_state=0).fit(X_OK)
    with pytest.raises(ValueError, match="length 8"):
        km.predict(X_OK[:, :6])
    dtw_km = TimeSeriesKMeans(n_clusters=2, metric="dtw", random_state=0).fit(X_OK)
    assert dtw_km.predict(X_OK[:, :6]).shape == (10,)  # DTW compares other lengths
    with pytest.raises(ValueError, match="feature"):
        dtw_km.predict(walks(0, n=3, sz=8, d=2))
    kkm = KernelKMeans(n_clusters=2, random_state=0).fit(X_OK)
    with pytest.raises(ValueError, match="feature"):
        kkm.predict(walks(0, n=3, sz=8, d=2))


@pytest.mark.parametrize(
    ("kwargs", "fit_kwargs", "error", "match"),
    [
        ({"kernel_params": {"sigma": 0.0}}, {}, ValueError, "sigma"),
        ({"kernel_params": {"sigma": "median"}}, {}, TypeError, "sigma"),
        ({"kernel_params": {"gamma": 1.0}}, {}, ValueError, "kernel_params"),
        ({"kernel": "rbf", "kernel_params": {"nope": 1}}, {}, TypeError, "nope"),
        ({}, {"sample_weight": np.ones(3)}, ValueError, "sample_weight"),
        ({}, {"sample_weight": -np.ones(10)}, ValueError, "sample_weight"),
        ({}, {"sample_weight": np.zeros(10)}, ValueError, "zero"),
        ({"n_clusters": 20}, {}, ValueError, "n_clusters"),
    ],
)
def test_kernel_kmeans_bad_arguments(kwargs, fit_kwargs, error, match):
    with pytest.raises(error, match=match):
        KernelKMeans(**kwargs).fit(X_OK, **fit_kwargs)


def test_kernel_kmeans_auto_sigma_of_constant_data():
    with pytest.raises(ValueError, match="sigma='auto'"):
        KernelKMeans(n_clusters=2, kernel_params={"sigma": "auto"}).fit(np.ones((5, 4)))


def test_kernel_kmeans_other_kernels_need_one_length():
    with pytest.raises(ValueError, match="one length"):
        KernelKMeans(n_clusters=2, kernel="rbf").fit([[1.0, 2.0, 3.0]] * 3 + [[1.0, 2.0]])


@pytest.mark.parametrize(
    ("X", "labels", "kwargs", "match"),
    [
        (X_OK, np.zeros(10), {}, "distinct"),
        (X_OK, np.arange(10), {}, "distinct"),
        (X_OK, np.arange(9) % 2, {}, "one entry per series"),
        (np.ones((3, 4)), [0, 1, 1], {"metric": "precomputed"}, "square"),
        (np.ones((3, 3)), [0, 1, 1], {"metric": "precomputed"}, "diagonal"),
        (X_OK, np.arange(10) % 2, {"metric": "lcss"}, "metric"),
        (X_OK, np.arange(10) % 2, {"sample_size": 0}, "sample_size"),
        (X_OK, np.arange(10) % 2, {"metric_params": {"gamma": 1.0}}, "gamma"),
    ],
)
def test_silhouette_bad_input(X, labels, kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        silhouette_score(X, labels, **kwargs)


# --- scikit-learn conventions ----------------------------------------------------------------

# The checks that do not apply to time series, and why.
_N_FEATURES = (
    "n_features_in_ is d, the features of each time step: a 2-D X holds n univariate "
    "series, so it is 1, not X.shape[1]"
)
_LENGTHS = "DTW and soft-DTW compare series of different lengths: fewer columns are no error"


def expected_failed_checks(estimator):
    failures = {
        "check_n_features_in": _N_FEATURES,
        "check_n_features_in_after_fitting": _N_FEATURES,
    }
    if isinstance(estimator, TimeSeriesKMeans) and estimator.metric != "euclidean":
        failures["check_transformer_general"] = _LENGTHS
    if isinstance(estimator, KernelKMeans):
        failures["check_sample_weight_equivalence_on_dense_data"] = (
            "the first labels are drawn at random for each series, so that repeating a "
            "series changes the draws"
        )
    return failures


@parametrize_with_checks(
    [
        TimeSeriesKMeans(n_clusters=3, random_state=0),
        TimeSeriesKMeans(n_clusters=3, metric="dtw", max_iter=5, random_state=0),
        TimeSeriesKMeans(
            n_clusters=3, metric="softdtw", max_iter=3, max_iter_barycenter=3, random_state=0
        ),
        KernelKMeans(n_clusters=3, max_iter=5, random_state=0),
        KernelKMeans(n_clusters=3, kernel="rbf", random_state=0),
    ],
    expected_failed_checks=expected_failed_checks,
)
def test_sklearn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        # The checks fit on tiny data, where runs may stop on rounding noise.
        warnings.simplefilter("ignore", UserWarning)
        check(estimator)


@pytest.mark.parametrize(
    "estimator",
    [
        TimeSeriesKMeans(n_clusters=2, metric="dtw", random_state=0),
        TimeSeriesKMeans(n_clusters=2, metric="softdtw", random_state=0, max_iter=3),
        KernelKMeans(n_clusters=2, random_state=0),
    ],
    ids=["dtw", "softdtw", "gak"],
)
def test_pickle_and_clone(estimator):
    X = ragged(18, n=12)
    fitted = clone(estimator).fit(X)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict(X), fitted.predict(X))
    fresh = clone(fitted)
    assert fresh.get_params() == fitted.get_params()
    assert not hasattr(fresh, "labels_")
    np.testing.assert_array_equal(fresh.fit(X).labels_, fitted.labels_)


def test_pipeline_and_grid_search():
    X = walks(19, n=24, sz=12)
    X[1::2] += 15.0  # two obvious groups, in both folds
    scale = FunctionTransformer(lambda A: A / 10.0)
    pipe = Pipeline([("scale", scale), ("km", TimeSeriesKMeans(metric="dtw", random_state=0))])
    pipe.set_params(km__n_clusters=2)
    labels = pipe.fit_predict(X)
    assert len(set(labels[::2].tolist())) == 1 and len(set(labels[1::2].tolist())) == 1
    assert labels[0] != labels[1]
    assert pipe.transform(X).shape == (24, 2)

    def score(estimator, X, y=None):
        return silhouette_score(X, estimator.predict(X), metric="dtw")

    search = GridSearchCV(
        TimeSeriesKMeans(metric="dtw", random_state=0),
        {"n_clusters": [2, 3, 4]},
        scoring=score,
        cv=2,
    )
    search.fit(X)
    assert search.best_params_ == {"n_clusters": 2}


# --- scikit-learn stays optional -------------------------------------------------------------


def run_python(code):
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    return result.returncode, result.stdout.strip(), result.stderr


def test_the_rest_of_tswarp_leaves_sklearn_out():
    code = (
        "import sys, tswarp, tswarp.metrics, tswarp.barycenters, tswarp.datasets\n"
        "tswarp.metrics.cdist_dtw([[1.0, 2.0], [2.0, 3.0]])\n"
        "print('sklearn' in sys.modules)"
    )
    assert run_python(code)[1] == "False"


def test_missing_sklearn_names_the_extra():
    code = "import sys\nsys.modules['sklearn'] = None\nimport tswarp.clustering"
    returncode, _, stderr = run_python(code)
    assert returncode != 0
    assert "ImportError: tswarp.clustering needs scikit-learn" in stderr
    assert "tswarp[estimators]" in stderr
