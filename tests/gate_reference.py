"""dreamlang's gate matrices in numpy, global phase included, and a tiny statevector simulator.

This module is the specification of docs/conventions.md written as code: every matrix is built
from its definition (Pauli exponentials, explicit entries), never taken from a quantum library,
so tests comparing backends against it prove the convention and not only mutual agreement.
Matrices of multi-wire gates list their wires most significant first: the first wire (the
control, for controlled gates) is the leftmost tensor factor.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

import numpy as np

__all__ = [
    "REFERENCE",
    "apply",
    "controlled",
    "embed",
    "expval",
    "gate_matrix",
    "probs",
    "simulate",
    "unitary",
]

Matrix = np.ndarray

I2 = np.eye(2, dtype=np.complex128)
PAULI = {
    "I": I2,
    "X": np.array([[0, 1], [1, 0]], dtype=np.complex128),
    "Y": np.array([[0, -1j], [1j, 0]], dtype=np.complex128),
    "Z": np.array([[1, 0], [0, -1]], dtype=np.complex128),
}


def _m(rows: Sequence[Sequence[complex]]) -> Matrix:
    return np.array(rows, dtype=np.complex128)


def _pauli_rotation(word: str, theta: float) -> Matrix:
    """exp(-i θ/2 P) for a Pauli word P (P² = I, so cos(θ/2) I - i sin(θ/2) P)."""
    p = _kron(PAULI[letter] for letter in word)
    return math.cos(theta / 2) * np.eye(len(p)) - 1j * math.sin(theta / 2) * p


def _kron(factors: Iterable[Matrix]) -> Matrix:
    out = np.eye(1, dtype=np.complex128)
    for factor in factors:
        out = np.kron(out, factor)
    return out


def controlled(u: Matrix, controls: int = 1) -> Matrix:
    """|0⟩⟨0| ⊗ I + |1⟩⟨1| ⊗ U per control, the controls the most significant wires."""
    for _ in range(controls):
        dim = len(u)
        out = np.eye(2 * dim, dtype=np.complex128)
        out[dim:, dim:] = u
        u = out
    return u


def _phase(phi: float) -> Matrix:
    return _m([[1, 0], [0, np.exp(1j * phi)]])


def _rot(phi: float, theta: float, omega: float) -> Matrix:
    return _pauli_rotation("Z", omega) @ _pauli_rotation("Y", theta) @ _pauli_rotation("Z", phi)


def _u3(theta: float, phi: float, lam: float) -> Matrix:
    c, s = math.cos(theta / 2), math.sin(theta / 2)
    return _m([[c, -np.exp(1j * lam) * s], [np.exp(1j * phi) * s, np.exp(1j * (phi + lam)) * c]])


_SX = 0.5 * _m([[1 + 1j, 1 - 1j], [1 - 1j, 1 + 1j]])
_H = _m([[1, 1], [1, -1]]) / math.sqrt(2)
_SWAP = _m([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]])
_ISWAP = _m([[1, 0, 0, 0], [0, 0, 1j, 0], [0, 1j, 0, 0], [0, 0, 0, 1]])


def _fixed(matrix: Matrix) -> Callable[[], Matrix]:
    return lambda: matrix


def _rotation(word: str) -> Callable[[float], Matrix]:
    return lambda theta: _pauli_rotation(word, theta)


def _controlled_rotation(letter: str) -> Callable[[float], Matrix]:
    return lambda theta: controlled(_pauli_rotation(letter, theta))


# name -> (number of wires, number of angles, matrix builder)
REFERENCE: dict[str, tuple[int, int, Callable[..., Matrix]]] = {
    "i": (1, 0, _fixed(I2)),
    "h": (1, 0, _fixed(_H)),
    "x": (1, 0, _fixed(PAULI["X"])),
    "y": (1, 0, _fixed(PAULI["Y"])),
    "z": (1, 0, _fixed(PAULI["Z"])),
    "s": (1, 0, _fixed(_m([[1, 0], [0, 1j]]))),
    "sdg": (1, 0, _fixed(_m([[1, 0], [0, -1j]]))),
    "t": (1, 0, _fixed(_phase(math.pi / 4))),
    "tdg": (1, 0, _fixed(_phase(-math.pi / 4))),
    "sx": (1, 0, _fixed(_SX)),
    "sxdg": (1, 0, _fixed(_SX.conj().T)),
    "rx": (1, 1, _rotation("X")),
    "ry": (1, 1, _rotation("Y")),
    "rz": (1, 1, _rotation("Z")),
    "phase": (1, 1, _phase),
    "rot": (1, 3, _rot),
    "u3": (1, 3, _u3),
    "cnot": (2, 0, _fixed(controlled(PAULI["X"]))),
    "cz": (2, 0, _fixed(controlled(PAULI["Z"]))),
    "cy": (2, 0, _fixed(controlled(PAULI["Y"]))),
    "ch": (2, 0, _fixed(controlled(_H))),
    "swap": (2, 0, _fixed(_SWAP)),
    "iswap": (2, 0, _fixed(_ISWAP)),
    "crx": (2, 1, _controlled_rotation("X")),
    "cry": (2, 1, _controlled_rotation("Y")),
    "crz": (2, 1, _controlled_rotation("Z")),
    "rxx": (2, 1, _rotation("XX")),
    "ryy": (2, 1, _rotation("YY")),
    "rzz": (2, 1, _rotation("ZZ")),
    "cphase": (2, 1, lambda phi: controlled(_phase(phi))),
    "ccx": (3, 0, _fixed(controlled(PAULI["X"], 2))),
    "cswap": (3, 0, _fixed(controlled(_SWAP))),
}


def gate_matrix(name: str, angles: Sequence[float] = ()) -> Matrix:
    """The dreamlang matrix of a gate (first wire most significant), angles in declared order."""
    wires, count, build = REFERENCE[name]
    if len(angles) != count:
        raise ValueError(f"{name} takes {count} angles, got {len(angles)}")
    matrix = np.asarray(build(*angles), dtype=np.complex128)
    assert matrix.shape == (2**wires, 2**wires)
    return matrix


def apply(state: np.ndarray, matrix: Matrix, wires: Sequence[int]) -> np.ndarray:
    """``matrix`` applied to ``wires`` of a statevector (wire 0 the most significant bit), or
    of every column of a (2**n, m) array."""
    n = round(math.log2(state.shape[0]))
    k = len(wires)
    tensor = np.moveaxis(state.reshape((2,) * n + state.shape[1:]), list(wires), list(range(k)))
    shape = tensor.shape
    tensor = (matrix @ tensor.reshape(2**k, -1)).reshape(shape)
    return np.moveaxis(tensor, list(range(k)), list(wires)).reshape(state.shape)


def embed(matrix: Matrix, wires: Sequence[int], num_qubits: int) -> Matrix:
    """The full 2**n × 2**n unitary of ``matrix`` acting on ``wires`` (wire 0 most significant)."""
    return apply(np.eye(2**num_qubits, dtype=np.complex128), matrix, wires)


def _run(
    start: np.ndarray, ops: Iterable[tuple[str, Sequence[int], Sequence[float]]]
) -> np.ndarray:
    for name, wires, angles in ops:
        start = apply(start, gate_matrix(name, angles), wires)
    return start


def simulate(
    num_qubits: int, ops: Iterable[tuple[str, Sequence[int], Sequence[float]]]
) -> np.ndarray:
    """The state after ``ops`` = (gate, wires, angles) applied to |0…0⟩."""
    state = np.zeros(2**num_qubits, dtype=np.complex128)
    state[0] = 1.0
    return _run(state, ops)


def unitary(num_qubits: int, ops: Iterable[tuple[str, Sequence[int], Sequence[float]]]) -> Matrix:
    """The unitary of ``ops`` (global phase included), wire 0 the most significant bit."""
    return _run(np.eye(2**num_qubits, dtype=np.complex128), ops)


def expval(state: np.ndarray, factors: Iterable[tuple[str, int]]) -> float:
    """⟨ψ| P |ψ⟩ for a Pauli word given as (letter, wire) factors."""
    phi = state
    for letter, wire in factors:
        phi = apply(phi, PAULI[letter], [wire])
    return float(np.vdot(state, phi).real)


def probs(state: np.ndarray, wires: Sequence[int]) -> np.ndarray:
    """Probabilities of ``wires`` in the computational basis, wires[0] the most significant."""
    n = round(math.log2(state.size))
    weights = (np.abs(state) ** 2).reshape((2,) * n)
    rest = tuple(w for w in range(n) if w not in wires)
    marginal = weights.sum(axis=rest) if rest else weights
    # After summing, the kept axes are in ascending wire order; put them in the asked order.
    kept = sorted(wires)
    return np.transpose(marginal, [kept.index(w) for w in wires]).reshape(-1)
