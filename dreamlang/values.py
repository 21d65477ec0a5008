"""Compile-time values: what names and expressions evaluate to while a program is unrolled."""

from __future__ import annotations

from dataclasses import dataclass

from dreamlang import ir

__all__ = [
    "ArrayRef",
    "DepthSchedule",
    "GateRef",
    "ListValue",
    "Pauli",
    "RangeValue",
    "Sym",
    "TopologyRef",
    "TupleValue",
    "Value",
    "describe",
    "is_number",
]


@dataclass(frozen=True, slots=True)
class DepthSchedule:
    """A schedule over layer depth; replaced by its value once an operation's layer is known."""

    kind: str
    args: tuple[float, ...]
    length: int


@dataclass(frozen=True, slots=True)
class Sym:
    """A scalar known only at run time: an IR expression over inputs, params and schedules.

    ``expr`` may hold DepthSchedule leaves until they are resolved (see schedules.resolve_depth).
    """

    expr: ir.Expr
    has_schedule: bool = False  # kept up to date by the evaluator, so hot paths need not walk

    @property
    def has_symbols(self) -> bool:
        return any(isinstance(n, ir.InputRef | ir.ParamRef) for n in ir.walk(self.expr))


@dataclass(frozen=True, slots=True)
class ArrayRef:
    """An input or param tensor, possibly indexed in its leading dimensions."""

    kind: str  # input | param
    name: str
    shape: tuple[int, ...]
    prefix: tuple[int, ...] = ()

    @property
    def remaining(self) -> tuple[int, ...]:
        return self.shape[len(self.prefix) :]


@dataclass(frozen=True, slots=True)
class ListValue:
    items: tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class TupleValue:
    items: tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class RangeValue:
    start: int
    stop: int
    step: int

    def __len__(self) -> int:
        return len(range(self.start, self.stop, self.step))

    def items(self) -> range:
        return range(self.start, self.stop, self.step)


@dataclass(frozen=True, slots=True)
class GateRef:
    """A gate, channel or block used as a value (``rotation=ry``, ``using cnot``)."""

    name: str


@dataclass(frozen=True, slots=True)
class TopologyRef:
    name: str


@dataclass(frozen=True, slots=True)
class Pauli:
    """A Pauli constant: one of X, Y, Z, I (``rotation=Y``) or a word of them (``paulis=[Z, ZZ]``).

    A word is indexed letter by letter, ``ZX[0]`` is ``Z``, and ``len(ZX)`` is 2.
    """

    letter: str


Value = (
    bool
    | int
    | float
    | Sym
    | ArrayRef
    | ListValue
    | TupleValue
    | RangeValue
    | GateRef
    | TopologyRef
    | Pauli
)


def is_number(value: object) -> bool:
    return isinstance(value, int | float)


def describe(value: object) -> str:
    """The kind of a value, for messages: 'an integer', 'a wire list', ..."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a real number"
    if isinstance(value, Sym):
        return "a schedule" if value.has_schedule else "a run-time expression"
    if isinstance(value, ArrayRef):
        dims = len(value.remaining)
        return f"the {value.kind} tensor '{value.name}' ({dims}-dimensional)"
    names = {
        ListValue: "a list",
        TupleValue: "a tuple",
        RangeValue: "a range",
        GateRef: "a gate",
        TopologyRef: "a topology",
        Pauli: "a Pauli constant",
    }
    return names.get(type(value), type(value).__name__)
