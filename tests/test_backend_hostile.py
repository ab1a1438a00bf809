"""Both backends on hostile inputs: NaN and inf, empty and 0-d arrays, integer and boolean
dtypes, float32, views and huge values. NumPy's own functions are the oracle; where torch
would compute in its default float dtype, values are compared, not dtypes."""

import numpy as np
import pytest
from conftest import HAS_TORCH

from tswarp.backend import instantiate_backend

needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="torch missing")


@pytest.fixture
def torch_warns_always():
    """torch warns of a read-only array once per process: every time, for this test."""
    torch = pytest.importorskip("torch")
    previous = torch.is_warn_always_enabled()
    torch.set_warn_always(True)
    yield
    torch.set_warn_always(previous)


def same(be, got, want, rtol=1e-6):
    np.testing.assert_allclose(be.to_numpy(got), want, rtol=rtol, equal_nan=True)
    assert be.shape(got) == np.shape(want)


# --- median ----------------------------------------------------------------------------------


def test_median_is_nan_wherever_a_value_is_nan(be):
    data = np.array([[3.0, np.nan, 1.0], [1.0, 2.0, 3.0], [5.0, 4.0, np.inf]])
    for x in (data, data.T):  # the transpose: a strided view
        for axis in (None, 0, 1, -1):
            want = np.median(x, axis=axis)
            same(be, be.median(be.from_numpy(x), axis=axis), want)
            kept = be.median(be.from_numpy(x), axis=axis, keepdims=True)
            same(be, kept, np.median(x, axis=axis, keepdims=True))
    assert np.isnan(float(be.median(be.array([np.nan, 1.0, 2.0, 3.0]))))


@pytest.mark.parametrize(
    "shape, axis", [((0,), None), ((0,), 0), ((0, 3), None), ((0, 3), 0), ((2, 0), 1)]
)
def test_median_of_an_empty_slice_is_nan_and_warns(be, shape, axis):
    x = np.zeros(shape)
    with pytest.warns(RuntimeWarning):
        want = np.median(x, axis=axis)
    with pytest.warns(RuntimeWarning) as record:
        got = be.median(be.from_numpy(x), axis=axis)
    assert any("empty slice" in str(w.message) for w in record)
    same(be, got, want)


def test_median_of_empty_results_does_not_warn(be):
    # No slice at all (zero rows of three values), so none is empty.
    got = be.median(be.from_numpy(np.zeros((0, 3))), axis=1)
    assert be.shape(got) == (0,)


@pytest.mark.parametrize(
    "values",
    [
        np.array([100, 120, -128], dtype=np.int8),  # 100 + 100 overflows int8
        np.array([7, 1, 4, 2]),
        np.array([True, False, True]),  # True + True is True for booleans
        np.array([True, False]),
        np.array([1e308, 1e308, -1e308]),  # 1e308 + 1e308 overflows float64
        np.array([1.5, -2.5, 0.25], dtype=np.float32),
        np.array(2.5),  # 0-d
        np.array([np.inf, np.inf, 1.0]),  # inf, not inf - inf
    ],
    ids=["int8", "int64", "bool-odd", "bool-even", "huge", "float32", "0d", "inf"],
)
def test_median_of_hostile_values_equals_numpy(be, values):
    same(be, be.median(be.from_numpy(values)), np.median(values))


def test_median_keeps_float32(be):
    x = be.from_numpy(np.array([3.0, 1.0, 2.0, 4.0], dtype=np.float32))
    assert be.median(x).dtype == be.float32


# --- elementwise -----------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64])
@pytest.mark.parametrize("decimals", [0, 2, -1, -2])
def test_round_of_integers_equals_numpy(be, dtype, decimals):
    x = np.array([0, 5, 15, 25, -7, -15, 99, 121], dtype=dtype)  # no int8 overflow
    got = be.round(be.from_numpy(x), decimals)
    want = np.round(x, decimals)
    assert str(be.to_numpy(got).dtype) == str(want.dtype)
    np.testing.assert_array_equal(be.to_numpy(got), want)


def test_round_of_a_0d_integer_and_of_floats(be):
    np.testing.assert_array_equal(be.to_numpy(be.round(be.from_numpy(np.array(37)), -1)), 40)
    x = np.array([0.5, 1.5, 2.5, -2.5, 15.0, 25.0, np.nan, np.inf])
    for decimals in (0, 1, -1):
        same(be, be.round(be.from_numpy(x), decimals), np.round(x, decimals))


@pytest.mark.parametrize("name", ["abs", "floor", "ceil", "round"])
def test_booleans_are_whole_already(be, name):
    x = np.array([True, False, True])
    got = getattr(be, name)(be.from_numpy(x))
    np.testing.assert_array_equal(be.to_numpy(got), getattr(np, name)(x))


