"""The Cirq lowering table: each dreamlang gate and channel as native Cirq calls, as data.

A native call is a small tree (``Native``) that is both printed as Python source for generated
modules and built into Cirq objects in memory, so the emitter and the runner cannot drift. Every
lowering is exact, global phase included (docs/conventions.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cirq
import numpy as np

from ._runtime import _kraus

__all__ = ["CHANNELS", "GATES", "Native", "Param", "Params", "Step", "build", "render"]


@dataclass(frozen=True, slots=True)
class Param:
    """The operation's parameter ``index``, as is or transformed: 'over_pi' divides it by pi
    (a Cirq exponent), 'one_minus' takes 1 - it (a complementary probability)."""

    index: int
    transform: str = ""


@dataclass(frozen=True, slots=True)
class Params:
    """Every parameter of the operation, as one tuple (a channel with a variable count)."""


Arg = Any  # Param | Params | Native | float | str | tuple[Arg, ...]


@dataclass(frozen=True, slots=True)
class Native:
    """``func`` (a dotted name in NAMESPACE), called with args/kwargs unless ``call`` is False."""

    func: str
    args: tuple[Arg, ...] = ()
    kwargs: tuple[tuple[str, Arg], ...] = ()
    call: bool = True


@dataclass(frozen=True, slots=True)
class Step:
    """One native operation: a gate applied to the operation's wires at positions ``wires``."""

    gate: Native
    wires: tuple[int, ...]


# What a Native's func may name: the same objects a generated module has at top level.
NAMESPACE: dict[str, Any] = {"cirq": cirq, "np": np, "_kraus": _kraus}


def _const(name: str) -> Native:
    return Native(f"cirq.{name}", call=False)


def _pow(gate: str, exponent: Arg, shift: float = 0.0) -> Native:
    kwargs: tuple[tuple[str, Arg], ...] = (("exponent", exponent),)
    if shift:
        kwargs += (("global_shift", shift),)
    return Native(f"cirq.{gate}", kwargs=kwargs)


def _rot(axis: str, index: int) -> Native:
    return Native(f"cirq.r{axis}", (Param(index),))


def _over_pi(index: int) -> Param:
    return Param(index, "over_pi")


def _controlled(gate: Native) -> Native:
    return Native("cirq.ControlledGate", (gate,))


def _one(gate: Native) -> tuple[Step, ...]:
    return (Step(gate, (0,)),)


def _two(gate: Native) -> tuple[Step, ...]:
    return (Step(gate, (0, 1)),)


# e^{-i theta/2 P(x)P} = PPPowGate(exponent=theta/pi, global_shift=-1/2); cirq.XX**t alone
# lacks the shift, i.e. differs by a global phase.
_ISING_SHIFT = -0.5

GATES: dict[str, tuple[Step, ...]] = {
    "i": _one(_const("I")),
    "h": _one(_const("H")),
    "x": _one(_const("X")),
    "y": _one(_const("Y")),
    "z": _one(_const("Z")),
    "s": _one(_const("S")),
    "sdg": _one(_pow("ZPowGate", -0.5)),
    "t": _one(_const("T")),
    "tdg": _one(_pow("ZPowGate", -0.25)),
    # X**0.5 = e^{i pi/4} RX(pi/2), exactly Qiskit's SX; X**-0.5 is its inverse.
    "sx": _one(_pow("XPowGate", 0.5)),
    "sxdg": _one(_pow("XPowGate", -0.5)),
    "rx": _one(_rot("x", 0)),
    "ry": _one(_rot("y", 0)),
    "rz": _one(_rot("z", 0)),
    "phase": _one(_pow("ZPowGate", _over_pi(0))),
    # RZ(omega) RY(theta) RZ(phi): rz(phi) acts first.
    "rot": (Step(_rot("z", 0), (0,)), Step(_rot("y", 1), (0,)), Step(_rot("z", 2), (0,))),
    # U3(theta, phi, lam) = P(phi) RY(theta) P(lam), with no leftover phase.
    "u3": (
        Step(_pow("ZPowGate", _over_pi(2)), (0,)),
        Step(_rot("y", 0), (0,)),
        Step(_pow("ZPowGate", _over_pi(1)), (0,)),
    ),
    "cnot": _two(_const("CNOT")),
    "cz": _two(_const("CZ")),
    "cy": _two(_controlled(_const("Y"))),
    "ch": _two(_controlled(_const("H"))),
    "swap": _two(_const("SWAP")),
    "iswap": _two(_const("ISWAP")),
    "crx": _two(_controlled(_rot("x", 0))),
    "cry": _two(_controlled(_rot("y", 0))),
    "crz": _two(_controlled(_rot("z", 0))),
    "rxx": _two(_pow("XXPowGate", _over_pi(0), _ISING_SHIFT)),
    "ryy": _two(_pow("YYPowGate", _over_pi(0), _ISING_SHIFT)),
    "rzz": _two(_pow("ZZPowGate", _over_pi(0), _ISING_SHIFT)),
    "cphase": _two(_pow("CZPowGate", _over_pi(0))),
    "ccx": (Step(_const("CCX"), (0, 1, 2)),),
    "cswap": (Step(_const("CSWAP"), (0, 1, 2)),),
}

