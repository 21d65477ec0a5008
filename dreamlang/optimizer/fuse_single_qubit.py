"""Fuse each run of two or more constant single-wire gates on a wire into one ``u3`` (or nothing)."""

from __future__ import annotations

import cmath
import math
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from dreamlang import ir

from .common import Context, constant, may_merge, with_ops

__all__ = ["matrix", "rule", "zyz"]

Matrix = npt.NDArray[np.complex128]
Angles = list[float]


def _m(rows: Sequence[Sequence[complex]]) -> Matrix:
    return np.array(rows, dtype=np.complex128)


def _rotation(pauli: Matrix) -> Callable[[float], Matrix]:
    def build(theta: float) -> Matrix:
        return math.cos(theta / 2) * _m([[1, 0], [0, 1]]) - 1j * math.sin(theta / 2) * pauli

    return build


def _u3(theta: float, phi: float, lam: float) -> Matrix:
    c, s = math.cos(theta / 2), math.sin(theta / 2)
    return _m(
        [[c, -cmath.exp(1j * lam) * s], [cmath.exp(1j * phi) * s, cmath.exp(1j * (phi + lam)) * c]]
    )


def _phase(phi: float) -> Matrix:
    return _m([[1, 0], [0, cmath.exp(1j * phi)]])


_X, _Y, _Z = _m([[0, 1], [1, 0]]), _m([[0, -1j], [1j, 0]]), _m([[1, 0], [0, -1]])
_SX = 0.5 * _m([[1 + 1j, 1 - 1j], [1 - 1j, 1 + 1j]])
_RX, _RY, _RZ = _rotation(_X), _rotation(_Y), _rotation(_Z)
# The single-wire gates of docs/conventions.md, global phase included.
_FIXED: dict[str, Matrix] = {
    "i": _m([[1, 0], [0, 1]]),
    "h": _m([[1, 1], [1, -1]]) / math.sqrt(2),
    "x": _X,
    "y": _Y,
    "z": _Z,
    "s": _phase(math.pi / 2),
    "sdg": _phase(-math.pi / 2),
    "t": _phase(math.pi / 4),
    "tdg": _phase(-math.pi / 4),
    "sx": _SX,
    "sxdg": _SX.conj().T,
}
_ANGLED: dict[str, Callable[..., Matrix]] = {
    "rx": _RX,
    "ry": _RY,
    "rz": _RZ,
    "phase": _phase,
    "rot": lambda phi, theta, omega: _RZ(omega) @ _RY(theta) @ _RZ(phi),
    "u3": _u3,
}


def matrix(name: str, angles: Sequence[float] = ()) -> Matrix | None:
    """The 2x2 matrix of a single-wire gate, or None for a gate this rule does not know.

    >>> bool(np.allclose(matrix("rx", [math.pi]), [[0, -1j], [-1j, 0]]))
    True
    """
    if name in _FIXED:
        return _FIXED[name] if not angles else None
    build = _ANGLED.get(name)
    return None if build is None else build(*angles)


def zyz(u: Matrix, tolerance: float) -> tuple[float, float, float]:
    """Angles (theta, phi, lam) with u = e^{ia} u3(theta, phi, lam) for a 2x2 unitary u.

    >>> [round(a, 12) for a in zyz(matrix("h"), 1e-12)]
    [1.570796326795, 0.0, 3.14159265359]
    """
    a, b = abs(u[0, 0]), abs(u[1, 0])
    theta = 2 * math.atan2(b, a)
    if b <= tolerance:  # diagonal: only phi + lam matters; put it all in lam
        phi, lam = 0.0, cmath.phase(u[1, 1]) - cmath.phase(u[0, 0])
    elif a <= tolerance:  # anti-diagonal: only phi - lam matters; put it all in phi
        phi, lam = cmath.phase(u[1, 0]) - cmath.phase(-u[0, 1]), 0.0
    else:
        alpha = cmath.phase(u[0, 0])
        phi, lam = cmath.phase(u[1, 0]) - alpha, cmath.phase(-u[0, 1]) - alpha
    return _wrap(theta), _wrap(phi), _wrap(lam)


def _wrap(angle: float) -> float:
    """The angle in (-pi, pi], and exactly 0.0 when it is within rounding of 0."""
    wrapped = math.remainder(angle, 2 * math.pi)
    if wrapped <= -math.pi:
        wrapped += 2 * math.pi
    return 0.0 if abs(wrapped) < 1e-15 else wrapped


def _is_identity(u: Matrix, tolerance: float) -> bool:
    """Whether u is a phase times the identity, within ``tolerance`` on its entries."""
    off = max(abs(u[0, 1]), abs(u[1, 0]), abs(u[0, 0] - u[1, 1]))
    return bool(off <= tolerance)


