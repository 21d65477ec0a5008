"""Syntax highlighting for .dream: a Pygments lexer and the TextMate grammar of editors/."""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

# Pygments ships no type hints (types-Pygments is not a dependency).
from pygments.lexer import RegexLexer, bygroups, words  # type: ignore[import-untyped]
from pygments.token import (  # type: ignore[import-untyped]
    Comment,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Text,
    Whitespace,
)

from dreamlang.gates import ALIASES, CHANNELS, GATES

__all__ = ["KEYWORDS", "DreamLexer", "grammar_keywords", "main", "tmlanguage"]

# Every word of grammar/dream.lark: tests/test_lexer.py checks this against grammar_keywords().
KEYWORDS = (
    "after all always and as block by const dense dropout each elif else encode ensemble "
    "entangle expval for gate group head if import in include input layer layers let measure "
    "model noise not of on or pair param probs qubits repeat require sample shots topology "
    "train training using var"
).split()
# Names the language predefines: constants and Paulis (dreamlang.evaluate); math functions,
# helpers, schedules (dreamlang.calls, dreamlang.schedules) and initializers (declarations).
# Spelled out rather than imported, as those modules are slow to import; the tests compare.
CONSTANTS = ("pi", "X", "Y", "Z", "I")
FUNCTIONS = tuple(
    (
        "sin cos tan exp log sqrt arcsin arccos arctan len shape sum prod min max abs floor ceil "
        "num_angles pairs groups state_rotations constant linear cosine exponential step warmup "
        "uniform normal zeros"
    ).split()
)
OPERATIONS = tuple(sorted({*GATES, *CHANNELS, *ALIASES}))

NAME = r"[A-Za-z_][A-Za-z_0-9]*"
STRING = r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"'
FLOAT = r"[0-9]+\.[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+"
OPERATORS = r"\*\*|//|==|!=|<=|>=|\.\.|[-+*/%<>=~]"


def grammar_keywords() -> list[str]:
    """The grammar's word-like literal terminals ('model', 'on', 'training', ...), sorted."""
    from lark import Lark

    from dreamlang.parser import grammar_text

    lark = Lark(grammar_text(), parser="lalr")
    literal = (t.pattern.value for t in lark.terminals if t.pattern.type == "str")
    return sorted({value for value in literal if re.fullmatch(NAME, value)})


class DreamLexer(RegexLexer):  # type: ignore[misc]
    """Pygments lexer for .dream files (registered as 'dream' through the entry point)."""

    name = "Dream"
    aliases = ["dream"]  # noqa: RUF012 - Pygments reads these class attributes
    filenames = ["*.dream"]  # noqa: RUF012
    mimetypes = ["text/x-dream"]  # noqa: RUF012
    url = "https://github.com/dreamlang/dreamlang"

    tokens = {  # noqa: RUF012
        "root": [
            (r"[\t \f]+", Whitespace),
            (r"\r?\n", Whitespace),
            (r"\\[\t \f]*\r?\n", Text),  # line continuation
            (r"#[^\n]*", Comment.Single),
            (STRING, String.Double),
            (rf"(model)(\s+)({NAME})", bygroups(Keyword.Declaration, Whitespace, Name.Class)),
            (
                rf"(block|topology)(\s+)({NAME})",
                bygroups(Keyword.Declaration, Whitespace, Name.Function),
            ),
            (words(KEYWORDS, prefix=r"\b", suffix=r"\b"), Keyword),
            (words(CONSTANTS, prefix=r"\b", suffix=r"\b"), Name.Constant),
            (words(FUNCTIONS, prefix=r"\b", suffix=r"\b"), Name.Builtin),
            (words(OPERATIONS, prefix=r"\b", suffix=r"\b"), Name.Builtin),
            (FLOAT, Number.Float),
            (r"[0-9]+", Number.Integer),
            (NAME, Name),
            (OPERATORS, Operator),
            (r"[(){}\[\],;:]", Punctuation),
        ]
    }


def _alternation(names: list[str] | tuple[str, ...]) -> str:
    # Longest first, so 'layers' is not matched as 'layer' followed by 's'.
    return r"\b(?:" + "|".join(sorted(names, key=lambda n: (-len(n), n))) + r")\b"


def tmlanguage() -> dict[str, Any]:
    """The TextMate grammar (editors/dream.tmLanguage.json) for VS Code, Sublime and others."""
    patterns: list[dict[str, Any]] = [
        {"name": "comment.line.number-sign.dream", "match": "#.*$"},
        {"name": "string.quoted.double.dream", "match": STRING},
        {
            "match": rf"\b(model)\s+({NAME})",
            "captures": {
                "1": {"name": "storage.type.dream"},
                "2": {"name": "entity.name.type.dream"},
            },
        },
        {
            "match": rf"\b(block|topology)\s+({NAME})",
            "captures": {
                "1": {"name": "storage.type.dream"},
                "2": {"name": "entity.name.function.dream"},
            },
        },
        {"name": "keyword.control.dream", "match": _alternation(KEYWORDS)},
        {"name": "constant.language.dream", "match": _alternation(CONSTANTS)},
        {"name": "support.function.dream", "match": _alternation([*FUNCTIONS, *OPERATIONS])},
        {"name": "constant.numeric.float.dream", "match": rf"\b(?:{FLOAT})\b"},
        {"name": "constant.numeric.integer.dream", "match": r"\b[0-9]+\b"},
        {"name": "keyword.operator.dream", "match": OPERATORS},
        {"name": "punctuation.separator.dream", "match": "[,;:]"},
    ]
    return {
        "$schema": "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
        "name": "Dream",
        "scopeName": "source.dream",
        "fileTypes": ["dream"],
        "comment": "Generated by `python -m dreamlang.lexer --tmlanguage`; do not edit.",
        "patterns": patterns,
    }


def tmlanguage_text() -> str:
    return json.dumps(tmlanguage(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dreamlang.lexer", description=__doc__)
    parser.add_argument(
        "--tmlanguage", action="store_true", help="print editors/dream.tmLanguage.json"
    )
    args = parser.parse_args(argv)
    if not args.tmlanguage:
        parser.print_help()
        return 2
    sys.stdout.write(tmlanguage_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
