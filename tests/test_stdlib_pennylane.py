"""PennyLane's embeddings and layers in the standard library equal PennyLane's own templates."""

from __future__ import annotations

from typing import Any

import numpy as np
import pennylane as qml
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import library
from qiskit.quantum_info import Operator

import dreamlang
from tests.test_stdlib_peers import assert_same_up_to_phase, unitaries

Arrays = dict[str, np.ndarray]


def model(n: int, declarations: str, call: str) -> str:
    """A model of n qubits: the standard library, declarations (one line, ';'-separated), a call."""
    head = f'import "std/ansatz.dream"\nmodel m {{\n    qubits {n}\n    {declarations}\n'
    return head + f"    {call}\n}}\n"


def assert_equals_peer(source: str, inputs: Arrays, params: Arrays, peer: Any, n: int) -> None:
    """Every backend's unitary equals the peer template's, up to global phase."""
    expected = qml.matrix(peer, wire_order=range(n))
    for target, unitary in unitaries(source, params, n, inputs).items():
        assert_same_up_to_phase(unitary, expected, target)


def bit_patterns(n: int) -> list[list[int]]:
    """All ones, alternating 1 0 1 ..., its complement and a random pattern."""
    alternating = [(i + 1) % 2 for i in range(n)]
    rng = np.random.default_rng(n)
    return [
        [1] * n,
        alternating,
        [1 - b for b in alternating],
        [int(b) for b in rng.integers(0, 2, n)],
    ]


@pytest.mark.parametrize("n", range(1, 7))
def test_basis_embedding_of_compile_time_bits_equals_pennylane(n: int) -> None:
    for bits in bit_patterns(n):
        source = model(n, "", f"basis_embedding({bits}) on all")
        peer = qml.BasisEmbedding(bits, wires=range(n))
        assert_equals_peer(source, {}, {}, peer, n)
        # A compile-time 0 costs no gate: one x per 1 bit, as in PennyLane's decomposition.
        ops = dreamlang.parse(source).model.ops  # type: ignore[union-attr]
        assert [op.name for op in ops] == ["x"] * sum(bits)


@pytest.mark.parametrize("n", range(1, 7))
def test_basis_embedding_of_input_bits_equals_pennylane(n: int) -> None:
    source = model(n, f"input b[{n}]", "encode basis_embedding(b) on all")
    for bits in [*bit_patterns(n), [0] * n]:
        peer = qml.BasisEmbedding(bits, wires=range(n))
        assert_equals_peer(source, {"b": np.array(bits, dtype=float)}, {}, peer, n)


IQP_CASES = [
    (n, repeats, pattern)
    for n in range(1, 6)
    for repeats in (1, 2, 3)
    for pattern in ("default", "custom")
    if not (pattern == "custom" and n == 1)
]


@pytest.mark.parametrize(("n", "repeats", "pattern"), IQP_CASES)
def test_iqp_embedding_equals_pennylane(n: int, repeats: int, pattern: str) -> None:
    features = np.random.default_rng(n * 10 + repeats).uniform(-np.pi, np.pi, n)
    # A custom pattern: a reversed pair, the wrap pair and a repeated pair, out of order.
    chosen = [(1, 0), (n - 1, 0), (0, 1)] if pattern == "custom" else None
    options = f", pattern={chosen}" if chosen else ""
    source = model(n, f"input x[{n}]", f"iqp_embedding(x, n_repeats={repeats}{options}) on all")
    peer = qml.IQPEmbedding(features, wires=range(n), n_repeats=repeats, pattern=chosen)
    assert_equals_peer(source, {"x": features}, {}, peer, n)


def test_iqp_pattern_entries_are_positions_within_the_wires() -> None:
    features = np.array([0.3, -1.2, 2.1])
    source = model(4, "input x[3]", "iqp_embedding(x, pattern=[(0, 1), (2, 0)]) on [1, 3, 0]")
    # PennyLane's pattern names wire labels: positions (0, 1), (2, 0) of [1, 3, 0].
    peer = qml.IQPEmbedding(features, wires=[1, 3, 0], pattern=[(1, 3), (0, 1)])
    assert_equals_peer(source, {"x": features}, {}, peer, 4)


def qaoa_weight_columns(n: int) -> int:
    return 1 if n == 1 else 3 if n == 2 else 2 * n


QAOA_CASES = [
    (n, layers, field, n_features)
    for n in range(1, 6)
    for layers in (1, 2, 3)
    for field in ("X", "Y", "Z")
    for n_features in sorted({n, max(1, n - 2)})
]


