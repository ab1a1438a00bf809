"""Readers for the time-series classification archives' file formats.

- UCR text files (``.tsv``, ``.csv``, ``.txt``): one series a line, the class label first, then
  the values, separated by tabs, commas or blanks. Rows may be shorter than others or padded
  with ``NaN``.
- sktime/aeon ``.ts`` files: ``@`` header lines, then after ``@data`` one case a line, its
  dimensions separated by ``:``, values by ``,``, ``?`` for a missing value, and the class
  label as the last field.

Both give NaN-padded ``(n, sz, d)`` float64 arrays, the layout every tswarp metric reads
series of different lengths from. Errors name the file and the line.
"""

from __future__ import annotations

import os

import numpy as np

_MISSING = {"", "?", "nan", "NaN", "NAN"}


def _fail(path, line_number, message):
    where = f"{os.fspath(path)}, line {line_number}" if line_number else os.fspath(path)
    raise ValueError(f"{where}: {message}")


def _values(tokens, path, line_number, what="value"):
    """Floats from text fields: empty, '?' and 'NaN' are missing values (NaN)."""
    try:
        return np.array(tokens, dtype=np.float64)  # fast path: numpy parses the strings
    except ValueError:
        pass
    values = np.empty(len(tokens))
    for k, token in enumerate(tokens):
        token = token.strip()
        if token in _MISSING:
            values[k] = np.nan
            continue
        try:
            values[k] = float(token)
        except ValueError:
            _fail(path, line_number, f"{what} {k + 1} is {token!r}, not a number")
    return values


# Whole numbers below 2**53 are exact in float64 (a float of 2**53 may be 2**53 + 1 rounded).
_EXACT_WHOLE = 2.0**53


def _labels(tokens):
    """Labels as int64 when they are all whole numbers ('1', '-1', '1.0e+00'), else strings.

    A label that int64 cannot hold exactly ('12345678901234567890', '1e20') keeps them all
    strings: read through a float it would become another number.
    """
    try:
        numbers = np.array(tokens, dtype=np.float64)
    except ValueError:
        return np.array(tokens, dtype=str)
    if not (numbers.size and np.isfinite(numbers).all() and (numbers == np.round(numbers)).all()):
        return np.array(tokens, dtype=str)
    if (np.abs(numbers) < _EXACT_WHOLE).all():
        return numbers.astype(np.int64)
    try:
        # Beyond 2**53, only labels written as integers can be read exactly.
        return np.array([int(token) for token in tokens], dtype=np.int64)
    except (ValueError, OverflowError):
        return np.array(tokens, dtype=str)


def _pad(rows, d):
    """Stack (d, length_k) arrays into a NaN-padded (n, sz, d) array."""
    size = max(row.shape[1] for row in rows)
    padded = np.full((len(rows), size, d), np.nan)
    for i, row in enumerate(rows):
        padded[i, : row.shape[1]] = row.T
    return padded


def _lines(path):
    # open() takes an int as a file descriptor, which it would read and then close.
    path = os.fspath(path)
    with open(path, encoding="utf-8-sig") as handle:
        try:
            return handle.read().splitlines()
        except UnicodeDecodeError:
            _fail(path, 0, "not a text file (it is not valid UTF-8)")


def read_ucr_tsv(path: str | os.PathLike[str]) -> tuple[np.ndarray, np.ndarray]:
    """Read a UCR-archive text file: a class label, then the series' values, on each line.

    Fields are separated by tabs (the 2018 archive's ``.tsv``), commas or blanks; the
    separator is taken from the first line. Rows may have different lengths, and missing
    values may be written as empty fields, ``NaN`` or ``?``.

    Parameters
    ----------
    path : str or os.PathLike
        The file to read.

    Returns
    -------
    X : numpy.ndarray of shape (n, sz, 1), float64
        Series shorter than the longest are NaN-padded at the end.
    y : numpy.ndarray of shape (n,)
        The labels: int64 when every label is a whole number, strings otherwise.
    """
    X, labels = _read_ucr_text(path)
    return X, _labels(labels)


