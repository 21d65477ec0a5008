"""The 'ir' target: a deterministic JSON form of a checked program, and its reader."""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

from dreamlang import ir
from dreamlang.diagnostics import Diagnostic, Severity, Source, Span

from . import Backend, Capabilities

__all__ = ["FORMAT", "VERSION", "IRBackend", "dumps", "loads", "to_data"]

FORMAT = "dreamlang-ir"
VERSION = 1

# The node classes a document may name; anything else is rejected on load.
_TYPES: dict[str, type] = {
    name: obj
    for name in ir.__all__
    if isinstance(obj := getattr(ir, name), type) and dataclasses.is_dataclass(obj)
}
_FIELDS: dict[type, tuple[str, ...]] = {
    cls: tuple(f.name for f in dataclasses.fields(cls)) for cls in _TYPES.values()
}


class IRBackend(Backend):
    """Every IR field except spans; each spanned node gets "loc": "line:col" for tools."""

    name = "ir"
    suffix = ".ir.json"
    capabilities = Capabilities(
        needs_model=False,
        channels=True,
        dropout=True,
        schedules=True,
        classical_head=True,
        sampling=True,
    )

    def emit(self, program: ir.Program) -> str:
        return dumps(program)


def dumps(program: ir.Program) -> str:
    """Sorted keys and repr floats, so equal programs give byte-identical text.

    The top level and the model are indented; each operation, declaration, measurement and
    warning sits compactly on one line, so large models stay small and diff line by line.
    """
    return _layout(to_data(program), 0) + "\n"


def to_data(program: ir.Program) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "filename": program.filename,
        "model": _encode(program.model),
        "warnings": [d.to_dict() for d in program.warnings],
    }


def _layout(value: Any, depth: int) -> str:
    pad, inner = " " * depth, " " * (depth + 1)
    if isinstance(value, dict) and value and depth <= 1:
        items = [f"{inner}{json.dumps(k)}: {_layout(value[k], depth + 1)}" for k in sorted(value)]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list) and value and depth <= 2 and isinstance(value[0], dict):
        items = [inner + _compact(v) for v in value]
        return "[\n" + ",\n".join(items) + f"\n{pad}]"
    return _compact(value)


def _compact(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _encode(value: object) -> Any:
    # Expressions can nest deeply, but the nesting limit bounds them well below the recursion
    # limit, so plain recursion keeps this readable.
    names = _FIELDS.get(type(value))
    if names is not None:
        data: dict[str, Any] = {"type": type(value).__name__}
        for name in names:
            if name == "span":
                span = getattr(value, "span", None)
                data["loc"] = f"{span.line}:{span.column}" if span is not None else None
            else:
                data[name] = _encode(getattr(value, name))
        return data
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    if isinstance(value, float):
        # JSON has no inf/nan; the checker rejects them, but a reader must never see bad JSON.
        return value if math.isfinite(value) else {"float": repr(value)}
    if value is None or isinstance(value, str | int):
        return value
    raise TypeError(f"cannot encode {type(value).__name__} in the IR document")


def loads(text: str) -> ir.Program:
    """Read a document written by ``dumps`` back into an equal Program (spans are lost)."""
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} document")
    if data.get("version") != VERSION:
        raise ValueError(f"unsupported {FORMAT} version {data.get('version')!r}")
    filename = str(data.get("filename", "<string>"))
    model = _decode(data["model"])
    if model is not None and not isinstance(model, ir.Model):
        raise ValueError("'model' is not a Model")
    warnings = tuple(_diagnostic(d, filename) for d in data.get("warnings", []))
    return ir.Program(model, filename=filename, warnings=warnings)


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_decode(v) for v in value)
    if not isinstance(value, dict):
        return value
    if set(value) == {"float"}:
        return float(value["float"])
    cls = _TYPES.get(value.get("type", ""))
    if cls is None:
        raise ValueError(f"unknown node type {value.get('type')!r}")
    names = _FIELDS[cls]
    kwargs = {k: _decode(v) for k, v in value.items() if k in names and k != "span"}
    return cls(**kwargs)


def _diagnostic(data: dict[str, Any], filename: str) -> Diagnostic:
    span = None
    if data.get("line") is not None:
        # The text is not in the document; the span keeps the position, quoting nothing.
        source = Source(data.get("file") or filename, "")
        line, column = int(data["line"]), int(data["column"])
        end_line = int(data.get("end_line") or line)
        end_column = int(data.get("end_column") or column + 1)
        span = Span(source, line, column, end_line, end_column)
    severity = Severity(data.get("severity", "warning"))
    notes = tuple(str(n) for n in data.get("notes", []))
    return Diagnostic(severity, str(data["code"]), str(data["message"]), span, notes)
