"""Front end: one cached LALR parser for the .dream grammar, and Lark errors turned into diagnostics."""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from dreamlang import syntax as s
from dreamlang.builder import build_module
from dreamlang.diagnostics import Diagnostic, DreamError, Severity, Source, Span
from dreamlang.limits import Limits

__all__ = ["grammar_text", "parse_module"]

_OPENERS = {"LPAR": "RPAR", "LSQB": "RSQB", "LBRACE": "RBRACE"}
_CLOSERS = {"RPAR", "RSQB", "RBRACE"}
# Parse-tree rules that count as one level of nesting for the nesting limit.
_NESTING_RULES = frozenset(
    "body binary unary compare and_op or_op not_op call index tuple list range keyword".split()
)

_TOKEN_NAMES = {
    "_NL": "a newline",
    "$END": "the end of the file",
    "NAME": "a name",
    "INT": "an integer",
    "FLOAT": "a number",
    "STRING": "a string",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "LPAR": "'('",
    "RPAR": "')'",
    "LSQB": "'['",
    "RSQB": "']'",
    "COMMA": "','",
    "EQUAL": "'='",
    "SEMICOLON": "';'",
    "_ON": "'on'",
}


class _LimitExceeded(Exception):
    def __init__(self, code: str, message: str, token: Token):
        super().__init__(message)
        self.code, self.message, self.token = code, message, token


class _PostLexer:
    """Drops newlines inside (...) and [...] so expressions may wrap, and bounds bracket depth."""

    always_accept = ("_NL",)

    def __init__(self, max_nesting: int):
        self.max_nesting = max_nesting

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        stack: list[str] = []
        for token in stream:
            kind = token.type
            if kind in _OPENERS:
                stack.append(kind)
                if len(stack) > self.max_nesting:
                    message = f"brackets nested deeper than the limit of {self.max_nesting}"
                    raise _LimitExceeded("nesting-too-deep", message, token)
            elif kind in _CLOSERS and stack:
                stack.pop()
            elif kind == "_NL" and stack and stack[-1] != "LBRACE":
                continue
            yield token


def grammar_text() -> str:
    """The grammar shipped with the package (grammar/dream.lark in the source tree)."""
    try:
        return resources.files("dreamlang.grammar").joinpath("dream.lark").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        # Running from a source checkout that was not installed.
        here = Path(__file__).resolve().parent.parent / "grammar" / "dream.lark"
        return here.read_text("utf-8")


@functools.lru_cache(maxsize=8)
def _parser(max_nesting: int) -> Lark:
    return Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=True,
        postlex=_PostLexer(max_nesting),
        lexer_callbacks={"COMMENT": _COMMENTS},
    )


def parse_module(source: Source, limits: Limits | None = None) -> s.Module:
    """Parse one source text into a syntax tree, or raise DreamError with a positioned diagnostic."""
    limits = limits or Limits()
    size = len(source.text.encode("utf-8", "surrogatepass"))
    if size > limits.max_source_bytes:
        span = Span(source, 1, 1, 1, 2)
        message = f"source is {size} bytes, over the limit of {limits.max_source_bytes}"
        hint = "hint: raise the limit with --max-source-bytes (API: Limits(max_source_bytes=...))"
        raise DreamError([Diagnostic(Severity.ERROR, "source-too-large", message, span, (hint,))])
    comments: list[Token] = []
    parser = _parser(limits.max_nesting)
    try:
        tree = _parse(parser, source, comments)
    except _LimitExceeded as exc:
        raise DreamError([_token_diagnostic(source, exc.token, exc.code, exc.message)]) from None
    except UnexpectedInput as exc:
        raise DreamError([_syntax_diagnostic(source, exc, parser)]) from None
    _check_tree_depth(source, tree, limits.max_nesting)
    return build_module(tree, source, comments, limits)


class _CommentSink(threading.local):
    """Lexer callback: the grammar ignores comments, this keeps them for the formatter."""

    def __init__(self) -> None:
        self.target: list[Token] | None = None

    def __call__(self, token: Token) -> Token:
        if self.target is not None:
            self.target.append(token)
        return token


_COMMENTS = _CommentSink()


def _parse(parser: Lark, source: Source, comments: list[Token]) -> Tree[Token]:
    _COMMENTS.target = comments
    try:
        return parser.parse(source.text)
    finally:
        _COMMENTS.target = None


