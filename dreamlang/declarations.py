"""Model declarations (qubits, inputs, params) and outputs (measurements, classical head)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from dreamlang import ir
from dreamlang import syntax as s
from dreamlang.blocks import BlocksMixin
from dreamlang.context import Ctx
from dreamlang.evaluate import Scope
from dreamlang.reporting import Abort, did_you_mean
from dreamlang.values import ArrayRef, Sym, Value, describe, is_number

__all__ = ["ACTIVATIONS", "INITIALIZERS", "MAX_ENSEMBLE", "DeclarationsMixin", "Declared"]

ACTIVATIONS = ("relu", "tanh", "sigmoid", "softmax", "identity")
# name -> default arguments
INITIALIZERS: dict[str, tuple[float, ...]] = {
    "uniform": (0.0, 2 * math.pi),
    "normal": (0.0, 1.0),
    "zeros": (),
    "constant": (0.0,),
}
_DEFAULT_SHOTS = 1000
MAX_ENSEMBLE = 4096  # members are simulated one by one at every evaluation


@dataclass(frozen=True, slots=True)
class Declared:
    inputs: tuple[ir.InputDecl, ...]
    params: tuple[ir.ParamDecl, ...]
    ensemble: int = 1


class DeclarationsMixin(BlocksMixin):
    """Declarations before the body runs, outputs after."""

    def _define(self, scope: Scope, name: str, value: Value, stmt: s.Stmt) -> None:
        if name in scope.vars:
            raise self.st.rep.error(
                "duplicate-definition", f"'{name}' is already defined in this scope", stmt.span
            )
        scope.vars[name] = value

    def bind(self, stmt: s.ConstStmt | s.LetStmt, scope: Scope) -> None:
        value = self.st.ev.eval(stmt.value, scope)
        if isinstance(stmt, s.ConstStmt) and isinstance(value, Sym | ArrayRef):
            hint = "hint: use 'let' for values that depend on inputs or params"
            raise self.st.rep.error(
                "type-error",
                f"a const must be known at compile time, not {describe(value)}",
                stmt.value.span,
                hint,
            )
        self._define(scope, stmt.name, value, stmt)

    def declare(self, model: s.ModelDef, scope: Scope) -> Declared:
        """Bind the model's qubits, inputs, params, consts and lets, in source order, before its body runs.

        So a shape or the qubit count may use a constant defined above it in the model; the body's
        gates then see every name the model's top level binds.
        """
        inputs: list[ir.InputDecl] = []
        params: list[ir.ParamDecl] = []
        seen: dict[type, s.Stmt] = {}  # the 'qubits' and 'ensemble' statements met so far
        ensemble = 1
        for stmt in model.body:
            try:
                if isinstance(stmt, s.Qubits | s.Ensemble):
                    self._once(stmt, seen)
                if isinstance(stmt, s.Qubits):
                    self.st.num_qubits = self._qubits(stmt, scope)
                elif isinstance(stmt, s.Ensemble):
                    ensemble = self._ensemble(stmt, scope)
                elif isinstance(stmt, s.InputDecl | s.ParamDecl):
                    self._declare_tensor(stmt, scope, inputs, params)
                elif isinstance(stmt, s.ConstStmt | s.LetStmt):
                    self.bind(stmt, scope)
            except Abort:
                continue
        if s.Qubits not in seen:
            self.st.rep.error(
                "missing-qubits",
                f"model '{model.name}' does not say how many qubits it has",
                model.span,
                "hint: add 'qubits N' to the model",
            )
        return Declared(tuple(inputs), tuple(params), ensemble)

    def _once(self, stmt: s.Qubits | s.Ensemble, seen: dict[type, s.Stmt]) -> None:
        """A statement that a model may have only once: the second is reported, and skipped."""
        first = seen.setdefault(type(stmt), stmt)
        if first is not stmt:
            keyword = "qubits" if isinstance(stmt, s.Qubits) else "ensemble"
            where = f"note: first declared at line {first.span.line}" if first.span else ""
            notes = (where,) if where else ()
            raise self.st.rep.error(
                "duplicate-definition", f"'{keyword}' is declared twice", stmt.span, *notes
            )

    def _ensemble(self, stmt: s.Ensemble, scope: Scope) -> int:
        count = self.st.ev.integer(stmt.count, scope, "the ensemble size")
        if count < 1:
            raise self.st.rep.error(
                "invalid-value",
                f"an ensemble needs at least 1 member, not {count}",
                stmt.count.span,
                "hint: 'ensemble K' averages K dropout masks; K = 1 is a single model",
            )
        if count > MAX_ENSEMBLE:
            raise self.st.rep.error(
                "invalid-value",
                f"an ensemble of {count} members is more than the {MAX_ENSEMBLE} allowed",
                stmt.count.span,
                "hint: each member is one circuit per evaluation; exact-mode dropout "
                "(mode='exact') is the K -> infinity limit",
            )
        return count

    def _qubits(self, stmt: s.Qubits, scope: Scope) -> int:
        count = self.st.ev.integer(stmt.count, scope, "the qubit count")
        limit = self.st.limits.max_qubits
        if count < 1:
            raise self.st.rep.error(
                "invalid-value", f"a model needs at least 1 qubit, not {count}", stmt.count.span
            )
        if count > limit:
            raise self.st.rep.error(
                "too-many-qubits",
                f"{count} qubits is over the limit of {limit}",
                stmt.count.span,
                "hint: raise the limit with --max-qubits",
            )
        return count

    def _shape(self, dims: tuple[s.Expr, ...] | None, scope: Scope) -> tuple[int, ...]:
        shape = []
        for dim in dims or ():
            size = self.st.ev.integer(dim, scope, "a shape dimension")
            if size < 1:
                raise self.st.rep.error(
                    "invalid-value", f"a shape dimension must be at least 1, not {size}", dim.span
                )
            shape.append(size)
        if math.prod(shape) > self.st.limits.max_ops:
            raise self.st.rep.error(
                "too-many-ops",
                f"a tensor of shape {tuple(shape)} is over the size limit",
                dims[0].span if dims else None,
            )
        return tuple(shape)

    def _declare_tensor(
        self,
        stmt: s.InputDecl | s.ParamDecl,
        scope: Scope,
        inputs: list[ir.InputDecl],
        params: list[ir.ParamDecl],
    ) -> None:
        if stmt.name in scope.vars:
            raise self.st.rep.error(
                "duplicate-definition", f"'{stmt.name}' is already declared", stmt.span
            )
        shape = self._shape(stmt.shape, scope)
        kind = "input" if isinstance(stmt, s.InputDecl) else "param"
        if shape:
            scope.vars[stmt.name] = ArrayRef(kind, stmt.name, shape)
        else:
            ref = ir.InputRef if kind == "input" else ir.ParamRef
            scope.vars[stmt.name] = Sym(ref(stmt.name, ()))
        if isinstance(stmt, s.InputDecl):
            inputs.append(ir.InputDecl(stmt.name, shape, stmt.span))
        else:
            params.append(ir.ParamDecl(stmt.name, shape, self._initializer(stmt, scope), stmt.span))

    def _initializer(self, stmt: s.ParamDecl, scope: Scope) -> ir.Initializer:
        if stmt.init is None:
            return ir.Initializer("uniform", INITIALIZERS["uniform"])
        name = stmt.init.func.id
        if name not in INITIALIZERS:
            hint = did_you_mean(name, INITIALIZERS)
            raise self.st.rep.error(
                "unknown-initializer", f"unknown initializer '{name}'", stmt.init.func.span, *hint
            )
        defaults = INITIALIZERS[name]
        if len(stmt.init.args) > len(defaults) or any(a.name for a in stmt.init.args):
            message = f"'{name}' takes at most {len(defaults)} positional value(s)"
            raise self.st.rep.error("wrong-argument-count", message, stmt.init.span)
        values = []
        for arg in stmt.init.args:
            value = self.st.ev.eval(arg.value, scope)
            if not is_number(value) or isinstance(value, bool):
                raise self.st.rep.error(
                    "type-error", "initializer values must be numbers", arg.span
                )
            values.append(float(value))  # type: ignore[arg-type]
        args = (*values, *defaults[len(values) :])
        if (name == "uniform" and args[0] > args[1]) or (name == "normal" and args[1] < 0):
            raise self.st.rep.error(
                "invalid-value", f"invalid arguments for '{name}': {args}", stmt.init.span
            )
        return ir.Initializer(name, tuple(args))

    # ---- outputs ----
    def outputs(
        self, model: s.ModelDef, ctx: Ctx
    ) -> tuple[tuple[ir.Measurement, ...], tuple[ir.HeadLayer, ...]]:
        measurements: list[ir.Measurement] = []
        head: list[ir.HeadLayer] = []
        seen_head = False
        for stmt in model.body:
            try:
                if isinstance(stmt, s.Measure):
                    measurements.extend(self._measure(stmt, ctx))
                elif isinstance(stmt, s.Head):
                    if seen_head:
                        raise self.st.rep.error(
                            "duplicate-definition", "the model has two heads", stmt.span
                        )
                    seen_head = True
                    head.extend(self._head(stmt, ctx))
            except Abort:
                continue
        return tuple(measurements), tuple(head)

    def _measure(self, stmt: s.Measure, ctx: Ctx) -> list[ir.Measurement]:
        shots = None
        if stmt.kind == "sample":
            shots = (
                self.st.ev.integer(stmt.shots, ctx.scope, "a shot count")
                if stmt.shots
                else _DEFAULT_SHOTS
            )
            if shots < 1:
                raise self.st.rep.error(
                    "invalid-value",
                    f"a shot count must be at least 1, not {shots}",
                    stmt.shots.span if stmt.shots else stmt.span,
                )
        if stmt.word is None:
            wires = self.flat_wires(stmt.wires, ctx, stmt.span)
            return [ir.Measurement(stmt.kind, None, wires, shots, stmt.span)]
        factors = [self._pauli(f, ctx) for f in stmt.word]
        if all(w is None for _, w in factors) and len(factors) == 1:
            letter = factors[0][0]
            wires = self.flat_wires(stmt.wires, ctx, stmt.span)
            return [
                ir.Measurement(stmt.kind, ir.PauliTerm(((letter, w),)), (w,), shots, stmt.span)
                for w in wires
            ]
        if any(w is None for _, w in factors):
            raise self.st.rep.error(
                "unknown-pauli",
                "a Pauli word of several factors needs a wire on each, e.g. Z0 Z1",
                stmt.span,
            )
        if stmt.wires is not None:
            raise self.st.rep.error(
                "type-error",
                "the Pauli word already names its wires; drop the 'on' part",
                stmt.wires.span,
            )
        term = tuple((p, w) for p, w in factors if w is not None)
        wires = tuple(w for _, w in term)
        if len(set(wires)) != len(wires):
            raise self.st.rep.error(
                "duplicate-wire",
                f"the Pauli word {' '.join(f'{p}{w}' for p, w in term)} repeats a wire",
                stmt.span,
            )
        return [ir.Measurement(stmt.kind, ir.PauliTerm(term), wires, shots, stmt.span)]

    def _pauli(self, factor: s.PauliFactor, ctx: Ctx) -> tuple[str, int | None]:
        letter, rest = factor.name[:1], factor.name[1:]
        if (
            letter not in "XYZI"
            or (rest and not rest.isdigit())
            or (rest and factor.wire is not None)
        ):
            guess = letter.upper() + rest if letter.upper() in "XYZI" else "Z" + rest
            hint = (
                f"hint: did you mean '{guess}'?"
                if guess != factor.name
                else "hint: write a letter X, Y, Z or I and a wire, e.g. Z0"
            )
            raise self.st.rep.error(
                "unknown-pauli", f"'{factor.name}' is not a Pauli factor", factor.span, hint
            )
        if factor.wire is not None:
            return letter, self.check_wire(
                self.st.ev.eval(factor.wire, ctx.scope), factor.wire.span
            )
        if not rest:
            return letter, None
        wire = int(rest) if len(rest) <= 18 else 2**62  # a huge literal is just out of range
        return letter, self.check_wire(wire, factor.span)

    def _head(self, stmt: s.Head, ctx: Ctx) -> list[ir.HeadLayer]:
        layers: list[ir.HeadLayer] = []
        for item in stmt.items:
            if isinstance(item, s.Dense):
                units = self.st.ev.integer(item.units, ctx.scope, "the number of units")
                if units < 1:
                    raise self.st.rep.error(
                        "invalid-value",
                        f"a dense layer needs at least 1 unit, not {units}",
                        item.units.span,
                    )
                layers.append(ir.Dense(units, item.span))
            elif item.name in ACTIVATIONS:
                layers.append(ir.Activation(item.name, item.span))
            else:
                hint = did_you_mean(item.name, ACTIVATIONS) or (
                    "hint: activations are " + ", ".join(ACTIVATIONS),
                )
                raise self.st.rep.error(
                    "unknown-activation", f"unknown activation '{item.name}'", item.span, *hint
                )
        return layers
