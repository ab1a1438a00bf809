import copy
import pickle

import numpy as np
import pytest
from conftest import HAS_TORCH

from tswarp.backend import Backend, NumPyBackend, cast, instantiate_backend, select_backend

needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="torch missing")

# The shared namespace: every name below must exist on both backends.
NAMESPACE = """
backend_string bool int8 int16 int32 int64 float32 float64 complex64 complex128 inf nan dbl_max
array asarray zeros ones empty full eye arange zeros_like ones_like copy cast to_numpy from_numpy
abs exp log sqrt floor ceil round isnan isfinite iscomplex
sum mean median nanmean min max argmin argmax all any
reshape stack hstack vstack diag tril triu tril_indices triu_indices shape ndim
cdist pdist pairwise_distances pairwise_euclidean_distances
is_array belongs_to_backend is_float is_float32 is_float64 linalg random testing
""".split()


def as_np(be, x):
    return be.to_numpy(x)


# --- instantiate_backend -------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, expected",
    [
        ((), "numpy"),
        ((None,), "numpy"),
        ((1.0,), "numpy"),
        (([1, 2, 3],), "numpy"),
        (("Hello, World!",), "numpy"),
        (("mytorchthing",), "numpy"),  # names must match exactly, not as substrings
        (("numpy",), "numpy"),
        (("NumPy",), "numpy"),
        ((np.array([0]),), "numpy"),
        ((np.float64(1.0),), "numpy"),
        ((1, None, "Hello, World!"), "numpy"),
    ],
)
def test_instantiate_numpy_cases(args, expected):
    assert instantiate_backend(*args).backend_string == expected


@needs_torch
@pytest.mark.parametrize("name", ["pytorch", "PyTorch", "torch", "TORCH"])
def test_instantiate_pytorch_by_name(name):
    assert instantiate_backend(name).backend_string == "pytorch"


@needs_torch
def test_instantiate_first_deciding_argument_wins():
    import torch

    assert instantiate_backend(1, None, "hi", torch.tensor([0]), "numpy").is_pytorch
    assert instantiate_backend(None, np.zeros(2), torch.zeros(2)).is_numpy
    assert instantiate_backend("numpy", torch.zeros(2)).is_numpy
    assert instantiate_backend([torch.tensor(1.0)]).is_numpy  # a list does not decide
    pytorch = instantiate_backend("pytorch")
    assert instantiate_backend(pytorch, np.zeros(2)) is pytorch


def test_backend_instance_is_returned_as_is():
    be = NumPyBackend()
    assert instantiate_backend(be) is be
    assert instantiate_backend(None, be, "pytorch") is be


def test_backend_constructor_selects_like_instantiate_backend():
    assert isinstance(Backend(), NumPyBackend)
    assert Backend(np.zeros(3)).is_numpy
    assert Backend("anything").is_numpy


@needs_torch
def test_backend_constructor_pytorch():
    from tswarp.backend import PyTorchBackend

    assert isinstance(Backend("pytorch"), PyTorchBackend)
    assert Backend("pytorch").is_pytorch and not Backend("pytorch").is_numpy


def test_backends_compare_copy_and_pickle(be):
    assert be == instantiate_backend(be.backend_string)
    assert hash(be) == hash(instantiate_backend(be.backend_string))
    assert copy.deepcopy(be) == be
    assert pickle.loads(pickle.dumps(be)) == be
    assert be.get_backend() is be
    assert repr(be).endswith("Backend()")


@needs_torch
def test_set_backend_switches_only_that_object():
    import torch

    be = Backend("numpy")
    other = instantiate_backend("numpy")
    be.set_backend("pytorch")
    assert be.is_pytorch and isinstance(be.array([1.0]), torch.Tensor)
    assert other.is_numpy and instantiate_backend("numpy").is_numpy  # nobody else switched
    be.set_backend(np.zeros(2))
    assert be.is_numpy and isinstance(be.array([1.0]), np.ndarray)
    be.set_backend(torch.zeros(2))
    assert be.is_pytorch
    be.set_backend()
    assert be.is_numpy


