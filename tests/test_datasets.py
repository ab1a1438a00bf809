import numpy as np
import pytest

from tswarp.datasets import load_cbf, load_dataset, make_cbf, read_ts, read_ucr_tsv


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


# --- Cylinder-Bell-Funnel ------------------------------------------------------------------


def test_cbf_same_seed_same_arrays():
    first, second = load_cbf(seed=7), load_cbf(seed=7)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], load_cbf(seed=8)[0])


def test_cbf_shapes_and_balanced_classes():
    X_train, y_train, X_test, y_test = load_cbf()
    assert X_train.shape == (30, 128, 1) and X_test.shape == (900, 128, 1)
    assert X_train.dtype == np.float64 and y_train.dtype == np.int64
    assert np.bincount(y_train).tolist() == [0, 10, 10, 10]
    assert np.bincount(y_test).tolist() == [0, 300, 300, 300]


def test_cbf_test_set_does_not_depend_on_train_size():
    _, _, X_small, y_small = load_cbf(n_train=3, n_test=50)
    _, _, X_large, y_large = load_cbf(n_train=40, n_test=50)
    np.testing.assert_array_equal(X_small, X_large)
    np.testing.assert_array_equal(y_small, y_large)


def test_cbf_stream_is_pinned():
    # PCG64 streams are platform independent: these values must not move between machines.
    X, y = make_cbf(6, seed=0)
    assert y.tolist() == [1, 3, 3, 2, 1, 2]
    np.testing.assert_allclose(
        X[0, :3, 0], [-0.5442589828573099, -0.31630015636915454, 0.4116305363741328], rtol=1e-12
    )


def test_cbf_class_shapes():
    X, y = make_cbf(1500, seed=3)
    x = X[:, :, 0]
    # a <= 32 and b >= a + 32 >= 48: every event covers t = 32..48 and none starts before 16.
    inside, before = x[:, 32:49], x[:, :16]
    assert abs(before.mean()) < 0.05
    cylinder, bell, funnel = (inside[y == k] for k in (1, 2, 3))
    assert abs(cylinder.mean() - 6.0) < 0.2
    # On the event, a bell rises from 0 towards 6 + eta and a funnel falls from it.
    rise = x[:, 48] - x[:, 32]
    assert abs(rise[y == 1].mean()) < 0.3
    assert rise[y == 2].mean() > 1.0 and rise[y == 3].mean() < -1.0
    assert bell[:, 0].mean() < 1.5 < funnel[:, 0].mean()
    # Noise is standard normal: the spread before the event is 1.
    assert abs(before.std() - 1.0) < 0.05


def test_cbf_other_length_and_bad_arguments():
    X, _ = make_cbf(4, length=50, seed=1)
    assert X.shape == (4, 50, 1) and np.isfinite(X).all()
    with pytest.raises(ValueError, match="seed"):
        load_cbf(seed=-1)
    with pytest.raises(ValueError, match="n_series"):
        make_cbf(2.5)
    with pytest.raises(ValueError, match="length"):
        make_cbf(3, length=0)


# --- UCR text files --------------------------------------------------------------------------


def test_read_ucr_tsv_round_trip_with_variable_lengths(tmp_path):
    rows = {3: [0.5, 1.25, -2.0, 4.0], -1: [1.0, 2.0], 7: [3.5, 3.5, 3.5]}
    lines = ["\t".join([str(label), *map(repr, values)]) for label, values in rows.items()]
    lines[1] += "\tNaN\tNaN"  # the 2018 archive pads shorter series with NaN
    X, y = read_ucr_tsv(write(tmp_path / "ds_TRAIN.tsv", "\n".join(lines) + "\n\n"))
    assert X.shape == (3, 4, 1) and y.dtype == np.int64
    assert y.tolist() == [3, -1, 7]
    for i, values in enumerate(rows.values()):
        np.testing.assert_array_equal(X[i, : len(values), 0], values)
        assert np.isnan(X[i, len(values) :]).all()


def test_read_ucr_csv_and_blank_separated_and_string_labels(tmp_path):
    X, y = read_ucr_tsv(write(tmp_path / "a.csv", "1.0000000e+00, 1, 2, 3\n2.0e+00,4,5,6,7,\n"))
    assert y.tolist() == [1, 2] and y.dtype == np.int64
    np.testing.assert_array_equal(X[1, :, 0], [4, 5, 6, 7])
    assert np.isnan(X[0, 3, 0])
    X, y = read_ucr_tsv(write(tmp_path / "b.txt", "walk  1.5 2.5\nrun 3 4\n"))
    assert y.tolist() == ["walk", "run"]
    np.testing.assert_array_equal(X[:, :, 0], [[1.5, 2.5], [3, 4]])


def test_read_ucr_keeps_missing_values_inside_series(tmp_path):
    X, _ = read_ucr_tsv(write(tmp_path / "m.tsv", "1\t1\t?\t3\n1\t1\t\t3\n"))
    assert np.isnan(X[:, 1, 0]).all() and (X[:, 2, 0] == 3).all()


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("1\t1\t2\n2\t3\tx4\n", r"bad\.tsv, line 2: value 2 is 'x4'"),
        ("1\t1\n2\n", r"line 2: expected a label and at least one value"),
        ("1\tNaN\tNaN\n", r"line 1: the series has no values"),
        ("\n\n", r"bad\.tsv: no series in the file"),
    ],
)
def test_read_ucr_malformed(tmp_path, text, match):
    with pytest.raises(ValueError, match=match):
        read_ucr_tsv(write(tmp_path / "bad.tsv", text))


