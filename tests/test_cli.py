import os
import re
import subprocess
import sys

import numpy as np
import pytest
from conftest import HAS_TORCH

import tswarp
from tswarp.cli import main
from tswarp.datasets import make_cbf
from tswarp.metrics import cdist_dtw, cdist_soft_dtw


def run(capsys, *args):
    code = main([str(arg) for arg in args])
    out, err = capsys.readouterr()
    return code, out, err


def write_ucr(path, X, y, separator="\t"):
    """A UCR text file: the label, then the series' values without its NaN padding."""
    with open(path, "w", encoding="utf-8") as handle:
        for series, label in zip(X, y, strict=True):
            values = series[~np.isnan(series)]
            handle.write(separator.join([str(label), *map(repr, values.tolist())]) + "\n")
    return path


@pytest.fixture
def series(rng):
    return rng.standard_normal((60, 25, 2))


def test_cdist_npy_matches_cdist_dtw(tmp_path, capsys, series):
    np.save(tmp_path / "x.npy", series)
    code, out, err = run(capsys, "cdist", tmp_path / "x.npy", "-o", tmp_path / "d.npy")
    assert code == 0 and err == ""
    assert "60 x 60 dtw matrix (float64)" in out
    matrix = np.load(tmp_path / "d.npy")
    np.testing.assert_allclose(matrix, cdist_dtw(series), rtol=1e-12, atol=0)
    assert sorted(os.listdir(tmp_path)) == ["d.npy", "x.npy"]  # no temporary file left
    assert oct(os.stat(tmp_path / "d.npy").st_mode & 0o777) != oct(0o600)


def test_cdist_two_files_constraint_soft_dtw_float32(tmp_path, capsys, rng):
    X = rng.standard_normal((7, 20))
    Y = np.full((5, 30), np.nan)
    for i in range(5):  # variable lengths, as a UCR file holds them
        Y[i, : 10 + 4 * i] = rng.standard_normal(10 + 4 * i)
    np.save(tmp_path / "x.npy", X)
    write_ucr(tmp_path / "y.tsv", Y, range(5))
    out_path = tmp_path / "s.npy"
    args = ["cdist", tmp_path / "x.npy", tmp_path / "y.tsv", "-o", out_path]
    code, _, _ = run(capsys, *args, "--metric", "soft_dtw", "--gamma", "0.5", "--float32")
    assert code == 0
    matrix = np.load(out_path)
    assert matrix.dtype == np.float32 and matrix.shape == (7, 5)
    np.testing.assert_allclose(matrix, cdist_soft_dtw(X, Y, gamma=0.5), rtol=1e-5)

    code, _, _ = run(capsys, *args, "--sakoe-chiba-radius", "3", "--n-jobs", "1")
    assert code == 0
    expected = cdist_dtw(X, Y, sakoe_chiba_radius=3)
    np.testing.assert_allclose(np.load(out_path), expected, rtol=1e-12)


def test_cdist_normalized_and_itakura(tmp_path, capsys, rng):
    from tswarp.metrics import cdist_soft_dtw_normalized

    X = rng.standard_normal((6, 12))
    np.save(tmp_path / "x.npy", X)
    args = ["cdist", tmp_path / "x.npy", "-o", tmp_path / "n.npy"]
    assert (
        run(capsys, *args, "--metric", "soft_dtw_normalized", "--itakura-max-slope", "2")[0] == 0
    )
    expected = cdist_soft_dtw_normalized(X, itakura_max_slope=2.0)
    np.testing.assert_allclose(np.load(tmp_path / "n.npy"), expected, rtol=1e-10, atol=1e-12)


def test_progress_bar_on_request(tmp_path, capsys, series):
    np.save(tmp_path / "x.npy", series)
    code, _, err = run(capsys, "cdist", tmp_path / "x.npy", "-o", tmp_path / "d.npy", "--progress")
    assert code == 0 and "cdist_dtw" in err and "100.0%" in err
    args = ["cdist", tmp_path / "x.npy", "-o", tmp_path / "d.npy", "--no-progress"]
    assert run(capsys, *args)[2] == ""


