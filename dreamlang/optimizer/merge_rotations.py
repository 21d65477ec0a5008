"""merge_rotations: merge same-axis rotations on the same wires into one, across commuting gates."""

from __future__ import annotations

from dreamlang import ir

from .common import Context, WireIndex, is_channel, may_merge, ops_of, with_ops
from .commutation import partner_scan, wire_key

__all__ = ["mergeable", "rule"]

# One-angle gates G(a) G(b) = G(a + b) exactly. rxx ryy rzz and cphase are symmetric in their
# wires; crx cry crz need the same control and target. rz and phase differ by a phase: never mixed.
ROTATIONS = frozenset(
    {"rx", "ry", "rz", "phase", "rxx", "ryy", "rzz", "cphase", "crx", "cry", "crz"}
)


def mergeable(a: ir.Operation, b: ir.Operation) -> bool:
    """Whether the rotations ``a`` and ``b`` (adjacent) may become one: same name, same wires
    (up to symmetry), one angle each, and tags that ``may_merge``."""
    return (
        a.name == b.name
        and a.name in ROTATIONS
        and wire_key(a) == wire_key(b)
        and len(a.params) == len(b.params) == 1
        and may_merge(a, b)
    )


def _sum(a: ir.Expr, b: ir.Expr) -> ir.Expr:
    if isinstance(a, ir.Num) and isinstance(b, ir.Num):
        return ir.Num(a.value + b.value)
    return ir.Binary("+", a, b)


def _partner(ops: list[ir.Operation | None], wires: WireIndex, index: int) -> int | None:
    """The earlier rotation that ``ops[index]`` merges into after moving left across the gates
    it commutes with, or None."""
    op = ops[index]
    assert op is not None
    name = op.name
    return partner_scan(wires, index, lambda other: other.name == name and mergeable(other, op))


def _candidate(op: ir.Operation) -> bool:
    """Whether ``op`` is a rotation that may merge with an earlier one of its name and wires
    (the conditions of ``mergeable`` that do not depend on the other gate)."""
    tag = op.tags.dropout
    return (
        op.name in ROTATIONS
        and len(op.params) == 1
        and not is_channel(op)
        and (tag is None or tag.group is not None)
    )


def rule(program: ir.Program, *, context: Context | None = None) -> ir.Program:
    """``program`` with runs of same-axis rotations merged: ``rz(a) rz(b)`` becomes
    ``rz(a + b)`` (numbers are added), at the earlier gate's place, with its tags and span.

    The later gate moves left across the gates it commutes with on its wires; channels block,
    and ``may_merge`` must allow the pair (dropout: never dropped, or dropped by one coin).

    >>> import dreamlang
    >>> src = ("model m { qubits 2\\n param w[2]\\n rz(w[0]) on 0\\n cnot on [0, 1]\\n"
    ...        " rz(w[1]) on 0\\n rx(0.5) on 1\\n rx(0.25) on 1\\n measure expval Z on 1 }")
    >>> for op in rule(dreamlang.parse(src)).model.ops:
    ...     print(op.name, op.wires, op.params)
    rz (0,) (Binary(op='+', left=ParamRef(name='w', index=(0,)), right=ParamRef(name='w', index=(1,))),)
    cnot (0, 1) ()
    rx (1,) (Num(value=0.75),)
    """
    del context  # merging is exact and structural: no tolerance is needed
    ops: list[ir.Operation | None] = list(ops_of(program))
    wires: WireIndex | None = None  # built at the first scan: many programs need none
    # (wire key, name) -> how many rotations before the current one are left with them: when
    # there is none, the scan cannot find a partner. A merge keeps the earlier one's key.
    left: dict[tuple[tuple[int, ...], str], int] = {}
    for index, op in enumerate(ops):
        if op is None or op.name not in ROTATIONS or not _candidate(op):  # the name: no call
            continue
        key = (wire_key(op), op.name)
        j = None
        if left.get(key):
            wires = wires or WireIndex(ops)
            j = _partner(ops, wires, index)
        earlier = None if j is None else ops[j]
        if j is not None and earlier is not None:
            angle = _sum(earlier.params[0], op.params[0])
            merged = ir.Operation(earlier.name, earlier.wires, (angle,), earlier.tags, earlier.span)
            ops[j], ops[index] = merged, None
        else:
            left[key] = left.get(key, 0) + 1
    return with_ops(program, [op for op in ops if op is not None])
