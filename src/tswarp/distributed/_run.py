"""Running the blocks: as futures on a client (``cdist``), or as a lazy Dask array
(``cdist_dask``)."""

import functools

import dask
import dask.array as da
import distributed
import numpy as np
from dask.highlevelgraph import HighLevelGraph

from tswarp.distributed._blocks import (
    Grid,
    check_block_size,
    check_options,
    compute_block,
    metric_name,
    metric_options,
)
from tswarp.distributed._data import dataset_pair, prepared_chunks
from tswarp.distributed._store import done_blocks, open_store, write_block
from tswarp.metrics._pairwise import _Progress, pair_count


def _worker_threads():
    """The threads of one block: all of its worker's, or all of this machine's outside one."""
    try:
        worker = distributed.get_worker()
    except ValueError:
        return -1
    return worker.state.nthreads


def _block(A, B, metric, options, dtype):
    return compute_block(A, B, metric, options, dtype, _worker_threads())


def _stored_block(A, B, group, grid, i, j, metric, options, dtype):
    """Compute block (i, j), write it into the store and return its number of pairs."""
    values = _block(A, B, metric, options, dtype)
    write_block(group, grid, i, j, values)
    return _pairs(grid, i, j)


def _pairs(grid, i, j):
    rows, cols = grid.rows(i), grid.cols(j)
    n1, n2 = rows.stop - rows.start, cols.stop - cols.start
    return pair_count(n1, n2, grid.symmetric and i == j, False)


def _workers(client=None):
    """The worker processes of ``client``, or of the default client (1 without one)."""
    try:
        client = client or distributed.default_client()
    except ValueError:
        return 1
    return max(1, len(client.nthreads()))


def _setup(dataset1, dataset2, metric, block_size, metric_kwargs, workers):
    """Everything checked before any task runs: (X, Y, grid, metric, options, dtype)."""
    metric = metric_name(metric)
    options, dtype = metric_options(metric_kwargs)
    X, Y = dataset_pair(dataset1, dataset2)
    check_options(metric, options, X.shape[2] if Y is None or not X.shape[0] else Y.shape[2])
    n1 = X.shape[0]
    n2 = n1 if Y is None else Y.shape[0]
    longest = max(X.shape[1], 0 if Y is None else Y.shape[1])
    size = check_block_size(block_size, n1, n2, longest, Y is None, workers)
    grid = Grid(n1, n2, size, Y is None)
    return X, Y, grid, metric, options, dtype


def _default_client(client):
    if client is not None:
        if not isinstance(client, distributed.Client):
            raise TypeError(f"client must be a distributed.Client or None, got {client!r}")
        # A closed client (or one whose scheduler went away) otherwise fails deep inside
        # with an AttributeError.
        if client.status in ("closing", "closed"):
            raise ValueError(
                f"client is {client.status}: its scheduler cannot be reached; give a running "
                "distributed.Client"
            )
        return client
    try:
        return distributed.default_client()
    except ValueError:
        raise ValueError(
            "client is None and no Dask client is running: create one first, e.g. "
            "distributed.Client('tcp://scheduler:8786'), or pass client="
        ) from None


