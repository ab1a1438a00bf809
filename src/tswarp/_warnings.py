"""Warnings attributed to the user's line of code, not to tswarp's internals."""

import os
import sys
import warnings

_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def _import_machinery(filename):
    # warnings.warn skips these frames itself when it counts stacklevel.
    return filename.startswith("<frozen importlib")


def warn(message, category=UserWarning):
    """``warnings.warn`` at the innermost frame outside tswarp (and the import machinery)."""
    level, frame = 2, sys._getframe(1)  # level 2: warn's caller
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_PACKAGE) and not _import_machinery(filename):
            break
        level += not _import_machinery(filename)
        frame = frame.f_back
    warnings.warn(message, category, stacklevel=level)
