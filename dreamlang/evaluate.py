"""Compile-time evaluation of expressions: constants fold, inputs and params stay symbolic."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Container, Iterable, Sequence
from typing import Any, TypeVar

from dreamlang import gates, ir
from dreamlang import syntax as s
from dreamlang.arith import ValueSizes, fold_binary, power_overflows
from dreamlang.calls import MATH_FUNCTIONS, evaluate_call
from dreamlang.diagnostics import Span
from dreamlang.limits import Limits
from dreamlang.reporting import Reporter, did_you_mean
from dreamlang.values import (
    ArrayRef,
    GateRef,
    ListValue,
    Pauli,
    RangeValue,
    Sym,
    TopologyRef,
    TupleValue,
    Value,
    describe,
    is_number,
)

__all__ = ["MATH_FUNCTIONS", "Evaluator", "Scope", "to_expr"]

V = TypeVar("V", bound=Value)
_SHORT = 8  # lists and tuples of up to this many plain items need no measuring
_NESTED = (ListValue, TupleValue, Sym)

TopologyHook = Callable[[s.Expr, Sequence[s.Arg], int, "Scope", Span], list[tuple[int, int]]]
_PAULI_WORD = re.compile(r"[IXYZ]+")
_BUILTINS: dict[str, Value] = {
    "pi": math.pi,
    "X": Pauli("X"),
    "Y": Pauli("Y"),
    "Z": Pauli("Z"),
    "I": Pauli("I"),
}


class Scope:
    """A lexical scope: names bound by const, let, loops and block parameters."""

    __slots__ = ("parent", "vars")

    def __init__(self, parent: Scope | None = None):
        self.parent = parent
        self.vars: dict[str, Value] = {}

    def lookup(self, name: str) -> Value | None:
        found = self.vars.get(name)
        if found is not None:
            return found
        scope = self.parent
        while scope is not None:
            found = scope.vars.get(name)
            if found is not None:
                return found
            scope = scope.parent
        return None

    def names(self) -> set[str]:
        scope: Scope | None = self
        out: set[str] = set()
        while scope is not None:
            out.update(scope.vars)
            scope = scope.parent
        return out

    def child(self) -> Scope:
        return Scope(self)


def _scheduled(value: Value) -> bool:
    return isinstance(value, Sym) and value.has_schedule


def to_expr(value: Value) -> ir.Expr:
    if isinstance(value, Sym):
        return value.expr
    return ir.Num(float(value))  # type: ignore[arg-type]


class Evaluator:
    """Evaluates syntax expressions in a scope, reporting mistakes as positioned diagnostics.

    ``blocks`` and ``topologies`` are the live tables of definitions: a bare name that is no
    variable may name a gate, a block or a topology used as a value.
    ``limits`` bound the lists and run-time expressions that names let a program build up:
    their depth by ``max_nesting`` and their size by ``max_ops``.
    """

    def __init__(
        self,
        rep: Reporter,
        blocks: Container[str],
        topologies: Container[str],
        limits: Limits | None = None,
    ):
        self.rep = rep
        self.limits = limits or Limits()
        self._sizes = ValueSizes()
        self._short_ok = self.limits.max_nesting >= 2 and self.limits.max_ops > _SHORT
        self._blocks = blocks
        self._topologies = topologies
        # Runs a topology for pairs(T, n); set by the unroller, None where no model is unrolled.
        self.topology_hook: TopologyHook | None = None
        self._dispatch: dict[type, Callable[[Any, Scope], Value]] = {
            s.Int: self._int,
            s.Float: self._float,
            s.Name: self._name,
            s.Binary: self._binary,
            s.Unary: self._unary,
            s.Compare: self._compare,
            s.BoolOp: self._boolop,
            s.Not: self._not,
            s.Call: self._call,
            s.Index: self._index,
            s.TupleExpr: self._tuple,
            s.ListExpr: self._list,
            s.Comprehension: self._comprehension,
            s.Range: self._range,
        }

    def eval(self, expr: s.Expr, scope: Scope) -> Value:
        kind = type(expr)
        if kind is s.Name:  # the hot path: a loop variable or tensor name
            found = scope.lookup(expr.id)  # type: ignore[union-attr]
            if found is not None:
                return found
        elif kind is s.Int:
            return self._int(expr, scope)  # type: ignore[arg-type]
        method = self._dispatch.get(kind)
        if method is None:
            raise self.rep.error("type-error", "'all' is only allowed after 'on'", expr.span)
        return method(expr, scope)

    # ---- typed helpers ----
    def integer(self, expr: s.Expr, scope: Scope, what: str) -> int:
        return self.as_int(self.eval(expr, scope), expr.span, what)

    def as_int(self, value: Value, span: Span, what: str) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            hint = f"hint: write {int(value)}, or use '//' for integer division"
            raise self.rep.error(
                "non-integer", f"{what} must be an integer, not {value!r}", span, hint
            )
        raise self.rep.error(
            "non-integer", f"{what} must be an integer, not {describe(value)}", span
        )

    def bounded(self, value: V, span: Span) -> V:
        """``value``, if its depth and size are within the limits."""
        depth, size = self._sizes.measure(value)
        if depth > self.limits.max_nesting:
            message = f"a value nested deeper than the limit of {self.limits.max_nesting}"
            hint = "hint: it grows through names (let b = a + a); build it more directly"
            raise self.rep.error("nesting-too-deep", message, span, hint)
        if size > self.limits.max_ops:
            message = f"a value of more than {self.limits.max_ops} parts, over the limit"
            hint = "hint: raise the limit with --max-ops"
            raise self.rep.error("too-many-ops", message, span, hint)
        return value

    # ---- leaves ----
    def _int(self, expr: s.Int, scope: Scope) -> Value:
        if abs(expr.value) >= 2**63:
            raise self.rep.error(
                "integer-overflow", "integer literal outside the 64-bit range", expr.span
            )
        return expr.value

    def _float(self, expr: s.Float, scope: Scope) -> Value:
        if not math.isfinite(expr.value):
            raise self.rep.error("non-finite", f"number {expr.text} is not finite", expr.span)
        return expr.value

    def _name(self, expr: s.Name, scope: Scope) -> Value:
        found = scope.lookup(expr.id)
        if found is not None:
            return found
        if expr.id in _BUILTINS:
            return _BUILTINS[expr.id]
        if self.is_op(expr.id):
            return GateRef(expr.id)
        if expr.id in self._topologies:
            return TopologyRef(expr.id)
        if _PAULI_WORD.fullmatch(expr.id):  # ZZ, XY, ...: Qiskit's pauli strings, unquoted
            return Pauli(expr.id)
        hint = did_you_mean(expr.id, scope.names() | set(_BUILTINS))
        raise self.rep.error("unknown-name", f"unknown name '{expr.id}'", expr.span, *hint)

    def is_op(self, name: str) -> bool:
        """Whether ``name`` is a built-in gate or channel (or alias) or a defined block."""
        # Checked against the live tables, so blocks defined after a first lookup are seen.
        return gates.lookup(name) is not None or name in self._blocks

    # ---- operators ----
    def _binary(self, expr: s.Binary, scope: Scope) -> Value:
        left = self.eval(expr.left, scope)
        right = self.eval(expr.right, scope)
        return self.arith(expr.op, left, right, expr.span)

    def arith(self, op: str, left: Value, right: Value, span: Span) -> Value:
        if is_number(left) and is_number(right):
            if op == "**" and power_overflows(left, right):  # type: ignore[arg-type]
                raise self.rep.error(
                    "integer-overflow", "integer power outside the 64-bit range", span
                )
            result, code, message = fold_binary(op, left, right)  # type: ignore[arg-type]
            if code:
                raise self.rep.error(code, message, span)
            return result
        if isinstance(left, ListValue) and isinstance(right, ListValue) and op == "+":
            return self._concat(left, right, span)
        scalars = (is_number(left) or isinstance(left, Sym)) and (
            is_number(right) or isinstance(right, Sym)
        )
        if scalars and op in ("+", "-", "*", "/", "**"):
            scheduled = _scheduled(left) or _scheduled(right)
            return self.bounded(Sym(ir.Binary(op, to_expr(left), to_expr(right)), scheduled), span)
        if scalars:
            message = f"'{op}' needs compile-time integers, not a run-time expression"
            raise self.rep.error("type-error", message, span)
        message = f"cannot apply '{op}' to {describe(left)} and {describe(right)}"
        raise self.rep.error("type-error", message, span)

    def _concat(self, left: ListValue, right: ListValue, span: Span) -> Value:
        if len(left.items) + len(right.items) > self.limits.max_ops:
            message = f"a list of more than {self.limits.max_ops} items, over the limit"
            raise self.rep.error(
                "too-many-ops", message, span, "hint: raise the limit with --max-ops"
            )
        return self.bounded(ListValue(left.items + right.items), span)

    def _unary(self, expr: s.Unary, scope: Scope) -> Value:
        value = self.eval(expr.operand, scope)
        if expr.op == "+" and (is_number(value) or isinstance(value, Sym)):
            return value
        if is_number(value):
            return -value  # type: ignore[operator]
        if isinstance(value, Sym):
            return self.bounded(Sym(ir.Neg(value.expr), value.has_schedule), expr.span)
        raise self.rep.error("type-error", f"cannot negate {describe(value)}", expr.span)

    def _compare(self, expr: s.Compare, scope: Scope) -> Value:
        left, right = self.eval(expr.left, scope), self.eval(expr.right, scope)
        if expr.op in ("==", "!="):
            equal = (
                left == right
                if type(left) is type(right) or (is_number(left) and is_number(right))
                else False
            )
            return equal if expr.op == "==" else not equal
        if not (is_number(left) and is_number(right)):
            message = f"cannot compare {describe(left)} and {describe(right)} with '{expr.op}'"
            raise self.rep.error("type-error", message, expr.span)
        a, b = float(left), float(right)  # type: ignore[arg-type]
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[expr.op]

    def condition(self, expr: s.Expr, scope: Scope) -> bool:
        value = self.eval(expr, scope)
        if isinstance(value, bool) or is_number(value):
            return bool(value)
        message = f"a condition must be known at compile time, not {describe(value)}"
        raise self.rep.error("type-error", message, expr.span)

    def _boolop(self, expr: s.BoolOp, scope: Scope) -> Value:
        first = self.condition(expr.left, scope)
        if expr.op == "and" and not first:
            return False
        if expr.op == "or" and first:
            return True
        return self.condition(expr.right, scope)

    def _not(self, expr: s.Not, scope: Scope) -> Value:
        return not self.condition(expr.operand, scope)

    def _call(self, expr: s.Call, scope: Scope) -> Value:
        return evaluate_call(self, expr, scope)

    def length(self, value: Value, span: Span) -> int:
        if isinstance(value, ArrayRef) and value.remaining:
            return value.remaining[0]
        if isinstance(value, ListValue | TupleValue):
            return len(value.items)
        if isinstance(value, RangeValue):
            return len(value)
        if isinstance(value, Pauli):
            return len(value.letter)
        raise self.rep.error("type-error", f"{describe(value)} has no length", span)

    def iterate(self, value: Value, span: Span) -> Iterable[Value]:
        if isinstance(value, RangeValue):
            return value.items()
        if isinstance(value, ListValue | TupleValue):
            return value.items
        if isinstance(value, ArrayRef) and value.remaining:
            return [self.index_value(value, i, span) for i in range(value.remaining[0])]
        raise self.rep.error("type-error", f"cannot iterate over {describe(value)}", span)

    # ---- indexing and literals ----
    def _index(self, expr: s.Index, scope: Scope) -> Value:
        value = self.eval(expr.target, scope)
        if isinstance(value, ArrayRef):
            fast = self._index_array(value, expr, scope)
            if fast is not None:
                return fast
        for position in expr.indices:
            index = self.eval(position, scope)
            if isinstance(index, RangeValue) and not isinstance(value, ArrayRef):
                value = self._slice(value, index, position.span)
                continue
            value = self.index_value(
                value, self.as_int(index, position.span, "an index"), position.span
            )
        return value

    def _slice(self, value: Value, index: RangeValue, span: Span) -> Value:
        items: list[Value] = []
        for i in index.items():  # a huge range fails at its first index out of bounds, or here
            if len(items) == self.limits.max_ops:
                message = f"a slice of more than {self.limits.max_ops} items, over the limit"
                raise self.rep.error(
                    "too-many-ops", message, span, "hint: raise the limit with --max-ops"
                )
            items.append(self.index_value(value, i, span))
        return self.bounded(ListValue(tuple(items)), span)

    def _index_array(self, value: ArrayRef, expr: s.Index, scope: Scope) -> Value | None:
        """Index a tensor fully in one step (the hot path of unrolling); None to take the slow path."""
        indices = [self.eval(i, scope) for i in expr.indices]
        remaining = value.remaining
        if len(indices) != len(remaining) or any(type(i) is not int for i in indices):
            return self._index_slow(value, expr, indices)
        for index, size in zip(indices, remaining, strict=True):
            if not 0 <= index < size:  # type: ignore[operator]
                return self._index_slow(value, expr, indices)
        ref = ir.InputRef if value.kind == "input" else ir.ParamRef
        return Sym(ref(value.name, (*value.prefix, *indices)))  # type: ignore[arg-type]

    def _index_slow(self, value: Value, expr: s.Index, indices: list[Value]) -> Value:
        for position, index in zip(expr.indices, indices, strict=True):
            value = self.index_value(
                value, self.as_int(index, position.span, "an index"), position.span
            )
        return value

    def index_value(self, value: Value, index: int, span: Span) -> Value:
        if isinstance(value, ArrayRef):
            dims = value.remaining
            if not dims:
                message = f"'{value.name}' has only {len(value.shape)} dimension(s)"
                raise self.rep.error("index-out-of-bounds", message, span)
            if not 0 <= index < dims[0]:
                message = (
                    f"index {index} is out of bounds for '{value.name}' dimension of size {dims[0]}"
                )
                raise self.rep.error("index-out-of-bounds", message, span)
            prefix = (*value.prefix, index)
            if len(prefix) == len(value.shape):
                ref = ir.InputRef if value.kind == "input" else ir.ParamRef
                return Sym(ref(value.name, prefix))
            return ArrayRef(value.kind, value.name, value.shape, prefix)
        if isinstance(value, ListValue | TupleValue | RangeValue):
            items = value.items() if isinstance(value, RangeValue) else value.items
            if not 0 <= index < len(items):
                message = (
                    f"index {index} is out of bounds for {describe(value)} of length {len(items)}"
                )
                raise self.rep.error("index-out-of-bounds", message, span)
            return items[index]
        if isinstance(value, Pauli) and 0 <= index < len(value.letter):
            return Pauli(value.letter[index])
        if isinstance(value, Pauli):
            message = f"index {index} is out of bounds for the Pauli word {value.letter}"
            raise self.rep.error("index-out-of-bounds", message, span)
        raise self.rep.error("type-error", f"cannot index {describe(value)}", span)

    def _tuple(self, expr: s.TupleExpr, scope: Scope) -> Value:
        items = tuple(self.eval(item, scope) for item in expr.items)
        return self._collection(TupleValue(items), expr.span)

    def _list(self, expr: s.ListExpr, scope: Scope) -> Value:
        items = tuple(self.eval(item, scope) for item in expr.items)
        return self._collection(ListValue(items), expr.span)

    def _comprehension(self, expr: s.Comprehension, scope: Scope) -> Value:
        items: list[Value] = []
        for value in self.iterate(self.eval(expr.iterable, scope), expr.iterable.span):
            inner = scope.child()
            inner.vars[expr.name] = value
            if expr.condition is None or self.condition(expr.condition, inner):
                if len(items) == self.limits.max_ops:
                    message = f"a list of more than {self.limits.max_ops} items, over the limit"
                    hint = "hint: raise the limit with --max-ops"
                    raise self.rep.error("too-many-ops", message, expr.span, hint)
                items.append(self.eval(expr.item, inner))
        return self._collection(ListValue(tuple(items)), expr.span)

    def _collection(self, value: ListValue | TupleValue, span: Span) -> Value:
        """``value`` if within the limits; a short flat one (a wire list, mostly) is, at once."""
        short = len(value.items) <= _SHORT and self._short_ok
        if short and not any(isinstance(item, _NESTED) for item in value.items):
            return value
        return self.bounded(value, span)

    def _range(self, expr: s.Range, scope: Scope) -> Value:
        start = self.integer(expr.start, scope, "a range bound")
        stop = self.integer(expr.stop, scope, "a range bound")
        step = self.integer(expr.step, scope, "a range step") if expr.step is not None else 1
        if step == 0:
            raise self.rep.error(
                "type-error", "a range step cannot be 0", expr.step.span if expr.step else expr.span
            )
        value = RangeValue(start, stop, step)
        try:
            len(value)
        except OverflowError:  # more numbers than a 64-bit length can count
            raise self.rep.error(
                "integer-overflow", "a range of more than 2**63 - 1 numbers", expr.span
            ) from None
        return value
