"""Schedules over epochs and depth: their values, depth resolution and range checks."""

from __future__ import annotations

import math
from collections.abc import Callable

from dreamlang import ir
from dreamlang.arith import MATH
from dreamlang.values import DepthSchedule

__all__ = [
    "SCHEDULES",
    "evaluate",
    "horizon",
    "resolve_depth",
    "schedule_value",
]

# name -> (number of positional values, meaning of the axis keyword)
SCHEDULES: dict[str, tuple[int, str]] = {
    "constant": (1, "unused"),
    "linear": (2, "horizon"),
    "cosine": (2, "horizon"),
    "exponential": (2, "horizon"),
    "step": (2, "period"),
    "warmup": (1, "horizon"),
}


def schedule_value(kind: str, args: tuple[float, ...], length: int, t: float) -> float:
    """The value of a schedule at step t (an epoch, or a layer index for depth schedules).

    linear(a, b): a -> b over ``length`` steps, then b. cosine(a, b): cosine annealing from a to b.
    exponential(a, r): a * r**t, frozen after ``length`` steps. step(a, f): a * f**(t // length).
    warmup(v): 0 -> v over ``length`` steps, then v. constant(v): v.
    """
    if kind == "constant":
        return args[0]
    if kind == "step":
        return args[0] * math.pow(args[1], t // length)
    frac = min(max(t, 0.0), length) / length if length > 0 else 1.0
    if kind == "linear":
        return args[0] + (args[1] - args[0]) * frac
    if kind == "cosine":
        return args[1] + (args[0] - args[1]) * (1 + math.cos(math.pi * frac)) / 2
    if kind == "exponential":
        # The exponent is the clamped step itself (not frac * length, which rounding can make
        # 6.999... and a negative ratio complex); math.pow raises ValueError rather than go complex.
        return args[0] * math.pow(args[1], min(max(t, 0.0), length))
    if kind == "warmup":
        return args[0] * frac
    raise ValueError(f"unknown schedule {kind!r}")


_BINARY: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": math.pow,  # a real result or ValueError, never a complex number
}


def evaluate(
    expr: ir.Expr,
    *,
    epoch: float = 0,
    inputs: dict[str, object] | None = None,
    params: dict[str, object] | None = None,
) -> float:
    """The numeric value of an IR expression at an epoch, given input and param arrays."""
    if isinstance(expr, ir.Num):
        return expr.value
    if isinstance(expr, ir.Binary):
        left = evaluate(expr.left, epoch=epoch, inputs=inputs, params=params)
        right = evaluate(expr.right, epoch=epoch, inputs=inputs, params=params)
        return _BINARY[expr.op](left, right)
    if isinstance(expr, ir.Neg):
        return -evaluate(expr.operand, epoch=epoch, inputs=inputs, params=params)
    if isinstance(expr, ir.Call):
        return MATH[expr.func](evaluate(expr.arg, epoch=epoch, inputs=inputs, params=params))
    if isinstance(expr, ir.Schedule):
        return schedule_value(expr.kind, expr.args, expr.length, epoch)
    if isinstance(expr, ir.InputRef | ir.ParamRef):
        table = inputs if isinstance(expr, ir.InputRef) else params
        if table is None or expr.name not in table:
            raise KeyError(f"no value for {expr.name!r}")
        value = table[expr.name]
        for i in expr.index:
            value = value[i]  # type: ignore[index]
        return float(value)  # type: ignore[arg-type]
    raise TypeError(f"cannot evaluate {expr!r}")


def resolve_depth(expr: ir.Expr, layer: int | None) -> ir.Expr:
    """Replace depth schedules by their value at ``layer`` (0 outside any layer)."""
    if isinstance(expr, DepthSchedule):
        try:
            value = schedule_value(expr.kind, expr.args, expr.length, layer or 0)
        except (OverflowError, ValueError):
            value = math.inf  # not a valid probability: the range checks report it
        return ir.Num(value)
    if isinstance(expr, ir.Binary):
        return ir.Binary(expr.op, resolve_depth(expr.left, layer), resolve_depth(expr.right, layer))
    if isinstance(expr, ir.Neg):
        return ir.Neg(resolve_depth(expr.operand, layer))
    if isinstance(expr, ir.Call):
        return ir.Call(expr.func, resolve_depth(expr.arg, layer))
    return expr


def horizon(expr: ir.Expr) -> int:
    """The last epoch at which any schedule in ``expr`` still changes."""
    lengths = [n.length for n in ir.walk(expr) if isinstance(n, ir.Schedule)]
    return max(lengths, default=0)
