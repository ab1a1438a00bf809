"""Barycenters of data and weights at the ends of float64's range.

DTW averaging commutes with scaling the data (or the weights) by a power of two, exactly in
floating point: the result for 2**700 * X is 2**700 times that for X, bit for bit. That is
the oracle here, with weighted means computed by hand.
"""

import importlib

import numpy as np
import pytest
from oracles import dba_naive, soft_dtw_naive

from tswarp.barycenters import (
    ConvergenceWarning,
    dtw_barycenter_averaging,
    dtw_barycenter_averaging_petitjean,
    dtw_barycenter_averaging_subgradient,
    euclidean_barycenter,
    softdtw_barycenter,
)
from tswarp.metrics import dtw

soft_dtw_module = importlib.import_module("tswarp.barycenters._soft_dtw")


def subgradient(X, **kwargs):
    return dtw_barycenter_averaging_subgradient(X, random_state=0, **kwargs)


DBA_FUNCTIONS = [dtw_barycenter_averaging, dtw_barycenter_averaging_petitjean, subgradient]


def walks(rng, n=5):
    return [rng.standard_normal(int(rng.integers(4, 9))).cumsum() for _ in range(n)]


@pytest.mark.parametrize("function", DBA_FUNCTIONS)
@pytest.mark.parametrize("scale", [2.0**700, 2.0**-700])
def test_dba_of_huge_or_tiny_values_is_the_scaled_barycenter(rng, function, scale):
    # Squared distances of values near 1e210 overflow (near 1e-210, underflow) and left
    # the alignments arbitrary: the barycenter was off by about one unit of the data.
    X = walks(rng)
    expected = function(X, max_iter=5, tol=0.0) * scale
    got = function([x * scale for x in X], max_iter=5, tol=0.0)
    np.testing.assert_array_equal(got, expected)


def test_dba_of_values_near_1e200(rng):
    X = walks(rng)
    expected = dtw_barycenter_averaging(X, max_iter=5, tol=0.0)
    got = dtw_barycenter_averaging([x * 1e200 for x in X], max_iter=5, tol=0.0)
    np.testing.assert_allclose(got / 1e200, expected, rtol=1e-13)


@pytest.mark.parametrize("function", [euclidean_barycenter, dtw_barycenter_averaging])
def test_values_near_the_largest_float_average_without_overflow(function):
    # The sum of the two first steps, 3e308, is past float64's range; their mean is not.
    X = [[1.5e308, -1.5e308], [1.5e308, 1.0e308]]
    np.testing.assert_array_equal(function(X).ravel(), [1.5e308, -0.25e308])


@pytest.mark.parametrize(
    "function", [euclidean_barycenter, *DBA_FUNCTIONS], ids=lambda f: f.__name__
)
@pytest.mark.parametrize(
    ("weights", "same_as"),
    [
        ([3 * 2.0**1022, 2.0**1022], [3.0, 1.0]),  # their sum overflowed
        ([2.0**1023, 2.0**1023], [1.0, 1.0]),
        ([2.0**-1070, 0.0], [1.0, 0.0]),  # a subnormal total, whose inverse overflowed
    ],
)
def test_huge_or_tiny_weights_weigh_as_their_ratios(rng, function, weights, same_as):
    X = rng.standard_normal((2, 6))
    np.testing.assert_array_equal(function(X, weights=weights), function(X, weights=same_as))


def test_euclidean_barycenter_of_huge_weights_by_hand():
    got = euclidean_barycenter([[0.0, 4.0], [4.0, 8.0]], weights=[1.5e308, 0.5e308])
    np.testing.assert_allclose(got.ravel(), [1.0, 5.0], rtol=1e-15)


