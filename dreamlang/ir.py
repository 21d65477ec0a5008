"""The IR: a flat, fully unrolled, symbolic program per model; frozen nodes that compare without spans."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

from dreamlang.diagnostics import Diagnostic, Span

__all__ = [
    "Activation",
    "Binary",
    "Call",
    "Dense",
    "DropoutTag",
    "Expr",
    "HeadLayer",
    "Initializer",
    "InputDecl",
    "InputRef",
    "Measurement",
    "Model",
    "Neg",
    "NoiseTag",
    "Num",
    "Operation",
    "ParamDecl",
    "ParamRef",
    "PauliTerm",
    "Program",
    "Schedule",
    "Tags",
    "TrainSpec",
    "free_symbols",
    "walk",
]


def _span() -> Span | None:
    return field(default=None, compare=False, repr=False)


# ---- parameter expressions ----


@dataclass(frozen=True, slots=True)
class Num:
    """A real constant."""

    value: float


@dataclass(frozen=True, slots=True)
class InputRef:
    """One element of a classical input: ``x[2]`` is InputRef('x', (2,))."""

    name: str
    index: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ParamRef:
    """One element of a trainable parameter tensor."""

    name: str
    index: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Neg:
    operand: Expr


@dataclass(frozen=True, slots=True)
class Binary:
    op: str  # one of + - * / **
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Call:
    """A math function: sin cos tan exp log sqrt arcsin arccos arctan."""

    func: str
    arg: Expr


@dataclass(frozen=True, slots=True)
class Schedule:
    """A value that follows a schedule over training epochs (depth schedules are resolved already).

    kind is constant, linear, cosine, exponential, step or warmup; ``args`` are its numbers
    (see docs/language.md) and ``length`` its horizon in epochs.
    """

    kind: str
    args: tuple[float, ...]
    length: int
    span: Span | None = _span()  # where the schedule is written, for range errors


Expr = Num | InputRef | ParamRef | Neg | Binary | Call | Schedule


def walk(expr: Expr) -> Iterator[Expr]:
    """Every node of an expression, parents before children, without recursion."""
    stack: list[Expr] = [expr]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, Binary):
            stack.extend((node.right, node.left))
        elif isinstance(node, Neg | Call):
            stack.append(node.operand if isinstance(node, Neg) else node.arg)


def free_symbols(expr: Expr) -> set[InputRef | ParamRef]:
    return {n for n in walk(expr) if isinstance(n, InputRef | ParamRef)}


# ---- operations ----


@dataclass(frozen=True, slots=True)
class DropoutTag:
    """Marks an operation that dropout may remove during training.

    ``p`` is the per-gate probability (epoch schedule, depth already applied), ``p_layer`` the
    optional layer-level probability of the two-level scheme, ``group`` the coin key shared by
    every gate that must drop together (None: an independent coin per gate).
    """

    kind: str  # rotations | entangling | gates | all
    p: Expr
    p_layer: Expr | None
    group: str | None
    statement: int  # index of the dropout statement in the model, for reporting


@dataclass(frozen=True, slots=True)
class NoiseTag:
    """Marks a channel inserted by a ``noise`` statement."""

    placement: str  # 'layer' or 'gate'
    mode: str  # 'always' or 'training'
    statement: int


@dataclass(frozen=True, slots=True)
class Tags:
    """Where an operation came from: its layer, the constructs around it, its role."""

    layer: int | None = None
    origin: tuple[str, ...] = ()  # e.g. ('repeat', 'layer', 'block:my_layer')
    template: str | None = None  # the outermost block or template it was expanded from
    role: str = "gate"  # gate | encoder | entangler | channel
    dropout: DropoutTag | None = None
    noise: NoiseTag | None = None


@dataclass(frozen=True, slots=True)
class Operation:
    """One gate or channel on concrete wires with symbolic parameters."""

    name: str
    wires: tuple[int, ...]
    params: tuple[Expr, ...] = ()
    tags: Tags = Tags()
    span: Span | None = _span()


# ---- model ----


@dataclass(frozen=True, slots=True)
class InputDecl:
    name: str
    shape: tuple[int, ...]
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Initializer:
    kind: str  # uniform | normal | zeros | constant
    args: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class ParamDecl:
    name: str
    shape: tuple[int, ...]
    init: Initializer
    span: Span | None = _span()

    @property
    def size(self) -> int:
        return math.prod(self.shape)


@dataclass(frozen=True, slots=True)
class PauliTerm:
    """A Pauli word as (letter, wire) pairs, e.g. (('Z', 0), ('Z', 1))."""

    factors: tuple[tuple[str, int], ...]

    def __str__(self) -> str:
        return " ".join(f"{p}{w}" for p, w in self.factors)


@dataclass(frozen=True, slots=True)
class Measurement:
    kind: str  # expval | var | probs | sample
    observable: PauliTerm | None
    wires: tuple[int, ...]
    shots: int | None = None
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Dense:
    units: int
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Activation:
    name: str  # relu | tanh | sigmoid | softmax | identity
    span: Span | None = _span()


HeadLayer = Dense | Activation


@dataclass(frozen=True, slots=True)
class TrainSpec:
    """A model's ``train`` section, checked and with defaults filled in, for an external trainer.

    ``settings`` names the fields the source wrote (in field order; ``batch`` is ``batch_size``),
    so a tool can tell a declared value from a default. ``scale`` is (kind, args): ("none", ()),
    ("standard", ()) or ("minmax", (lo, hi)). ``label`` None means the last CSV column.
    """

    optimizer: str = "adam"  # adam | rmsprop | sgd
    lr: float = 0.01
    loss: str = "cross_entropy"  # cross_entropy | mse | hinge
    epochs: int = 20
    batch_size: int = 16
    seed: int = 0
    momentum: float = 0.9  # sgd momentum, rmsprop decay
    split: float = 0.25  # the held-out test fraction
    scale: tuple[str, tuple[float, ...]] = ("none", ())
    label: str | None = None
    settings: tuple[str, ...] = ()
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Model:
    name: str
    num_qubits: int
    inputs: tuple[InputDecl, ...]
    params: tuple[ParamDecl, ...]
    ops: tuple[Operation, ...]
    measurements: tuple[Measurement, ...]
    head: tuple[HeadLayer, ...]
    num_layers: int = 0
    span: Span | None = _span()
    ensemble: int = 1  # 'ensemble K': K fixed dropout masks whose predictions are averaged
    train: TrainSpec | None = None  # the 'train' section; None when the model has none

    def input(self, name: str) -> InputDecl:
        return next(d for d in self.inputs if d.name == name)

    def param(self, name: str) -> ParamDecl:
        return next(d for d in self.params if d.name == name)


@dataclass(frozen=True, slots=True)
class Program:
    """A checked file: its model (None for a library file) and the warnings found."""

    model: Model | None
    filename: str = field(default="<string>", compare=False)
    warnings: tuple[Diagnostic, ...] = field(default=(), compare=False)
