"""The NumPy backend: NumPy's own functions under the shared backend names."""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np

from tswarp.backend._base import Backend, _is_torch_tensor

if TYPE_CHECKING:
    import builtins
    from collections.abc import Callable

    from numpy.typing import DTypeLike

    from tswarp._typing import ArrayLike

_DISTANCE_METRICS = ("euclidean", "sqeuclidean", "cityblock", "chebyshev", "minkowski")


def check_distance_metric(metric, p):
    """Validate a distance name shared by both backends; return the Minkowski order."""
    if metric not in _DISTANCE_METRICS:
        raise ValueError(
            f"metric must be one of {_DISTANCE_METRICS} or a callable, got {metric!r}"
        )
    if metric == "minkowski":
        p = 2.0 if p is None else float(p)
        if not p >= 1:
            raise ValueError(f"p must be >= 1 for the minkowski metric, got {p}")
        return p
    return {"euclidean": 2.0, "sqeuclidean": 2.0, "cityblock": 1.0, "chebyshev": np.inf}[metric]


def check_two_dimensional(x, name):
    if x.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_samples, n_features), got shape {tuple(x.shape)}")


def _cdist(
    x: ArrayLike, y: ArrayLike, metric: str = "euclidean", p: float | None = None
) -> np.ndarray:
    x, y = np.asarray(x), np.asarray(y)
    check_two_dimensional(x, "x")
    check_two_dimensional(y, "y")
    order = check_distance_metric(metric, p)
    diff = np.abs(x[:, None, :] - y[None, :, :])
    if order == np.inf:
        return diff.max(axis=-1)
    if metric == "sqeuclidean":
        return (diff**2).sum(axis=-1)
    return (diff**order).sum(axis=-1) ** (1.0 / order)


def _pdist(x: ArrayLike, metric: str = "euclidean", p: float | None = None) -> np.ndarray:
    """Condensed distances (upper triangle, row by row), as SciPy's ``pdist``."""
    x = np.asarray(x)
    check_two_dimensional(x, "x")
    rows, cols = np.triu_indices(x.shape[0], k=1)
    return _cdist(x, x, metric, p)[rows, cols]


def _pairwise_distances(
    X: ArrayLike,
    Y: ArrayLike | None = None,
    metric: str | Callable[..., float] = "euclidean",
    **kwds: Any,
) -> np.ndarray:
    Y = X if Y is None else Y
    if callable(metric):
        X, Y = np.asarray(X), np.asarray(Y)
        out = np.array([[metric(a, b, **kwds) for b in Y] for a in X], dtype=np.float64)
        return out.reshape(len(X), len(Y))  # (0, n) for no rows, not NumPy's (0,)
    return _cdist(X, Y, metric, kwds.get("p"))


def _pairwise_euclidean_distances(
    X: ArrayLike, Y: ArrayLike | None = None, squared: bool = False
) -> np.ndarray:
    return _cdist(X, X if Y is None else Y, "sqeuclidean" if squared else "euclidean")


def _generator(generator):
    return np.random.default_rng(generator)


def _rand(*size, dtype=None, generator=None):
    return _generator(generator).random(size, dtype=dtype or np.float64)


def _randn(*size, dtype=None, generator=None):
    return _generator(generator).standard_normal(size, dtype=dtype or np.float64)


def _randint(low, high=None, size=None, generator=None):
    if high is None:
        low, high = 0, low
    return _generator(generator).integers(low, high, size=size)


def _normal(loc=0.0, scale=1.0, size=None, generator=None):
    return _generator(generator).normal(loc, scale, size)


def _uniform(low=0.0, high=1.0, size=None, dtype=None, generator=None):
    if not low < high:
        raise ValueError(f"uniform needs low < high, got low={low}, high={high}")
    out = _generator(generator).uniform(low, high, size)
    return out if dtype is None else np.asarray(out, dtype=dtype)


# numpy.testing takes tens of milliseconds to import, so it loads on the first assertion.
def _assert_allclose(actual, desired, rtol=1e-7, atol=0, equal_nan=True, err_msg=""):
    np.testing.assert_allclose(actual, desired, rtol, atol, equal_nan, err_msg)


def _assert_equal(actual, desired, err_msg=""):
    np.testing.assert_equal(actual, desired, err_msg)


def _host(obj):
    """A tensor as NumPy's view of it, detached and on the host (np.asarray refuses one that
    requires grad or lives on a GPU); anything else as it is."""
    return obj.detach().cpu().numpy() if _is_torch_tensor(obj) else obj


def _array(obj: object, dtype: DTypeLike | None = None, *args: Any, **kwargs: Any) -> np.ndarray:
    # torch's Tensor.__array__ takes no copy argument, so NumPy 2 warns when np.array copies a
    # tensor: take NumPy's view of it first, then copy that.
    return np.array(_host(obj), dtype, *args, **kwargs)


def _asarray(a: object, *args: Any, **kwargs: Any) -> np.ndarray:
    return np.asarray(_host(a), *args, **kwargs)


def _copy(x: ArrayLike, *args: Any, **kwargs: Any) -> np.ndarray:
    return np.copy(_host(x), *args, **kwargs)


def _is_float(x: object) -> bool:
    if isinstance(x, (float, np.floating)):
        return True
    return isinstance(x, np.ndarray) and x.dtype.kind == "f"


