"""Pairwise matrices on a Dask cluster, block by block, optionally written to Zarr.

Needs the ``distributed`` extra: ``pip install "tswarp[distributed]"`` (Dask's distributed
scheduler and Zarr 3). Importing :mod:`tswarp` or :mod:`tswarp.metrics` never imports Dask.

The matrix is cut into blocks of ``block_size`` x ``block_size`` series; each block is one
task, which runs the compiled cdist function of the metric on its worker's threads (one
block at a time per worker process, on all of its threads). For a self-matrix only the
blocks on and above the diagonal are computed, and mirrored, so that the result is the one
``tswarp.metrics.cdist_*`` computes locally, bit for bit.

- :func:`cdist` runs the blocks on a client's cluster and returns a NumPy array, or, with
  ``store=``, writes each block into a Zarr array from the worker that computed it and
  returns that array: no machine holds more than a few blocks, whatever the number of
  series. A block already in the store is not computed again, so a stopped run resumes.
- :func:`cdist_dask` returns the matrix as a lazy ``dask.array``, to reduce without ever
  holding it (the nearest neighbour of each row, for example).
"""

from __future__ import annotations

try:
    import dask.array
    import distributed
    import zarr
except ImportError as error:  # pragma: no cover - the extra is installed in the tests
    raise ImportError(
        f"tswarp.distributed needs Dask's distributed scheduler and Zarr ({error}): "
        'pip install "tswarp[distributed]"'
    ) from error

from typing import TYPE_CHECKING, Any

from tswarp.distributed._run import lazy_cdist, run_cdist

if TYPE_CHECKING:
    import numpy as np

    from tswarp._typing import Dataset

__all__ = ["cdist", "cdist_dask"]


def cdist(
    dataset1: Dataset | dask.array.Array | zarr.Array | str,
    dataset2: Dataset | dask.array.Array | zarr.Array | str | None = None,
    *,
    metric: str = "dtw",
    block_size: int | None = None,
    client: distributed.Client | None = None,
    store: str | zarr.Group | None = None,
    verbose: int = 0,
    **metric_kwargs: Any,
) -> np.ndarray | zarr.Array:
    """The matrix of a metric between two datasets, computed block by block on a cluster.

    Parameters
    ----------
    dataset1 : array-like, list of series, dask.array.Array, zarr.Array or str
        The series of the rows: an (n1, sz, d), (n1, sz) or (sz,) array, a list of series
        of different lengths (NaN padding is ignored), a Dask array (read chunk by chunk on
        the workers, never whole on the client), or a Zarr array or its path or URL.
    dataset2 : same kinds as dataset1, optional
        The series of the columns. Without it, the self-matrix of ``dataset1`` is computed
        from the blocks on and above its diagonal.
    metric : str, default "dtw"
        A name of :data:`tswarp.metrics.PAIRWISE_METRICS` (tslearn's spellings, such as
        ``"softdtw"``, are accepted too).
    block_size : int or None
        Series per side of a block (and per chunk of a stored matrix). By default, the
        largest that keeps a block under about 1e10 dynamic-programming cells (seconds on
        one core: the scheduler's cost per task, about a millisecond, is negligible) and
        gives each worker at least 8 blocks (so that the last ones leave little idle
        time), and at most 4096.
    client : distributed.Client or None
        The cluster to run on; by default the client made last in this process.
    store : str or zarr.Group, optional
        Where to write the matrix: a path or URL (opened with ``zarr.open_group``) or a
        group. The workers write into it, so on a real cluster it must be storage that
        every machine reaches (a shared file system or an object store URL). The group
        gets arrays ``matrix`` (chunked as the blocks) and ``done`` (one flag per block).
        Given again with the same data and arguments, only the blocks not yet done are
        computed.
    verbose : int, default 0
        When non-zero, a progress bar on stderr counts the pairs of the finished blocks.
    **metric_kwargs
        The keywords of the metric's cdist function (``global_constraint``,
        ``sakoe_chiba_radius``, ``gamma``, ``sigma``, ...) and ``dtype`` (float64 by
        default; ``numpy.float32`` halves the matrix). ``n_jobs`` is not taken: each block
        runs on the threads of its worker (``nthreads``).

    Returns
    -------
    numpy.ndarray or zarr.Array of shape (n1, n2)
        A NumPy array, or the store's ``matrix`` when ``store`` is given.

    Raises
    ------
    ValueError
        For an unknown metric, a bad dataset (its message names the series), a
        ``block_size`` < 1, no running client, or a store that holds another computation.
    TypeError
        For reserved or unknown keywords, or a client or store of another kind.

    Examples
    --------
    >>> from distributed import Client, LocalCluster
    >>> from tswarp.distributed import cdist
    >>> cluster = LocalCluster(n_workers=1, processes=False, dashboard_address=":0")
    >>> with cluster, Client(cluster) as client:
    ...     cdist([[1, 2, 2, 3], [1, 2, 3, 4], [0, 0, 1, 2]], block_size=2, client=client)
    array([[0.        , 1.        , 1.73205081],
           [1.        , 0.        , 2.64575131],
           [1.73205081, 2.64575131, 0.        ]])
    """
    return run_cdist(dataset1, dataset2, metric, block_size, client, store, verbose, metric_kwargs)


