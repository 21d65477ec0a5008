"""Tabular data for training: CSV loading, a stratified train/test split and feature scaling."""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["SCALER_KINDS", "Dataset", "Scaler", "load_csv", "parse_scaler", "train_test_split"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Dataset:
    """A loaded table: X is (n, d) float64; y is int64 class indices into class_names, or float64
    targets (class_names empty) when the label column holds numbers that are not all integers."""

    X: Array
    y: NDArray[np.int64] | Array
    feature_names: tuple[str, ...]
    label_name: str
    class_names: tuple[str, ...]

    @property
    def num_classes(self) -> int:
        return len(self.class_names)


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _read_rows(path: Path) -> tuple[list[str], int, list[tuple[int, list[str]]]]:
    """The header, its line number and the (line number, fields) of each non-blank data row."""
    where = str(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            while header is not None and not any(f.strip() for f in header):
                header = next(reader, None)  # blank lines before the header
            if header is None:
                raise ValueError(f"{where}: empty file; expected a header row")
            header_line = reader.line_num
            rows = [(reader.line_num, row) for row in reader if any(f.strip() for f in row)]
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ValueError(f"{where}: cannot read CSV: {error}") from error
    names = [field.strip() for field in header]
    for column, name in enumerate(names, start=1):
        if not name:
            raise ValueError(f"{where}:{header_line}: column {column} has an empty name")
        if name in names[: column - 1]:
            raise ValueError(f"{where}:{header_line}: column {column}: duplicate name {name!r}")
    for line, row in rows:
        if len(row) != len(names):
            raise ValueError(
                f"{where}:{line}: {len(row)} fields, but the header (line {header_line}) "
                f"has {len(names)}"
            )
    if not rows:
        raise ValueError(f"{where}: no data rows after the header")
    return names, header_line, rows


def load_csv(path: str | Path, label: str | None = None) -> Dataset:
    """Load a CSV file with a header row: numeric feature columns and one label column.

    ``label`` names the label column (default: the last). Labels that are all numbers and all
    integers, or that are not all numbers (strings), are classes: their distinct values,
    sorted (numerically for numbers), become the class indices 0..k-1 and the class names.
    Other numeric labels are float targets. Bad files raise ValueError naming the file, line
    and column.
    """
    path = Path(path)
    names, header_line, rows = _read_rows(path)
    if label is None:
        label = names[-1]
    if label not in names:
        raise ValueError(
            f"{path}:{header_line}: no label column {label!r}; columns: {', '.join(names)}"
        )
    target = names.index(label)
    if len(names) < 2:
        raise ValueError(f"{path}:{header_line}: no feature columns besides the label {label!r}")
    features = [i for i in range(len(names)) if i != target]
    X = np.empty((len(rows), len(features)), dtype=np.float64)
    for r, (line, row) in enumerate(rows):
        for c, column in enumerate(features):
            value = _number(row[column].strip())
            if value is None:
                raise ValueError(
                    f"{path}:{line}: column {column + 1} ({names[column]!r}): "
                    f"{row[column].strip()!r} is not a finite number"
                )
            X[r, c] = value
    y, classes = _labels(path, label, target, rows)
    return Dataset(X, y, tuple(names[i] for i in features), label, classes)


def _labels(
    path: Path, label: str, column: int, rows: list[tuple[int, list[str]]]
) -> tuple[NDArray[np.int64] | Array, tuple[str, ...]]:
    texts = [row[column].strip() for _, row in rows]
    for (line, _), text in zip(rows, texts):
        if not text:
            raise ValueError(f"{path}:{line}: column {column + 1} ({label!r}): empty label")
    numbers = [_number(text) for text in texts]
    if all(n is not None for n in numbers):
        values = np.array(numbers, dtype=np.float64)
        if not np.all(values % 1 == 0):
            return values, ()  # a regression target
        order = sorted(set(texts), key=lambda text: (float(text), text))
        # "1" and "1.0" are one class: index by value, name by the first spelling in order.
        by_value: dict[float, str] = {}
        for text in order:
            by_value.setdefault(float(text), text)
        classes = tuple(by_value.values())
        position = {value: i for i, value in enumerate(by_value)}
        return np.array([position[float(t)] for t in texts], dtype=np.int64), classes
    classes = tuple(sorted(set(texts)))
    index = {name: i for i, name in enumerate(classes)}
    return np.array([index[text] for text in texts], dtype=np.int64), classes


def _test_counts(y: NDArray[np.int64], classes: NDArray[np.int64], n_test: int) -> list[int]:
    """Test samples per class: floor(f n_c) each, the rest to the largest remainders (ties to
    the smaller class index), so the total is n_test and every class keeps its proportion."""
    counts = np.array([np.sum(y == c) for c in classes])
    quotas = counts * (n_test / len(y))
    base = np.floor(quotas).astype(int)
    order = sorted(range(len(classes)), key=lambda i: (-(quotas[i] - base[i]), i))
    for i in order[: n_test - int(base.sum())]:
        base[i] += 1
    return [int(b) for b in base]


def train_test_split(
    X: ArrayLike, y: ArrayLike, test_fraction: float, seed: int | None = 0
) -> tuple[Array, Array, NDArray[np.int64] | Array, NDArray[np.int64] | Array]:
    """(X_train, X_test, y_train, y_test), stratified by class for integer labels.

    The test set has round(test_fraction * n) samples (half up), shared among the classes in
    proportion; float (regression) labels are split without stratification. The same seed
    always gives the same split; both parts come out shuffled.
    """
    X_arr = np.asarray(X, dtype=np.float64)
    y_arr = np.asarray(y)
    if X_arr.ndim != 2 or y_arr.shape != (X_arr.shape[0],):
        raise ValueError(f"X must be (n, d) and y (n,); got {X_arr.shape} and {y_arr.shape}")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), not {test_fraction!r}")
    n = len(y_arr)
    n_test = math.floor(test_fraction * n + 0.5)
    if not 0 < n_test < n:
        raise ValueError(f"test_fraction {test_fraction} of {n} samples leaves a part empty")
    rng = np.random.default_rng(seed)
    if y_arr.dtype.kind in "iub":
        classes = np.unique(y_arr)
        test_parts = []
        for c, count in zip(classes, _test_counts(y_arr.astype(np.int64), classes, n_test)):
            members = rng.permutation(np.flatnonzero(y_arr == c))
            test_parts.append(members[:count])
        test = np.concatenate(test_parts)
    else:
        test = rng.permutation(n)[:n_test]
    is_test = np.zeros(n, dtype=bool)
    is_test[test] = True
    train_idx = rng.permutation(np.flatnonzero(~is_test))
    test_idx = rng.permutation(np.flatnonzero(is_test))
    return X_arr[train_idx], X_arr[test_idx], y_arr[train_idx], y_arr[test_idx]


SCALER_KINDS = ("none", "standard", "minmax")


class Scaler:
    """Per-feature scaling, fitted on the training part and then applied to every part.

    ``standard``: (x - mean) / std (population std; constant features keep scale 1, so they
    become 0). ``minmax``: lo + (x - min) / (max - min) * (hi - lo) (constant features map to
    lo). ``none``: unchanged. The fitted center and width are plain arrays (``state_dict``).
    """

    def __init__(self, kind: str = "standard", lo: float = 0.0, hi: float = 1.0) -> None:
        if kind not in SCALER_KINDS:
            raise ValueError(f"unknown scaler {kind!r}; expected one of {', '.join(SCALER_KINDS)}")
        if kind == "minmax" and not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise ValueError(f"minmax range needs finite lo < hi, not ({lo}, {hi})")
        self.kind, self.lo, self.hi = kind, float(lo), float(hi)
        self.center: Array | None = None
        self.width: Array | None = None

    def __repr__(self) -> str:
        extra = f", lo={self.lo}, hi={self.hi}" if self.kind == "minmax" else ""
        return f"Scaler({self.kind!r}{extra})"

    def fit(self, X: ArrayLike) -> Scaler:
        data = np.asarray(X, dtype=np.float64)
        if data.ndim != 2 or data.shape[0] == 0:
            raise ValueError(f"fit needs (n, d) data with n >= 1, not shape {data.shape}")
        if self.kind == "minmax":
            low, high = data.min(axis=0), data.max(axis=0)
            self.center, width = low, high - low
        elif self.kind == "standard":
            self.center, width = data.mean(axis=0), data.std(axis=0)
        else:
            self.center, width = np.zeros(data.shape[1]), np.ones(data.shape[1])
        self.width = np.where(width > 0, width, 1.0)  # a constant feature must not divide by 0
        return self

    def transform(self, X: ArrayLike) -> Array:
        if self.center is None or self.width is None:
            raise RuntimeError("Scaler.transform called before fit")
        data = np.asarray(X, dtype=np.float64)
        if data.ndim != 2 or data.shape[1] != len(self.center):
            raise ValueError(f"expected (n, {len(self.center)}) data, not shape {data.shape}")
        if self.kind == "none":
            return data.copy()
        scaled = (data - self.center) / self.width
        if self.kind == "minmax":
            return self.lo + scaled * (self.hi - self.lo)
        return scaled

    def fit_transform(self, X: ArrayLike) -> Array:
        return self.fit(X).transform(X)

    def state_dict(self) -> dict[str, Array]:
        if self.center is None or self.width is None:
            raise RuntimeError("Scaler.state_dict called before fit")
        return {"center": self.center.copy(), "width": self.width.copy()}

    def load_state_dict(self, state: dict[str, ArrayLike]) -> None:
        self.center = np.array(state["center"], dtype=np.float64)
        self.width = np.array(state["width"], dtype=np.float64)


_SCALER_SPEC = re.compile(r"^\s*(\w+)\s*(?:\(\s*([^,()]+?)\s*,\s*([^,()]+?)\s*\))?\s*$")


def parse_scaler(spec: str) -> Scaler:
    """A Scaler from text: "none", "standard", "minmax" (range 0..1) or "minmax(lo, hi)"."""
    match = _SCALER_SPEC.match(spec)
    if match is None or (match.group(2) is not None and match.group(1) != "minmax"):
        raise ValueError(f"bad scaler {spec!r}; expected none, standard, minmax or minmax(lo, hi)")
    if match.group(2) is None:
        return Scaler(match.group(1))
    lo, hi = _number(match.group(2)), _number(match.group(3))
    if lo is None or hi is None:
        raise ValueError(f"bad scaler {spec!r}: lo and hi must be finite numbers")
    return Scaler("minmax", lo, hi)
