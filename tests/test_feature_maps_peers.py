"""Qiskit's Pauli feature maps and PennyLane's AmplitudeEmbedding, checked against the peers' own
objects on every backend (feature maps: unitaries; amplitude embedding: prepared states)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pennylane as qml
import pytest
from hypothesis import given
from hypothesis import strategies as st
from qiskit.circuit.library import pauli_feature_map, z_feature_map, zz_feature_map
from qiskit.quantum_info import Operator

import dreamlang
from tests.agreement_programs import property_settings
from tests.test_stdlib_peers import assert_same_up_to_phase, unitaries

ENTANGLEMENTS = ("full", "linear", "reverse_linear", "circular", "sca", "pairwise")
WORD_SETS = (
    ("Z", "ZZ"),
    ("X", "YY", "ZX"),
    ("ZI", "IZ", "XY", "II", "Y"),
    ("ZZZ", "XYZ"),
    ("IZX", "ZIIZ", "Y", "XXYY"),
)


def peer_unitary(circuit: Any, x: np.ndarray) -> np.ndarray:
    """The peer circuit's unitary with x bound in Qiskit's order, wire 0 most significant."""
    bound = circuit.assign_parameters(dict(zip(circuit.parameters, x, strict=True)))
    return Operator(bound).reverse_qargs().data


def feature_map_source(n: int, call: str) -> str:
    return (
        'import "std/feature_maps.dream"\n'
        f"model m {{\n    qubits {n}\n    param x[{n}]\n    {call} on all\n}}\n"
    )


def check_all_targets(source: str, x: np.ndarray, expected: np.ndarray, label: str) -> None:
    # The features are a param here: unitaries() binds params (inputs are bound the same way).
    for target, unitary in unitaries(source, {"x": x}, len(x)).items():
        assert_same_up_to_phase(unitary, expected, f"{label} on {target}")


PAULI_CASES = [
    (n, reps, entanglement, words)
    for n in range(1, 6)
    for reps in (1, 2, 3)
    for entanglement in ENTANGLEMENTS
    for words in WORD_SETS
    if max(len(w) for w in words) <= n  # Qiskit refuses longer words
    if entanglement != "pairwise" or all(len(w) <= 2 for w in words)  # pairwise: pairs only
    if n > 1 or entanglement == "full"
    if (n + reps + len(words)) % 2 == 0 or entanglement in ("full", "sca")  # a thinned grid
]


@pytest.mark.parametrize(("n", "reps", "entanglement", "words"), PAULI_CASES)
def test_pauli_feature_map_equals_qiskit(
    n: int, reps: int, entanglement: str, words: tuple[str, ...]
) -> None:
    x = np.random.default_rng(n * 31 + reps).uniform(-np.pi, np.pi, n)
    call = (
        f"pauli_feature_map(x, reps={reps}, entanglement={entanglement}, alpha=1.3, "
        f"paulis=[{', '.join(words)}])"
    )
    peer = pauli_feature_map(n, reps=reps, entanglement=entanglement, alpha=1.3, paulis=list(words))
    check_all_targets(feature_map_source(n, call), x, peer_unitary(peer, x), call)


@pytest.mark.parametrize("n", range(1, 6))
@pytest.mark.parametrize("entanglement", ENTANGLEMENTS)
def test_zz_and_z_feature_maps_equal_qiskit_with_defaults(n: int, entanglement: str) -> None:
    x = np.random.default_rng(n).uniform(-np.pi, np.pi, n)
    expected = peer_unitary(z_feature_map(n), x)
    check_all_targets(feature_map_source(n, "z_feature_map(x)"), x, expected, "z_feature_map")
    zz = f"zz_feature_map(x, entanglement={entanglement})"
    if n == 1:  # Qiskit refuses a ZZ word on one wire, and so does dreamlang
        with pytest.raises(dreamlang.DreamError, match="longer than the 1 wire"):
            dreamlang.parse(feature_map_source(n, zz))
        return
    expected = peer_unitary(zz_feature_map(n, entanglement=entanglement), x)
    check_all_targets(feature_map_source(n, zz), x, expected, zz)


def test_three_wire_words_with_explicit_groups_equal_qiskit() -> None:
    groups = [(0, 2, 3), (3, 1, 0)]
    x = np.random.default_rng(9).uniform(-np.pi, np.pi, 4)
    call = "pauli_feature_map(x, reps=2, entanglement=[(0, 2, 3), (3, 1, 0)], paulis=[XZY])"
    peer = pauli_feature_map(4, reps=2, entanglement={3: groups}, paulis=["XZY"])
    check_all_targets(feature_map_source(4, call), x, peer_unitary(peer, x), call)


def test_feature_map_with_an_explicit_pair_list_equals_qiskit() -> None:
    pairs = [[0, 2], [3, 1], [1, 2]]
    x = np.random.default_rng(7).uniform(-np.pi, np.pi, 4)
    call = "zz_feature_map(x, reps=3, entanglement=[(0, 2), (3, 1), (1, 2)], alpha=0.7)"
    # Qiskit takes explicit groups per word length (its zz_feature_map fails on a bare list).
    entanglement = {1: [(i,) for i in range(4)], 2: pairs}
    peer = pauli_feature_map(4, reps=3, entanglement=entanglement, alpha=0.7, paulis=["Z", "ZZ"])
    expected = peer_unitary(peer, x)
    check_all_targets(feature_map_source(4, call), x, expected, call)


@pytest.mark.parametrize(
    ("size", "call", "expected"),
    [
        (2, "zz_feature_map(x)", "x of shape (wires,) = (3,), not (2,)"),
        (3, "pauli_feature_map(x, paulis=[ZZZZ])", "ZZZZ is longer than the 3 wire(s)"),
        (3, "pauli_feature_map(x, paulis=[ZZZ], entanglement=pairwise)", "groups of 3 wires"),
        (3, "pauli_feature_map(x, paulis=[ZZZ], entanglement=[(0, 1)])", "3 distinct positions"),
        (3, "zz_feature_map(x, entanglement=ring5)", "unknown name 'ring5'"),
    ],
)
def test_feature_map_mistakes_are_positioned(size: int, call: str, expected: str) -> None:
    source = (
        'import "std/feature_maps.dream"\n'
        f"model m {{\n    qubits 3\n    input x[{size}]\n    {call} on all\n}}\n"
    )
    with pytest.raises(dreamlang.DreamError) as info:
        dreamlang.parse(source)
    assert expected in str(info.value)
    assert "<string>:5:" in str(info.value)


# ---- amplitude embedding ----


def pennylane_state(features: np.ndarray, n: int, pad: float | None) -> np.ndarray:
    @qml.qnode(qml.device("default.qubit", wires=n))
    def circuit() -> Any:
        qml.AmplitudeEmbedding(features, wires=range(n), normalize=True, pad_with=pad)
        return qml.state()

    # PennyLane leaves a norm within 1e-5 of 1 as it is (allclose's rtol); dreamlang's state
    # is always exactly normalized.
    state = np.asarray(circuit())
    return state / np.linalg.norm(state)


def amplitude_source(n: int, count: int, pad: float | None) -> str:
    options = f", pad_with={pad!r}" if pad is not None else ""
    return (
        'import "std/encoders.dream"\n'
        f"model m {{\n    qubits {n}\n    input x[{count}]\n"
        f"    amplitude_embedding(x{options}) on all\n}}\n"
    )


_MODELS: dict[tuple[int, int, float | None, str], Any] = {}


def compiled(n: int, count: int, pad: float | None, target: str) -> Any:
    key = (n, count, pad, target)
    if key not in _MODELS:
        _MODELS[key] = dreamlang.compile(amplitude_source(n, count, pad), target=target)
    return _MODELS[key]


def check_amplitudes(features: np.ndarray, n: int, pad: float | None, targets: Any) -> None:
    expected = pennylane_state(features, n, pad)
    for target in targets:
        model = compiled(n, len(features), pad, target)
        state = model.state({"x": features}, {})
        assert_same_up_to_phase(state, expected, f"n={n} {features} on {target}")


def awkward_vectors(n: int) -> list[np.ndarray]:
    """Vectors where a naive atan2 breaks: zeros, negative x with zero y, one-hot negatives."""
    size = 2**n
    rng = np.random.default_rng(size)
    one_hot = np.zeros(size)
    one_hot[-1] = -2.0
    sparse = np.where(rng.random(size) < 0.5, 0.0, rng.normal(size=size))
    sparse[0] = -0.5
    alternating = np.array([(-1.0) ** k for k in range(size)])
    return [rng.normal(size=size), np.abs(rng.normal(size=size)), one_hot, sparse, alternating]


@pytest.mark.parametrize("n", range(1, 6))
def test_amplitude_embedding_prepares_pennylanes_state(n: int) -> None:
    # The qasm3 runner binds the symbolic text, which is slow for 32 features.
    targets = ("pennylane", "qiskit", "cirq", "qasm3") if n < 5 else ("pennylane", "qiskit", "cirq")
    for features in awkward_vectors(n):
        check_amplitudes(features, n, None, targets)


@pytest.mark.parametrize(("n", "count"), [(1, 1), (2, 3), (3, 5), (4, 9)])
def test_amplitude_embedding_pads_like_pennylane(n: int, count: int) -> None:
    features = np.random.default_rng(count).normal(size=count)
    check_amplitudes(features, n, 0.25, ("pennylane", "qiskit", "cirq"))
    check_amplitudes(features, n, 0.0, ("pennylane", "qiskit", "cirq"))


_VALUES = st.one_of(
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 1e-3, -1e-3]),
    st.floats(-10, 10, allow_nan=False, allow_infinity=False),
)


@property_settings()
@given(
    st.integers(1, 4).flatmap(
        lambda n: st.tuples(st.just(n), st.lists(_VALUES, min_size=2**n, max_size=2**n))
    ),
    st.sampled_from(["pennylane", "qiskit", "cirq"]),
)
def test_amplitude_embedding_property(case: tuple[int, list[float]], target: str) -> None:
    """Any real vector, zeros and signs included, prepares PennyLane's state."""
    n, values = case
    features = np.array(values)
    if np.linalg.norm(features) < 0.1:  # PennyLane rejects a zero vector; accuracy is 1e-13/norm
        features[0] = 1.0
    check_amplitudes(features, n, None, (target,))


@pytest.mark.parametrize(
    ("qubits", "size", "options", "expected"),
    [
        (2, 5, "", "at most 2 ** wires = 4 features, not 5"),
        (3, 5, "", "needs 2 ** wires = 8 features, not 5, or pad_with"),
    ],
)
def test_amplitude_embedding_mistakes_are_positioned(
    qubits: int, size: int, options: str, expected: str
) -> None:
    source = (
        'import "std/encoders.dream"\n'
        f"model m {{\n    qubits {qubits}\n    input x[{size}]\n"
        f"    amplitude_embedding(x{options}) on all\n}}\n"
    )
    with pytest.raises(dreamlang.DreamError) as info:
        dreamlang.parse(source)
    assert expected in str(info.value)
    assert "<string>:5:5" in str(info.value)