def test_automatic_progress_bar_needs_a_terminal(tmp_path, capsys, monkeypatch, series):
    import tswarp.cli._common

    np.save(tmp_path / "x.npy", series)
    monkeypatch.setattr(tswarp.cli._common, "_PROGRESS_CELLS", 1.0)  # every run counts as long
    args = ["cdist", tmp_path / "x.npy", "-o", tmp_path / "d.npy"]
    assert run(capsys, *args)[2] == ""  # capsys' stderr is not a terminal
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert "cdist_dtw" in run(capsys, *args)[2]


def make_inputs(tmp):
    np.save(tmp / "good.npy", np.arange(12.0).reshape(3, 4))
    np.save(tmp / "long.npy", np.zeros((2, 30)))
    np.save(tmp / "three_d.npy", np.zeros((2, 4, 3)))
    (tmp / "garbage.npy").write_bytes(b"\x00garbage, not an array")
    (tmp / "bad.tsv").write_text("1\t0.5\t0.25\n2\t0.5\toops\n", encoding="utf-8")
    (tmp / "inner_nan.tsv").write_text("1\t0.5\tNaN\t0.25\n", encoding="utf-8")
    (tmp / "labelled.tsv").write_text("1\t0.5\t0.25\n2\t0.5\t1.5\n", encoding="utf-8")
    # A line that starts with its separator: the label is empty.
    (tmp / "no_label.tsv").write_text("1\t0.5\t0.25\n\t0.5\t1.5\n", encoding="utf-8")
    (tmp / "targets.ts").write_text("@targetLabel true\n@data\n1,2:0.5\n3,4:1.5\n", "utf-8")
    (tmp / "data").mkdir()


