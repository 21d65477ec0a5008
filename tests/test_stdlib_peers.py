"""Standard-library templates compile to the same unitary as the peer library's own template,
on every backend (up to global phase at 1e-9); the peer template is the oracle."""

from __future__ import annotations

from typing import Any

import cirq
import numpy as np
import pennylane as qml
import pytest
from qiskit.quantum_info import Operator

import dreamlang
from tests.agreement_programs import cirq_resolved, flat_values, qiskit_bound

TARGETS = ("pennylane", "qiskit", "cirq")


def unitaries(source: str, params: dict[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
    """The compiled circuit's unitary on each target, wire 0 the most significant bit."""
    program = dreamlang.parse(source)
    values = flat_values({}, params)
    out = {}
    for target in TARGETS:
        model = dreamlang.compile(program, target=target)
        if target == "qiskit":
            out[target] = Operator(qiskit_bound(model.circuit, values)).reverse_qargs().data
        elif target == "cirq":
            circuit = cirq_resolved(model.circuit, values)
            qubits = cirq.LineQubit.range(n)
            out[target] = circuit.unitary(qubit_order=qubits, dtype=np.complex128)
        else:
            out[target] = qml.matrix(model.circuit, wire_order=range(n))({}, params)
    return out


def assert_same_up_to_phase(actual: Any, expected: np.ndarray, label: str) -> None:
    actual = np.asarray(actual).reshape(expected.shape)
    k = np.unravel_index(int(np.argmax(np.abs(expected))), expected.shape)
    phase = actual[k] / expected[k]
    assert abs(abs(phase) - 1) < 1e-9, label
    np.testing.assert_allclose(actual / phase, expected, atol=1e-9, err_msg=label)


SEL_CASES = [
    (n, layers, ranges, gate)
    for n in range(1, 6)
    for layers in (1, 3)
    for ranges in (None, "explicit")
    for gate in ("cnot", "cz")
    if not (ranges == "explicit" and n == 1)
]


@pytest.mark.parametrize(("n", "layers", "ranges", "gate"), SEL_CASES)
def test_strongly_entangling_layers_equals_pennylane(
    n: int, layers: int, ranges: str | None, gate: str
) -> None:
    rng = np.random.default_rng(n * 100 + layers)
    weights = rng.uniform(-np.pi, np.pi, size=(layers, n, 3))
    # Explicit ranges differ from PennyLane's default where they can: any of 1..n-1.
    chosen = [(2 * layer + 1) % (n - 1) + 1 for layer in range(layers)] if ranges else None
    options = f", ranges={chosen}" if chosen else ""
    options += ", imprimitive=cz" if gate == "cz" else ""
    source = (
        'import "std/ansatz.dream"\n'
        f"model m {{\n    qubits {n}\n    param w[{layers}, {n}, 3]\n"
        f"    strongly_entangling_layers(w{options}) on all\n}}\n"
    )
    peer = qml.StronglyEntanglingLayers(
        weights, wires=range(n), ranges=chosen, imprimitive=qml.CZ if gate == "cz" else qml.CNOT
    )
    expected = qml.matrix(peer, wire_order=range(n))
    for target, unitary in unitaries(source, {"w": weights}, n).items():
        assert_same_up_to_phase(unitary, expected, target)


@pytest.mark.parametrize("n", range(1, 6))
@pytest.mark.parametrize("rotation", ["rx", "ry", "rz"])
def test_basic_entangler_layers_equals_pennylane(n: int, rotation: str) -> None:
    weights = np.random.default_rng(n).uniform(-np.pi, np.pi, size=(2, n))
    source = (
        'import "std/ansatz.dream"\n'
        f"model m {{\n    qubits {n}\n    param w[2, {n}]\n"
        f"    basic_entangler_layers(w, rotation={rotation}) on all\n}}\n"
    )
    peer_rotation = {"rx": qml.RX, "ry": qml.RY, "rz": qml.RZ}[rotation]
    peer = qml.BasicEntanglerLayers(weights, wires=range(n), rotation=peer_rotation)
    expected = qml.matrix(peer, wire_order=range(n))
    for target, unitary in unitaries(source, {"w": weights}, n).items():
        assert_same_up_to_phase(unitary, expected, target)


def test_wrong_weight_shape_is_a_positioned_error() -> None:
    source = (
        'import "std/ansatz.dream"\n'
        "model m {\n    qubits 3\n    param w[2, 2, 3]\n"
        "    strongly_entangling_layers(w) on all\n}\n"
    )
    with pytest.raises(dreamlang.DreamError) as info:
        dreamlang.parse(source)
    assert "shape (layers, wires, 3)" in str(info.value)