@pytest.mark.parametrize(("n", "layers", "field", "n_features"), QAOA_CASES)
def test_qaoa_embedding_equals_pennylane(n: int, layers: int, field: str, n_features: int) -> None:
    rng = np.random.default_rng(100 * n + 10 * layers + n_features)
    features = rng.uniform(-np.pi, np.pi, n_features)
    weights = rng.uniform(-np.pi, np.pi, (layers, qaoa_weight_columns(n)))
    declarations = f"input x[{n_features}]; param w[{layers}, {weights.shape[1]}]"
    source = model(n, declarations, f"encode qaoa_embedding(x, w, local_field={field}) on all")
    peer = qml.QAOAEmbedding(features, weights, wires=range(n), local_field=field)
    assert_equals_peer(source, {"x": features}, {"w": weights}, peer, n)


def test_qaoa_embedding_defaults_to_ry_local_fields_on_a_wire_subset() -> None:
    rng = np.random.default_rng(7)
    features, weights = rng.uniform(-np.pi, np.pi, 2), rng.uniform(-np.pi, np.pi, (2, 6))
    declarations = "input x[2]; param w[2, 6]"
    source = model(4, declarations, "qaoa_embedding(x, w) on [3, 1, 2]")
    peer = qml.QAOAEmbedding(features, weights, wires=[3, 1, 2])
    assert_equals_peer(source, {"x": features}, {"w": weights}, peer, 4)


@pytest.mark.parametrize("n", range(1, 7))
@pytest.mark.parametrize("layers", range(4))
def test_simplified_two_design_equals_pennylane(n: int, layers: int) -> None:
    rng = np.random.default_rng(10 * n + layers)
    initial = rng.uniform(-np.pi, np.pi, n)
    # PennyLane's own shape for one wire is (layers,): there are no pairs to give angles to.
    weights = rng.uniform(-np.pi, np.pi, (layers,) if n == 1 else (layers, n - 1, 2))
    declarations = f"param a[{n}]"
    params = {"a": initial}
    if layers:
        declarations += f"; param w[{', '.join(map(str, weights.shape))}]"
        params["w"] = weights
    # A zero-sized parameter cannot be declared: no layers is an empty list of weights.
    call = f"simplified_two_design(a, {'w' if layers else '[]'}) on all"
    peer = qml.SimplifiedTwoDesign(initial, weights, wires=range(n))
    assert_equals_peer(model(n, declarations, call), {}, params, peer, n)


ANGLE_CASES = [
    (n, n_features, rotation)
    for n in range(1, 7)
    for n_features in sorted({n, max(1, n - 2)})
    for rotation in ("X", "Y", "Z")
]


@pytest.mark.parametrize(("n", "n_features", "rotation"), ANGLE_CASES)
def test_angle_embedding_equals_pennylane(n: int, n_features: int, rotation: str) -> None:
    features = np.random.default_rng(n + 10 * n_features).uniform(-np.pi, np.pi, n_features)
    source = model(
        n, f"input x[{n_features}]", f"encode angle_embedding(x, rotation={rotation}) on all"
    )
    peer = qml.AngleEmbedding(features, wires=range(n), rotation=rotation)
    assert_equals_peer(source, {"x": features}, {}, peer, n)


HARDWARE_EFFICIENT_CASES = [
    (n, topology, rotations, entangler, layers)
    # Qiskit's n_local refuses two-qubit entangling blocks on one qubit: see the hand-built test.
    for n in range(2, 6)
    for topology in ("linear", "full", "circular", "sca", "reverse_linear", "pairwise")
    for rotations, entangler, layers in ((("ry", "rz"), "cnot", 2), (("rx",), "cz", 3))
]


@pytest.mark.parametrize(
    ("n", "topology", "rotations", "entangler", "layers"), HARDWARE_EFFICIENT_CASES
)
def test_hardware_efficient_equals_qiskit_n_local_without_final_rotations(
    n: int, topology: str, rotations: tuple[str, ...], entangler: str, layers: int
) -> None:
    weights = np.random.default_rng(n + 10 * layers).uniform(
        -np.pi, np.pi, (layers, len(rotations), n)
    )
    blocks = "[" + ", ".join(rotations) + "]"
    call = (
        f"hardware_efficient(w, rotations={blocks}, entangler={entangler}, "
        f"topology={topology}) on all"
    )
    source = model(n, f"param w[{layers}, {len(rotations)}, {n}]", call)
    peer = library.n_local(
        n,
        list(rotations),
        ["cx" if entangler == "cnot" else entangler],
        entanglement=topology,
        reps=layers,
        skip_final_rotation_layer=True,
    )
    # n_local's flat parameter order (layer, block, wire) is the weights in row order.
    expected = Operator(peer.assign_parameters(list(weights.reshape(-1)))).reverse_qargs().data
    for target, unitary in unitaries(source, {"w": weights}, n).items():
        assert_same_up_to_phase(unitary, expected, target)


