"""``tswarp cdist``: a pairwise matrix saved as .npy, or computed on a Dask cluster."""

import contextlib
import functools
import logging
import os
import signal
import threading
import time

import numpy as np

from tswarp.cli._common import (
    UsageError,
    _constraint,
    _progress,
    _read,
    _same_dimension,
    _say,
)
from tswarp.cli._output import _atomic_output, _check_output, _is_zarr


def _run_cdist(args):
    from tswarp import metrics

    _check_output(args.output, inputs=(args.input, args.input2))
    if args.metric == "dtw" and args.gamma is not None:
        raise UsageError("--gamma applies to --metric soft_dtw and soft_dtw_normalized only")
    blocks = args.scheduler is not None or _is_zarr(args.output)
    if args.block_size is not None and not blocks:
        raise UsageError("--block-size applies with --scheduler or a .zarr output only")
    X, _, x_lengths, _ = _read(args.input)
    Y, y_lengths = X, x_lengths
    if args.input2 is not None:
        Y, _, y_lengths, _ = _read(args.input2)
        _same_dimension((args.input, X), (args.input2, Y))
    cells = float(x_lengths.sum()) * float(y_lengths.sum())
    options, _ = _constraint(args)
    if args.metric != "dtw":
        options["gamma"] = 1.0 if args.gamma is None else args.gamma
    function = getattr(metrics, f"cdist_{args.metric}")
    dtype = np.float32 if args.float32 else np.float64
    verbose = _progress(args, cells / (2 if args.input2 is None else 1))
    if blocks:
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
    shape = f"{matrix.shape[0]} x {matrix.shape[1]}"
    _say([f"{args.output}: {shape} {args.metric} matrix ({matrix.dtype}) in {elapsed:.2f} s"])


@contextlib.contextmanager
def _client(address):
    """A client of the cluster at ``address``, or of a LocalCluster for ``local:N``."""
    from distributed import Client

    if not address.startswith("local:"):
        with Client(address, timeout="10s") as client:
            yield client
        return
    with _local_cluster(int(address.partition(":")[2])) as cluster, Client(cluster) as client:
        yield client


@contextlib.contextmanager
def _local_cluster(processes):
    """A LocalCluster of ``processes`` worker processes that leave Ctrl-C to this one.

    Ctrl-C sends SIGINT to the whole process group: workers that took it would print
    tracebacks, and a worker inside a block stops only when the block is done (or is killed
    4 s later). So the workers start with SIGINT blocked, and a run that ends with an error
    or an interrupt kills them at once: a block not yet in the store is done by the next run.
    """
    from distributed import LocalCluster

    from tswarp._threads import usable_cpus

    threads = max(1, usable_cpus() // processes)
    cluster = None
    try:
        with _sigint_blocked_in_new_threads():
            cluster = LocalCluster(
                n_workers=processes, threads_per_worker=threads, dashboard_address=":0"
            )
        yield cluster
    except BaseException:
        if cluster is not None:
            with _quiet_dask_logs():
                cluster.sync(_kill_workers, cluster)
                cluster.close()
        raise
    cluster.close()


@contextlib.contextmanager
def _sigint_blocked_in_new_threads():
    """SIGINT blocked in the threads started inside the block, so in the processes that they
    start (the mask is inherited across fork and exec), where Python's KeyboardInterrupt
    then never comes. A Ctrl-C meanwhile is raised when the block ends."""
    if (
        not hasattr(signal, "pthread_sigmask")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return
    from multiprocessing import resource_tracker

    # Started now: starting it unblocks SIGINT in the thread that does it.
    resource_tracker.ensure_running()
    previous = signal.getsignal(signal.SIGINT)
    interrupted = []
    if callable(previous):  # SIG_IGN and SIG_DFL are left as they are, and inherited
        signal.signal(signal.SIGINT, lambda *frame: interrupted.append(frame))
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        if callable(previous):
            signal.signal(signal.SIGINT, previous)
            if interrupted:
                previous(*interrupted[0])


async def _kill_workers(cluster):
    """Kill the worker processes now, blocks running or not, and start none in their place."""
    for nanny in cluster.workers.values():
        pid = getattr(nanny, "pid", None)  # None for a worker thread, or a process gone
        if pid is not None:
            nanny.close_gracefully(reason="tswarp-stopped")  # and not restarted
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM))  # no SIGKILL on Windows


@contextlib.contextmanager
def _quiet_dask_logs():
    """No word from Dask that workers were killed or lost: the user has just asked for it."""
    handlers = list(logging.getLogger("distributed").handlers)
    for handler in handlers:
        handler.addFilter(_nothing)  # a filter, which closing the cluster leaves in place
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(_nothing)


def _nothing(record):
    return False


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
