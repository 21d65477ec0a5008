"""Standard-library topologies give exactly the peers' pair lists (Qiskit's entangler maps,
PennyLane's StronglyEntanglingLayers pattern), for n = 2..8 and repetitions 0..3."""

from __future__ import annotations

import importlib

import pennylane as qml
import pytest

import dreamlang

QISKIT_NAMES = ("full", "linear", "reverse_linear", "pairwise", "circular", "sca")
# The function lives in a module that qiskit.circuit.library shadows with a function of the
# same name, so it is imported by its module path.
_n_local = importlib.import_module("qiskit.circuit.library.n_local.n_local")


def pairs(topology: str, n: int) -> list[tuple[int, int]]:
    """The wire pairs of 'entangle TOPOLOGY using cnot' on n qubits, in order."""
    source = (
        'import "std/topologies.dream"\n'
        f"model m {{\n    qubits {n}\n    entangle {topology} using cnot\n}}\n"
    )
    model = dreamlang.parse(source).model
    assert model is not None
    return [(op.wires[0], op.wires[1]) for op in model.ops]


@pytest.mark.parametrize("name", QISKIT_NAMES)
@pytest.mark.parametrize("n", range(2, 9))
@pytest.mark.parametrize("rep", range(4))
def test_qiskit_topologies_equal_get_entangler_map(name: str, n: int, rep: int) -> None:
    expected = [tuple(p) for p in _n_local.get_entangler_map(2, n, name, offset=rep)]
    call = f"sca(rep={rep})" if name == "sca" else name
    assert pairs(call, n) == expected


# r a multiple of n would pair a wire with itself: PennyLane fails later, dreamlang rejects it.
@pytest.mark.parametrize(
    ("n", "r"), [(n, r) for n in range(2, 7) for r in range(1, 6) if r % n != 0]
)
def test_range_equals_strongly_entangling_layers_pattern(n: int, r: int) -> None:
    template = qml.StronglyEntanglingLayers(qml.numpy.zeros((1, n, 3)), wires=range(n), ranges=[r])
    expected = [tuple(op.wires) for op in template.decomposition() if op.name == "CNOT"]
    assert pairs(f"range(r={r})", n) == expected


def test_range_rejects_a_multiple_of_the_wire_count() -> None:
    with pytest.raises(dreamlang.DreamError) as info:
        pairs("range(r=4)", 4)
    assert "multiple of the number of wires" in str(info.value)


def test_sca_rejects_a_negative_repetition() -> None:
    with pytest.raises(dreamlang.DreamError):
        pairs("sca(rep=-1)", 4)