@pytest.mark.parametrize("weights", [[1e308, 1e308], [3 * 2.0**1022, 2.0**1022]])
def test_softdtw_barycenter_of_huge_weights(weights):
    # The weighted objective overflowed (a RuntimeWarning, an error under the test
    # settings; tslearn returns NaN or inf).
    X = [[1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 4.0, 5.0]]
    ratios = np.asarray(weights) / max(weights)
    np.testing.assert_allclose(
        softdtw_barycenter(X, weights=weights), softdtw_barycenter(X, weights=ratios), rtol=1e-6
    )


# --- soft-DTW barycenters of values whose squares overflow -----------------------------------


def unit_walks(rng):
    """Walks whose largest magnitude is in [0.5, 1): 2**600 times them is divided by 2**600
    exactly, back to these values."""
    X = rng.standard_normal((4, 7)).cumsum(axis=1)
    return X * (0.95 / np.abs(X).max())


@pytest.mark.parametrize("tol", [0.0, 1e-3])
def test_softdtw_barycenter_of_huge_values_is_the_scaled_barycenter(rng, tol):
    # soft_dtw(c x, c y, gamma) = c**2 soft_dtw(x, y, gamma / c**2), exactly for c = 2**600.
    # The squares of values near 2**600 overflowed: the objective was inf everywhere and
    # the optimiser returned its start, silently.
    X, gamma = unit_walks(rng), 2.0**-177  # gamma * 4**600 = 2**1023, within range
    expected = softdtw_barycenter(X, gamma=gamma, tol=tol) * 2.0**600
    got = softdtw_barycenter(X * 2.0**600, gamma=np.ldexp(gamma, 1200), tol=tol)
    np.testing.assert_array_equal(got, expected)
    start = np.mean(X, axis=0)[:, None] * 2.0**600
    assert not np.array_equal(got, start)


@pytest.mark.torch
def test_softdtw_barycenter_of_huge_tensors_is_the_scaled_barycenter(rng):
    torch = pytest.importorskip("torch")
    X, gamma = unit_walks(rng), 2.0**-177
    expected = softdtw_barycenter(torch.tensor(X), gamma=gamma, tol=0.0) * 2.0**600
    got = softdtw_barycenter(torch.tensor(X * 2.0**600), gamma=np.ldexp(gamma, 1200), tol=0.0)
    assert torch.equal(got, expected)


def test_softdtw_barycenter_near_1e200_with_an_underflowing_gamma():
    # gamma = 1 over squares near 1e400 is soft-DTW at gamma 1e-400, which underflows: DTW to
    # within float64's resolution. By hand: (0, 1, 1) and (0, 0, 1) align both series at no
    # cost, so the DTW barycenter has distance 0 to each; the start, their mean, has not.
    A = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 1.0]]) * 1e200
    Z = softdtw_barycenter(A)
    assert [dtw(Z, series) for series in A] == [0.0, 0.0]
    # Here the mean is the DTW barycenter too (each series on the diagonal, cost 0.5e400).
    got = softdtw_barycenter(np.array([[1e200, 2e200], [1e200, 3e200]]))
    np.testing.assert_allclose(got.ravel(), [1e200, 2.5e200], rtol=1e-15)


def test_softdtw_barycenter_refuses_an_infinite_objective(monkeypatch):
    # Without the scaling the objective is inf: an error, not the start returned as a result.
    monkeypatch.setattr(soft_dtw_module, "downscaling_exponent", lambda *arrays: 0)
    with pytest.raises(ValueError, match="objective is not finite"):
        softdtw_barycenter(np.array([[1e200, 2e200], [1e200, 3e200]]))


# --- SciPy's other methods for the soft-DTW barycenter ---------------------------------------


def soft_objective(Z, series, gamma=1.0):
    """sum_i soft_dtw(Z, x_i) by the textbook dynamic program."""
    Z = np.asarray(Z, dtype=np.float64).reshape(len(Z), -1)
    return sum(soft_dtw_naive(Z, np.reshape(x, (len(x), -1)), gamma) for x in series)


