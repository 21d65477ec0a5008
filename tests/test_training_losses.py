"""Losses: values on hand-computed cases and gradients against central finite differences."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dreamlang import train_settings
from dreamlang.training import LOSSES, cross_entropy, get_loss, hinge, mse
from dreamlang.training.losses import EPSILON

STEP = 1e-6
TOL = 1e-6
# A fifth of the profile's examples: each case is cheap but there are many properties here, and
# the whole training suite should stay well under 30 s on CI (thorough still runs 1000 each).
SOME = settings(max_examples=max(20, (settings.default.max_examples or 100) // 5))


def numeric_gradient(f: Callable[[np.ndarray], float], z: np.ndarray) -> np.ndarray:
    """Central differences of f at z, entry by entry."""
    grad = np.zeros_like(z)
    for index in np.ndindex(z.shape):
        plus, minus = z.copy(), z.copy()
        plus[index] += STEP
        minus[index] -= STEP
        grad[index] = (f(plus) - f(minus)) / (2 * STEP)
    return grad


def check_gradient(loss: Callable[..., tuple[float, np.ndarray]], z: np.ndarray, y, **kw) -> None:
    value, grad = loss(z, y, **kw)
    assert grad.shape == z.shape
    assert value == pytest.approx(loss(z, y, **kw)[0])
    numeric = numeric_gradient(lambda v: loss(v, y, **kw)[0], z)
    np.testing.assert_allclose(grad, numeric, rtol=TOL, atol=TOL)


@st.composite
def batches(draw, lo: float, hi: float, k: int | None = None):
    """(outputs, integer labels, num_classes) with outputs in [lo, hi]."""
    batch = draw(st.integers(1, 5))
    k = draw(st.integers(2, 5)) if k is None else k
    num_classes = 2 if k == 1 else k
    elements = st.floats(lo, hi, allow_nan=False, allow_infinity=False)
    z = draw(hnp.arrays(np.float64, (batch, k), elements=elements))
    labels = draw(hnp.arrays(np.int64, (batch,), elements=st.integers(0, num_classes - 1)))
    return z, labels, num_classes


@SOME
@given(batches(0.05, 1.0))
def test_cross_entropy_gradient_on_probabilities(case) -> None:
    z, y, k = case
    check_gradient(cross_entropy, z, y, num_classes=k)


@SOME
@given(batches(-8.0, 8.0))
def test_cross_entropy_gradient_on_logits(case) -> None:
    z, y, k = case
    check_gradient(cross_entropy, z, y, num_classes=k, from_logits=True)


@SOME
@given(batches(-8.0, 8.0))
def test_cross_entropy_from_logits_equals_softmax_then_probabilities(case) -> None:
    z, y, k = case
    probabilities = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    from_logits = cross_entropy(z, y, num_classes=k, from_logits=True)[0]
    assert from_logits == pytest.approx(
        cross_entropy(probabilities, y, num_classes=k)[0], rel=1e-12
    )


@SOME
@given(batches(0.05, 0.95, k=1))
def test_binary_cross_entropy_gradient_on_probabilities(case) -> None:
    z, y, k = case
    check_gradient(cross_entropy, z, y, num_classes=k)


@SOME
@given(batches(-8.0, 8.0, k=1))
def test_binary_cross_entropy_gradient_on_logits(case) -> None:
    z, y, k = case
    check_gradient(cross_entropy, z, y, num_classes=k, from_logits=True)
    sigmoid = 1 / (1 + np.exp(-z))
    expected = cross_entropy(sigmoid, y, num_classes=2)[0]
    assert cross_entropy(z, y, num_classes=2, from_logits=True)[0] == pytest.approx(expected)


@SOME
@given(batches(-5.0, 5.0))
def test_mse_gradient_with_one_hot_targets(case) -> None:
    z, y, k = case
    check_gradient(mse, z, y, num_classes=k)


@SOME
@given(batches(-5.0, 5.0, k=1), st.lists(st.floats(-3, 3), min_size=5, max_size=5))
def test_mse_gradient_with_float_targets(case, targets) -> None:
    z, _, _ = case
    y = np.array(targets[: len(z)])
    check_gradient(mse, z, y, num_classes=1)
    assert mse(z, y, num_classes=1)[0] == pytest.approx(np.mean((z[:, 0] - y) ** 2))


@SOME
@given(st.integers(0, 2**32 - 1), st.integers(1, 5), st.integers(1, 5), st.floats(0.1, 4.0))
def test_hinge_gradient_away_from_kinks(seed, batch, k, scale) -> None:
    rng = np.random.default_rng(seed)
    num_classes = 2 if k == 1 else k
    z = rng.normal(scale=scale, size=(batch, k))
    y = rng.integers(0, num_classes, size=batch)
    rows = np.arange(batch)
    if k == 1:
        assume(np.all(np.abs(1 - (2 * y - 1) * z[:, 0]) > 1e-4))
    else:
        others = np.sort(np.where(np.eye(k, dtype=bool)[y], -np.inf, z), axis=1)
        assume(np.all(np.abs(1 + others[:, -1] - z[rows, y]) > 1e-4))  # not on the hinge
        assume(np.all(others[:, -1] - others[:, -2] > 1e-4))  # a unique rival
    check_gradient(hinge, z, y, num_classes=num_classes)


def test_hinge_multiclass_is_crammer_singer() -> None:
    z = np.array([[2.0, 0.5, 1.8], [-1.0, -2.0, -0.5], [0.0, 3.0, 1.0]])
    y = np.array([0, 2, 1])
    # margins: 1 + 1.8 - 2 = 0.8; 1 + (-1) - (-0.5) = 0.5; 1 + 1 - 3 = -1 -> 0
    value, grad = hinge(z, y, num_classes=3)
    assert value == pytest.approx((0.8 + 0.5 + 0.0) / 3)
    expected = np.array([[-1, 0, 1], [1, 0, -1], [0, 0, 0]]) / 3
    np.testing.assert_array_equal(grad, expected)


def test_hinge_agrees_with_keras_categorical_hinge_when_a_wrong_class_is_positive() -> None:
    rng = np.random.default_rng(3)
    z = rng.uniform(0.1, 2.0, size=(6, 4))
    y = rng.integers(0, 4, size=6)
    one_hot = np.eye(4)[y]
    keras = np.maximum(0.0, 1 + np.max((1 - one_hot) * z, axis=1) - np.sum(one_hot * z, axis=1))
    assert hinge(z, y, num_classes=4)[0] == pytest.approx(np.mean(keras), rel=1e-15)


def test_binary_hinge_maps_labels_to_plus_minus_one() -> None:
    z = np.array([[0.5], [-2.0], [2.0]])
    value, grad = hinge(z, np.array([1, 0, 0]), num_classes=2)
    assert value == pytest.approx((0.5 + 0.0 + 3.0) / 3)
    np.testing.assert_array_equal(grad, np.array([[-1.0], [0.0], [1.0]]) / 3)


def test_cross_entropy_values_and_clipping() -> None:
    p = np.array([[0.7, 0.2, 0.1], [0.0, 1.0, 0.0]])
    value, grad = cross_entropy(p, np.array([0, 0]), num_classes=3)
    assert value == pytest.approx((-math.log(0.7) - math.log(EPSILON)) / 2)
    assert np.isfinite(value)
    # A probability clipped to EPSILON has no gradient (the clip is flat there).
    np.testing.assert_array_equal(grad, [[-1 / (0.7 * 2), 0, 0], [0, 0, 0]])
    value, _ = cross_entropy(np.array([[0.0], [1.0]]), np.array([1, 0]), num_classes=2)
    assert np.isfinite(value)


def test_cross_entropy_from_logits_is_stable_for_huge_logits() -> None:
    z = np.array([[1000.0, -1000.0, 0.0]])
    value, grad = cross_entropy(z, np.array([1]), num_classes=3, from_logits=True)
    assert value == pytest.approx(2000.0)
    np.testing.assert_allclose(grad, [[1.0, -1.0, 0.0]], atol=1e-300)
    value, grad = cross_entropy(
        np.array([[-800.0]]), np.array([1]), num_classes=2, from_logits=True
    )
    assert value == pytest.approx(800.0) and grad[0, 0] == pytest.approx(-1.0)


def test_mse_with_one_hot_targets() -> None:
    value, grad = mse(np.array([[0.5, 0.5], [1.0, 0.0]]), np.array([0, 0]), num_classes=2)
    assert value == pytest.approx((0.25 + 0.25 + 0 + 0) / 4)
    np.testing.assert_allclose(grad, [[-0.25, 0.25], [0.0, 0.0]])


@pytest.mark.parametrize(
    ("loss", "outputs", "labels", "num_classes", "message"),
    [
        (cross_entropy, [[0.5, 0.5]], [2], 2, r"labels must lie in \[0, 2\)"),
        (cross_entropy, [[0.5, 0.5]], [0.5], 2, "integer class indices"),
        (cross_entropy, [[0.5, 0.5]], [0, 1], 2, r"labels must have shape \(1,\)"),
        (cross_entropy, [[0.2, 0.3, 0.5]], [0], 2, "3 columns but num_classes=2"),
        (hinge, [[0.5]], [0], 3, "1 columns but num_classes=3"),
        (mse, [[0.2, 0.3, 0.5]], [0], 4, "3 columns but num_classes=4"),
        (mse, [0.5, 0.5], [0], 2, r"shape \(batch, k\)"),
    ],
)
def test_bad_arguments(loss, outputs, labels, num_classes, message) -> None:
    with pytest.raises(ValueError, match=message):
        loss(np.array(outputs), np.array(labels), num_classes=num_classes)


def test_integral_float_labels_are_accepted() -> None:
    z = np.array([[0.2, 0.8]])
    value, grad = cross_entropy(z, np.array([1.0]), num_classes=2)
    expected_value, expected_grad = cross_entropy(z, np.array([1]), num_classes=2)
    assert value == expected_value
    np.testing.assert_array_equal(grad, expected_grad)


def test_registry() -> None:
    assert {"cross_entropy": cross_entropy, "mse": mse, "hinge": hinge} == LOSSES
    assert tuple(LOSSES) == train_settings.LOSSES  # the names a model's train section may write
    assert get_loss("hinge") is hinge
    with pytest.raises(ValueError, match="unknown loss 'l1'; expected one of cross_entropy"):
        get_loss("l1")