def test_select_backend_follows_the_data():
    assert select_backend(None).is_numpy
    assert select_backend(np.zeros(2)).is_numpy
    assert select_backend("numpy").is_numpy


@needs_torch
def test_select_backend_pytorch():
    import torch

    assert select_backend("pytorch").is_pytorch
    assert select_backend(torch.zeros(2)).is_pytorch


def test_cast_between_numpy_and_lists():
    x = np.arange(6.0).reshape(2, 3)
    assert cast(x) is x
    assert cast(x, "list") == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    nested = [[1, 2], [3, 4]]
    assert cast(nested, "LIST") is nested
    out = cast(nested, "numpy")
    assert isinstance(out, np.ndarray) and out.tolist() == nested
    assert cast((1, 2), "list") == [1, 2]


@pytest.mark.parametrize("array_type", ["jax", "", None, 3])
def test_cast_rejects_unknown_types(array_type):
    with pytest.raises(ValueError, match="array_type"):
        cast(np.zeros(2), array_type)


@needs_torch
def test_cast_with_tensors():
    import torch

    t = torch.arange(4.0, requires_grad=True)
    assert cast(t, "torch") is t and cast(t, "pytorch") is t
    as_numpy = cast(t)
    assert isinstance(as_numpy, np.ndarray) and as_numpy.tolist() == [0.0, 1.0, 2.0, 3.0]
    as_numpy[0] = 9.0
    assert t[0].item() == 0.0  # a copy, not a view of the tensor
    assert cast(t, "list") == [0.0, 1.0, 2.0, 3.0]
    x = np.ones((2, 2), dtype=np.float32)
    as_tensor = cast(x, "pytorch")
    assert isinstance(as_tensor, torch.Tensor) and as_tensor.dtype == torch.float32
    as_tensor[0, 0] = 5.0
    assert x[0, 0] == 1.0  # a new tensor: the caller's array is untouched


def test_pytorch_without_torch_names_the_extra():
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['torch'] = None\n"
        "from tswarp.backend import instantiate_backend\n"
        "try:\n    instantiate_backend('pytorch')\n"
        "except ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "tswarp[torch]" in out.stdout


# --- the namespace, exercised on each backend ------------------------------------------------


def test_same_names_on_both_backends(be):
    missing = [name for name in NAMESPACE if not hasattr(be, name)]
    assert missing == []
    assert callable(be.linalg.norm) and callable(be.linalg.inv)
    for name in ("rand", "randn", "randint", "normal", "uniform"):
        assert callable(getattr(be.random, name))
    for name in ("assert_allclose", "assert_equal"):
        assert callable(getattr(be.testing, name))


def test_constants(be):
    assert be.inf == float("inf")
    assert be.nan != be.nan
    assert be.dbl_max == np.finfo(np.float64).max


def test_array_dtypes(be):
    mat = be.array([[0, 1], [2, 3]], dtype=float)
    assert be.belongs_to_backend(mat) and be.is_array(mat)
    assert mat.dtype == be.float64
    assert be.array([1, 2]).dtype == be.int64
    assert be.array([1.0], dtype=be.float32).dtype == be.float32
    assert be.array([1.0], dtype=np.float32).dtype == be.float32
    assert be.array([True]).dtype == be.bool
    assert be.array(np.zeros(2, dtype=np.float32)).dtype == be.float32
    assert be.zeros(3, dtype=float).dtype == be.float64
    assert be.cast(be.array([1, 2]), be.float32).dtype == be.float32


def test_array_always_copies(be):
    source = be.array([1.0, 2.0], dtype=float)
    for dtype in (None, float, be.float64):
        copied = be.array(source, dtype=dtype)
        copied[0] = 10.0
        assert float(source[0]) == 1.0
    host = np.array([1.0, 2.0])
    be.array(host)[0] = 5.0
    assert host[0] == 1.0