def scipy_version():
    import scipy

    return tuple(int(part) for part in scipy.__version__.split(".")[:2])


GRADIENT_FREE = [
    "Nelder-Mead",
    "Powell",
    "COBYLA",
    pytest.param(
        "COBYQA",
        marks=pytest.mark.skipif(scipy_version() < (1, 14), reason="COBYQA is SciPy >= 1.14"),
    ),
]


@pytest.mark.parametrize("method", GRADIENT_FREE)
def test_softdtw_barycenter_with_gradient_free_methods_does_not_warn(method):
    # They were handed the gradient as well (jac=True), and SciPy warned that it is not used
    # (a RuntimeWarning, an error under the test settings). They get the values only now.
    X = [[1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 4.0, 5.0], [0.0, 2.0, 3.0, 3.0]]
    start = np.mean(X, axis=0)
    Z = softdtw_barycenter(X, method=method, max_iter=200)
    assert Z.shape == (4, 1)
    assert soft_objective(Z, X) < soft_objective(start, X) - 1e-3


def test_softdtw_barycenter_tnc_honours_max_iter(monkeypatch):
    # TNC knows no "maxiter": SciPy warned (OptimizeWarning) and ran to convergence.
    from tswarp.barycenters._soft_dtw import SoftObjective

    calls = []
    evaluate = SoftObjective.__call__

    def counted(self, z):
        calls.append(1)
        return evaluate(self, z)

    monkeypatch.setattr(SoftObjective, "__call__", counted)
    X = np.cumsum(np.random.default_rng(0).standard_normal((4, 10)), axis=1)
    Z = softdtw_barycenter(X, method="TNC", max_iter=10, tol=0.0)
    assert 1 <= len(calls) <= 11  # its last step may evaluate once more (it took ~60)
    assert soft_objective(Z, X) < soft_objective(X.mean(axis=0), X)


@pytest.mark.parametrize(
    ("method", "message"),
    [
        ("dogleg", "method='dogleg' needs the Hessian"),
        ("trust-exact", "method='trust-exact' needs the Hessian"),
        ("bogus", "method must be one of"),
        ("L-BFGS-B ", "method must be one of"),
    ],
)
@pytest.mark.parametrize("max_iter", [0, 5])
def test_softdtw_barycenter_refuses_unusable_methods(method, message, max_iter):
    # SciPy's own errors ("Unknown solver bogus", "Hessian is required ...") named no
    # argument, and with max_iter=0 the method was not looked at.
    with pytest.raises(ValueError, match=message):
        softdtw_barycenter([[1.0, 2.0, 3.0]], method=method, max_iter=max_iter)


def test_softdtw_barycenter_with_a_huge_tol_does_not_warn():
    # L-BFGS-B's ftol / eps overflowed in SciPy (a RuntimeWarning).
    X = [[1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 4.0, 5.0]]
    Z = softdtw_barycenter(X, tol=1e300)
    assert np.isfinite(Z).all()
    assert soft_objective(Z, X) <= soft_objective(np.mean(X, axis=0), X)


@pytest.mark.parametrize(
    ("method", "tol", "message"),
    [
        ("Powell", np.inf, "tol must be finite"),  # SciPy failed with an UnboundLocalError
        ("L-BFGS-B", np.inf, "tol must be finite"),
        ("COBYLA", 0.0, r"tol as the final radius .* 0 < tol <= 1"),  # SciPy warned, 1e-6
        ("COBYLA", 2.0, r"tol as the final radius .* 0 < tol <= 1"),
        pytest.param(
            "COBYQA",
            2.0,
            r"tol as the final radius .* 0 <= tol <= 1",  # SciPy's error named no argument
            marks=pytest.mark.skipif(scipy_version() < (1, 14), reason="SciPy >= 1.14"),
        ),
    ],
)
def test_softdtw_barycenter_refuses_a_tol_the_method_cannot_take(method, tol, message):
    with pytest.raises(ValueError, match=message):
        softdtw_barycenter([[1.0, 2.0, 3.0], [1.0, 3.0, 3.0]], method=method, tol=tol)


