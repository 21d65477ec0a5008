"""Removes gates that are the identity up to a global phase: ``i`` and rotations by full turns."""

from __future__ import annotations

import math

from dreamlang import ir

from .common import Context, constant, is_channel, ops_of, with_ops

__all__ = ["is_identity", "rule"]

_TURN = 2.0 * math.pi
# Gate -> the period of its angle at which it is the identity up to a global phase. At odd
# multiples of 2*pi the Pauli rotations are -I (a global phase), while a controlled rotation
# is Z on its control: those only vanish at multiples of 4*pi.
_PERIOD: dict[str, float] = {
    **dict.fromkeys(("rx", "ry", "rz", "rxx", "ryy", "rzz"), _TURN),
    **dict.fromkeys(("phase", "cphase"), _TURN),
    **dict.fromkeys(("crx", "cry", "crz"), 2.0 * _TURN),
}
# Euler gates -> (index of theta, indices of the two angles whose sum must be a full turn):
# rot(phi, theta, omega) = RZ(omega) RY(theta) RZ(phi) and
# u3(theta, phi, lam) = [[c, -e^{i lam} s], [e^{i phi} s, e^{i (phi + lam)} c]] are the identity
# up to phase exactly when theta and the sum of the other two are multiples of 2*pi.
_EULER: dict[str, tuple[int, tuple[int, int]]] = {"rot": (1, (0, 2)), "u3": (0, (1, 2))}
_NAMES = frozenset({"i", *_PERIOD, *_EULER})  # the gates that may be the identity


def rule(program: ir.Program, *, context: Context | None = None) -> ir.Program:
    """``program`` without the gates that are the identity: ``i``; phase and cphase at a
    multiple of 2*pi; rx, ry, rz, rxx, ryy, rzz, crx, cry and crz at a multiple of 4*pi; rot
    whose theta and phi + omega are multiples of 4*pi, u3 whose theta is a multiple of 4*pi and
    phi + lam of 2*pi. Without ``context.exact_phase`` (-O2), also the gates that are the
    identity up to a global phase: rx, ry, rz, rxx, ryy, rzz at a multiple of 2*pi (-I), rot
    and u3 whose theta and the sum of their other two angles are multiples of 2*pi. Angles
    must be constants (symbols and schedules never are); droppable gates go too, since
    dropping the identity changes nothing.

    >>> import dreamlang
    >>> src = "model m { qubits 2\\n param w[1]\\n i on 0\\n rx(4 * pi) on 0\\n crx(2 * pi) on [0, 1]\\n ry(w[0]) on 1\\n rz(2 * pi) on 1\\n measure expval Z on 0 }"
    >>> [op.name for op in rule(dreamlang.parse(src)).model.ops]
    ['crx', 'ry', 'rz']
    >>> [op.name for op in rule(dreamlang.parse(src), context=Context(exact_phase=False)).model.ops]
    ['crx', 'ry']
    """
    context = context or Context()
    tolerance, exact_phase = context.tolerance, context.exact_phase
    keep = [
        op
        for op in ops_of(program)
        if op.name not in _NAMES or not is_identity(op, tolerance, exact_phase)  # no call
    ]
    return with_ops(program, keep)


def is_identity(op: ir.Operation, tolerance: float, exact_phase: bool = False) -> bool:
    """Whether a gate is the identity (with ``exact_phase``) or the identity up to a global
    phase, its constant angles within ``tolerance`` (absolute, on the angle modulo its
    period)."""
    if op.name not in _PERIOD and op.name not in _EULER:  # most gates: no angle, no tags read
        return op.name == "i" and not is_channel(op)
    if is_channel(op):
        return False
    if op.name in _PERIOD:
        period = _PERIOD[op.name]
        if exact_phase and op.name not in ("phase", "cphase"):
            period = 2.0 * _TURN  # exp(-i 2pi P / 2) = -I: only 4*pi is exactly the identity
        return _full_turns(op.params[0], period, tolerance)
    if op.name in _EULER:
        theta, (a, b) = _EULER[op.name]
        if constant(op.params[theta]) is None:  # symbolic (usual): no sum to build and walk
            return False
        total = ir.Binary("+", op.params[a], op.params[b])
        if exact_phase and op.name == "rot":
            # RY(theta) = +-I at theta = 0, 2*pi (mod 4*pi); the two RZs then need the same sign:
            # exactly I when theta is a full turn and theta + phi + omega a multiple of 4*pi.
            total = ir.Binary("+", total, op.params[theta])
            return _full_turns(op.params[theta], _TURN, tolerance) and _full_turns(
                total, 2.0 * _TURN, tolerance
            )
        # u3(0, phi, lam) = diag(1, e^{i(phi + lam)}), and u3(2*pi, ...) = -diag(...).
        theta_period = 2.0 * _TURN if exact_phase else _TURN
        return _full_turns(op.params[theta], theta_period, tolerance) and _full_turns(
            total, _TURN, tolerance
        )
    return False


def _full_turns(angle: ir.Expr, period: float, tolerance: float) -> bool:
    """Whether ``angle`` is a constant within ``tolerance`` of a multiple of ``period``."""
    value = constant(angle)
    if value is None or not math.isfinite(value):
        return False
    return abs(math.remainder(value, period)) <= tolerance
