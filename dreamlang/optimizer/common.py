"""Helpers shared by the optimizer rules: op lists, tags that may merge, wire-local scans."""

from __future__ import annotations

import bisect
import collections
import dataclasses
import heapq
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from dreamlang import ir
from dreamlang.arith import fold_binary, fold_call

__all__ = [
    "Context",
    "WireIndex",
    "constant",
    "is_channel",
    "is_droppable",
    "may_merge",
    "ops_of",
    "with_ops",
]


@dataclasses.dataclass(frozen=True, slots=True)
class Context:
    """What a rule may be told besides the program (room for targets, measured wires, ...)."""

    tolerance: float = 1e-12  # how close to a multiple of 2*pi a numeric angle counts as one
    # Keep the circuit's global phase exactly (-O1), so that compiled circuits keep dreamlang's
    # exact matrices; -O2 may drop a global phase (rx(2*pi) = -I goes, runs fuse to u3).
    exact_phase: bool = True
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)


def ops_of(program: ir.Program) -> tuple[ir.Operation, ...]:
    return () if program.model is None else program.model.ops


def with_ops(program: ir.Program, ops: Sequence[ir.Operation]) -> ir.Program:
    """The program with its model's operations replaced (the same object when unchanged)."""
    model = program.model
    if model is None or tuple(ops) == model.ops:
        return program
    return dataclasses.replace(program, model=dataclasses.replace(model, ops=tuple(ops)))


def is_channel(op: ir.Operation) -> bool:
    tags = op.tags
    return tags.role == "channel" or tags.noise is not None


def is_droppable(op: ir.Operation) -> bool:
    return op.tags.dropout is not None and not is_channel(op)


def may_merge(a: ir.Operation, b: ir.Operation) -> bool:
    """Whether two gates may become one (or cancel) without changing dropout's meaning.

    Both never dropped; or both dropped by the same coin with the same probabilities: the same
    dropout tag with a named or correlated group, in the same layer (a layer coin is per layer).
    Independent coins never merge: one coin cannot stand for two.
    """
    if is_channel(a) or is_channel(b):
        return False
    tag_a, tag_b = a.tags.dropout, b.tags.dropout
    if tag_a is None or tag_b is None:
        return tag_a is None and tag_b is None
    return tag_a == tag_b and tag_a.group is not None and a.tags.layer == b.tags.layer


# Leaves whose value is unknown at compile time: an expression holding one is not a constant.
_SYMBOLIC = (ir.InputRef, ir.ParamRef, ir.Schedule)


def constant(expr: ir.Expr) -> float | None:
    """The value of an expression without symbols or schedules (None otherwise, or when it is
    not a finite real number), computed with the front end's checked arithmetic."""
    if isinstance(expr, ir.Num):
        return expr.value
    if isinstance(expr, _SYMBOLIC) or _symbolic(expr):
        return None
    try:
        return float(_value(expr))
    except ValueError:
        return None


def _symbolic(expr: ir.Expr) -> bool:
    """Whether ``expr`` holds a symbol or a schedule (as a walk over it would find; quicker)."""
    return first_leaf(expr, _SYMBOLIC) is not None


def first_leaf(expr: ir.Expr, kinds: tuple[type, ...]) -> Any:
    """The first sub-expression of one of ``kinds`` in ir.walk's order (parents first, left
    before right), or None: a loop rather than ir.walk, because the rules ask per gate."""
    while True:
        if isinstance(expr, kinds):
            return expr
        if isinstance(expr, ir.Binary):
            found = first_leaf(expr.left, kinds)
            if found is not None:
                return found
            expr = expr.right
        elif isinstance(expr, ir.Neg):
            expr = expr.operand
        elif isinstance(expr, ir.Call):
            expr = expr.arg
        else:
            return None


def _value(expr: ir.Expr) -> float:
    if isinstance(expr, ir.Num):
        return expr.value
    if isinstance(expr, ir.Neg):
        return -_value(expr.operand)
    if isinstance(expr, ir.Call):
        value, code, _ = fold_call(expr.func, _value(expr.arg))
    else:
        assert isinstance(expr, ir.Binary), expr
        value, code, _ = fold_binary(expr.op, _value(expr.left), _value(expr.right))
    if code:
        raise ValueError(code)
    return float(value)


class WireIndex:
    """The positions of the operations on each wire, so that a scan back from an operation
    visits only the operations on its own wires (not every operation in between).

    Entries of ``ops`` may later be set to None (removed) or replaced by an operation on the
    same wires; the index stays valid.
    """

    def __init__(self, ops: Sequence[ir.Operation | None]):
        self.ops = ops
        self.by_wire: dict[int, list[int]] = collections.defaultdict(list)
        for position, op in enumerate(ops):
            for wire in () if op is None else op.wires:
                self.by_wire[wire].append(position)

    def previous(self, index: int, passes: Callable[[ir.Operation], bool]) -> int | None:
        """The nearest earlier op that shares a wire with ``ops[index]``, skipping removed ops
        and ops that ``passes`` (for instance: commute with it); None when there is none or
        when an op that does not pass comes first."""
        ops = self.ops
        for j in self.before(index):
            other = ops[j]
            if other is not None and not passes(other):
                return j
        return None

    def before(self, index: int) -> Iterator[int]:
        """The positions before ``index`` on the wires of ``ops[index]``, nearest first, each
        once (removed ops included)."""
        op = self.ops[index]
        assert op is not None
        wires = op.wires
        if len(wires) == 1:  # the usual cases first: one wire, or two
            return self._before(wires[0], index)
        if len(wires) == 2 and wires[0] != wires[1]:
            return self._merge_two(wires[0], wires[1], index)
        scans = [self._before(wire, index) for wire in dict.fromkeys(wires)]
        return scans[0] if len(scans) == 1 else self._merge(scans)

    def _before(self, wire: int, index: int) -> Iterator[int]:
        positions = self.by_wire[wire]
        for k in range(bisect.bisect_left(positions, index) - 1, -1, -1):
            yield positions[k]

    def _merge_two(self, first: int, second: int, index: int) -> Iterator[int]:
        """The descending merge of two wires' positions: most ops have two wires or one, and
        this is several times quicker than heapq.merge."""
        a, b = self.by_wire[first], self.by_wire[second]
        i, j = bisect.bisect_left(a, index) - 1, bisect.bisect_left(b, index) - 1
        while i >= 0 and j >= 0:
            x, y = a[i], b[j]
            if x >= y:
                yield x
                i -= 1
                j -= x == y  # an op on both wires comes once
            else:
                yield y
                j -= 1
        yield from (a[k] for k in range(i, -1, -1))
        yield from (b[k] for k in range(j, -1, -1))

    @staticmethod
    def _merge(scans: list[Iterator[int]]) -> Iterator[int]:
        last = None
        for j in heapq.merge(*scans, reverse=True):
            if j != last:
                last = j
                yield j