def test_softdtw_barycenter_names_unknown_keyword_arguments():
    # The TypeError named parse_constraint, an internal function.
    with pytest.raises(TypeError, match=r"softdtw_barycenter got unexpected .*\['foo'\]"):
        softdtw_barycenter([[1.0, 2.0, 3.0]], foo=1)


# --- NaN padding past the longest series -----------------------------------------------------

# Both series end before the last column: it is padding of every series.
PADDED = np.array([[1.0, 2.0, 3.0, np.nan, np.nan], [3.0, 4.0, np.nan, np.nan, np.nan]])


@pytest.mark.parametrize("function", DBA_FUNCTIONS[:2], ids=lambda f: f.__name__)
def test_dba_ignores_padding_past_the_longest_series(function):
    # The default barycenter had the padded length, 5, and its last steps (means over no
    # series) were NaN: the result was all NaN. The default start is the step means over
    # the series that reach each step: (2, 3, 3).
    expected, _ = dba_naive([[1.0, 2.0, 3.0], [3.0, 4.0]], [2.0, 3.0, 3.0], max_iter=30)
    np.testing.assert_allclose(function(PADDED), expected, rtol=1e-12)


def test_subgradient_and_softdtw_ignore_padding_past_the_longest_series():
    for Z in (subgradient(PADDED), softdtw_barycenter(PADDED)):
        assert Z.shape == (3, 1)
        assert np.isfinite(Z).all()
    # The default soft-DTW start: the mean of (1, 2, 3) and (3, 4) resampled to 3 steps.
    start = np.array([2.0, 2.75, 3.5])
    series = [[1.0, 2.0, 3.0], [3.0, 4.0]]
    assert soft_objective(softdtw_barycenter(PADDED), series) < soft_objective(start, series)


def test_euclidean_barycenter_of_series_padded_to_one_length():
    # Series of one length, both padded: refused as "series of lengths [2]".
    got = euclidean_barycenter([[1.0, 2.0, np.nan], [3.0, 6.0, np.nan]], weights=[3, 1])
    np.testing.assert_allclose(got, [[1.5], [3.0]])


# --- the subgradient's steps and random_state ------------------------------------------------


def test_subgradient_warns_when_its_steps_diverge():
    # Step sizes far too large: the barycenter overflowed, NumPy warned (invalid values in
    # the averaging step), and the epochs went on with NaN.
    X = np.cumsum(np.random.default_rng(0).standard_normal((5, 8)), axis=1)
    with pytest.warns(ConvergenceWarning, match="diverged"):
        Z = subgradient(X, initial_step_size=1e3, final_step_size=1e3, max_iter=50)
    assert np.isfinite(Z).all()


@pytest.mark.parametrize("step", [np.inf, 10**400], ids=["inf", "huge-int"])
def test_subgradient_refuses_infinite_step_sizes(step):
    with pytest.raises(ValueError, match="initial_step_size must be a finite number > 0"):
        subgradient([[1.0, 2.0], [2.0, 3.0]], initial_step_size=step)


@pytest.mark.parametrize("seed", [-1, 2**32])
def test_subgradient_names_random_state_for_seeds_out_of_range(seed):
    # NumPy's "Seed must be between 0 and 2**32 - 1" named no argument.
    with pytest.raises(ValueError, match="random_state must be an integer between 0 and"):
        dtw_barycenter_averaging_subgradient([[1.0, 2.0]], random_state=seed)


# --- stopping at a fixed point ---------------------------------------------------------------


