"""The command line in a terminal: a progress bar that fits and redraws in place, and a
``--version`` that leaves torch and numpy unimported, a quiet stop when the reader goes away."""

import math
import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from tswarp.metrics._pairwise import _Progress

CLEAR = "\x1b[K"


def _read_to_end(leader, deadline=math.inf):
    """What the command writes to its pseudo-terminal until it closes it (or the deadline)."""
    chunks = []
    while time.monotonic() < deadline:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed: the command has ended
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize("columns", [20, 40, 60, 80, 120, 200])
@pytest.mark.parametrize("done", [0, 1, 4999, 10000])
def test_the_bar_fits_the_terminal(monkeypatch, columns, done):
    monkeypatch.setenv("COLUMNS", str(columns))
    progress = _Progress("cdist_soft_dtw_normalized", 10000, True)
    assert progress.columns == columns
    text = progress.line(done, 12.5)
    assert len(text) <= columns - 1  # the last column would wrap on some terminals


def test_the_bar_shows_the_rate_and_the_time_left(monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    progress = _Progress("cdist_dtw", 1000, True)
    # 250 of 1000 pairs in 5 s: 50 pairs a second, 750 left, so 15 s to go.
    text = progress.line(250, 5.0)
    assert " 25.0% 250/1000 pairs, 50/s, ETA 0:15" in text
    assert "[" + "#" * 7 + " " * 23 + "]" in text  # a quarter of 30 columns, rounded down
    # 1000 pairs in 2 min 5 s: the rate has a thousands suffix once above 1000 a second.
    assert progress.line(1000, 125.0).endswith("100.0% 1000/1000 pairs, 8/s, in 2:05")
    # 2 million pairs a second, 7.2 billion left: an hour to go.
    long = _Progress("cdist_dtw", 7_202_000_000, True)
    assert "2.0M/s, ETA 1:00:00" in long.line(2_000_000, 1.0)


def test_a_narrow_terminal_drops_the_bar(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    text = _Progress("cdist_dtw", 100, True).line(50, 1.0)
    assert "[" not in text and len(text) <= 39 and text.startswith("cdist_dtw:")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pseudo-terminals")
def test_cdist_in_an_80x24_terminal_redraws_one_line(tmp_path):
    import fcntl
    import pty
    import struct
    import termios

    rng = np.random.default_rng(0)
    np.save(tmp_path / "x.npy", rng.standard_normal((300, 120)))
    command = [sys.executable, "-m", "tswarp", "cdist", str(tmp_path / "x.npy"),
               "-o", str(tmp_path / "d.npy"), "--n-jobs", "1", "--progress"]  # fmt: skip
    env = {key: value for key, value in os.environ.items() if key not in ("COLUMNS", "LINES")}
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    process = subprocess.Popen(
        command, stdin=follower, stdout=follower, stderr=follower, env=env, close_fds=True
    )
    os.close(follower)
    output = _read_to_end(leader, deadline=time.monotonic() + 120)
    os.close(leader)
    assert process.wait(timeout=60) == 0
    screen = output.decode().replace("\r\n", "\n")
    bar, newline, report = screen.partition("\n")
    assert newline and "300 x 300 dtw matrix" in report
    # Every redraw starts with a carriage return and clears the rest of the line: one line.
    draws = bar.split("\r")[1:]
    assert bar.startswith("\r") and draws
    assert all(draw.endswith(CLEAR) for draw in draws)
    shown = [draw.removesuffix(CLEAR) for draw in draws]
    assert all(len(text) <= 79 for text in shown), shown
    assert re.search(r"100\.0% 44850/44850 pairs, \S+/s, in \d+:\d\d$", shown[-1]), shown[-1]


def test_version_leaves_torch_and_numpy_unimported():
    code = (
        "import sys\n"
        "from tswarp.cli import main\n"
        "main(['--version'])\n"
        "print('torch' in sys.modules, 'numpy' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "False False"
    torch_line = next(line for line in lines if line.startswith("torch: "))
    from importlib.metadata import PackageNotFoundError, version

    try:
        expected = f"torch: {version('torch')} "
    except PackageNotFoundError:
        expected = "torch: not installed"
    assert torch_line.startswith(expected)


@pytest.mark.parametrize("args", [["--version"], ["demo", "--n-train", "3", "--n-test", "6"]])
def test_reader_gone_stops_quietly(args):
    # stdout is a pipe whose reading end is already closed: every write fails with EPIPE.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "tswarp", *args], stdout=write_end, stderr=subprocess.PIPE
        )
    finally:
        os.close(write_end)
    assert result.returncode == 128 + signal.SIGPIPE
    assert result.stderr == b""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file descriptors")
def test_closed_stdout_is_one_line():
    # Python starts with sys.stdout None; flushing it was a traceback.
    result = subprocess.run(
        [sys.executable, "-m", "tswarp", "demo", "--n-train", "3", "--n-test", "6"],
        stderr=subprocess.PIPE, text=True, preexec_fn=lambda: os.close(1),
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr == "tswarp: error: standard output is closed\n"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize(
    "args",
    [["--help"], ["knn", "--help"], ["--version"], ["demo", "--n-train", "3", "--n-test", "6"]],
)
def test_stdout_on_a_full_disk_is_named(args):
    # The help exited 0 with nothing written (argparse drops the error); the others said
    # "No space left on device" without naming what.
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "tswarp", *args], stdout=full, stderr=subprocess.PIPE, text=True
        )
    assert result.returncode == 2
    assert result.stderr == "tswarp: error: standard output: No space left on device\n"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pseudo-terminals and signals")
def test_ctrl_c_under_a_progress_bar_starts_its_own_line(tmp_path):
    # The message trailed after the half-drawn bar: "... ETA 0:12tswarp: interrupted".
    import fcntl
    import pty
    import struct
    import termios

    np.save(tmp_path / "x.npy", np.random.default_rng(0).standard_normal((400, 1000)))
    command = [sys.executable, "-m", "tswarp", "cdist", str(tmp_path / "x.npy"),
               "-o", str(tmp_path / "d.npy"), "--n-jobs", "1", "--progress"]  # fmt: skip
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    process = subprocess.Popen(
        command, stdin=follower, stdout=follower, stderr=follower, close_fds=True,
        # As in a terminal, even where the tests run with SIGINT ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    os.close(follower)
    screen = b""
    try:
        while b"pairs" not in screen:  # the bar is drawn
            screen += os.read(leader, 4096)
        process.send_signal(signal.SIGINT)
        screen += _read_to_end(leader)
    finally:
        os.close(leader)
        process.kill()
    assert process.wait(timeout=30) == 130
    bar, _, last = screen.decode().rpartition("\r\x1b[K")
    assert "pairs" in bar and last == "tswarp: interrupted\r\n"
    assert sorted(os.listdir(tmp_path)) == ["x.npy"]