# --- reductions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [np.array([[1, 5], [12, -7]]), np.array([[100, 120], [-128, 3]], dtype=np.int8)],
    ids=["int64", "int8"],
)
@pytest.mark.parametrize("name", ["mean", "nanmean"])
def test_means_of_integers_equal_numpy(be, values, name):
    fn, ref = getattr(be, name), getattr(np, name)
    x = be.from_numpy(values)
    same(be, fn(x), ref(values))
    same(be, fn(x, axis=0), ref(values, axis=0))
    same(be, fn(x, axis=1, keepdims=True), ref(values, axis=1, keepdims=True))


def test_means_of_booleans_equal_numpy(be):
    x = np.array([True, False, True])
    same(be, be.mean(be.from_numpy(x)), np.mean(x))
    same(be, be.nanmean(be.from_numpy(x)), np.nanmean(x))


@pytest.mark.parametrize("name", ["argmin", "argmax"])
def test_argmin_argmax_of_booleans(be, name):
    x = np.array([[True, False, True], [False, False, True]])
    for axis in (None, 0, 1):
        got = getattr(be, name)(be.from_numpy(x), axis=axis)
        np.testing.assert_array_equal(be.to_numpy(got), getattr(np, name)(x, axis=axis))


def test_norm_of_integers_and_booleans(be):
    for x in (np.array([[3, -4], [12, 5]]), np.array([True, False, True])):
        same(be, be.linalg.norm(be.from_numpy(x)), np.linalg.norm(x))
    x = np.array([[3, -4], [12, 5]], dtype=np.int32)
    same(be, be.linalg.norm(be.from_numpy(x), axis=1), np.linalg.norm(x, axis=1))


# --- distances -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "metric", ["euclidean", "sqeuclidean", "cityblock", "chebyshev", "minkowski"]
)
def test_distances_of_integers(be, metric):
    a, b = np.array([[1, 2], [4, 8], [0, -3]]), np.array([[5, 5], [-1, 0]])
    numpy_be = instantiate_backend("numpy")
    want = numpy_be.cdist(a.astype(float), b.astype(float), metric)
    same(be, be.cdist(be.from_numpy(a), be.from_numpy(b), metric), want)
    same(be, be.pdist(be.from_numpy(a), metric), numpy_be.pdist(a.astype(float), metric))


def test_distances_of_float32_and_float64_together(be):
    a = np.array([[1.0, 2.0], [3.0, 5.0]], dtype=np.float32)
    b = np.array([[0.5, 0.25]])
    got = be.cdist(be.from_numpy(a), be.from_numpy(b))
    assert be.is_float64(got)
    same(be, got, np.sqrt(((a[:, None] - b[None]) ** 2).sum(-1)))


@pytest.mark.parametrize("metric", ["chebyshev", "euclidean", "cityblock"])
def test_distances_keep_nan(be, metric):
    a = np.array([[np.nan, 1.0], [2.0, 3.0]])
    got = be.to_numpy(be.cdist(be.from_numpy(a), be.from_numpy(a), metric))
    np.testing.assert_array_equal(np.isnan(got), [[True, True], [True, False]])
    assert np.isnan(be.to_numpy(be.pdist(be.from_numpy(a), metric))).all()


# --- creation and conversion -----------------------------------------------------------------


def test_arange_of_an_empty_range(be):
    for args in [(5, 2), (0, 5, -1), (2.0, 1.0, 0.5), (3, 3)]:
        got = be.arange(*args)
        assert be.shape(got) == (0,), args
    np.testing.assert_array_equal(be.to_numpy(be.arange(5, 0, -2)), [5, 3, 1])


def test_shapes_given_as_numpy_integers(be):
    n = np.int64(3)
    assert be.shape(be.full(n, 1.5)) == (3,)
    assert be.shape(be.zeros(n)) == (3,)
    assert be.shape(be.reshape(be.arange(6), (np.int64(2), n))) == (2, 3)
    assert be.shape(be.reshape(be.arange(6), np.int64(6))) == (6,)


@pytest.mark.parametrize(
    "host",
    [
        np.arange(6.0)[::-1],  # a negative stride
        np.arange(6.0).reshape(2, 3)[:, ::-2],
        np.arange(6.0).astype(">f8"),  # big-endian
        np.broadcast_to(np.arange(3.0), (2, 3)),  # read-only, zero stride
    ],
    ids=["reversed", "reversed-2d", "big-endian", "read-only"],
)
def test_numpy_arrays_torch_cannot_share(be, host, request):
    if be.is_pytorch:
        request.getfixturevalue("torch_warns_always")
    for name in ("array", "asarray", "from_numpy", "copy"):
        got = getattr(be, name)(host)
        np.testing.assert_array_equal(be.to_numpy(got), host, err_msg=name)
        assert be.belongs_to_backend(got)
    same(be, be.cast(host, be.float32), host.astype(np.float32))
    same(be, be.sum(host), host.sum())
    same(be, be.median(host), np.median(host))


