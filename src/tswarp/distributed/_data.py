"""The datasets of a distributed matrix as Dask arrays of (n, sz, d) series, one chunk per
block of rows.

In-memory data (NumPy arrays, lists of series of different lengths) is validated once, on
the client, with the rules of ``tswarp.metrics``, and NaN-padded to one array, so that its
blocks see the dtype of the whole dataset. Dask arrays and Zarr arrays stay lazy: their
chunks are validated where they are read, on the workers, and errors name the rows they
come from (``dataset1[1000:2000][7]`` is series 1007).
"""

import dask
import dask.array as da
import numpy as np
import zarr

from tswarp.distributed._blocks import prepare_chunk
from tswarp.metrics._inputs import check_layout_datasets, check_same_features, to_dataset


def as_dask_array(data, name):
    """``data`` as an (n, sz, d) Dask array: lazy for Dask and Zarr inputs (a string is
    the path or URL of a Zarr array), validated in memory for anything else."""
    if isinstance(data, str):
        try:
            data = zarr.open_array(data, mode="r")
        except (FileNotFoundError, ValueError, TypeError) as error:
            raise ValueError(f"{name}: no Zarr array at {data!r} ({error})") from None
    if isinstance(data, zarr.Array):
        data = da.from_zarr(data)
    if not isinstance(data, da.Array):
        X, _ = to_dataset(data, name)
        return da.from_array(X, chunks=X.shape)
    if data.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers (float or int), got dtype {data.dtype}")
    if data.ndim == 1:
        return data.reshape(1, -1, 1)
    if data.ndim == 2:
        return data[:, :, None]
    if data.ndim != 3:
        raise ValueError(
            f"{name} must be a dataset of shape (n_ts, sz, d), (n_ts, sz) or (sz,), got "
            f"{data.ndim}-D input of shape {data.shape}"
        )
    if any(size != size for size in data.shape):  # NaN: a size Dask does not know yet
        raise ValueError(f"{name} must have a known shape: call compute_chunk_sizes() first")
    return data


def dataset_pair(dataset1, dataset2):
    """(X, Y) as Dask arrays, Y None for a self-matrix, with the checks that need no data:
    the same feature size, and the warning for series of one time step."""
    X = as_dask_array(dataset1, "dataset1")
    Y = None if dataset2 is None else as_dask_array(dataset2, "dataset2")
    if Y is not None and X.shape[0] and Y.shape[0]:
        check_same_features(X.shape[2], Y.shape[2], ("dataset1", "dataset2"))
    check_layout_datasets(X, X if Y is None else Y, Y is not None)
    return X, Y


def prepared_chunks(X, block_size, name):
    """One Delayed per block of rows: the chunk validated and cut to its longest series."""
    rows = X.rechunk({0: block_size, 1: -1, 2: -1})
    starts = np.cumsum((0, *rows.chunks[0]))
    return [
        dask.delayed(prepare_chunk, pure=True)(chunk, f"{name}[{start}:{stop}]")
        for chunk, start, stop in zip(
            rows.to_delayed().ravel(), starts[:-1], starts[1:], strict=True
        )
    ]