# name: (command line, start of the message after "tswarp: error: "); {tmp} is the directory.
ERRORS = {
    "missing file": ("cdist {tmp}/nope.npy -o {tmp}/o.npy", "{tmp}/nope.npy: No such file"),
    "garbage npy": ("cdist {tmp}/garbage.npy -o {tmp}/o.npy", "{tmp}/garbage.npy: not a .npy"),
    "malformed tsv": ("cdist {tmp}/bad.tsv -o {tmp}/o.npy", "{tmp}/bad.tsv, line 2: value 2"),
    "interior NaN": ("cdist {tmp}/inner_nan.tsv -o {tmp}/o.npy", "{tmp}/inner_nan.tsv[0] has"),
    "bad extension": ("cdist {tmp}/a.xlsx -o {tmp}/o.npy", "{tmp}/a.xlsx: unknown file type"),
    "mismatched d": ("cdist {tmp}/good.npy {tmp}/three_d.npy -o {tmp}/o.npy", "{tmp}/good.npy"),
    "unknown metric": ("cdist {tmp}/good.npy -o {tmp}/o.npy --metric lcss", "argument --metric"),
    "negative radius": (
        "cdist {tmp}/good.npy -o {tmp}/o.npy --sakoe-chiba-radius -2",
        "argument --sakoe-chiba-radius: must be a whole number >= 0 or inf, got '-2'",
    ),
    "negative gamma": (
        "cdist {tmp}/good.npy -o {tmp}/o.npy --metric soft_dtw --gamma -1",
        "argument --gamma: must be a number >= 0",
    ),
    "gamma with dtw": ("cdist {tmp}/good.npy -o {tmp}/o.npy --gamma 1", "--gamma applies"),
    "two constraints": (
        "cdist {tmp}/good.npy -o {tmp}/o.npy --sakoe-chiba-radius 1 --itakura-max-slope 2",
        "argument --itakura-max-slope: not allowed with",
    ),
    "infeasible slope": (
        "cdist {tmp}/good.npy {tmp}/long.npy -o {tmp}/o.npy --itakura-max-slope 1.5",
        "itakura_max_slope=1.5 admits no warping path",
    ),
    "output not npy": ("cdist {tmp}/good.npy -o {tmp}/o.csv", "output {tmp}/o.csv"),
    "no output dir": ("cdist {tmp}/good.npy -o {tmp}/no/o.npy", "output {tmp}/no/o.npy"),
    "zero n_jobs": ("cdist {tmp}/good.npy -o {tmp}/o.npy --n-jobs 0", "argument --n-jobs"),
    "unknown option": ("cdist {tmp}/good.npy -o {tmp}/o.npy --fast", "unrecognized arguments"),
    "knn without labels": ("knn {tmp}/good.npy {tmp}/good.npy", "{tmp}/good.npy has no labels"),
    "no command": ("", "a command is required: cdist, knn or demo"),
    # Not "a command is required": the option typed is the mistake.
    "unknown first option": ("--verison", "unrecognized arguments: --verison"),
    "directory input": ("cdist {tmp}/data -o {tmp}/o.npy", "{tmp}/data is a directory"),
    "output over input": (
        "cdist {tmp}/good.npy -o {tmp}/good.npy",
        "output {tmp}/good.npy is the input file {tmp}/good.npy",
    ),
    "output over input2": (
        "cdist {tmp}/long.npy {tmp}/good.npy -o {tmp}/good.npy",
        "output {tmp}/good.npy is the input file {tmp}/good.npy",
    ),
    "predictions over train": (
        "knn {tmp}/labelled.tsv {tmp}/bad.tsv --predictions {tmp}/labelled.tsv",
        "output {tmp}/labelled.tsv is the input file {tmp}/labelled.tsv",
    ),
    "predictions into a folder": (
        "knn {tmp}/labelled.tsv {tmp}/labelled.tsv --predictions {tmp}/new/",
        "output {tmp}/new/: a file name cannot end in /",
    ),
    "block size ignored": (
        "cdist {tmp}/good.npy -o {tmp}/o.npy --block-size 2",
        "--block-size applies with --scheduler or a .zarr output only",
    ),
    "empty label": ("knn {tmp}/labelled.tsv {tmp}/no_label.tsv", "{tmp}/no_label.tsv: series 2"),
    "regression targets": (
        "knn {tmp}/targets.ts {tmp}/targets.ts",
        "{tmp}/targets.ts holds regression targets",
    ),
    "huge demo": (
        "demo --n-test 100000000000000000000",
        "argument --n-test: must be a whole number from 1 to 1000000",
    ),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_are_one_line_exit_2_and_write_nothing(tmp_path, capsys, name):
    make_inputs(tmp_path)
    argv, start = (text.format(tmp=tmp_path) for text in ERRORS[name])
    before = sorted(os.listdir(tmp_path))
    code, out, err = run(capsys, *argv.split())
    assert code == 2 and out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("tswarp: error: " + start), err
    assert sorted(os.listdir(tmp_path)) == before  # nothing written, no temporary left


def test_failed_run_keeps_the_previous_output(tmp_path, capsys, rng):
    X, Y = rng.standard_normal((3, 10)), rng.standard_normal((2, 30))
    np.save(tmp_path / "x.npy", X)
    np.save(tmp_path / "y.npy", Y)
    out = tmp_path / "d.npy"
    assert run(capsys, "cdist", tmp_path / "x.npy", "-o", out)[0] == 0
    previous = out.read_bytes()
    # The slope admits no path between lengths 10 and 30: the metric fails mid-run.
    code, _, err = run(
        capsys, "cdist", tmp_path / "x.npy", tmp_path / "y.npy", "-o", out,
        "--itakura-max-slope", "1.5",
    )  # fmt: skip
    assert code == 2 and "itakura_max_slope" in err
    assert out.read_bytes() == previous
    assert sorted(os.listdir(tmp_path)) == ["d.npy", "x.npy", "y.npy"]


def _labelled_pair(tmp_path):
    """A labelled file whose 1-NN predictions of itself are its own labels, a then b."""
    write_ucr(tmp_path / "a.tsv", np.array([[0.0, 0.0, 0.0], [5.0, 5.0, 5.0]]), ["a", "b"])
    return ["knn", tmp_path / "a.tsv", tmp_path / "a.tsv"]


def test_predictions_through_a_symlink_keep_the_link(tmp_path, capsys):
    # The rename into place replaced the link itself with a file.
    args = _labelled_pair(tmp_path)
    (tmp_path / "runs").mkdir()
    (tmp_path / "latest.txt").symlink_to(tmp_path / "runs" / "p.txt")
    code, _, err = run(capsys, *args, "--predictions", tmp_path / "latest.txt")
    assert code == 0, err
    assert os.path.islink(tmp_path / "latest.txt")
    assert (tmp_path / "runs" / "p.txt").read_text() == "a\nb\n"
    assert sorted(os.listdir(tmp_path / "runs")) == ["p.txt"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_predictions_into_a_fifo(tmp_path, capsys):
    # A FIFO (or /dev/null, or >(gzip)) was replaced by a plain file of the same name.
    import stat

    args = _labelled_pair(tmp_path)
    fifo = tmp_path / "p.fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # so that the writer does not wait
    try:
        code, _, err = run(capsys, *args, "--predictions", fifo)
        assert code == 0, err
        assert os.read(reader, 1000) == b"a\nb\n"
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert sorted(os.listdir(tmp_path)) == ["a.tsv", "p.fifo"]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("command", ["cdist", "knn"])
def test_a_full_disk_is_one_line(tmp_path, command):
    # /dev/full fails every write with ENOSPC, as a full disk does. Through a link, the
    # output's name is the command's own (it wants .npy); the link was replaced by a file.
    args = _labelled_pair(tmp_path)
    if command == "cdist":
        out = tmp_path / "full.npy"
        args = ["cdist", tmp_path / "a.tsv", "-o", out]
    else:
        out = tmp_path / "full.txt"
        args = [*args, "--predictions", out]
    out.symlink_to("/dev/full")
    result = run_module(*args)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == f"tswarp: error: {out}: No space left on device\n"
    assert os.readlink(out) == "/dev/full"
    assert sorted(os.listdir(tmp_path)) == ["a.tsv", out.name]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="symbolic links")
def test_output_linked_to_an_input_is_refused(tmp_path, capsys):
    args = _labelled_pair(tmp_path)
    (tmp_path / "p.txt").symlink_to(tmp_path / "a.tsv")
    before = (tmp_path / "a.tsv").read_bytes()
    code, out, err = run(capsys, *args, "--predictions", tmp_path / "p.txt")
    assert code == 2 and out == ""
    assert err.startswith(f"tswarp: error: output {tmp_path / 'p.txt'} is the input file")
    assert (tmp_path / "a.tsv").read_bytes() == before


def test_unencodable_labels_are_escaped(tmp_path):
    # With stdout in ASCII (PYTHONIOENCODING, or a Windows code page), printing the
    # labels failed after the predictions were written.
    X = np.array([[0.0, 0.0, 0.0], [5.0, 5.0, 5.0]])
    write_ucr(tmp_path / "a.tsv", X, ["gr\u00fcn", "\u732b"])
    result = subprocess.run(
        [sys.executable, "-m", "tswarp", "knn", str(tmp_path / "a.tsv"), str(tmp_path / "a.tsv"),
         "--predictions", str(tmp_path / "p.txt")],
        capture_output=True, env={**os.environ, "PYTHONIOENCODING": "ascii"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert b"gr\\xfcn" in result.stdout and b"\\u732b" in result.stdout
    assert (tmp_path / "p.txt").read_text(encoding="utf-8") == "gr\u00fcn\n\u732b\n"


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS caps allocations on Linux")
def test_not_enough_memory_in_knn_suggests_no_cdist_option(tmp_path):
    # The hint named --float32, an option of cdist only.
    import resource

    # 3000 series padded to the longest, 10**6 values: 24 GB, past the limit below.
    with open(tmp_path / "a.tsv", "w", encoding="utf-8") as handle:
        handle.write("1\t" + "\t".join(["0.5"] * 10**6) + "\n" + "2\t0.5\n" * 2999)
    limit = 16 * 2**30
    result = subprocess.run(
        [sys.executable, "-m", "tswarp", "knn", str(tmp_path / "a.tsv"), str(tmp_path / "a.tsv")],
        capture_output=True, text=True, timeout=120,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (limit, limit)),
    )  # fmt: skip
    assert result.returncode == 2 and result.stderr == "tswarp: error: not enough memory\n"


def test_demo_euclidean_baseline_in_little_memory(capsys):
    # The baseline took all the test-train differences at once: 900 x 30 x 128 floats by
    # default, 92 GB for --n-train 3000 --n-test 30000.
    import tracemalloc

    from tswarp.datasets import load_cbf

    X_train, y_train, X_test, y_test = load_cbf(40, 500, seed=3)
    run(capsys, "demo", "--n-train", 2, "--n-test", 2)  # imports, not counted below
    tracemalloc.start()
    try:
        code, out, err = run(capsys, "demo", "--n-train", 40, "--n-test", 500, "--seed", 3)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert code == 0, err
    assert peak < 40 * 500 * 128 * 8 / 2  # half the size of all the differences at once
    wrong = 0
    for series, label in zip(X_test[:, :, 0], y_test, strict=True):
        distances = [np.sum((series - other) ** 2) for other in X_train[:, :, 0]]
        wrong += int(y_train[int(np.argmin(distances))] != label)
    assert f"Euclidean: error rate {wrong / 500:.4f} ({wrong}/500 wrong)" in out


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_in_a_long_cdist(tmp_path, rng):
    from conftest import interrupt_child

    np.save(tmp_path / "x.npy", rng.standard_normal((400, 1000)))
    argv = ["cdist", str(tmp_path / "x.npy"), "-o", str(tmp_path / "d.npy"), "--n-jobs", "1"]
    code = (
        "import io, sys\n"
        "from tswarp.cli import main\n"
        "sys.stderr = err = io.StringIO()\n"
        "print('started', flush=True)\n"
        f"status = main({argv!r})\n"
        "print(status, repr(err.getvalue()))\n"
    )
    out, seconds = interrupt_child(code)
    assert out == "130 'tswarp: interrupted\\n'\n"
    assert seconds < 5
    assert sorted(os.listdir(tmp_path)) == ["x.npy"]  # no temporary output left


def test_knn_matches_a_naive_1nn(tmp_path, capsys):
    X, y = make_cbf(24, seed=5)
    X_test, y_test = make_cbf(40, seed=6)
    X[::3, 100:] = np.nan  # some shorter training series
    write_ucr(tmp_path / "T_TRAIN.tsv", X[:, :, 0], y)
    write_ucr(tmp_path / "T_TEST.csv", X_test[:, :, 0], y_test, separator=",")
    code, out, err = run(capsys, "knn", tmp_path / "T_TRAIN.tsv", tmp_path / "T_TEST.csv")
    assert code == 0 and err == ""
    predicted = y[np.argmin(cdist_dtw(X_test, X), axis=1)]
    expected = np.mean(predicted != y_test)
    reported = float(re.search(r"error rate: ([0-9.]+)", out).group(1))
    assert reported == pytest.approx(expected, abs=5e-5)
    assert "24 series (lengths 100-128, 1 dimension), 3 classes" in out
    assert "40 series (length 128, 1 dimension)" in out
    assert "no global constraint" in out and "time:" in out
    assert f"({np.sum(predicted == y_test)}/40 correct)" in out


def test_knn_with_a_band_and_ts_files(tmp_path, capsys):
    X, y = make_cbf(12, length=40, seed=1)
    X_test, y_test = make_cbf(9, length=40, seed=2)
    for name, data, labels in (("a.ts", X, y), ("b.ts", X_test, y_test)):
        body = "\n".join(
            ",".join(map(repr, s[:, 0].tolist())) + f":{k}"
            for s, k in zip(data, labels, strict=True)
        )
        (tmp_path / name).write_text(f"@classLabel true 1 2 3\n@data\n{body}\n", encoding="utf-8")
    code, out, _ = run(
        capsys, "knn", tmp_path / "a.ts", tmp_path / "b.ts", "--sakoe-chiba-radius", 4
    )
    assert code == 0 and "Sakoe-Chiba radius 4" in out
    predicted = y[np.argmin(cdist_dtw(X_test, X, sakoe_chiba_radius=4), axis=1)]
    assert f"({np.sum(predicted == y_test)}/9 correct)" in out


def _votes(y, indices):
    """Majority labels of the neighbours, ties to the first label in sorted order."""
    classes, codes = np.unique(y, return_inverse=True)
    counts = np.stack([np.bincount(row, minlength=len(classes)) for row in codes[indices]])
    return classes[np.argmax(counts, axis=1)]


def test_knn_k_window_predictions_and_confusion_matrix(tmp_path, capsys):
    X, y = make_cbf(30, length=60, seed=3)
    X_test, y_test = make_cbf(25, length=60, seed=4)
    write_ucr(tmp_path / "a.tsv", X[:, :, 0], y)
    write_ucr(tmp_path / "b.tsv", X_test[:, :, 0], y_test)
    out_file = tmp_path / "labels.txt"
    code, out, err = run(
        capsys, "knn", tmp_path / "a.tsv", tmp_path / "b.tsv", "-k", 3, "--window", "0.1",
        "--predictions", out_file,
    )  # fmt: skip
    assert code == 0 and err == ""
    # The UCR convention: radius = floor(0.1 * 60) = 6.
    matrix = cdist_dtw(X_test, X, sakoe_chiba_radius=6)
    predicted = _votes(y, np.argsort(matrix, axis=1, kind="stable")[:, :3])
    assert out_file.read_text().split() == [str(label) for label in predicted]
    assert "3-nearest-neighbour classification with DTW" in out
    assert "window 0.1 (Sakoe-Chiba radius 6)" in out
    assert f"({np.sum(predicted == y_test)}/25 correct)" in out
    lines = out.splitlines()
    first = lines.index("confusion matrix (rows: true label, columns: predicted label):")
    labels = np.unique(np.concatenate([y_test, predicted]))
    assert lines[first + 1].split() == [str(label) for label in labels]
    rows = lines[first + 2 : first + 2 + len(labels)]
    assert [row.split()[0] for row in rows] == [str(label) for label in labels]
    counts = np.array([row.split()[1:] for row in rows], dtype=int)
    expected = np.zeros((len(labels), len(labels)), dtype=int)
    np.add.at(expected, (np.searchsorted(labels, y_test), np.searchsorted(labels, predicted)), 1)
    np.testing.assert_array_equal(counts, expected)
    assert "settled without a full DTW" in out
    assert sorted(os.listdir(tmp_path)) == ["a.tsv", "b.tsv", "labels.txt"]


@pytest.mark.parametrize(
    ("train_labels", "test_label", "name"),
    [
        (["1.5", "2.0"], "2.0", "2.0"),  # typed per file, the test file's was 2, not '2.0'
        (["1.5", "2"], "2.00", "2"),  # the same number, named as first written
        (["1.5", "2.5"], "2.50", "2.5"),
        (["walk", "2"], "2e0", "2"),
        (["1", "2"], "2.0", "2"),  # all whole numbers: named as the readers type them
    ],
)
def test_knn_same_label_same_class_in_both_files(tmp_path, capsys, train_labels, test_label, name):
    X = np.random.default_rng(0).standard_normal((4, 10))
    write_ucr(tmp_path / "train.tsv", X, train_labels * 2)
    write_ucr(tmp_path / "test.tsv", X[[1, 3]], [test_label] * 2)  # copies of the 2.0 series
    out_file = tmp_path / "labels.txt"
    code, out, err = run(
        capsys, "knn", tmp_path / "train.tsv", tmp_path / "test.tsv", "--predictions", out_file
    )
    assert code == 0, err
    assert "2 classes" in out and "(2/2 correct)" in out
    lines = out.splitlines()
    first = lines.index("confusion matrix (rows: true label, columns: predicted label):")
    assert lines[first + 1].split() == [name]
    assert lines[first + 2].split() == [name, "2"]
    assert out_file.read_text() == f"{name}\n{name}\n"


def test_knn_window_rounds_down_as_written(tmp_path, capsys):
    X, y = make_cbf(10, length=100, seed=3)
    write_ucr(tmp_path / "a.tsv", X[:, :, 0], y)
    code, out, _ = run(capsys, "knn", tmp_path / "a.tsv", tmp_path / "a.tsv", "--window", "0.29")
    assert code == 0 and "Sakoe-Chiba radius 29" in out  # 0.29 * 100 is 28.999... in floats


def test_knn_other_metrics(tmp_path, capsys):
    X, y = make_cbf(15, length=40, seed=7)
    X_test, y_test = make_cbf(10, length=40, seed=8)
    write_ucr(tmp_path / "a.tsv", X[:, :, 0], y)
    write_ucr(tmp_path / "b.tsv", X_test[:, :, 0], y_test)
    out_file = tmp_path / "p.txt"
    args = ["knn", tmp_path / "a.tsv", tmp_path / "b.tsv", "--predictions", out_file]
    code, out, _ = run(capsys, *args, "--metric", "euclidean")
    assert code == 0 and "classification with euclidean" in out
    naive = ((X_test[:, None, :, 0] - X[None, :, :, 0]) ** 2).sum(axis=2)
    assert out_file.read_text().split() == [str(v) for v in y[np.argmin(naive, axis=1)]]
    code, out, _ = run(capsys, *args, "--metric", "soft_dtw", "--gamma", "0.1", "-k", 2)
    assert code == 0 and "gamma 0.1" in out
    order = np.argsort(cdist_soft_dtw(X_test, X, gamma=0.1), axis=1, kind="stable")[:, :2]
    assert out_file.read_text().split() == [str(v) for v in _votes(y, order)]


@pytest.mark.parametrize(
    "options, message",
    [
        (["-k", "0"], "must be a whole number >= 1"),
        (["-k", "16"], "-k 16 exceeds the 15 series"),
        (["--window", "1.5"], "must be a fraction from 0 to 1"),
        (["--window", "0.1", "--sakoe-chiba-radius", "3"], "not allowed with argument"),
        (["--gamma", "1"], "--gamma applies to --metric soft_dtw"),
        (["--metric", "euclidean", "--window", "0.1"], "takes no global constraint"),
        (["--metric", "lcss"], "invalid choice"),
        (["--predictions", "/nonexistent/p.txt"], "does not exist"),
        (["--predictions", ""], "the output file name is empty"),
    ],
)
def test_knn_bad_options(tmp_path, capsys, options, message):
    X, y = make_cbf(15, length=20, seed=1)
    write_ucr(tmp_path / "a.tsv", X[:, :, 0], y)
    code, out, err = run(capsys, "knn", tmp_path / "a.tsv", tmp_path / "a.tsv", *options)
    assert code == 2 and message in err and out == ""


def test_demo_report(capsys):
    code, out, err = run(capsys, "demo", "--n-train", 9, "--n-test", 30, "--seed", 2)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("tswarp demo")
    assert "9 train / 30 test" in out and "seed 2" in out
    assert re.search(r"DTW: +error rate [0-9.]+ \(\d+/30 wrong\)", out)
    assert re.search(r"Euclidean: +error rate", out)
    assert f"config: tswarp {tswarp.__version__}, OpenMP" in out


def test_help_and_version_exit_0(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "cdist" in out and "knn" in out and "demo" in out
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.splitlines()[0] == f"tswarp: {tswarp.__version__}"


def test_show_config_lines(capsys):
    tswarp.show_config()
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"tswarp: {tswarp.__version__}"
    kernels = next(line for line in lines if line.startswith("kernels: "))
    if tswarp.openmp_enabled():
        from tswarp._kernels._openmp import openmp_max_threads

        # n_jobs=-1's threads: the CPUs this process may use, at most OMP_NUM_THREADS.
        threads = min(len(os.sched_getaffinity(0)), openmp_max_threads())
        assert kernels == f"kernels: OpenMP on, {threads} thread" + "s" * (threads != 1)
    else:
        assert kernels == "kernels: OpenMP off (serial kernels)"
    if HAS_TORCH:
        import torch

        assert f"torch: {torch.__version__}" in lines
        assert any(line.startswith("CUDA: ") for line in lines)


def test_show_config_without_torch(capsys, monkeypatch):
    # A None entry in sys.modules makes find_spec report torch as missing.
    monkeypatch.setitem(sys.modules, "torch", None)
    tswarp.show_config()
    out = capsys.readouterr().out
    assert "torch: not installed" in out and "CUDA" not in out


def run_module(*args):
    return subprocess.run(
        [sys.executable, "-m", "tswarp", *map(str, args)], capture_output=True, text=True
    )


def test_python_m_tswarp(tmp_path, rng):
    result = run_module("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"tswarp: {tswarp.__version__}"

    X = rng.standard_normal((8, 15))
    np.save(tmp_path / "x.npy", X)
    result = run_module("cdist", tmp_path / "x.npy", "-o", tmp_path / "d.npy")
    assert result.returncode == 0, result.stderr
    np.testing.assert_allclose(np.load(tmp_path / "d.npy"), cdist_dtw(X), rtol=1e-12)

    (tmp_path / "bad.ts").write_text("@data\n1,2:3\n", encoding="utf-8")
    result = run_module("knn", tmp_path / "bad.ts", tmp_path / "x.npy")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("tswarp: error: ")


def test_commands_leave_torch_out(tmp_path):
    code = (
        "import sys\n"
        "from tswarp.cli import main\n"
        "main(['demo', '--n-train', '3', '--n-test', '6'])\n"
        "print('torch' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "False"


@pytest.mark.parametrize(
    "n_jobs, env",
    [("2147483648", {}), ("70000", {}), ("-1", {"OMP_NUM_THREADS": "100000"})],
    ids=["2**31", "70000", "OMP_NUM_THREADS=100000"],
)
def test_huge_thread_counts_are_capped(tmp_path, rng, n_jobs, env):
    # They overflowed the C int (a traceback) or crashed OpenMP, leaving the temporary output.
    from oracles import dtw_naive

    X = rng.standard_normal((6, 12))
    np.save(tmp_path / "x.npy", X)
    result = subprocess.run(
        [sys.executable, "-m", "tswarp", "cdist", str(tmp_path / "x.npy"),
         "-o", str(tmp_path / "d.npy"), "--n-jobs", n_jobs],
        capture_output=True, text=True, timeout=60, env={**os.environ, **env},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    expected = [[dtw_naive(a, b) for b in X] for a in X]
    np.testing.assert_allclose(np.load(tmp_path / "d.npy"), expected, rtol=1e-12)
    assert sorted(os.listdir(tmp_path)) == ["d.npy", "x.npy"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP"])
def test_stop_signal_removes_the_temporary_output(tmp_path, rng, name):
    import signal
    import time

    np.save(tmp_path / "x.npy", rng.standard_normal((400, 1000)))
    child = subprocess.Popen(
        [sys.executable, "-m", "tswarp", "cdist", str(tmp_path / "x.npy"),
         "-o", str(tmp_path / "d.npy"), "--n-jobs", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # Under nohup the signal comes ignored, which the command respects: restore the default.
        preexec_fn=lambda: signal.signal(getattr(signal, name), signal.SIG_DFL),
    )  # fmt: skip
    deadline = time.monotonic() + 30
    # The hidden temporary output appears when the computation starts.
    while len(os.listdir(tmp_path)) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)
    child.send_signal(getattr(signal, name))
    _, err = child.communicate(timeout=30)
    assert child.returncode == 128 + getattr(signal, name), err
    assert err == f"tswarp: stopped by {name}\n"
    assert sorted(os.listdir(tmp_path)) == ["x.npy"]
