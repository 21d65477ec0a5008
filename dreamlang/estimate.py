"""A quick upper estimate of how many operations a body unrolls to, taken before unrolling it."""

from __future__ import annotations

from collections.abc import Sequence

from dreamlang import syntax as s
from dreamlang.context import Ctx, UnrollState
from dreamlang.evaluate import Evaluator, Scope
from dreamlang.reporting import Abort, Reporter
from dreamlang.values import ListValue, RangeValue, TupleValue

__all__ = ["estimate_block", "estimate_body"]

_CAP = 10**15  # estimates saturate here rather than growing without bound


def estimate_body(body: Sequence[s.Stmt], ctx: Ctx, st: UnrollState) -> int:
    """Operations per run of ``body``: nested loop counts are evaluated where they are constant."""
    return _Estimator(_quiet_evaluator(st), st, len(ctx.wires)).body(body, ctx.scope, ())


def estimate_block(block: s.BlockDef, width: int, st: UnrollState) -> int:
    """Operations per call of ``block`` on ``width`` wires; cached, so call trees cost linear time."""
    key = (block.name, width)
    if key not in st.block_estimates:
        st.block_estimates[key] = _Estimator(_quiet_evaluator(st), st, width).call_block(block, ())
    return st.block_estimates[key]


def _quiet_evaluator(st: UnrollState) -> Evaluator:
    """An evaluator whose mistakes are thrown away: an estimate must never report anything."""
    return Evaluator(Reporter(max_errors=10**9), st.defs.blocks, st.defs.topologies, st.limits)


class _Estimator:
    def __init__(self, ev: Evaluator, st: UnrollState, width: int):
        self.ev = ev
        self.st = st
        self.width = max(1, width)

    def body(self, body: Sequence[s.Stmt], scope: Scope, stack: tuple[str, ...]) -> int:
        total = 0
        for stmt in body:
            total = min(_CAP, total + self.stmt(stmt, scope, stack))
        return total

    def stmt(self, stmt: s.Stmt, scope: Scope, stack: tuple[str, ...]) -> int:
        if isinstance(stmt, s.CallStmt | s.Encode):
            call = stmt.call if isinstance(stmt, s.Encode) else stmt
            return self.call(call, scope, stack)
        if isinstance(stmt, s.Entangle):
            return self.width
        if isinstance(stmt, s.Repeat):
            count = self.count(stmt.count, scope)
            return min(_CAP, count * max(1, self.body(stmt.body, scope, stack)))
        if isinstance(stmt, s.For):
            count = self.length(stmt.iterable, scope)
            return min(_CAP, count * max(1, self.body(stmt.body, scope, stack)))
        if isinstance(stmt, s.Layer):
            return self.body(stmt.body, scope, stack)
        if isinstance(stmt, s.If):
            bodies = [b for _, b in stmt.branches] + ([stmt.orelse] if stmt.orelse else [])
            return max(self.body(b, scope, stack) for b in bodies)
        return 0

    def call_block(self, block: s.BlockDef, stack: tuple[str, ...]) -> int:
        key = (block.name, self.width)
        if key in self.st.block_estimates:
            return self.st.block_estimates[key]
        # Every call costs at least 1, so trees of calls that emit nothing still add up.
        estimate = max(1, self.body(block.body, self.st.defs.globals, (*stack, block.name)))
        self.st.block_estimates[key] = estimate
        return estimate

    def call(self, call: s.CallStmt, scope: Scope, stack: tuple[str, ...]) -> int:
        block = self.st.defs.blocks.get(call.name)
        if block is not None and call.name not in stack:
            return self.call_block(block, stack)
        if isinstance(call.wires, s.AllWires) or call.wires is None:
            return self.width
        if isinstance(call.wires, s.ListExpr):
            return max(1, len(call.wires.items))
        return 1

    def count(self, expr: s.Expr, scope: Scope) -> int:
        try:
            value = self.ev.eval(expr, scope)
        except Abort:
            return 1
        return value if isinstance(value, int) and value > 0 else 1

    def length(self, expr: s.Expr, scope: Scope) -> int:
        try:
            value = self.ev.eval(expr, scope)
        except Abort:
            return 1
        if isinstance(value, RangeValue):
            return len(value)
        if isinstance(value, ListValue | TupleValue):
            return len(value.items)
        return 1
