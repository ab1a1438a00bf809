"""The CUDA-graph cache of the torch wavefront (tswarp._torch._cuda_graphs).

Without a CUDA device the cache's logic runs with a stand-in for capture: a "graph" whose
replay runs the loop on the private tensors, as a captured graph replays its kernels on
them. The real capture is checked on a CUDA device only.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tswarp._torch import _cuda_graphs, soft_dtw, squared_euclidean  # noqa: E402
from tswarp._torch._dtw import dtw_alignment  # noqa: E402

pytestmark = pytest.mark.torch

CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")


class StandIn:
    """Replaces capture: counts captures and replays; replay runs the loop."""

    def __init__(self, fail=False):
        self.captures, self.replays, self.fail = 0, 0, fail

    def capture(self, loop, tensors):
        self.captures += 1
        if self.fail:
            return _cuda_graphs._UNCAPTURABLE
        private = [t.clone() for t in tensors]
        stand_in = self

        class Graph:
            def replay(self):
                stand_in.replays += 1
                loop(*private)

        return Graph(), private


@pytest.fixture
def stand_in(monkeypatch):
    graphs = StandIn()
    monkeypatch.setattr(_cuda_graphs, "_capture", graphs.capture)
    monkeypatch.setattr(_cuda_graphs, "capturable", lambda tensors: True)
    _cuda_graphs.clear()
    yield graphs
    _cuda_graphs.clear()


def double(t):
    t.mul_(2)


def test_off_cuda_the_loop_runs_as_is():
    _cuda_graphs.clear()
    t = torch.ones(3)
    assert not _cuda_graphs.capturable([t])
    _cuda_graphs.run("k", double, [t])
    assert t.tolist() == [2.0, 2.0, 2.0] and len(_cuda_graphs._graphs) == 0


def test_a_key_is_captured_once_and_replayed(stand_in):
    for value in [1.0, 5.0, -2.0]:
        t = torch.full((4,), value)
        _cuda_graphs.run("double", double, [t])
        # The caller's tensor gets the replay's result; the private copy took its input.
        assert t.tolist() == [2 * value] * 4
    assert stand_in.captures == 1 and stand_in.replays == 3


def test_shapes_and_dtypes_are_part_of_the_key(stand_in):
    _cuda_graphs.run("double", double, [torch.ones(4)])
    _cuda_graphs.run("double", double, [torch.ones(5)])
    _cuda_graphs.run("double", double, [torch.ones(4, dtype=torch.float64)])
    _cuda_graphs.run("other", double, [torch.ones(4)])
    assert stand_in.captures == 4


def test_least_recently_used_graphs_are_dropped(stand_in):
    for size in range(1, _cuda_graphs.CAPACITY + 1):
        _cuda_graphs.run("double", double, [torch.ones(size)])
    _cuda_graphs.run("double", double, [torch.ones(1)])  # size 1 is now the most recent
    _cuda_graphs.run("double", double, [torch.ones(100)])  # evicts size 2
    assert len(_cuda_graphs._graphs) == _cuda_graphs.CAPACITY
    captures = stand_in.captures
    _cuda_graphs.run("double", double, [torch.ones(1)])
    assert stand_in.captures == captures
    _cuda_graphs.run("double", double, [torch.ones(2)])
    assert stand_in.captures == captures + 1


def test_a_failed_capture_stays_eager(monkeypatch):
    failing = StandIn(fail=True)
    monkeypatch.setattr(_cuda_graphs, "_capture", failing.capture)
    monkeypatch.setattr(_cuda_graphs, "capturable", lambda tensors: True)
    _cuda_graphs.clear()
    for _ in range(2):
        t = torch.ones(2)
        _cuda_graphs.run("double", double, [t])
        assert t.tolist() == [2.0, 2.0]
    assert failing.captures == 1  # not retried
    _cuda_graphs.clear()


def test_the_switch():
    previous = _cuda_graphs.set_enabled(False)
    try:
        assert not _cuda_graphs.enabled()
        assert not _cuda_graphs.capturable([torch.ones(2)])
    finally:
        _cuda_graphs.set_enabled(previous)
    assert _cuda_graphs.enabled() == previous


def test_size_limit(monkeypatch):
    monkeypatch.setattr(_cuda_graphs, "MAX_BYTES", 32)
    assert _cuda_graphs.fits([torch.ones(2, dtype=torch.float64)] * 2)
    assert not _cuda_graphs.fits([torch.ones(2, dtype=torch.float64)] * 3)


def wavefront_results(rng):
    x = torch.tensor(rng.normal(size=(3, 30, 2)), requires_grad=True)
    y = torch.tensor(rng.normal(size=(3, 25, 2)))
    n_len, m_len = torch.tensor([30, 20, 11]), torch.tensor([25, 25, 9])
    out = []
    for gamma in [0.0, 0.5]:
        value = soft_dtw(squared_euclidean(x, y), gamma, n_len, m_len)
        (grad,) = torch.autograd.grad(value.sum(), x)
        out += [value.detach(), grad]
    out.append(dtw_alignment(squared_euclidean(x, y).detach(), n_len, m_len))
    return out


def test_the_wavefront_through_the_cache(monkeypatch):
    eager = wavefront_results(np.random.default_rng(0))
    stand_in = StandIn()
    monkeypatch.setattr(_cuda_graphs, "_capture", stand_in.capture)
    monkeypatch.setattr(_cuda_graphs, "capturable", lambda tensors: True)
    _cuda_graphs.clear()
    cached = wavefront_results(np.random.default_rng(0))  # captures, then replays
    again = wavefront_results(np.random.default_rng(0))
    assert stand_in.captures == 4  # soft forward, backward; hard forward, backward
    assert stand_in.replays == 2 * 6
    for a, b, c in zip(eager, cached, again, strict=True):
        torch.testing.assert_close(b, a, rtol=0, atol=0)
        torch.testing.assert_close(c, a, rtol=0, atol=0)
    _cuda_graphs.clear()


@CUDA
def test_captured_graphs_match_eager_on_cuda():
    rng = np.random.default_rng(1)
    x = torch.tensor(rng.normal(size=(4, 70, 3)), device="cuda", requires_grad=True)
    y = torch.tensor(rng.normal(size=(4, 50, 3)), device="cuda")
    _cuda_graphs.clear()
    results = []
    for graphs in [False, True, True]:
        previous = _cuda_graphs.set_enabled(graphs)
        try:
            row = []
            for gamma in [0.0, 0.1, 1.0]:
                value = soft_dtw(squared_euclidean(x, y), gamma)
                (grad,) = torch.autograd.grad(value.sum(), x)
                row += [value, grad]
            results.append(row)
        finally:
            _cuda_graphs.set_enabled(previous)
    assert len(_cuda_graphs._graphs) == 4
    for eager, first, replay in zip(*results, strict=True):
        torch.testing.assert_close(first, eager, rtol=0, atol=0)
        torch.testing.assert_close(replay, eager, rtol=0, atol=0)
    _cuda_graphs.clear()
