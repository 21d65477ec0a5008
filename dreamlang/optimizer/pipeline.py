"""The rule registry, the -O0/-O1/-O2 pipelines, and ``optimize``, which runs one to a fixed point."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dreamlang import ir

from .common import Context, ops_of, with_ops

__all__ = ["LEVELS", "PIPELINES", "RULES", "PassStat", "optimize"]

Rule = Callable[..., ir.Program]

# Rule name -> its module in this package (each module defines ``rule``); loaded on first use.
RULES: dict[str, str] = {
    "fold_constants": "fold_constants",
    "remove_identities": "remove_identities",
    "cancel_inverses": "cancel_inverses",
    "merge_rotations": "merge_rotations",
    "fuse_noise": "fuse_noise",
    "fuse_single_qubit": "fuse_single_qubit",
    "light_cone": "light_cone",
    "phase_polynomial": "phase_polynomial",
}
_O1 = ("fold_constants", "remove_identities", "cancel_inverses", "merge_rotations", "fuse_noise")
PIPELINES: dict[int, tuple[str, ...]] = {
    0: (),
    1: _O1,
    2: (*_O1, "phase_polynomial", "fuse_single_qubit", "light_cone"),
}
LEVELS = tuple(PIPELINES)
MAX_ROUNDS = 8  # every rule only removes or shrinks, so a fixed point comes in a few rounds
# Rules whose result depends on the operations only, and for which a program they leave
# unchanged stays unchanged when operations that no later operation shares a wire with are
# removed (all that light_cone removes): each op still sees the same ops before it on its
# wires. After such a removal the pipeline need not run them again to confirm the fixed point.
TRAILING_SAFE = frozenset(
    {
        "fold_constants",
        "remove_identities",
        "cancel_inverses",
        "merge_rotations",
        "fuse_noise",
        "fuse_single_qubit",
    }
)
# Rules that treat each operation on its own (keep, replace or drop it, whatever the others
# are) and by its name, parameters and tags alone (whatever its wires): a program leaves one
# unchanged when each of its operations does, so after a change only the operations that are
# new since the rule last ran need a look, and a gate moved to other wires (as phase_polynomial
# moves them, with the same parameters and tags) is not new.
LOCAL = frozenset({"fold_constants", "remove_identities"})


@dataclass(frozen=True, slots=True)
class PassStat:
    """What one rule did in one round: operations before and after, and how many changed."""

    rule: str
    round: int
    ops_before: int
    ops_after: int
    changed: int  # operations of the result that were not in the input unchanged


def load_rule(name: str) -> Rule:
    if name not in RULES:
        raise ValueError(f"unknown optimizer rule {name!r}; the rules are {', '.join(RULES)}")
    module = importlib.import_module(f"{__package__}.{RULES[name]}")
    rule: Rule = module.rule
    return rule


def optimize(
    program: ir.Program,
    level: int = 1,
    *,
    rules: Sequence[str] | None = None,
    context: Context | None = None,
    stats: list[PassStat] | None = None,
) -> ir.Program:
    """``program`` with the rules of pipeline ``level`` (or the named ``rules``) applied, in
    order, round after round until a round changes nothing.

    >>> import dreamlang
    >>> src = "model m { qubits 1\\n param w[2]\\n rz(w[0]) on 0\\n rz(w[1]) on 0\\n h on 0\\n h on 0\\n measure expval Z on 0 }"
    >>> [op.name for op in optimize(dreamlang.parse(src)).model.ops]
    ['rz']
    """
    if level not in PIPELINES and rules is None:
        raise ValueError(f"optimization level must be one of {LEVELS}, not {level!r}")
    names = PIPELINES[level] if rules is None else tuple(rules)
    loaded = [(name, load_rule(name)) for name in names]
    context = context or Context(exact_phase=level < 2)
    # What each rule (by its place: a list may name one twice) returned last, or a program
    # known to be as good. Rules are idempotent and return their input object when nothing
    # changes, so a rule given back that very object would return it again: it is skipped.
    fixed: list[ir.Program | None] = [None] * len(loaded)
    probes: Probes = {}  # the LOCAL rules often share one ``last`` and one ``program``
    for round_number in range(1, MAX_ROUNDS + 1):
        before_round = ops_of(program)
        for place, (name, rule) in enumerate(loaded):
            before = program
            if program is fixed[place]:
                pass
            elif name in LOCAL and _new_ops_unchanged(rule, context, fixed[place], program, probes):
                fixed[place] = program
            else:
                program = fixed[place] = rule(program, context=context)
                if program is not before:
                    _carry_fixed(loaded, fixed, before, program)
            if stats is not None:
                stats.append(_stat(name, round_number, ops_of(before), ops_of(program)))
        if ops_of(program) == before_round:
            break
    return program


def _stat(
    name: str, round_number: int, before: Sequence[ir.Operation], after: Sequence[ir.Operation]
) -> PassStat:
    kept = set(before)
    changed = sum(1 for op in after if op not in kept)
    return PassStat(name, round_number, len(before), len(after), changed)


# (id(last), id(program)) -> (last, program, the probe made of program's new ops or None);
# the entry holds both programs, so the ids stay theirs.
Probes = dict[tuple[int, int], tuple[ir.Program, ir.Program, ir.Program | None]]


def _new_ops_unchanged(
    rule: Rule, context: Context, last: ir.Program | None, program: ir.Program, probes: Probes
) -> bool:
    """Whether the LOCAL ``rule``, which returned ``last``, leaves the operations of
    ``program`` unchanged whose name, parameters and tags (the objects) no operation of
    ``last`` has (False also when most of them are new: running the rule on the whole
    program is then as quick)."""
    if last is None:
        return False
    key = (id(last), id(program))
    if key not in probes:
        probes[key] = (last, program, _probe(ops_of(last), program))
    probe = probes[key][2]
    return probe is not None and rule(probe, context=context) is probe


def _probe(last: Sequence[ir.Operation], program: ir.Program) -> ir.Program | None:
    """``program`` with only the operations that are not in ``last`` (the objects) and, when
    most are not, that have the name, parameters and tags of none that left it (the gates
    phase_polynomial moves); None when most of them are new still."""
    ops = ops_of(program)
    old = {id(op) for op in last}
    new = [op for op in ops if id(op) not in old]
    if 2 * len(new) > len(ops):  # only then worth a second look
        current = {id(op) for op in ops}
        # The ops that left hold their parameters and tags: the ids stay theirs.
        gone = {(op.name, id(op.params), id(op.tags)) for op in last if id(op) not in current}
        new = [op for op in new if (op.name, id(op.params), id(op.tags)) not in gone]
    return None if 2 * len(new) > len(ops) else with_ops(program, new)


def _carry_fixed(
    loaded: Sequence[tuple[str, Rule]],
    fixed: list[ir.Program | None],
    before: ir.Program,
    after: ir.Program,
) -> None:
    """Mark ``after`` as unchanged by the TRAILING_SAFE rules that left ``before`` unchanged,
    when ``after`` is ``before`` without some trailing operations."""
    places = [
        k for k, (name, _) in enumerate(loaded) if fixed[k] is before and name in TRAILING_SAFE
    ]
    if places and _only_trailing_removed(ops_of(before), ops_of(after)):
        for k in places:
            fixed[k] = after


def _only_trailing_removed(before: Sequence[ir.Operation], after: Sequence[ir.Operation]) -> bool:
    """Whether ``after`` is ``before`` (the same objects, in order) without some operations,
    each of which no kept operation after it shares a wire with."""
    later: set[int] = set()  # the wires of the kept operations after the current one
    k = len(after) - 1
    for op in reversed(before):
        if k >= 0 and after[k] is op:
            later.update(op.wires)
            k -= 1
        elif not later.isdisjoint(op.wires):
            return False
    return k < 0
