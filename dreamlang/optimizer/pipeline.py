"""The rule registry, the -O0/-O1/-O2 pipelines, and ``optimize``, which runs one to a fixed point."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dreamlang import ir

from .common import Context, ops_of

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
}
_O1 = ("fold_constants", "remove_identities", "cancel_inverses", "merge_rotations", "fuse_noise")
PIPELINES: dict[int, tuple[str, ...]] = {
    0: (),
    1: _O1,
    2: (*_O1, "fuse_single_qubit", "light_cone"),
}
LEVELS = tuple(PIPELINES)
MAX_ROUNDS = 8  # every rule only removes or shrinks, so a fixed point comes in a few rounds


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
    for round_number in range(1, MAX_ROUNDS + 1):
        before_round = ops_of(program)
        for name, rule in loaded:
            before = ops_of(program)
            program = rule(program, context=context)
            if stats is not None:
                after = ops_of(program)
                kept = set(before)
                changed = sum(1 for op in after if op not in kept)
                stats.append(PassStat(name, round_number, len(before), len(after), changed))
        if ops_of(program) == before_round:
            break
    return program
