"""Applying gates and channels to wires: broadcasting, argument binding and checks."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from dreamlang import gates, ir
from dreamlang import syntax as s
from dreamlang.context import Ctx, UnrollState
from dreamlang.diagnostics import Span
from dreamlang.kraus import kraus_params
from dreamlang.reporting import Abort, did_you_mean
from dreamlang.schedules import resolve_depth
from dreamlang.stdlib_index import import_hint
from dreamlang.values import (
    ArrayRef,
    GateRef,
    ListValue,
    RangeValue,
    Sym,
    TupleValue,
    Value,
    describe,
)

__all__ = ["OperationsMixin"]

_WIRE_HINT = "hint: list the applications as tuples, e.g. on [(0, 1), (2, 3)]"


class OperationsMixin:
    """Emits gate and channel operations; the base of the Unroller's mixins."""

    st: UnrollState

    # The Unroller runs bodies; handlers here and in the mixins built on this one call it.
    exec_body: Callable[[Sequence[s.Stmt], Ctx], None]

    # ---- wires ----
    def check_wire(self, wire: Value, span: Span) -> int:
        w = wire if type(wire) is int else self.st.ev.as_int(wire, span, "a wire")
        n = self.st.num_qubits
        if w < 0 or (n is not None and w >= n):
            message = f"wire {w} is out of range for a model with {n} qubits"
            raise self.st.rep.error(
                "wire-out-of-range", message, span, f"note: wires run from 0 to {(n or 1) - 1}"
            )
        return w

    def wire_value(self, expr: s.Expr | None, ctx: Ctx) -> Value:
        if expr is None or isinstance(expr, s.AllWires):
            return ListValue(tuple(ctx.wires))
        return self.st.ev.eval(expr, ctx.scope)

    def flat_wires(self, expr: s.Expr | None, ctx: Ctx, span: Span) -> tuple[int, ...]:
        """A plain wire list (for blocks and entanglers): no groups, no repeats."""
        value = self.wire_value(expr, ctx)
        items = self._wire_items(value, span)
        wires = tuple(self.check_wire(w, span) for w in items)
        self._no_duplicates(wires, span)
        return wires

    def _wire_items(self, value: Value, span: Span) -> Sequence[Value]:
        if isinstance(value, int) and not isinstance(value, bool):
            return (value,)
        if isinstance(value, RangeValue):
            return value.items()
        if isinstance(value, ListValue | TupleValue):
            return value.items
        if isinstance(value, float):  # the same non-integer diagnostic as a real inside a list
            return (self.st.ev.as_int(value, span, "a wire"),)
        raise self.st.rep.error(
            "type-error", f"wires must be integers or lists of them, not {describe(value)}", span
        )

    def wire_groups(
        self, expr: s.Expr | None, width: int, ctx: Ctx, span: Span
    ) -> list[tuple[int, ...]]:
        """The applications of a ``width``-wire gate: one per wire, one in all, or explicit tuples."""
        wspan = expr.span if expr is not None and expr.span is not None else span
        value = self.wire_value(expr, ctx)
        if type(value) is int and width == 1:  # the hot path: one gate on one wire
            return [(self.check_wire(value, wspan),)]
        items = self._wire_items(value, wspan)
        if items and all(isinstance(i, TupleValue | ListValue) for i in items):
            groups = [tuple(self.check_wire(w, wspan) for w in g.items) for g in items]  # type: ignore[union-attr]
            for group in groups:
                if len(group) != width:
                    message = f"a {width}-wire gate cannot act on {len(group)} wires {list(group)}"
                    raise self.st.rep.error("wire-count", message, wspan)
        else:
            flat = [self.check_wire(w, wspan) for w in items]
            if width == 1:
                groups = [(w,) for w in flat]
            elif len(flat) == width:
                groups = [tuple(flat)]
            else:
                message = f"a {width}-wire gate cannot act on {len(flat)} wires {flat}"
                raise self.st.rep.error("wire-count", message, wspan, _WIRE_HINT)
        for group in groups:
            self._no_duplicates(group, wspan)
        return groups

    def _no_duplicates(self, wires: Sequence[int], span: Span) -> None:
        if len(set(wires)) != len(wires):
            repeated = next(w for w in wires if list(wires).count(w) > 1)
            raise self.st.rep.error(
                "duplicate-wire", f"wire {repeated} appears twice in {list(wires)}", span
            )

    # ---- gates and channels ----
    def _resolve_op(self, name: str, ctx: Ctx, span: Span) -> tuple[str, gates.OpSpec | None]:
        """The gate or block a call names, with the gate's spec (None for a block)."""
        # Gates live in their own namespace: an input named x does not hide the gate x. Only a
        # name bound to a gate value (a block parameter such as rotation=ry) redirects the call.
        bound = ctx.scope.lookup(name)
        if isinstance(bound, GateRef):
            name = bound.name
        spec = gates.lookup(name)
        if spec is not None or name in self.st.defs.blocks:
            return name, spec
        if name in self.st.defs.topologies:
            hint = f"hint: use it with 'entangle {name} using cnot'"
            raise self.st.rep.error(
                "unknown-gate", f"'{name}' is a topology, not a gate", span, hint
            )
        pool = [*gates.GATES, *gates.CHANNELS, *gates.ALIASES, *self.st.defs.blocks]
        hints = import_hint(name, pool)
        raise self.st.rep.error(
            "unknown-gate", f"unknown gate '{name}'", _name_span(span, name), *hints
        )

    def apply_spec(
        self, spec: gates.OpSpec, stmt: s.CallStmt, groups: list[tuple[int, ...]], ctx: Ctx
    ) -> None:
        if spec.variadic:
            self._apply_variadic(spec, stmt, groups, ctx)
            return
        values = self._bind_params(spec, stmt, ctx)
        self.count_work(len(groups), stmt.span)
        tags = (
            ctx.tags
            if spec.kind == "gate"
            else ir.Tags(ctx.layer, ctx.origin, ctx.template, "channel")
        )
        ops = self.st.ops
        if len(groups) == 1 and all(type(v) is Sym and not v.has_schedule for v in values):
            params = tuple(v.expr for v in values)  # type: ignore[union-attr]
            ops.append(ir.Operation(spec.name, groups[0], params, tags, stmt.span))
            return
        for i, group in enumerate(groups):
            params = tuple(self._param_at(v, i, len(groups), stmt.span, ctx) for v in values)
            ops.append(ir.Operation(spec.name, group, params, tags, stmt.span))

    def _apply_variadic(
        self, spec: gates.OpSpec, stmt: s.CallStmt, groups: list[tuple[int, ...]], ctx: Ctx
    ) -> None:
        """A kraus channel: its one constant tensor becomes the same numbers on every wire."""
        (expr,) = self._planned(spec, stmt)
        params = kraus_params(self.st.rep, self.st.ev.eval(expr, ctx.scope), expr.span)
        self.count_work(len(groups), stmt.span)
        tags = ir.Tags(ctx.layer, ctx.origin, ctx.template, "channel")
        self.st.ops.extend(ir.Operation(spec.name, g, params, tags, stmt.span) for g in groups)

    def _planned(self, spec: gates.OpSpec, stmt: s.CallStmt) -> list[s.Expr]:
        plan = self.st.plans.get((id(stmt), spec.name))
        if plan is None:
            plan = self._plan_params(spec, stmt)
            self.st.plans[(id(stmt), spec.name)] = plan
        return plan

    def _bind_params(self, spec: gates.OpSpec, stmt: s.CallStmt, ctx: Ctx) -> list[Value]:
        return [self._param_value(spec, e, ctx) for e in self._planned(spec, stmt)]

    def _plan_params(self, spec: gates.OpSpec, stmt: s.CallStmt) -> list[s.Expr]:
        """Match a call's arguments to the gate's parameters; cached per statement, as it is syntax."""
        args = stmt.args or ()
        positional = [a for a in args if a.name is None]
        named = {a.name: a for a in args if a.name is not None}
        what = "angle" if spec.kind == "gate" else "value"
        keywords = [a.name for a in args if a.name is not None]
        twice = [n for n in spec.params[: len(positional)] if n in named]
        twice += [n for n in named if keywords.count(n) > 1]
        if twice:
            raise self.st.rep.error(
                "wrong-arity", f"'{spec.name}' is given its {what} '{twice[0]}' twice", stmt.span
            )
        if len(positional) > len(spec.params) or (stmt.args is None and spec.params):
            wanted = ", ".join(spec.params) or f"no {what}s"
            message = f"'{spec.name}' takes {len(spec.params)} {what}(s) ({wanted}), {len(positional)} given"
            raise self.st.rep.error("wrong-arity", message, stmt.span)
        unknown = [a for a in args if a.name is not None and a.name not in spec.params]
        if unknown:
            hint = did_you_mean(unknown[0].name or "", spec.params)
            message = f"'{spec.name}' has no parameter '{unknown[0].name}'"
            raise self.st.rep.error("unknown-option", message, unknown[0].span, *hint)
        exprs: list[s.Expr] = [a.value for a in positional]
        for pname in spec.params[len(positional) :]:
            if pname not in named:
                message = f"'{spec.name}' needs its {what} '{pname}' ({len(spec.params)} in all)"
                raise self.st.rep.error("wrong-arity", message, stmt.span)
            exprs.append(named.pop(pname).value)
        return exprs

    def _param_value(self, spec: gates.OpSpec, expr: s.Expr, ctx: Ctx) -> Value:
        value = self.st.ev.eval(expr, ctx.scope)
        if type(value) is Sym and not value.has_schedule and spec.kind == "gate":
            return value  # the hot path: a parameter expression
        if isinstance(value, ArrayRef) and len(value.remaining) == 1 and spec.kind == "gate":
            return value  # broadcast element-wise over the applications
        if (
            isinstance(value, ListValue)
            and spec.kind == "gate"
            and all(
                (isinstance(v, int | float) and not isinstance(v, bool))
                or (isinstance(v, Sym) and not v.has_schedule)
                for v in value.items
            )
        ):
            return value  # a list of angles, broadcast like a 1-D tensor
        if spec.kind == "channel" and isinstance(value, ArrayRef):
            message = "a channel's values cannot depend on inputs or params"
            raise self.st.rep.error("type-error", message, expr.span)
        if not isinstance(value, int | float | Sym) or isinstance(value, bool):
            raise self.st.rep.error(
                "type-error", f"a gate angle must be a number, not {describe(value)}", expr.span
            )
        if spec.kind == "gate" and isinstance(value, Sym) and value.has_schedule:
            message = "schedules are for dropout and noise probabilities, not gate angles"
            raise self.st.rep.error("type-error", message, expr.span)
        if spec.kind == "channel" and isinstance(value, Sym) and value.has_symbols:
            message = "a channel's values cannot depend on inputs or params"
            raise self.st.rep.error("type-error", message, expr.span)
        return value

    def _param_at(self, value: Value, i: int, count: int, span: Span, ctx: Ctx) -> ir.Expr:
        if isinstance(value, ArrayRef):
            if value.remaining[0] != count:
                message = f"'{value.name}' has {value.remaining[0]} values for {count} applications"
                raise self.st.rep.error("shape-mismatch", message, span)
            value = self.st.ev.index_value(value, i, span)
        if isinstance(value, ListValue):
            if len(value.items) != count:
                message = f"a list of {len(value.items)} angles for {count} applications"
                raise self.st.rep.error("shape-mismatch", message, span)
            value = value.items[i]
        if isinstance(value, Sym):
            return resolve_depth(value.expr, ctx.layer) if value.has_schedule else value.expr
        return ir.Num(float(value))  # type: ignore[arg-type]

    def count_work(self, amount: int, span: Span) -> None:
        self.st.work += amount
        if self.st.work > self.st.limits.max_ops:
            self.too_many_ops(self.st.work, span)

    def too_many_ops(self, estimate: int, span: Span) -> None:
        message = f"the model would unroll to about {estimate} operations, over the limit of {self.st.limits.max_ops}"
        self.st.rep.error("too-many-ops", message, span, "hint: raise the limit with --max-ops")
        self.st.rep.raise_if_errors()


def _name_span(span: Span, name: str) -> Span:
    """The span of just the gate name at the start of a statement."""
    return Span(span.source, span.line, span.column, span.line, span.column + len(name))


__all__ += ["Abort"]
