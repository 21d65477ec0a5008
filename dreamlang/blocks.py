"""Blocks, topologies and entanglers: binding arguments, running bodies, pairing wires."""

from __future__ import annotations

from collections.abc import Sequence

from dreamlang import syntax as s
from dreamlang.context import Ctx
from dreamlang.diagnostics import Span
from dreamlang.estimate import estimate_block
from dreamlang.evaluate import Scope
from dreamlang.operations import OperationsMixin
from dreamlang.reporting import did_you_mean
from dreamlang.stdlib_index import import_hint
from dreamlang.values import ListValue, TopologyRef, TupleValue, Value, describe

__all__ = ["BlocksMixin"]

_MAX_PAIRS_DEPTH = 32


class BlocksMixin(OperationsMixin):
    """Calls of gates or blocks, and entanglers over topologies."""

    def apply_call(self, stmt: s.CallStmt, ctx: Ctx) -> None:
        name, spec = self._resolve_op(stmt.name, ctx, stmt.span)
        if spec is not None:
            groups = self.wire_groups(stmt.wires, spec.num_wires, ctx, stmt.span)
            self.apply_spec(spec, stmt, groups, ctx)
        else:
            self.call_block(self.st.defs.blocks[name], stmt, ctx)

    def call_block(self, block: s.BlockDef, stmt: s.CallStmt, ctx: Ctx) -> None:
        if block.name in ctx.blocks:
            chain = " -> ".join([*ctx.blocks[ctx.blocks.index(block.name) :], block.name])
            raise self.st.rep.error(
                "recursive-block", f"block '{block.name}' calls itself ({chain})", stmt.span
            )
        if len(ctx.blocks) >= self.st.limits.max_nesting:
            raise self.st.rep.error(
                "nesting-too-deep", "block calls nested deeper than the limit", stmt.span
            )
        scope = self.bind_arguments(block.name, block.params, stmt.args or (), ctx, stmt.span)
        if block.wires_name is None and stmt.wires is not None:
            hint = f"hint: declare them: block {block.name}(...) on wires {{ ... }}"
            raise self.st.rep.error(
                "type-error", f"block '{block.name}' takes no wires", stmt.wires.span, hint
            )
        wires = ctx.wires
        if block.wires_name is not None:
            wires = self.flat_wires(stmt.wires, ctx, stmt.span)
            scope.vars[block.wires_name] = ListValue(tuple(wires))
        estimate = estimate_block(block, len(wires), self.st)
        if self.st.work + estimate > self.st.limits.max_ops:
            self.too_many_ops(self.st.work + estimate, stmt.span)
        inner = ctx.enter(
            scope=scope,
            wires=wires,
            kind="block",
            origin=(*ctx.origin, f"block:{block.name}"),
            template=ctx.template or block.name,
            blocks=(*ctx.blocks, block.name),
            call_site=ctx.call_site or stmt.span,
        )
        if ctx.call_site is not None or not block.span.filename.startswith("std/"):
            self.exec_body(block.body, inner)
            return
        # A mistake inside a standard-library template is the caller's: point at the call.
        start = len(self.st.rep.diagnostics)
        try:
            self.exec_body(block.body, inner)
        finally:
            self.st.rep.relocate(start, stmt.span, "std/")

    def bind_arguments(
        self, name: str, params: Sequence[s.ParamSpec], args: Sequence[s.Arg], ctx: Ctx, span: Span
    ) -> Scope:
        """A fresh scope (child of the globals) with the parameters bound, defaults filled in."""
        rep, ev = self.st.rep, self.st.ev
        positional = [a for a in args if a.name is None]
        if len(positional) > len(params):
            message = f"'{name}' takes {len(params)} argument(s), {len(positional)} given"
            raise rep.error("wrong-argument-count", message, span)
        scope = self.st.defs.globals.child()
        for param, arg in zip(params, positional, strict=False):
            scope.vars[param.name] = ev.eval(arg.value, ctx.scope)
        names = [p.name for p in params]
        for arg in args:
            if arg.name is None:
                continue
            if arg.name not in names:
                raise rep.error(
                    "unknown-option",
                    f"'{name}' has no parameter '{arg.name}'",
                    arg.span,
                    *did_you_mean(arg.name, names),
                )
            if arg.name in scope.vars:
                raise rep.error(
                    "wrong-argument-count", f"argument '{arg.name}' given twice", arg.span
                )
            scope.vars[arg.name] = ev.eval(arg.value, ctx.scope)
        for param in params:
            if param.name in scope.vars:
                continue
            if param.default is None:
                raise rep.error(
                    "wrong-argument-count", f"'{name}' needs the argument '{param.name}'", span
                )
            scope.vars[param.name] = ev.eval(param.default, self.st.defs.globals)
        return scope

    # ---- entanglers and topologies ----
    def entangle(self, stmt: s.Entangle, ctx: Ctx) -> None:
        wires = self.flat_wires(stmt.gate.wires, ctx, stmt.span)
        pairs = self.topology_pairs(stmt.topology, len(wires), ctx)
        groups: list[tuple[int, ...]] = [(wires[a], wires[b]) for a, b in pairs]
        name, spec = self._resolve_op(stmt.gate.name, ctx, stmt.gate.span)
        inner = (
            ctx
            if ctx.role == "encoder"
            else ctx.enter(role="entangler", origin=(*ctx.origin, "entangle"))
        )
        if spec is None:
            for group in groups:
                call = s.CallStmt(name, stmt.gate.args, None, stmt.gate.span)
                self.call_block(self.st.defs.blocks[name], call, inner.enter(wires=group))
            return
        if spec.num_wires != 2:
            message = (
                f"'{spec.name}' acts on {spec.num_wires} wire(s); entangle needs a 2-wire gate"
            )
            raise self.st.rep.error("wire-count", message, stmt.gate.span)
        self.apply_spec(spec, stmt.gate, groups, inner)

    def topology_pairs(self, expr: s.Expr, n: int, ctx: Ctx) -> list[tuple[int, int]]:
        rep = self.st.rep
        if isinstance(expr, s.ListExpr | s.Name):
            value = (
                self.st.ev.eval(expr, ctx.scope) if not self._is_topology_name(expr, ctx) else None
            )
            if value is not None and not isinstance(value, TopologyRef):
                return self._explicit_pairs(value, n, expr.span)
            name = value.name if isinstance(value, TopologyRef) else expr.id  # type: ignore[union-attr]
            return self.run_topology(name, (), n, ctx, expr.span)
        if isinstance(expr, s.Call):
            bound = ctx.scope.lookup(expr.func.id)  # a block parameter such as topo=star
            name = bound.name if isinstance(bound, TopologyRef) else expr.func.id
            return self.run_topology(name, expr.args, n, ctx, expr.span)
        raise rep.error(
            "unknown-topology", "expected a topology name or a list of pairs", expr.span
        )

    def pairs_value(
        self, topology: s.Expr, options: Sequence[s.Arg], n: int, scope: Scope, span: Span
    ) -> list[tuple[int, int]]:
        """The pairs of ``topology`` over ``n`` wires: the expression function pairs(T, n, ...)."""
        expr = topology
        if options:
            if not isinstance(topology, s.Name):
                message = "topology options need a topology name: pairs(star, n, center=2)"
                raise self.st.rep.error("unknown-option", message, options[0].span)
            expr = s.Call(topology, tuple(options), span)
        if self.st.pairs_depth >= _MAX_PAIRS_DEPTH:
            message = "pairs() nested too deeply: does a topology list its own pairs?"
            raise self.st.rep.error("recursive-block", message, span)
        ctx = Ctx(scope, (), "nested", call_site=span).enter()
        self.st.pairs_depth += 1
        try:
            return self.topology_pairs(expr, n, ctx)
        finally:
            self.st.pairs_depth -= 1

    def _is_topology_name(self, expr: s.Expr, ctx: Ctx) -> bool:
        return isinstance(expr, s.Name) and ctx.scope.lookup(expr.id) is None

    def _explicit_pairs(self, value: Value, n: int, span: Span) -> list[tuple[int, int]]:
        if not isinstance(value, ListValue):
            raise self.st.rep.error(
                "type-error", f"a topology must be a list of pairs, not {describe(value)}", span
            )
        pairs = []
        for item in value.items:
            if not isinstance(item, TupleValue | ListValue) or len(item.items) != 2:
                raise self.st.rep.error(
                    "type-error", "each entry of a pair list must be a pair like (0, 1)", span
                )
            pairs.append(self.check_pair(item.items[0], item.items[1], n, span))
        return pairs

    def check_pair(self, a: Value, b: Value, n: int, span: Span) -> tuple[int, int]:
        ev, rep = self.st.ev, self.st.rep
        first, second = ev.as_int(a, span, "a pair entry"), ev.as_int(b, span, "a pair entry")
        for x in (first, second):
            if not 0 <= x < n:
                raise rep.error(
                    "wire-out-of-range", f"pair entry {x} is out of range for {n} wires", span
                )
        if first == second:
            raise rep.error("duplicate-wire", f"pair ({first}, {second}) repeats a wire", span)
        return first, second

    def run_topology(
        self, name: str, args: Sequence[s.Arg], n: int, ctx: Ctx, span: Span
    ) -> list[tuple[int, int]]:
        topology = self.st.defs.topologies.get(name)
        if topology is None:
            hint = import_hint(name, self.st.defs.topologies)
            raise self.st.rep.error("unknown-topology", f"unknown topology '{name}'", span, *hint)
        if not topology.params:
            raise self.st.rep.error(
                "wrong-argument-count",
                f"topology '{name}' must take the wire count as its first parameter",
                topology.span,
            )
        first = s.Arg(None, s.Int(n, span), span)
        scope = self.bind_arguments(name, topology.params, (first, *args), ctx, span)
        pairs: list[tuple[int, int]] = []
        call_site = ctx.call_site or span  # a failed require points at the user's entangle
        inner = ctx.enter(
            scope=scope,
            kind="topology",
            pairs=pairs,
            blocks=(*ctx.blocks, name),
            call_site=call_site,
        )
        if name in ctx.blocks:
            raise self.st.rep.error("recursive-block", f"topology '{name}' calls itself", span)
        self.exec_body(topology.body, inner)
        return pairs

    def pair(self, stmt: s.Pair, ctx: Ctx) -> None:
        assert ctx.pairs is not None
        n_value = ctx.scope.lookup(self._topology_count_name(ctx))
        n = n_value if isinstance(n_value, int) else 0
        first = self.st.ev.eval(stmt.first, ctx.scope)
        second = self.st.ev.eval(stmt.second, ctx.scope)
        ctx.pairs.append(self.check_pair(first, second, n, stmt.span))

    def _topology_count_name(self, ctx: Ctx) -> str:
        topology = self.st.defs.topologies[ctx.blocks[-1]]
        return topology.params[0].name