def _has_dtype(x, dtype):
    return isinstance(x, (np.ndarray, np.generic)) and x.dtype == dtype


class NumPyBackend(Backend):
    """NumPy arrays; functions follow NumPy's signatures and semantics.

    Parameters
    ----------
    data : Backend, str, array-like or None, default None
        What asks for a backend, read as by :func:`instantiate_backend`.

    See Also
    --------
    Backend : The names every backend holds.
    """

    backend_string = "numpy"

    bool = np.bool_
    int8, int16, int32, int64 = np.int8, np.int16, np.int32, np.int64
    float32, float64 = np.float32, np.float64
    complex64, complex128 = np.complex64, np.complex128
    inf, nan = np.inf, np.nan
    dbl_max = float(np.finfo(np.float64).max)

    array = staticmethod(_array)
    asarray = staticmethod(_asarray)
    zeros = staticmethod(np.zeros)
    ones = staticmethod(np.ones)
    empty = staticmethod(np.empty)
    full = staticmethod(np.full)
    eye = staticmethod(np.eye)
    arange = staticmethod(np.arange)
    zeros_like = staticmethod(np.zeros_like)
    ones_like = staticmethod(np.ones_like)
    copy = staticmethod(_copy)

    abs = staticmethod(np.abs)
    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    sqrt = staticmethod(np.sqrt)
    floor = staticmethod(np.floor)
    ceil = staticmethod(np.ceil)
    round = staticmethod(np.round)
    isnan = staticmethod(np.isnan)
    isfinite = staticmethod(np.isfinite)
    iscomplex = staticmethod(np.iscomplex)

    sum = staticmethod(np.sum)
    mean = staticmethod(np.mean)
    median = staticmethod(np.median)
    nanmean = staticmethod(np.nanmean)
    min = staticmethod(np.min)
    max = staticmethod(np.max)
    argmin = staticmethod(np.argmin)
    argmax = staticmethod(np.argmax)
    all = staticmethod(np.all)
    any = staticmethod(np.any)

    reshape = staticmethod(np.reshape)
    stack = staticmethod(np.stack)
    hstack = staticmethod(np.hstack)
    vstack = staticmethod(np.vstack)
    diag = staticmethod(np.diag)
    tril = staticmethod(np.tril)
    triu = staticmethod(np.triu)
    tril_indices = staticmethod(np.tril_indices)
    triu_indices = staticmethod(np.triu_indices)
    shape = staticmethod(np.shape)
    ndim = staticmethod(np.ndim)

    cdist = staticmethod(_cdist)
    pdist = staticmethod(_pdist)
    pairwise_distances = staticmethod(_pairwise_distances)
    pairwise_euclidean_distances = staticmethod(_pairwise_euclidean_distances)

    linalg = SimpleNamespace(norm=np.linalg.norm, inv=np.linalg.inv)
    random = SimpleNamespace(
        rand=_rand, randn=_randn, randint=_randint, normal=_normal, uniform=_uniform
    )
    testing = SimpleNamespace(assert_allclose=_assert_allclose, assert_equal=_assert_equal)

    @staticmethod
    def cast(x: ArrayLike, dtype: DTypeLike) -> np.ndarray:
        """Convert ``x`` to a NumPy array of another dtype.

        Parameters
        ----------
        x : array-like
            The data.
        dtype : dtype or str
            The dtype, NumPy's or torch's.

        Returns
        -------
        numpy.ndarray
            A new array or tensor of that dtype.
        """
        return np.asarray(_host(x)).astype(dtype)

    @staticmethod
    def to_numpy(x: ArrayLike) -> np.ndarray:
        """Convert ``x`` to a NumPy array.

        Parameters
        ----------
        x : array-like
            The data.

        Returns
        -------
        numpy.ndarray
            ``x`` as an array, without a copy where it can.
        """
        return np.asarray(_host(x))

    @staticmethod
    def from_numpy(x: ArrayLike) -> np.ndarray:
        """Convert a NumPy array to this backend's type.

        Parameters
        ----------
        x : numpy.ndarray
            The array.

        Returns
        -------
        numpy.ndarray
            The array, sharing its memory where it can.
        """
        return np.asarray(x)

    @staticmethod
    def is_array(x: object) -> builtins.bool:
        """Tell whether ``x`` is a numpy.ndarray.

        Parameters
        ----------
        x : object
            Anything.

        Returns
        -------
        bool
            True for a numpy.ndarray.
        """
        return isinstance(x, np.ndarray)

    @staticmethod
    def belongs_to_backend(x: object) -> builtins.bool:
        """Tell whether ``x`` is data of this backend.

        Parameters
        ----------
        x : object
            Anything.

        Returns
        -------
        bool
            True for this backend's arrays and scalars.
        """
        return isinstance(x, (np.ndarray, np.generic))

    is_float = staticmethod(_is_float)

    @staticmethod
    def is_float32(x: object) -> builtins.bool:
        """Tell whether ``x`` is a float32 array or scalar.

        Parameters
        ----------
        x : object
            Anything.

        Returns
        -------
        bool
            True for float32 data of this backend.
        """
        return _has_dtype(x, np.float32)

    @staticmethod
    def is_float64(x: object) -> builtins.bool:
        """Tell whether ``x`` is a float64 array or scalar.

        Parameters
        ----------
        x : object
            Anything.

        Returns
        -------
        bool
            True for float64 data of this backend.
        """
        return _has_dtype(x, np.float64)
