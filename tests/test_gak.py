"""The global alignment kernel: values in log space, normalisation, cdist, sigma_gak, errors."""

import inspect
import itertools
import math
import sys

import numpy as np
import pytest
from conftest import interrupt_child
from oracles import log_gak_naive, log_local_kernels

from tswarp.metrics import cdist_gak, gak, sigma_gak, unnormalized_gak


def normalized_naive(x, y, sigma=1.0):
    log_value = log_gak_naive(x, y, sigma)
    log_value -= 0.5 * (log_gak_naive(x, x, sigma) + log_gak_naive(y, y, sigma))
    return math.exp(log_value)


def warping_paths(n, m):
    """Every warping path from (0, 0) to (n - 1, m - 1), by brute force."""
    if (n, m) == (1, 1):
        yield [(0, 0)]
        return
    for di, dj in ((1, 1), (1, 0), (0, 1)):
        if n - di >= 1 and m - dj >= 1:
            for path in warping_paths(n - di, m - dj):
                yield [*path, (n - 1, m - 1)]


def gak_brute_force(x, y, sigma=1.0):
    """The sum over all warping paths of the product of local kernels along the path."""
    kernels = np.exp(log_local_kernels(x, y, sigma))
    products = [
        math.prod(kernels[cell] for cell in path) for path in warping_paths(len(x), len(y))
    ]
    return math.fsum(products)


# --- values ----------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:s1 and s2 of shape")  # one step of d features
@pytest.mark.parametrize("n, m", [(1, 1), (1, 4), (3, 2), (4, 4), (5, 3)])
@pytest.mark.parametrize("d", [1, 2])
def test_unnormalized_matches_brute_force_over_paths(rng, n, m, d):
    x, y = rng.normal(size=(n, d)), rng.normal(size=(m, d))
    for sigma in (0.5, 1.0, 3.0):
        assert unnormalized_gak(x, y, sigma) == pytest.approx(
            gak_brute_force(x, y, sigma), rel=1e-13
        )


@pytest.mark.parametrize("d", [1, 3])
def test_matches_log_space_dp_on_random_unequal_lengths(rng, d):
    for _ in range(6):
        n, m = rng.integers(1, 40, size=2)
        x, y = rng.normal(size=(n, d)), rng.normal(size=(m, d))
        sigma = float(rng.uniform(0.3, 4.0))
        expected = log_gak_naive(x, y, sigma)
        assert math.log(unnormalized_gak(x, y, sigma)) == pytest.approx(expected, rel=1e-13)
        assert gak(x, y, sigma) == pytest.approx(normalized_naive(x, y, sigma), rel=1e-12)


def test_types_follow_tslearn():
    assert type(unnormalized_gak([1, 2, 3], [1, 2])) is float
    assert type(gak([1, 2, 3], [1, 2])) is np.float64
    assert type(sigma_gak([[1, 2, 3], [1, 2, 4]], random_state=0)) is np.float64


def test_normalised_kernel_is_one_on_equal_series_and_symmetric(rng):
    x, y = rng.normal(size=(30, 2)), rng.normal(size=(17, 2))
    assert gak(x, x) == 1.0
    assert gak(x, y) == pytest.approx(gak(y, x), rel=1e-14)
    assert 0 < gak(x, y) < 1


def test_long_series_stay_in_range():
    # K(x, x) of 2000 steps is about 5.8**2000, far beyond float64: its log is not.
    x = np.sin(np.linspace(0, 20, 2000))
    y = np.cos(np.linspace(0, 20, 2000))
    assert unnormalized_gak(x, x) == math.inf
    value = gak(x, y, sigma=2.0)
    assert 0 < value < 1 and math.isfinite(value)
    short = slice(0, 300)
    assert gak(x[short], y[short], sigma=2.0) == pytest.approx(
        normalized_naive(x[short], y[short], 2.0), rel=1e-11
    )


