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

import zarr

_KEY = "tswarp"


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
        if os.path.isdir(store) and os.listdir(store) and not _is_zarr(store):
            raise ValueError(f"store {store!r} is a directory of other files, not a Zarr store")
        group = zarr.open_group(store, mode="a")
    else:
        raise TypeError(f"store must be a path, a URL or a zarr.Group, got {store!r}")
    wanted = _description(grid, metric, options, dtype)
    held = group.attrs.get(_KEY)
    if held is None:
        if len(list(group.keys())):
            raise ValueError(f"store {store!r} holds other data: give an empty or new one")
        group.create_array(
            "matrix", shape=(grid.n1, grid.n2), chunks=_chunks(grid), dtype=dtype,
            fill_value=float("nan"),
        )  # fmt: skip
        group.create_array("done", shape=grid.shape, chunks=(1, 1), dtype=bool, fill_value=False)
        group.attrs[_KEY] = wanted
    elif held != wanted:
        changed = sorted(key for key in wanted if held.get(key) != wanted[key])
        raise ValueError(
            f"store {store!r} holds another computation (its {', '.join(changed)} differ): "
            "give the same arguments to resume it, or a new store"
        )
    return group


def _is_zarr(directory):
    return any(os.path.exists(os.path.join(directory, name)) for name in ("zarr.json", ".zgroup"))


def _chunks(grid):
    return (max(1, min(grid.size, grid.n1)), max(1, min(grid.size, grid.n2)))


def done_blocks(group):
    """The (i, j) of the blocks whose values are all written."""
    done = group["done"][...]
    return {(int(i), int(j)) for i, j in zip(*done.nonzero(), strict=True)}


def write_block(group, grid, i, j, values):
    """Write block (i, j) and, above the diagonal of a self-matrix, its mirror; then mark
    it done."""
    matrix = group["matrix"]
    rows, cols = grid.rows(i), grid.cols(j)
    matrix[rows, cols] = values
    if grid.symmetric and i != j:
        matrix[cols, rows] = values.T
    group["done"][i, j] = True
