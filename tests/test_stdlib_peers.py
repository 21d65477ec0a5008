"""Standard-library templates compile to the same unitary as the peer library's own template,
on every backend (up to global phase at 1e-9); the peer template is the oracle."""

from __future__ import annotations

from typing import Any

import cirq
import numpy as np
import pennylane as qml
import pytest
from qiskit.circuit.library import n_local
from qiskit.quantum_info import Operator

import dreamlang
from tests.agreement_programs import cirq_resolved, flat_values, qiskit_bound

TARGETS = ("pennylane", "qiskit", "cirq")


def unitaries(
    source: str,
    params: dict[str, np.ndarray],
    n: int,
    inputs: dict[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """The compiled circuit's unitary on each target, wire 0 the most significant bit."""
    program = dreamlang.parse(source)
    inputs = inputs or {}
    values = flat_values(inputs, params)
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
            out[target] = qml.matrix(model.circuit, wire_order=range(n))(inputs, params)
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


def _qiskit_unitary(circuit: Any, flat: np.ndarray) -> np.ndarray:
    """A Qiskit template bound with a flat vector in its own parameter order (big-endian)."""
    bound = circuit.assign_parameters(list(flat))
    return Operator(bound).reverse_qargs().data


QISKIT_CASES = [
    (name, n, entanglement, reps, skip)
    for name in ("real_amplitudes", "efficient_su2")
    for n in range(1, 6)
    for entanglement in ("reverse_linear", "full", "linear", "circular", "sca", "pairwise")
    for reps in (1, 3)
    for skip in (0, 1)
    if not (entanglement == "sca" and n == 1)
]


@pytest.mark.parametrize(("name", "n", "entanglement", "reps", "skip"), QISKIT_CASES)
def test_qiskit_templates_equal_qiskit_with_the_same_parameter_order(
    name: str, n: int, entanglement: str, reps: int, skip: int
) -> None:
    from qiskit.circuit import library

    peer = getattr(library, name)(
        n, entanglement=entanglement, reps=reps, skip_final_rotation_layer=bool(skip)
    )
    flat = np.random.default_rng(n + 10 * reps).uniform(-np.pi, np.pi, peer.num_parameters)
    source = (
        'import "std/ansatz.dream"\n'
        f"model m {{\n    qubits {n}\n    param w[{peer.num_parameters}]\n"
        f"    {name}(w, entanglement={entanglement}, reps={reps}, "
        f"skip_final_rotation_layer={skip}) on all\n}}\n"
    )
    expected = _qiskit_unitary(peer, flat)
    for target, unitary in unitaries(source, {"w": flat}, n).items():
        assert_same_up_to_phase(unitary, expected, target)


@pytest.mark.parametrize(
    ("call", "make_peer"),
    [
        (
            "efficient_su2(w, su2_gates=[rx, ry, rz], reps=2)",
            lambda lib: lib.efficient_su2(3, su2_gates=["rx", "ry", "rz"], reps=2),
        ),
        # n_local's defaults: 'full' entanglement, 3 repetitions.
        ("n_local(w, [ry, rz], [cz])", lambda lib: lib.n_local(3, ["ry", "rz"], ["cz"])),
    ],
)
def test_other_rotation_and_entangling_blocks(call: str, make_peer: Any) -> None:
    from qiskit.circuit import library

    peer = make_peer(library)
    flat = np.random.default_rng(1).uniform(-np.pi, np.pi, peer.num_parameters)
    source = (
        'import "std/ansatz.dream"\n'
        f"model m {{\n    qubits 3\n    param w[{peer.num_parameters}]\n    {call} on all\n}}\n"
    )
    expected = _qiskit_unitary(peer, flat)
    for target, unitary in unitaries(source, {"w": flat}, 3).items():
        assert_same_up_to_phase(unitary, expected, target)


def test_n_local_reports_the_expected_weight_count() -> None:
    source = (
        'import "std/ansatz.dream"\n'
        "model m {\n    qubits 3\n    param w[10]\n    real_amplitudes(w) on all\n}\n"
    )
    with pytest.raises(dreamlang.DreamError) as info:
        dreamlang.parse(source)
    assert "a flat weight vector of 12 values here, not (10,)" in str(info.value)
    assert "<string>:5:5" in str(info.value)


NLOCAL_BLOCKS = [
    (["ry", "rz"], ["crx", "cz"]),
    (["rx"], ["rzz"]),
    (["ry"], ["cx", "cry", "cp"]),
]
DREAM_NAMES = {"cx": "cnot", "cp": "cphase"}


@pytest.mark.parametrize("n", range(2, 5))
@pytest.mark.parametrize("entanglement", ["full", "linear", "circular", "sca", "pairwise"])
@pytest.mark.parametrize(("rotations", "entanglers"), NLOCAL_BLOCKS)
def test_n_local_with_parametrized_entangling_blocks_equals_qiskit(
    n: int, entanglement: str, rotations: list[str], entanglers: list[str]
) -> None:
    peer = n_local(n, rotations, entanglers, entanglement=entanglement, reps=2)
    blocks = ", ".join(DREAM_NAMES.get(e, e) for e in entanglers)
    call = f"n_local(w, [{', '.join(rotations)}], [{blocks}], {entanglement}, 2)"
    assert_n_local_equals(peer, n, call)


def assert_n_local_equals(peer: Any, n: int, call: str) -> None:
    """``call`` (reading a flat param w) equals Qiskit's circuit ``peer`` at random weights."""
    weights = np.random.default_rng(n).uniform(-np.pi, np.pi, peer.num_parameters)
    expected = Operator(peer.assign_parameters(weights)).reverse_qargs().data
    source = (
        'import "std/ansatz.dream"\n'
        f"model m {{\n    qubits {n}\n    param w[{len(weights)}]\n    {call} on all\n}}\n"
    )
    for target, unitary in unitaries(source, {"w": weights}, n).items():
        assert_same_up_to_phase(unitary, expected, f"{call} on {target}")


@pytest.mark.parametrize("n", range(1, 4))
@pytest.mark.parametrize("rotations", [["u3", "rx"], ["h", "ry"], ["u3"]])
def test_n_local_with_multi_angle_and_angle_free_rotation_blocks_equals_qiskit(
    n: int, rotations: list[str]
) -> None:
    qiskit_names = ["u" if r == "u3" else r for r in rotations]
    peer = n_local(n, qiskit_names, ["cx"] if n > 1 else [], reps=2)
    entanglers = "cnot" if n > 1 else ""
    assert_n_local_equals(peer, n, f"n_local(w, [{', '.join(rotations)}], [{entanglers}], full, 2)")


@pytest.mark.parametrize("n", range(1, 5))
def test_basis_embedding_of_an_integer_equals_pennylane(n: int) -> None:
    for value in range(2**n):
        source = (
            'import "std/encoders.dream"\n'
            f"model m {{\n    qubits {n}\n    basis_embedding({value}) on all\n}}\n"
        )
        expected = qml.matrix(qml.BasisEmbedding(value, wires=range(n)), wire_order=range(n))
        for target, unitary in unitaries(source, {}, n).items():
            assert_same_up_to_phase(unitary, expected, f"{value} on {target}")


def test_basis_embedding_rejects_an_integer_out_of_range() -> None:
    source = (
        'import "std/encoders.dream"\nmodel m {\n    qubits 2\n    basis_embedding(4) on all\n}\n'
    )
    with pytest.raises(dreamlang.DreamError) as info:
        dreamlang.parse(source)
    assert "an integer in 0..4, not 4" in str(info.value)
    assert "<string>:4:5" in str(info.value)
