"""IR expressions as Python source text and as native values (numbers, Qiskit or sympy symbols).

The printer and the evaluator follow the same rules, so a generated module and an in-memory
compiled model compute the same angles. Only numbers (as ``repr`` of a float) and names chosen by
the caller appear in printed code; no user text is ever printed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from dreamlang import ir

from ._runtime import _schedule

__all__ = ["FUNCTIONS", "NUMPY_FUNCTIONS", "epoch_value", "evaluate", "number", "to_source"]

FUNCTIONS = ("sin", "cos", "tan", "exp", "log", "sqrt", "arcsin", "arccos", "arctan")
NUMPY_FUNCTIONS: dict[str, Callable[[Any], Any]] = {name: getattr(np, name) for name in FUNCTIONS}

# Binding power of each printed form, for minimal but always-correct parentheses.
_POWER = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "**": 4, "atom": 5}


def number(value: float) -> str:
    """A float literal that reads back exactly (repr), parenthesized when negative."""
    if not math.isfinite(value):
        raise ValueError(f"non-finite constant {value!r} in an expression")
    text = repr(float(value))
    return f"({text})" if text.startswith("-") else text


def to_source(
    expr: ir.Expr,
    symbol: Callable[[ir.InputRef | ir.ParamRef], str],
    call: Callable[[str, str], str],
    schedule: Callable[[ir.Schedule], str] | None = None,
) -> str:
    """Python source for ``expr``: ``symbol`` names each input/param element, ``call`` renders
    a math function applied to an argument's source, ``schedule`` an epoch schedule."""
    return _source(expr, symbol, call, schedule)[0]


def _source(
    expr: ir.Expr,
    symbol: Callable[[ir.InputRef | ir.ParamRef], str],
    call: Callable[[str, str], str],
    schedule: Callable[[ir.Schedule], str] | None,
) -> tuple[str, int]:
    # Expressions are small trees built by the elaborator (bounded by its nesting limit).
    if isinstance(expr, ir.Num):
        text = number(expr.value)
        return text, _POWER["atom"]
    if isinstance(expr, ir.InputRef | ir.ParamRef):
        return symbol(expr), _POWER["atom"]
    if isinstance(expr, ir.Schedule):
        if schedule is None:
            raise ValueError("a schedule cannot appear in a gate angle")
        return schedule(expr), _POWER["atom"]
    if isinstance(expr, ir.Call):
        if expr.func not in FUNCTIONS:
            raise ValueError(f"unknown function {expr.func!r}")
        return call(expr.func, _source(expr.arg, symbol, call, schedule)[0]), _POWER["atom"]
    if isinstance(expr, ir.Neg):
        inner, power = _source(expr.operand, symbol, call, schedule)
        return "-" + _wrap(inner, power, _POWER["neg"] + 1), _POWER["neg"]
    op = expr.op
    mine = _POWER[op]
    left, left_power = _source(expr.left, symbol, call, schedule)
    right, right_power = _source(expr.right, symbol, call, schedule)
    if op == "**":  # right-associative, and binds tighter than a unary minus on its left
        left = _wrap(left, left_power, mine + 1)
        right = _wrap(right, right_power, mine)
    else:  # left-associative: the right side needs strictly higher binding power
        left = _wrap(left, left_power, mine)
        right = _wrap(right, right_power, mine + 1)
    return f"{left} {op} {right}", mine


def _wrap(text: str, power: int, needed: int) -> str:
    return text if power >= needed else f"({text})"


def evaluate(
    expr: ir.Expr,
    symbol: Callable[[ir.InputRef | ir.ParamRef], Any],
    functions: Mapping[str, Callable[[Any], Any]],
    epoch: float = 0.0,
) -> Any:
    """The value of ``expr`` with native symbols and functions; schedules at ``epoch``."""
    if isinstance(expr, ir.Num):
        return expr.value
    if isinstance(expr, ir.InputRef | ir.ParamRef):
        return symbol(expr)
    if isinstance(expr, ir.Schedule):
        return _schedule(expr.kind, expr.args, expr.length, epoch)
    if isinstance(expr, ir.Call):
        return functions[expr.func](evaluate(expr.arg, symbol, functions, epoch))
    if isinstance(expr, ir.Neg):
        return -evaluate(expr.operand, symbol, functions, epoch)
    left = evaluate(expr.left, symbol, functions, epoch)
    right = evaluate(expr.right, symbol, functions, epoch)
    if expr.op == "+":
        return left + right
    if expr.op == "-":
        return left - right
    if expr.op == "*":
        return left * right
    if expr.op == "/":
        return left / right
    return left**right


def epoch_value(expr: ir.Expr, epoch: float) -> float:
    """A number-valued expression (a channel strength, a dropout probability) at ``epoch``.

    The language only allows numbers and schedules there, never inputs or parameters.
    """

    def no_symbol(ref: ir.InputRef | ir.ParamRef) -> Any:
        raise ValueError("channel and dropout values cannot depend on inputs or parameters")

    return float(evaluate(expr, no_symbol, NUMPY_FUNCTIONS, epoch))
