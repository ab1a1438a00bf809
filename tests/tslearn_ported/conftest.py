"""The backend grid of tslearn's metrics tests: ``be`` x input type, nine cases."""

import pytest
from conftest import HAS_TORCH

from tswarp.backend import Backend, instantiate_backend

_TORCH = [pytest.mark.torch, pytest.mark.skipif(not HAS_TORCH, reason="torch missing")]
GRID = [
    pytest.param((be, array_type), id=f"be={be}-{array_type}", marks=_TORCH if needs_torch else [])
    for be in ("numpy", "pytorch", None)
    for array_type in ("numpy", "pytorch", "list")
    for needs_torch in ["pytorch" in (be, array_type)]
]


class Case:
    """One cell of the grid: the ``be`` argument, the input type, and the backend they pick."""

    def __init__(self, be, array_type):
        self.be = None if be is None else Backend(be)
        self.array_type = array_type
        self.backend = instantiate_backend(self.be, array_type)


@pytest.fixture(params=GRID)
def case(request):
    return Case(*request.param)
