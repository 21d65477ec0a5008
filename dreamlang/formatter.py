"""The canonical formatter: prints a syntax tree as .dream text, keeping comments and blank lines."""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from dreamlang import syntax as s
from dreamlang.diagnostics import Source
from dreamlang.format_exprs import (
    format_expr,
    head_item_text,
    simple_stmt_text,
    train_setting_text,
)
from dreamlang.limits import Limits
from dreamlang.parser import parse_module

__all__ = ["format_expr", "format_module", "format_source"]

Pos = tuple[int, int]  # (line, column), 1-based, as in spans
_NOWHERE: Pos = (0, 0)  # for nodes built without spans
_EOF: Pos = (sys.maxsize, 0)
INDENT = "    "
MAX_WIDTH = 100


def format_source(text: str, filename: str = "<string>", limits: Limits | None = None) -> str:
    """Parse ``text`` (raising DreamError like the parser) and print it canonically."""
    return format_module(parse_module(Source(filename, text), limits))


def format_module(module: s.Module) -> str:
    """Print a module canonically; comments and blank lines are placed by their spans."""
    source = module.span.source.text if module.span is not None else None
    writer = _Writer(module.comments, source)
    for event in _events(module.items):
        writer.handle(event)
    writer.flush_comments(_EOF, 0, None)
    return "".join(line + "\n" for line in writer.lines)


# ---- events: the tree flattened in source order, so the writer needs no recursion ----


@dataclass(frozen=True, slots=True)
class _Line:
    """A statement printed on one line (or a ``head`` or ``train``, which open into several)."""

    node: s.Stmt
    depth: int
    boundary: Pos | None  # where the next sibling starts; None: the enclosing '}' (or EOF)


@dataclass(frozen=True, slots=True)
class _Open:
    """``header {`` for the first branch, ``} elif cond {`` / ``} else {`` for later ones."""

    node: s.Stmt
    header: str
    depth: int
    branch: int
    first: Pos | None  # start of the first statement of the body, if any


@dataclass(frozen=True, slots=True)
class _EndBody:
    depth: int  # the depth of the statements inside


@dataclass(frozen=True, slots=True)
class _Close:
    node: s.Stmt
    depth: int
    boundary: Pos | None


_Event = _Line | _Open | _EndBody | _Close
_Task = _Event | tuple[Sequence[s.Stmt], int]
_Item = s.Stmt | s.Dense | s.Activation | s.TrainSetting  # anything printed on its own line


def _start(node: _Item) -> Pos:
    span = node.span
    return _NOWHERE if span is None else (span.line, span.column)


def _end(node: _Item) -> Pos:
    span = node.span
    return _NOWHERE if span is None else (span.end_line, span.end_column)


def _bodies(stmt: s.Stmt) -> list[tuple[str, tuple[s.Stmt, ...]]] | None:
    """The header and body of each branch of a statement with bodies; None for one-liners."""
    if isinstance(stmt, s.BlockDef):
        params = _params(stmt.params)
        wires = f" on {stmt.wires_name}" if stmt.wires_name is not None else ""
        return [(f"block {stmt.name}({params}){wires}", stmt.body)]
    if isinstance(stmt, s.TopologyDef):
        return [(f"topology {stmt.name}({_params(stmt.params)})", stmt.body)]
    if isinstance(stmt, s.ModelDef):
        return [(f"model {stmt.name}", stmt.body)]
    if isinstance(stmt, s.Repeat):
        var = f" as {stmt.var}" if stmt.var is not None else ""
        return [(f"repeat {format_expr(stmt.count)}{var}", stmt.body)]
    if isinstance(stmt, s.For):
        return [(f"for {stmt.var} in {format_expr(stmt.iterable)}", stmt.body)]
    if isinstance(stmt, s.Layer):
        return [("layer", stmt.body)]
    if isinstance(stmt, s.If):
        keywords = ["if"] + ["elif"] * (len(stmt.branches) - 1)
        out = [(f"{k} {format_expr(c)}", b) for k, (c, b) in zip(keywords, stmt.branches)]
        return out + ([("else", stmt.orelse)] if stmt.orelse is not None else [])
    return None