def test_dba_with_tol_0_stops_at_a_fixed_point(monkeypatch):
    # With tol=0 the cost never "decreases by less than tol": the iterations went on to
    # max_iter at a fixed point, a hang for a huge max_iter.
    from tswarp.barycenters import _dba

    steps = []
    step = _dba._Problem.step

    def counted(self, barycenter):
        steps.append(1)
        return step(self, barycenter)

    monkeypatch.setattr(_dba._Problem, "step", counted)
    got = dtw_barycenter_averaging([[1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 4.0, 5.0]], tol=0.0,
                                   max_iter=1000)  # fmt: skip
    np.testing.assert_array_equal(got.ravel(), [1.0, 2.0, 3.5, 4.5])  # aligned on the diagonal
    assert len(steps) <= 3


def test_subgradient_with_tol_0_stops_where_no_series_moves_it(monkeypatch):
    from tswarp.barycenters import _dba

    calls = []
    one_series = _dba._Problem.one_series

    def counted(self, barycenter, index):
        calls.append(index)
        return one_series(self, barycenter, index)

    monkeypatch.setattr(_dba._Problem, "one_series", counted)
    got = subgradient([[1.0, 5.0, 2.0]] * 3, tol=0.0, max_iter=1000)
    np.testing.assert_array_equal(got.ravel(), [1.0, 5.0, 2.0])
    assert len(calls) <= 3


# --- argument types --------------------------------------------------------------------------


def test_tol_past_the_float_range_is_a_clear_error():
    # np.isnan failed on the integer with an unrelated TypeError.
    with pytest.raises(ValueError, match="tol must be a number >= 0, got an integer past"):
        dtw_barycenter_averaging([[1.0, 2.0]], tol=10**400)


@pytest.mark.parametrize(
    "function", [euclidean_barycenter, dtw_barycenter_averaging], ids=lambda f: f.__name__
)
def test_weights_in_an_object_array(function):
    # X may be an object array of numbers (tslearn stores series so); weights were refused.
    got = function([[0.0, 4.0], [4.0, 8.0]], weights=np.array([3, 1], dtype=object))
    np.testing.assert_allclose(got.ravel(), [1.0, 5.0])


def test_dba_of_a_long_barycenter_against_short_series_needs_memory_of_their_product():
    # The kernel's direction table is (size + h) x (length + h) bytes per thread; it was
    # the square of the larger one, 10**12 bytes here.
    X = np.array([[0.0, 1.0, 2.0, 3.0], [0.0, 1.0, 2.0, 3.0]])
    barycenter = dtw_barycenter_averaging(X, barycenter_size=10**6, max_iter=2)
    steps = barycenter[:, 0]
    # Each barycenter step averages the series' steps matched to it: of equal series, one
    # of their values; an optimal path is monotone and covers both ends.
    assert barycenter.shape == (10**6, 1)
    assert set(np.unique(steps)) == {0.0, 1.0, 2.0, 3.0}
    assert steps[0] == 0.0 and steps[-1] == 3.0 and (np.diff(steps) >= 0).all()


def test_subgradient_steps_that_worsen_the_start_warn():
    # Steps of 2 overshoot at every step without overflowing: the epochs end far above the
    # starting barycenter's cost. The barycenter returned stays the best epoch's (tslearn's).
    X = np.cumsum(np.random.default_rng(0).normal(size=(6, 20, 1)), axis=1)
    start = X.mean(axis=0)  # equal lengths: the default start is the mean
    with pytest.warns(ConvergenceWarning, match="above twice the starting barycenter's cost"):
        worse = dtw_barycenter_averaging_subgradient(
            X, initial_step_size=2.0, final_step_size=2.0, max_iter=5, random_state=0
        )
    assert sum(dtw(worse, x) ** 2 for x in X) > 2 * sum(dtw(start, x) ** 2 for x in X)
    # Ordinary steps improve on the start, silently (warnings are errors in the tests).
    better = dtw_barycenter_averaging_subgradient(X, max_iter=5, random_state=0)
    assert sum(dtw(better, x) ** 2 for x in X) < sum(dtw(start, x) ** 2 for x in X)
