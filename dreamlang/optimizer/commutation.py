"""When two IR operations provably commute: a conservative, exact test on gate names and wires."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping

from dreamlang import ir

from .common import is_channel

__all__ = ["axes", "commutes", "commuting_with", "same_gate", "wire_key"]

# The single-wire Paulis a gate commutes with on each of its wires, in wire order: on a wire
# where both gates commute with the same Pauli, each is block-diagonal in that Pauli's basis.
# A set of Paulis is a bit mask (X, Y, Z one bit each), so "commute with one same Pauli" is a
# nonzero ``&`` of two ints: cheaper than frozensets in the optimizer's scans.
_X, _Y, _Z, _NONE = 1, 2, 4, 0
_AXES: dict[str, tuple[int, ...]] = {
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


@functools.lru_cache(maxsize=4096)
def axes(name: str, wires: tuple[int, ...]) -> Mapping[int, int]:
    """Wire -> the Paulis (a bit mask) that gate ``name`` on ``wires`` commutes with there;
    every wire is a key (0: none). Cached: the scans ask for the same few placements over
    and over. The mapping is shared, never modify it."""
    masks = _AXES.get(name)
    if masks is None or len(masks) != len(wires):
        masks = (_NONE,) * len(wires)
    on: dict[int, int] = {}
    for wire, mask in zip(wires, masks):
        on.setdefault(wire, mask)  # the first position of a repeated wire, like wires.index
    return on


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
    return commuting_with(b)(a)


def commuting_with(b: ir.Operation) -> Callable[[ir.Operation], bool]:
    """The test ``commutes(a, b)`` as a function of ``a``, with what depends on ``b`` worked
    out once: the scans of cancel_inverses and merge_rotations test one gate against many.

    >>> from dreamlang import ir
    >>> [commuting_with(ir.Operation("cnot", (0, 1)))(ir.Operation(g, (0,))) for g in "zx"]
    [True, False]
    """
    wires_b, name_b = b.wires, b.name
    blocks_all, free, on_b = is_channel(b), name_b == "i", axes(name_b, wires_b)

    def check(a: ir.Operation) -> bool:
        wires_a, on_a = a.wires, None
        for wire in wires_b:
            if wire not in wires_a:
                continue
            if on_a is None:  # the first shared wire: the tests that are not per wire
                tags = a.tags
                if blocks_all or tags.role == "channel" or tags.noise is not None:
                    return False  # is_channel(a) or is_channel(b), inlined: a hot loop
                if free or a.name == "i":
                    return True
                on_a = axes(a.name, wires_a)
            if not on_a[wire] & on_b[wire]:
                return same_gate(a, b)  # last: it compares the angles' expression trees
        return True  # no shared wire, or both commute with one Pauli on each

    return check