def test_overflowing_then_vanishing_product_is_right():
    # 450 equal steps (K past the float range) then one distant step whose local kernel
    # underflows to 0 in linear space: tslearn 0.10 returns NaN; the value is about 1.3e12.
    x, y = np.zeros(451), np.zeros(451)
    x[-1] = 39.0
    expected = log_gak_naive(x, y)
    assert math.log(unnormalized_gak(x, y)) == pytest.approx(expected, rel=1e-13)
    assert 1e12 < unnormalized_gak(x, y) < 1e13


def test_subnormal_partial_products_are_right():
    # One distant first step (local kernel near 1e-322, a subnormal with a few digits),
    # then 200 equal steps: a linear-space DP loses those digits; log space keeps them.
    x, y = np.zeros(201), np.zeros(201)
    y[0] = 38.5
    expected = log_gak_naive(x, y)
    assert math.log(unnormalized_gak(x, y)) == pytest.approx(expected, rel=1e-13)


def test_float32_close_to_float64(rng):
    x, y = rng.normal(size=(20, 2)), rng.normal(size=(25, 2))
    expected = gak(x, y)
    assert gak(x.astype(np.float32), y.astype(np.float32)) == pytest.approx(expected, rel=1e-5)


def test_trailing_nan_rows_are_padding(rng):
    x, y = rng.normal(size=(8, 2)), rng.normal(size=(6, 2))
    padded = np.vstack([x, np.full((3, 2), np.nan)])
    assert gak(padded, y) == gak(x, y)
    assert unnormalized_gak(padded, y) == unnormalized_gak(x, y)


def test_univariate_forms_agree(rng):
    x, y = rng.normal(size=9), rng.normal(size=7)
    assert gak(x, y) == gak(x[:, None], y[:, None])


# --- errors ----------------------------------------------------------------------------------

FUNCTIONS = [gak, unnormalized_gak, lambda x, y, sigma=1.0: cdist_gak([x], [y], sigma)]


@pytest.mark.parametrize("function", FUNCTIONS)
@pytest.mark.parametrize(
    "sigma, error, message",
    [
        (0, ValueError, r"sigma must be a number > 0, got 0"),
        (-1.0, ValueError, r"sigma must be a number > 0, got -1.0"),
        (math.nan, ValueError, r"sigma must be a number > 0, got nan"),
        (1e-200, ValueError, r"sigma=1e-200 is out of range"),
        (math.inf, ValueError, r"sigma=inf is out of range"),
        (10**400, ValueError, r"is out of range"),
        (True, TypeError, r"sigma must be a real number > 0, got True"),
        ("1", TypeError, r"sigma must be a real number > 0, got '1'"),
        (None, TypeError, r"sigma must be a real number"),
    ],
)
def test_bad_sigma(function, sigma, error, message):
    with pytest.raises(error, match=message):
        function([1.0, 2.0], [1.0, 3.0], sigma=sigma)


@pytest.mark.parametrize(
    "s1, s2, message",
    [
        ([1.0, np.nan, 2.0], [1.0], r"s1 has a NaN or infinite value"),
        ([np.nan, np.nan], [1.0], r"s1 is empty or all NaN"),
        (np.zeros((3, 2)), np.zeros((3, 1)), "same number of features"),
    ],
)
def test_invalid_series(s1, s2, message):
    for function in (gak, unnormalized_gak):
        with pytest.raises(ValueError, match=message):
            function(s1, s2)


def test_non_real_input_raises_type_error():
    with pytest.raises(TypeError, match="must hold real numbers"):
        gak(["a", "b"], [1.0, 2.0])


def test_inputs_are_not_modified(rng):
    x, y = rng.normal(size=(8, 2)), rng.normal(size=(6, 2))
    X = rng.normal(size=(4, 7, 2))
    X[1, 5:] = np.nan
    copies = [a.copy() for a in (x, y, X)]
    gak(x, y)
    unnormalized_gak(x, y)
    cdist_gak(X, n_jobs=2)
    cdist_gak(X, X[:2])
    sigma_gak(X, random_state=0)
    for original, copy in zip((x, y, X), copies, strict=True):
        np.testing.assert_array_equal(original, copy)


