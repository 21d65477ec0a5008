"""Golden before/after files for every optimizer rule: tests/fixtures/passes/RULE/CASE.dream is
parsed, RULE alone is applied once, and ``dreamc ir``'s listing must equal CASE.after.

Set DREAMLANG_UPDATE_GOLDEN=1 to (re)write the .after files, then review the diff."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import dreamlang
from dreamlang import irprint
from dreamlang.optimizer import RULES
from dreamlang.optimizer.common import is_channel
from dreamlang.optimizer.pipeline import load_rule

from .optimizer_equivalence import assert_equivalent

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "passes"
CASES = sorted(FIXTURES.glob("*/*.dream"))


def test_every_rule_has_golden_cases() -> None:
    folders = {path.parent.name for path in CASES}
    assert folders <= set(RULES), folders - set(RULES)
    assert folders == set(RULES), f"rules without golden cases: {set(RULES) - folders}"


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.stem}" for c in CASES])
def test_golden(case: Path) -> None:
    rule = load_rule(case.parent.name)
    program = dreamlang.parse(case.read_text("utf-8"), case.name)
    result = irprint.dump(rule(program))
    expected = case.with_suffix(".after")
    if os.environ.get("DREAMLANG_UPDATE_GOLDEN"):
        expected.write_text(result, "utf-8")
    assert expected.exists(), f"missing {expected.name}: run with DREAMLANG_UPDATE_GOLDEN=1"
    assert result == expected.read_text("utf-8")
    again = irprint.dump(rule(rule(program)))
    assert again == result, "the rule is not idempotent on this case"


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.stem}" for c in CASES])
def test_golden_cases_are_equivalent(case: Path) -> None:
    """Each golden result computes what its input does (measurements; unitaries when pure)."""
    program = dreamlang.parse(case.read_text("utf-8"), case.name)
    assert program.model is not None
    pure = not any(is_channel(op) for op in program.model.ops)
    whole = pure and case.parent.name != "light_cone"
    assert_equivalent(program, load_rule(case.parent.name)(program), whole=whole)
