"""Validation of user series, done once in Python before any kernel runs.

The rules and their messages are written once here, for NumPy arrays and torch tensors
alike: shapes, features, lengths (trailing all-NaN rows are padding, any other NaN or
infinity is an error), and pairs of series or datasets. ``_torch_inputs`` adds only what
is particular to tensors: their dtypes, their device, and 0 in the padding.
"""

from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING

import numpy as np

from tswarp import _warnings
from tswarp.backend import instantiate_backend
from tswarp.backend._base import _is_torch_tensor

if TYPE_CHECKING:
    from tswarp.backend import Backend

# Kernels are compiled for these two widths; other real dtypes are converted to float64.
_KERNEL_DTYPES = (np.float32, np.float64)


def torch_metrics():
    """The torch implementations of the metrics (imports torch: call only for tensors)."""
    from tswarp.metrics import _torch_metrics

    return _torch_metrics


def torch_inputs():
    """The validation of torch tensors (imports torch: call only for tensors)."""
    from tswarp.metrics import _torch_inputs

    return _torch_inputs


def _holds_tensor(data):
    return isinstance(data, (list, tuple)) and any(_is_torch_tensor(item) for item in data)


def dataset_backend(be: Backend | str | None, *datasets: object) -> Backend:
    """The backend of a cdist: ``instantiate_backend(be, *datasets)``, except that a list or
    tuple of series holding a tensor counts as torch data (tensors in, a tensor out)."""
    return instantiate_backend(be, *("pytorch" if _holds_tensor(d) else d for d in datasets))


def host_values(data, name):
    """``data`` as a NumPy array; a tensor is read on the host, detached (it may need grad)."""
    if _is_torch_tensor(data):
        return torch_inputs().host_array(data, name)
    return np.asarray(data)


def to_backend(be, array, *inputs):
    """A result computed on the host as ``be``'s array: for torch, a tensor on the device of
    the first tensor among ``inputs`` (the CPU when none is), as the torch metrics return."""
    result = be.from_numpy(array)
    if be.is_pytorch:
        device = next((item.device for item in inputs if _is_torch_tensor(item)), None)
        if device is not None and device != result.device:
            result = result.to(device)
    return result


def check_compute_with_backend(value):
    if value is not None and not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"compute_with_backend must be None, True or False, got {value!r}")


def needs_torch_engine(compute_with_backend, *data):
    """Whether a PyTorch-backend cdist must run in torch, rather than on the NumPy kernels.

    Torch is needed for a gradient, for data on another device, or when asked for with
    ``compute_with_backend=True``; otherwise the compiled kernels give the same matrix faster.
    """
    if compute_with_backend:
        return True
    for item in data:
        if isinstance(item, (list, tuple)):
            if needs_torch_engine(False, *item):
                return True
        elif hasattr(item, "requires_grad") and hasattr(item, "device"):
            if item.requires_grad or item.device.type != "cpu":
                return True
    return False


def _warn_channels_first(name, shape, fix):
    """Series of one time step and several features are most likely transposed data."""
    _warnings.warn(
        f"{name} of shape {tuple(shape)} is read as series of length 1 with {shape[-1]} "
        "features, whose DTW is a plain Euclidean distance. If the time axis is last "
        f"(channels first, as in aeon and sktime), pass {fix} instead: tswarp reads "
        "a series as (sz, d) and a dataset as (n_ts, sz, d).",
        UserWarning,
    )


def check_layout_pair(x, y):
    """Warn when both series of a pair have one time step and several features."""
    if len(x) == len(y) == 1 and x.shape[1] > 1:
        _warn_channels_first("s1 and s2", x.shape, "s1.T and s2.T")


def check_layout_datasets(X, Y, second_given):
    """Warn when every series of the (padded) datasets has one step and several features."""
    if X.shape[0] and X.shape[1] == 1 and X.shape[2] > 1 and (Y.shape[1] == 1 or not Y.shape[0]):
        name = "dataset1 and dataset2" if second_given else "dataset1"
        fix = " and ".join(f"{n}.transpose(0, 2, 1)" for n in name.split(" and "))
        _warn_channels_first(name, X.shape, fix)


def series_shape(arr, name):
    """A (sz,) or (sz, d) array or tensor as (sz, d); ValueError for any other shape."""
    if arr.ndim == 1:
        return arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be a time series of shape (sz,) or (sz, d), got {arr.ndim}-D "
            f"input of shape {tuple(arr.shape)}"
        )
    if arr.shape[1] == 0:
        raise no_features(name, arr.shape)
    return arr


def dataset_shape(arr, name):
    """A (sz,), (n, sz) or (n, sz, d) array or tensor as (n, sz, d).

    A 1-D input without values (``[]``) says neither a length nor a number of features: it
    is an empty dataset, a ValueError, where (0, sz) and (0, sz, d) are well-formed ones.
    """
    if arr.ndim == 1:
        if arr.shape[0] == 0:
            raise empty_dataset(name)
        return arr.reshape(1, -1, 1)
    if arr.ndim == 2:
        return arr[:, :, None]
    if arr.ndim != 3:
        raise ValueError(
            f"{name} must be a dataset of shape (n_ts, sz, d), (n_ts, sz) or (sz,), got "
            f"{arr.ndim}-D input of shape {tuple(arr.shape)}"
        )
    if arr.shape[0] and arr.shape[2] == 0:
        raise no_features(name, arr.shape)
    return arr


