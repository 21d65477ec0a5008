"""CSV loading and its errors, the stratified split, scalers, synthetic generators, shipped data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dreamlang import ir, train_settings
from dreamlang.training import (
    DATASETS,
    Scaler,
    circles,
    load_csv,
    moons,
    parity,
    parse_scaler,
    train_test_split,
)
from dreamlang.training.data import SCALER_KINDS

DATA = Path(__file__).resolve().parent.parent / "examples" / "data"
SOME = settings(max_examples=max(20, (settings.default.max_examples or 100) // 4))


def write(tmp_path: Path, text: str, name: str = "table.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---- shipped data ----


def test_iris_csv() -> None:
    data = load_csv(DATA / "iris.csv")
    assert data.X.shape == (150, 4) and data.y.dtype == np.int64
    assert data.feature_names == ("sepal_length", "sepal_width", "petal_length", "petal_width")
    assert data.label_name == "species"
    assert data.class_names == ("setosa", "versicolor", "virginica")
    assert np.bincount(data.y).tolist() == [50, 50, 50]
    np.testing.assert_array_equal(data.X[0], [5.1, 3.5, 1.4, 0.2])
    # Fisher's published column sums (scikit-learn's copy, with the two UCI errata fixed).
    np.testing.assert_allclose(data.X.sum(axis=0), [876.5, 458.6, 563.7, 179.9])


def test_wine_csv() -> None:
    data = load_csv(DATA / "wine.csv")
    assert data.X.shape == (178, 13) and data.num_classes == 3
    assert data.label_name == "class" and data.class_names == ("1", "2", "3")
    assert data.feature_names[0] == "alcohol" and data.feature_names[-1] == "proline"
    assert np.bincount(data.y).tolist() == [59, 71, 48]
    np.testing.assert_array_equal(data.X[0, [0, 4, 12]], [14.23, 127.0, 1065.0])


def test_shipped_data_are_documented() -> None:
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    for word in ("iris.csv", "wine.csv", "UCI", "CC BY 4.0"):
        assert word in readme


# ---- load_csv ----


def test_label_by_name_and_string_classes_in_sorted_order(tmp_path: Path) -> None:
    path = write(tmp_path, "kind,a,b\nzeta,1,2\n alpha ,3,4\n\nmid,5,6e-1\nalpha,7,8\n")
    data = load_csv(path, label="kind")
    assert data.feature_names == ("a", "b") and data.class_names == ("alpha", "mid", "zeta")
    assert data.y.tolist() == [2, 0, 1, 0]
    np.testing.assert_array_equal(data.X, [[1, 2], [3, 4], [5, 0.6], [7, 8]])


def test_integer_labels_become_classes_in_numeric_order(tmp_path: Path) -> None:
    data = load_csv(write(tmp_path, "x,y\n0.5,10\n1.5,-1\n2.5,2\n3.5,10.0\n"))
    assert data.class_names == ("-1", "2", "10")
    assert data.y.tolist() == [2, 0, 1, 2]


def test_fractional_labels_are_float_targets(tmp_path: Path) -> None:
    data = load_csv(write(tmp_path, "x,target\n1,0.25\n2,1\n"))
    assert data.class_names == () and data.y.dtype == np.float64
    assert data.y.tolist() == [0.25, 1.0]


@pytest.mark.parametrize(
    ("text", "label", "message"),
    [
        ("a,b\n1,2\n", "kind", r"table\.csv:1: no label column 'kind'; columns: a, b"),
        (
            "a,b,c\n1,2,x\n1,oops,x\n",
            None,
            r"table\.csv:3: column 2 \('b'\): 'oops' is not a finite number",
        ),
        ("a,b,c\n1,2,x\n1,,x\n", None, r"table\.csv:3: column 2 \('b'\): '' is not"),
        ("a,b,c\n1,2,x\n1,inf,x\n", None, r"table\.csv:3: column 2 \('b'\): 'inf' is not a finite"),
        ("a,b,c\n1,2,x\n1,2\n", None, r"table\.csv:3: 2 fields, but the header \(line 1\) has 3"),
        ("a,b,c\n1,2,x,4\n", None, r"table\.csv:2: 4 fields"),
        ("", None, r"table\.csv: empty file; expected a header row"),
        ("a,b\n", None, r"table\.csv: no data rows after the header"),
        ("a,a,c\n1,2,x\n", None, r"table\.csv:1: column 2: duplicate name 'a'"),
        ("a,,c\n1,2,x\n", None, r"table\.csv:1: column 2 has an empty name"),
        ("label\nx\n", None, r"table\.csv:1: no feature columns"),
        ("a,b\n1,x\n2, \n", None, r"table\.csv:3: column 2 \('b'\): empty label"),
        ("\n\na,b\n1,2\n1,2,3\n", None, r"table\.csv:5: 3 fields, but the header \(line 3\)"),
    ],
)
def test_bad_csv_names_file_line_and_column(tmp_path: Path, text: str, label, message) -> None:
    with pytest.raises(ValueError, match=message):
        load_csv(write(tmp_path, text), label=label)


def test_unreadable_csv(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"missing\.csv: cannot read CSV"):
        load_csv(tmp_path / "missing.csv")
    path = tmp_path / "latin.csv"
    path.write_bytes(b"a,b\n1,caf\xe9\n")
    with pytest.raises(ValueError, match=r"latin\.csv: cannot read CSV"):
        load_csv(path)


def test_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfa,b\n1,x\n")
    assert load_csv(path).feature_names == ("a",)


# ---- train_test_split ----


def test_split_is_stratified_and_a_partition() -> None:
    y = np.repeat([0, 1, 2], [50, 30, 20])
    X = np.arange(100, dtype=float)[:, None]  # the row index, to follow each sample
    X_train, X_test, y_train, y_test = train_test_split(X, y, 0.2, seed=3)
    assert len(X_test) == 20 and len(X_train) == 80
    assert np.bincount(y_test).tolist() == [10, 6, 4]
    rows = np.concatenate([X_train[:, 0], X_test[:, 0]]).astype(int)
    assert sorted(rows) == list(range(100))
    np.testing.assert_array_equal(y[X_train[:, 0].astype(int)], y_train)
    np.testing.assert_array_equal(y[X_test[:, 0].astype(int)], y_test)


def test_split_is_deterministic_per_seed() -> None:
    X, y = moons(60, 0.1, seed=0)
    first = train_test_split(X, y, 0.25, seed=11)
    again = train_test_split(X, y, 0.25, seed=11)
    other = train_test_split(X, y, 0.25, seed=12)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[1], other[1])


@SOME
@given(
    st.lists(st.integers(0, 4), min_size=2, max_size=60),
    st.floats(0.05, 0.95),
    st.integers(0, 2**32 - 1),
)
def test_split_sizes_and_proportions(labels, fraction, seed) -> None:
    y = np.array(labels)
    n = len(y)
    n_test = int(np.floor(fraction * n + 0.5))
    X = np.arange(n, dtype=float)[:, None]
    if not 0 < n_test < n:
        with pytest.raises(ValueError, match="leaves a part empty"):
            train_test_split(X, y, fraction, seed)
        return
    X_train, X_test, _, y_test = train_test_split(X, y, fraction, seed)
    assert len(X_test) == n_test and len(X_train) == n - n_test
    for c in np.unique(y):
        share = np.sum(y == c) * n_test / n
        assert np.floor(share) <= np.sum(y_test == c) <= np.ceil(share)


def test_float_targets_are_split_without_strata() -> None:
    X = np.arange(10, dtype=float)[:, None]
    _, X_test, _, y_test = train_test_split(X, X[:, 0] / 10, 0.3, seed=0)
    assert len(X_test) == 3 and y_test.dtype == np.float64
    np.testing.assert_array_equal(y_test, X_test[:, 0] / 10)


@pytest.mark.parametrize(
    ("X", "y", "fraction", "message"),
    [
        (np.zeros((4, 2)), np.zeros(3, dtype=int), 0.5, r"X must be \(n, d\) and y \(n,\)"),
        (np.zeros((4, 2)), np.zeros(4, dtype=int), 1.0, r"test_fraction must be in \(0, 1\)"),
        (np.zeros((4, 2)), np.zeros(4, dtype=int), 0.1, "leaves a part empty"),
    ],
)
def test_bad_splits(X, y, fraction, message) -> None:
    with pytest.raises(ValueError, match=message):
        train_test_split(X, y, fraction, seed=0)


# ---- Scaler ----


def test_standard_scaler_fits_on_train_and_applies_to_test() -> None:
    rng = np.random.default_rng(0)
    train, test = rng.normal(3, 2, size=(50, 3)), rng.normal(3, 2, size=(10, 3))
    train[:, 2] = 7.0  # a constant feature
    scaler = Scaler("standard").fit(train)
    scaled = scaler.transform(train)
    np.testing.assert_allclose(scaled[:, :2].mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(scaled[:, :2].std(axis=0), 1, atol=1e-12)
    np.testing.assert_array_equal(scaled[:, 2], 0.0)
    expected = (test[:, :2] - train[:, :2].mean(axis=0)) / train[:, :2].std(axis=0)
    np.testing.assert_allclose(scaler.transform(test)[:, :2], expected, rtol=1e-14)


def test_minmax_scaler() -> None:
    train = np.array([[0.0, 5.0], [2.0, 5.0], [4.0, 5.0]])
    scaler = Scaler("minmax", -1.0, 1.0).fit(train)
    np.testing.assert_array_equal(scaler.transform(train), [[-1, -1], [0, -1], [1, -1]])
    # Outside the training range is extrapolated; a constant feature has width 1 (as sklearn).
    np.testing.assert_array_equal(scaler.transform([[6.0, 9.0]]), [[2.0, 7.0]])
    assert repr(scaler) == "Scaler('minmax', lo=-1.0, hi=1.0)"


def test_none_scaler_and_state_round_trip() -> None:
    data = np.array([[1.0, 2.0], [3.0, 5.0]])
    np.testing.assert_array_equal(Scaler("none").fit_transform(data), data)
    fitted = Scaler("standard").fit(data)
    restored = Scaler("standard")
    restored.load_state_dict(fitted.state_dict())
    np.testing.assert_array_equal(restored.transform(data), fitted.transform(data))


def test_scaler_errors() -> None:
    with pytest.raises(ValueError, match="unknown scaler 'robust'"):
        Scaler("robust")
    with pytest.raises(ValueError, match=r"finite lo < hi, not \(1.0, 1.0\)"):
        Scaler("minmax", 1.0, 1.0)
    with pytest.raises(RuntimeError, match="before fit"):
        Scaler().transform(np.zeros((1, 2)))
    with pytest.raises(ValueError, match=r"expected \(n, 2\) data"):
        Scaler().fit(np.zeros((3, 2))).transform(np.zeros((3, 3)))


def test_scalers_of_a_train_section() -> None:
    assert tuple(train_settings.SCALINGS) == SCALER_KINDS
    for kind, args in [("none", ()), ("standard", ()), ("minmax", (0.0, np.pi))]:
        spec = ir.TrainSpec(scale=(kind, args))
        scaler = Scaler(spec.scale[0], *spec.scale[1])  # how a trainer builds one
        assert scaler.kind == kind and (scaler.lo, scaler.hi) == (args or (0.0, 1.0))


def test_parse_scaler() -> None:
    assert repr(parse_scaler("standard")) == "Scaler('standard')"
    assert repr(parse_scaler("none")) == "Scaler('none')"
    assert repr(parse_scaler("minmax")) == "Scaler('minmax', lo=0.0, hi=1.0)"
    assert repr(parse_scaler(" minmax( -3.5 , 1e1 ) ")) == "Scaler('minmax', lo=-3.5, hi=10.0)"
    for bad in ("standard(0, 1)", "minmax(0)", "minmax(a, b)", ""):
        with pytest.raises(ValueError, match="scaler"):
            parse_scaler(bad)


# ---- synthetic data sets ----


@pytest.mark.parametrize("n", [2, 7, 100])
def test_moons_geometry(n: int) -> None:
    X, y = moons(n, noise=0.0, seed=1)
    assert X.shape == (n, 2) and y.shape == (n,) and y.dtype == np.int64
    assert np.bincount(y, minlength=2).tolist() == [n // 2, n - n // 2]
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)  # unit half circle, y >= 0
    assert np.all(upper[:, 1] >= -1e-15)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0)
    assert np.all(lower[:, 1] <= 0.5 + 1e-15)


@pytest.mark.parametrize("factor", [0.0, 0.3, 0.8])
def test_circles_geometry(factor: float) -> None:
    X, y = circles(9, noise=0.0, factor=factor, seed=1)
    assert X.shape == (9, 2) and np.bincount(y).tolist() == [4, 5]
    np.testing.assert_allclose(np.hypot(*X[y == 0].T), 1.0)
    np.testing.assert_allclose(np.hypot(*X[y == 1].T), factor, atol=1e-15)
    angles = np.sort(np.mod(np.arctan2(X[y == 0, 1], X[y == 0, 0]), 2 * np.pi))
    np.testing.assert_allclose(angles, np.arange(4) * np.pi / 2, atol=1e-12)  # evenly spaced


@pytest.mark.parametrize("make", [moons, circles])
def test_generators_are_deterministic_and_noisy(make) -> None:
    X1, y1 = make(50, noise=0.1, seed=5)
    X2, y2 = make(50, noise=0.1, seed=5)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    X3, _ = make(50, noise=0.1, seed=6)
    assert not np.array_equal(X1, X3)
    clean, labels = make(50, noise=0.0, seed=5)
    np.testing.assert_array_equal(labels, y1)  # noise moves points, never relabels them
    assert 0.03 < np.std(X1 - clean) < 0.3


def test_parity_all_and_sampled() -> None:
    X, y = parity(3)
    assert X.shape == (8, 3) and X.dtype == np.float64
    np.testing.assert_array_equal(X[5], [1.0, 0.0, 1.0])  # counting order, MSB first
    assert y.tolist() == [0, 1, 1, 0, 1, 0, 0, 1]
    np.testing.assert_array_equal(parity(3, "all")[0], X)
    Xs, ys = parity(5, 40, seed=2)
    assert Xs.shape == (40, 5) and set(np.unique(Xs)) <= {0.0, 1.0}
    np.testing.assert_array_equal(ys, Xs.sum(axis=1) % 2)
    np.testing.assert_array_equal(parity(5, 40, seed=2)[0], Xs)
    assert not np.array_equal(parity(5, 40, seed=3)[0], Xs)


def test_generator_errors() -> None:
    with pytest.raises(ValueError, match="at least 2 samples"):
        moons(1)
    with pytest.raises(ValueError, match="noise must be >= 0"):
        circles(10, noise=-0.1)
    with pytest.raises(ValueError, match=r"factor must be in \[0, 1\)"):
        circles(10, factor=1.0)
    with pytest.raises(ValueError, match=r"n_bits must be in 1\.\.24"):
        parity(0)
    with pytest.raises(ValueError, match="n_samples must be a positive integer or 'all'"):
        parity(3, 0)
    assert {"moons": moons, "circles": circles, "parity": parity} == DATASETS
