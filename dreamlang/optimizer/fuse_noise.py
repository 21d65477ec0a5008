"""Fuses two channels of the same kind in a row on one wire into one with composed strengths."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from dreamlang import ir

from .common import Context, constant, is_channel, ops_of, with_ops

__all__ = ["compose", "rule"]

Values = tuple[ir.Expr, ...]
# A fused value is never larger than this many expression nodes (schedules make trees): a
# Pauli channel's values hold every value of both channels, so chains would grow exponentially.
MAX_NODES = 200


def rule(program: ir.Program, *, context: Context | None = None) -> ir.Program:
    """``program`` with each run of channels of the same kind on one wire, nothing between
    them on that wire and the same noise mode, fused into the first of them, whose tags and
    span it keeps. The strengths compose exactly (numbers, or expressions of epoch schedules);
    ``kraus`` channels, and damping channels whose other values differ, are left alone.

    >>> import dreamlang
    >>> src = "model m { qubits 2\\n bit_flip(0.1) on 0\\n h on 1\\n bit_flip(0.2) on 0\\n measure expval Z on 0 }"
    >>> [(op.name, op.params) for op in rule(dreamlang.parse(src)).model.ops]
    [('bit_flip', (Num(value=0.26),)), ('h', ())]
    """
    if not any(map(is_channel, ops_of(program))):  # most programs: nothing to fuse
        return program
    ops: list[ir.Operation | None] = list(ops_of(program))
    last: dict[int, int] = {}  # wire -> index of the last op kept on it
    fused = False
    for index, op in enumerate(ops):
        assert op is not None
        # Only a channel fuses (with a channel before it): _fuse asks that of both.
        previous = last.get(op.wires[0]) if len(op.wires) == 1 and is_channel(op) else None
        first = None if previous is None else ops[previous]
        merged = None if first is None else _fuse(first, op)
        if merged is not None and previous is not None:
            ops[previous], ops[index], fused = merged, None, True
            continue
        for wire in op.wires:
            last[wire] = index
    if not fused:
        return program
    return with_ops(program, [op for op in ops if op is not None])


def _fuse(first: ir.Operation, second: ir.Operation) -> ir.Operation | None:
    """The one channel equal to ``first`` then ``second``, or None when they do not fuse."""
    if first.name != second.name or first.name not in _COMPOSE or first.wires != second.wires:
        return None
    if not (is_channel(first) and is_channel(second)) or not _same_mode(first, second):
        return None
    values = compose(first.name, first.params, second.params)
    if values is None or any(sum(1 for _ in ir.walk(v)) > MAX_NODES for v in values):
        return None
    return dataclasses.replace(first, params=values)


def _same_mode(a: ir.Operation, b: ir.Operation) -> bool:
    """Both present in the same modes: no noise tag on either, or the same mode on both."""
    if a.tags.dropout is not None or b.tags.dropout is not None:
        return False
    mode_a = None if a.tags.noise is None else a.tags.noise.mode
    mode_b = None if b.tags.noise is None else b.tags.noise.mode
    return (a.tags.noise is None) == (b.tags.noise is None) and mode_a == mode_b


def compose(name: str, first: Sequence[ir.Expr], second: Sequence[ir.Expr]) -> Values | None:
    """The values of channel ``name`` equal to ``first``'s channel then ``second``'s (None
    when no single channel of that kind is)."""
    return _COMPOSE[name](tuple(first), tuple(second)) if name in _COMPOSE else None


def _flip(scale: int, shrink: int) -> Callable[[Values, Values], Values | None]:
    """Channels that multiply a factor 1 - (scale/shrink) p: depolarizing (4/3: the Bloch
    vector), bit and phase flips (2: one Bloch component), the dampings (1: sqrt of the
    coherence, and the excited population)."""

    def fused(a: Values, b: Values) -> Values | None:
        return (_survival(a[0], b[0], scale, shrink),)

    return fused


def _survival(a: ir.Expr, b: ir.Expr, scale: int, shrink: int) -> ir.Expr:
    """The p with 1 - k p = (1 - k a)(1 - k b), k = scale / shrink."""
    x, y = constant(a), constant(b)
    if x is not None and y is not None:
        value = x + y - scale * x * y / shrink
        return ir.Num(min(max(value, 0.0), 1.0))

    def factor(p: ir.Expr) -> ir.Expr:  # 1 - k p, each value appearing once
        return _bin("-", ir.Num(1.0), _bin("/", _bin("*", ir.Num(scale), p), ir.Num(shrink)))

    kept = _bin("-", ir.Num(1.0), _bin("*", factor(a), factor(b)))
    return _bin("/", _bin("*", ir.Num(shrink), kept), ir.Num(scale))


def _pauli(a: Values, b: Values) -> Values | None:
    """Pauli probabilities multiply like the Klein group: X after Y is Z, and so on."""
    numbers = [constant(v) for v in (*a, *b)]
    if all(n is not None for n in numbers):
        ax, ay, az, bx, by, bz = (float(n) for n in numbers)  # type: ignore[arg-type]
        a0, b0 = 1.0 - ax - ay - az, 1.0 - bx - by - bz
        fused = (
            a0 * bx + ax * b0 + ay * bz + az * by,
            a0 * by + ay * b0 + ax * bz + az * bx,
            a0 * bz + az * b0 + ax * by + ay * bx,
        )
        return tuple(ir.Num(min(max(v, 0.0), 1.0)) for v in fused)
    ident_a = _bin("-", _bin("-", _bin("-", ir.Num(1.0), a[0]), a[1]), a[2])
    ident_b = _bin("-", _bin("-", _bin("-", ir.Num(1.0), b[0]), b[1]), b[2])
    out = []
    for k, (i, j) in enumerate(((1, 2), (0, 2), (0, 1))):  # the two others of X, Y, Z
        terms = (
            _bin("*", ident_a, b[k]),
            _bin("*", a[k], ident_b),
            _bin("*", a[i], b[j]),
            _bin("*", a[j], b[i]),
        )
        out.append(_bin("+", _bin("+", _bin("+", terms[0], terms[1]), terms[2]), terms[3]))
    return tuple(out)


def _generalized(a: Values, b: Values) -> Values | None:
    """gamma composes like amplitude damping when both relax to the same population p."""
    if not _equal(a[1], b[1]):
        return None
    return _survival(a[0], b[0], 1, 1), a[1]


def _thermal(a: Values, b: Values) -> Values | None:
    """With the same t1 and t2, relaxing for one time then another is relaxing for the sum."""
    if not (_equal(a[0], b[0]) and _equal(a[1], b[1])):
        return None
    return a[0], a[1], _bin("+", a[2], b[2])


def _equal(a: ir.Expr, b: ir.Expr) -> bool:
    if a == b:
        return True
    x, y = constant(a), constant(b)
    return x is not None and x == y


def _bin(op: str, left: ir.Expr, right: ir.Expr) -> ir.Expr:
    """left op right, a number when both sides are numbers, without * 1 and / 1."""
    if isinstance(left, ir.Num) and isinstance(right, ir.Num):
        value = constant(ir.Binary(op, left, right))
        if value is not None:
            return ir.Num(value)
    if op in ("*", "/") and isinstance(right, ir.Num) and right.value == 1.0:
        return left
    if op == "*" and isinstance(left, ir.Num) and left.value == 1.0:
        return right
    return ir.Binary(op, left, right)


_COMPOSE: dict[str, Callable[[Values, Values], Values | None]] = {
    "depolarizing": _flip(4, 3),
    "bit_flip": _flip(2, 1),
    "phase_flip": _flip(2, 1),
    "amplitude_damping": _flip(1, 1),
    "phase_damping": _flip(1, 1),
    "pauli_channel": _pauli,
    "generalized_amplitude_damping": _generalized,
    "thermal_relaxation": _thermal,
}
