"""A readable text listing of the IR, for ``dreamc ir`` and for debugging."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence

from dreamlang import ir

__all__ = ["dump", "format_expr", "format_number", "format_tags"]

# Binding strength of each printed form, loosest first; it mirrors grammar/dream.lark so a
# printed expression reads back the same way.
_SUM, _PRODUCT, _UNARY, _POWER, _ATOM = range(5)
_BINARY_PREC = {"+": _SUM, "-": _SUM, "*": _PRODUCT, "/": _PRODUCT, "**": _POWER}


def dump(program: ir.Program) -> str:
    """The model header, one line per operation, then measurements and the classical head."""
    model = program.model
    if model is None:
        return f"# {program.filename}: library file, no model\n"
    lines = _header(model)
    lines.append(f"ops ({len(model.ops)}):")
    lines.extend(_op_table(model.ops))
    lines.append(f"measurements ({len(model.measurements)}):")
    lines.extend(f"  {_measurement(m)}" for m in model.measurements)
    if model.head:
        lines.append("head: " + " -> ".join(_head_layer(h) for h in model.head))
    if model.train is not None:
        lines.append("train: " + _train(model.train))
    return "\n".join(lines) + "\n"


def _header(model: ir.Model) -> list[str]:
    lines = [
        f"model {model.name}",
        f"  qubits {model.num_qubits}",
        f"  layers {model.num_layers}",
    ]
    if model.ensemble != 1:
        lines.append(f"  ensemble {model.ensemble}")
    lines.extend(f"  input {d.name}{_shape(d.shape)}" for d in model.inputs)
    for p in model.params:
        init = _call(p.init.kind, p.init.args)
        lines.append(f"  param {p.name}{_shape(p.shape)} ~ {init}  ({p.size} scalars)")
    return lines


def _op_table(ops: Sequence[ir.Operation]) -> list[str]:
    rows = [
        (str(i), op.name, ", ".join(map(str, op.wires)), ", ".join(map(format_expr, op.params)))
        for i, op in enumerate(ops)
    ]
    tags = [format_tags(op.tags) for op in ops]
    if not rows:
        return []
    widths = [max(len(row[c]) for row in rows) for c in range(4)]
    out = []
    for row, tag in zip(rows, tags):
        index = row[0].rjust(widths[0])
        cells = [index, *(cell.ljust(w) for cell, w in zip(row[1:], widths[1:])), tag]
        out.append(("  " + "  ".join(cells)).rstrip())
    return out


def format_tags(tags: ir.Tags) -> str:
    """Compact tags: 'L2 entangler tpl=ring drop(p=0.1, group=g) noise(layer, training)'."""
    parts = []
    if tags.layer is not None:
        parts.append(f"L{tags.layer}")
    parts.append(tags.role)
    if tags.template is not None:
        parts.append(f"tpl={tags.template}")
    if tags.dropout is not None:
        d = tags.dropout
        args = [d.kind, f"p={format_expr(d.p)}"]
        if d.p_layer is not None:
            args.append(f"p_layer={format_expr(d.p_layer)}")
        if d.group is not None:
            args.append(f"group={d.group}")
        parts.append(f"drop({', '.join(args)})")
    if tags.noise is not None:
        parts.append(f"noise({tags.noise.placement}, {tags.noise.mode})")
    return " ".join(parts)


def _measurement(m: ir.Measurement) -> str:
    text = f"measure {m.kind}"
    if m.observable is not None:
        text += f" {m.observable}"
    if m.wires:
        text += " on " + ", ".join(map(str, m.wires))
    if m.shots is not None:
        text += f" shots {m.shots}"
    return text


def _head_layer(layer: ir.HeadLayer) -> str:
    return f"dense {layer.units}" if isinstance(layer, ir.Dense) else layer.name


def _train(spec: ir.TrainSpec) -> str:
    """Every setting, defaults included, then which ones the source left to their default."""
    kind, bounds = spec.scale
    label = "(last column)" if spec.label is None else json.dumps(spec.label, ensure_ascii=False)
    parts = [
        f"optimizer {spec.optimizer}",
        f"lr {format_number(spec.lr)}",
        f"loss {spec.loss}",
        f"epochs {spec.epochs}",
        f"batch {spec.batch_size}",
        f"seed {spec.seed}",
        f"momentum {format_number(spec.momentum)}",
        f"split {format_number(spec.split)}",
        f"scale {_call(kind, bounds)}",
        f"label {label}",
    ]
    names = [f.name for f in dataclasses.fields(spec)][: len(parts)]
    defaults = [n for n in names if n not in spec.settings]
    return "; ".join(parts) + (f"  (defaults: {', '.join(defaults)})" if defaults else "")


def _shape(shape: tuple[int, ...]) -> str:
    return f"[{', '.join(map(str, shape))}]" if shape else ""


def _call(name: str, args: Sequence[float]) -> str:
    return f"{name}({', '.join(map(format_number, args))})" if args else name


def format_number(value: float) -> str:
    """Integral values without '.0' (2 * x[0]); anything else as repr, which round-trips."""
    if float(value).is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(float(value))


def format_expr(expr: ir.Expr) -> str:
    """Print an expression with only the parentheses its structure needs."""
    return _expr(expr)[0]


def _expr(expr: ir.Expr) -> tuple[str, int]:
    # Returns the text and its binding strength. Recursion depth is bounded by the nesting limit.
    if isinstance(expr, ir.Num):
        return format_number(expr.value), _UNARY if expr.value < 0 else _ATOM
    if isinstance(expr, ir.InputRef | ir.ParamRef):
        index = f"[{', '.join(map(str, expr.index))}]" if expr.index else ""
        return expr.name + index, _ATOM
    if isinstance(expr, ir.Neg):
        return "-" + _wrap(expr.operand, _UNARY), _UNARY
    if isinstance(expr, ir.Call):
        return f"{expr.func}({format_expr(expr.arg)})", _ATOM
    if isinstance(expr, ir.Schedule):
        args = ", ".join(repr(float(a)) for a in expr.args)
        return f"{expr.kind}({args}; {expr.length} epochs)", _ATOM
    return _binary(expr)


def _binary(expr: ir.Binary) -> tuple[str, int]:
    prec = _BINARY_PREC.get(expr.op, _SUM)
    if expr.op == "**":
        # Right-associative, and its exponent may be a unary minus (2 ** -x) without parentheses.
        left, right = _wrap(expr.left, _POWER + 1), _wrap(expr.right, _UNARY)
    else:
        # Left-associative: the right operand needs parentheses at equal strength (a - (b - c)).
        left, right = _wrap(expr.left, prec), _wrap(expr.right, prec + 1)
    return f"{left} {expr.op} {right}", prec


def _wrap(expr: ir.Expr, needed: int) -> str:
    text, prec = _expr(expr)
    return text if prec >= needed else f"({text})"
