"""Collects diagnostics while checking, so a file reports all of its errors and not only the first."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from dreamlang.diagnostics import Diagnostic, DreamError, Severity, Span

__all__ = ["Abort", "AbortBlock", "Reporter", "did_you_mean"]


class Abort(Exception):
    """The current statement had an error that was already reported; skip to the next one."""


class AbortBlock(Abort):
    """A block's precondition failed: skip the whole call, not just one statement of the block."""


def did_you_mean(name: str, candidates: Iterable[str]) -> tuple[str, ...]:
    """A 'did you mean' hint when a known name is close to the unknown one."""
    pool = sorted(set(candidates))
    close = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in pool}
        close = [lowered[name.lower()]] if name.lower() in lowered else []
    return (f"hint: did you mean '{close[0]}'?",) if close else ()


class Reporter:
    """Records diagnostics once each (loops would repeat them) up to a cap."""

    def __init__(self, max_errors: int = 50):
        self.diagnostics: list[Diagnostic] = []
        self._seen: set[tuple[str, str, int, int]] = set()
        self.max_errors = max_errors

    @property
    def error_count(self) -> int:
        return sum(1 for d in self.diagnostics if d.is_error)

    def error(self, code: str, message: str, span: Span | None, *notes: str) -> Abort:
        """Record an error and return the Abort to raise (``raise rep.error(...)``)."""
        self._add(Diagnostic(Severity.ERROR, code, message, span, tuple(notes)))
        if self.error_count >= self.max_errors:
            raise DreamError(sorted(self.diagnostics, key=_order))
        return Abort(message)

    def warning(self, code: str, message: str, span: Span | None, *notes: str) -> None:
        self._add(Diagnostic(Severity.WARNING, code, message, span, tuple(notes)))

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        for diagnostic in diagnostics:
            self._add(diagnostic)

    def _add(self, diagnostic: Diagnostic) -> None:
        span = diagnostic.span
        key = (
            diagnostic.code,
            span.filename if span else "",
            span.line if span else 0,
            span.column if span else 0,
        )
        if key not in self._seen:
            self._seen.add(key)
            self.diagnostics.append(diagnostic)

    def relocate(self, start: int, span: Span, prefix: str) -> None:
        """Move the diagnostics from index ``start`` on whose file starts with ``prefix`` to
        ``span``, each with a note saying where it was raised."""
        for i in range(start, len(self.diagnostics)):
            d = self.diagnostics[i]
            if d.span is not None and d.span.filename.startswith(prefix):
                notes = (f"note: raised at {d.span}", *d.notes)
                self.diagnostics[i] = Diagnostic(d.severity, d.code, d.message, span, notes)

    def raise_if_errors(self) -> None:
        if self.error_count:
            raise DreamError(sorted(self.diagnostics, key=_order))


def _order(d: Diagnostic) -> tuple[str, int, int]:
    return (d.span.filename, d.span.line, d.span.column) if d.span else ("", 0, 0)