def _read_ucr_text(path):
    """(X, the labels as written) of a UCR text file."""
    rows, labels, separator = [], [], None
    for line_number, line in enumerate(_lines(path), start=1):
        if not line.strip():
            continue
        if separator is None:
            separator = "\t" if "\t" in line else "," if "," in line else None
        # Blanks around a line are not fields, but a tab or comma in front of a value is:
        # the separator of an empty label, which must not take the first value's place.
        fields = (line.strip() if separator is None else line.strip(" \r\n")).split(separator)
        if len(fields) < 2:
            _fail(path, line_number, "expected a label and at least one value")
        labels.append(fields[0].strip())
        values = _values(fields[1:], path, line_number)
        # Trailing missing values are padding: the series ends at its last real value.
        present = np.flatnonzero(~np.isnan(values))
        if present.size == 0:
            _fail(path, line_number, "the series has no values (all missing)")
        rows.append(values[None, : present[-1] + 1])
    if not rows:
        _fail(path, 0, "no series in the file")
    return _pad(rows, 1), labels


_BOOLEAN_TAGS = ("timestamps", "missing", "univariate", "equallength", "classlabel", "targetlabel")


def _read_ts_header(lines, path):
    """The @-lines up to @data: (tags, class labels or None, index of the first data line)."""
    tags, classes = {}, None
    for index, line in enumerate(lines):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if not text.startswith("@"):
            _fail(path, index + 1, f"expected an @ header line before @data, got {text[:40]!r}")
        tag, _, rest = text[1:].partition(" ")
        tag, words = tag.lower(), rest.split()
        if tag == "data":
            return tags, classes, index + 1
        if tag in _BOOLEAN_TAGS:
            if not words or words[0].lower() not in ("true", "false"):
                _fail(path, index + 1, f"@{tag} must be followed by true or false")
            tags[tag] = words[0].lower() == "true"
            if tag == "classlabel" and tags[tag]:
                if len(words) < 2:
                    _fail(path, index + 1, "@classLabel true must list the class labels")
                classes = words[1:]
        elif tag in ("dimensions", "serieslength"):
            if len(words) != 1 or not words[0].isdecimal():
                _fail(path, index + 1, f"@{tag} must be followed by a whole number")
            tags[tag] = int(words[0])
        else:
            tags[tag] = rest  # @problemName and tags of newer versions: not needed to read
    _fail(path, 0, "no @data line: not a .ts file")


def read_ts(path: str | os.PathLike[str]) -> tuple[np.ndarray, np.ndarray | None]:
    """Read an sktime/aeon ``.ts`` file, univariate or multivariate.

    After the ``@`` header lines and ``@data``, each line is one case: its dimensions
    separated by ``:``, values by ``,``, and, with ``@classLabel true`` (or ``@targetLabel
    true``), the label as the last field. ``?`` marks a missing value. Time-stamped files
    (``@timeStamps true``) are not supported.

    Parameters
    ----------
    path : str or os.PathLike
        The file to read.

    Returns
    -------
    X : numpy.ndarray of shape (n, sz, d), float64
        Cases (and dimensions) shorter than the longest are NaN-padded at the end.
    y : numpy.ndarray of shape (n,) or None
        Class labels (int64 when all are whole numbers, else strings), float64 regression
        targets with ``@targetLabel true``, or None when the file has no labels.
    """
    X, labels, targets = _read_ts_cases(path)
    return X, _typed(labels, targets, path)


def _typed(labels, targets, path):
    """Labels as written to the arrays that the readers return: see :func:`read_ts`."""
    if labels is None:
        return None
    return _values(labels, path, 0, "target") if targets else _labels(labels)


def _read_ts_cases(path):
    """(X, the labels as written or None, whether they are regression targets) of a .ts file."""
    lines = _lines(path)
    tags, classes, first = _read_ts_header(lines, path)
    if tags.get("timestamps"):
        _fail(path, 0, "time-stamped .ts files (@timeStamps true) are not supported")
    has_label = bool(tags.get("classlabel") or tags.get("targetlabel"))
    n_dims = tags.get("dimensions")
    rows, labels = [], []
    for index in range(first, len(lines)):
        text, line_number = lines[index].strip(), index + 1
        if not text or text.startswith("#"):
            continue
        fields = text.split(":")
        if has_label:
            if len(fields) < 2:
                _fail(path, line_number, "expected the series, then ':' and a label")
            label = fields.pop().strip()
            if classes is not None and label not in classes:
                _fail(path, line_number, f"label {label!r} is not one of @classLabel's {classes}")
            labels.append(label)
        if n_dims is None:
            n_dims = len(fields)
        if len(fields) != n_dims:
            _fail(path, line_number, f"{len(fields)} dimensions, expected {n_dims}")
        dims = []
        for k, field in enumerate(fields):
            what = f"dimension {k + 1}, value" if n_dims > 1 else "value"
            values = _values(field.split(","), path, line_number, what)
            present = np.flatnonzero(~np.isnan(values))
            dims.append(values[: present[-1] + 1] if present.size else values[:0])
        size = max(len(values) for values in dims)
        if size == 0:
            _fail(path, line_number, "the case has no values (all missing)")
        case = np.full((n_dims, size), np.nan)
        for k, values in enumerate(dims):
            case[k, : len(values)] = values
        rows.append(case)
    if not rows:
        _fail(path, 0, "no series after @data")
    targets = bool(tags.get("targetlabel") and not tags.get("classlabel"))
    return _pad(rows, n_dims), labels if has_label else None, targets