@needs_torch
def test_numpy_backend_copies_a_tensor_without_warning():
    # NumPy 2 warns when np.array copies an object whose __array__ takes no copy argument, as
    # torch's does; the suite turns that warning into an error.
    import torch

    tensor = torch.tensor([1.0, 2.0], dtype=torch.float64)
    be = NumPyBackend()
    for copied in (be.array(tensor), be.array(tensor, dtype=np.float32), be.copy(tensor)):
        assert isinstance(copied, np.ndarray)
        copied[0] = 10.0
        np.testing.assert_array_equal(copied, [10.0, 2.0])
    assert float(tensor[0]) == 1.0


def test_creation(be):
    np.testing.assert_array_equal(as_np(be, be.zeros((2, 3))), np.zeros((2, 3)))
    np.testing.assert_array_equal(as_np(be, be.ones(2)), np.ones(2))
    assert be.shape(be.empty((4, 1))) == (4, 1)
    np.testing.assert_array_equal(as_np(be, be.full((2, 2), 1.5)), np.full((2, 2), 1.5))
    np.testing.assert_array_equal(as_np(be, be.eye(3)), np.eye(3))
    np.testing.assert_array_equal(as_np(be, be.eye(2, 3)), np.eye(2, 3))
    np.testing.assert_array_equal(as_np(be, be.arange(5)), np.arange(5))
    np.testing.assert_array_equal(as_np(be, be.arange(1, 7, 2)), [1, 3, 5])
    x = be.array([[1.0, 2.0]])
    np.testing.assert_array_equal(as_np(be, be.zeros_like(x)), [[0.0, 0.0]])
    np.testing.assert_array_equal(as_np(be, be.ones_like(x)), [[1.0, 1.0]])
    y = be.copy(x)
    y[0, 0] = 7.0
    assert float(x[0, 0]) == 1.0
    np.testing.assert_array_equal(as_np(be, be.asarray([1.0, 2.0])), [1.0, 2.0])


def test_numpy_round_trip(be):
    host = np.arange(6.0).reshape(2, 3)
    arr = be.from_numpy(host)
    assert be.belongs_to_backend(arr)
    back = be.to_numpy(arr)
    assert isinstance(back, np.ndarray)
    np.testing.assert_array_equal(back, host)


def test_elementwise(be):
    x = be.array([-1.0, 0.25, 4.0], dtype=float)
    np.testing.assert_allclose(as_np(be, be.abs(x)), [1.0, 0.25, 4.0])
    np.testing.assert_allclose(as_np(be, be.exp(x)), np.exp([-1.0, 0.25, 4.0]))
    np.testing.assert_allclose(as_np(be, be.log(be.abs(x))), np.log([1.0, 0.25, 4.0]))
    np.testing.assert_allclose(as_np(be, be.sqrt(be.abs(x))), [1.0, 0.5, 2.0])
    np.testing.assert_array_equal(as_np(be, be.floor(x)), [-1.0, 0.0, 4.0])
    np.testing.assert_array_equal(as_np(be, be.ceil(x)), [-1.0, 1.0, 4.0])
    np.testing.assert_allclose(as_np(be, be.round(be.array([1.234, 5.678]), 1)), [1.2, 5.7])
    y = be.array([1.0, be.nan, be.inf], dtype=float)
    np.testing.assert_array_equal(as_np(be, be.isnan(y)), [False, True, False])
    np.testing.assert_array_equal(as_np(be, be.isfinite(y)), [True, False, False])
    z = be.array([1 + 0j, 1 + 2j])
    np.testing.assert_array_equal(as_np(be, be.iscomplex(z)), [False, True])
    np.testing.assert_array_equal(as_np(be, be.iscomplex(x)), [False, False, False])


