import math

import numpy as np
import pytest
from oracles import squared_costs

from tswarp.metrics import dtw, lb_envelope, lb_keogh


def envelope_naive(ts, radius):
    """Envelope by slicing the clipped window at every step."""
    x = np.asarray(ts).reshape(len(ts), -1)
    sz = len(x)
    down = np.array(
        [x[max(0, i - radius) : min(sz, i + radius + 1)].min(axis=0) for i in range(sz)]
    )
    up = np.array([x[max(0, i - radius) : min(sz, i + radius + 1)].max(axis=0) for i in range(sz)])
    return down, up


def lb_keogh_naive(query, down, up):
    """Sum, step by step and feature by feature, of the squared excursions outside the envelope."""
    q = np.asarray(query, dtype=np.float64).reshape(len(query), -1)
    total = 0.0
    for i in range(q.shape[0]):
        for k in range(q.shape[1]):
            if q[i, k] > up[i, k]:
                total += (q[i, k] - up[i, k]) ** 2
            elif q[i, k] < down[i, k]:
                total += (down[i, k] - q[i, k]) ** 2
    return math.sqrt(total)


def dtw_band_naive(x, y, radius):
    """DTW of equal-length series over the cells |i - j| <= radius only."""
    cost = squared_costs(x, y)
    n, m = cost.shape
    acc = np.full((n + 1, m + 1), np.inf)
    acc[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(max(1, i - radius), min(m, i + radius) + 1):
            acc[i, j] = cost[i - 1, j - 1] + min(acc[i - 1, j - 1], acc[i - 1, j], acc[i, j - 1])
    return float(np.sqrt(acc[n, m]))


# --- lb_envelope ---


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1,), (2,), (17,), (40, 1), (25, 3), (8, 6)])
@pytest.mark.parametrize("radius", [0, 1, 2, 5, 24, 39, 40, 1000])
def test_envelope_matches_naive_windows(rng, dtype, shape, radius):
    x = rng.normal(size=shape).astype(dtype)
    down, up = lb_envelope(x, radius=radius)
    want_down, want_up = envelope_naive(x, radius)
    assert down.shape == up.shape == (shape[0], 1 if len(shape) == 1 else shape[1])
    assert down.dtype == up.dtype == dtype
    np.testing.assert_array_equal(down, want_down)
    np.testing.assert_array_equal(up, want_up)


def test_envelope_with_ties_and_monotone_runs(rng):
    # Repeated values and long monotone stretches exercise the queue's pop rules.
    series = [
        np.repeat([3.0, 1.0, 3.0, 2.0, 2.0], 4),
        np.arange(30.0),
        np.arange(30.0)[::-1].copy(),
        rng.integers(0, 3, size=50).astype(np.float64),
    ]
    for x in series:
        for radius in (0, 1, 3, 7, len(x)):
            down, up = lb_envelope(x, radius=radius)
            want_down, want_up = envelope_naive(x, radius)
            np.testing.assert_array_equal(down, want_down)
            np.testing.assert_array_equal(up, want_up)


def test_envelope_of_radius_zero_and_large_radius(rng):
    x = rng.normal(size=(12, 2))
    down, up = lb_envelope(x, radius=0)
    np.testing.assert_array_equal(down, x)
    np.testing.assert_array_equal(up, x)
    down, up = lb_envelope(x, radius=11)
    np.testing.assert_array_equal(down, np.broadcast_to(x.min(axis=0), x.shape))
    np.testing.assert_array_equal(up, np.broadcast_to(x.max(axis=0), x.shape))


def test_envelope_default_radius_is_one():
    down, up = lb_envelope([4.0, 1.0, 3.0, 5.0, 2.0])
    np.testing.assert_array_equal(down.ravel(), [1, 1, 1, 2, 2])
    np.testing.assert_array_equal(up.ravel(), [4, 4, 5, 5, 5])


def test_envelope_input_forms_and_dtypes(rng):
    x = rng.normal(size=9)
    want = lb_envelope(x, radius=2)
    for same in (x[:, None], list(x), np.vstack([x[:, None], np.full((3, 1), np.nan)])):
        for got, expected in zip(lb_envelope(same, radius=2), want, strict=True):
            np.testing.assert_array_equal(got, expected)
    ints = lb_envelope(np.array([3, 1, 2], dtype=np.int32), radius=np.int64(1))
    assert all(env.dtype == np.float64 for env in ints)
    np.testing.assert_array_equal(ints[0].ravel(), [1, 1, 1])
    halves = lb_envelope(x.astype(np.float16), radius=1)
    assert all(env.dtype == np.float64 for env in halves)


