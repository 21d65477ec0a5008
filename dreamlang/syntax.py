"""The surface syntax tree: what a .dream file says, before imports, unrolling and checks."""

from __future__ import annotations

from dataclasses import dataclass, field

from dreamlang.diagnostics import Span

__all__ = [
    "Activation",
    "AllWires",
    "Arg",
    "Assign",
    "Binary",
    "BlockDef",
    "BoolOp",
    "Call",
    "CallStmt",
    "Comment",
    "Compare",
    "Comprehension",
    "ConstStmt",
    "Dense",
    "DropoutStmt",
    "Encode",
    "Ensemble",
    "Entangle",
    "Expr",
    "ExprNode",
    "Float",
    "For",
    "Head",
    "If",
    "Import",
    "Index",
    "InputDecl",
    "Int",
    "Layer",
    "LetStmt",
    "ListExpr",
    "Measure",
    "ModelDef",
    "Module",
    "Name",
    "NoiseStmt",
    "Not",
    "Pair",
    "ParamDecl",
    "ParamSpec",
    "PauliFactor",
    "Qubits",
    "Range",
    "Repeat",
    "Require",
    "Stmt",
    "TopologyDef",
    "Train",
    "TrainSetting",
    "TupleExpr",
    "Unary",
]


def _span() -> Span:
    return field(default=None, compare=False, repr=False)  # type: ignore[return-value]


# ---- expressions ----


@dataclass(frozen=True, slots=True)
class Int:
    value: int
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Float:
    value: float
    text: str  # as written, so the formatter keeps 1e-3 as 1e-3
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Name:
    id: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Unary:
    op: str  # '-' or '+'
    operand: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Binary:
    op: str  # + - * / // % **
    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Compare:
    op: str
    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class BoolOp:
    op: str  # 'and' or 'or'
    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Arg:
    """A call argument; ``name`` is set for keyword arguments."""

    name: str | None
    value: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Call:
    func: Name
    args: tuple[Arg, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Index:
    target: Expr
    indices: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class TupleExpr:
    items: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ListExpr:
    items: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Comprehension:
    """``[item for name in iterable if condition]``: a list built while the program unrolls."""

    item: Expr
    name: str
    iterable: Expr
    condition: Expr | None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Range:
    """``start..stop [by step]``: stop is exclusive, like Python's range."""

    start: Expr
    stop: Expr
    step: Expr | None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class AllWires:
    """The wire list ``all``."""

    span: Span = _span()


ExprNode = (
    Int
    | Float
    | Name
    | Unary
    | Binary
    | Compare
    | BoolOp
    | Not
    | Call
    | Index
    | TupleExpr
    | ListExpr
    | Comprehension
    | Range
    | AllWires
)
Expr = ExprNode

# ---- statements ----


@dataclass(frozen=True, slots=True)
class Import:
    path: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ConstStmt:
    name: str
    value: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class LetStmt:
    name: str
    value: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ParamSpec:
    name: str
    default: Expr | None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class BlockDef:
    name: str
    params: tuple[ParamSpec, ...]
    wires_name: str | None
    body: tuple[Stmt, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class TopologyDef:
    name: str
    params: tuple[ParamSpec, ...]
    body: tuple[Stmt, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ModelDef:
    name: str
    body: tuple[Stmt, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Qubits:
    count: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Ensemble:
    """``ensemble K``: K dropout masks with shared weights whose predictions are averaged."""

    count: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class InputDecl:
    name: str
    shape: tuple[Expr, ...] | None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ParamDecl:
    name: str
    shape: tuple[Expr, ...] | None
    init: Call | None  # ``~ uniform(0, 2*pi)``; a bare ``~ zeros`` is a Call with no args
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class CallStmt:
    """A gate, channel or block applied to wires: ``rx(theta[0]) on 0``, ``h on all``."""

    name: str
    args: tuple[Arg, ...] | None  # None when written without parentheses
    wires: Expr | None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Encode:
    call: CallStmt
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Entangle:
    """``entangle TOPOLOGY using GATE [on WIRES]``; topology is a Name, Call or ListExpr."""

    topology: Expr
    gate: CallStmt  # the gate with its arguments; its wires are the entangle wires
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Repeat:
    count: Expr
    var: str | None
    body: tuple[Stmt, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class For:
    var: str
    iterable: Expr
    body: tuple[Stmt, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Layer:
    body: tuple[Stmt, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class If:
    branches: tuple[tuple[Expr, tuple[Stmt, ...]], ...]  # if, then each elif
    orelse: tuple[Stmt, ...] | None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Pair:
    first: Expr
    second: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Require:
    """``require len(x) <= len(w), "message {}", len(w)``: a template's precondition, checked
    when it is used; the values fill the message's ``{}`` places when it fails."""

    condition: Expr
    message: str
    span: Span = _span()
    values: tuple[Expr, ...] = ()


@dataclass(frozen=True, slots=True)
class Assign:
    name: str
    value: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class DropoutStmt:
    """``dropout rotations p = linear(0.2, 0.0, epochs=50) in layers 0..2 group layer``."""

    target: str  # rotations | entangling | gates | all
    gates: tuple[str, ...] | None
    assigns: tuple[Assign, ...]
    layers: Expr | None
    group: str | None
    include: tuple[str, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class NoiseStmt:
    """``noise depolarizing p = 0.01 after each layer on all training``."""

    channel: str
    assigns: tuple[Assign, ...]
    placement: str  # 'layer' or 'gate'
    gates: tuple[str, ...] | None  # for 'after each gate of [...]'
    wires: Expr | None
    mode: str | None  # 'training', 'always' or None (default: always)
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class PauliFactor:
    """``Z0`` (letter and wire in one name), ``Z[q]`` (wire as expression) or ``Z`` (broadcast)."""

    name: str
    wire: Expr | None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Measure:
    kind: str  # expval | var | probs | sample
    word: tuple[PauliFactor, ...] | None
    wires: Expr | None
    shots: Expr | None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Dense:
    units: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Activation:
    name: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Head:
    items: tuple[Dense | Activation, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class TrainSetting:
    """One line of a ``train`` section: ``lr 0.05``, ``scale minmax(0, pi)``, ``label "y"``."""

    name: str
    value: Expr | str  # a str only for a string literal (the label column)
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Train:
    """``train { optimizer adam; lr 0.05 }``: settings for an external trainer, checked only."""

    settings: tuple[TrainSetting, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Comment:
    text: str  # including the leading '#'
    span: Span = _span()


Stmt = (
    Import
    | ConstStmt
    | LetStmt
    | BlockDef
    | TopologyDef
    | ModelDef
    | Qubits
    | Ensemble
    | InputDecl
    | ParamDecl
    | CallStmt
    | Encode
    | Entangle
    | Repeat
    | For
    | Layer
    | If
    | Pair
    | Require
    | DropoutStmt
    | NoiseStmt
    | Measure
    | Head
    | Train
)


@dataclass(frozen=True, slots=True)
class Module:
    """One parsed file: its top-level items and, for the formatter, its comments."""

    items: tuple[Stmt, ...]
    comments: tuple[Comment, ...] = field(default=(), compare=False)
    span: Span = _span()
