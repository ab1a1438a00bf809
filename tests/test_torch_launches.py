"""How many torch operations the wavefront issues per anti-diagonal.

On a GPU every torch operation is a dispatch plus a kernel launch (several microseconds), so
the wavefront's speed there is set by the number of operations per anti-diagonal. They are
counted here on the CPU with torch.profiler, which records each aten operator called,
nested ones included (a slice and the as_strided inside it are two): the count is every
recorded event whose name starts with "aten::", over one forward + backward of
cdist_soft_dtw on 8 x 8 series of length 128 (one batch of 64 pairs, 255 anti-diagonals),
divided by the number of anti-diagonals n + m - 1. Everything the call does is included:
checks, costs, skewing, the loops.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch.profiler import ProfilerActivity, profile  # noqa: E402

from tswarp._torch import _wavefront  # noqa: E402
from tswarp.metrics import cdist_soft_dtw  # noqa: E402

pytestmark = pytest.mark.torch

LENGTH = 128
PER_DIAGONAL = 16  # the bound asserted below, forward + backward together


def aten_calls(step):
    step()  # warm-up: plans and index tables are cached after the first call
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        step()
    return sum(event.name.startswith("aten::") for event in prof.events())


def cdist_step(gamma, **options):
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.normal(size=(8, LENGTH, 1)), requires_grad=True)
    y = torch.tensor(rng.normal(size=(8, LENGTH, 1)))

    def step():
        x.grad = None
        cdist_soft_dtw(x, y, gamma=gamma, compute_with_backend=True, **options).sum().backward()
        assert x.grad is not None and torch.isfinite(x.grad).all()

    return step


@pytest.mark.parametrize("gamma", [1.0, 0.0], ids=["soft-dtw", "dtw"])
@pytest.mark.parametrize("band", [{}, {"sakoe_chiba_radius": 8}], ids=["full", "band"])
@pytest.mark.parametrize("lengths_on_host", [True, False], ids=["host", "device"])
def test_operations_per_anti_diagonal(gamma, band, lengths_on_host, monkeypatch):
    if not lengths_on_host:
        # As with lengths on a GPU: the soft backward cannot read them and seeds every step.
        monkeypatch.setattr(_wavefront, "_host_ends", lambda trace: None)
    calls = aten_calls(cdist_step(gamma, **band))
    per_diagonal = calls / (2 * LENGTH - 1)
    assert per_diagonal <= PER_DIAGONAL, f"{calls} aten calls, {per_diagonal:.1f} per diagonal"


def test_the_count_sees_the_loop():
    # The count grows with the number of diagonals: it measures the loop, not a constant.
    short = aten_calls(cdist_step(1.0))
    rng = np.random.default_rng(1)
    x = torch.tensor(rng.normal(size=(8, LENGTH // 2, 1)), requires_grad=True)
    y = torch.tensor(rng.normal(size=(8, LENGTH // 2, 1)))

    def half():
        x.grad = None
        cdist_soft_dtw(x, y, gamma=1.0, compute_with_backend=True).sum().backward()

    assert aten_calls(half) < 0.6 * short
