"""The archive readers on files a hostile or careless writer could hand them."""

import os

import numpy as np
import pytest

from tswarp.datasets import load_dataset, read_ts, read_ucr_tsv


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        # Past int64: read through a float they became -2**63 (with a RuntimeWarning).
        (["12345678901234567890", "1"], np.array(["12345678901234567890", "1"])),
        (["1e20", "1"], np.array(["1e20", "1"])),
        # Past 2**53, a float is not the written integer: 2**53 + 1 became 2**53.
        (["9007199254740993", "-9007199254740995"], [2**53 + 1, -(2**53) - 3]),
        (["1.0e+00", "-2"], [1, -2]),
    ],
)
def test_whole_number_labels_are_read_exactly_or_kept_as_written(tmp_path, labels, expected):
    text = "".join(f"{label}\t1\t2\n" for label in labels)
    _, y = read_ucr_tsv(write(tmp_path, "x.tsv", text))
    np.testing.assert_array_equal(y, expected)
    assert y.dtype == np.asarray(expected).dtype
    header = f"@classLabel true {' '.join(labels)}\n@data\n"
    _, y = read_ts(write(tmp_path, "x.ts", header + "".join(f"1,2:{lab}\n" for lab in labels)))
    np.testing.assert_array_equal(y, expected)


def test_an_empty_label_of_a_tab_separated_line_is_not_its_first_value(tmp_path):
    # The line's tab in front was stripped with the blanks: "1" became the label and the
    # series lost its first value.
    X, y = read_ucr_tsv(write(tmp_path, "x.tsv", "\t1\t2\n7\t3\t4\n"))
    np.testing.assert_array_equal(y, ["", "7"])
    np.testing.assert_array_equal(X[:, :, 0], [[1.0, 2.0], [3.0, 4.0]])


@pytest.mark.parametrize("reader", [read_ucr_tsv, read_ts, load_dataset])
def test_a_file_descriptor_is_not_a_path(reader, tmp_path):
    # open() reads an int as a file descriptor, and closes it when done: the caller's file
    # was read as a dataset, then closed behind its back.
    write(tmp_path, "x.tsv", "1\t1\t2\n")
    fd = os.open(tmp_path / "x.tsv", os.O_RDONLY)
    try:
        with pytest.raises(TypeError):
            reader(fd)
        os.fstat(fd)  # still open
    finally:
        os.close(fd)


def test_ts_header_count_of_non_ascii_digits_names_the_file(tmp_path):
    # "²" is a digit to str.isdigit but not a number to int(): a bare ValueError.
    path = write(tmp_path, "x.ts", "@dimensions ²\n@data\n1,2\n")
    with pytest.raises(ValueError, match=r"x\.ts, line 1: @dimensions must be followed"):
        read_ts(path)


def test_unicode_path_and_bom(tmp_path):
    path = tmp_path / "données-ü" / "série.tsv"
    path.parent.mkdir()
    path.write_text("1\t1\t2\n", encoding="utf-8-sig")
    X, y = load_dataset(path)
    np.testing.assert_array_equal(X.ravel(), [1.0, 2.0])
    np.testing.assert_array_equal(y, [1])


# --- .npy files read as the text readers read theirs -----------------------------------------


@pytest.mark.parametrize(
    ("array", "text", "message"),
    [
        (np.zeros((0, 3)), "", "no series in the file"),
        (np.zeros((2, 0)), "1\t?\n2\t?\n", r"has no values \(all missing\)"),
        (np.zeros((2, 3, 0)), "1\t?\n2\t?\n", r"has no values \(all missing\)"),
        (np.array([[1.0, 2.0], [np.nan, np.nan]]), "1\t1\t2\n2\tNaN\tNaN\n", "has no values"),
    ],
    ids=["no-series", "zero-length", "zero-dimensions", "all-nan-series"],
)
def test_npy_without_series_or_values_is_refused_as_text_is(tmp_path, array, text, message):
    with pytest.raises(ValueError, match=message):
        read_ucr_tsv(write(tmp_path, "x.tsv", text))
    np.save(tmp_path / "x.npy", array)
    with pytest.raises(ValueError, match=r"x\.npy: .*" + message):
        load_dataset(tmp_path / "x.npy")


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.int8, np.int64, np.uint16])
def test_npy_of_any_real_dtype_is_read_as_float64(tmp_path, dtype):
    values = np.array([[1, 2, 3], [4, 5, 6]], dtype=dtype)
    np.save(tmp_path / "x.npy", values)
    X, _ = load_dataset(tmp_path / "x.npy")
    text_X, _ = read_ucr_tsv(write(tmp_path, "x.tsv", "0\t1\t2\t3\n0\t4\t5\t6\n"))
    assert X.dtype == text_X.dtype == np.float64
    np.testing.assert_array_equal(X, text_X)


def test_npy_padding_at_the_end_of_every_series_is_dropped(tmp_path):
    values = np.array([[1.0, np.nan, 2.0, np.nan], [3.0, np.nan, np.nan, np.nan]])
    np.save(tmp_path / "x.npy", values)
    X, _ = load_dataset(tmp_path / "x.npy")
    text_X, _ = read_ucr_tsv(write(tmp_path, "x.tsv", "0\t1\tNaN\t2\tNaN\n0\t3\tNaN\tNaN\tNaN\n"))
    np.testing.assert_array_equal(X, text_X)  # both (2, 3, 1): an inner NaN stays
    assert X.shape == (2, 3, 1)
