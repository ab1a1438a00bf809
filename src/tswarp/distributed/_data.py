"""The datasets of a distributed matrix, cut into one chunk of (n, sz, d) series per block
of rows.

In-memory data (NumPy arrays, lists of series of different lengths) is validated once, on
the client, with the rules of ``tswarp.metrics``, and NaN-padded to one array, so that its
blocks see the dtype of the whole dataset; each chunk then travels inside the task that
prepares it, so that the scheduler can run it again if a worker dies. Dask arrays and Zarr
arrays stay lazy: their chunks are validated where they are read, on the workers, and
errors name the rows they come from (``dataset1[1000:2000][7]`` is series 1007).
"""

import dask
import dask.array as da
import zarr

from tswarp.distributed._blocks import prepare_chunk
from tswarp.metrics._inputs import check_layout_datasets, check_same_features, to_dataset


def as_dataset(data, name):
    """``data`` as an (n, sz, d) array: a Dask array for Dask and Zarr inputs (a string is
    the path or URL of a Zarr array), a validated NumPy array for anything else."""
    if isinstance(data, str):
        try:
            data = zarr.open_array(data, mode="r")
        except (FileNotFoundError, ValueError, TypeError) as error:
            raise ValueError(f"{name}: no Zarr array at {data!r} ({error})") from None
    if isinstance(data, zarr.Array):
        data = da.from_zarr(data)
    if not isinstance(data, da.Array):
        return to_dataset(data, name)[0]
    if data.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers (float or int), got dtype {data.dtype}")
    if data.ndim not in (1, 2, 3):
        raise ValueError(
            f"{name} must be a dataset of shape (n_ts, sz, d), (n_ts, sz) or (sz,), got "
            f"{data.ndim}-D input of shape {data.shape}"
        )
    # Checked before the reshapes, which fail on unknown sizes with an obscure TypeError.
    if any(size != size for size in data.shape):  # NaN: a size Dask does not know yet
        raise ValueError(f"{name} must have a known shape: call compute_chunk_sizes() first")
    if data.ndim == 1:
        return data.reshape(1, -1, 1)
    return data[:, :, None] if data.ndim == 2 else data


def dataset_pair(dataset1, dataset2):
    """(X, Y) as ``as_dataset`` gives them, Y None for a self-matrix, with the checks that
    need no data: the same feature size, and the warning for series of one time step."""
    X = as_dataset(dataset1, "dataset1")
    Y = None if dataset2 is None else as_dataset(dataset2, "dataset2")
    if Y is not None and X.shape[0] and Y.shape[0]:
        check_same_features(X.shape[2], Y.shape[2], ("dataset1", "dataset2"))
    check_layout_datasets(X, X if Y is None else Y, Y is not None)
    return X, Y


def prepared_chunks(X, block_size, name):
    """One Delayed per block of rows: the chunk validated and cut to its longest series."""
    starts = range(0, X.shape[0], block_size)
    if isinstance(X, da.Array):
        pieces = X.rechunk({0: block_size, 1: -1, 2: -1}).to_delayed().ravel()
    else:
        pieces = [X[start : start + block_size] for start in starts]
    prepare = dask.delayed(prepare_chunk, pure=True)
    return [
        prepare(piece, f"{name}[{start}:{min(start + block_size, X.shape[0])}]")
        for piece, start in zip(pieces, starts, strict=True)
    ]
