"""The optimizer's pipelines: exact on random models, idempotent, never growing; the rules'
docstring examples; the -O flags and ``dreamc ir --passes``."""

from __future__ import annotations

import contextlib
import doctest
import importlib
import io
import os
from pathlib import Path

import pytest
from hypothesis import given, settings

import dreamlang
from dreamlang import ir
from dreamlang.cli import main
from dreamlang.optimizer import PIPELINES, RULES, PassStat, optimize
from dreamlang.optimizer.common import Context
from dreamlang.optimizer.pipeline import load_rule

from .optimizer_equivalence import assert_equivalent, models

ROOT = Path(__file__).resolve().parent.parent
# The issue asks for at least 500 random programs per pipeline in CI; locally 50 keep it quick.
EXAMPLES = 500 if os.environ.get("CI") else 50


@pytest.mark.parametrize(
    "module", ["pipeline", "common", "commutation", *sorted(set(RULES.values()))]
)
def test_docstring_examples_run(module: str) -> None:
    loaded = importlib.import_module(f"dreamlang.optimizer.{module}")
    failures, _ = doctest.testmod(loaded, optionflags=doctest.ELLIPSIS)
    assert failures == 0


def _count(program: ir.Program) -> int:
    assert program.model is not None
    return len(program.model.ops)


@pytest.mark.parametrize("name", sorted(RULES))
@pytest.mark.parametrize("exact_phase", [True, False])
def test_every_rule_is_exact_idempotent_and_never_grows(name: str, exact_phase: bool) -> None:
    rule = load_rule(name)
    context = Context(exact_phase=exact_phase)

    # Half the examples with each phase setting: EXAMPLES (500 on CI) per rule.
    @settings(max_examples=EXAMPLES // 2, deadline=None)
    @given(program=models())
    def check(program: ir.Program) -> None:
        result = rule(program, context=context)
        assert _count(result) <= _count(program)
        assert rule(result, context=context) == result
        # light_cone keeps the measurements, not the state of wires that nothing reads
        assert_equivalent(program, result, whole=name != "light_cone")

    check()


@pytest.mark.parametrize("level", [1, 2])
def test_pipelines_are_exact_idempotent_and_never_grow(level: int) -> None:
    @settings(max_examples=EXAMPLES, deadline=None)
    @given(program=models())
    def check(program: ir.Program) -> None:
        optimized = optimize(program, level)
        assert _count(optimized) <= _count(program)
        assert optimize(optimized, level) == optimized
        # -O2 prunes what no measurement sees, so only the measurements must agree there.
        assert_equivalent(program, optimized, whole=level == 1)

    check()


def test_level_zero_changes_nothing_and_unknown_levels_are_refused() -> None:
    program = dreamlang.parse(
        "model m { qubits 1\n param w[1]\n h on 0\n h on 0\n measure expval Z on 0 }"
    )
    assert optimize(program, 0) is program
    with pytest.raises(ValueError, match="level"):
        optimize(program, 3)
    with pytest.raises(ValueError, match="unknown optimizer rule 'fold'"):
        optimize(program, rules=["fold"])
    assert set(PIPELINES[1]) < set(PIPELINES[2]) <= set(RULES)


def test_stats_record_every_rule_run() -> None:
    program = dreamlang.parse(
        "model m { qubits 2\n param w[2]\n h on 0\n h on 0\n rz(w[0]) on 1\n rz(w[1]) on 1\n"
        " measure expval Z on 1 }"
    )
    stats: list[PassStat] = []
    result = optimize(program, 1, stats=stats)
    assert [op.name for op in result.model.ops] == ["rz"]  # type: ignore[union-attr]
    assert {s.rule for s in stats} == set(PIPELINES[1])
    assert stats[0].ops_before == 4 and stats[-1].ops_after == 1
    assert sum(s.ops_before - s.ops_after for s in stats) == 3


def _dreamc(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(args))
    return status, out.getvalue(), err.getvalue()


def test_dreamc_ir_passes_and_optimization_levels(tmp_path: Path) -> None:
    source = tmp_path / "m.dream"
    source.write_text(
        "model m {\n    qubits 2\n    param w[2]\n    h on 0\n    h on 0\n    rz(w[0]) on 1\n"
        "    rz(w[1]) on 1\n    x on 0\n    measure expval Z on 1\n}\n",
        "utf-8",
    )
    status, out, _ = _dreamc("ir", str(source))
    assert status == 0 and "ops (5)" in out  # dreamc ir shows the unrolled program by default
    status, out, _ = _dreamc("ir", str(source), "--passes")
    assert status == 0 and "optimizer -O1" in out and "cancel_inverses" in out
    assert "ops (2)" in out
    status, out, _ = _dreamc("ir", str(source), "-O2")
    # the x on the unmeasured wire 0 is pruned, and so is the rz: Z on wire 1 cannot see it
    assert status == 0 and "ops (0)" in out
    status, _, err = _dreamc("ir", str(source), "-O3")
    assert status == 2 and "invalid choice" in err
    for level in ("0", "1", "2"):
        out_file = tmp_path / f"m{level}.qasm"
        assert (
            _dreamc("compile", str(source), "-t", "qasm3", f"-O{level}", "-o", str(out_file))[0]
            == 0
        )
    counts = [(tmp_path / f"m{k}.qasm").read_text().count(";") for k in "012"]
    assert counts[0] > counts[1] > counts[2]
