"""phase_polynomial: resynthesize regions of cnot and diagonal gates (Pauli gadgets) with fewer cnots."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from dreamlang import ir

from .common import Context, ops_of, with_ops
from .parity_synthesis import MAX_WIRES, Step, graysynth

__all__ = [
    "DIAGONAL",
    "MAX_TERMS",
    "RESCAN",
    "WINDOW",
    "Region",
    "phase_polynomial",
    "regions",
    "rule",
]

# Single-qubit gates that are diagonal: on a wire holding the parity f(x) of the region's inputs
# each multiplies |x> by a phase that depends on f(x) alone (rz(a): exp(-ia/2) exp(ia f)), so it
# may act wherever f is available, with the same matrix, global phase included.
DIAGONAL = frozenset({"rz", "phase", "z", "s", "sdg", "t", "tdg"})
WINDOW = 32  # a region stops growing this many skipped gates after its last member
RESCAN = 2  # failed regions may be searched again, up to this many times the ops in all
MAX_TERMS = 4096  # larger regions are left alone: GraySynth's cost grows with terms x wires


@dataclasses.dataclass(frozen=True, slots=True)
class Region:
    """A convex set of cnot and diagonal gates: ``members`` (positions, in order) may move
    together to the place of the first one, ahead of every ``skipped`` position before the last."""

    members: tuple[int, ...]
    skipped: tuple[int, ...]


def _joins(op: ir.Operation) -> bool:
    name = op.name
    if name != "cnot" and (name not in DIAGONAL or len(op.wires) != 1):
        return False
    # Dropped gates and channels stay where they are: a coin or a channel acts on the circuit
    # around it, which resynthesis would change.
    tags = op.tags
    return tags.dropout is None and tags.role != "channel" and tags.noise is None  # is_channel


def regions(
    ops: Sequence[ir.Operation], start: int = 0, joins: Sequence[bool] | None = None
) -> Region | None:
    """The first region at or after ``start``: from its first cnot on, a gate joins unless
    one of its wires was touched, after that cnot, by a gate that did not join. ``joins`` may
    give, per position, whether the gate there could join at all (computed when missing)."""
    if joins is None:
        joins = [_joins(op) for op in ops]
    # A region starts at a cnot: diagonal gates before its first cnot stay where they are.
    first = next((i for i in range(start, len(ops)) if joins[i] and ops[i].name == "cnot"), None)
    if first is None:
        return None
    members, wires = [first], set(ops[first].wires)
    skipped: list[int] = []
    blocked: set[int] = set()
    free, add, block = blocked.isdisjoint, wires.update, blocked.update  # the hot loop's calls
    for position in range(first + 1, len(ops)):
        op_wires = ops[position].wires
        # After the first gate it skips, a region takes no new wires: a gate on new wires
        # starts a region of its own there, and the regions stay small in busy circuits.
        if joins[position] and free(op_wires) and (not skipped or wires.issuperset(op_wires)):
            members.append(position)
            add(op_wires)
        else:
            skipped.append(position)
            block(op_wires)
            # Once all its wires are blocked, a gate that joins would start on fresh wires:
            # a region of its own, found by the next search.
            if wires <= blocked or position - members[-1] > WINDOW:
                break
    last = members[-1]
    return Region(tuple(members), tuple(p for p in skipped if p < last))


def phase_polynomial(
    ops: Sequence[ir.Operation], wires: Sequence[int]
) -> tuple[list[tuple[int, ir.Operation]], list[int]]:
    """The region's phase polynomial: (parity, gate) terms, a parity being a bit mask over
    ``wires`` (bit i: wire i's input), and the linear map (the parity each wire ends with)."""
    local = {w: i for i, w in enumerate(wires)}
    parity = [1 << i for i in range(len(wires))]
    terms = []
    for op in ops:
        if op.name == "cnot":
            control, target = (local[w] for w in op.wires)
            parity[target] ^= parity[control]
        else:
            terms.append((parity[local[op.wires[0]]], op))
    return terms, parity


def _emit(
    steps: list[Step],
    terms: list[tuple[int, ir.Operation]],
    wires: Sequence[int],
    cnots: list[ir.Operation],
) -> list[ir.Operation]:
    """Operations for the synthesized steps: the region's own diagonal gates, moved, and new
    cnots that take the tags and spans of the old ones in turn (a gate that lands where it
    was is kept as it is)."""
    out: list[ir.Operation] = []
    count = 0
    for kind, a, b in steps:
        if kind == "cx":
            model = cnots[min(count, len(cnots) - 1)]
            placed = (wires[a], wires[b])
            same = model.wires == placed
            out.append(model if same else ir.Operation("cnot", placed, (), model.tags, model.span))
            count += 1
        else:
            op = terms[a][1]
            same = op.wires[0] == wires[b]
            out.append(
                op if same else ir.Operation(op.name, (wires[b],), op.params, op.tags, op.span)
            )
    return out


def _components(members: Sequence[ir.Operation]) -> list[list[ir.Operation]]:
    """The members split by the wires their cnots connect (gates on wires that no cnot touches
    form one-wire parts): parts on disjoint wires commute, so each may be resynthesized alone."""
    group: dict[int, list[int]] = {}  # wire -> the wires of its part (one list per part)
    for op in members:
        if op.name == "cnot":
            a, b = op.wires
            first, second = group.get(a), group.get(b)
            if first is None:
                first = group[a] = [a]
            if second is None:
                second = group[b] = [b]
            if first is not second:
                if len(first) < len(second):
                    first, second = second, first
                first.extend(second)
                for wire in second:
                    group[wire] = first
    parts: dict[int, list[ir.Operation]] = {}
    for op in members:
        wire = op.wires[0]
        key = group[wire][0] if wire in group else wire
        if key in parts:
            parts[key].append(op)
        else:
            parts[key] = [op]
    return list(parts.values())


def _fewest_cnots(terms: list[tuple[int, ir.Operation]], final: list[int]) -> int:
    """A lower bound on the cnots of any circuit for the part. Each cnot changes one wire, so
    it brings at most one parity that no wire held before; every parity beyond the inputs
    that a term needs or a wire ends with is one. When every wire ends with an input again,
    the last cnot that changes a wire back brings none."""
    needed = {p for p, _ in terms if p & (p - 1)}
    ends = {p for p in final if p & (p - 1)}
    return len(needed | ends) + (1 if needed and not ends else 0)


@dataclasses.dataclass(slots=True)
class Cache:
    """What the rule learnt in one optimize() call (its Context), not across calls."""

    # (sorted term parities, final map) -> the fewest cnots GraySynth found for them; it
    # spares the confirming round of the fixed point (and repeated regions) a second synthesis.
    counts: dict[tuple[tuple[int, ...], tuple[int, ...]], int] = dataclasses.field(
        default_factory=dict
    )
    # The ids of a region's gates -> those gates, for regions where no part got cheaper.
    failed: dict[tuple[int, ...], list[ir.Operation]] = dataclasses.field(default_factory=dict)


def _synthesize(part: list[ir.Operation], cache: Cache) -> list[ir.Operation] | None:
    """One connected part resynthesized, or None when that does not save a cnot."""
    cnots = [op for op in part if op.name == "cnot"]
    if len(cnots) < 2:  # one cnot is the fewest any circuit for it could have
        return None
    wires = sorted({w for op in part for w in op.wires})
    if len(wires) > MAX_WIRES:
        return None
    terms, final = phase_polynomial(part, wires)
    if not terms or len(cnots) <= _fewest_cnots(terms, final) or len(terms) > MAX_TERMS:
        return None
    # Sorted by parity (stably), the input is the same for every order of the same terms, so
    # a second application finds the same count and changes nothing.
    terms.sort(key=lambda term: term[0])
    key = (tuple(parity for parity, _ in terms), tuple(final))
    if key in cache.counts and cache.counts[key] >= len(cnots):
        return None
    steps = graysynth(len(wires), list(key[0]), final)
    count = sum(1 for kind, _, _ in steps if kind == "cx")
    cache.counts[key] = min(count, cache.counts.get(key, count))
    return _emit(steps, terms, wires, cnots) if count < len(cnots) else None


def _resynthesize(
    ops: Sequence[ir.Operation], region: Region, cache: Cache
) -> list[ir.Operation] | None:
    """The region's gates, part by part, resynthesized where that saves a cnot; None when no
    part gets cheaper."""
    members = [ops[p] for p in region.members]
    cnots = sum(1 for op in members if op.name == "cnot")
    # A part needs two cnots and a diagonal gate: without them no part can change.
    if cnots < 2 or cnots == len(members):
        return None
    # The same gates (the very objects, in order) give the same answer: the fixed point's
    # confirming passes and rounds find most regions again. The key holds its gates, so
    # their ids stay theirs.
    key = tuple(map(id, members))
    if key in cache.failed:
        return None
    parts = _components(members)
    synthesized = [_synthesize(part, cache) for part in parts]
    if all(block is None for block in synthesized):
        cache.failed[key] = members
        return None
    return [op for part, block in zip(parts, synthesized) for op in block or part]


def _one_pass(ops: list[ir.Operation], cache: Cache) -> tuple[list[ir.Operation], bool]:
    out: list[ir.Operation] = []
    position, changed = 0, False
    joins = [_joins(op) for op in ops]
    budget = RESCAN * len(ops)  # positions that searches after a failed region may revisit
    while (region := regions(ops, position, joins)) is not None:
        first, last = region.members[0], region.members[-1]
        out.extend(ops[position:first])
        block = _resynthesize(ops, region, cache)
        if block is None:
            # A cnot it skipped may still start a region of its own (one that no gate before
            # it blocks): the search resumes there, within the budget, or after the region.
            budget -= last - first
            resume = (p for p in region.skipped if joins[p] and ops[p].name == "cnot")
            position = next(resume, last + 1) if budget > 0 else last + 1
            out.extend(ops[first:position])
            continue
        out.extend(block)
        out.extend(ops[p] for p in region.skipped)
        changed = True
        position = last + 1
    out.extend(ops[position:])
    return out, changed


def rule(program: ir.Program, *, context: Context | None = None) -> ir.Program:
    """``program`` with each region of cnot and diagonal gates (rz, phase, z, s, sdg, t, tdg)
    resynthesized by GraySynth (Amy, Azimzadeh and Mosca 2018) when that takes fewer cnots.

    Such a region maps |x> to exp(i phi(x)) |A x>: every diagonal gate adds a phase that
    depends on the parity its wire holds, and the cnots make the linear map A. Pauli-gadget
    chains (``cnot; phase; cnot`` per ZZ term of a feature map) share cnots once the
    parities are computed in Gray-code order. The result is exact, global phase included.
    Dropped gates and channels are never part of a region.

    >>> import dreamlang
    >>> src = ("model m { qubits 3\\n input x[3]\\n"
    ...        " cnot on [0, 1]\\n phase(x[0]) on 1\\n cnot on [0, 1]\\n"
    ...        " cnot on [0, 2]\\n phase(x[1]) on 2\\n cnot on [0, 2]\\n"
    ...        " cnot on [1, 2]\\n phase(x[2]) on 2\\n cnot on [1, 2]\\n"
    ...        " measure expval Z on 0 }")
    >>> [op.name for op in rule(dreamlang.parse(src)).model.ops].count("cnot")
    5
    """
    ops, changed = list(ops_of(program)), True
    # Each change lowers the cnot count, so this ends; running to the fixed point makes the
    # rule idempotent even where a new region boundary lets a second round save more.
    # Shared by the rounds of one optimize() call (its Context), not across calls.
    cache: Cache = (context or Context()).extra.setdefault("phase_polynomial.cache", Cache())
    while changed:
        ops, changed = _one_pass(ops, cache)
    return with_ops(program, ops)
