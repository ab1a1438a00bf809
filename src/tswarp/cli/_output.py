"""Output files: checked before any work, written under a temporary name and renamed into
place once complete."""

import contextlib
import os
import stat
import tempfile

from tswarp.cli._common import UsageError, _writing


def _default_file_mode():
    # mkstemp creates files readable by the owner only; give the output the usual mode.
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _is_zarr(path):
    return path.lower().rstrip("/").endswith(".zarr")


def _check_output(path, suffix=".npy", inputs=()):
    """A usable output path; a matrix (``suffix`` .npy) may also go to a Zarr store. The
    output may not be one of the ``inputs``, which the run would overwrite."""
    if not path:
        raise UsageError("the output file name is empty")
    if suffix == ".npy" and _is_zarr(path):
        if os.path.exists(path) and not os.path.exists(os.path.join(path, "zarr.json")):
            raise UsageError(f"output {path} exists and is not a Zarr store")
    elif suffix is not None and not path.lower().endswith(suffix):
        also = " or .zarr" if suffix == ".npy" else ""
        raise UsageError(f"output {path}: the file name must end in {suffix}{also}")
    elif os.path.isdir(path):
        raise UsageError(f"output {path} is a directory")
    elif path.endswith(("/", os.sep)):
        raise UsageError(f"output {path}: a file name cannot end in {path[-1]}")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise UsageError(f"output {path}: directory {directory} does not exist")
    for name in inputs:
        if name and os.path.exists(path) and os.path.exists(name) and os.path.samefile(path, name):
            raise UsageError(f"output {path} is the input file {name}: it would be overwritten")


def _is_special(path):
    """Whether ``path`` is a device or a pipe (/dev/null, a FIFO, /dev/fd/N)."""
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:  # not there yet
        return False


@contextlib.contextmanager
def _atomic_output(path):
    """A temporary file beside ``path``, renamed to it only if the block succeeds.

    A device or a pipe is written in place: a rename would replace /dev/null with a file.
    Through a symbolic link, the file it points to is replaced and the link kept.
    """
    if _is_special(path):
        with _writing(path), open(path, "wb") as handle:
            yield handle
        return
    directory, name = os.path.split(os.path.realpath(path))
    try:
        handle = tempfile.NamedTemporaryFile(
            dir=directory, prefix=f".{name}.", suffix=".tmp", delete=False
        )
    except OSError as error:
        raise UsageError(f"cannot write in {directory}: {error.strerror}") from None
    try:
        with _writing(path):
            with handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(handle.name, _default_file_mode())
            os.replace(handle.name, os.path.join(directory, name))
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(handle.name)
        raise