def run_cdist(dataset1, dataset2, metric, block_size, client, store, verbose, metric_kwargs):
    """``tswarp.distributed.cdist``: see its docstring."""
    client = _default_client(client)
    X, Y, grid, metric, options, dtype = _setup(
        dataset1, dataset2, metric, block_size, metric_kwargs, _workers(client)
    )
    group = None if store is None else open_store(store, grid, metric, options, dtype)
    finished = set() if group is None else done_blocks(group)
    todo = [block for block in grid.blocks() if block not in finished]
    total = pair_count(grid.n1, grid.n2, grid.symmetric, False)
    progress = _Progress(f"cdist {metric}", total, bool(verbose))
    done = total - sum(_pairs(grid, i, j) for i, j in todo)
    progress.update(done)
    matrix = None if group is not None else np.full((grid.n1, grid.n2), np.nan, dtype)
    futures = []
    try:
        rows, cols = _chunk_futures(client, X, Y, grid, todo)
        for i, j in todo:
            B = None if grid.symmetric and i == j else cols[j]
            if group is None:
                task = (_block, rows[i], B, metric, options, dtype)
            else:
                task = (_stored_block, rows[i], B, group, grid, i, j, metric, options, dtype)
            future = client.submit(*task, pure=False)
            future.block = (i, j)
            futures.append(future)
        del rows, cols  # the blocks hold them, and release them as they finish
        for future, result in distributed.as_completed(futures, with_results=True):
            i, j = future.block
            if group is None:
                _place(matrix, grid, i, j, result)
            done += _pairs(grid, i, j)
            future.release()
            progress.update(done)
    finally:
        client.cancel(futures)  # those left after an error or an interrupt
    if group is None:
        return matrix
    # The workers write into their own copy of the store: if it is not this one (an
    # in-memory store, a path that is local to each machine), the blocks are not here.
    missing = len(set(grid.blocks()) - done_blocks(group))
    if missing:
        raise ValueError(
            f"store {store!r}: {missing} blocks written by the workers are not in it as seen "
            "from the client; the store must be storage that every worker reaches (not an "
            "in-memory store or a machine-local path)"
        )
    return group["matrix"]


def _chunk_futures(client, X, Y, grid, todo):
    """Futures of the prepared row and column chunks that the blocks ``todo`` read."""
    row_chunks = prepared_chunks(X, grid.size, "dataset1")
    col_chunks = row_chunks if Y is None else prepared_chunks(Y, grid.size, "dataset2")
    needed_rows = {i for i, _ in todo}
    needed_cols = {j for _, j in todo}
    if Y is None:
        needed_rows |= needed_cols
    rows = _compute(client, row_chunks, needed_rows)
    return (rows, rows) if Y is None else (rows, _compute(client, col_chunks, needed_cols))


def _compute(client, chunks, needed):
    """{k: future of chunks[k]} for the k in ``needed``, sent one by one: a chunk of
    in-memory data travels inside its task, and one graph of them all would be as large as
    the dataset."""
    return {k: client.compute(chunks[k]) for k in sorted(needed)}


def _place(matrix, grid, i, j, values):
    rows, cols = grid.rows(i), grid.cols(j)
    matrix[rows, cols] = values
    if grid.symmetric and i != j:
        matrix[cols, rows] = values.T


def lazy_cdist(dataset1, dataset2, metric, block_size, metric_kwargs):
    """``tswarp.distributed.cdist_dask``: see its docstring."""
    X, Y, grid, metric, options, dtype = _setup(
        dataset1, dataset2, metric, block_size, metric_kwargs, _workers()
    )
    if not grid.blocks():  # no series on a side
        return da.empty((grid.n1, grid.n2), dtype=dtype)
    rows = prepared_chunks(X, grid.size, "dataset1")
    cols = rows if Y is None else prepared_chunks(Y, grid.size, "dataset2")
    block = functools.partial(_block, metric=metric, options=options, dtype=dtype)
    token = dask.base.tokenize(X, Y, metric, options, str(dtype), grid.size)
    name = f"tswarp-cdist-{metric}-{token}"
    graph = {}
    for i, j in grid.blocks():
        diagonal = grid.symmetric and i == j
        graph[name, i, j] = (block, rows[i].key, None if diagonal else cols[j].key)
        if grid.symmetric and i != j:
            graph[name, j, i] = (np.transpose, (name, i, j))
    layers = HighLevelGraph.from_collections(name, graph, dependencies=[*rows, *cols])
    chunks = (_sizes(grid.n1, grid.size), _sizes(grid.n2, grid.size))
    return da.Array(layers, name, chunks=chunks, dtype=dtype)


def _sizes(n, size):
    return tuple(min(size, n - start) for start in range(0, n, size)) or (0,)
