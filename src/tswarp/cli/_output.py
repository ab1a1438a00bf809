"""Output files: checked before any work, written under a temporary name and renamed into
place once complete."""

import contextlib
import os
import tempfile

from tswarp.cli._common import UsageError


def _default_file_mode():
    # mkstemp creates files readable by the owner only; give the output the usual mode.
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _is_zarr(path):
    return path.lower().rstrip("/").endswith(".zarr")


def _check_output(path, suffix=".npy"):
    """A usable output path; a matrix (``suffix`` .npy) may also go to a Zarr store."""
    if suffix == ".npy" and _is_zarr(path):
        if os.path.exists(path) and not os.path.exists(os.path.join(path, "zarr.json")):
            raise UsageError(f"output {path} exists and is not a Zarr store")
    elif suffix is not None and not path.lower().endswith(suffix):
        also = " or .zarr" if suffix == ".npy" else ""
        raise UsageError(f"output {path}: the file name must end in {suffix}{also}")
    elif os.path.isdir(path):
        raise UsageError(f"output {path} is a directory")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise UsageError(f"output {path}: directory {directory} does not exist")


@contextlib.contextmanager
def _atomic_output(path):
    """A temporary file beside ``path``, renamed to it only if the block succeeds."""
    directory, name = os.path.split(os.path.abspath(path))
    try:
        handle = tempfile.NamedTemporaryFile(
            dir=directory, prefix=f".{name}.", suffix=".tmp", delete=False
        )
    except OSError as error:
        raise UsageError(f"cannot write in {directory}: {error.strerror}") from None
    try:
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(handle.name, _default_file_mode())
        os.replace(handle.name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(handle.name)
        raise
