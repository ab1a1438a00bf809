"""The PyTorch backend: torch functions under the NumPy names, with NumPy's semantics.

Reductions take ``axis``/``keepdims`` and return values (not torch's (values, indices) pairs),
``median`` averages the two middle values as NumPy does, and ``testing`` asserts raise.
Where NumPy turns integers or booleans into float64 (``mean``, ``median``, ``linalg.norm``,
``cdist``), this backend uses torch's default float dtype, as torch's own functions do.
Importing this module imports torch; ``tswarp.backend`` does so only on demand.
"""

from __future__ import annotations

import math
import typing
import warnings
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from tswarp.backend._base import Backend
from tswarp.backend._numpy import check_distance_metric, check_two_dimensional

if TYPE_CHECKING:
    import builtins
    from collections.abc import Callable, Iterable, Sequence

    from tswarp._typing import ArrayLike, DType

_PYTHON_DTYPES: dict[object, torch.dtype] = {
    float: torch.float64,
    int: torch.int64,
    bool: torch.bool,
    complex: torch.complex128,
}


def as_torch_dtype(dtype: DType | None) -> torch.dtype | None:
    """A torch dtype from a torch dtype, a NumPy dtype or a Python type; None stays None."""
    if dtype is None or isinstance(dtype, torch.dtype):
        return dtype
    if dtype in _PYTHON_DTYPES:
        return _PYTHON_DTYPES[dtype]
    return torch.from_numpy(np.empty(0, dtype=np.dtype(dtype))).dtype


def _contains_tensor(obj):
    if isinstance(obj, torch.Tensor):
        return True
    return isinstance(obj, (list, tuple)) and any(_contains_tensor(item) for item in obj)


def _wrappable(obj):
    """``obj``, or a copy of a NumPy array that torch refuses to wrap (negative strides,
    another byte order) or should not (read-only: torch would warn, and could write to it)."""
    if isinstance(obj, np.ndarray) and not (
        obj.flags.writeable and obj.dtype.isnative and min(obj.strides, default=0) >= 0
    ):
        return np.array(obj, dtype=obj.dtype.newbyteorder("="))
    return obj


def _array(obj: object, dtype: DType | None = None) -> torch.Tensor:
    """Always a new tensor. Tensors (also inside lists) keep their autograd graph."""
    dtype = as_torch_dtype(dtype)
    if isinstance(obj, torch.Tensor):
        return obj.clone() if dtype is None else obj.to(dtype, copy=True)
    if isinstance(obj, (list, tuple)) and obj and _contains_tensor(obj):
        return torch.stack([_array(item, dtype) for item in obj])
    return torch.tensor(_wrappable(obj), dtype=dtype)


def _asarray(obj: object, dtype: DType | None = None) -> torch.Tensor:
    return torch.as_tensor(_wrappable(obj), dtype=as_torch_dtype(dtype))


def _tensor(x: object) -> torch.Tensor:
    return x if isinstance(x, torch.Tensor) else torch.as_tensor(_wrappable(x))


def _is_whole(x: torch.Tensor) -> bool:
    return not (x.is_floating_point() or x.is_complex())


def _floating(x: object) -> torch.Tensor:
    """``x`` as a tensor, integers and booleans in torch's default float dtype."""
    x = _tensor(x)
    return x.to(torch.get_default_dtype()) if _is_whole(x) else x


def _dims(axis):
    return axis if isinstance(axis, (int, tuple)) else tuple(axis)


def _reduction(reduce_all, reduce_dims):
    """Wrap a torch reduction into NumPy's (a, axis=None, keepdims=False) form."""

    def reduction(a, axis=None, keepdims=False):
        a = _tensor(a)
        if axis is None:
            out = reduce_all(a)
            return out.reshape((1,) * a.ndim) if keepdims else out
        return reduce_dims(a, dim=_dims(axis), keepdim=keepdims)

    return reduction


def _mean(
    a: ArrayLike | torch.Tensor, axis: int | Sequence[int] | None = None, keepdims: bool = False
) -> torch.Tensor:
    """NumPy's mean: integers and booleans in floats (torch.mean refuses them), and NumPy's
    warning where a slice is empty (torch returns NaN silently)."""
    a = _floating(a)
    out = _reduction(torch.mean, torch.mean)(a, axis, keepdims)
    if a.numel() == 0 and out.numel():
        _warn_empty_slice()
    return out


