"""Function calls in expressions: math functions, helpers such as len and min, and schedules."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

from dreamlang import gates, ir
from dreamlang import syntax as s
from dreamlang.arith import checked, fold_call
from dreamlang.diagnostics import Span
from dreamlang.entangler_maps import QISKIT_MAPS, qiskit_groups
from dreamlang.reporting import did_you_mean
from dreamlang.schedules import SCHEDULES
from dreamlang.state_prep import MAX_STATE_WIRES, state_rotations
from dreamlang.values import (
    ArrayRef,
    DepthSchedule,
    GateRef,
    ListValue,
    RangeValue,
    Sym,
    TopologyRef,
    TupleValue,
    Value,
    describe,
    is_number,
)

if TYPE_CHECKING:
    from dreamlang.evaluate import Evaluator, Scope

__all__ = ["HELPERS", "MATH_FUNCTIONS", "evaluate_call"]

MATH_FUNCTIONS = ("sin", "cos", "tan", "exp", "log", "sqrt", "arcsin", "arccos", "arctan")
HELPERS = (
    "len",
    "shape",
    "sum",
    "prod",
    "min",
    "max",
    "abs",
    "floor",
    "ceil",
    "num_angles",
    "pairs",
    "groups",
    "state_rotations",
)


def evaluate_call(ev: Evaluator, expr: s.Call, scope: Scope) -> Value:
    """A function call in an expression: math, helpers (len, min, ...) or a schedule."""
    name = expr.func.id
    if name in SCHEDULES:
        return _schedule(ev, expr, scope)
    if name == "pairs":
        return _pairs(ev, expr, scope)
    if name == "groups":
        return _groups(ev, expr, scope)
    if any(a.name is not None for a in expr.args):
        bad = next(a for a in expr.args if a.name is not None)
        raise ev.rep.error("unknown-option", f"'{name}' takes no keyword arguments", bad.span)
    args = [ev.eval(a.value, scope) for a in expr.args]
    if name in MATH_FUNCTIONS:
        return _math(ev, expr, name, args)
    if name in HELPERS:
        return _helper(ev, expr, name, args)
    hints = did_you_mean(name, (*MATH_FUNCTIONS, *HELPERS, *SCHEDULES))
    if ev.is_op(name):
        hints = (
            f"hint: '{name}' is a gate or block; apply it as a statement: {name}(...) on WIRES",
        )
    raise ev.rep.error("unknown-function", f"unknown function '{name}'", expr.func.span, *hints)


def _arity(ev: Evaluator, expr: s.Call, name: str, args: list[Value], low: int, high: int) -> None:
    if not low <= len(args) <= high:
        want = str(low) if low == high else f"{low} to {high}"
        message = f"'{name}' takes {want} argument(s), {len(args)} given"
        raise ev.rep.error("wrong-argument-count", message, expr.span)


def _math(ev: Evaluator, expr: s.Call, name: str, args: list[Value]) -> Value:
    _arity(ev, expr, name, args, 1, 1)
    (arg,) = args
    if isinstance(arg, Sym):
        return ev.bounded(Sym(ir.Call(name, arg.expr), arg.has_schedule), expr.span)
    if not is_number(arg):
        raise ev.rep.error("type-error", f"'{name}' needs a number, not {describe(arg)}", expr.span)
    result, code, message = fold_call(name, float(arg))  # type: ignore[arg-type]
    if code:
        raise ev.rep.error(code, message, expr.span)
    return result


def _helper(ev: Evaluator, expr: s.Call, name: str, args: list[Value]) -> Value:
    if name == "len":
        _arity(ev, expr, name, args, 1, 1)
        return ev.length(args[0], expr.span)
    if name in ("min", "max"):
        _arity(ev, expr, name, args, 1, 64)
        return _extreme(ev, expr, name, args)
    if name == "state_rotations":
        return _state_rotations(ev, expr, args)
    if name == "num_angles":
        _arity(ev, expr, name, args, 1, 1)
        spec = gates.lookup(args[0].name) if isinstance(args[0], GateRef) else None
        if spec is None:
            message = f"'num_angles' needs a built-in gate, not {describe(args[0])}"
            raise ev.rep.error("type-error", message, expr.span)
        return len(spec.params)
    if name in ("sum", "prod"):
        _arity(ev, expr, name, args, 1, 1)
        return _fold(ev, expr, name, args[0])
    if name == "shape":
        _arity(ev, expr, name, args, 1, 1)
        return TupleValue(_shape(ev, args[0], expr.span))
    _arity(ev, expr, name, args, 1, 1)
    if not is_number(args[0]):
        raise ev.rep.error("type-error", f"'{name}' needs a number", expr.span)
    value = float(args[0])  # type: ignore[arg-type]
    if name == "abs":
        return abs(args[0])  # type: ignore[arg-type]
    result, code, message = checked(math.floor(value) if name == "floor" else math.ceil(value))
    if code:
        raise ev.rep.error(code, message, expr.span)
    return result


def _fold(ev: Evaluator, expr: s.Call, name: str, values: Value) -> Value:
    """sum or prod of a list of numbers or run-time scalars (0 and 1 for an empty list)."""
    total: Value = 0 if name == "sum" else 1
    for i, item in enumerate(ev.iterate(values, expr.span)):
        if not (is_number(item) or isinstance(item, Sym)):
            raise ev.rep.error(
                "type-error", f"'{name}' needs scalars, not {describe(item)}", expr.span
            )
        total = item if i == 0 else ev.arith("+" if name == "sum" else "*", total, item, expr.span)
    return total


def _shape(ev: Evaluator, value: Value, span: Span) -> tuple[Value, ...]:
    """The dimensions of a tensor, of a list (nested while its items agree) or () of a scalar."""
    if isinstance(value, ArrayRef):
        return tuple(value.remaining)
    if is_number(value) or isinstance(value, Sym):
        return ()
    if isinstance(value, ListValue | TupleValue | RangeValue):
        items = list(ev.iterate(value, span))
        inner = {_shape(ev, item, span) for item in items}
        return (len(items), *inner.pop()) if len(inner) == 1 else (len(items),)
    raise ev.rep.error("type-error", f"{describe(value)} has no shape", span)


def _state_rotations(ev: Evaluator, expr: s.Call, args: list[Value]) -> Value:
    """state_rotations(features, n[, pad]): see dreamlang.state_prep."""
    _arity(ev, expr, "state_rotations", args, 2, 3)
    n = ev.as_int(args[1], expr.span, "the wire count of 'state_rotations'")
    items = list(ev.iterate(args[0], expr.span))
    if not 1 <= n <= MAX_STATE_WIRES or len(items) > 2**n or (len(args) == 2 and len(items) < 2**n):
        message = f"state_rotations needs 2 ** {n} features (or a pad value), not {len(items)}"
        raise ev.rep.error("shape-mismatch", message, expr.span)
    pad = args[2] if len(args) == 3 else 0
    if not all(is_number(v) or isinstance(v, Sym) for v in [*items, pad]):
        raise ev.rep.error("type-error", "state_rotations needs scalar features", expr.span)
    return state_rotations(ev, [*items, *[pad] * (2**n - len(items))], n, expr.span)


def _extreme(ev: Evaluator, expr: s.Call, name: str, args: list[Value]) -> Value:
    """min or max of numbers, or of one list or range (a range by its ends, not its items)."""
    items: Iterable[Value] = args
    if len(args) == 1 and isinstance(args[0], RangeValue):
        numbers = args[0].items()
        items = [numbers[0], numbers[-1]] if numbers else []
    elif len(args) == 1:
        items = ev.iterate(args[0], expr.span)
    values = list(items)
    if not values or not all(is_number(v) for v in values):
        raise ev.rep.error("type-error", f"'{name}' needs numbers", expr.span)
    return (min if name == "min" else max)(values)  # type: ignore[type-var]


def _pairs(ev: Evaluator, expr: s.Call, scope: Scope) -> Value:
    """pairs(T, n, option=...): the pair list of topology T over n wires, as a list of tuples."""
    positional = [a for a in expr.args if a.name is None]
    options = [a for a in expr.args if a.name is not None]
    if len(positional) != 2 or expr.args[:2] != tuple(positional):
        message = "'pairs' takes a topology and a wire count, then the topology's options"
        raise ev.rep.error(
            "wrong-argument-count", message, expr.span, "hint: pairs(star, 4, center=2)"
        )
    n = ev.integer(positional[1].value, scope, "the wire count of 'pairs'")
    if n < 0:
        raise ev.rep.error("type-error", f"the wire count must be at least 0, not {n}", expr.span)
    if ev.topology_hook is None:
        message = "'pairs' can only be used inside a model, block or topology"
        raise ev.rep.error("misplaced-statement", message, expr.span)
    found = ev.topology_hook(positional[0].value, options, n, scope, expr.span)
    return ev.bounded(ListValue(tuple(TupleValue((a, b)) for a, b in found)), expr.span)


def _groups(ev: Evaluator, expr: s.Call, scope: Scope) -> Value:
    """groups(T, n, k, rep=0): the k-wire groups of T; k = 2 is pairs(T, n, ...)."""
    positional = [a for a in expr.args if a.name is None]
    if len(positional) != 3 or expr.args[:3] != tuple(positional):
        message = "'groups' takes a topology, a wire count and a group size, then options"
        raise ev.rep.error("wrong-argument-count", message, expr.span, "hint: groups(full, 4, 3)")
    k = ev.integer(positional[2].value, scope, "the group size of 'groups'")
    if k == 2:
        return _pairs(ev, s.Call(expr.func, (*positional[:2], *expr.args[3:]), expr.span), scope)
    n = ev.integer(positional[1].value, scope, "the wire count of 'groups'")
    if not 1 <= k <= n:
        message = f"a group of {k} wire(s) does not fit {n} wire(s)"
        raise ev.rep.error("wire-count", message, expr.span)
    topology = ev.eval(positional[0].value, scope)
    rep = 0
    for option in expr.args[3:]:
        if option.name != "rep":
            raise ev.rep.error("unknown-option", "'groups' takes only the option rep", option.span)
        rep = ev.integer(option.value, scope, "'rep'")
    named = isinstance(topology, TopologyRef) and topology.name in QISKIT_MAPS
    if k == 1 and not named:  # one-wire terms go on every wire, whatever pairs T lists
        return ListValue(tuple(TupleValue((i,)) for i in range(n)))
    if isinstance(topology, ListValue):
        return ev.bounded(
            ListValue(tuple(_group(ev, g, n, k, expr.span) for g in topology.items)), expr.span
        )
    if not isinstance(topology, TopologyRef) or topology.name not in QISKIT_MAPS:
        message = f"groups of {k} wires come from {', '.join(QISKIT_MAPS)} or a list of tuples"
        raise ev.rep.error("unknown-topology", message, positional[0].span)
    found = qiskit_groups(topology.name, n, k, rep)
    return ev.bounded(ListValue(tuple(TupleValue(g) for g in found)), expr.span)


def _group(ev: Evaluator, value: Value, n: int, k: int, span: Span) -> Value:
    """One explicit group: k distinct positions in 0..n."""
    items = list(ev.iterate(value, span)) if isinstance(value, ListValue | TupleValue) else []
    wires = [ev.as_int(v, span, "a group entry") for v in items]
    if len(wires) != k or len(set(wires)) != k or not all(0 <= w < n for w in wires):
        message = f"each group must be {k} distinct positions in 0..{n}, not {describe(value)}"
        raise ev.rep.error("wire-out-of-range", message, span)
    return TupleValue(tuple(wires))


def _schedule(ev: Evaluator, expr: s.Call, scope: Scope) -> Value:
    name = expr.func.id
    count, axis_meaning = SCHEDULES[name]
    values: list[float] = []
    axis: tuple[str, int] | None = None
    for arg in expr.args:
        if arg.name is None:
            value = ev.eval(arg.value, scope)
            if not is_number(value):
                message = f"schedule values must be compile-time numbers, not {describe(value)}"
                raise ev.rep.error("type-error", message, arg.span)
            values.append(float(value))  # type: ignore[arg-type]
        elif arg.name in ("epochs", "depth") and axis is None and axis_meaning != "unused":
            axis = (arg.name, ev.integer(arg.value, scope, f"'{arg.name}'"))
        else:
            hint = "hint: use epochs=N or depth=N" if axis_meaning != "unused" else ""
            message = f"'{name}' does not take the option '{arg.name}'"
            raise ev.rep.error("unknown-option", message, arg.span, *([hint] if hint else []))
    if len(values) != count:
        message = f"'{name}' takes {count} value(s), {len(values)} given"
        raise ev.rep.error("wrong-argument-count", message, expr.span)
    if name == "constant":
        return values[0]
    if name in ("exponential", "step") and values[1] < 0:
        message = f"'{name}' needs a ratio of at least 0, not {values[1]:g}"
        raise ev.rep.error("invalid-schedule", message, expr.span)
    if axis is None:
        message = f"'{name}' needs its horizon: epochs=N (over training) or depth=N (over layers)"
        raise ev.rep.error("invalid-schedule", message, expr.span)
    if axis[1] <= 0:
        raise ev.rep.error("invalid-schedule", f"'{axis[0]}' must be positive", expr.span)
    if axis[0] == "epochs":
        return Sym(ir.Schedule(name, tuple(values), axis[1], expr.span), True)
    return Sym(DepthSchedule(name, tuple(values), axis[1]), True)  # type: ignore[arg-type]
