"""Circuit drawings of a model: the column layout and labels shared by the text and image renderers."""

from __future__ import annotations

import importlib
import math
import re
from dataclasses import dataclass
from typing import Any

from dreamlang import ir, irprint

__all__ = ["Cell", "Layout", "Segment", "draw", "layout", "sampled_mask"]

# Glyphs drawn on a wire instead of a labelled box; every other symbol is a label.
CONTROL, TARGET, SWAP = "●", "⊕", "×"
GLYPHS = frozenset((CONTROL, TARGET, SWAP))
# Controlled gates: how many leading wires are controls, and what the target wires show
# (None: the name of the uncontrolled gate with the parameters, e.g. crx -> rx(theta[0])).
_CONTROLLED: dict[str, tuple[int, str | None]] = {
    "cnot": (1, TARGET),
    "cz": (1, CONTROL),
    "cy": (1, "y"),
    "ch": (1, "h"),
    "crx": (1, None),
    "cry": (1, None),
    "crz": (1, None),
    "cphase": (1, None),
    "ccx": (2, TARGET),
    "cswap": (1, SWAP),
    "swap": (0, SWAP),
}
# Channel names long enough to crowd a column; the legend and docs/drawing.md spell them out.
SHORT_NAMES = {
    "depolarizing": "depol",
    "amplitude_damping": "amp_damp",
    "phase_damping": "phase_damp",
    "generalized_amplitude_damping": "gen_amp_damp",
    "thermal_relaxation": "thermal",
    "pauli_channel": "pauli",
}
# Floats printed exactly (0.0032500000000000003, 3.141592653589793) shown to 4 digits.
_LONG_NUMBER = re.compile(r"(?<![\w.])\d+\.\d{5,}(?:e[+-]?\d+)?")
# Longest label drawn; longer ones (fused gates with big expressions) end in '…'.
MAX_LABEL = 40


@dataclass(frozen=True, slots=True)
class Cell:
    """One operation placed in a column: what each of its wires shows, and how it is marked."""

    index: int  # position in model.ops
    column: int
    symbols: tuple[tuple[int, str], ...]  # (wire, glyph or label), top to bottom
    span: tuple[int, int]  # lowest and highest wire: the connector runs between them
    role: str  # gate | encoder | entangler | channel
    droppable: bool  # dropout may remove it
    dropped: bool  # removed by the sampled dropout mask being drawn
    training_only: bool  # a 'noise ... training' channel


@dataclass(frozen=True, slots=True)
class Segment:
    """Consecutive columns of one layer (None: outside any layer), columns [first, stop)."""

    layer: int | None
    first: int
    stop: int


@dataclass(frozen=True, slots=True)
class Layout:
    num_qubits: int
    cells: tuple[Cell, ...]
    segments: tuple[Segment, ...]
    title: str
    notes: tuple[str, ...]  # measurements, and the sampled mask when one is drawn

    @property
    def num_columns(self) -> int:
        return self.segments[-1].stop if self.segments else 0


def draw(
    program: ir.Program,
    format: str = "text",
    *,
    width: int = 100,
    epoch: int | None = None,
    seed: int | None = None,
    step: int = 0,
) -> str | bytes:
    """The drawing of the program's model: text or SVG (str), or PNG (bytes; needs matplotlib).

    ``epoch`` evaluates schedules at that epoch; ``seed`` draws the circuit of the dropout mask
    that sampled training uses at (seed, epoch, step), without the gates it drops (text) or with
    them greyed out (images). Draw an optimized program to see what a target runs.
    """
    if format not in ("text", "svg", "png"):
        raise ValueError(f"format must be 'text', 'svg' or 'png', not {format!r}")
    model = _model(program)
    dropped = frozenset() if seed is None else sampled_mask(model, epoch or 0, seed, step)
    when = None if seed is None else (seed, epoch or 0, step)
    if format == "text":
        from dreamlang import draw_text

        shown = layout(model, epoch=epoch, dropped=dropped, keep_dropped=False, when=when)
        return draw_text.render(shown, width)
    from dreamlang import draw_image

    shown = layout(model, epoch=epoch, dropped=dropped, keep_dropped=True, when=when)
    return draw_image.render(shown, format)


def _model(program: ir.Program) -> ir.Model:
    if program.model is None:
        raise ValueError(f"{program.filename} defines no model to draw")
    return program.model


def sampled_mask(model: ir.Model, epoch: int, seed: int, step: int = 0) -> frozenset[int]:
    """The operations that sampled training drops at (seed, epoch, step), as the runtime draws them."""
    plan_module = _backend("plan")
    plan = plan_module.make_plan(model)
    if not plan.dropout:
        return frozenset()
    probs, layer_probs = plan_module.dropout_probabilities(plan, epoch)
    mask = _backend("_runtime")._dropout_mask(plan.dropout, probs, layer_probs, (seed, epoch, step))
    return frozenset(mask)


def _backend(name: str) -> Any:
    # backends/ is installed as dreamlang.backends; from a bare checkout, import_backends maps it.
    from dreamlang.cli_commands import import_backends

    import_backends()
    return importlib.import_module(f"dreamlang.backends.{name}")


