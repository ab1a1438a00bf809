"""tswarp.neighbors: the pruned DTW search against the exhaustive matrix, the estimators
against scikit-learn's and tslearn's, and scikit-learn's estimator conventions."""

import importlib.util
import pickle
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from oracles import dtw_naive

pytest.importorskip("sklearn")

from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.estimator_checks import parametrize_with_checks

from tswarp._constraints import parse_constraint
from tswarp.datasets import load_dataset
from tswarp.metrics import cdist_dtw, cdist_soft_dtw, sakoe_chiba_mask
from tswarp.metrics._inputs import to_dataset
from tswarp.neighbors import (
    KNeighborsTimeSeries,
    KNeighborsTimeSeriesClassifier,
    KNeighborsTimeSeriesRegressor,
)
from tswarp.neighbors._search import STAGES, DTWIndex


def exhaustive(Q, X, k, skip_self=False, **constraint):
    """The k nearest by the full cdist_dtw matrix and a stable sort: ties to the smaller index."""
    matrix = cdist_dtw(Q, X, **constraint)
    if skip_self:
        np.fill_diagonal(matrix, np.inf)
    order = np.argsort(matrix, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(matrix, order, axis=1), order


def random_walks(rng, count, lengths, d):
    """Rounded random walks (rounding makes equal costs, hence ties, likely)."""
    return [np.round(rng.standard_normal((n, d)).cumsum(axis=0), 1) for n in lengths(count)]


CONSTRAINTS = [
    {},
    {"sakoe_chiba_radius": 0},
    {"sakoe_chiba_radius": 2},
    {"global_constraint": "sakoe_chiba"},
    {"itakura_max_slope": 2.0},
]


@pytest.mark.parametrize("constraint", CONSTRAINTS)
@pytest.mark.parametrize("seed", range(12))
def test_neighbours_equal_the_exhaustive_ones(seed, constraint):
    rng = np.random.default_rng(seed)
    d = 1 + seed % 3
    if seed % 2 and "itakura_max_slope" not in constraint:
        lengths = lambda count: rng.integers(2, 20, count)  # noqa: E731
    else:
        lengths = lambda count: np.full(count, 12)  # noqa: E731
    X = random_walks(rng, 30, lengths, d)
    X += X[:4]  # duplicates: ties between training series
    Q = random_walks(rng, 8, lengths, d) + X[5:7]  # queries equal to training series
    k = 1 + seed % 5
    search = KNeighborsTimeSeries(n_neighbors=k, metric_params=constraint, n_jobs=2).fit(X)
    distances, indices = search.kneighbors(Q)
    expected_distances, expected_indices = exhaustive(Q, X, k, **constraint)
    np.testing.assert_array_equal(indices, expected_indices)
    np.testing.assert_array_equal(distances, expected_distances)  # the same DP, bit for bit
    # The cascade on every query (the estimator may leave some to the matrix).
    data = to_dataset(X, "X")
    index = DTWIndex(*data, parse_constraint(**constraint))
    distances, indices, _ = index.kneighbors(*to_dataset(Q, "Q"), k, 2, strategy="pruned")
    np.testing.assert_array_equal(indices, expected_indices)
    np.testing.assert_array_equal(distances, expected_distances)
    distances, indices, _ = index.kneighbors(None, None, k, strategy="pruned")
    np.testing.assert_array_equal(indices, exhaustive(X, X, k, True, **constraint)[1])


@pytest.mark.parametrize("seed", range(4))
def test_training_series_leave_themselves_out(seed):
    rng = np.random.default_rng(seed)
    X = random_walks(rng, 25, lambda count: rng.integers(5, 15, count), 2)
    X += X[:3]
    search = KNeighborsTimeSeries(n_neighbors=3, metric_params={"sakoe_chiba_radius": 2})
    distances, indices = search.fit(X).kneighbors()
    expected_distances, expected_indices = exhaustive(X, X, 3, True, sakoe_chiba_radius=2)
    np.testing.assert_array_equal(indices, expected_indices)
    np.testing.assert_array_equal(distances, expected_distances)


def test_distances_against_a_naive_dtw(rng):
    X = rng.standard_normal((10, 6, 2))
    query = rng.standard_normal((6, 2))
    distances, indices = KNeighborsTimeSeries(n_neighbors=10).fit(X).kneighbors([query])
    naive = np.array([dtw_naive(query, x) for x in X])
    np.testing.assert_allclose(distances[0], np.sort(naive), rtol=1e-12)
    np.testing.assert_array_equal(indices[0], np.argsort(naive, kind="stable"))
    mask = sakoe_chiba_mask(6, 6, 1)
    banded = np.array([dtw_naive(query, x, mask) for x in X])
    search = KNeighborsTimeSeries(n_neighbors=1, metric_params={"sakoe_chiba_radius": 1})
    distance, index = search.fit(X).kneighbors([query])
    assert index[0, 0] == np.argmin(banded)
    np.testing.assert_allclose(distance[0, 0], banded.min(), rtol=1e-12)


def test_the_search_prunes_and_counts_every_pair(rng):
    X = rng.standard_normal((60, 64, 1)).cumsum(axis=1)
    Q = rng.standard_normal((20, 64, 1)).cumsum(axis=1)
    index = DTWIndex(X, np.full(60, 64), (2, 6))
    _, indices, stats = index.kneighbors(Q, np.full(20, 64), 1, n_jobs=1)  # auto: the cascade
    assert stats.shape == (20, len(STAGES))
    np.testing.assert_array_equal(stats.sum(axis=1), 60)  # each pair ends in one stage
    assert stats[:, :4].sum() > 0.5 * stats.sum()  # most pairs never get a full DTW
    np.testing.assert_array_equal(indices, exhaustive(Q, X, 1, sakoe_chiba_radius=6)[1])


def test_the_strategies_agree(rng):
    X, Q = rng.standard_normal((50, 30, 2)), rng.standard_normal((300, 30, 2))
    index = DTWIndex(X, np.full(50, 30), parse_constraint())
    lengths = np.full(300, 30)
    auto = index.kneighbors(Q, lengths, 3, 2)  # noise without a band: the matrix after a sample
    assert auto[2][0, 3] > 0  # the sample: the cascade, some DTWs abandoned
    np.testing.assert_array_equal(auto[2][-1], [0, 0, 0, 0, 50])  # then the matrix
    for strategy in ("pruned", "exhaustive"):
        other = index.kneighbors(Q, lengths, 3, 2, strategy=strategy)
        np.testing.assert_array_equal(other[1], auto[1])
        np.testing.assert_array_equal(other[0], auto[0])
    np.testing.assert_array_equal(auto[1], exhaustive(Q, X, 3)[1])


def test_overflowing_costs_fall_back_to_the_exhaustive_matrix(rng):
    X = rng.standard_normal((6, 5)) * 1e160  # squared costs past the float64 range
    Q = rng.standard_normal((3, 5)) * 1e160
    distances, indices = KNeighborsTimeSeries(n_neighbors=2).fit(X).kneighbors(Q)
    expected_distances, expected_indices = exhaustive(Q, X, 2)
    np.testing.assert_array_equal(indices, expected_indices)
    np.testing.assert_allclose(distances, expected_distances, rtol=1e-12)


def test_threads_and_layouts_give_the_same_answer(rng):
    X = rng.standard_normal((40, 20))
    Q = rng.standard_normal((30, 20))
    one = KNeighborsTimeSeries(n_neighbors=3, n_jobs=1).fit(X).kneighbors(Q)
    two = KNeighborsTimeSeries(n_neighbors=3, n_jobs=-1).fit(X[:, :, None]).kneighbors(list(Q))
    np.testing.assert_array_equal(one[1], two[1])
    np.testing.assert_array_equal(one[0], two[0])
    padded = np.full((40, 25), np.nan)
    padded[:, :20] = X
    three = KNeighborsTimeSeries(n_neighbors=3).fit(padded).kneighbors(Q)
    np.testing.assert_array_equal(one[1], three[1])


def test_inputs_are_not_modified(rng):
    X = rng.standard_normal((10, 8))
    X[2, 6:] = np.nan
    Q = rng.standard_normal((4, 8))
    X_copy, Q_copy = X.copy(), Q.copy()
    KNeighborsTimeSeriesClassifier(n_neighbors=3).fit(X, np.arange(10) % 2).predict(Q)
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(Q, Q_copy)


def test_other_metrics(rng):
    X = rng.standard_normal((15, 10, 2))
    Q = rng.standard_normal((5, 10, 2))
    distances, indices = (
        KNeighborsTimeSeries(n_neighbors=4, metric="euclidean").fit(X).kneighbors(Q)
    )
    naive = np.sqrt(((Q[:, None] - X[None]) ** 2).sum(axis=(2, 3)))
    np.testing.assert_array_equal(indices, np.argsort(naive, axis=1, kind="stable")[:, :4])
    np.testing.assert_allclose(distances, np.sort(naive, axis=1)[:, :4], rtol=1e-12)

    search = KNeighborsTimeSeries(n_neighbors=2, metric="softdtw", metric_params={"gamma": 0.1})
    distances, indices = search.fit(X).kneighbors(Q)
    matrix = cdist_soft_dtw(Q, X, gamma=0.1)
    np.testing.assert_array_equal(indices, np.argsort(matrix, axis=1, kind="stable")[:, :2])

    matrix = cdist_dtw(X)
    search = KNeighborsTimeSeries(n_neighbors=2, metric="precomputed").fit(matrix)
    np.testing.assert_array_equal(search.kneighbors(cdist_dtw(Q, X))[1], exhaustive(Q, X, 2)[1])
    np.testing.assert_array_equal(search.kneighbors()[1], exhaustive(X, X, 2, True)[1])


def test_classifier_votes_as_scikit_learns(rng):
    X = rng.standard_normal((40, 12))
    y = rng.choice(["a", "b", "c"], 40)
    Q = rng.standard_normal((25, 12))
    for weights in ["uniform", "distance", lambda distances: np.exp(-distances)]:
        ours = KNeighborsTimeSeriesClassifier(n_neighbors=4, weights=weights).fit(X, y)
        theirs = KNeighborsClassifier(4, weights=weights, metric="precomputed")
        theirs.fit(cdist_dtw(X), y)
        np.testing.assert_array_equal(ours.predict(Q), theirs.predict(cdist_dtw(Q, X)))
        np.testing.assert_allclose(
            ours.predict_proba(Q), theirs.predict_proba(cdist_dtw(Q, X)), rtol=1e-12
        )
    np.testing.assert_array_equal(ours.classes_, ["a", "b", "c"])


def test_class_ties_go_to_the_first_class():
    X = [[0.0, 0.0], [1.0, 1.0], [0.0, 0.0], [1.0, 1.0]]
    clf = KNeighborsTimeSeriesClassifier(n_neighbors=2).fit(X, [2, 1, 2, 1])
    assert clf.predict([[0.5, 0.5]])[0] == 1  # one vote each: the smaller class


def test_zero_distances_take_all_the_weight():
    X = [[0.0, 1.0], [0.0, 1.0], [5.0, 5.0]]
    clf = KNeighborsTimeSeriesClassifier(n_neighbors=3, weights="distance").fit(X, [0, 0, 1])
    np.testing.assert_array_equal(clf.predict_proba([[0.0, 1.0]]), [[1.0, 0.0]])


def test_regressor_averages_as_scikit_learns(rng):
    X = rng.standard_normal((30, 10))
    y = rng.standard_normal((30, 2))
    Q = rng.standard_normal((8, 10))
    for weights in ["uniform", "distance"]:
        ours = KNeighborsTimeSeriesRegressor(n_neighbors=3, weights=weights).fit(X, y)
        theirs = KNeighborsRegressor(n_neighbors=3, weights=weights, metric="precomputed")
        theirs.fit(cdist_dtw(X), y)
        np.testing.assert_allclose(ours.predict(Q), theirs.predict(cdist_dtw(Q, X)), rtol=1e-12)
        one = KNeighborsTimeSeriesRegressor(n_neighbors=3, weights=weights).fit(X, y[:, 0])
        assert one.predict(Q).shape == (8,)
        np.testing.assert_allclose(one.predict(Q), ours.predict(Q)[:, 0], rtol=1e-12)


def test_predictions_equal_tslearns(rng):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tslearn warns about its optional packages
        neighbors = pytest.importorskip("tslearn.neighbors")
    X = rng.standard_normal((30, 16)).cumsum(axis=1)
    y = rng.integers(0, 3, 30)
    Q = rng.standard_normal((20, 16)).cumsum(axis=1)
    for k, params in [(1, None), (3, {"sakoe_chiba_radius": 2})]:
        ours = KNeighborsTimeSeriesClassifier(n_neighbors=k, metric_params=params).fit(X, y)
        theirs = neighbors.KNeighborsTimeSeriesClassifier(n_neighbors=k, metric_params=params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = theirs.fit(X, y).predict(Q)
        np.testing.assert_array_equal(ours.predict(Q), expected)


def _archive_file(name, part):
    # The UCR files that aeon ships with its package, found without importing aeon.
    spec = importlib.util.find_spec("aeon")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("the UCR files come from aeon's package, which is not installed")
    path = Path(spec.submodule_search_locations[0], "datasets", "data", name)
    return path / f"{name}_{part}.ts"


@pytest.mark.parametrize("name, error", [("GunPoint", 0.0933), ("ItalyPowerDemand", 0.0496)])
def test_ucr_error_rates(name, error):
    X_train, y_train = load_dataset(_archive_file(name, "TRAIN"))
    X_test, y_test = load_dataset(_archive_file(name, "TEST"))
    clf = KNeighborsTimeSeriesClassifier(n_neighbors=1, n_jobs=2).fit(X_train, y_train)
    predicted = clf.predict(X_test)
    exhaustive_labels = y_train[np.argmin(cdist_dtw(X_test, X_train), axis=1)]
    np.testing.assert_array_equal(predicted, exhaustive_labels)
    assert round(float(np.mean(predicted != y_test)), 4) == error  # the published 1-NN DTW


def test_errors_name_the_argument(rng):
    X = rng.standard_normal((5, 6))
    with pytest.raises(ValueError, match="n_neighbors must be a whole number >= 1"):
        KNeighborsTimeSeries(n_neighbors=0).fit(X)
    with pytest.raises(ValueError, match="metric must be one of"):
        KNeighborsTimeSeries(metric="lcss").fit(X)
    with pytest.raises(ValueError, match=r"does not take: \['radius'\]"):
        KNeighborsTimeSeries(metric_params={"radius": 1}).fit(X)
    with pytest.raises(TypeError, match="metric_params must be a dict"):
        KNeighborsTimeSeries(metric_params=[1]).fit(X)
    with pytest.raises(ValueError, match="sakoe_chiba_radius"):
        KNeighborsTimeSeries(metric_params={"sakoe_chiba_radius": -1}).fit(X)
    with pytest.raises(ValueError, match="weights must be"):
        KNeighborsTimeSeriesClassifier(weights="nearest").fit(X, np.arange(5))
    with pytest.raises(ValueError, match="n_jobs"):
        KNeighborsTimeSeries(n_jobs=0).fit(X)
    search = KNeighborsTimeSeries(n_neighbors=5).fit(X)
    with pytest.raises(ValueError, match="n_neighbors=6 exceeds the 5 training series"):
        search.kneighbors(X, n_neighbors=6)
    with pytest.raises(ValueError, match="each series leaves itself out"):
        search.kneighbors()
    with pytest.raises(ValueError, match="same number of features"):
        search.kneighbors(rng.standard_normal((2, 6, 3)))
    with pytest.raises(ValueError, match="Reshape your data"):
        search.kneighbors(X[0])
    holed = np.ones((2, 6))
    holed[1, 2] = np.nan
    with pytest.raises(ValueError, match=r"X\[1\] has a NaN or infinite value at time step 2"):
        search.kneighbors(holed)
    with pytest.raises(ValueError, match="metric='euclidean' needs series of a single length"):
        KNeighborsTimeSeries(n_neighbors=1, metric="euclidean").fit(
            [[1, 2], [1, 2, 3]]
        ).kneighbors()
    with pytest.raises(ValueError, match="square distance matrix"):
        KNeighborsTimeSeries(metric="precomputed").fit(X)
    with pytest.raises(ValueError, match="negative"):
        KNeighborsTimeSeries(metric="precomputed").fit(-np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"itakura_max_slope=1\.5 admits no warping path"):
        params = {"itakura_max_slope": 1.5}
        KNeighborsTimeSeries(1, metric_params=params).fit([[1, 2, 3, 4]]).kneighbors([[1] * 8])
    with pytest.raises(NotFittedError):
        KNeighborsTimeSeriesClassifier().predict(X)


# scikit-learn's estimator checks, on 2-D input: n univariate series of length n_columns.
# The checks listed below do not apply to time series, for the reasons given.
_FEATURE_COUNT = (
    "a time series of another length is valid input, so a different number of columns at "
    "predict time is not an error, and n_features_in_ is d, the features of each time "
    "step (1 for a 2-D X of univariate series), not X.shape[1]"
)
_EXPECTED_FAILURES = {
    "check_n_features_in": _FEATURE_COUNT,
    "check_n_features_in_after_fitting": _FEATURE_COUNT,
    "check_classifiers_train": _FEATURE_COUNT,
    "check_regressors_train": (
        "the rows of scikit-learn's tabular regression data, read as time series, are "
        "warped across columns that are no time axis: DTW neighbours do not reach the "
        "score that check asks of tabular data"
    ),
}


def _expected_failures(estimator):
    return {
        name: reason
        for name, reason in _EXPECTED_FAILURES.items()
        if name != "check_regressors_train" or isinstance(estimator, KNeighborsTimeSeriesRegressor)
        if name != "check_classifiers_train"
        or isinstance(estimator, KNeighborsTimeSeriesClassifier)
    }


@parametrize_with_checks(
    [
        KNeighborsTimeSeries(),
        KNeighborsTimeSeriesClassifier(),
        KNeighborsTimeSeriesRegressor(),
    ],
    expected_failed_checks=_expected_failures,
)
def test_scikit_learn_conventions(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # some checks warn on purpose
        check(estimator)


def test_pickle_clone_pipeline_and_grid_search(rng):
    X = rng.standard_normal((30, 16)).cumsum(axis=1)
    y = (X[:, -1] > X[:, 0]).astype(int)
    clf = KNeighborsTimeSeriesClassifier(n_neighbors=3, metric_params={"sakoe_chiba_radius": 2})
    clf.fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict(X), clf.predict(X))
    copy = clone(clf)
    assert copy.get_params() == clf.get_params() and not hasattr(copy, "classes_")
    scale = FunctionTransformer(lambda Z: Z / np.abs(Z).max())
    pipeline = Pipeline([("scale", scale), ("knn", clone(clf))]).fit(X, y)
    assert pipeline.score(X, y) > 0.5
    grid = GridSearchCV(
        KNeighborsTimeSeriesClassifier(),
        {"n_neighbors": [1, 3], "metric_params": [{"sakoe_chiba_radius": r} for r in (0, 3)]},
        cv=3,
    ).fit(X, y)
    assert grid.best_params_["n_neighbors"] in (1, 3)
    assert grid.predict(X).shape == (30,)


def test_without_scikit_learn_the_estimators_name_the_extra():
    code = (
        "import sys; sys.modules['sklearn'] = None\n"
        "import tswarp.neighbors._search\n"  # the search alone runs without scikit-learn
        "from tswarp.neighbors import KNeighborsTimeSeries"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "tswarp.neighbors needs scikit-learn: pip install 'tswarp[estimators]'" in result.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_stops_the_search():
    code = (
        "import signal\n"
        "import numpy as np\n"
        "from tswarp.neighbors._search import DTWIndex\n"
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "rng = np.random.default_rng(0)\n"
        "X, Q = rng.normal(size=(300, 1000, 1)), rng.normal(size=(40, 1000, 1))\n"
        "index = DTWIndex(X, np.full(300, 1000), (0, 0.0))\n"
        "print('started', flush=True)\n"
        "try:\n"
        "    index.kneighbors(Q, np.full(40, 1000), 1, 2, strategy='pruned')\n"
        "    print('finished', flush=True)\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted', flush=True)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "started"
        time.sleep(0.3)
        child.send_signal(signal.SIGINT)
        sent = time.perf_counter()
        assert child.stdout.readline().strip() == "interrupted"
        assert time.perf_counter() - sent < 2.0
        assert child.wait(timeout=30) == 0
    finally:
        child.kill()
        child.communicate()


def test_a_progress_bar_on_request(rng, capsys):
    X, Q = rng.standard_normal((20, 30)), rng.standard_normal((10, 30))
    KNeighborsTimeSeries(n_neighbors=2, verbose=1).fit(X).kneighbors(Q)
    assert "kneighbors: [" in capsys.readouterr().err