def test_reductions_follow_numpy(be):
    data = np.array([[3.0, 1.0, 2.0], [6.0, 5.0, 4.0]])
    x = be.array(data)
    for name in ("sum", "mean", "median", "min", "max", "argmin", "argmax"):
        fn, ref = getattr(be, name), getattr(np, name)
        np.testing.assert_allclose(as_np(be, fn(x)), ref(data), err_msg=name)
        for axis in (0, 1):
            np.testing.assert_allclose(as_np(be, fn(x, axis=axis)), ref(data, axis=axis))
            kept = fn(x, axis=axis, keepdims=True)
            assert be.shape(kept) == ref(data, axis=axis, keepdims=True).shape
        assert be.shape(fn(x, keepdims=True)) == (1, 1)
    np.testing.assert_allclose(as_np(be, be.sum(x, axis=(0, 1))), data.sum())
    # NumPy's median averages the two middle values (torch's own returns the lower one).
    assert float(be.median(be.array([1.0, 2.0, 3.0, 4.0]))) == 2.5
    with_nan = be.array([1.0, be.nan, 3.0])
    assert float(be.nanmean(with_nan)) == 2.0


def test_all_any(be):
    x = be.array([[True, False], [True, True]])
    assert bool(be.all(x)) is False and bool(be.any(x)) is True
    np.testing.assert_array_equal(as_np(be, be.all(x, axis=0)), [True, False])
    np.testing.assert_array_equal(as_np(be, be.any(x, axis=1)), [True, True])
    assert bool(be.all(be.ones((2, 2, 2)), axis=(0, 1)).all())


def test_shape_ops(be):
    x = be.arange(6)
    y = be.reshape(x, (2, 3))
    assert be.shape(y) == (2, 3) and be.ndim(y) == 2
    assert be.shape(be.stack([y, y])) == (2, 2, 3)
    assert be.shape(be.stack([y, y], axis=2)) == (2, 3, 2)
    assert be.shape(be.hstack([y, y])) == (2, 6)
    assert be.shape(be.vstack([y, y])) == (4, 3)
    np.testing.assert_array_equal(as_np(be, be.diag(be.array([1, 2]))), np.diag([1, 2]))
    square = be.reshape(be.arange(9), (3, 3))
    ref = np.arange(9).reshape(3, 3)
    np.testing.assert_array_equal(as_np(be, be.diag(square)), np.diag(ref))
    np.testing.assert_array_equal(as_np(be, be.tril(square)), np.tril(ref))
    np.testing.assert_array_equal(as_np(be, be.triu(square, 1)), np.triu(ref, 1))
    for got, want in zip(be.tril_indices(3), np.tril_indices(3), strict=True):
        np.testing.assert_array_equal(as_np(be, got), want)
    for got, want in zip(be.triu_indices(3, 1, 4), np.triu_indices(3, 1, 4), strict=True):
        np.testing.assert_array_equal(as_np(be, got), want)


def test_predicates(be):
    x64, x32 = be.array([1.0], dtype=be.float64), be.array([1.0], dtype=be.float32)
    assert be.is_float(x64) and be.is_float(1.0)
    assert not be.is_float(1) and not be.is_float(be.array([1]))
    assert be.is_float64(x64) and not be.is_float64(x32)
    assert be.is_float32(x32) and not be.is_float32(x64)
    assert not be.is_array([1.0]) and not be.belongs_to_backend(1.0)