def test_read_ucr_binary_file(tmp_path):
    path = tmp_path / "bin.tsv"
    path.write_bytes(b"\xff\xfe\x00\x01")
    with pytest.raises(ValueError, match="not a text file"):
        read_ucr_tsv(path)


# --- sktime / aeon .ts files -----------------------------------------------------------------

UNIVARIATE_TS = """\
# A comment before the header
@problemName Toy
@timeStamps false
@missing true
@univariate true
@equalLength false
@classLabel true up down
@data
1.0,2.0,3.0,4.0:up
4.0,?,2.0:down
# a comment between cases
0.5,0.25:up
"""

MULTIVARIATE_TS = """\
@problemName Toy3D
@timeStamps false
@univariate false
@dimensions 2
@equalLength true
@seriesLength 3
@classLabel true 1 2
@data
1,2,3:10,20,30:1
4,5,6:40,50,60:2
"""


def test_read_ts_univariate_missing_values_and_variable_lengths(tmp_path):
    X, y = read_ts(write(tmp_path / "toy.ts", UNIVARIATE_TS))
    assert X.shape == (3, 4, 1)
    assert y.tolist() == ["up", "down", "up"]
    np.testing.assert_array_equal(X[0, :, 0], [1, 2, 3, 4])
    assert X[1, 0, 0] == 4 and np.isnan(X[1, 1, 0]) and X[1, 2, 0] == 2
    assert np.isnan(X[1, 3, 0]) and np.isnan(X[2, 2:, 0]).all()


def test_read_ts_multivariate(tmp_path):
    X, y = read_ts(write(tmp_path / "toy3d.ts", MULTIVARIATE_TS))
    assert X.shape == (2, 3, 2) and y.tolist() == [1, 2] and y.dtype == np.int64
    np.testing.assert_array_equal(X[1], [[4, 40], [5, 50], [6, 60]])


def test_read_ts_without_labels_and_with_regression_targets(tmp_path):
    X, y = read_ts(write(tmp_path / "u.ts", "@classLabel false\n@data\n1,2\n3,4,5\n"))
    assert y is None and X.shape == (2, 3, 1)
    X, y = read_ts(write(tmp_path / "r.ts", "@targetLabel true\n@data\n1,2:0.5\n3:1.5\n"))
    assert y.dtype == np.float64 and y.tolist() == [0.5, 1.5]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("@problemName x\n1,2:a\n", r"line 2: expected an @ header line"),
        ("@classLabel true a\n", r"no @data line"),
        ("@classLabel maybe\n@data\n", r"line 1: @classlabel must be followed by true or false"),
        ("@classLabel true a b\n@data\n1,2:a\n3:c\n", r"line 4: label 'c' is not one of"),
        ("@dimensions 2\n@classLabel true a\n@data\n1:2:a\n3:a\n", r"line 5: 1 dimensions"),
        ("@classLabel true a\n@data\n1,b:a\n", r"line 3: value 2 is 'b'"),
        ("@classLabel true a\n@data\n?,?:a\n", r"line 3: the case has no values"),
        ("@timeStamps true\n@data\n(0,1):a\n", r"time-stamped"),
        ("@classLabel false\n@data\n\n", r"no series after @data"),
    ],
)
def test_read_ts_malformed(tmp_path, text, match):
    with pytest.raises(ValueError, match=match):
        read_ts(write(tmp_path / "bad.ts", text))


# --- load_dataset ----------------------------------------------------------------------------


def test_load_dataset_dispatches_on_extension(tmp_path, rng):
    data = rng.standard_normal((4, 6))
    np.save(tmp_path / "x.npy", data)
    X, y = load_dataset(tmp_path / "x.npy")
    assert y is None and X.shape == (4, 6, 1)
    np.testing.assert_array_equal(X[:, :, 0], data)
    X, y = load_dataset(str(write(tmp_path / "x.TSV", "1\t2\t3\n")))
    assert X.shape == (1, 2, 1) and y.tolist() == [1]
    X, y = load_dataset(write(tmp_path / "x.ts", MULTIVARIATE_TS))
    assert X.shape == (2, 3, 2)


def test_load_dataset_rejects_bad_npy_and_unknown_types(tmp_path):
    (tmp_path / "garbage.npy").write_bytes(b"not an array at all")
    with pytest.raises(ValueError, match=r"garbage\.npy: not a \.npy file"):
        load_dataset(tmp_path / "garbage.npy")
    np.save(tmp_path / "obj.npy", np.array([[1, "a"]], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match=r"obj\.npy: unreadable \.npy file"):
        load_dataset(tmp_path / "obj.npy")
    np.save(tmp_path / "flat.npy", np.arange(5.0))
    with pytest.raises(ValueError, match=r"shape \(n, sz\) or \(n, sz, d\), got shape \(5,\)"):
        load_dataset(tmp_path / "flat.npy")
    np.save(tmp_path / "text.npy", np.array([["a"]]))
    with pytest.raises(ValueError, match="real numbers"):
        load_dataset(tmp_path / "text.npy")
    with pytest.raises(ValueError, match=r"unknown file type '\.parquet'"):
        load_dataset(tmp_path / "x.parquet")
    with pytest.raises(FileNotFoundError):
        load_dataset(tmp_path / "missing.tsv")
