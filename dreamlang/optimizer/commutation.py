"""When two IR operations provably commute: a conservative, exact test on gate names and wires."""

from __future__ import annotations

from dreamlang import ir

from .common import is_channel

__all__ = ["commutes", "same_gate", "wire_key"]

# The single-wire Paulis a gate commutes with on each of its wires, in wire order: on a wire
# where both gates commute with the same Pauli, each is block-diagonal in that Pauli's basis.
_X, _Y, _Z, _NONE = frozenset("X"), frozenset("Y"), frozenset("Z"), frozenset[str]()
_AXES: dict[str, tuple[frozenset[str], ...]] = {
    **{name: (_Z,) for name in ("z", "s", "sdg", "t", "tdg", "rz", "phase")},
    **{name: (_X,) for name in ("x", "rx", "sx", "sxdg")},
    **{name: (_Y,) for name in ("y", "ry")},
    "cnot": (_Z, _X),
    "crx": (_Z, _X),
    "cy": (_Z, _Y),
    "cry": (_Z, _Y),
    "ch": (_Z, _NONE),
    **{name: (_Z, _Z) for name in ("cz", "crz", "cphase", "rzz")},
    "rxx": (_X, _X),
    "ryy": (_Y, _Y),
    "ccx": (_Z, _Z, _X),
    "cswap": (_Z, _NONE, _NONE),
}
# Gates whose matrix is unchanged when these wire positions are permuted among themselves.
_SYMMETRIC: dict[str, tuple[int, int]] = {
    **{name: (0, 2) for name in ("cz", "swap", "iswap", "rxx", "ryy", "rzz", "cphase")},
    "ccx": (0, 2),  # the two controls
    "cswap": (1, 3),  # the two targets
}


def same_gate(a: ir.Operation, b: ir.Operation) -> bool:
    """Whether two operations are the same matrix on the same wires (same name and parameters,
    wires equal up to the gate's symmetries: ``cz on [0, 1]`` is ``cz on [1, 0]``)."""
    return a.name == b.name and a.params == b.params and wire_key(a) == wire_key(b)


def wire_key(op: ir.Operation) -> tuple[int, ...]:
    """The wires of ``op`` in a canonical order: sorted among positions the gate is symmetric
    in (both wires of ``cz swap iswap rxx ryy rzz cphase``, ``ccx``'s controls, ``cswap``'s
    targets), so two gates of one name are the same matrix when their keys are equal."""
    if op.name not in _SYMMETRIC:
        return op.wires
    start, stop = _SYMMETRIC[op.name]
    return (*op.wires[:start], *sorted(op.wires[start:stop]), *op.wires[stop:])


def _axes_on(op: ir.Operation, wire: int) -> frozenset[str]:
    axes = _AXES.get(op.name)
    if axes is None or len(axes) != len(op.wires):
        return _NONE
    return axes[op.wires.index(wire)]


def commutes(a: ir.Operation, b: ir.Operation) -> bool:
    """True only when ``a`` and ``b`` provably commute, for every value of their angles.

    They do when they act on disjoint wires; when one is ``i``; when they are the same gate on
    the same wires; and when, on every wire they share, both commute with one same Pauli: both
    diagonal there, or both X-type, or both Y-type (two diagonal gates, a diagonal gate on a
    control, an ``x`` on a ``cnot``'s target, ``rx`` next to ``rxx``, ``rx(a)`` next to
    ``rx(b)``). A channel commutes with nothing on a shared wire.

    >>> from dreamlang import ir
    >>> commutes(ir.Operation("rz", (0,)), ir.Operation("cnot", (0, 1)))
    True
    >>> commutes(ir.Operation("rz", (1,)), ir.Operation("cnot", (0, 1)))
    False
    """
    shared = set(a.wires) & set(b.wires)
    if not shared:
        return True
    if is_channel(a) or is_channel(b):
        return False
    if same_gate(a, b) or "i" in (a.name, b.name):
        return True
    return all(_axes_on(a, wire) & _axes_on(b, wire) for wire in shared)