@needs_torch
def test_the_numpy_backend_takes_tensors_that_require_grad():
    import torch

    be = instantiate_backend("numpy")
    tensor = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    for name in ("array", "asarray", "copy", "to_numpy"):
        got = getattr(be, name)(tensor)
        assert isinstance(got, np.ndarray), name
        np.testing.assert_array_equal(got, [1.0, 2.0])
    assert be.cast(tensor, np.float32).dtype == np.float32
    copied = be.array(tensor)
    copied[0] = 9.0
    assert tensor[0].item() == 1.0


# --- empty and all-NaN means, tuple axes, vectors as matrices --------------------------------


@pytest.mark.parametrize(
    "name, values, axis",
    [
        ("mean", np.zeros(0), None),
        ("mean", np.zeros((0, 3)), 0),
        ("mean", np.zeros(0, dtype=np.int64), None),
        ("nanmean", np.zeros(0), None),
        ("nanmean", np.full(3, np.nan), None),
        ("nanmean", np.array([[np.nan, 1.0], [np.nan, 2.0]]), 0),
        ("nanmean", np.zeros((0, 3)), 0),
    ],
    ids=[
        "mean-empty",
        "mean-empty-rows",
        "mean-empty-int",
        "nanmean-empty",
        "nanmean-all-nan",
        "nanmean-nan-column",
        "nanmean-empty-rows",
    ],
)
def test_means_of_empty_or_all_nan_slices_warn_as_numpy(be, name, values, axis):
    with pytest.warns(RuntimeWarning):
        want = getattr(np, name)(values, axis=axis)
    with pytest.warns(RuntimeWarning) as record:
        got = getattr(be, name)(be.from_numpy(values), axis=axis)
    assert any("empty slice" in str(w.message) for w in record)
    same(be, got, want)


@pytest.mark.parametrize("name", ["mean", "nanmean"])
def test_means_with_no_slices_at_all_do_not_warn(be, name):
    # Zero rows of three values: no slice is empty, there are none.
    got = getattr(be, name)(be.from_numpy(np.zeros((0, 3))), axis=1)
    assert be.shape(got) == (0,)
    same(be, be.nanmean(be.from_numpy(np.array([np.nan, 1.0, 3.0]))), 2.0)


@pytest.mark.parametrize("axis", [(0, 2), (2, 0), (-1, 1), (0, 1, 2), (1,), ()])
@pytest.mark.parametrize("keepdims", [False, True])
def test_median_over_a_tuple_of_axes_equals_numpy(be, axis, keepdims, rng):
    x = rng.standard_normal((2, 3, 4))
    x[1, 2, 3] = np.nan
    want = np.median(x, axis=axis, keepdims=keepdims)
    same(be, be.median(be.from_numpy(x), axis=axis, keepdims=keepdims), want)


def test_median_over_a_tuple_with_an_empty_axis_warns(be):
    x = np.zeros((2, 0, 3))
    with pytest.warns(RuntimeWarning):
        want = np.median(x, axis=(0, 1))
    with pytest.warns(RuntimeWarning) as record:
        got = be.median(be.from_numpy(x), axis=(0, 1))
    assert any("empty slice" in str(w.message) for w in record)
    same(be, got, want)


@pytest.mark.parametrize("name", ["tril", "triu"])
@pytest.mark.parametrize("k", [-1, 0, 1])
def test_tril_triu_of_a_vector_equal_numpy(be, name, k):
    v = np.array([1.0, 2.0, 3.0])
    want = getattr(np, name)(v, k)  # the vector as each row of a 3 x 3 matrix
    same(be, getattr(be, name)(be.from_numpy(v), k), want)


@pytest.mark.parametrize("shapes", [((0, 2), (3, 2)), ((2, 2), (0, 2)), ((0, 2), None)])
def test_pairwise_distances_with_a_callable_on_no_rows(be, shapes):
    x_shape, y_shape = shapes
    x = be.from_numpy(np.zeros(x_shape))
    y = None if y_shape is None else be.from_numpy(np.zeros(y_shape))
    got = be.pairwise_distances(x, y, metric=lambda a, b: float(np.abs(a - b).sum()))
    assert be.shape(got) == (x_shape[0], (y_shape or x_shape)[0])