def cdist_dask(
    dataset1: Dataset | dask.array.Array | zarr.Array | str,
    dataset2: Dataset | dask.array.Array | zarr.Array | str | None = None,
    *,
    metric: str = "dtw",
    block_size: int | None = None,
    **metric_kwargs: Any,
) -> dask.array.Array:
    """The matrix of a metric between two datasets as a lazy ``dask.array``.

    One chunk per block, computed by the scheduler that computes the array (a
    ``distributed`` client when one runs); chunks below the diagonal of a self-matrix are
    the transposes of those above. Reductions run block by block, so that the matrix is
    never held whole.

    Parameters
    ----------
    dataset1 : array-like, list of series, dask.array.Array, zarr.Array or str
        The series of the rows: an (n1, sz, d), (n1, sz) or (sz,) array, a list of series
        of different lengths (NaN padding is ignored), a Dask array (read chunk by chunk on
        the workers, never whole on the client), or a Zarr array or its path or URL.
    dataset2 : same kinds as dataset1, optional
        The series of the columns. Without it, the self-matrix of ``dataset1`` is computed
        from the blocks on and above its diagonal.
    metric : str, default "dtw"
        A name of :data:`tswarp.metrics.PAIRWISE_METRICS` (tslearn's spellings, such as
        ``"softdtw"``, are accepted too).
    block_size : int or None
        Series per side of a block (and per chunk of a stored matrix). By default, the
        largest that keeps a block under about 1e10 dynamic-programming cells (seconds on
        one core: the scheduler's cost per task, about a millisecond, is negligible) and
        gives each worker at least 8 blocks (so that the last ones leave little idle
        time), and at most 4096.
    **metric_kwargs
        The keywords of the metric's cdist function (``global_constraint``,
        ``sakoe_chiba_radius``, ``gamma``, ``sigma``, ...) and ``dtype`` (float64 by
        default; ``numpy.float32`` halves the matrix). ``n_jobs`` is not taken: each block
        runs on the threads of the worker that computes it.

    Returns
    -------
    dask.array.Array of shape (n1, n2)
        Chunks of ``block_size`` x ``block_size``, of the metric's dtype (float64 unless
        ``dtype`` is given).

    Raises
    ------
    ValueError, TypeError
        As in :func:`cdist`, for what can be checked without reading the data.

    Examples
    --------
    >>> from tswarp.distributed import cdist_dask
    >>> queries = [[1, 2, 3, 4], [0, 0, 1, 2]]
    >>> references = [[1, 2, 2, 3], [0, 1, 1, 2], [5, 5, 5, 5]]
    >>> distances = cdist_dask(queries, references, block_size=2)
    >>> distances.argmin(axis=1).compute()  # the nearest reference of each query
    array([0, 1])
    """
    return lazy_cdist(dataset1, dataset2, metric, block_size, metric_kwargs)
