"""Every gate, global phase included: the reference equals the peers' own gates, and a controlled
use of each compiled gate agrees on every backend (where a dropped global phase would show)."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

import cirq
import numpy as np
import pennylane as qml
import pytest
import qiskit.qasm3
from hypothesis import given, settings
from hypothesis import strategies as st
from qiskit import QuantumCircuit
from qiskit.circuit import library as lib
from qiskit.quantum_info import Operator

import dreamlang
from dreamlang.backends.qasm3 import emit_qasm
from dreamlang.gates import GATES
from tests.agreement_programs import (
    ANGLES,
    SPECIAL_ANGLES,
    cirq_resolved,
    flat_values,
    property_settings,
    qiskit_bound,
)
from tests.gate_reference import REFERENCE, controlled, embed, gate_matrix
from tests.peer_gates import QISKIT_GATES

TARGETS = ("pennylane", "qiskit", "cirq", "qasm3")
ATOL = 1e-9
EXACT = 1e-12  # the same matrix computed two ways: only rounding may differ
PI = math.pi

Factory = Callable[..., Any]

# The peers' own gates, called with the dreamlang angles in dreamlang's order.
QISKIT: dict[str, Factory] = QISKIT_GATES
# Qiskit has no Rot; conventions.md: rot(φ, θ, ω) = e^{-i(φ+ω)/2} U(θ, ω, φ). Also u3 == UGate.
QISKIT_IDENTITIES: dict[str, Callable[..., np.ndarray]] = {
    "rot": lambda phi, theta, omega: (
        np.exp(-0.5j * (phi + omega)) * Operator(lib.UGate(theta, omega, phi)).data
    ),
    "u3": lambda theta, phi, lam: Operator(lib.UGate(theta, phi, lam)).data,
}
PENNYLANE: dict[str, Factory] = {
    "i": qml.Identity, "h": qml.Hadamard, "x": qml.PauliX, "y": qml.PauliY, "z": qml.PauliZ,
    "s": qml.S, "sdg": lambda wires: qml.adjoint(qml.S(wires)), "t": qml.T,
    "tdg": lambda wires: qml.adjoint(qml.T(wires)), "sx": qml.SX,
    "sxdg": lambda wires: qml.adjoint(qml.SX(wires)), "rx": qml.RX, "ry": qml.RY, "rz": qml.RZ,
    "phase": qml.PhaseShift, "rot": qml.Rot, "u3": qml.U3, "cnot": qml.CNOT, "cz": qml.CZ,
    "cy": qml.CY, "ch": qml.CH, "swap": qml.SWAP, "iswap": qml.ISWAP, "crx": qml.CRX,
    "cry": qml.CRY, "crz": qml.CRZ, "rxx": qml.IsingXX, "ryy": qml.IsingYY, "rzz": qml.IsingZZ,
    "cphase": qml.ControlledPhaseShift, "ccx": qml.Toffoli, "cswap": qml.CSWAP,
}  # fmt: skip
# Cirq has no Rot or U3 at complex128 precision; its Ising gates need global_shift=-0.5.
CIRQ: dict[str, Factory] = {
    "i": lambda: cirq.I, "h": lambda: cirq.H, "x": lambda: cirq.X, "y": lambda: cirq.Y,
    "z": lambda: cirq.Z, "s": lambda: cirq.S, "sdg": lambda: cirq.S**-1, "t": lambda: cirq.T,
    "tdg": lambda: cirq.T**-1, "sx": lambda: cirq.XPowGate(exponent=0.5),
    "sxdg": lambda: cirq.XPowGate(exponent=-0.5), "rx": cirq.rx, "ry": cirq.ry, "rz": cirq.rz,
    "phase": lambda phi: cirq.ZPowGate(exponent=phi / PI), "cnot": lambda: cirq.CNOT,
    "cz": lambda: cirq.CZ, "cy": lambda: cirq.ControlledGate(cirq.Y),
    "ch": lambda: cirq.ControlledGate(cirq.H), "swap": lambda: cirq.SWAP,
    "iswap": lambda: cirq.ISWAP, "crx": lambda t: cirq.ControlledGate(cirq.rx(t)),
    "cry": lambda t: cirq.ControlledGate(cirq.ry(t)),
    "crz": lambda t: cirq.ControlledGate(cirq.rz(t)),
    "rxx": lambda t: cirq.XXPowGate(exponent=t / PI, global_shift=-0.5),
    "ryy": lambda t: cirq.YYPowGate(exponent=t / PI, global_shift=-0.5),
    "rzz": lambda t: cirq.ZZPowGate(exponent=t / PI, global_shift=-0.5),
    "cphase": lambda phi: cirq.CZPowGate(exponent=phi / PI), "ccx": lambda: cirq.CCX,
    "cswap": lambda: cirq.CSWAP,
}  # fmt: skip


def _qiskit_matrix(name: str, angles: Sequence[float]) -> np.ndarray:
    # Qiskit's matrices are little-endian: reverse so the first qarg is the most significant.
    return np.asarray(Operator(QISKIT[name](*angles)).reverse_qargs().data)


def _pennylane_matrix(name: str, angles: Sequence[float]) -> np.ndarray:
    wires = list(range(GATES[name].num_wires))
    return np.asarray(qml.matrix(PENNYLANE[name](*angles, wires=wires), wire_order=wires))


def _cirq_matrix(name: str, angles: Sequence[float]) -> np.ndarray:
    return np.asarray(cirq.unitary(CIRQ[name](*angles)), dtype=np.complex128)


def _identity_matrix(name: str, angles: Sequence[float]) -> np.ndarray:
    return QISKIT_IDENTITIES[name](*angles)


PEERS: list[tuple[str, str, Callable[[str, Sequence[float]], np.ndarray]]] = [
    *((name, "qiskit", _qiskit_matrix) for name in sorted(QISKIT)),
    *((name, "qiskit-identity", _identity_matrix) for name in sorted(QISKIT_IDENTITIES)),
    *((name, "pennylane", _pennylane_matrix) for name in sorted(PENNYLANE)),
    *((name, "cirq", _cirq_matrix) for name in sorted(CIRQ)),
]
_PEER_IDS = [f"{name}-{library}" for name, library, _ in PEERS]


def _fixed_angles(count: int) -> list[tuple[float, ...]]:
    """Every special angle in every position, and a few seeded random ones in [-10π, 10π]."""
    if count == 0:
        return [()]
    specials = [v for _, v in SPECIAL_ANGLES]
    rng = np.random.default_rng(1234)
    rows = [tuple(np.roll(specials, k)[:count]) for k in range(len(specials))]
    rows += [tuple(rng.uniform(-10 * PI, 10 * PI, size=count)) for _ in range(4)]
    return [tuple(float(a) for a in row) for row in rows]


def test_reference_covers_every_gate_with_its_shape() -> None:
    assert set(REFERENCE) == set(GATES)
    for name, spec in GATES.items():
        wires, count, _ = REFERENCE[name]
        assert (wires, count) == (spec.num_wires, len(spec.params)), name
        for angles in _fixed_angles(count):
            u = gate_matrix(name, angles)
            np.testing.assert_allclose(u @ u.conj().T, np.eye(len(u)), atol=EXACT)


def test_every_gate_has_a_qiskit_and_a_pennylane_peer() -> None:
    assert set(QISKIT) | set(QISKIT_IDENTITIES) == set(GATES)
    assert set(PENNYLANE) == set(GATES)
    assert set(GATES) - set(CIRQ) == {"rot", "u3"}


@pytest.mark.parametrize(("name", "library", "matrix"), PEERS, ids=_PEER_IDS)
def test_reference_equals_peer_gate_exactly(
    name: str, library: str, matrix: Callable[[str, Sequence[float]], np.ndarray]
) -> None:
    for angles in _fixed_angles(len(GATES[name].params)):
        np.testing.assert_allclose(
            matrix(name, angles), gate_matrix(name, angles), atol=EXACT, err_msg=str(angles)
        )


@property_settings()
@given(peer=st.sampled_from(PEERS), angles=st.lists(ANGLES, min_size=3, max_size=3))
def test_reference_equals_peer_gate_for_any_angles(
    peer: tuple[str, str, Callable[[str, Sequence[float]], np.ndarray]], angles: list[float]
) -> None:
    name, _, matrix = peer
    used = angles[: len(GATES[name].params)]
    np.testing.assert_allclose(matrix(name, used), gate_matrix(name, used), atol=EXACT)


def test_reference_rejects_a_phase_off_peer() -> None:
    # The exact comparison must see a global phase: Cirq's plain ZZ**t is rzz up to e^{iθ/2}.
    theta = 0.7
    plain = cirq.unitary(cirq.ZZPowGate(exponent=theta / PI))
    assert not np.allclose(plain, gate_matrix("rzz", [theta]), atol=ATOL)
    # ... and a relative phase: cphase and crz differ on |10⟩ and |11⟩.
    assert not np.allclose(gate_matrix("cphase", [theta]), gate_matrix("crz", [theta]), atol=ATOL)


# ---- controlled use of each compiled gate, on each backend ----


def _gate_source(name: str, wires: Sequence[int]) -> str:
    count = len(GATES[name].params)
    args = f"({', '.join(f'w[{i}]' for i in range(count))})" if count else ""
    decl = "    param w[3]\n" if count else ""
    return (
        f"model g {{\n    qubits {len(wires)}\n{decl}"
        f"    {name}{args} on [{', '.join(map(str, wires))}]\n    measure probs\n}}\n"
    )


def _wires(name: str, reverse: bool) -> tuple[int, ...]:
    wires = tuple(range(GATES[name].num_wires))
    return wires[::-1] if reverse else wires


@functools.cache
def _models(name: str, reverse: bool) -> dict[str, Any]:
    source = _gate_source(name, _wires(name, reverse))
    return {target: dreamlang.compile(source, target=target) for target in TARGETS}


def _controlled_operator(circuit: QuantumCircuit) -> np.ndarray:
    gate = circuit.to_gate().control(1)
    # The new control is qubit 0; reversed, qubit 0 is the most significant, then wires 0..k-1.
    return np.asarray(Operator(gate).reverse_qargs().data)


def _qiskit_controlled(model: Any, values: dict[str, float], params: Any, k: int) -> np.ndarray:
    return _controlled_operator(qiskit_bound(model.circuit, values))


def _qasm3_controlled(model: Any, values: dict[str, float], params: Any, k: int) -> np.ndarray:
    # The emitted text with bound angles, as Qiskit's importer reads it (gphase, gate defs).
    return _controlled_operator(qiskit.qasm3.loads(emit_qasm(model.program, bind=params)))


def _cirq_controlled(model: Any, values: dict[str, float], params: Any, k: int) -> np.ndarray:
    control = cirq.NamedQubit("control")
    resolved = cirq_resolved(model.circuit, values)
    circuit = cirq.Circuit(op.controlled_by(control) for op in resolved.all_operations())
    order = [control, *cirq.LineQubit.range(k)]
    return np.asarray(circuit.unitary(qubit_order=order, dtype=np.complex128))


def _pennylane_controlled(model: Any, values: dict[str, float], params: Any, k: int) -> np.ndarray:
    tape = qml.workflow.construct_tape(model.circuit)({}, params)
    order = ["control", *range(k)]
    u = np.eye(2 ** (k + 1), dtype=np.complex128)
    for op in tape.operations:
        u = qml.matrix(qml.ctrl(op, control="control"), wire_order=order) @ u
    return u


CONTROLLED = {
    "qiskit": _qiskit_controlled,
    "cirq": _cirq_controlled,
    "pennylane": _pennylane_controlled,
    "qasm3": _qasm3_controlled,
}
# One property over all gates: its examples are spread over the gates (twice the minimum).
_PER_GATE = max(10, math.ceil(2 * property_settings().max_examples / len(GATES)))


@pytest.mark.parametrize("name", sorted(GATES))
@settings(property_settings(), max_examples=_PER_GATE)
@given(angles=st.lists(ANGLES, min_size=3, max_size=3), reverse=st.booleans())
def test_controlled_gate_agrees_with_phase(name: str, angles: list[float], reverse: bool) -> None:
    count = len(GATES[name].params)
    wires = _wires(name, reverse)
    k = len(wires)
    expected = controlled(embed(gate_matrix(name, angles[:count]), wires, k))
    params = {"w": np.array(angles, dtype=np.float64)} if count else {}
    values = flat_values({}, params)
    for target, model in _models(name, reverse).items():
        actual = CONTROLLED[target](model, values, params, k)
        np.testing.assert_allclose(actual, expected, atol=ATOL, err_msg=f"{target}: {name}")


def test_controlled_use_sees_the_global_phase() -> None:
    # rz(θ) and phase(θ) differ only by e^{-iθ/2}: equal alone up to phase, not when controlled.
    theta = 1.1
    params = {"w": np.array([theta, 0.0, 0.0])}
    values = flat_values({}, params)
    with_phase = controlled(gate_matrix("phase", [theta]))
    assert np.allclose(gate_matrix("rz", [theta]), np.exp(-0.5j * theta) * with_phase[2:, 2:])
    for target, model in _models("rz", False).items():
        actual = CONTROLLED[target](model, values, params, 1)
        assert not np.allclose(actual, with_phase, atol=ATOL), target
        np.testing.assert_allclose(actual, controlled(gate_matrix("rz", [theta])), atol=ATOL)
