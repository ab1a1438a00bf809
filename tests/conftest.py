import importlib.util
import os
import signal
import subprocess
import sys
import time

import pytest

# Figures are drawn off screen, whatever display the machine running the tests has.
os.environ.setdefault("MPLBACKEND", "Agg")

HAS_TORCH = importlib.util.find_spec("torch") is not None

BACKENDS = [
    pytest.param("numpy", id="numpy"),
    pytest.param(
        "pytorch",
        id="pytorch",
        marks=[pytest.mark.torch, pytest.mark.skipif(not HAS_TORCH, reason="torch missing")],
    ),
]


@pytest.fixture(params=BACKENDS)
def be(request):
    """Each available backend in turn."""
    from tswarp.backend import instantiate_backend

    return instantiate_backend(request.param)


@pytest.fixture
def rng():
    return __import__("numpy").random.default_rng(20261127)


def python_child(code):
    """A Python process running ``code`` that turns SIGINT into KeyboardInterrupt, as in a
    terminal, even where the tests themselves run with SIGINT ignored (a background job of
    a shell): an ignored signal stays ignored across exec, and Python then sets no handler."""
    preamble = "import signal\nsignal.signal(signal.SIGINT, signal.default_int_handler)\n"
    return subprocess.Popen(
        [sys.executable, "-c", preamble + code], stdout=subprocess.PIPE, text=True
    )


def interrupt_child(code, wait=0.5):
    """(output, seconds): run ``code``, which prints "started" before its long call, send
    it SIGINT ``wait`` seconds after that line, and time how long it then takes to exit."""
    child = python_child(code)
    try:
        assert child.stdout.readline().strip() == "started"
        time.sleep(wait)
        sent = time.perf_counter()
        child.send_signal(signal.SIGINT)
        out, _ = child.communicate(timeout=30)
        return out, time.perf_counter() - sent
    finally:
        child.kill()
        child.communicate()
