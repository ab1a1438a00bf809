"""``tswarp cdist``: a pairwise matrix saved as .npy, or computed on a Dask cluster."""

import contextlib
import functools
import time

import numpy as np

from tswarp.cli._common import UsageError, _constraint, _progress, _read, _same_dimension
from tswarp.cli._output import _atomic_output, _check_output, _is_zarr


def _run_cdist(args):
    from tswarp import metrics

    _check_output(args.output)
    if args.metric == "dtw" and args.gamma is not None:
        raise UsageError("--gamma applies to --metric soft_dtw and soft_dtw_normalized only")
    X, _, x_lengths = _read(args.input)
    Y, y_lengths = X, x_lengths
    if args.input2 is not None:
        Y, _, y_lengths = _read(args.input2)
        _same_dimension((args.input, X), (args.input2, Y))
    cells = float(x_lengths.sum()) * float(y_lengths.sum())
    options, _ = _constraint(args)
    if args.metric != "dtw":
        options["gamma"] = 1.0 if args.gamma is None else args.gamma
    function = getattr(metrics, f"cdist_{args.metric}")
    dtype = np.float32 if args.float32 else np.float64
    verbose = _progress(args, cells / (2 if args.input2 is None else 1))
    if args.scheduler is not None or _is_zarr(args.output):
        second = None if args.input2 is None else Y
        return _run_distributed(args, X, second, options, dtype, verbose)
    with _atomic_output(args.output) as handle:
        start = time.perf_counter()
        matrix = function(
            X,
            None if args.input2 is None else Y,
            n_jobs=args.n_jobs,
            verbose=verbose,
            dtype=dtype,
            **options,
        )
        elapsed = time.perf_counter() - start
        np.save(handle, matrix)
    _report(args, matrix, elapsed)
    return 0


def _report(args, matrix, elapsed):
    print(
        f"{args.output}: {matrix.shape[0]} x {matrix.shape[1]} {args.metric} matrix "
        f"({matrix.dtype}) in {elapsed:.2f} s"
    )


@contextlib.contextmanager
def _client(address):
    """A client of the cluster at ``address``, or of a LocalCluster for ``local:N``."""
    from distributed import Client, LocalCluster

    if not address.startswith("local:"):
        with Client(address, timeout="10s") as client:
            yield client
        return
    from tswarp._threads import usable_cpus

    processes = int(address.partition(":")[2])
    threads = max(1, usable_cpus() // processes)
    with (
        LocalCluster(
            n_workers=processes, threads_per_worker=threads, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def _run_distributed(args, X, Y, options, dtype, verbose):
    """cdist on a cluster: a .zarr output written block by block, or a .npy saved whole."""
    try:
        from tswarp.distributed import cdist
    except ImportError as error:
        raise UsageError(str(error)) from None
    zarr_output = _is_zarr(args.output)
    with _client(args.scheduler or "local:1") as client:
        start = time.perf_counter()
        run = functools.partial(
            cdist, X, Y, metric=args.metric, block_size=args.block_size, client=client,
            verbose=verbose, dtype=dtype, **options,
        )  # fmt: skip
        if zarr_output:
            matrix = run(store=args.output)
        else:
            with _atomic_output(args.output) as handle:
                matrix = run()
                np.save(handle, matrix)
        elapsed = time.perf_counter() - start
    _report(args, matrix, elapsed)
    return 0