# --- cdist -----------------------------------------------------------------------------------


def test_cdist_equals_naive_normalised_values(rng):
    X = [rng.normal(size=(n, 2)) for n in (5, 9, 7)]
    Y = [rng.normal(size=(n, 2)) for n in (4, 8)]
    expected = [[normalized_naive(x, y, 1.5) for y in Y] for x in X]
    np.testing.assert_allclose(cdist_gak(X, Y, sigma=1.5), expected, rtol=1e-12)
    symmetric = cdist_gak(X, sigma=1.5)
    np.testing.assert_array_equal(symmetric, symmetric.T)
    np.testing.assert_array_equal(np.diag(symmetric), 1.0)
    expected = [[normalized_naive(x, y, 1.5) for y in X] for x in X]
    np.testing.assert_allclose(symmetric, expected, rtol=1e-12)


def test_cdist_padded_and_ragged_agree(rng):
    ragged = [rng.normal(size=(n, 1)) for n in (3, 8, 5)]
    padded = np.full((3, 8, 1), np.nan)
    for k, ts in enumerate(ragged):
        padded[k, : len(ts)] = ts
    np.testing.assert_array_equal(cdist_gak(ragged), cdist_gak(padded))
    np.testing.assert_allclose(cdist_gak(padded, ragged[:2]), cdist_gak(ragged)[:, :2], rtol=1e-15)


def test_cdist_threads_give_identical_results(rng):
    X = rng.normal(size=(12, 30, 1))
    one = cdist_gak(X, n_jobs=1)
    np.testing.assert_array_equal(one, cdist_gak(X, n_jobs=2))
    np.testing.assert_array_equal(one, cdist_gak(X, n_jobs=-1))


def test_cdist_dtype_and_shapes(rng):
    X = rng.normal(size=(5, 10))
    small = cdist_gak(X, dtype=np.float32)
    assert small.dtype == np.float32
    np.testing.assert_allclose(small, cdist_gak(X), rtol=1e-6)
    assert cdist_gak([1.0, 2.0, 3.0]).shape == (1, 1)
    with pytest.raises(ValueError, match=r"dtype must be numpy\.float32 or numpy\.float64"):
        cdist_gak(X, dtype=np.int32)
    with pytest.raises(ValueError, match="n_jobs must be None or a non-zero integer"):
        cdist_gak(X, n_jobs=0)


def test_cdist_progress_bar(rng, capsys):
    cdist_gak(rng.normal(size=(4, 10)), verbose=1)
    assert "cdist_gak:" in capsys.readouterr().err


def test_cdist_invalid_datasets():
    with pytest.raises(ValueError, match=r"dataset1\[0\] has a NaN or infinite"):
        cdist_gak([[1.0, np.nan, 2.0], [1.0, 2.0, 3.0]])


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize(
    "call",
    [
        "cdist_gak(np.random.default_rng(0).normal(size=(300, 1000)), n_jobs=1)",
        "gak(np.zeros(30_000), np.ones(30_000))",
    ],
)
def test_stops_on_ctrl_c(call):
    code = (
        "import numpy as np\n"
        "from tswarp.metrics import cdist_gak, gak\n"
        "print('started', flush=True)\n"
        f"try:\n    {call}\n"
        "except KeyboardInterrupt:\n    print('interrupted', flush=True)\n"
    )
    out, seconds = interrupt_child(code, wait=1.0)
    assert "interrupted" in out
    assert seconds < 2.0


# --- sigma_gak -------------------------------------------------------------------------------


