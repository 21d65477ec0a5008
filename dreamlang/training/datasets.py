"""Synthetic data sets: scikit-learn's moons and circles geometry, and n-bit parity."""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import NDArray

__all__ = ["DATASETS", "circles", "moons", "parity"]

Array = NDArray[np.float64]
Labels = NDArray[np.int64]


def _check(n: int, noise: float) -> None:
    if n < 2:
        raise ValueError(f"need at least 2 samples, not {n}")
    if not noise >= 0:
        raise ValueError(f"noise must be >= 0, not {noise!r}")


def _finish(
    x: Array, y: Array, counts: tuple[int, int], noise: float, seed: int | None
) -> tuple[Array, Labels]:
    """Stack the points, label the first counts[0] as 0, shuffle, then add Gaussian noise."""
    X = np.stack([x, y], axis=1)
    labels = np.repeat(np.array([0, 1], dtype=np.int64), counts)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(labels))
    X, labels = X[order], labels[order]
    if noise > 0:
        X = X + rng.normal(scale=noise, size=X.shape)
    return X, labels


def moons(n: int = 100, noise: float = 0.0, seed: int | None = 0) -> tuple[Array, Labels]:
    """Two interleaved half circles, as ``sklearn.datasets.make_moons``: n // 2 points of class 0
    on the upper unit half circle, the rest (class 1) on the lower one shifted by (1, -0.5)."""
    _check(n, noise)
    outer, inner = n // 2, n - n // 2
    t_out, t_in = np.linspace(0, np.pi, outer), np.linspace(0, np.pi, inner)
    x = np.append(np.cos(t_out), 1 - np.cos(t_in))
    y = np.append(np.sin(t_out), 1 - np.sin(t_in) - 0.5)
    return _finish(x, y, (outer, inner), noise, seed)


def circles(
    n: int = 100, noise: float = 0.0, factor: float = 0.8, seed: int | None = 0
) -> tuple[Array, Labels]:
    """Two concentric circles, as ``sklearn.datasets.make_circles``: n // 2 points of class 0 on
    the unit circle, the rest (class 1) on the circle of radius ``factor``, evenly spaced."""
    _check(n, noise)
    if not 0 <= factor < 1:
        raise ValueError(f"factor must be in [0, 1), not {factor!r}")
    outer, inner = n // 2, n - n // 2
    t_out = np.linspace(0, 2 * np.pi, outer, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, inner, endpoint=False)
    x = np.append(np.cos(t_out), np.cos(t_in) * factor)
    y = np.append(np.sin(t_out), np.sin(t_in) * factor)
    return _finish(x, y, (outer, inner), noise, seed)


def parity(
    n_bits: int, n_samples: int | Literal["all"] | None = None, seed: int | None = 0
) -> tuple[Array, Labels]:
    """Bit strings as 0.0/1.0 features, labelled by the parity of their number of ones.

    With n_samples None (or "all"): every one of the 2**n_bits strings once, in counting order
    (the first column is the most significant bit). Otherwise n_samples strings drawn uniformly,
    with replacement, from the seeded generator.
    """
    if not 1 <= n_bits <= 24:  # 2**24 rows is already 400 MB of features
        raise ValueError(f"n_bits must be in 1..24, not {n_bits}")
    if n_samples is None or n_samples == "all":
        codes = np.arange(2**n_bits)
    elif isinstance(n_samples, int) and n_samples >= 1:
        codes = np.random.default_rng(seed).integers(0, 2**n_bits, size=n_samples)
    else:
        raise ValueError(f"n_samples must be a positive integer or 'all', not {n_samples!r}")
    shifts = np.arange(n_bits - 1, -1, -1)
    bits = (codes[:, None] >> shifts) & 1
    return bits.astype(np.float64), (bits.sum(axis=1) % 2).astype(np.int64)


# name -> generator, for a command line that picks one by name (each has usable defaults but
# parity, which needs n_bits).
DATASETS = {"moons": moons, "circles": circles, "parity": parity}
