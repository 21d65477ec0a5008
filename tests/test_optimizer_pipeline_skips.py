"""``optimize`` skips rule runs that cannot change anything (a rule given back what it returned,
TRAILING_SAFE rules after trailing removals, LOCAL rules on the operations they have seen): its
result and its stats must be those of running every rule in every round."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings

from dreamlang import ir
from dreamlang.optimizer import PIPELINES, PassStat, optimize
from dreamlang.optimizer.common import Context, ops_of
from dreamlang.optimizer.pipeline import MAX_ROUNDS, _only_trailing_removed, load_rule

from .optimizer_equivalence import models


def _every_rule_every_round(
    program: ir.Program, names: Sequence[str], context: Context
) -> ir.Program:
    """The fixed point as ``optimize`` defines it, without skipping anything."""
    for _ in range(MAX_ROUNDS):
        before = ops_of(program)
        for name in names:
            program = load_rule(name)(program, context=context)
        if ops_of(program) == before:
            break
    return program


@pytest.mark.parametrize("level", [1, 2])
def test_skipping_changes_no_result(level: int) -> None:
    context = Context(exact_phase=level < 2)

    @settings(max_examples=100, deadline=None)
    @given(program=models(max_ops=20))
    def check(program: ir.Program) -> None:
        stats: list[PassStat] = []
        result = optimize(program, level, context=context, stats=stats)
        assert ops_of(result) == ops_of(_every_rule_every_round(program, PIPELINES[level], context))
        assert (
            len(stats) % len(PIPELINES[level]) == 0
        )  # one line per rule and round, skipped or not

    check()


def test_only_trailing_removed() -> None:
    a, b, c = (ir.Operation("h", (w,)) for w in (0, 1, 0))
    cnot = ir.Operation("cnot", (0, 1))
    assert _only_trailing_removed([a, cnot, b], [a, cnot])  # b: nothing after it on wire 1
    assert not _only_trailing_removed([a, b, cnot], [a, cnot])  # cnot after b on wire 1
    assert _only_trailing_removed([a, b, c], [b])  # a and c on wire 0, no kept op after them
    assert not _only_trailing_removed([a, b], [b, a])  # not the same order
    assert not _only_trailing_removed([a], [ir.Operation("h", (0,))])  # equal is not the same