def test_sigma_gak_is_the_median_distance_of_drawn_steps(rng):
    X = rng.normal(size=(6, 10, 2))
    X[2, 7:] = np.nan
    steps = np.concatenate([X[i][~np.isnan(X[i, :, 0])] for i in range(6)])
    chosen = np.random.RandomState(3).choice(len(steps), size=40, replace=False)
    sample = steps[chosen]
    distances = [np.linalg.norm(a - b) for a, b in itertools.combinations(sample, 2)]
    expected = np.median(distances) * math.sqrt(10)
    assert sigma_gak(X, n_samples=40, random_state=3) == pytest.approx(expected, rel=1e-14)
    state = np.random.RandomState(3)
    assert sigma_gak(X, n_samples=40, random_state=state) == pytest.approx(expected, rel=1e-14)


def test_sigma_gak_draws_with_replacement_when_short():
    X = np.array([[0.0, 1.0, 3.0]])
    value = sigma_gak(X, n_samples=10, random_state=0)
    assert value == sigma_gak(X, n_samples=10, random_state=0)
    assert 0 <= value <= 3 * math.sqrt(3)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"n_samples": 1}, ValueError, "n_samples must be >= 2"),
        ({"n_samples": 2.5}, TypeError, "n_samples must be an integer >= 2"),
        ({"n_samples": True}, TypeError, "n_samples must be an integer"),
        ({"random_state": "seed"}, ValueError, "random_state must be None, an integer"),
    ],
)
def test_sigma_gak_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        sigma_gak([[1.0, 2.0, 3.0]], **kwargs)


# --- tslearn ---------------------------------------------------------------------------------


def test_same_as_tslearn(rng):
    tslearn_metrics = pytest.importorskip("tslearn.metrics")
    for d in (1, 3):
        for _ in range(6):
            n, m = rng.integers(2, 60, size=2)
            x, y = rng.normal(size=(n, d)), rng.normal(size=(m, d))
            sigma = float(rng.uniform(0.5, 5.0))
            expected = tslearn_metrics.unnormalized_gak(x, y, sigma=sigma)
            value = unnormalized_gak(x, y, sigma=sigma)
            assert value == pytest.approx(expected, rel=1e-10)
            assert math.log(value) == pytest.approx(math.log(expected), rel=1e-10)
            expected = tslearn_metrics.gak(x, y, sigma=sigma)
            assert gak(x, y, sigma=sigma) == pytest.approx(expected, rel=1e-10)


def test_cdist_and_sigma_same_as_tslearn(rng):
    tslearn_metrics = pytest.importorskip("tslearn.metrics")
    X = [rng.normal(size=(n, 2)) for n in (5, 30, 17, 12)]
    for args in ((X,), (X, X[1:3])):
        expected = tslearn_metrics.cdist_gak(*args, sigma=2.0)
        np.testing.assert_allclose(cdist_gak(*args, sigma=2.0), expected, rtol=1e-10)
        np.testing.assert_allclose(
            np.log(cdist_gak(*args, sigma=2.0)), np.log(expected), rtol=1e-10
        )
    for seed in (0, 1, 7):
        for n_samples in (10, 100, 500):
            expected = tslearn_metrics.sigma_gak(X, n_samples=n_samples, random_state=seed)
            assert sigma_gak(X, n_samples, seed) == pytest.approx(expected, rel=1e-12)


def test_long_pair_where_tslearn_loses_digits_or_returns_nan():
    tslearn_metrics = pytest.importorskip("tslearn.metrics")
    x, y = np.zeros(451), np.zeros(451)
    x[-1] = 39.0
    with np.errstate(invalid="ignore"):
        assert math.isnan(tslearn_metrics.unnormalized_gak(x, y))
    assert math.isfinite(unnormalized_gak(x, y))


def test_signatures_follow_tslearn():
    tslearn_metrics = pytest.importorskip("tslearn.metrics")
    for function in (gak, unnormalized_gak, cdist_gak, sigma_gak):
        ours = list(inspect.signature(function).parameters.values())
        theirs = list(
            inspect.signature(getattr(tslearn_metrics, function.__name__)).parameters.values()
        )
        assert [(p.name, p.default) for p in ours[: len(theirs)]] == [
            (p.name, p.default) for p in theirs
        ]
