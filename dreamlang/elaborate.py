"""Unrolling: runs a model's compile-time control flow and emits the flat IR operation list."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from dreamlang import ir
from dreamlang import syntax as s
from dreamlang.annotate import apply_annotations
from dreamlang.context import Ctx, Definitions, Registration, UnrollState
from dreamlang.declarations import DeclarationsMixin
from dreamlang.estimate import estimate_body
from dreamlang.reporting import Abort, AbortBlock
from dreamlang.requirements import check_requirement
from dreamlang.train_settings import train_spec
from dreamlang.values import RangeValue

__all__ = ["Unroller"]

_MODEL_ONLY = (s.Qubits, s.Ensemble, s.InputDecl, s.ParamDecl, s.Measure, s.Head, s.Train)
_DECLARED = (s.ConstStmt, s.LetStmt)  # at the top level of a model, bound by declare()
_TOPOLOGY_OK = (s.Pair, s.For, s.Repeat, s.If, s.LetStmt, s.ConstStmt, s.Require)


class Unroller(DeclarationsMixin):
    """Unrolls one model into ir.Model; errors go to the reporter and skip the statement."""

    def __init__(self, st: UnrollState):
        self.st = st
        st.ev.topology_hook = self.pairs_value
        self._handlers: dict[type, Callable[[Any, Ctx], None]] = {
            s.ConstStmt: self._const,
            s.LetStmt: self._let,
            s.CallStmt: self.apply_call,
            s.Encode: self._encode,
            s.Entangle: self.entangle,
            s.Repeat: self._repeat,
            s.For: self._for,
            s.Layer: self._layer,
            s.If: self._if,
            s.Pair: self.pair,
            s.Require: self._require,
            s.DropoutStmt: self._register,
            s.NoiseStmt: self._register,
        }

    def run(self, model: s.ModelDef) -> ir.Model:
        scope = self.st.defs.globals.child()
        decls = self.declare(model, scope)
        wires = tuple(range(self.st.num_qubits or 0))
        ctx = Ctx(scope, wires, "model").enter()
        self.exec_body(model.body, ctx)
        measurements, head = self.outputs(model, ctx)
        train = train_spec(model, self.st.ev, self.st.rep, ctx.scope)
        ops = apply_annotations(self.st)
        return ir.Model(
            model.name,
            self.st.num_qubits or 0,
            decls.inputs,
            decls.params,
            tuple(ops),
            measurements,
            head,
            len(self.st.layers),
            model.span,
            decls.ensemble,
            train,
        )

    # ---- bodies ----
    def exec_body(self, body: Sequence[s.Stmt], ctx: Ctx, *, layer_body: bool = False) -> None:
        frame: list[Registration] = []
        self.st.frames.append(frame)
        start = len(self.st.ops)
        # A layer's own body counts that layer (begun just before it) as one of its layers.
        first_layer = len(self.st.layers) - (1 if layer_body else 0)
        try:
            for stmt in body:
                try:
                    self._exec(stmt, ctx)
                except AbortBlock:
                    if ctx.blocks:
                        raise
                except Abort:
                    continue
        finally:
            self.st.frames.pop()
        for registration in frame:
            registration.start, registration.end = start, len(self.st.ops)
            registration.own_layers = range(first_layer, len(self.st.layers))
            self.st.registrations.append(registration)

    def _exec(self, stmt: s.Stmt, ctx: Ctx) -> None:
        if isinstance(stmt, _MODEL_ONLY):
            if ctx.kind != "model":
                where = "a topology" if ctx.kind == "topology" else "a block or loop"
                raise self.st.rep.error(
                    "misplaced-statement",
                    f"'{_keyword(stmt)}' is not allowed in {where}",
                    stmt.span,
                    "hint: declare it at the top level of the model",
                )
            return  # handled by declare() and outputs()
        if ctx.kind == "model" and isinstance(stmt, _DECLARED):
            return  # bound by declare(), in source order with the declarations
        if ctx.kind == "topology" and not isinstance(stmt, _TOPOLOGY_OK):
            raise self.st.rep.error(
                "misplaced-statement",
                f"'{_keyword(stmt)}' is not allowed in a topology",
                stmt.span,
                "hint: a topology only lists pairs: pair a, b",
            )
        if ctx.kind != "topology" and isinstance(stmt, s.Pair):
            raise self.st.rep.error(
                "misplaced-statement", "'pair' is only allowed in a topology", stmt.span
            )
        handler = self._handlers.get(type(stmt))
        if handler is None:
            raise self.st.rep.error(
                "misplaced-statement", f"'{_keyword(stmt)}' is not allowed here", stmt.span
            )
        handler(stmt, ctx)

    # ---- bindings ----
    def _const(self, stmt: s.ConstStmt, ctx: Ctx) -> None:
        self.bind(stmt, ctx.scope)

    def _let(self, stmt: s.LetStmt, ctx: Ctx) -> None:
        self.bind(stmt, ctx.scope)

    # ---- constructs ----
    def _encode(self, stmt: s.Encode, ctx: Ctx) -> None:
        inner = ctx.enter(role="encoder", origin=(*ctx.origin, "encode"))
        self.apply_call(stmt.call, inner)

    def _guard_loop(self, count: int, body: Sequence[s.Stmt], ctx: Ctx, stmt: s.Stmt) -> None:
        """Refuse a loop whose estimated unrolled size passes the op limit, before running it."""
        per_iteration = max(1, estimate_body(body, ctx, self.st))
        total = self.st.work + count * per_iteration
        if total > self.st.limits.max_ops:
            self.too_many_ops(total, stmt.span)

    def _repeat(self, stmt: s.Repeat, ctx: Ctx) -> None:
        count = self.st.ev.integer(stmt.count, ctx.scope, "a repeat count")
        if count < 0:
            raise self.st.rep.error(
                "invalid-value", f"a repeat count cannot be negative ({count})", stmt.count.span
            )
        self._guard_loop(count, stmt.body, ctx, stmt)
        inner = ctx.enter(kind=_nested(ctx), origin=(*ctx.origin, "repeat"))
        for i in range(count):
            scope = ctx.scope.child()
            if stmt.var is not None:
                scope.vars[stmt.var] = i
            self.exec_body(stmt.body, inner.with_scope(scope))

    def _for(self, stmt: s.For, ctx: Ctx) -> None:
        value = self.st.ev.eval(stmt.iterable, ctx.scope)
        count = (
            len(value)
            if isinstance(value, RangeValue)
            else self.st.ev.length(value, stmt.iterable.span)
        )
        # Guard first: a huge range must be refused before it is materialized.
        self._guard_loop(count, stmt.body, ctx, stmt)
        items = self.st.ev.iterate(value, stmt.iterable.span)
        inner = ctx.enter(kind=_nested(ctx), origin=(*ctx.origin, "for"))
        for item in items:
            scope = ctx.scope.child()
            scope.vars[stmt.var] = item
            self.exec_body(stmt.body, inner.with_scope(scope))

    def _layer(self, stmt: s.Layer, ctx: Ctx) -> None:
        if ctx.layer is not None:
            raise self.st.rep.error(
                "misplaced-statement",
                "layers cannot be nested",
                stmt.span,
                "hint: a layer is one step of depth; put it directly in a repeat",
            )
        index = len(self.st.layers)
        start = len(self.st.ops)
        self.st.layers.append((index, start, start))
        inner = ctx.enter(
            scope=ctx.scope.child(), kind=_nested(ctx), layer=index, origin=(*ctx.origin, "layer")
        )
        self.exec_body(stmt.body, inner, layer_body=True)
        self.st.layers[index] = (index, start, len(self.st.ops))

    def _if(self, stmt: s.If, ctx: Ctx) -> None:
        for condition, body in stmt.branches:
            if self.st.ev.condition(condition, ctx.scope):
                self.exec_body(body, ctx.enter(scope=ctx.scope.child(), kind=_nested(ctx)))
                return
        if stmt.orelse is not None:
            self.exec_body(stmt.orelse, ctx.enter(scope=ctx.scope.child(), kind=_nested(ctx)))

    def _require(self, stmt: s.Require, ctx: Ctx) -> None:
        owner = ctx.blocks[-1] if ctx.blocks else "the model"
        where = ctx.call_site or stmt.span
        check_requirement(self.st.ev, self.st.rep, stmt, ctx.scope, where, owner)

    def _register(self, stmt: s.DropoutStmt | s.NoiseStmt, ctx: Ctx) -> None:
        values = {}
        for assign in stmt.assigns:
            if assign.name in values:
                raise self.st.rep.error(
                    "duplicate-definition", f"'{assign.name}' is given twice", assign.span
                )
            values[assign.name] = self.st.ev.eval(assign.value, ctx.scope)
        registration = Registration(stmt, self.st.statement_count, values)
        self.st.statement_count += 1
        if isinstance(stmt, s.NoiseStmt):
            registration.wires = self.flat_wires(stmt.wires, ctx, stmt.span)
        elif stmt.layers is not None:
            layers = self.st.ev.eval(stmt.layers, ctx.scope)
            if isinstance(layers, RangeValue):
                registration.layers = layers.items()
            else:
                items = (
                    self.st.ev.iterate(layers, stmt.layers.span)
                    if not isinstance(layers, int)
                    else [layers]
                )
                registration.layers = {
                    self.st.ev.as_int(v, stmt.layers.span, "a layer index") for v in items
                }
        self.st.frames[-1].append(registration)


def _nested(ctx: Ctx) -> str:
    return "nested" if ctx.kind == "model" else ctx.kind


def _keyword(stmt: s.Stmt) -> str:
    names = {
        s.Qubits: "qubits",
        s.Ensemble: "ensemble",
        s.InputDecl: "input",
        s.ParamDecl: "param",
        s.Measure: "measure",
        s.Head: "head",
        s.Train: "train",
        s.CallStmt: "gate",
        s.Encode: "encode",
        s.Entangle: "entangle",
        s.Layer: "layer",
        s.DropoutStmt: "dropout",
        s.NoiseStmt: "noise",
        s.Import: "import",
        s.BlockDef: "block",
        s.TopologyDef: "topology",
        s.ModelDef: "model",
    }
    return names.get(type(stmt), type(stmt).__name__.lower())


__all__ += ["Definitions"]
