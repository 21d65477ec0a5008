"""cancel_inverses: remove pairs of gates whose product is the identity, across commuting gates."""

from __future__ import annotations

from dreamlang import ir

from .common import Context, WireIndex, constant, is_channel, may_merge, ops_of, with_ops
from .commutation import commutes, wire_key

__all__ = ["inverse_pair", "rule"]

# Gates that are their own inverse; the wires must match up to the gate's symmetries
# (cz and swap in either order, ccx's controls and cswap's targets in either order).
SELF_INVERSE = frozenset({"h", "x", "y", "z", "cnot", "cy", "ch", "cz", "swap", "ccx", "cswap"})
ADJOINT = {"s": "sdg", "sdg": "s", "t": "tdg", "tdg": "t", "sx": "sxdg", "sxdg": "sx"}
# One-angle gates exp(-i θ G) (up to phase): inverse when the angles sum to zero. rxx ryy rzz
# and cphase are symmetric in their wires; crx cry crz need the same control and target.
ROTATIONS = frozenset(
    {"rx", "ry", "rz", "phase", "rxx", "ryy", "rzz", "cphase", "crx", "cry", "crz"}
)


def _angles_cancel(a: ir.Expr, b: ir.Expr, tolerance: float) -> bool:
    """``a + b == 0`` for every value of the symbols: one is the negation of the other, written
    out, or both are constants that sum to zero within ``tolerance``."""
    if b == ir.Neg(a) or a == ir.Neg(b):
        return True
    x, y = constant(a), constant(b)
    return x is not None and y is not None and abs(x + y) <= tolerance


def inverse_pair(a: ir.Operation, b: ir.Operation, tolerance: float = 1e-12) -> bool:
    """Whether the gate ``b`` after the gate ``a`` is the identity (up to a global phase)."""
    if is_channel(a) or is_channel(b) or wire_key(a) != wire_key(b):
        return False
    if a.name in SELF_INVERSE:
        return b.name == a.name and not a.params and not b.params
    if a.name in ADJOINT:
        return b.name == ADJOINT[a.name] and not a.params and not b.params
    if a.name in ROTATIONS and b.name == a.name and len(a.params) == len(b.params) == 1:
        return _angles_cancel(a.params[0], b.params[0], tolerance)
    return False


def _partner(
    ops: list[ir.Operation | None], wires: WireIndex, index: int, tolerance: float
) -> int | None:
    """The earlier op that ``ops[index]`` cancels with after moving left across the gates it
    commutes with, or None."""
    op = ops[index]
    assert op is not None

    def is_partner(other: ir.Operation) -> bool:
        return may_merge(other, op) and inverse_pair(other, op, tolerance)

    def passes(other: ir.Operation) -> bool:
        return commutes(other, op) and not is_partner(other)

    j = wires.previous(index, passes)
    earlier = None if j is None else ops[j]
    return j if earlier is not None and is_partner(earlier) else None


def rule(program: ir.Program, *, context: Context | None = None) -> ir.Program:
    """``program`` without the pairs of gates that undo each other.

    A gate cancels with the nearest earlier gate it is the inverse of (``h h``, ``cz`` on
    ``[0, 1]`` then ``[1, 0]``, ``s sdg``, ``rz(a) rz(-a)``, ...) when every gate between them on
    its wires commutes with it and ``may_merge`` allows the pair (dropout: never dropped, or
    dropped by one coin). Channels block. One pass from the left also cancels nested pairs.

    >>> import dreamlang
    >>> src = ("model m { qubits 2\\n param w[1]\\n rz(w[0]) on 0\\n cnot on [0, 1]\\n"
    ...        " rz(-w[0]) on 0\\n h on 1\\n h on 1\\n measure expval Z on 1 }")
    >>> [(op.name, op.wires) for op in rule(dreamlang.parse(src)).model.ops]
    [('cnot', (0, 1))]
    """
    tolerance = (context or Context()).tolerance
    ops: list[ir.Operation | None] = list(ops_of(program))
    wires = WireIndex(ops)
    for index in range(len(ops)):
        if ops[index] is None:
            continue
        j = _partner(ops, wires, index, tolerance)
        if j is not None:
            ops[j] = ops[index] = None
    return with_ops(program, [op for op in ops if op is not None])
