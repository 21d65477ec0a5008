"""fold_constants: exact on random models and random expressions, idempotent, never growing;
each simplification, and what it must leave alone (schedules, symbols, failing constants)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dreamlang
from dreamlang import ir
from dreamlang.backends.exprs import NUMPY_FUNCTIONS, evaluate
from dreamlang.optimizer.fold_constants import rule, simplify

from .optimizer_equivalence import assert_equivalent

CASES = sorted(
    (Path(__file__).resolve().parent / "fixtures" / "passes" / "fold_constants").glob("*.dream")
)

W0, W1 = ir.ParamRef("w", (0,)), ir.ParamRef("w", (1,))
X0 = ir.InputRef("x", (0,))
SCHED = ir.Schedule("linear", (0.2, 0.0), 10)


def _count(program: ir.Program) -> int:
    assert program.model is not None
    return len(program.model.ops)


# ---- random expressions ----

_LEAVES = st.one_of(
    st.sampled_from([W0, W1, X0, SCHED]),
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5, 2.0, math.pi]).map(ir.Num),
    st.floats(-4, 4, allow_nan=False).map(ir.Num),
)


def _extend(children: Any) -> Any:
    return st.one_of(
        st.builds(ir.Binary, st.sampled_from(["+", "-", "*", "/"]), children, children),
        st.builds(ir.Neg, children),
        st.builds(ir.Call, st.sampled_from(["sin", "cos", "arctan"]), children),
        st.builds(ir.Binary, st.just("**"), children, st.just(ir.Num(2.0))),
    )


EXPRESSIONS = st.recursive(_LEAVES, _extend, max_leaves=12)


def _value(expr: ir.Expr, values: dict[ir.Expr, float], epoch: int) -> float | None:
    try:
        with np.errstate(all="raise"):
            result = float(evaluate(expr, values.__getitem__, NUMPY_FUNCTIONS, epoch))
    except (ZeroDivisionError, OverflowError, FloatingPointError):
        return None
    return result if math.isfinite(result) else None


def _size(expr: ir.Expr) -> int:
    return sum(1 for _ in ir.walk(expr))


@settings(deadline=None)
@given(
    expr=EXPRESSIONS,
    numbers=st.lists(st.floats(-3, 3, allow_nan=False), min_size=3, max_size=3),
    epoch=st.integers(0, 12),
)
def test_random_expressions_keep_their_value(
    expr: ir.Expr, numbers: list[float], epoch: int
) -> None:
    values = dict(zip([W0, W1, X0], numbers))
    simple = simplify(expr)
    assert simplify(simple) is simple  # idempotent
    assert _size(simple) <= _size(expr)
    schedules = [n for n in ir.walk(expr) if isinstance(n, ir.Schedule)]
    assert all(n in schedules for n in ir.walk(simple) if isinstance(n, ir.Schedule))
    want, got = _value(expr, values, epoch), _value(simple, values, epoch)
    if want is not None:  # the rule may assume finite values (x * 0 is 0)
        assert got is not None
        assert got == pytest.approx(want, rel=1e-9, abs=1e-9 * (1 + _magnitude(expr, values)))


def _magnitude(expr: ir.Expr, values: dict[ir.Expr, float]) -> float:
    """The largest intermediate value, the scale of rounding differences."""
    out = 0.0
    for node in ir.walk(expr):
        value = _value(node, values, 0)
        out = max(out, abs(value) if value is not None else 0.0)
    return out


# ---- each simplification ----


def _b(op: str, left: ir.Expr, right: ir.Expr) -> ir.Binary:
    return ir.Binary(op, left, right)


N = ir.Num


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (_b("+", W0, N(0.0)), W0),
        (_b("+", N(0.0), W0), W0),
        (_b("-", W0, N(0.0)), W0),
        (_b("+", W0, N(-0.0)), W0),
        (_b("*", W0, N(1.0)), W0),
        (_b("*", N(1.0), W0), W0),
        (_b("/", W0, N(1.0)), W0),
        (_b("*", W0, N(0.0)), N(0.0)),
        (_b("*", N(0.0), _b("+", W0, W1)), N(0.0)),
        (ir.Neg(ir.Neg(W0)), W0),
        (ir.Neg(ir.Neg(ir.Neg(W0))), ir.Neg(W0)),
        (ir.Neg(N(2.5)), N(-2.5)),
        (_b("-", N(0.0), W0), ir.Neg(W0)),
        (_b("-", N(0.0), ir.Neg(W0)), W0),
        (_b("+", W0, ir.Neg(W1)), _b("-", W0, W1)),
        (_b("-", W0, ir.Neg(W1)), _b("+", W0, W1)),
        (_b("+", _b("+", W0, N(1.5)), N(0.25)), _b("+", W0, N(1.75))),
        (_b("+", _b("-", W0, N(1.5)), N(0.25)), _b("-", W0, N(1.25))),
        (_b("-", _b("+", W0, N(1.5)), N(1.5)), W0),
        (_b("+", _b("+", N(1.5), W0), N(0.5)), _b("+", W0, N(2.0))),
        (_b("+", _b("+", _b("+", W0, N(1.0)), N(2.0)), N(3.0)), _b("+", W0, N(6.0))),
        (_b("+", W0, N(-2.0)), _b("-", W0, N(2.0))),
        (_b("-", W0, N(-2.0)), _b("+", W0, N(2.0))),
        (_b("/", N(math.pi), N(2.0)), N(math.pi / 2)),
        (ir.Call("sin", _b("*", N(0.5), N(3.0))), N(math.sin(1.5))),
        (_b("+", W0, _b("*", N(2.0), N(3.0))), _b("+", W0, N(6.0))),
        (_b("*", ir.Call("cos", _b("-", W0, N(0.0))), N(1.0)), ir.Call("cos", W0)),
        (_b("**", N(2.0), N(0.5)), N(math.sqrt(2.0))),
    ],
)
def test_each_simplification(before: ir.Expr, after: ir.Expr) -> None:
    assert simplify(before) == after
    assert simplify(after) is after


@pytest.mark.parametrize(
    "expr",
    [
        SCHED,
        _b("+", SCHED, N(0.5)),  # a schedule is never evaluated
        _b("*", N(2.0), SCHED),
        ir.Call("exp", SCHED),
        _b("+", W0, W1),
        ir.Call("sin", W0),
        _b("-", N(1.0), W0),
        _b("*", N(2.0), W0),
        _b("/", N(0.0), W0),  # 0 / x is not folded: x may be 0
        ir.Call("log", N(-1.0)),  # a constant that fails is left as written
        _b("/", N(1.0), N(0.0)),
        _b("*", N(1e308), N(10.0)),  # not finite: left as written
        _b("-", W0, N(2.0)),
        _b("+", W0, N(2.0)),
    ],
)
def test_left_alone(expr: ir.Expr) -> None:
    assert simplify(expr) is expr


def test_schedules_combine_with_identities_only() -> None:
    assert simplify(_b("+", _b("*", SCHED, N(1.0)), N(0.0))) is SCHED
    assert simplify(_b("+", _b("+", SCHED, N(0.1)), N(0.2))) == _b("+", SCHED, N(0.1 + 0.2))


# ---- operations ----

_SRC = """model m {
    qubits 2
    param w[2]
    rx(w[0] * 1 + 0) on 0
    ry(-(-w[1])) on 1
    cnot on [0, 1]
    rz(0 - w[0]) on 1
    depolarizing(linear(0.1, 0.0, epochs=5) * 1) on 0
    dropout rotations p = 0 + warmup(0.2, epochs=4), p_layer = 0.5
    measure expval Z on 1
}"""


def test_every_operation_and_dropout_tag_is_folded() -> None:
    program = dreamlang.parse(_SRC)
    folded = rule(program)
    assert folded.model is not None
    ops = folded.model.ops
    assert [op.params for op in ops] == [
        (W0,),
        (W1,),
        (),
        (ir.Neg(W0),),
        (ir.Schedule("linear", (0.1, 0.0), 5),),
    ]
    warmup = ir.Schedule("warmup", (0.2,), 4)
    assert all(op.tags.dropout.p == warmup for op in ops if op.tags.dropout)  # type: ignore[union-attr]
    assert sum(op.tags.dropout is not None for op in ops) == 3
    assert_equivalent(program, folded)


def test_p_layer_is_folded() -> None:
    tag = ir.DropoutTag("all", _b("+", N(0.25), N(0.0)), _b("*", SCHED, N(1.0)), "g", 0)
    op = ir.Operation("rx", (0,), (W0,), ir.Tags(layer=0, dropout=tag))
    model = ir.Model("m", 1, (), (), (op,), (), ())
    folded = rule(ir.Program(model))
    assert folded.model is not None
    new = folded.model.ops[0].tags.dropout
    assert new == ir.DropoutTag("all", N(0.25), SCHED, "g", 0)
    assert folded.model.ops[0].params[0] is W0


def test_unchanged_operations_and_programs_stay_the_same_objects() -> None:
    program = dreamlang.parse(_SRC)
    folded = rule(program)
    assert folded.model is not None and program.model is not None
    assert folded.model.ops[2] is program.model.ops[2]  # cnot
    assert rule(folded) is folded
    plain = dreamlang.parse(
        "model m { qubits 1\n param w[1]\n rx(w[0] + 1) on 0\n measure expval Z on 0 }"
    )
    assert rule(plain) is plain


def test_tags_and_spans_are_kept() -> None:
    program = dreamlang.parse(_SRC)
    folded = rule(program)
    assert folded.model is not None and program.model is not None
    for old, new in zip(program.model.ops, folded.model.ops):
        assert new.span == old.span and new.name == old.name and new.wires == old.wires
        assert new.tags.layer == old.tags.layer and new.tags.noise == old.tags.noise