def _nanmean(
    a: ArrayLike | torch.Tensor, axis: int | Sequence[int] | None = None, keepdims: bool = False
) -> torch.Tensor:
    """NumPy's nanmean: a slice that is empty or all NaN warns, as it does there."""
    a = _floating(a)
    out = _reduction(torch.nanmean, torch.nanmean)(a, axis, keepdims)
    counts = _reduction(torch.sum, torch.sum)(~a.isnan(), axis, keepdims)
    if bool((counts == 0).any()):
        _warn_empty_slice()
    return out


def _warn_empty_slice():
    warnings.warn("Mean of empty slice", RuntimeWarning, stacklevel=3)


def _argreduction(torch_fn):
    def argreduction(a, axis=None, keepdims=False):
        a = _tensor(a)
        if a.dtype == torch.bool:  # torch has no bool argmin/argmax; the order is the same
            a = a.to(torch.uint8)
        if axis is None:
            out = torch_fn(a.reshape(-1))
            return out.reshape((1,) * a.ndim) if keepdims else out
        return torch_fn(a, dim=axis, keepdim=keepdims)

    return argreduction


def _median(
    a: ArrayLike | torch.Tensor,
    axis: int | Sequence[int] | None = None,
    keepdims: bool = False,
) -> torch.Tensor:
    # In floats: the two middle integers (or booleans) could overflow when added.
    a = _floating(a)
    dims = tuple(range(a.ndim)) if axis is None else _axes(axis, a.ndim)
    kept = [d for d in range(a.ndim) if d not in dims]
    # The reduced dims moved last and merged into one, so one sort serves any tuple of axes.
    merged = math.prod(a.shape[d] for d in dims)
    values = a.permute((*kept, *dims)).reshape(*(a.shape[d] for d in kept), merged)
    out = _middle(values.sort(dim=-1).values).squeeze(-1)
    if keepdims:
        return out.reshape([1 if d in dims else size for d, size in enumerate(a.shape)])
    return out


def _axes(axis, ndim):
    """NumPy's ``axis``, an int or a sequence, as dims counted from the front."""
    return tuple(d + ndim if d < 0 else d for d in ((axis,) if isinstance(axis, int) else axis))


