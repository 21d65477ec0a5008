"""Batch losses with their analytic gradients: cross-entropy, mean squared error and hinge."""

from __future__ import annotations

from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["EPSILON", "LOSSES", "LossFn", "cross_entropy", "get_loss", "hinge", "mse"]

Array = NDArray[np.float64]

# Probabilities are clipped to at least EPSILON (and, with one output, at most 1 - EPSILON)
# before the log: a head that rounds a probability to 0 would give an infinite loss and gradient.
EPSILON = 1e-12


class LossFn(Protocol):
    """``loss(outputs, labels, *, num_classes) -> (mean loss, d loss / d outputs)``."""

    def __call__(
        self, outputs: ArrayLike, labels: ArrayLike, *, num_classes: int
    ) -> tuple[float, Array]: ...


def _outputs(outputs: ArrayLike) -> Array:
    array = np.asarray(outputs, dtype=np.float64)
    if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(
            f"outputs must have shape (batch, k) with batch, k >= 1, not {array.shape}"
        )
    return array


def _class_labels(labels: ArrayLike, batch: int, num_classes: int) -> NDArray[np.intp]:
    """Integer class labels in [0, num_classes), one per sample (integral floats accepted)."""
    array = np.asarray(labels)
    if array.shape != (batch,):
        raise ValueError(f"labels must have shape ({batch},), not {array.shape}")
    if array.dtype.kind not in "iuf" or (array.dtype.kind == "f" and not np.all(array % 1 == 0)):
        raise ValueError("labels must be integer class indices")
    if num_classes < 1 or np.any(array < 0) or np.any(array >= num_classes):
        raise ValueError(f"labels must lie in [0, {num_classes}) for num_classes={num_classes}")
    return array.astype(np.intp)


def _check_classes(outputs: Array, num_classes: int, binary_ok: bool) -> None:
    k = outputs.shape[1]
    if k == 1 and binary_ok and num_classes == 2:
        return
    if k != num_classes:
        single = " (one output is a binary model: num_classes=2)" if binary_ok else ""
        raise ValueError(f"outputs have {k} columns but num_classes={num_classes}{single}")


def _one_hot(labels: NDArray[np.intp], num_classes: int) -> Array:
    return np.eye(num_classes, dtype=np.float64)[labels]


def cross_entropy(
    outputs: ArrayLike, labels: ArrayLike, *, num_classes: int, from_logits: bool = False
) -> tuple[float, Array]:
    """Mean negative log-likelihood of the labels.

    With k > 1 columns, outputs are class probabilities (a head ending in softmax), or logits
    with ``from_logits`` (a stable log-softmax is applied here). With one column and
    num_classes=2, the output is P(class 1) (a sigmoid head), or its logit with ``from_logits``.
    """
    z = _outputs(outputs)
    _check_classes(z, num_classes, binary_ok=True)
    y = _class_labels(labels, z.shape[0], num_classes)
    batch = z.shape[0]
    if z.shape[1] == 1:
        return _binary_cross_entropy(z[:, 0], y.astype(np.float64), from_logits, batch)
    rows = np.arange(batch)
    if from_logits:
        shifted = z - np.max(z, axis=1, keepdims=True)
        log_softmax = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
        grad = (np.exp(log_softmax) - _one_hot(y, num_classes)) / batch
        return float(-np.mean(log_softmax[rows, y])), grad
    picked = z[rows, y]
    clipped = np.maximum(picked, EPSILON)
    grad = np.zeros_like(z)
    # The clip is flat below EPSILON, so a clipped probability gets no gradient.
    grad[rows, y] = np.where(picked == clipped, -1.0 / (clipped * batch), 0.0)
    return float(-np.mean(np.log(clipped))), grad


def _binary_cross_entropy(z: Array, y: Array, from_logits: bool, batch: int) -> tuple[float, Array]:
    if from_logits:
        # softplus(z) - y z and sigmoid(z), written so that no exp overflows for large |z|.
        e = np.exp(-np.abs(z))
        loss = np.maximum(z, 0.0) - y * z + np.log1p(e)
        sigmoid = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        return float(np.mean(loss)), ((sigmoid - y) / batch)[:, None]
    p = np.clip(z, EPSILON, 1.0 - EPSILON)
    loss = -(y * np.log(p) + (1.0 - y) * np.log1p(-p))
    grad = np.where(z == p, (p - y) / (p * (1.0 - p) * batch), 0.0)
    return float(np.mean(loss)), grad[:, None]


def mse(outputs: ArrayLike, labels: ArrayLike, *, num_classes: int) -> tuple[float, Array]:
    """Mean squared error over every output of every sample (Keras' ``mean_squared_error``).

    With k > 1 columns the targets are the one-hot labels; with one column they are the labels
    themselves as floats (a regression target, or 0/1 for a binary model).
    """
    z = _outputs(outputs)
    if z.shape[1] == 1:
        targets = np.asarray(labels, dtype=np.float64)
        if targets.shape != (z.shape[0],):
            raise ValueError(f"labels must have shape ({z.shape[0]},), not {targets.shape}")
        targets = targets[:, None]
    else:
        _check_classes(z, num_classes, binary_ok=False)
        targets = _one_hot(_class_labels(labels, z.shape[0], num_classes), num_classes)
    diff = z - targets
    return float(np.mean(diff**2)), 2.0 * diff / diff.size


def hinge(outputs: ArrayLike, labels: ArrayLike, *, num_classes: int) -> tuple[float, Array]:
    """Mean hinge loss; its gradient is the usual subgradient (0 on the kink).

    With k > 1 columns, the Crammer-Singer multiclass hinge max(0, 1 + max_{j != y} z_j - z_y)
    (scikit-learn's ``hinge_loss``; Keras' ``categorical_hinge`` agrees whenever some wrong
    class scores above 0). With one column and num_classes=2, labels 0/1 become -1/+1 and the
    loss is max(0, 1 - t z).
    """
    z = _outputs(outputs)
    _check_classes(z, num_classes, binary_ok=True)
    y = _class_labels(labels, z.shape[0], num_classes)
    batch = z.shape[0]
    grad = np.zeros_like(z)
    if z.shape[1] == 1:
        t = 2.0 * y - 1.0
        margin = 1.0 - t * z[:, 0]
        grad[:, 0] = np.where(margin > 0, -t / batch, 0.0)
        return float(np.mean(np.maximum(margin, 0.0))), grad
    rows = np.arange(batch)
    others = z.copy()
    others[rows, y] = -np.inf
    rival = np.argmax(others, axis=1)  # the first of tied rivals takes the subgradient
    margin = 1.0 + others[rows, rival] - z[rows, y]
    active = (margin > 0).astype(np.float64) / batch
    grad[rows, rival] += active
    grad[rows, y] -= active
    return float(np.mean(np.maximum(margin, 0.0))), grad


LOSSES: dict[str, LossFn] = {"cross_entropy": cross_entropy, "mse": mse, "hinge": hinge}


def get_loss(name: str) -> LossFn:
    """The loss registered as ``name``; ValueError naming the known losses otherwise."""
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; expected one of {', '.join(LOSSES)}") from None
