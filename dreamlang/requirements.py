"""require: a template's precondition, reported at the user's call with the values it names."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from dreamlang import syntax as s
from dreamlang.diagnostics import Span
from dreamlang.evaluate import Evaluator, Scope
from dreamlang.reporting import Abort, AbortBlock, Reporter
from dreamlang.values import (
    ArrayRef,
    GateRef,
    ListValue,
    Pauli,
    RangeValue,
    TopologyRef,
    TupleValue,
    Value,
    describe,
)

__all__ = ["check_requirement", "render"]

T = TypeVar("T")


def check_requirement(
    ev: Evaluator, rep: Reporter, stmt: s.Require, scope: Scope, where: Span, owner: str
) -> None:
    """Raise AbortBlock after reporting ``stmt``'s message at ``where`` unless its condition holds.

    A condition that cannot even be evaluated (weights of the wrong rank, say) fails the
    requirement too, so the user sees the template's message at their call, not an error
    inside the template.
    """
    holds, problem = _quietly(ev, lambda: ev.condition(stmt.condition, scope))
    if holds:
        return

    def shown(expr: s.Expr) -> str:
        return _quietly(ev, lambda: render(ev.eval(expr, scope)))[0] or "?"

    message = fill(stmt.message, [shown(v) for v in stmt.values])
    notes = [f"note: required by {owner} at {stmt.span}"]
    if problem:
        notes.append(f"note: the condition could not be evaluated: {problem}")
    rep.error("shape-mismatch", message, where, *notes)
    raise AbortBlock(message)


def fill(message: str, values: list[str]) -> str:
    """``message`` with its ``{}`` places replaced by ``values`` in order."""
    parts = message.split("{}")
    out = parts[0]
    for i, part in enumerate(parts[1:]):
        out += (values[i] if i < len(values) else "{}") + part
    return out


def _quietly(ev: Evaluator, work: Callable[[], T]) -> tuple[T | None, str | None]:
    """The result of ``work``, or None and the first error it would have reported."""
    saved, ev.rep = ev.rep, Reporter(max_errors=10**9)
    try:
        return work(), None
    except Abort as abort:
        first = ev.rep.diagnostics[0].message if ev.rep.diagnostics else str(abort)
        return None, first
    finally:
        ev.rep = saved


def render(value: Value) -> str:
    """A value as a message shows it: 3, 0.5, (2, 3), [0, 1], ry, ZZ, w[2, 4]."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, TupleValue):
        items = [render(v) for v in value.items]
        return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
    if isinstance(value, ListValue):
        return f"[{', '.join(render(v) for v in value.items)}]"
    if isinstance(value, RangeValue):
        return f"{value.start}..{value.stop}" + (f" by {value.step}" if value.step != 1 else "")
    if isinstance(value, ArrayRef):
        dims = ", ".join(str(d) for d in value.remaining)
        return f"{value.name}[{dims}]" if not value.prefix else f"a tensor of shape ({dims})"
    if isinstance(value, GateRef | TopologyRef):
        return value.name
    if isinstance(value, Pauli):
        return value.letter
    return describe(value)