def _params(params: Sequence[s.ParamSpec]) -> str:
    parts = [p.name if p.default is None else f"{p.name}={format_expr(p.default)}" for p in params]
    return ", ".join(parts)


def _events(items: Sequence[s.Stmt]) -> Iterator[_Event]:
    """Pre-order events for a body, with an explicit stack instead of recursion."""
    tasks: list[_Task] = [(items, 0)]
    while tasks:
        task = tasks.pop()
        if not isinstance(task, tuple):
            yield task
            continue
        body, depth = task
        pending: list[_Task] = []
        for i, stmt in enumerate(body):
            boundary = _start(body[i + 1]) if i + 1 < len(body) else None
            pending.extend(_stmt_tasks(stmt, depth, boundary))
        tasks.extend(reversed(pending))


def _stmt_tasks(stmt: s.Stmt, depth: int, boundary: Pos | None) -> list[_Task]:
    branches = _bodies(stmt)
    if branches is None:
        return [_Line(stmt, depth, boundary)]
    out: list[_Task] = []
    for i, (header, body) in enumerate(branches):
        first = _start(body[0]) if body else None
        out += [_Open(stmt, header, depth, i, first), (body, depth + 1), _EndBody(depth + 1)]
    return [*out, _Close(stmt, depth, boundary)]


# ---- the writer: places comments and blank lines while printing events in order ----


def _brace_pairs(text: str) -> deque[tuple[Pos, Pos]]:
    """Positions of each '{' and its '}', in order of the '{', skipping comments and strings."""
    pairs: list[list[Pos]] = []
    stack: list[int] = []
    for number, line in enumerate(text.split("\n"), start=1):
        j = 0
        while j < len(line):
            ch = line[j]
            if ch == "#":
                break
            if ch == '"':
                j += 1
                while j < len(line) and line[j] != '"':
                    j += 2 if line[j] == "\\" else 1
            elif ch == "{":
                stack.append(len(pairs))
                pairs.append([(number, j + 1), (number, j + 1)])
            elif ch == "}" and stack:
                pairs[stack.pop()][1] = (number, j + 1)
            j += 1
    return deque((p[0], p[1]) for p in pairs)


