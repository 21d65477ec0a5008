"""Qiskit's own gate class for every dreamlang gate but rot (Qiskit has no Rot), shared by tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qiskit.circuit import library as lib

# Called with the dreamlang angles in dreamlang's order.
QISKIT_GATES: dict[str, Callable[..., Any]] = {
    "i": lib.IGate, "h": lib.HGate, "x": lib.XGate, "y": lib.YGate, "z": lib.ZGate,
    "s": lib.SGate, "sdg": lib.SdgGate, "t": lib.TGate, "tdg": lib.TdgGate,
    "sx": lib.SXGate, "sxdg": lib.SXdgGate, "rx": lib.RXGate, "ry": lib.RYGate,
    "rz": lib.RZGate, "phase": lib.PhaseGate, "u3": lib.U3Gate, "cnot": lib.CXGate,
    "cz": lib.CZGate, "cy": lib.CYGate, "ch": lib.CHGate, "swap": lib.SwapGate,
    "iswap": lib.iSwapGate, "crx": lib.CRXGate, "cry": lib.CRYGate, "crz": lib.CRZGate,
    "rxx": lib.RXXGate, "ryy": lib.RYYGate, "rzz": lib.RZZGate, "cphase": lib.CPhaseGate,
    "ccx": lib.CCXGate, "cswap": lib.CSwapGate,
}  # fmt: skip
