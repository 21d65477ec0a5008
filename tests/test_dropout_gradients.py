"""Gradients through exact-mode dropout: PennyLane's backprop on the exact mixture, the
parameter-shift rules on every target, and central finite differences all agree."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pennylane as qml
import pytest
from pennylane import numpy as pnp

import dreamlang

from .test_dropout_exact import DROPOUTS, INPUTS, MODEL, TARGETS

SOURCE = MODEL.replace("DROPOUT", DROPOUTS["mixed"])
EPOCH = 0
STEP = 1e-5  # central differences: error ~ STEP**2, rounding ~ 1e-16 / STEP


def _flat(params: dict[str, np.ndarray]) -> np.ndarray:
    return np.concatenate([params["w"].ravel(), params["v"]])


def _unflat(flat: Any) -> dict[str, Any]:
    return {"w": flat[:6].reshape(2, 3), "v": flat[6:]}


def _exact_value(model: Any, flat: np.ndarray) -> float:
    values = model.expectations(INPUTS, _unflat(flat), training=True, epoch=EPOCH, mode="exact")
    return float(values[0] + 0.5 * values[1])  # <Z0> + <X2> / 2


def _finite_differences(model: Any, flat: np.ndarray) -> np.ndarray:
    grad = np.zeros_like(flat)
    for i in range(flat.size):
        shift = np.zeros_like(flat)
        shift[i] = STEP
        grad[i] = (_exact_value(model, flat + shift) - _exact_value(model, flat - shift)) / (
            2 * STEP
        )
    return grad


def _backprop(model: Any, flat: np.ndarray) -> np.ndarray:
    """qml.grad of the weighted sum of the exact mixture's QNodes on default.mixed."""
    circuits = [
        (weight, model.build_circuit(training=True, epoch=EPOCH, dropped=drop, mixed=mixed))
        for weight, drop, mixed in model.exact_mixture(EPOCH)
    ]

    def value(theta: Any) -> Any:
        total = 0.0
        for weight, qnode in circuits:
            out = qnode(INPUTS, _unflat(theta))
            total = total + weight * (out[0] + 0.5 * out[1])
        return total

    return np.asarray(qml.grad(value)(pnp.array(flat, requires_grad=True)))


def _parameter_shift(model: Any, flat: np.ndarray) -> np.ndarray:
    """The two-term rule for the ry angles and the four-term rule for the crx angles: mixing a
    gate with the identity keeps each angle's expectation a trigonometric polynomial of the same
    frequencies, so the gate's own rule still holds."""
    grad = np.zeros_like(flat)
    plus, minus = (math.sqrt(2) + 1) / (4 * math.sqrt(2)), (math.sqrt(2) - 1) / (4 * math.sqrt(2))

    def at(i: int, shift: float) -> float:
        moved = flat.copy()
        moved[i] += shift
        return _exact_value(model, moved)

    for i in range(flat.size):
        if i < 6:  # ry
            grad[i] = (at(i, math.pi / 2) - at(i, -math.pi / 2)) / 2
        else:  # crx
            near = at(i, math.pi / 2) - at(i, -math.pi / 2)
            far = at(i, 3 * math.pi / 2) - at(i, -3 * math.pi / 2)
            grad[i] = plus * near - minus * far
    return grad


@pytest.fixture(scope="module")
def models() -> dict[str, Any]:
    return {target: dreamlang.compile(SOURCE, target=target) for target in TARGETS}


@pytest.mark.parametrize("seed", [0, 1])
def test_gradients_through_exact_mode(models: dict[str, Any], seed: int) -> None:
    flat = _flat(models["qiskit"].init_params(seed)) + 0.3
    assert len(models["qiskit"].exact_mixture(EPOCH)) > 1  # groups and layer coins enumerated
    reference = _finite_differences(models["qiskit"], flat)
    assert np.max(np.abs(reference)) > 1e-2  # the gradient is not trivially zero
    backprop = _backprop(models["pennylane"], flat)
    np.testing.assert_allclose(backprop, reference, atol=1e-6)
    for target, model in models.items():
        fd = _finite_differences(model, flat)
        np.testing.assert_allclose(fd, reference, atol=1e-6, err_msg=target)
        shift = _parameter_shift(model, flat)
        np.testing.assert_allclose(shift, reference, atol=1e-6, err_msg=target)
