"""tswarp.distributed: block by block, the local cdist's matrix, bit for bit.

The lazy API runs on Dask's synchronous scheduler (no cluster); ``cdist`` runs on one real
two-process LocalCluster, shared by the module's tests.
"""

import os
import signal
import threading
import time

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
zarr = pytest.importorskip("zarr")

import dask  # noqa: E402

from tswarp.cli import main  # noqa: E402
from tswarp.distributed import _blocks, _run, cdist, cdist_dask  # noqa: E402
from tswarp.metrics import (  # noqa: E402
    PAIRWISE_METRICS,
    cdist_dtw,
    cdist_soft_dtw,
    cdist_soft_dtw_normalized,
)

# The keywords that each metric is run with, beside its defaults.
OPTIONS = {
    "dtw": [{}, {"sakoe_chiba_radius": 2}, {"itakura_max_slope": 2.0}],
    "soft_dtw": [{"gamma": 0.1}, {"gamma": 1.0, "sakoe_chiba_radius": 3}],
    "soft_dtw_normalized": [{"gamma": 0.5}],
    "frechet": [{}, {"sakoe_chiba_radius": 3}],
    "lcss": [{"eps": 0.5}],
    "gak": [{"sigma": 2.0}],
    "ctw": [{}],
}
CASES = [(metric, options) for metric, per in OPTIONS.items() for options in per]


def ragged(rng, n, low, high, d=2):
    return [rng.standard_normal((int(rng.integers(low, high + 1)), d)) for _ in range(n)]


def lazy(*args, **kwargs):
    return cdist_dask(*args, **kwargs).compute(scheduler="synchronous")


def test_every_pairwise_metric_has_options():
    assert set(OPTIONS) == set(PAIRWISE_METRICS)


@pytest.mark.parametrize(("metric", "options"), CASES)
@pytest.mark.parametrize("block_size", [1, 3, 8])
def test_blocks_give_the_local_matrix_bit_for_bit(rng, metric, options, block_size):
    # block_size 1 computes each pair alone, so SIMD lane groups never hold the same pairs
    # as in the local matrix: the kernels' values must not depend on the grouping.
    X, Y = ragged(rng, 11, 6, 14), ragged(rng, 7, 8, 12)
    local = PAIRWISE_METRICS[metric]
    same = lazy(X, metric=metric, block_size=block_size, **options)
    assert np.array_equal(same, local(X, **options))
    other = lazy(X, Y, metric=metric, block_size=block_size, **options)
    assert np.array_equal(other, local(X, Y, **options))


def test_self_values_of_a_block_alone_match_the_whole(rng):
    # gak and the soft-DTW divergence normalise each entry by the series' own values: a
    # block off the diagonal computes them from its own series, the whole matrix from its
    # diagonal, and both must be the same numbers.
    X = rng.standard_normal((9, 10, 1))
    whole = cdist_soft_dtw_normalized(X, gamma=0.3)
    assert np.array_equal(cdist_soft_dtw_normalized(X[:4], X[4:], gamma=0.3), whole[:4, 4:])


@pytest.mark.parametrize("block_size", [1, 4, 9, 50])
def test_grid_covers_each_pair_once(block_size):
    for symmetric, (n1, n2) in [(True, (9, 9)), (False, (9, 5))]:
        grid = _blocks.Grid(n1, n2, block_size, symmetric)
        count = np.zeros((n1, n2), dtype=int)
        for i, j in grid.blocks():
            count[grid.rows(i), grid.cols(j)] += 1
            if symmetric and i != j:
                count[grid.cols(j), grid.rows(i)] += 1
        assert (count == 1).all()


def test_tslearn_spelling_and_float32(rng):
    X = rng.standard_normal((6, 9))
    result = lazy(X, metric="softdtw", gamma=0.5, block_size=4, dtype=np.float32)
    assert result.dtype == np.float32
    expected = cdist_soft_dtw(X, gamma=0.5, dtype=np.float32)
    assert np.array_equal(result, expected)


