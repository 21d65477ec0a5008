"""The PennyLane lowering table: one entry per dreamlang gate and channel, as source and as ops.

Every entry knows both how it is printed into a generated module and how it is applied in
memory, so the emitter and the runner cannot drift. Every dreamlang gate has a PennyLane
operation with exactly the same matrix, global phase included, so each gate is one native op.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pennylane as qml

from dreamlang.gates import CHANNELS, GATES

from . import _runtime
from .plan import NativeTerm

__all__ = [
    "CHANNEL_OPS",
    "GATE_OPS",
    "Native",
    "channel_op",
    "channel_source",
    "measurement",
    "measurement_source",
    "observable",
    "observable_source",
]


@dataclass(frozen=True, slots=True)
class Native:
    """``qml.<op>(*angles, wires=[...])``, wrapped in ``qml.adjoint`` when ``adjoint``."""

    op: str
    adjoint: bool = False

    def source(self, args: Sequence[str], wires: Sequence[int]) -> str:
        call = f"qml.{self.op}({''.join(a + ', ' for a in args)}wires={list(wires)!r})"
        return f"qml.adjoint({call})" if self.adjoint else call

    def apply(self, args: Sequence[Any], wires: Sequence[int]) -> Any:
        op = getattr(qml, self.op)(*args, wires=list(wires))
        return qml.adjoint(op) if self.adjoint else op


# Angles are passed in dreamlang's order, which is PennyLane's for every gate:
# rot(phi, theta, omega) = qml.Rot, u3(theta, phi, lam) = qml.U3(theta, phi, delta).
GATE_OPS: dict[str, Native] = {
    "i": Native("Identity"),
    "h": Native("Hadamard"),
    "x": Native("PauliX"),
    "y": Native("PauliY"),
    "z": Native("PauliZ"),
    "s": Native("S"),
    "sdg": Native("S", adjoint=True),
    "t": Native("T"),
    "tdg": Native("T", adjoint=True),
    "sx": Native("SX"),
    "sxdg": Native("SX", adjoint=True),
    "rx": Native("RX"),
    "ry": Native("RY"),
    "rz": Native("RZ"),
    "phase": Native("PhaseShift"),
    "rot": Native("Rot"),
    "u3": Native("U3"),
    "cnot": Native("CNOT"),
    "cz": Native("CZ"),
    "cy": Native("CY"),
    "ch": Native("CH"),
    "swap": Native("SWAP"),
    "iswap": Native("ISWAP"),
    "crx": Native("CRX"),
    "cry": Native("CRY"),
    "crz": Native("CRZ"),
    "rxx": Native("IsingXX"),
    "ryy": Native("IsingYY"),
    "rzz": Native("IsingZZ"),
    "cphase": Native("ControlledPhaseShift"),
    "ccx": Native("Toffoli"),
    "cswap": Native("CSWAP"),
}

# Native channels whose Kraus operators are exactly dreamlang's (same arguments, same order);
# None: a qml.QubitChannel of the runtime's _kraus operators (PennyLane has no Pauli channel
# with three probabilities, and its ThermalRelaxationError is parametrized differently).
CHANNEL_OPS: dict[str, Native | None] = {
    "depolarizing": Native("DepolarizingChannel"),
    "bit_flip": Native("BitFlip"),
    "phase_flip": Native("PhaseFlip"),
    "pauli_channel": None,
    # PennyLane's damping channels add its eps under the square roots (5e-8 off at gamma = 1):
    # exact Kraus operators instead.
    "amplitude_damping": None,
    "phase_damping": None,
    "generalized_amplitude_damping": None,
    "thermal_relaxation": None,
    "kraus": None,  # the general channel: its own operators
}

assert set(GATE_OPS) == set(GATES), "every dreamlang gate needs a PennyLane lowering"
assert set(CHANNEL_OPS) == set(CHANNELS), "every dreamlang channel needs a PennyLane lowering"


def channel_source(name: str, values: Sequence[str], wires: Sequence[int]) -> str:
    """Source of a channel whose strengths are the float expressions ``values``."""
    native = CHANNEL_OPS[name]
    if native is not None:
        return native.source(values, wires)
    values_tuple = f"({', '.join(values)}{',' if len(values) == 1 else ''})"
    kraus = f"_kraus({name!r}, {values_tuple})"
    return f"qml.QubitChannel({kraus}, wires={list(wires)!r})"


def channel_op(name: str, values: Sequence[float], wires: Sequence[int]) -> Any:
    """Apply a channel with numeric strengths (inside a QNode)."""
    native = CHANNEL_OPS[name]
    if native is not None:
        return native.apply(values, wires)
    return qml.QubitChannel(_runtime._kraus(name, tuple(values)), wires=list(wires))


_PAULI = {"X": "PauliX", "Y": "PauliY", "Z": "PauliZ"}


def observable_source(factors: Sequence[tuple[str, int]]) -> str:
    """A Pauli word as a qml operator; the empty word is the identity on wire 0."""
    if not factors:
        return "qml.Identity(0)"
    return " @ ".join(f"qml.{_PAULI[p]}({w})" for p, w in factors)


def observable(factors: Sequence[tuple[str, int]]) -> Any:
    if not factors:
        return qml.Identity(0)
    ops = [getattr(qml, _PAULI[p])(w) for p, w in factors]
    # Left to right with @, as the printed form does, so both build the same operator tree.
    return functools.reduce(operator.matmul, ops)


def measurement_source(term: NativeTerm) -> str:
    if term.kind == "expval":
        return f"qml.expval({observable_source(term.factors)})"
    return f"qml.probs(wires={list(term.wires)!r})"


def measurement(term: NativeTerm) -> Any:
    if term.kind == "expval":
        return qml.expval(observable(term.factors))
    return qml.probs(wires=list(term.wires))
