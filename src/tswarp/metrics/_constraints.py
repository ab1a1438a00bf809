"""The documentation of the global-constraint arguments, shared by every public metric."""

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

CONSTRAINT_DOC = """\
global_constraint : {"sakoe_chiba", "itakura"} or None, default None
    Restricts the warping path to a band around the diagonal. Without it, a given
    ``sakoe_chiba_radius`` or ``itakura_max_slope`` selects its own constraint.
sakoe_chiba_radius : int or None, default None
    Radius of the Sakoe-Chiba band (1 when ``global_constraint="sakoe_chiba"``). For
    series of different lengths the band widens by the length difference, as in
    tslearn, so it always contains a path. Cells outside it are never computed.
    ``float("inf")``, like any radius past the lengths, leaves the warping free.
itakura_max_slope : float or None, default None
    Largest slope of the Itakura parallelogram (2 when ``global_constraint="itakura"``).
    A slope that admits no path for the lengths at hand raises ``ValueError``. Huge slopes
    are fine: past about 200 times the lengths the band stops changing (row 0 alone in the
    first column, the last row alone in the last one, as tslearn defines it column by
    column, and every other cell free)."""


def document_constraints(function: F) -> F:
    """Decorator: replace the docstring line ``{constraints}`` by ``CONSTRAINT_DOC``.

    The inserted lines take the indentation of the placeholder line.
    """
    assert function.__doc__ is not None  # the decorated functions all have docstrings
    lines = []
    for line in function.__doc__.splitlines():
        if line.strip() == "{constraints}":
            indent = line[: len(line) - len(line.lstrip())]
            lines += [indent + entry for entry in CONSTRAINT_DOC.splitlines()]
        else:
            lines.append(line)
    function.__doc__ = "\n".join(lines)
    return function