# Native channels only where Cirq's is the same channel as dreamlang's (_runtime._kraus).
CHANNELS: dict[str, Native] = {
    "depolarizing": Native("cirq.depolarize", (Param(0),)),  # X, Y, Z each p/3
    "bit_flip": Native("cirq.bit_flip", (Param(0),)),
    "phase_flip": Native("cirq.phase_flip", (Param(0),)),
    "pauli_channel": Native("cirq.asymmetric_depolarize", (Param(0), Param(1), Param(2))),
    "amplitude_damping": Native("cirq.amplitude_damp", (Param(0),)),
    "phase_damping": Native("cirq.phase_damp", (Param(0),)),
    # Cirq takes (p, gamma) with p the ground-state weight; dreamlang's (gamma, p) has p the
    # excited-state population (PennyLane's), so Cirq's p is 1 - p.
    "generalized_amplitude_damping": Native(
        "cirq.generalized_amplitude_damp", (Param(1, "one_minus"), Param(0))
    ),
    "thermal_relaxation": Native(
        "cirq.KrausChannel",
        (Native("_kraus", ("thermal_relaxation", (Param(0), Param(1), Param(2)))),),
    ),
    # 8 values per operator (real and imaginary part of each entry), as many as it has.
    "kraus": Native("cirq.KrausChannel", (Native("_kraus", ("kraus", Params())),)),
}


def render(native: Native, sources: Sequence[str], loose: Sequence[bool]) -> str:
    """Python source of ``native``; ``sources[i]`` is the source of parameter i, and
    ``loose[i]`` says it needs parentheses inside a transform (it is a sum or difference)."""

    def arg(value: Arg) -> str:
        if isinstance(value, Param):
            text = sources[value.index]
            if value.transform and loose[value.index]:
                text = f"({text})"
            if value.transform == "over_pi":
                return f"{text} / np.pi"
            return f"1.0 - {text}" if value.transform == "one_minus" else text
        if isinstance(value, Params):
            return arg(tuple(Param(i) for i in range(len(sources))))
        if isinstance(value, Native):
            return render(value, sources, loose)
        if isinstance(value, tuple):
            items = [arg(v) for v in value]
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        if isinstance(value, str):
            return repr(value)
        return _float(value)

    if not native.call:
        return native.func
    parts = [arg(a) for a in native.args] + [f"{k}={arg(v)}" for k, v in native.kwargs]
    return f"{native.func}({', '.join(parts)})"


def build(native: Native, values: Sequence[Any]) -> Any:
    """The Cirq object of ``native``; ``values[i]`` is parameter i (a number or sympy expr)."""

    def arg(value: Arg) -> Any:
        if isinstance(value, Param):
            v = values[value.index]
            if value.transform == "over_pi":
                return v / np.pi
            return 1.0 - v if value.transform == "one_minus" else v
        if isinstance(value, Params):
            return tuple(values)
        if isinstance(value, Native):
            return build(value, values)
        if isinstance(value, tuple):
            return tuple(arg(v) for v in value)
        return value

    target = _resolve(native.func)
    if not native.call:
        return target
    return target(*(arg(a) for a in native.args), **{k: arg(v) for k, v in native.kwargs})


def _resolve(dotted: str) -> Any:
    head, *rest = dotted.split(".")
    obj = NAMESPACE[head]
    for part in rest:
        obj = getattr(obj, part)
    return obj


def _float(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError(f"non-finite constant {value!r} in the lowering table")
    return repr(float(value))
