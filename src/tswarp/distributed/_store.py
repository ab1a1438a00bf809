"""The Zarr store of a distributed matrix: the matrix, one "done" marker per block, and
what was computed.

A group holds ``matrix`` (n1, n2), chunked as the blocks, so that no two tasks ever write
the same chunk; ``done`` (one bool per block, each its own chunk), set by a task only once
its block's values (and their mirror) are written, so a run stopped halfway never trusts a
half-written block; and the attribute ``tswarp``, which says what the matrix is, so that a
run resumes only the computation it started. Workers open the group themselves: its path
or URL must reach the same storage from every machine.
"""

import os
import time
import warnings

import zarr
import zarr.errors

_KEY = "tswarp"
# Seconds to wait for another run that is creating the same store.
_SETUP_WAIT = 5.0


def _description(grid, metric, options, dtype):
    return {
        "metric": metric,
        "options": repr(sorted(options.items())),
        "shape": [grid.n1, grid.n2],
        "block_size": grid.size,
        "symmetric": grid.symmetric,
        "dtype": str(dtype),
    }


def open_store(store, grid, metric, options, dtype):
    """The group at ``store`` (a path, a URL or a ``zarr.Group``) set up for this matrix:
    created if new, checked against what it holds otherwise."""
    if isinstance(store, zarr.Group):
        group = store
    elif isinstance(store, str):
        if os.path.isfile(store):
            raise ValueError(f"store {store!r} is a file: give a directory path or a URL")
        if os.path.isdir(store) and os.listdir(store) and not _is_zarr(store):
            raise ValueError(f"store {store!r} is a directory of other files, not a Zarr store")
        try:
            group = zarr.open_group(store, mode="a")
        except zarr.errors.ContainsGroupError:  # another run created it just now
            group = zarr.open_group(store, mode="a")
    else:
        raise TypeError(f"store must be a path, a URL or a zarr.Group, got {store!r}")
    wanted = _description(grid, metric, options, dtype)
    held = _held(group, store)
    if held is None:
        try:
            group.create_array(
                "matrix", shape=(grid.n1, grid.n2), chunks=_chunks(grid), dtype=dtype,
                fill_value=float("nan"),
            )  # fmt: skip
            group.create_array(
                "done", shape=grid.shape, chunks=(1, 1), dtype=bool, fill_value=False
            )
        except zarr.errors.ContainsArrayError:
            held = _held(group, store)  # another run created them at this moment
        else:
            group.attrs[_KEY] = wanted
            held = wanted
    if held != wanted:
        changed = [key for key in wanted if held.get(key) != wanted[key]]
        details = "; ".join(
            f"{key}: {held.get(key)!r} stored, {wanted[key]!r} given" for key in changed
        )
        raise ValueError(
            f"store {store!r} holds another computation ({details}): give the same "
            "arguments to resume it, or a new store"
        )
    return group


def _held(group, store):
    """The description in ``group``, None for an empty group; ValueError for other data.
    Arrays of our own without a description are another run setting the store up at this
    moment (or one that stopped while doing so): wait a little for it."""
    deadline = time.monotonic() + _SETUP_WAIT
    while True:
        with warnings.catch_warnings():
            # The temporary file of another run's write in progress, listed with the keys.
            warnings.filterwarnings("ignore", message=".*not recognized as a component")
            held = _read_attrs(group).get(_KEY)
            keys = set(group.keys())
        if held is not None or not keys:
            return held
        if not keys <= {"matrix", "done"} or time.monotonic() >= deadline:
            raise ValueError(f"store {store!r} holds other data: give an empty or new one")
        time.sleep(0.1)


def _read_attrs(group):
    # Read again from the storage: a Group caches the attributes it was opened with.
    return dict(zarr.open_group(group.store, path=group.path, mode="r").attrs)


def _is_zarr(directory):
    names = os.listdir(directory)
    # Only temporary ".partial" files: another run is writing the group's zarr.json.
    return {"zarr.json", ".zgroup"} & set(names) or all(n.endswith(".partial") for n in names)


def _chunks(grid):
    return (max(1, min(grid.size, grid.n1)), max(1, min(grid.size, grid.n2)))


def done_blocks(group):
    """The (i, j) of the blocks whose values are all written."""
    done = group["done"][...]
    return {(int(i), int(j)) for i, j in zip(*done.nonzero(), strict=True)}


def write_block(group, grid, i, j, values):
    """Write block (i, j) and, above the diagonal of a self-matrix, its mirror; then mark
    it done."""
    try:
        matrix = group["matrix"]
    except KeyError:
        raise ValueError(
            f"the worker finds no matrix in store {group.store!r}: the store must be storage "
            "that every worker reaches (not an in-memory store or a machine-local path)"
        ) from None
    rows, cols = grid.rows(i), grid.cols(j)
    matrix[rows, cols] = values
    if grid.symmetric and i != j:
        matrix[cols, rows] = values.T
    group["done"][i, j] = True