def _middle(ordered):
    """The median of values sorted along the last dim, that dim kept with size 1."""
    size = ordered.shape[-1]
    if size == 0:  # NumPy's value and warning: the mean of an empty slice
        out = ordered.new_full((*ordered.shape[:-1], 1), torch.nan)
        if out.numel():  # no warning where there are no slices at all
            warnings.warn("Mean of empty slice", RuntimeWarning, stacklevel=3)
        return out
    lower = ordered.narrow(-1, (size - 1) // 2, 1)
    # One middle value is taken as it is: doubling it could overflow.
    out = lower if size % 2 else (lower + ordered.narrow(-1, size // 2, 1)) / 2
    # Sorting puts NaN last; NumPy's median is NaN wherever there is one.
    return torch.where(ordered[..., -1:].isnan(), torch.nan, out)


def _round(x: ArrayLike | torch.Tensor, decimals: int = 0) -> torch.Tensor:
    x = _tensor(x)
    if not _is_whole(x):
        return torch.round(x, decimals=decimals)
    if decimals >= 0 or x.dtype == torch.bool:
        return x.clone()  # already whole, as NumPy returns them
    # To tens, hundreds, ...: through float64 and back, as NumPy rounds integers.
    return torch.round(x.to(torch.float64), decimals=decimals).to(x.dtype)


def _whole_unchanged(torch_fn):
    """floor, ceil, abs: a copy of a boolean tensor, which torch refuses and NumPy keeps."""

    def elementwise(x):
        x = _tensor(x)
        return x.clone() if x.dtype == torch.bool else torch_fn(x)

    return elementwise


def _all(
    a: ArrayLike | torch.Tensor, axis: int | Sequence[int] | None = None, keepdims: bool = False
) -> torch.Tensor:
    return _reduction(torch.all, torch.all)(_tensor(a).bool(), axis, keepdims)


def _any(
    a: ArrayLike | torch.Tensor, axis: int | Sequence[int] | None = None, keepdims: bool = False
) -> torch.Tensor:
    return _reduction(torch.any, torch.any)(_tensor(a).bool(), axis, keepdims)


def _eye(n: int, m: int | None = None, dtype: DType | None = None) -> torch.Tensor:
    return torch.eye(n, n if m is None else m, dtype=as_torch_dtype(dtype))


def _arange(
    start: float, stop: float | None = None, step: float = 1, dtype: DType | None = None
) -> torch.Tensor:
    if stop is None:
        start, stop = 0, start
    if (stop - start) * step < 0:  # an empty range, where torch would raise
        stop = start
    return torch.arange(start, stop, step, dtype=as_torch_dtype(dtype))


def _creation(torch_fn):
    def create(shape, dtype=None):
        return torch_fn(shape, dtype=as_torch_dtype(dtype))

    return create


def _full(
    shape: int | Sequence[int], fill_value: float, dtype: DType | None = None
) -> torch.Tensor:
    return torch.full(_shape(shape), fill_value, dtype=as_torch_dtype(dtype))


def _shape(shape):
    return (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(shape)


def _zeros_like(a: ArrayLike | torch.Tensor, dtype: DType | None = None) -> torch.Tensor:
    return torch.zeros_like(_tensor(a), dtype=as_torch_dtype(dtype))


def _ones_like(a: ArrayLike | torch.Tensor, dtype: DType | None = None) -> torch.Tensor:
    return torch.ones_like(_tensor(a), dtype=as_torch_dtype(dtype))


def _iscomplex(x: ArrayLike | torch.Tensor) -> torch.Tensor:
    x = _tensor(x)
    return x.imag != 0 if x.is_complex() else torch.zeros_like(x, dtype=torch.bool)


def _triangle(torch_fn):
    """tril, triu: a vector is taken as the rows of a square matrix, as NumPy does."""

    def triangle(m, k=0):
        m = _tensor(m)
        return torch_fn(m.expand(m.shape[0], -1) if m.ndim == 1 else m, diagonal=k)

    return triangle


def _index_pair(indices):
    return indices[0], indices[1]


def _tril_indices(n: int, k: int = 0, m: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    return _index_pair(torch.tril_indices(n, n if m is None else m, offset=k))


def _triu_indices(n: int, k: int = 0, m: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    return _index_pair(torch.triu_indices(n, n if m is None else m, offset=k))


def _cdist(
    x: ArrayLike | torch.Tensor,
    y: ArrayLike | torch.Tensor,
    metric: str = "euclidean",
    p: float | None = None,
) -> torch.Tensor:
    x, y = _floating(x), _floating(y)
    check_two_dimensional(x, "x")
    check_two_dimensional(y, "y")
    order = check_distance_metric(metric, p)
    common = torch.promote_types(x.dtype, y.dtype)
    x, y = x.to(common), y.to(common)
    if order == float("inf"):
        # torch.cdist's maximum skips NaN; NumPy's (amax here) keeps it.
        return (x[:, None, :] - y[None, :, :]).abs().amax(dim=-1)
    # Exact differences, not the faster matmul expansion that cancels for close points.
    out = torch.cdist(x, y, p=order, compute_mode="donot_use_mm_for_euclid_dist")
    return out**2 if metric == "sqeuclidean" else out


def _pdist(
    x: ArrayLike | torch.Tensor, metric: str = "euclidean", p: float | None = None
) -> torch.Tensor:
    x = _tensor(x)
    check_two_dimensional(x, "x")
    rows, cols = _triu_indices(x.shape[0], k=1)
    return _cdist(x, x, metric, p)[rows, cols]


def _pairwise_distances(
    X: ArrayLike | torch.Tensor,
    Y: ArrayLike | torch.Tensor | None = None,
    metric: str | Callable[..., Any] = "euclidean",
    **kwds: Any,
) -> torch.Tensor:
    Y = X if Y is None else Y
    if callable(metric):
        # The metric is called on pairs of rows of the 2-D inputs.
        rows_x, rows_y = (
            list(typing.cast("Iterable[Any]", X)),
            list(typing.cast("Iterable[Any]", Y)),
        )
        if not (rows_x and rows_y):  # nothing to stack; NumPy's backend gives this shape too
            return torch.empty((len(rows_x), len(rows_y)), dtype=torch.get_default_dtype())
        rows = [torch.stack([_tensor(metric(a, b, **kwds)) for b in rows_y]) for a in rows_x]
        return torch.stack(rows)
    return _cdist(X, Y, metric, kwds.get("p"))


def _pairwise_euclidean_distances(
    X: ArrayLike | torch.Tensor, Y: ArrayLike | torch.Tensor | None = None, squared: bool = False
) -> torch.Tensor:
    return _cdist(X, X if Y is None else Y, "sqeuclidean" if squared else "euclidean")


def _norm(x, ord=None, axis=None, keepdims=False):
    return torch.linalg.norm(_floating(x), ord=ord, dim=axis, keepdim=keepdims)


def _generator(generator):
    if generator is None or isinstance(generator, torch.Generator):
        return generator
    return torch.Generator().manual_seed(int(generator))


def _rand(*size, dtype=None, generator=None):
    return torch.rand(size, dtype=as_torch_dtype(dtype), generator=_generator(generator))


def _randn(*size, dtype=None, generator=None):
    return torch.randn(size, dtype=as_torch_dtype(dtype), generator=_generator(generator))


def _randint(low, high=None, size=None, generator=None):
    if high is None:
        low, high = 0, low
    size = () if size is None else _shape(size)
    return torch.randint(low, high, size, generator=_generator(generator))


def _normal(loc=0.0, scale=1.0, size=None, generator=None):
    size = () if size is None else _shape(size)
    noise = torch.randn(size, dtype=torch.float64, generator=_generator(generator))
    return loc + scale * noise


def _uniform(low=0.0, high=1.0, size=None, dtype=None, generator=None):
    if not low < high:
        raise ValueError(f"uniform needs low < high, got low={low}, high={high}")
    size = () if size is None else _shape(size)
    dtype = as_torch_dtype(dtype) or torch.float64
    unit = torch.rand(size, dtype=dtype, generator=_generator(generator))
    return low + (high - low) * unit


def _to_numpy(x: ArrayLike | torch.Tensor) -> np.ndarray:
    """Convert ``x`` to a NumPy array: a tensor through a detached host copy.

    Parameters
    ----------
    x : array-like
        The data.

    Returns
    -------
    numpy.ndarray
        ``x`` as an array.
    """
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def _assert_allclose(actual, desired, rtol=1e-7, atol=0, equal_nan=True, err_msg=""):
    np.testing.assert_allclose(
        _to_numpy(actual), _to_numpy(desired), rtol, atol, equal_nan, err_msg
    )


def _assert_equal(actual, desired, err_msg=""):
    np.testing.assert_equal(_to_numpy(actual), _to_numpy(desired), err_msg)


def _is_float(x: object) -> bool:
    if isinstance(x, float):
        return True
    return isinstance(x, torch.Tensor) and x.dtype.is_floating_point


class PyTorchBackend(Backend):
    """Torch tensors, under NumPy's names, argument names and semantics.

    Parameters
    ----------
    data : Backend, str, array-like or None, default None
        What asks for a backend, read as by :func:`instantiate_backend`.

    See Also
    --------
    Backend : The names every backend holds.
    """

    backend_string = "pytorch"

    bool = torch.bool
    int8, int16, int32, int64 = torch.int8, torch.int16, torch.int32, torch.int64
    float32, float64 = torch.float32, torch.float64
    complex64, complex128 = torch.complex64, torch.complex128
    inf, nan = float("inf"), float("nan")
    dbl_max = torch.finfo(torch.float64).max

    array = staticmethod(_array)
    asarray = staticmethod(_asarray)
    zeros = staticmethod(_creation(torch.zeros))
    ones = staticmethod(_creation(torch.ones))
    empty = staticmethod(_creation(torch.empty))
    full = staticmethod(_full)
    eye = staticmethod(_eye)
    arange = staticmethod(_arange)
    zeros_like = staticmethod(_zeros_like)
    ones_like = staticmethod(_ones_like)

    abs = staticmethod(_whole_unchanged(torch.abs))
    exp = staticmethod(lambda x: torch.exp(_tensor(x)))
    log = staticmethod(lambda x: torch.log(_tensor(x)))
    sqrt = staticmethod(lambda x: torch.sqrt(_tensor(x)))
    floor = staticmethod(_whole_unchanged(torch.floor))
    ceil = staticmethod(_whole_unchanged(torch.ceil))
    round = staticmethod(_round)
    isnan = staticmethod(lambda x: torch.isnan(_tensor(x)))
    isfinite = staticmethod(lambda x: torch.isfinite(_tensor(x)))
    iscomplex = staticmethod(_iscomplex)

    sum = staticmethod(_reduction(torch.sum, torch.sum))
    mean = staticmethod(_mean)
    median = staticmethod(_median)
    nanmean = staticmethod(_nanmean)
    min = staticmethod(_reduction(torch.min, torch.amin))
    max = staticmethod(_reduction(torch.max, torch.amax))
    argmin = staticmethod(_argreduction(torch.argmin))
    argmax = staticmethod(_argreduction(torch.argmax))
    all = staticmethod(_all)
    any = staticmethod(_any)

    reshape = staticmethod(lambda a, shape: torch.reshape(_tensor(a), _shape(shape)))
    stack = staticmethod(lambda arrays, axis=0: torch.stack(list(arrays), dim=axis))
    hstack = staticmethod(lambda arrays: torch.hstack(list(arrays)))
    vstack = staticmethod(lambda arrays: torch.vstack(list(arrays)))
    diag = staticmethod(lambda v, k=0: torch.diag(_tensor(v), diagonal=k))
    tril = staticmethod(_triangle(torch.tril))
    triu = staticmethod(_triangle(torch.triu))
    tril_indices = staticmethod(_tril_indices)
    triu_indices = staticmethod(_triu_indices)
    shape = staticmethod(lambda a: tuple(_tensor(a).shape))
    ndim = staticmethod(lambda a: _tensor(a).ndim)

    cdist = staticmethod(_cdist)
    pdist = staticmethod(_pdist)
    pairwise_distances = staticmethod(_pairwise_distances)
    pairwise_euclidean_distances = staticmethod(_pairwise_euclidean_distances)

    linalg = SimpleNamespace(norm=_norm, inv=lambda a: torch.linalg.inv(_tensor(a)))
    random = SimpleNamespace(
        rand=_rand, randn=_randn, randint=_randint, normal=_normal, uniform=_uniform
    )
    testing = SimpleNamespace(assert_allclose=_assert_allclose, assert_equal=_assert_equal)

    @staticmethod
    def copy(x: ArrayLike | torch.Tensor) -> torch.Tensor:
        return _tensor(x).clone()

    @staticmethod
    def cast(x: ArrayLike | torch.Tensor, dtype: DType) -> torch.Tensor:
        """Convert ``x`` to a torch tensor of another dtype.

        Parameters
        ----------
        x : array-like
            The data.
        dtype : dtype or str
            The dtype, NumPy's or torch's.

        Returns
        -------
        torch.Tensor
            A new array or tensor of that dtype.
        """
        return _tensor(x).to(as_torch_dtype(dtype))

    to_numpy = staticmethod(_to_numpy)

    @staticmethod
    def from_numpy(x: ArrayLike) -> torch.Tensor:
        """Convert a NumPy array to this backend's type.

        Parameters
        ----------
        x : numpy.ndarray
            The array.

        Returns
        -------
        torch.Tensor
            The array, sharing its memory where it can.
        """
        return torch.from_numpy(_wrappable(np.asarray(x)))

    @staticmethod
    def is_array(x: object) -> builtins.bool:
        """Tell whether ``x`` is a torch.Tensor.

        Parameters
        ----------
        x : object
            Anything.

        Returns
        -------
        bool
            True for a torch.Tensor.
        """
        return isinstance(x, torch.Tensor)

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
            True for this backend's arrays (tensors).
        """
        return isinstance(x, torch.Tensor)

    is_float = staticmethod(_is_float)

    @staticmethod
    def is_float32(x: object) -> builtins.bool:
        """Tell whether ``x`` is a float32 tensor.

        Parameters
        ----------
        x : object
            Anything.

        Returns
        -------
        bool
            True for float32 data of this backend.
        """
        return isinstance(x, torch.Tensor) and x.dtype == torch.float32

    @staticmethod
    def is_float64(x: object) -> builtins.bool:
        """Tell whether ``x`` is a float64 tensor.

        Parameters
        ----------
        x : object
            Anything.

        Returns
        -------
        bool
            True for float64 data of this backend.
        """
        return isinstance(x, torch.Tensor) and x.dtype == torch.float64