class _Writer:
    def __init__(self, comments: Sequence[s.Comment], source: str | None):
        spans = [(c.span.line, c.span.column) if c.span else _EOF for c in comments]
        self.comments = deque(sorted(zip(spans, (c.text for c in comments)), key=lambda x: x[0]))
        self.source_lines = source.split("\n") if source is not None else None
        self.braces = _brace_pairs(source) if source is not None else deque()
        self.closes: list[Pos] = []
        self.lines: list[str] = []
        self.prev: int | None = None  # source line where the previous element of this body ends

    def handle(self, event: _Event) -> None:
        if isinstance(event, _Line):
            if isinstance(event.node, s.Head | s.Train):
                self.section(event.node, event.depth, event.boundary)
            else:
                self.line(event.node, simple_stmt_text(event.node), event.depth, event.boundary)
        elif isinstance(event, _Open):
            self.open(event)
        elif isinstance(event, _EndBody):
            self.flush_comments(self.closes[-1], event.depth, None)
        else:
            self.close(event.node, event.depth, event.boundary)

    # -- comments --

    def pop_before(self, pos: Pos) -> list[tuple[Pos, str]]:
        out = []
        while self.comments and self.comments[0][0] < pos:
            out.append(self.comments.popleft())
        return out

    def trailing(self, after: Pos, before: Pos | None) -> str:
        """The comment on the line of ``after``, after it and before ``before``, if any."""
        limit = before if before is not None else (self.closes[-1] if self.closes else _EOF)
        if self.comments:
            pos, text = self.comments[0]
            if pos[0] == after[0] and after <= pos < limit:
                self.comments.popleft()
                return "  " + text
        return ""

    def flush_comments(self, before: Pos, depth: int, line: int | None) -> None:
        """Own-line comments before ``before``; ``line`` overrides their line for blank lines."""
        for pos, text in self.pop_before(before):
            self.element(text, line or pos[0], line or pos[0], depth)

    # -- lines --

    def element(self, text: str, first: int, last: int, depth: int) -> None:
        if self.prev is not None and self.blank_between(self.prev, first):
            self.lines.append("")
        self.lines.append(INDENT * depth + text)
        self.prev = last

    def blank_between(self, after: int, before: int) -> bool:
        lines = self.source_lines
        if lines is None or after <= 0:
            return False
        return any(not lines[n - 1].strip(" \t\f\r") for n in range(after + 1, before))

    def lead_in(self, start: Pos, end: Pos, depth: int) -> None:
        """Comments before a statement, then those inside it, each moved onto its own line."""
        self.flush_comments(start, depth, None)
        self.flush_comments(end, depth, start[0])

    def line(self, node: _Item, text: str, depth: int, boundary: Pos | None) -> None:
        start, end = _start(node), _end(node)
        self.lead_in(start, end, depth)
        self.element(text + self.trailing(end, boundary), start[0], end[0], depth)

    def next_braces(self, node: s.Stmt) -> tuple[Pos, Pos]:
        if self.braces:
            return self.braces.popleft()
        return _start(node), _end(node)

    def open(self, event: _Open) -> None:
        brace, close = self.next_braces(event.node)
        depth = event.depth
        if event.branch == 0:
            self.lead_in(_start(event.node), brace, depth)
            head = f"{event.header} {{"
            trail = self.trailing(brace, event.first or close)
            self.element(head + trail, _start(event.node)[0], brace[0], depth)
        else:
            self.flush_comments(brace, depth + 1, None)
            self.closes.pop()
            trail = self.trailing(brace, event.first or close)
            self.lines.append(f"{INDENT * depth}}} {event.header} {{{trail}")
        self.closes.append(close)
        self.prev = None

    def close(self, node: s.Stmt, depth: int, boundary: Pos | None) -> None:
        close = self.closes.pop()
        self.lines.append(INDENT * depth + "}" + self.trailing(close, boundary))
        self.prev = close[0] if close != _NOWHERE else None

    def section(self, node: s.Head | s.Train, depth: int, boundary: Pos | None) -> None:
        """A ``head`` on one line when it fits; a ``train`` one setting per line unless empty."""
        text = simple_stmt_text(node)
        items: tuple[s.Dense | s.Activation | s.TrainSetting, ...]
        items = node.items if isinstance(node, s.Head) else node.settings
        brace, close = self.braces[0] if self.braces else (_start(node), _end(node))
        self.lead_in(_start(node), brace, depth)
        inside = bool(self.comments) and self.comments[0][0] < close
        one_line = isinstance(node, s.Head) or not items
        if one_line and not inside and len(INDENT * depth + text) <= MAX_WIDTH:
            self.next_braces(node)
            self.element(text + self.trailing(close, boundary), _start(node)[0], close[0], depth)
            return
        first = _start(items[0]) if items else None
        keyword = "head" if isinstance(node, s.Head) else "train"
        self.open(_Open(node, keyword, depth, 0, first))
        for i, item in enumerate(items):
            after = _start(items[i + 1]) if i + 1 < len(items) else None
            item_text = (
                train_setting_text(item)
                if isinstance(item, s.TrainSetting)
                else head_item_text(item)
            )
            self.line(item, item_text, depth + 1, after)
        self.flush_comments(self.closes[-1], depth + 1, None)
        self.close(node, depth, boundary)