def hand_built(n: int, weights: np.ndarray, rotations: list[str], gate: str, pairs: Any) -> Any:
    """hardware_efficient's documented structure, written out as a Qiskit circuit."""
    circuit = QuantumCircuit(n)
    for layer in range(len(weights)):
        for r, rotation in enumerate(rotations):
            for i in range(n):
                getattr(circuit, rotation)(weights[layer, r, i], i)
        for a, b in pairs:
            getattr(circuit, gate)(a, b)
    return circuit


@pytest.mark.parametrize(
    ("n", "options", "rotations", "gate", "pairs"),
    [
        (3, "", ["ry", "rz"], "cx", [(0, 1), (1, 2)]),
        (4, ", topology=ring", ["ry", "rz"], "cx", [(0, 1), (1, 2), (2, 3), (3, 0)]),
        (
            4,
            ", rotations=[rx, ry, rz], entangler=cz, topology=star",
            ["rx", "ry", "rz"],
            "cz",
            [(0, 1), (0, 2), (0, 3)],
        ),
        (
            3,
            ", rotations=[rz], entangler=swap, topology=[(2, 0), (0, 1)]",
            ["rz"],
            "swap",
            [(2, 0), (0, 1)],
        ),
        (1, ", rotations=[rx, ry]", ["rx", "ry"], "cx", []),
    ],
)
def test_hardware_efficient_equals_a_hand_built_qiskit_circuit(
    n: int, options: str, rotations: list[str], gate: str, pairs: Any
) -> None:
    weights = np.random.default_rng(n).uniform(-np.pi, np.pi, (2, len(rotations), n))
    source = model(
        n, f"param w[2, {len(rotations)}, {n}]", f"hardware_efficient(w{options}) on all"
    )
    expected = Operator(hand_built(n, weights, rotations, gate, pairs)).reverse_qargs().data
    for target, unitary in unitaries(source, {"w": weights}, n).items():
        assert_same_up_to_phase(unitary, expected, target)


BAD_CALLS = [
    (3, "input b[2]", "basis_embedding(b)", "shape (wires,)"),
    (2, "", "basis_embedding([1, 2])", "must be 0 or 1"),
    (3, "input x[4]", "iqp_embedding(x)", "shape (wires,)"),
    (2, "input x[3]; param w[1, 3]", "qaoa_embedding(x, w)", "at most one feature"),
    (1, "input x[1]; param w[2, 2]", "qaoa_embedding(x, w)", "(layers, 1) on 1 wire"),
    (2, "input x[2]; param w[2, 4]", "qaoa_embedding(x, w)", "(layers, 3) on 2 wires"),
    (3, "input x[2]; param w[2, 3]", "qaoa_embedding(x, w)", "(layers, 2 * wires)"),
    (3, "input x[3]; param w[1, 6]", "qaoa_embedding(x, w, local_field=I)", "X, Y or Z"),
    (3, "param a[2]; param w[1, 2, 2]", "s2d(a, w)", "initial_weights of shape (wires,)"),
    (3, "param a[3]; param w[1, 3, 2]", "s2d(a, w)", "(layers, wires - 1, 2)"),
    (3, "param a[3]; param w[1, 2, 3]", "s2d(a, w)", "(layers, wires - 1, 2)"),
    (3, "param w[2, 2, 2]", "hardware_efficient(w)", "(layers, rotations, wires)"),
    (3, "param w[2, 1, 3]", "hardware_efficient(w)", "(layers, rotations, wires)"),
    (2, "input x[3]", "angle_embedding(x)", "at most one feature per wire"),
]


@pytest.mark.parametrize(("n", "declarations", "call", "message"), BAD_CALLS)
def test_bad_arguments_are_positioned_at_the_call(
    n: int, declarations: str, call: str, message: str
) -> None:
    source = model(n, declarations, call.replace("s2d", "simplified_two_design"))
    with pytest.raises(dreamlang.DreamError) as info:
        dreamlang.parse(source)
    [diagnostic] = info.value.diagnostics
    assert diagnostic.code == "shape-mismatch"
    assert message in diagnostic.message
    # The error points at the user's call (the model's last line), not into the library.
    assert diagnostic.span is not None
    assert diagnostic.span.line == source.count("\n") - 1
    assert diagnostic.span.filename == "<string>"