def _check_tree_depth(source: Source, tree: Tree[Token], limit: int) -> None:
    """Reject operator chains and block nesting deeper than the limit, iteratively."""
    stack: list[tuple[Tree[Token], int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if node.data in _NESTING_RULES:
            depth += 1
            if depth > limit:
                meta = node.meta
                span = Span(source, meta.line, meta.column, meta.line, meta.column + 1)
                message = f"expression or block nested deeper than the limit of {limit}"
                hint = "hint: split the expression with 'let', or raise --max-nesting"
                diag = Diagnostic(Severity.ERROR, "nesting-too-deep", message, span, (hint,))
                raise DreamError([diag])
        stack.extend((child, depth) for child in node.children if isinstance(child, Tree))


def _token_diagnostic(source: Source, token: Token, code: str, message: str) -> Diagnostic:
    line, column = token.line or 1, token.column or 1
    span = Span(source, line, column, line, column + max(1, len(str(token))))
    return Diagnostic(Severity.ERROR, code, message, span, ())


def _unexpected(token: Token) -> str:
    if token.type == "$END":
        return "unexpected end of file"
    if token.type == "_NL":
        return "unexpected end of line"
    return f"unexpected '{token}'"


def _expected_names(expected: set[str] | frozenset[str], parser: Lark) -> list[str]:
    names = set()
    for kind in expected:
        if kind in _TOKEN_NAMES:
            names.add(_TOKEN_NAMES[kind])
            continue
        pattern = next((t.pattern for t in parser.terminals if t.name == kind), None)
        if pattern is not None and pattern.type == "str":
            names.add(f"'{pattern.value}'")
        else:
            names.add(kind.lower())
    return sorted(names)


def _syntax_diagnostic(source: Source, exc: UnexpectedInput, parser: Lark) -> Diagnostic:
    line, column = max(1, exc.line or 1), max(1, exc.column or 1)
    notes: list[str] = []
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream or 0
        char = source.text[pos] if pos < len(source.text) else ""
        span = Span(source, line, column, line, column + 1)
        message = f"unexpected character {char!r}"
        return Diagnostic(Severity.ERROR, "invalid-character", message, span, ())
    token = getattr(exc, "token", None)
    if isinstance(exc, UnexpectedEOF) or (token is not None and token.type == "$END"):
        last_line = source.text.count("\n") + 1
        column = len(source.line_text(last_line)) + 1
        span = Span(source, last_line, column, last_line, column + 1)
        expected = _expected_names(getattr(exc, "expected", set()) or set(), parser)
        if expected:
            notes.append("hint: expected " + _join(expected))
        return Diagnostic(
            Severity.ERROR, "unexpected-end", "unexpected end of file", span, tuple(notes)
        )
    assert isinstance(exc, UnexpectedToken)
    width = len(str(token)) if token is not None and token.type != "_NL" else 1
    span = Span(source, line, column, line, column + max(1, width))
    message = _unexpected(token) if token is not None else "syntax error"
    expected = _expected_names(exc.expected, parser)
    branch = _branch_on_own_line(source, line)
    if branch is not None:  # the parser only trips later on the line: point at the keyword
        word, span = branch
        message, expected = f"unexpected '{word}'", []
        notes.append(f"hint: '{word}' goes on the line of the closing brace: '}} {word} ... {{'")
    hint = _friendly_hint(exc, expected)
    if hint:
        notes.append(hint)
    return Diagnostic(Severity.ERROR, "unexpected-token", message, span, tuple(notes))


def _branch_on_own_line(source: Source, line: int) -> tuple[str, Span] | None:
    """'elif' or 'else' and its span, when it starts the line (after a '}' on the line above)."""
    text = source.line_text(line)
    words = text.split()
    word = re.match(r"[A-Za-z_]\w*", words[0]) if words else None
    if word is None or word[0] not in ("elif", "else"):
        return None
    column = len(text) - len(text.lstrip()) + 1
    return word[0], Span(source, line, column, line, column + len(word[0]))


def _friendly_hint(exc: UnexpectedToken, expected: list[str]) -> str:
    token = exc.token
    if token.type == "_NL" and "'on'" in expected and len(expected) <= 4:
        return "hint: say which wires the gate acts on, e.g. 'h on 0' or 'h on all'"
    if token.type == "_NL" and "'}'" in expected and len(expected) == 1:
        return "hint: a '}' is missing"
    if token.type == "_NL" and "a newline" not in expected and "'{'" in expected:
        return "hint: '{' must be on the same line as the statement it opens"
    if expected and len(expected) <= 8:
        return "hint: expected " + _join(expected)
    return ""


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