def test_envelope_does_not_modify_or_alias_input(rng):
    x = rng.normal(size=(15, 2))
    copy = x.copy()
    down, up = lb_envelope(x, radius=0)
    np.testing.assert_array_equal(x, copy)
    assert not np.shares_memory(down, x) and not np.shares_memory(up, x)
    frozen = x[::-1]  # read-only and not contiguous
    frozen.flags.writeable = False
    np.testing.assert_array_equal(lb_envelope(frozen, radius=3)[0], envelope_naive(frozen, 3)[0])


# --- lb_keogh ---


@pytest.mark.parametrize("d", [1, 2, 4])
@pytest.mark.parametrize("radius", [0, 1, 3, 50])
def test_keogh_matches_naive_formula(rng, d, radius):
    for _ in range(10):
        sz = int(rng.integers(1, 30))
        q, c = rng.normal(size=(sz, d)), rng.normal(size=(sz, d))
        down, up = envelope_naive(c, radius)
        want = lb_keogh_naive(q, down, up)
        assert lb_keogh(q, c, radius=radius) == pytest.approx(want, rel=1e-12, abs=1e-15)
        got = lb_keogh(q, envelope_candidate=(down, up), radius=radius)
        assert got == pytest.approx(want, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("d", [1, 3])
def test_keogh_is_a_lower_bound_of_banded_dtw(rng, d):
    for _ in range(60):
        sz = int(rng.integers(1, 25))
        radius = int(rng.integers(0, sz + 2))
        q = rng.normal(size=(sz, d))
        c = rng.normal(size=(sz, d)) + rng.normal(scale=0.5)  # offsets make the bound bite
        banded = dtw_band_naive(q, c, radius)
        assert lb_keogh(q, c, radius=radius) <= banded + 1e-12
        assert lb_keogh(c, q, radius=radius) <= banded + 1e-12


def test_keogh_with_full_radius_bounds_unconstrained_dtw(rng):
    for _ in range(20):
        sz = int(rng.integers(1, 20))
        q, c = rng.normal(size=(sz, 2)), rng.normal(size=(sz, 2))
        assert lb_keogh(q, c, radius=sz) <= dtw(q, c) + 1e-12


def test_keogh_known_values_and_type():
    # Envelope of [1, 2, 1, 2] at radius 1 is [1, 2] everywhere.
    value = lb_keogh([0, 0, 4, 0], [1, 2, 1, 2], radius=1)
    assert type(value) is float
    assert value == math.sqrt(7)
    assert lb_keogh([1.5, 2.0], [1.0, 2.0], radius=1) == 0.0
    assert lb_keogh([1.5, 2.0], [1.0, 2.0], radius=0) == 0.5
    f32 = np.array([0.0, 3.0], dtype=np.float32)
    assert type(lb_keogh(f32, f32 + 1, radius=0)) is float


def test_keogh_envelope_argument_forms(rng):
    q, c = rng.normal(size=10), rng.normal(size=10)
    want = lb_keogh(q, c, radius=2)
    down, up = lb_envelope(c, radius=2)
    assert lb_keogh(q, envelope_candidate=(down, up)) == want
    assert lb_keogh(q, envelope_candidate=[down.ravel(), up.ravel()]) == want
    assert lb_keogh(q, envelope_candidate=np.stack([down, up])) == want
    assert lb_keogh(list(q), ts_candidate=list(c), radius=2) == want
    # The float32 envelope holds float32 values exactly; only the float64 sum rounds.
    q32, c32 = q.astype(np.float32), c.astype(np.float32)
    exact = lb_keogh_naive(q32, *envelope_naive(c32.astype(np.float64), 2))
    assert lb_keogh(q32, c32, radius=2) == pytest.approx(exact, rel=1e-12)


def test_keogh_does_not_modify_inputs(rng):
    q, c = rng.normal(size=(8, 2)), rng.normal(size=(8, 2))
    down, up = lb_envelope(c, radius=1)
    saved = [a.copy() for a in (q, c, down, up)]
    lb_keogh(q, c, radius=1)
    lb_keogh(q, envelope_candidate=(down, up))
    for before, after in zip(saved, (q, c, down, up), strict=True):
        np.testing.assert_array_equal(before, after)


# --- errors ---


@pytest.mark.parametrize("radius", [-1, 1.5, -0.5])
def test_bad_radius_value(radius):
    with pytest.raises(ValueError, match=r"radius must be a whole number >= 0"):
        lb_envelope([1.0, 2.0], radius=radius)
    with pytest.raises(ValueError, match=r"radius must be a whole number >= 0"):
        lb_keogh([1.0, 2.0], [1.0, 2.0], radius=radius)


@pytest.mark.parametrize("radius", ["2", None, True, False, np.nan])
def test_bad_radius_type(radius):
    with pytest.raises(TypeError, match=r"radius must be a real number"):
        lb_envelope([1.0, 2.0], radius=radius)


@pytest.mark.parametrize("radius", [2.0, np.float64(1.0), np.int64(3)])
def test_whole_float_radius_accepted(radius):
    down, _ = lb_envelope([1.0, 2.0, 0.0, 5.0], radius=radius)
    np.testing.assert_array_equal(down, lb_envelope([1.0, 2.0, 0.0, 5.0], radius=int(radius))[0])


@pytest.mark.parametrize(
    "ts, message",
    [
        (np.zeros((2, 2, 2)), "ts must be a time series of shape"),
        (np.float64(1.0), "ts must be a time series of shape"),
        ([], "ts is empty or all NaN"),
        ([np.nan, np.nan], "ts is empty or all NaN"),
        ([1.0, np.nan, 2.0], "ts has a NaN or infinite value at time step 1"),
    ],
)
def test_envelope_bad_series(ts, message):
    with pytest.raises(ValueError, match=message):
        lb_envelope(ts)


def test_envelope_non_real_series():
    with pytest.raises(TypeError, match="ts must hold real numbers"):
        lb_envelope(np.array([1 + 1j, 2]))


def test_keogh_needs_exactly_one_candidate():
    message = "give exactly one of ts_candidate and envelope_candidate, got "
    with pytest.raises(ValueError, match=message + "neither"):
        lb_keogh([1.0, 2.0])
    both = dict(ts_candidate=[1.0, 2.0], envelope_candidate=lb_envelope([1.0, 2.0]))
    with pytest.raises(ValueError, match=message + "both"):
        lb_keogh([1.0, 2.0], **both)


@pytest.mark.parametrize(
    "query, kwargs, message",
    [
        ([1.0, 2.0, 3.0], {"ts_candidate": [1.0, 2.0]}, r"length 3 for ts_query and length 2"),
        (
            [1.0, 2.0],
            {"envelope_candidate": ([1.0, 1.0, 2.0, 3.0], [2.0, 3.0, 4.0, 4.0])},
            r"length 2 for ts_query and length 4",
        ),
        (np.zeros((3, 2)), {"ts_candidate": np.zeros((3, 3))}, r"d=2 for ts_query and d=3"),
        ([1.0, np.nan, 1.0], {"ts_candidate": [1.0, 2.0, 3.0]}, "ts_query has a NaN"),
        ([1.0, 2.0], {"ts_candidate": [np.inf, 2.0]}, "ts_candidate has a NaN or infinite"),
        ([1.0, 2.0], {"ts_candidate": np.zeros((2, 2, 1))}, "ts_candidate must be a time series"),
        ([1.0, 2.0], {"envelope_candidate": [1.0, 2.0, 3.0]}, "must be a pair"),
        ([1.0, 2.0], {"envelope_candidate": 3.0}, "must be a pair"),
        (
            [1.0, 2.0],
            {"envelope_candidate": ([1.0, 2.0], [1.0, 2.0, 3.0])},
            r"same shape, got \(2, 1\) and \(3, 1\)",
        ),
        (
            [1.0, 2.0],
            {"envelope_candidate": ([0.0, 3.0], [1.0, 2.0])},
            r"lower envelope \(first\) is above its upper envelope \(second\) at time step 1",
        ),
        ([1.0, 2.0], {"envelope_candidate": ([], [1.0])}, r"envelope_candidate\[0\] is empty"),
    ],
)
def test_keogh_bad_input(query, kwargs, message):
    with pytest.raises(ValueError, match=message):
        lb_keogh(query, **kwargs)


# --- torch ---


@pytest.mark.torch
@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
def test_torch_input_gives_torch_envelopes(rng, dtype_name):
    torch = pytest.importorskip("torch")
    dtype = getattr(torch, dtype_name)
    x = rng.normal(size=(11, 2))
    ts = torch.tensor(x, dtype=dtype, requires_grad=True)
    down, up = lb_envelope(ts, radius=2)
    want_down, want_up = envelope_naive(x.astype(dtype_name), 2)
    for got, want in ((down, want_down), (up, want_up)):
        assert isinstance(got, torch.Tensor)
        assert got.dtype == dtype and got.device == ts.device and not got.requires_grad
        np.testing.assert_array_equal(got.numpy(), want)
    # An int tensor or an explicit backend choice: float64 tensors, or NumPy on request.
    ints = lb_envelope(torch.tensor([3, 1, 2]), radius=1)
    assert ints[0].dtype == torch.float64
    assert isinstance(lb_envelope([1.0, 2.0], be="pytorch")[0], torch.Tensor)
    assert isinstance(lb_envelope(ts, be="numpy")[0], np.ndarray)
    # lb_keogh reads tensors (and their envelopes) and returns a Python float.
    q = torch.tensor(rng.normal(size=(11, 2)), dtype=dtype)
    value = lb_keogh(q, ts, radius=2)
    assert type(value) is float
    assert value == lb_keogh(q, envelope_candidate=(down, up))
    assert value == pytest.approx(lb_keogh_naive(q.numpy(), want_down, want_up), rel=1e-12)