def _fusable(op: ir.Operation) -> Angles | None:
    """The angles of a single-wire gate with constant angles that ``matrix`` knows, else None.
    The matrix itself is built only for the gates of a run (numpy arrays are not cheap)."""
    name = op.name
    if len(op.wires) != 1 or (name not in _ANGLED and (name not in _FIXED or op.params)):
        return None  # matrix() would say None
    angles: Angles = []
    for param in op.params:  # the symbols (usual) first: no tags to read
        value = constant(param)
        if value is None:
            return None
        angles.append(value)
    tags = op.tags
    if tags.role == "channel" or tags.noise is not None:
        return None
    # may_merge(op, op) for a gate: never dropped, or dropped by a shared coin
    tag = tags.dropout
    return None if tag is not None and tag.group is None else angles


def _runs(ops: Sequence[ir.Operation], gates: Sequence[Angles | None]) -> list[list[int]]:
    """Maximal runs (indices) of two or more fusable (``gates[i]`` not None), pairwise
    mergeable gates, per wire."""
    runs: list[list[int]] = []
    current: dict[int, list[int]] = {}  # wire -> the run being collected on it
    for index, op in enumerate(ops):
        if gates[index] is None:  # a gate that is not fusable ends the runs on its wires
            for wire in op.wires:
                ended = current.pop(wire, None)
                if ended is not None and len(ended) >= 2:
                    runs.append(ended)
            continue
        wire = op.wires[0]  # a fusable gate has a single wire
        run = current.get(wire)
        if run is not None and may_merge(ops[run[-1]], op):
            run.append(index)
            continue
        if run is not None and len(run) >= 2:
            runs.append(run)
        current[wire] = [index]
    runs.extend(run for run in current.values() if len(run) >= 2)
    return runs


def _fused(
    ops: Sequence[ir.Operation], gates: Sequence[Angles | None], run: list[int], tolerance: float
) -> ir.Operation | None:
    """The u3 equal to the run's product up to phase, or None when that is the identity."""
    product = np.eye(2, dtype=np.complex128)
    for index in run:
        values = gates[index]
        gate = None if values is None else matrix(ops[index].name, values)
        assert gate is not None
        product = gate @ product
    if _is_identity(product, tolerance):
        return None
    first = ops[run[0]]
    angles = tuple(ir.Num(a) for a in zyz(product, tolerance))
    return ir.Operation("u3", first.wires, angles, first.tags, first.span)


def _fuse_once(
    ops: Sequence[ir.Operation], gates: Sequence[Angles | None], tolerance: float
) -> tuple[list[ir.Operation], list[Angles | None], bool]:
    """The ops with every run fused, their _fusable angles, and whether a run vanished (as
    the identity)."""
    out: list[ir.Operation | None] = list(ops)
    out_gates = list(gates)
    vanished = False
    for run in _runs(ops, gates):
        fused = _fused(ops, gates, run, tolerance)
        out[run[0]], out_gates[run[0]] = fused, None if fused is None else _fusable(fused)
        vanished = vanished or fused is None
        for index in run[1:]:
            out[index] = None
    kept = [(op, angles) for op, angles in zip(out, out_gates) if op is not None]
    return [op for op, _ in kept], [angles for _, angles in kept], vanished


def rule(program: ir.Program, *, context: Context | None = None) -> ir.Program:
    """On each wire, every maximal run of two or more consecutive single-wire gates with
    constant angles that may merge (common.may_merge) becomes one ``u3`` equal to the run's
    product up to global phase, at the run's first gate (its tags and span); a run whose
    product is the identity up to phase disappears. Channels, multi-wire gates, symbolic
    angles and gates that may not merge end a run; a lone gate is never rewritten.

    >>> import dreamlang
    >>> src = "model m { qubits 1\\n h on 0\\n s on 0\\n h on 0\\n z on 0\\n z on 0\\n measure expval Z on 0 }"
    >>> [(op.name, [round(p.value, 6) for p in op.params]) for op in rule(dreamlang.parse(src)).model.ops]
    [('u3', [1.570796, -1.570796, 1.570796])]
    >>> src = "model m { qubits 1\\n h on 0\\n x on 0\\n h on 0\\n z on 0\\n measure expval Z on 0 }"
    >>> rule(dreamlang.parse(src)).model.ops
    ()
    """
    context = context or Context()
    ops = list(program.model.ops) if program.model is not None else []
    # Removing an identity run can make the gates around it a new run, so fuse again then.
    # Otherwise the result has no run left: a u3 has its run's first tags, and the run was
    # maximal, so the gates next to it could not extend it and cannot extend the u3.
    gates = [_fusable(op) for op in ops]  # once per op: every pass and product needs it
    vanished = True
    while vanished:
        ops, gates, vanished = _fuse_once(ops, gates, context.tolerance)
    return with_ops(program, ops)
