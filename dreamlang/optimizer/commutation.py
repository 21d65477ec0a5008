"""When two IR operations provably commute: a conservative, exact test on gate names and wires."""

from __future__ import annotations

import bisect
import functools
from collections.abc import Callable, Mapping

from dreamlang import ir

from .common import WireIndex, is_channel

__all__ = ["axes", "commutes", "commuting_with", "partner_scan", "same_gate", "wire_key"]

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
    wires_a, wires_b = a.wires, b.wires
    on_a = on_b = None
    for wire in wires_b:  # commuting_with(b)(a), without building the test: one gate, once
        if wire not in wires_a:
            continue
        if on_a is None or on_b is None:  # the first shared wire
            if is_channel(a) or is_channel(b):
                return False
            if a.name == "i" or b.name == "i":
                return True
            on_a, on_b = axes(a.name, wires_a), axes(b.name, wires_b)
        if not on_a[wire] & on_b[wire]:
            return same_gate(a, b)
    return True


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


def partner_scan(
    wires: WireIndex, index: int, is_partner: Callable[[ir.Operation], bool]
) -> int | None:
    """The position of the nearest earlier op that ``is_partner`` accepts, reached from
    ``ops[index]`` (``wires.ops``) across the gates it commutes with, or None when a gate
    it does not commute with comes first (the scan of cancel_inverses and merge_rotations).

    A partner acts on all the wires of ``ops[index]``, so one wire decides alone: when the
    first gate back on it that is a partner or a blocker is a blocker (or there is none),
    every partner lies behind that blocker, which the merged scan meets first. The wires are
    walked in turns, so a short wire decides before a long one is walked to its end.
    """
    ops = wires.ops
    op = ops[index]
    assert op is not None
    if len(op.wires) == 1:  # the usual case, without the bookkeeping of the turns
        positions = wires.by_wire[op.wires[0]]
        for k in range(bisect.bisect_left(positions, index) - 1, -1, -1):
            other = ops[positions[k]]
            if other is not None:
                if is_partner(other):
                    return positions[k]
                if not commutes(other, op):
                    return None
        return None
    lists = [wires.by_wire[wire] for wire in op.wires]  # per wire: its positions
    places = [bisect.bisect_left(positions, index) - 1 for positions in lists]  # going back
    stop = -1  # the partner the wires came to
    while True:
        walking = False
        for w, positions in enumerate(lists):
            k = places[w]
            if k < -1:  # this wire came to a partner already
                continue
            while k >= 0 and ops[positions[k]] is None:  # removed
                k -= 1
            if k < 0:
                return None  # no partner on this wire
            other = ops[positions[k]]
            assert other is not None
            if is_partner(other):
                if stop >= 0 and stop != positions[k]:
                    return _merged_scan(wires, index, is_partner)  # never: one partner
                stop, places[w] = positions[k], -2
            elif not commutes(other, op):
                return None
            else:
                places[w], walking = k - 1, True
        if not walking:
            return stop if stop >= 0 else None


def _merged_scan(
    wires: WireIndex, index: int, is_partner: Callable[[ir.Operation], bool]
) -> int | None:
    """partner_scan over all the wires at once, nearest gate first."""
    ops = wires.ops
    op = ops[index]
    assert op is not None
    commutes_with_op = commuting_with(op)
    for j in wires.before(index):
        other = ops[j]
        if other is None:
            continue
        if is_partner(other):
            return j
        if not commutes_with_op(other):
            return None
    return None