def layout(
    model: ir.Model,
    *,
    epoch: int | None = None,
    dropped: frozenset[int] = frozenset(),
    keep_dropped: bool = True,
    when: tuple[int, int, int] | None = None,
) -> Layout:
    """Place every operation in the first column after the last one used on the wires it spans.

    A change of layer is a barrier, so each layer occupies its own run of columns.
    """
    last = [-1] * model.num_qubits
    cells: list[Cell] = []
    segments: list[Segment] = []
    layer: int | None = None
    start = 0
    for index, op in enumerate(model.ops):
        if index in dropped and not keep_dropped:
            continue
        if cells and op.tags.layer != layer:
            stop = max(last) + 1
            segments.append(Segment(layer, start, stop))
            last, start = [stop - 1] * model.num_qubits, stop
        layer = op.tags.layer
        low, high = min(op.wires), max(op.wires)
        column = max(last[low : high + 1]) + 1
        last[low : high + 1] = [column] * (high - low + 1)
        cells.append(_cell(index, op, column, epoch, index in dropped))
    if cells:
        segments.append(Segment(layer, start, max(last) + 1))
    notes = ["measure: " + "; ".join(_measurement(m) for m in model.measurements)]
    if when is not None:
        notes.append(_mask_note(model, dropped, when))
    return Layout(model.num_qubits, tuple(cells), tuple(segments), _title(model), tuple(notes))


def _cell(index: int, op: ir.Operation, column: int, epoch: int | None, dropped: bool) -> Cell:
    tags = op.tags
    channel = tags.role == "channel" or tags.noise is not None
    return Cell(
        index=index,
        column=column,
        symbols=_symbols(op, epoch),
        span=(min(op.wires), max(op.wires)),
        role="channel" if channel else tags.role,
        droppable=tags.dropout is not None and not channel,
        dropped=dropped,
        training_only=tags.noise is not None and tags.noise.mode == "training",
    )


def _symbols(op: ir.Operation, epoch: int | None) -> tuple[tuple[int, str], ...]:
    controls, target = _CONTROLLED.get(op.name, (0, None))
    if op.name not in _CONTROLLED:
        label = label_of(op.name, op.params, epoch)
        return tuple(sorted((w, label) for w in op.wires))
    if target is None:
        target = label_of(op.name[1:], op.params, epoch)  # crx -> rx(...), cphase -> phase(...)
    shown = [(w, CONTROL) for w in op.wires[:controls]]
    shown += [(w, target) for w in op.wires[controls:]]
    return tuple(sorted(shown))


def label_of(name: str, params: tuple[ir.Expr, ...], epoch: int | None = None) -> str:
    """``rot(theta[0, 1, 0..3])``: parameters by their source names, runs of one tensor merged."""
    name = SHORT_NAMES.get(name, name)
    if name == "kraus":  # 8 numbers per Kraus operator: the count says more than the numbers
        count = len(params) // 8
        text = f"kraus({count} op{'s' if count != 1 else ''})"
    elif not params:
        text = name
    else:
        text = f"{name}({', '.join(_arguments(params, epoch))})"
    text = text.replace(repr(math.pi), "pi")  # the ZZ feature map's (pi - x) factors
    text = _LONG_NUMBER.sub(lambda m: f"{float(m.group()):.4g}", text)
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def _arguments(params: tuple[ir.Expr, ...], epoch: int | None) -> list[str]:
    run = _tensor_run(params)
    if run is not None:
        return [run]
    return [_expr(p, epoch) for p in params]


def _tensor_run(params: tuple[ir.Expr, ...]) -> str | None:
    """theta[0, 1, 0], theta[0, 1, 1], theta[0, 1, 2] -> 'theta[0, 1, 0..3]' (the language's range)."""
    if len(params) < 2 or not all(isinstance(p, ir.ParamRef | ir.InputRef) for p in params):
        return None
    refs: list[Any] = list(params)
    first = refs[0]
    if not first.index:
        return None
    for k, ref in enumerate(refs):
        same_kind = type(ref) is type(first) and ref.name == first.name
        if not same_kind or ref.index != (*first.index[:-1], first.index[-1] + k):
            return None
    head = [str(i) for i in first.index[:-1]]
    lo = first.index[-1]
    return f"{first.name}[{', '.join([*head, f'{lo}..{lo + len(refs)}'])}]"


def _expr(expr: ir.Expr, epoch: int | None) -> str:
    if isinstance(expr, ir.Schedule):
        if epoch is not None:
            return irprint.format_number(round(_backend("exprs").epoch_value(expr, epoch), 6))
        args = ", ".join(irprint.format_number(a) for a in expr.args)
        return f"{expr.kind}({args}; {expr.length}ep)"
    return irprint.format_expr(expr)


def _measurement(m: ir.Measurement) -> str:
    text = m.kind
    if m.observable is not None:
        text += f" {m.observable}"
    elif m.wires:
        text += " on " + ", ".join(f"q{w}" for w in m.wires)
    return text + (f" shots {m.shots}" if m.shots is not None else "")


def _mask_note(model: ir.Model, dropped: frozenset[int], when: tuple[int, int, int]) -> str:
    seed, epoch, step = when
    droppable = sum(
        1 for op in model.ops if op.tags.dropout is not None and op.tags.role != "channel"
    )
    return (
        f"sampled dropout at seed {seed}, epoch {epoch}, step {step}: "
        f"{len(dropped)} of {droppable} droppable gates dropped"
    )


def _title(model: ir.Model) -> str:
    count = model.num_layers
    layers = f", {count} layer{'s' if count != 1 else ''}" if count else ""
    qubits = f"{model.num_qubits} qubit{'s' if model.num_qubits != 1 else ''}"
    return f"model {model.name}: {qubits}{layers}, {len(model.ops)} ops"