def test_dask_input_stays_lazy_until_computed(rng):
    X = rng.standard_normal((10, 12))
    reads = []

    def load(start):
        reads.append(start)
        return X[start : start + 5]

    parts = [da.from_delayed(dask.delayed(load)(s), (5, 12), X.dtype) for s in (0, 5)]
    lazy_matrix = cdist_dask(da.concatenate(parts), block_size=5)
    assert reads == []
    assert np.array_equal(lazy_matrix.compute(scheduler="synchronous"), cdist_dtw(X))


def test_row_argmin_without_the_matrix(rng):
    X, Y = rng.standard_normal((13, 10)), rng.standard_normal((17, 10))
    nearest = cdist_dask(da.from_array(X, chunks=4), Y, block_size=4).argmin(axis=1)
    assert np.array_equal(nearest.compute(scheduler="synchronous"), cdist_dtw(X, Y).argmin(1))


def test_zarr_array_and_path_inputs(rng, tmp_path):
    X = rng.standard_normal((7, 9, 2))
    array = zarr.create_array(str(tmp_path / "x.zarr"), shape=X.shape, dtype=X.dtype)
    array[...] = X
    assert np.array_equal(lazy(array, block_size=3), cdist_dtw(X))
    assert np.array_equal(lazy(str(tmp_path / "x.zarr"), X[:2], block_size=3), cdist_dtw(X, X[:2]))


def test_no_series(rng):
    assert lazy(np.zeros((0, 5)), rng.standard_normal((3, 5))).shape == (0, 3)


def test_inputs_are_not_modified(rng):
    X = rng.standard_normal((6, 8))
    X[2, 6:] = np.nan
    before = X.copy()
    lazy(X, block_size=2)
    assert np.array_equal(X, before, equal_nan=True)


@pytest.mark.parametrize(
    ("arguments", "error", "match"),
    [
        ({"metric": "euclidean"}, ValueError, "metric must be one of"),
        ({"n_jobs": 2}, TypeError, "n_jobs cannot be given"),
        ({"block_size": 0}, ValueError, "block_size must be >= 1"),
        ({"block_size": 2.5}, TypeError, "block_size must be an integer"),
        ({"block_size": True}, TypeError, "block_size must be an integer"),
        ({"gamma": -1.0, "metric": "soft_dtw"}, ValueError, "gamma"),
        ({"radius": 2}, TypeError, "radius"),
        ({"dtype": np.int32}, ValueError, "dtype must be"),
    ],
)
def test_bad_arguments_raise_before_any_task(rng, arguments, error, match):
    X = rng.standard_normal((4, 5))
    with pytest.raises(error, match=match):
        cdist_dask(X, **arguments)


def test_bad_data_names_the_series(rng):
    X = rng.standard_normal((8, 5))
    X[5, 2] = np.nan
    with pytest.raises(ValueError, match=r"dataset1\[5\] has a NaN"):
        cdist_dask(X)
    with pytest.raises(ValueError, match=r"dataset1\[4:8\]\[1\] has a NaN"):
        lazy(da.from_array(X, chunks=4), block_size=4)
    with pytest.raises(ValueError, match="same number of features"):
        cdist_dask(rng.standard_normal((3, 5, 2)), da.zeros((3, 5, 3)))
    with pytest.raises(TypeError, match="real numbers"):
        cdist_dask(da.zeros((3, 5), dtype=complex))
    with pytest.raises(ValueError, match="no Zarr array"):
        cdist_dask("no-such-array.zarr")


def test_cdist_without_a_client_says_so(rng):
    with pytest.raises(ValueError, match="no Dask client is running"):
        cdist(rng.standard_normal((3, 4)))
    with pytest.raises(TypeError, match="client must be"):
        cdist(rng.standard_normal((3, 4)), client="tcp://localhost:8786")


