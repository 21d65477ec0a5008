"""cancel_inverses: remove pairs of gates whose product is the identity, across commuting gates."""

from __future__ import annotations

from dreamlang import ir

from .common import (
    Context,
    WireIndex,
    constant,
    first_leaf,
    is_channel,
    may_merge,
    ops_of,
    with_ops,
)
from .commutation import partner_scan, wire_key

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


# Every gate that can be half of a pair; any other gate is passed over without a look.
_PAIRED = SELF_INVERSE | ROTATIONS | ADJOINT.keys()
# What a gate and the gate that cancels it must share: wire key, name, and for a rotation
# its angle's _symbol.
Signature = tuple[tuple[int, ...], str, object]


def _symbol(angle: ir.Expr) -> object:
    """The first symbol of the angle under its leading minus signs (None: no symbol). When
    two angles cancel, one is the other negated, or both are constants, so both give the same
    symbol or both None: a cheap necessary test that hashes no expression tree."""
    while isinstance(angle, ir.Neg):
        angle = angle.operand
    symbol = first_leaf(angle, _SYMBOLS)
    if symbol is None:
        return None
    return type(symbol), symbol.name, symbol.index  # a tuple hashes quicker than the dataclass


_SYMBOLS = (ir.ParamRef, ir.InputRef)


def _signatures(op: ir.Operation) -> tuple[Signature | None, Signature | None]:
    """The signature of ``op`` (of a gate in _PAIRED) as the earlier gate of a pair, and the
    one an earlier gate needs to cancel it (see inverse_pair); None when it can be neither (a
    channel, a rotation without one angle) or cannot look back (an independent dropout coin,
    which may_merge refuses)."""
    tags = op.tags
    if tags.role == "channel" or tags.noise is not None:  # is_channel, inlined: a hot loop
        return None, None
    name, key = op.name, wire_key(op)
    if name in ROTATIONS:
        if len(op.params) != 1:
            return None, None
        own: Signature = (key, name, _symbol(op.params[0]))
    else:
        own = (key, name, None)
    tag = tags.dropout
    if tag is not None and tag.group is None:
        return own, None
    return own, own if name not in ADJOINT else (key, ADJOINT[name], None)


def _partner(
    ops: list[ir.Operation | None],
    wires: WireIndex,
    index: int,
    wanted: Signature,
    tolerance: float,
) -> int | None:
    """The earlier op (with signature ``wanted``) that ``ops[index]`` cancels with after
    moving left across the gates it commutes with, or None."""
    op = ops[index]
    assert op is not None
    key, name, _ = wanted

    def is_partner(other: ir.Operation) -> bool:
        # The cheap tests first: a partner has this name and wire key (see inverse_pair).
        return (
            other.name == name
            and wire_key(other) == key
            and may_merge(other, op)
            and inverse_pair(other, op, tolerance)
        )

    return partner_scan(wires, index, is_partner)


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
    wires: WireIndex | None = None  # built at the first scan: many programs need none
    # Signature -> how many gates before the current one are left with it: when no gate with
    # the signature a partner needs is left, the scan cannot find one, so it is skipped.
    left: dict[Signature, int] = {}
    for index, op in enumerate(ops):
        if op is None or op.name not in _PAIRED:
            continue
        own, wanted = _signatures(op)
        count = 0 if wanted is None else left.get(wanted, 0)
        if count and wanted is not None:
            wires = wires or WireIndex(ops)
            j = _partner(ops, wires, index, wanted, tolerance)
            if j is not None:
                ops[j] = ops[index] = None
                left[wanted] = count - 1
                continue
        if own is not None:  # usually ``wanted`` itself: its count is known, no second look-up
            left[own] = count + 1 if own is wanted else left.get(own, 0) + 1
    return with_ops(program, [op for op in ops if op is not None])
