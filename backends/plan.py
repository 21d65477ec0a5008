"""The target-independent plan of a model: flat symbol indices, native terms, head, dropout table.

Every Python target (in memory and generated modules) is driven by one Plan, so the parts that
are not circuit construction (parameter layout, measurement post-processing, the classical head,
dropout coins) are decided once, here.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

from dreamlang import ir
from dreamlang.diagnostics import Diagnostic, DreamError, Severity

from .exprs import epoch_value

__all__ = ["NativeTerm", "Plan", "PlannedOp", "dropout_probabilities", "make_plan"]

# Head parameter names cannot clash with user names: '.' is not allowed in a .dream identifier.
HEAD_WEIGHT = "head.{}.weight"
HEAD_BIAS = "head.{}.bias"


@dataclass(frozen=True, slots=True)
class PlannedOp:
    """One operation with what a backend needs beyond the IR: its index and its guards."""

    index: int
    op: ir.Operation
    is_channel: bool
    training_only: bool  # a channel inserted by 'noise ... training'
    droppable: bool  # carries a dropout tag: skipped when its index is in the dropped set


@dataclass(frozen=True, slots=True)
class NativeTerm:
    """What a simulator is asked for: ('expval', Pauli factors) or ('probs', wires)."""

    kind: str
    factors: tuple[tuple[str, int], ...] = ()
    wires: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Plan:
    name: str
    num_qubits: int
    inputs: dict[str, tuple[int, ...]]
    params: dict[str, tuple[int, ...]]  # circuit parameters, then head parameters
    circuit_params: tuple[str, ...]  # the names of params that the circuit uses (declared order)
    init_spec: tuple[tuple[str, tuple[int, ...], str, tuple[float, ...]], ...]
    ops: tuple[PlannedOp, ...]
    terms: tuple[NativeTerm, ...]
    measures: tuple[tuple[str, int, int, int], ...]  # (kind, term index, shots, width)
    head: tuple[tuple[str, ...], ...]  # ("dense", weight, bias) or (activation,)
    dropout: tuple[tuple[int, str, str | None], ...]  # (op index, coin key, layer key)
    noisy: bool  # has a channel: simulate density matrices
    output_size: int
    ensemble: int = 1  # 'ensemble K': K fixed dropout masks whose predictions are averaged

    def offset(self, ref: ir.InputRef | ir.ParamRef) -> int:
        """The flat, row-major position of a symbol inside its own array."""
        shapes = self.inputs if isinstance(ref, ir.InputRef) else self.params
        return _flat_index(shapes[ref.name], ref.index)

    def size(self, name: str) -> int:
        shape = self.inputs.get(name, self.params.get(name))
        assert shape is not None, name
        return math.prod(shape)


def _flat_index(shape: tuple[int, ...], index: tuple[int, ...]) -> int:
    flat = 0
    for dim, i in zip(shape, index):
        flat = flat * dim + i
    return flat


def make_plan(model: ir.Model) -> Plan:
    """The plan of a checked model; DreamError if its names are unsafe to emit."""
    check_names(model)
    terms: list[NativeTerm] = []
    measures: list[tuple[str, int, int, int]] = []
    output_size = 0
    for m in model.measurements:
        kind, width, size = _measure_shape(m)
        term = _native_term(m)
        if term not in terms:
            terms.append(term)
        measures.append((kind, terms.index(term), m.shots or 0, width))
        output_size += size
    head, head_params, head_init = _head(model, output_size)
    ops = tuple(_planned(i, op) for i, op in enumerate(model.ops))
    used = {ref.name for op in model.ops for p in op.params for ref in ir.free_symbols(p)}
    params = {p.name: p.shape for p in model.params}
    return Plan(
        name=model.name,
        num_qubits=model.num_qubits,
        inputs={d.name: d.shape for d in model.inputs},
        params={**params, **head_params},
        circuit_params=tuple(p.name for p in model.params if p.name in used),
        init_spec=(
            *((p.name, p.shape, p.init.kind, p.init.args) for p in model.params),
            *head_init,
        ),
        ops=ops,
        terms=tuple(terms),
        measures=tuple(measures),
        head=head,
        dropout=_dropout_rows(ops),
        noisy=any(p.is_channel for p in ops),
        output_size=_head_output(head, head_params, output_size),
        ensemble=model.ensemble,
    )


def _planned(index: int, op: ir.Operation) -> PlannedOp:
    channel = op.tags.role == "channel" or op.tags.noise is not None
    training = op.tags.noise is not None and op.tags.noise.mode == "training"
    return PlannedOp(index, op, channel, training, op.tags.dropout is not None and not channel)


def _measure_shape(m: ir.Measurement) -> tuple[str, int, int]:
    """(kind, sample width, number of output values) of one measurement."""
    if m.kind in ("expval", "var"):
        return m.kind, 0, 1
    if m.kind == "probs":
        return m.kind, 0, 2 ** len(m.wires)
    width = 0 if m.observable is not None else len(m.wires)
    return "sample", width, (m.shots or 0) * max(width, 1)


def _native_term(m: ir.Measurement) -> NativeTerm:
    if m.observable is not None:
        factors = tuple((p, w) for p, w in m.observable.factors if p != "I")
        return NativeTerm("expval", factors=factors)
    return NativeTerm("probs", wires=m.wires)


def _head(
    model: ir.Model, size: int
) -> tuple[
    tuple[tuple[str, ...], ...],
    dict[str, tuple[int, ...]],
    list[tuple[str, tuple[int, ...], str, tuple[float, ...]]],
]:
    """Head rows, parameter shapes and initializers (PyTorch's Linear: U(+-1/sqrt(fan_in)))."""
    rows: list[tuple[str, ...]] = []
    shapes: dict[str, tuple[int, ...]] = {}
    init: list[tuple[str, tuple[int, ...], str, tuple[float, ...]]] = []
    for i, layer in enumerate(model.head):
        if isinstance(layer, ir.Dense):
            weight, bias = HEAD_WEIGHT.format(i), HEAD_BIAS.format(i)
            bound = 1.0 / math.sqrt(max(size, 1))
            shapes[weight], shapes[bias] = (layer.units, size), (layer.units,)
            init += [
                (weight, (layer.units, size), "uniform", (-bound, bound)),
                (bias, (layer.units,), "uniform", (-bound, bound)),
            ]
            rows.append(("dense", weight, bias))
            size = layer.units
        else:
            rows.append((layer.name,))
    return tuple(rows), shapes, init


def _head_output(
    head: tuple[tuple[str, ...], ...], shapes: dict[str, tuple[int, ...]], size: int
) -> int:
    for row in head:
        if row[0] == "dense":
            size = shapes[row[1]][0]
    return size


def dropout_probabilities(plan: Plan, epoch: int) -> tuple[list[float], list[float | None]]:
    """Each dropout row's drop probability and layer probability (None without) at ``epoch``."""
    probs: list[float] = []
    layer_probs: list[float | None] = []
    for index, _, _ in plan.dropout:
        tag = plan.ops[index].op.tags.dropout
        assert tag is not None
        probs.append(epoch_value(tag.p, epoch))
        layer_probs.append(None if tag.p_layer is None else epoch_value(tag.p_layer, epoch))
    return probs, layer_probs


def _dropout_rows(ops: tuple[PlannedOp, ...]) -> tuple[tuple[int, str, str | None], ...]:
    rows = []
    for p in ops:
        tag = p.op.tags.dropout
        if not p.droppable or tag is None:
            continue
        coin = tag.group if tag.group is not None else f"op{p.index}"
        layer = None
        if tag.p_layer is not None:
            layer = f"d{tag.statement}:layer{p.op.tags.layer}"
        rows.append((p.index, coin, layer))
    return tuple(rows)


def check_names(model: ir.Model) -> None:
    """Input and parameter names must stay distinct under NFKC, as Python identifiers would."""
    seen: dict[str, ir.InputDecl | ir.ParamDecl] = {}
    decls: list[ir.InputDecl | ir.ParamDecl] = [*model.inputs, *model.params]
    for decl in decls:
        key = unicodedata.normalize("NFKC", decl.name)
        other = seen.get(key)
        if other is not None:
            message = (
                f"'{decl.name}' and '{other.name}' are the same name once Unicode is normalized "
                "(NFKC), so generated code could not tell them apart"
            )
            hint = "hint: rename one of them, preferably with ASCII letters"
            raise DreamError(
                [Diagnostic(Severity.ERROR, "duplicate-definition", message, decl.span, (hint,))]
            )
        seen[key] = decl
