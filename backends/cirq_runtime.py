"""Cirq simulation helpers, shared verbatim by the in-memory runner and generated modules.

Everything below the ``# ---- runtime ----`` marker is copied, unchanged, into every module the
Cirq target writes (after numpy, cirq and sympy are imported), so both paths make symbols or
numbers, simulate and read out terms with the same code.
"""

from __future__ import annotations

import math
from typing import Any

import cirq
import numpy as np
import sympy

# ---- runtime ----


def _cirq_symbols(names: tuple[str, ...], shapes: dict[str, Any]) -> dict[str, Any]:
    """One sympy symbol per element of each named array, keyed by its name 'NAME[FLAT]'."""
    symbols = {}
    for name in names:
        for flat in range(math.prod(shapes[name])):
            key = f"{name}[{flat}]"
            symbols[key] = sympy.Symbol(key)
    return symbols


def _cirq_numbers(names: tuple[str, ...], values: dict[str, Any]) -> dict[str, Any]:
    """Each element's value, keyed like _cirq_symbols: the circuit is then built with numbers."""
    numbers = {}
    for name in names:
        for flat, value in enumerate(np.ravel(values[name])):
            numbers[f"{name}[{flat}]"] = value
    return numbers


# The math functions of angles, on sympy symbols and on numbers: the same angle source
# (fn['arctan'](...)) builds a symbolic circuit or a numeric one.
_SYMPY_MATH: dict[str, Any] = {
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tan": sympy.tan,
    "exp": sympy.exp,
    "log": sympy.log,
    "sqrt": sympy.sqrt,
    "arcsin": sympy.asin,
    "arccos": sympy.acos,
    "arctan": sympy.atan,
}
_NUMERIC_MATH: dict[str, Any] = {
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "arcsin": np.arcsin,
    "arccos": np.arccos,
    "arctan": np.arctan,
}


def _cirq_state(circuit: Any, num_qubits: int, noisy: bool) -> np.ndarray:
    """The final state of a circuit with numeric angles, in complex128: a density matrix when
    noisy, else a state vector.

    Every qubit is listed in qubit_order, so wires that no gate touches are still simulated,
    and wire 0 is the most significant bit.
    """
    qubits = cirq.LineQubit.range(num_qubits)
    if noisy:
        dm = cirq.DensityMatrixSimulator(dtype=np.complex128)
        result = dm.simulate(circuit, qubit_order=qubits)
        return np.asarray(result.final_density_matrix, dtype=np.complex128)
    sv = cirq.Simulator(dtype=np.complex128)
    result = sv.simulate(circuit, qubit_order=qubits)
    return np.asarray(result.final_state_vector, dtype=np.complex128)


def _cirq_observable(factors: tuple[Any, ...], num_qubits: int) -> Any:
    """The Pauli string of ((letter, wire), ...) on LineQubit.range(num_qubits)."""
    paulis = {"X": cirq.X, "Y": cirq.Y, "Z": cirq.Z}
    qubits = cirq.LineQubit.range(num_qubits)
    return cirq.PauliString({qubits[wire]: paulis[letter] for letter, wire in factors})


def _cirq_terms(
    state: np.ndarray, terms: tuple[Any, ...], num_qubits: int, noisy: bool
) -> list[Any]:
    """Per term ('expval', factors) or ('probs', wires): a float, or the probabilities of the
    wires with wires[0] the most significant bit."""
    qubit_map = {q: i for i, q in enumerate(cirq.LineQubit.range(num_qubits))}
    diagonal = np.real(np.diagonal(state)) if noisy else np.abs(state) ** 2
    values: list[Any] = []
    for kind, spec in terms:
        if kind == "probs":
            values.append(_cirq_marginal(diagonal, spec, num_qubits))
        elif not spec:
            values.append(1.0)
        elif noisy:
            pauli = _cirq_observable(spec, num_qubits)
            values.append(float(np.real(pauli.expectation_from_density_matrix(state, qubit_map))))
        else:
            pauli = _cirq_observable(spec, num_qubits)
            values.append(float(np.real(pauli.expectation_from_state_vector(state, qubit_map))))
    return values


def _cirq_marginal(diagonal: np.ndarray, wires: tuple[int, ...], num_qubits: int) -> np.ndarray:
    """The marginal distribution of ``wires``, in their given order, from all 2**n outcomes."""
    table = np.reshape(diagonal, (2,) * num_qubits)
    others = tuple(w for w in range(num_qubits) if w not in wires)
    kept = np.sum(table, axis=others)  # axes left: the wires in increasing order
    order = sorted(wires)
    kept = np.transpose(kept, [order.index(w) for w in wires])
    return np.asarray(kept, dtype=np.float64).reshape(-1)


def _cirq_mixed_unitary(q: float, gate_ops: list[Any], qubits: list[Any]) -> Any:
    """The gate made of ``gate_ops`` as the channel of its exact dropout,
    rho -> (1 - q) U rho U^dagger + q rho, on ``qubits`` (the first the most significant)."""
    unitary = cirq.Circuit(gate_ops).unitary(qubit_order=qubits, dtype=np.complex128)
    mixture = [(1.0 - q, unitary), (q, np.eye(len(unitary), dtype=np.complex128))]
    return cirq.MixedUnitaryChannel(mixture).on(*qubits)