# --- on a real cluster ---


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.mark.parametrize("metric", ["dtw", "soft_dtw"])
def test_cluster_matrix_is_the_local_one(client, rng, tmp_path, metric):
    local = {"dtw": cdist_dtw, "soft_dtw": cdist_soft_dtw}[metric]
    X, Y = ragged(rng, 13, 5, 15), rng.standard_normal((6, 11, 2))
    band = {"sakoe_chiba_radius": 3}
    assert np.array_equal(cdist(X, metric=metric, block_size=4, client=client), local(X))
    assert np.array_equal(cdist(X, Y, metric=metric, block_size=5, client=client), local(X, Y))
    stored = cdist(
        X, metric=metric, block_size=4, client=client, store=str(tmp_path / "d"), **band
    )
    assert isinstance(stored, zarr.Array) and stored.chunks == (4, 4)
    assert np.array_equal(stored[...], local(X, **band))


def test_errors_of_a_block_reach_the_caller(client, rng):
    X = [rng.standard_normal(4), rng.standard_normal(12)]
    with pytest.raises(
        ValueError, match="admits no warping path between series of lengths 4 and 12"
    ):
        cdist(X, itakura_max_slope=1.5, block_size=1, client=client)


def test_store_of_another_computation_is_refused(client, rng, tmp_path):
    X = rng.standard_normal((5, 6))
    cdist(X, block_size=2, client=client, store=str(tmp_path / "d"))
    with pytest.raises(ValueError, match=r"another computation \(block_size: 2 stored, 3 given\)"):
        cdist(X, block_size=3, client=client, store=str(tmp_path / "d"))
    group = zarr.open_group(str(tmp_path / "other"), mode="a")
    group.create_array("x", shape=(1,), dtype=float)
    with pytest.raises(ValueError, match="holds other data"):
        cdist(X, client=client, store=group)
    with pytest.raises(TypeError, match="store must be"):
        cdist(X, client=client, store=3)
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="directory of other files"):
        cdist(X, client=client, store=str(tmp_path / "files"))


class _StopAfter:
    """A progress display that interrupts the run after a few finished blocks."""

    def __init__(self, label, total, enabled):
        self.calls = 0

    def update(self, done):
        self.calls += 1
        if self.calls > 3:  # the first call counts the blocks already done
            raise KeyboardInterrupt


def _running_tasks(dask_worker):
    # Cancelled tasks go on in their thread and still count here, not in processing().
    return dask_worker.state.executing_count + len(dask_worker.state.long_running)


def _wait_idle(client):
    while any(client.processing().values()) or any(client.run(_running_tasks).values()):
        time.sleep(0.05)


def _slow_blocks(seconds):
    """Run on the workers: each block waits first, so that a worker dies while it runs."""
    from tswarp.distributed import _run

    block = _run._block
    _run._block = lambda *args: (time.sleep(seconds), block(*args))[1]


def _fast_blocks():
    import importlib

    from tswarp.distributed import _run

    importlib.reload(_run)


def test_stopped_run_resumes_with_the_missing_blocks_only(client, rng, tmp_path, monkeypatch):
    X = rng.standard_normal((20, 16))
    path = str(tmp_path / "d.zarr")
    monkeypatch.setattr(_run, "_Progress", _StopAfter)
    # Slow blocks: the run stops while most of them are still to do, however fast the machine.
    client.run(_slow_blocks, 0.2)
    try:
        with pytest.raises(KeyboardInterrupt):
            cdist(X, block_size=4, client=client, store=path)
        _wait_idle(client)  # blocks already running when the run stopped may still finish
    finally:
        client.run(_fast_blocks)
    monkeypatch.undo()
    group = zarr.open_group(path, mode="r+")
    done = group["done"][...]
    assert 3 <= done.sum() < 15  # 15 blocks on and above the diagonal
    # Mark every block's values: a block done must keep them, any other is computed again.
    group["matrix"][...] = -1.0
    result = cdist(X, block_size=4, client=client, store=path)[...]
    expected = cdist_dtw(X)
    for i, j in np.argwhere(np.triu(np.ones((5, 5), dtype=bool))):
        rows, cols = slice(4 * i, 4 * i + 4), slice(4 * j, 4 * j + 4)
        if done[i, j]:
            assert (result[rows, cols] == -1).all() and (result[cols, rows] == -1).all()
        else:
            assert np.array_equal(result[rows, cols], expected[rows, cols])
            assert np.array_equal(result[cols, rows], expected[cols, rows])