def no_features(name, shape):
    return ValueError(f"{name} has no features: shape {tuple(shape)}")


def empty_dataset(name):
    return ValueError(f"{name} is empty: it holds no time series")


def empty_series(name):
    return ValueError(f"{name} is empty or all NaN: a series needs at least one time step")


def value_inside(name, step, length=None):
    """The error of a NaN or infinity within a series: before its padding, or, for lengths
    given by the caller, within ``length``."""
    if length is not None:
        return ValueError(
            f"{name} has a NaN or infinite value at time step {step}, within its length {length}"
        )
    return ValueError(
        f"{name} has a NaN or infinite value at time step {step}; only trailing rows that are "
        "entirely NaN are allowed (as padding of variable-length series)"
    )


def series_lengths(arr, name, xp=np, to_host=np.asarray, dataset=True):
    """The length of each series of an (n, sz, d) array or tensor, once padding is dropped.

    Trailing rows that are entirely NaN are padding; any other NaN or infinite value, or a
    series of padding only, is a ValueError naming series i ``name[i]`` (or ``name`` when
    ``dataset`` is False: ``arr`` is then one series as (1, sz, d)). ``xp`` is the array
    library of ``arr`` (NumPy or torch), and ``to_host`` reads one of its boolean arrays as
    a NumPy array: the rules themselves run on the host, once for both array types.

    Padding is never read: every engine runs each pair within its lengths, and fills the
    padding as it needs (NumPy leaves it as given; torch sets 0, see ``_torch_inputs``).
    """
    n, sz = arr.shape[:2]
    if sz and bool(xp.isfinite(arr).all()):  # no padding, nothing to check: the usual case
        return np.full(n, sz, dtype=np.intp)
    nan_rows = to_host(xp.isnan(arr).all(-1))
    finite_rows = to_host(xp.isfinite(arr).all(-1))
    # Trailing padding rows: count the all-NaN rows after the last real one.
    lengths = sz - np.cumprod(nan_rows[:, ::-1], axis=1).sum(axis=1)
    names = (lambda i: f"{name}[{i}]") if dataset else (lambda i: name)
    empty = np.flatnonzero(lengths == 0)
    if empty.size:
        raise empty_series(names(empty[0]))
    bad = ~finite_rows & (np.arange(sz)[None, :] < lengths[:, None])
    if bad.any():
        index, step = np.argwhere(bad)[0]
        raise value_inside(names(index), step)
    return lengths.astype(np.intp)


def check_same_features(first, second, names):
    """ValueError unless two series or datasets, called ``names``, have as many features."""
    if first != second:
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same number of features (dimension d), "
            f"got d={first} for {names[0]} and d={second} for {names[1]}"
        )


def check_series_features(series, name):
    """ValueError unless the (sz, d) series of the dataset ``name`` have as many features."""
    dims = sorted({ts.shape[1] for ts in series})
    if len(dims) > 1:
        raise ValueError(
            f"all series of {name} must have the same number of features, got d in {dims}"
        )


def validate_series_pair(s1, s2, to_series, common):
    """The rules of a pairwise metric, for either array type: each series by
    ``to_series(s, name)``, the same feature size, the layout warning, and then
    ``common(x, y, names)`` (one dtype, one device)."""
    x, y = to_series(s1, "s1"), to_series(s2, "s2")
    check_same_features(x.shape[1], y.shape[1], ("s1", "s2"))
    check_layout_pair(x, y)
    return common(x, y, ("s1", "s2"))


def validate_dataset_pair(dataset1, dataset2, to_dataset, common):
    """The rules of a cdist, for either array type, as ``validate_series_pair``.

    Returns ``(X, x_lengths), (Y, y_lengths)``; without ``dataset2`` both are the same.
    """
    first = to_dataset(dataset1, "dataset1")
    if dataset2 is None:
        check_layout_datasets(first[0], first[0], False)
        return first, first
    (X, x_lengths), (Y, y_lengths) = first, to_dataset(dataset2, "dataset2")
    if X.shape[0] and Y.shape[0]:
        check_same_features(X.shape[2], Y.shape[2], ("dataset1", "dataset2"))
    check_layout_datasets(X, Y, True)
    X, Y = common(X, Y, ("dataset1", "dataset2"))
    return (X, x_lengths), (Y, y_lengths)


def _as_array(data, name):
    try:
        return np.asarray(data)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"{name} could not be read as an array: {error}") from None


def from_objects(arr, name):
    """An object array read as the nested lists it holds would be (tslearn stores series
    so); TypeError naming ``name`` when its elements are not all numbers or arrays of them.

    Its elements are never cast one by one: ``astype`` would read "1.5" and None as numbers.
    """
    values = _as_array(arr.tolist(), name)
    if values.dtype.kind not in "biuf":
        held = sorted({_kind(item) for item in arr.flat if not _is_real(item)})
        got = f"holding {', '.join(held)}" if held else f"read as dtype {values.dtype}"
        raise TypeError(f"{name} must hold real numbers (float or int), got an object array {got}")
    return values