_TEXT_EXTENSIONS = (".tsv", ".csv", ".txt")


def load_dataset(path: str | os.PathLike[str]) -> tuple[np.ndarray, np.ndarray | None]:
    """Read a dataset file, choosing the reader from its extension.

    - ``.npy``: an (n, sz) or (n, sz, d) array of real numbers (NaN-padded if the lengths
      differ); it has no labels. It is read as the text files are: into float64, refused
      when it holds no series or a series without values, and time steps that are NaN in
      every series dropped from the end.
    - ``.tsv``, ``.csv``, ``.txt``: a UCR text file, see :func:`read_ucr_tsv`.
    - ``.ts``: an sktime/aeon file, see :func:`read_ts`.

    Parameters
    ----------
    path : str or os.PathLike
        The file to read.

    Returns
    -------
    X : numpy.ndarray of shape (n, sz, d)
        The series, NaN-padded at the end to the longest.
    y : numpy.ndarray of shape (n,) or None
        The labels, or None for a file without labels.
    """
    X, labels, targets = _read_with_label_text(path)
    return X, _typed(labels, targets, path)


def _read_with_label_text(path):
    """(X, the labels as written or None, whether they are regression targets) of a dataset
    file: what :func:`load_dataset` reads, before each file's labels are typed on their own.
    The command line types the labels of two files together, so that they agree."""
    name = os.fspath(path)
    extension = os.path.splitext(name)[1].lower()
    if extension == ".npy":
        return _read_npy(name), None, False
    if extension in _TEXT_EXTENSIONS:
        return (*_read_ucr_text(name), False)
    if extension == ".ts":
        return _read_ts_cases(name)
    raise ValueError(
        f"{name}: unknown file type {extension or '(no extension)'!r}; expected .npy, .tsv, "
        ".csv, .txt or .ts"
    )


def _read_npy(path):
    with open(path, "rb") as handle:
        if handle.read(len(np.lib.format.MAGIC_PREFIX)) != np.lib.format.MAGIC_PREFIX:
            raise ValueError(f"{path}: not a .npy file (no NumPy header)")
        handle.seek(0)
        try:
            # No pickles: a .npy from elsewhere must not be able to run code.
            X = np.lib.format.read_array(handle, allow_pickle=False)
        except (ValueError, EOFError) as error:
            raise ValueError(f"{path}: unreadable .npy file ({error})") from None
    if X.dtype.kind not in "fiu":
        raise ValueError(f"{path}: the array must hold real numbers, got dtype {X.dtype}")
    if X.ndim == 2:
        X = X[:, :, None]
    elif X.ndim != 3:
        raise ValueError(
            f"{path}: expected an array of shape (n, sz) or (n, sz, d), got shape {X.shape}"
        )
    return _as_text_readers_would(X, path)


def _as_text_readers_would(X, path):
    """An (n, sz, d) array as the text readers return theirs: float64, at least one series,
    each with a value, and no time step that is padding in every series."""
    X = X.astype(np.float64, copy=False)  # float16, float32 and integers too
    if X.shape[0] == 0:
        _fail(path, 0, "no series in the file")
    missing = np.isnan(X)
    # A zero-length series (sz or d of 0) has no values either.
    empty = np.flatnonzero(missing.all(axis=(1, 2)))
    if empty.size:
        _fail(path, 0, f"series {empty[0] + 1} has no values (all missing)")
    observed = np.flatnonzero(~missing.all(axis=(0, 2)))
    return X[:, : observed[-1] + 1]