def test_a_killed_worker_changes_nothing(client, rng, tmp_path):
    X = rng.standard_normal((16, 10))
    client.run(_slow_blocks, 0.4)
    path = str(tmp_path / "d.zarr")
    outcome = {}

    def run():
        outcome["matrix"] = cdist(X, block_size=4, client=client, store=path)[...]

    thread = threading.Thread(target=run)
    thread.start()
    try:
        time.sleep(0.6)  # blocks are running
        victim = next(iter(client.run(os.getpid).values()))
        os.kill(victim, signal.SIGKILL)
        thread.join(60)
    finally:
        client.run(_fast_blocks)
    assert np.array_equal(outcome["matrix"], cdist_dtw(X))
    client.wait_for_workers(2)
    assert victim not in client.run(os.getpid).values()  # the nanny started a new one


# --- the command line ---


def run_cli(capsys, *args):
    code = main([str(arg) for arg in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_writes_a_zarr_store_and_resumes_it(client, rng, tmp_path, capsys):
    X = rng.standard_normal((14, 12))
    np.save(tmp_path / "x.npy", X)
    address = client.scheduler.address
    args = ["cdist", tmp_path / "x.npy", "-o", tmp_path / "d.zarr", "--scheduler", address]
    code, out, err = run_cli(capsys, *args, "--block-size", "4", "--progress")
    assert code == 0, err
    assert "14 x 14 dtw matrix (float64)" in out and "91/91 pairs" in err
    stored = zarr.open_group(str(tmp_path / "d.zarr"), mode="r")
    assert np.array_equal(stored["matrix"][...], cdist_dtw(X))
    assert np.array_equal(stored["done"][...], np.triu(np.ones((4, 4), dtype=bool)))
    code, _, err = run_cli(capsys, *args, "--block-size", "5")
    assert code == 2 and "another computation" in err


def test_cli_npy_output_on_a_cluster(client, rng, tmp_path, capsys):
    X, Y = rng.standard_normal((9, 10)), rng.standard_normal((5, 10))
    np.save(tmp_path / "x.npy", X)
    np.save(tmp_path / "y.npy", Y)
    args = ["cdist", tmp_path / "x.npy", tmp_path / "y.npy", "-o", tmp_path / "d.npy"]
    options = ["--metric", "soft_dtw", "--gamma", "0.5", "--block-size", "3"]
    code, _, err = run_cli(capsys, *args, *options, "--scheduler", client.scheduler.address)
    assert code == 0, err
    assert np.array_equal(np.load(tmp_path / "d.npy"), cdist_soft_dtw(X, Y, gamma=0.5))


def test_cli_zarr_output_starts_a_local_cluster(rng, tmp_path, capsys):
    X = rng.standard_normal((6, 8))
    np.save(tmp_path / "x.npy", X)
    code, _, err = run_cli(capsys, "cdist", tmp_path / "x.npy", "-o", tmp_path / "d.zarr")
    assert code == 0, err
    stored = zarr.open_array(str(tmp_path / "d.zarr"), path="matrix", mode="r")
    assert np.array_equal(stored[...], cdist_dtw(X))


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--scheduler", "local:0"], "must be local:N with N >= 1"),
        (["--scheduler", "local:two"], "must be local:N with N >= 1"),
        (["-o", "OTHER"], "exists and is not a Zarr store"),
    ],
)
def test_cli_distributed_errors(rng, tmp_path, capsys, extra, message):
    np.save(tmp_path / "x.npy", rng.standard_normal((3, 4)))
    (tmp_path / "other.zarr").mkdir()
    extra = [str(tmp_path / "other.zarr") if item == "OTHER" else item for item in extra]
    code, _, err = run_cli(capsys, "cdist", tmp_path / "x.npy", "-o", tmp_path / "d.zarr", *extra)
    assert code == 2 and message in err and err.count("\n") == 1


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="POSIX process groups")
def test_cli_ctrl_c_on_a_local_cluster_stops_at_once_and_resumes(rng, tmp_path, capsys):
    import subprocess
    import sys

    # 60 long series, then 120 short ones: with blocks of 60, block (0, 0) takes seconds,
    # the 5 others a fraction of one.
    X = np.full((180, 4000), np.nan)
    X[:60] = rng.standard_normal((60, 4000))
    X[60:, :30] = rng.standard_normal((120, 30))
    np.save(tmp_path / "x.npy", X)
    path = str(tmp_path / "d.zarr")
    argv = ["cdist", str(tmp_path / "x.npy"), "-o", path, "--scheduler", "local:2",
            "--block-size", "60"]  # fmt: skip
    code = (
        "import signal, sys\n"
        "from tswarp.cli import main\n"
        # As in a terminal, even where this test runs with SIGINT ignored.
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    # A session of its own: Ctrl-C signals the command's process group, its workers too.
    child = subprocess.Popen(
        [sys.executable, "-c", code, *argv], stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        done = None
        while time.monotonic() < deadline and child.poll() is None:
            try:
                done = zarr.open_group(path, mode="r")["done"][...]
            except Exception:  # not created yet, or being written
                done = None
            if done is not None and done.sum() == 5:
                break
            time.sleep(0.05)
        assert done is not None and done.sum() == 5 and not done[0, 0], child.poll()
        sent = time.monotonic()
        os.killpg(child.pid, signal.SIGINT)  # while block (0, 0) runs
        _, err = child.communicate(timeout=60)
        elapsed = time.monotonic() - sent
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.communicate()
    assert child.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert "still alive" not in err and err.endswith("tswarp: interrupted\n"), err
    assert elapsed < 3.0, (elapsed, err)
    # Resumed: block (0, 0) is computed, the blocks done keep their values (marked here).
    group = zarr.open_group(path, mode="r+")
    expected = np.triu(np.ones((3, 3), dtype=bool))
    expected[0, 0] = False
    assert np.array_equal(group["done"][...], expected)
    group["matrix"][...] = -1.0
    code, _, err = run_cli(capsys, *argv)
    assert code == 0, err
    result = zarr.open_array(path, path="matrix", mode="r")[...]
    assert np.array_equal(result[:3, :60], cdist_dtw(X[:3], X[:60]))
    assert (result[:, 60:] == -1).all() and (result[60:, :] == -1).all()


# --- awkward inputs: Dask arrays of unknown size, empty sides, huge blocks ---


def unknown_rows(X):
    """X as a Dask array whose number of rows Dask does not know until computed."""
    lazy = da.from_array(X, chunks=2)
    return lazy[lazy.reshape(len(X), -1)[:, 0] > -np.inf]


@pytest.mark.parametrize("shape", [(6,), (6, 5), (6, 5, 2)])
def test_dask_array_of_unknown_size_says_so(rng, shape):
    # Series given as (n, sz) or (sz,) were reshaped before the check: a TypeError
    # "'float' object cannot be interpreted as an integer".
    X = unknown_rows(rng.standard_normal(shape))
    with pytest.raises(ValueError, match=r"dataset1 must have a known shape"):
        cdist_dask(X)
    with pytest.raises(ValueError, match=r"dataset2 must have a known shape"):
        cdist_dask(rng.standard_normal((2, 5)), X)


def test_cluster_edge_cases_give_the_local_matrix(client, rng):
    X = rng.standard_normal((5, 12))[:, ::2]  # strided
    X.flags.writeable = False
    Y = rng.standard_normal((3, 4))
    before = X.copy()
    assert np.array_equal(cdist(X, Y, block_size=10**18, client=client), cdist_dtw(X, Y))
    assert np.array_equal(cdist(X, block_size=2, client=client), cdist_dtw(X))
    assert cdist(np.zeros((0, 6)), Y, client=client).shape == (0, 3)
    assert cdist(X, np.zeros((0, 6)), client=client).shape == (5, 0)
    assert np.array_equal(X, before)
    with pytest.raises(ValueError, match="known shape"):
        cdist(unknown_rows(rng.standard_normal((6, 5))), client=client)


# --- hostile stores and clients ---


def test_store_on_a_file_or_for_other_options_is_refused_clearly(client, rng, tmp_path):
    X = rng.standard_normal((5, 6))
    (tmp_path / "a file").write_text("mine")
    with pytest.raises(ValueError, match="is a file"):  # was FileExistsError
        cdist(X, client=client, store=str(tmp_path / "a file"))
    path = str(tmp_path / "dé j.zarr")  # spaces and unicode
    cdist(X, metric="soft_dtw", gamma=0.1, block_size=2, client=client, store=path)
    # The message names the option and both values, not just "options".
    with pytest.raises(ValueError, match=r"options: .*'gamma', 0\.1.* stored, .*'gamma', 1\.0"):
        cdist(X, metric="soft_dtw", gamma=1.0, block_size=2, client=client, store=path)
    with pytest.raises(ValueError, match=r"shape: \[5, 5\] stored, \[4, 4\] given"):
        cdist(X[:4], metric="soft_dtw", gamma=0.1, block_size=2, client=client, store=path)
    result = cdist(X, metric="soft_dtw", gamma=0.1, block_size=2, client=client, store=path)
    assert np.array_equal(result[...], cdist_soft_dtw(X, gamma=0.1))


def test_store_the_workers_cannot_reach_is_an_error_not_nans(client, rng):
    # Each worker process writes into its own copy of an in-memory store: the caller's
    # copy stayed all NaN and was returned as the result.
    X = rng.standard_normal((5, 6))
    group = zarr.open_group(store=zarr.storage.MemoryStore(), mode="a")
    with pytest.raises(ValueError, match="every worker reaches"):
        cdist(X, block_size=2, client=client, store=group)
    with pytest.raises(ValueError, match="every worker reaches"):  # was KeyError('matrix')
        cdist(X, block_size=2, client=client, store="memory://tswarp-test.zarr")


def test_runs_creating_the_same_store_at_once_agree(client, rng, tmp_path):
    # Two runs creating one store raced: ContainsGroupError or "holds other data".
    X = rng.standard_normal((6, 7))
    path = str(tmp_path / "d.zarr")
    errors = []

    def run():
        try:
            cdist(X, block_size=2, client=client, store=path)
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert np.array_equal(zarr.open_array(path + "/matrix")[...], cdist_dtw(X))


def test_store_left_half_set_up_is_refused_not_mixed(client, rng, tmp_path, monkeypatch):
    X = rng.standard_normal((5, 6))
    group = zarr.open_group(str(tmp_path / "d.zarr"), mode="a")
    group.create_array("matrix", shape=(5, 5), dtype=float)  # a run stopped here
    monkeypatch.setattr("tswarp.distributed._store._SETUP_WAIT", 0.2)
    with pytest.raises(ValueError, match="holds other data"):
        cdist(X, block_size=2, client=client, store=group)


def test_closed_client_says_so_at_once(rng):
    X = rng.standard_normal((3, 4))
    cluster = distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    lost = distributed.Client(cluster)
    cluster.close()  # the scheduler goes away: the client closes itself
    try:
        start = time.monotonic()
        with pytest.raises(ValueError, match="client is clos"):  # was an AttributeError
            cdist(X, client=lost)
        assert time.monotonic() - start < 5
    finally:
        lost.close()
