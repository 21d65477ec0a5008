"""Diagnostics: source spans, messages with stable codes, and their text and JSON renderings."""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = [
    "Diagnostic",
    "DreamError",
    "Severity",
    "Source",
    "Span",
    "render",
    "render_json",
]


@dataclass(frozen=True, slots=True, eq=False)
class Source:
    """A named source text; spans point into it so diagnostics can quote the line."""

    name: str
    text: str

    def line_text(self, line: int) -> str:
        # Lines end at '\n' only, as the lexer counts them: str.splitlines() would also split at
        # a form feed (which is whitespace here) or a vertical tab in a comment.
        lines = self.text.split("\n")
        return lines[line - 1].removesuffix("\r") if 0 < line <= len(lines) else ""

    @property
    def line_count(self) -> int:
        """Lines that hold text: a final newline does not start another one."""
        return self.text.count("\n") + (1 if self.text and not self.text.endswith("\n") else 0)


@dataclass(frozen=True, slots=True)
class Span:
    """A region of a source: 1-based line and column, end exclusive (like Lark's positions)."""

    source: Source = field(compare=False, repr=False)
    line: int
    column: int
    end_line: int
    end_column: int

    @property
    def filename(self) -> str:
        return self.source.name

    def __str__(self) -> str:
        return f"{self.source.name}:{self.line}:{self.column}"

    def to(self, other: Span) -> Span:
        """The span from the start of this one to the end of ``other``."""
        return Span(self.source, self.line, self.column, other.end_line, other.end_column)


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One message about the user's program, with a stable kebab-case code."""

    severity: Severity
    code: str
    message: str
    span: Span | None
    notes: tuple[str, ...] = ()

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def to_dict(self) -> dict[str, object]:
        span = self.span
        return {
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "file": span.filename if span else None,
            "line": span.line if span else None,
            "column": span.column if span else None,
            "end_line": span.end_line if span else None,
            "end_column": span.end_column if span else None,
            "notes": list(self.notes),
        }

    def render(self) -> str:
        """Render like a compiler: location, code, the source line, carets, then notes."""
        head = f"{self.severity.value}[{self.code}]: {self.message}"
        if self.span is None:
            return "\n".join([f"dreamc: {head}", *(f"  {n}" for n in self.notes)])
        lines = [f"{self.span}: {head}", *_quote(self.span)]
        lines.extend(f"  {note}" for note in self.notes)
        return "\n".join(lines)


def _quote(span: Span) -> list[str]:
    text = span.source.line_text(span.line).expandtabs(1)
    if not text and span.line > span.source.line_count:
        return []
    number = str(span.line)
    gutter = " " * (len(number) + 4)
    end = span.end_column if span.end_line == span.line else len(text) + 1
    width = max(1, end - span.column)
    # Cap the carets at the visible line so a span to the end of file stays readable.
    width = min(width, max(1, len(text) - span.column + 2))
    return [f"   {number} | {text}", f"{gutter}| {' ' * (span.column - 1)}{'^' * width}"]


def render(diagnostics: Iterable[Diagnostic]) -> str:
    return "\n".join(d.render() for d in diagnostics)


def render_json(diagnostics: Iterable[Diagnostic]) -> str:
    return json.dumps([d.to_dict() for d in diagnostics], indent=2)


class DreamError(Exception):
    """Raised by the API when a program has errors; ``.diagnostics`` holds all of them."""

    def __init__(self, diagnostics: Sequence[Diagnostic]):
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        first = next((d for d in self.diagnostics if d.is_error), None)
        summary = first.render().splitlines()[0] if first else "error"
        more = len([d for d in self.diagnostics if d.is_error]) - 1
        super().__init__(summary + (f" (and {more} more)" if more > 0 else ""))

    @property
    def codes(self) -> list[str]:
        return [d.code for d in self.diagnostics if d.is_error]

    def render(self) -> str:
        return render(self.diagnostics)