def test_distances(be, rng):
    a, b = rng.normal(size=(4, 3)), rng.normal(size=(5, 3))
    x, y = be.array(a), be.array(b)
    diff = a[:, None, :] - b[None, :, :]
    expected = {
        "euclidean": np.sqrt((diff**2).sum(-1)),
        "sqeuclidean": (diff**2).sum(-1),
        "cityblock": np.abs(diff).sum(-1),
        "chebyshev": np.abs(diff).max(-1),
    }
    for metric, want in expected.items():
        np.testing.assert_allclose(as_np(be, be.cdist(x, y, metric)), want, rtol=1e-12)
    np.testing.assert_allclose(
        as_np(be, be.cdist(x, y, "minkowski", p=3)), (np.abs(diff) ** 3).sum(-1) ** (1 / 3)
    )
    rows, cols = np.triu_indices(4, 1)
    own = np.sqrt(((a[:, None] - a[None]) ** 2).sum(-1))
    np.testing.assert_allclose(as_np(be, be.pdist(x)), own[rows, cols], rtol=1e-12)
    np.testing.assert_allclose(as_np(be, be.pairwise_distances(x)), own, atol=1e-12)
    np.testing.assert_allclose(
        as_np(be, be.pairwise_euclidean_distances(x, y, squared=True)), expected["sqeuclidean"]
    )

    def l1(u, v):
        return be.sum(be.abs(u - v))

    np.testing.assert_allclose(
        as_np(be, be.pairwise_distances(x, y, metric=l1)), expected["cityblock"], rtol=1e-12
    )
    with pytest.raises(ValueError, match="metric must be one of"):
        be.cdist(x, y, "cosine")
    with pytest.raises(ValueError, match="x must be 2-D"):
        be.cdist(be.array([1.0, 2.0]), y)


def test_linalg(be):
    mat = be.array([[0, 1], [2, 3]], dtype=float)
    assert float(be.linalg.norm(mat)) == pytest.approx(np.sqrt(14))
    np.testing.assert_allclose(as_np(be, be.linalg.norm(mat, axis=1)), [1.0, np.sqrt(13)])
    np.testing.assert_allclose(as_np(be, be.linalg.inv(mat)), np.linalg.inv([[0, 1], [2, 3]]))


def test_random_is_seeded_by_generator(be):
    for name, args in [("rand", (3, 2)), ("randn", (4,))]:
        fn = getattr(be.random, name)
        first, again = fn(*args, generator=7), fn(*args, generator=7)
        assert be.shape(first) == args
        be.testing.assert_equal(first, again)
    draws = as_np(be, be.random.randint(2, 5, size=(50,), generator=1))
    assert draws.min() >= 2 and draws.max() < 5
    assert as_np(be, be.random.randint(3, size=10, generator=1)).max() < 3
    uniform = as_np(be, be.random.uniform(-1.0, 1.0, size=100, generator=3))
    assert uniform.min() >= -1.0 and uniform.max() < 1.0
    assert be.shape(be.random.normal(2.0, 0.5, size=(3,), generator=3)) == (3,)
    with pytest.raises(ValueError, match="low < high"):
        be.random.uniform(1.0, 1.0)


def test_testing_asserts_raise_on_mismatch(be):
    x = be.array([1.0, 2.0])
    be.testing.assert_allclose(x, be.array([1.0, 2.0 + 1e-12]))
    with pytest.raises(AssertionError):
        be.testing.assert_allclose(x, be.array([1.0, 2.1]))
    with pytest.raises(AssertionError):
        be.testing.assert_equal(x, be.array([1.0, 3.0]))
    be.testing.assert_allclose(x, be.array([1.0, 2.1]), atol=0.2)


@needs_torch
def test_pytorch_specific_dtype_rules():
    import torch

    be = instantiate_backend("pytorch")
    mat = be.array([[0, 1], [2, 3]], dtype=float)
    assert mat.dtype == torch.float64
    assert str(be.linalg.norm(mat)) == "tensor(3.7417, dtype=torch.float64)"
    assert be.zeros((2, 2)).dtype == torch.get_default_dtype()
    assert be.full((2, 2), False).dtype == torch.bool
    leaf = torch.ones(3, requires_grad=True)
    stacked = be.array([leaf[0], leaf[1]])
    stacked.sum().backward()
    assert leaf.grad.tolist() == [1.0, 1.0, 0.0]
