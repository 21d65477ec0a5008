"""The state shared while one model is unrolled: where a statement sits and what it has made so far."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from dreamlang import ir
from dreamlang import syntax as s
from dreamlang.diagnostics import Span
from dreamlang.evaluate import Evaluator, Scope
from dreamlang.limits import Limits
from dreamlang.reporting import Reporter
from dreamlang.values import Value

__all__ = ["Ctx", "Definitions", "Registration", "UnrollState"]


@dataclass(frozen=True, slots=True)
class Ctx:
    """Where a statement runs: its scope, its wires ('all'), its layer and the constructs around it."""

    scope: Scope
    wires: tuple[int, ...]
    kind: str  # model (top level of a model) | nested | block | topology
    layer: int | None = None
    origin: tuple[str, ...] = ()
    template: str | None = None
    role: str = "gate"
    blocks: tuple[str, ...] = ()
    pairs: list[tuple[int, int]] | None = None
    call_site: Span | None = None  # the user's statement that called the outermost block
    tags: ir.Tags = field(default_factory=ir.Tags)

    def enter(self, **changes: object) -> Ctx:
        """A derived context; the op tags are recomputed once here rather than per operation."""
        new = replace(self, **changes)  # type: ignore[arg-type]
        tags = ir.Tags(new.layer, new.origin, new.template, new.role)
        return replace(new, tags=tags)

    def with_scope(self, scope: Scope) -> Ctx:
        """The same context with another scope: the per-iteration step of a loop, kept cheap."""
        return Ctx(
            scope,
            self.wires,
            self.kind,
            self.layer,
            self.origin,
            self.template,
            self.role,
            self.blocks,
            self.pairs,
            self.call_site,
            self.tags,
        )


@dataclass(slots=True)
class Definitions:
    """What the loaded files define at top level."""

    globals: Scope
    blocks: dict[str, s.BlockDef] = field(default_factory=dict)
    topologies: dict[str, s.TopologyDef] = field(default_factory=dict)


@dataclass(slots=True)
class Registration:
    """A dropout or noise statement, evaluated where it appears, over the ops of its body."""

    stmt: s.DropoutStmt | s.NoiseStmt
    index: int
    values: dict[str, Value]
    layers: set[int] | range | None = None  # a range stays a range: 'in layers 0..10**9' is cheap
    wires: tuple[int, ...] = ()
    start: int = 0
    end: int = 0
    own_layers: range = range(
        0
    )  # the layers of its body: begun in it, or the layer it is the body of


@dataclass(slots=True)
class UnrollState:
    """Everything one model's unrolling accumulates."""

    rep: Reporter
    limits: Limits
    defs: Definitions
    ev: Evaluator
    num_qubits: int | None = None
    ops: list[ir.Operation] = field(default_factory=list)
    layers: list[tuple[int, int, int]] = field(default_factory=list)  # (index, start, end)
    registrations: list[Registration] = field(default_factory=list)
    frames: list[list[Registration]] = field(default_factory=list)
    work: int = 0
    statement_count: int = 0
    plans: dict[tuple[int, str], list[s.Expr]] = field(default_factory=dict)
    block_estimates: dict[tuple[str, int], int] = field(default_factory=dict)
    pairs_depth: int = 0  # nested pairs() calls now running, to stop a topology listing itself