def _is_real(item):
    return isinstance(item, (numbers.Real, np.bool_))


def _kind(item):
    return "None" if item is None else type(item).__name__


def _real_float_array(ts, name):
    masked = isinstance(ts, np.ma.MaskedArray)
    if _is_torch_tensor(ts):  # a torch tensor on the NumPy path
        arr = torch_inputs().host_array(ts, name)
    else:
        arr = _as_array(np.ma.getdata(ts) if masked else ts, name)
    if arr.dtype == object:
        arr = from_objects(arr, name)
    kind = arr.dtype.kind
    if kind == "f":
        arr = arr if arr.dtype in _KERNEL_DTYPES else arr.astype(np.float64)
    elif kind in "biu":
        arr = arr.astype(np.float64)
    else:
        raise TypeError(f"{name} must hold real numbers (float or int), got dtype {arr.dtype}")
    if masked and np.ma.is_masked(ts):
        # Masked entries are missing values, read as NaN (never the data under the mask):
        # trailing masked rows are padding, a masked value inside a series is an error.
        arr = np.where(np.ma.getmaskarray(ts), np.nan, arr).astype(arr.dtype, copy=False)
    return arr


def to_series(ts, name):
    """One time series as a C-contiguous (sz, d) float32/float64 array, padding removed.

    ``ts`` may be (sz,) (univariate) or (sz, d). Trailing rows that are all NaN are padding
    and are dropped. The result may share memory with ``ts``; kernels only read it.
    """
    arr = series_shape(_real_float_array(ts, name), name)
    size = series_lengths(arr[None], name, dataset=False)[0]
    return np.ascontiguousarray(arr[:size])


def _one_dtype(x, y, names):
    dtype = np.result_type(x, y)
    return x.astype(dtype, copy=False), y.astype(dtype, copy=False)


def to_series_pair(s1, s2):
    """Validate two series for a pairwise metric: same feature size, one shared float width."""
    return validate_series_pair(s1, s2, to_series, _one_dtype)


def _ragged_to_padded(dataset, name):
    series = [to_series(ts, f"{name}[{i}]") for i, ts in enumerate(dataset)]
    check_series_features(series, name)
    dtype = np.result_type(*series)
    padded = np.full(
        (len(series), max(len(ts) for ts in series), series[0].shape[1]), np.nan, dtype
    )
    for i, ts in enumerate(series):
        padded[i, : len(ts)] = ts
    return padded


def to_dataset(dataset, name):
    """A dataset as (padded, lengths): a C-contiguous (n, sz, d) float32/float64 array.

    Accepts (n, sz, d), (n, sz) (n univariate series), (sz,) (one univariate series) or a
    list (or 1-D object array) of series of different lengths. Shorter series are NaN-padded
    at the end; padding rows are not part of a series, whose length is given by ``lengths``.
    Object arrays are read as the lists they hold would be.
    """
    if _series_as_objects(dataset):
        dataset = list(dataset)  # as tslearn stores series of different lengths
    # Series given as separate tensors are read one by one, each on the host.
    separate = isinstance(dataset, (list, tuple)) and dataset
    if separate and (_holds_tensor(dataset) or _is_ragged(dataset)):
        arr = _ragged_to_padded(dataset, name)
    else:
        arr = dataset_shape(_real_float_array(dataset, name), name)
    return np.ascontiguousarray(arr), series_lengths(arr, name)


def _series_as_objects(dataset):
    """Whether ``dataset`` is a 1-D object array (unmasked): one object per series."""
    return (
        isinstance(dataset, np.ndarray)
        and not isinstance(dataset, np.ma.MaskedArray)
        and dataset.dtype == object
        and dataset.ndim == 1
    )


def _is_ragged(dataset):
    """Whether a list of series must be read one series at a time: lengths differ, or masks."""
    if any(isinstance(ts, np.ma.MaskedArray) for ts in dataset):
        return True  # NumPy would drop the masks when stacking the series
    try:
        arr = np.asarray(dataset)
    except ValueError:
        return True
    return arr.dtype == object


def to_dataset_pair(dataset1, dataset2):
    """Validate one or two datasets for a cdist: same feature size, one float width.

    Returns ``(X, x_lengths), (Y, y_lengths)``; without ``dataset2`` both are the same.
    """
    return validate_dataset_pair(dataset1, dataset2, to_dataset, _one_dtype)


def check_eps(eps):
    """The LCSS matching threshold as a float: a real number >= 0 (inf matches everything)."""
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real):
        raise TypeError(f"eps must be a real number, got {eps!r}")
    if eps < 0:
        raise ValueError(f"eps must be >= 0, got {eps!r}")
    try:
        number = float(eps)
    except OverflowError:  # an integer past the float range: every step matches
        return math.inf
    if math.isnan(number):
        raise TypeError(f"eps must be a real number, got {eps!r}")
    return number
