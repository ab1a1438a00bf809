"""Validation of user series, done once in Python before any kernel runs."""

import numpy as np

# Kernels are compiled for these two widths; other real dtypes are converted to float64.
_KERNEL_DTYPES = (np.float32, np.float64)


def _real_float_array(ts, name):
    if hasattr(ts, "detach") and hasattr(ts, "cpu"):  # a torch tensor on the NumPy path
        ts = ts.detach().cpu().numpy()
    try:
        arr = np.asarray(ts)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"{name} could not be read as an array: {error}") from None
    kind = arr.dtype.kind
    if kind == "f":
        return arr if arr.dtype in _KERNEL_DTYPES else arr.astype(np.float64)
    if kind in "biu":
        return arr.astype(np.float64)
    raise TypeError(f"{name} must hold real numbers (float or int), got dtype {arr.dtype}")


def to_series(ts, name):
    """One time series as a C-contiguous (sz, d) float32/float64 array, padding removed.

    ``ts`` may be (sz,) (univariate) or (sz, d). Trailing rows that are all NaN are padding
    and are dropped. The result may share memory with ``ts``; kernels only read it.
    """
    arr = _real_float_array(ts, name)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    elif arr.ndim != 2:
        raise ValueError(
            f"{name} must be a time series of shape (sz,) or (sz, d), got {arr.ndim}-D "
            f"input of shape {arr.shape}"
        )
    if arr.shape[1] == 0:
        raise ValueError(f"{name} has no features: shape {arr.shape}")
    nan_rows = np.isnan(arr).all(axis=1)
    size = arr.shape[0] - int(np.argmin(nan_rows[::-1])) if not nan_rows.all() else 0
    if size == 0:
        raise ValueError(f"{name} is empty or all NaN: a series needs at least one time step")
    arr = arr[:size]
    not_finite = ~np.isfinite(arr)
    if not_finite.any():
        row = int(np.argmax(not_finite.any(axis=1)))
        raise ValueError(
            f"{name} has a NaN or infinite value at time step {row}; only trailing rows "
            "that are entirely NaN are allowed (as padding of variable-length series)"
        )
    return np.ascontiguousarray(arr)


def to_series_pair(s1, s2):
    """Validate two series for a pairwise metric: same feature size, one shared float width."""
    x, y = to_series(s1, "s1"), to_series(s2, "s2")
    if x.shape[1] != y.shape[1]:
        raise ValueError(
            "s1 and s2 must have the same number of features (dimension d), got "
            f"d={x.shape[1]} for s1 and d={y.shape[1]} for s2"
        )
    dtype = np.result_type(x, y)
    return x.astype(dtype, copy=False), y.astype(dtype, copy=False)
