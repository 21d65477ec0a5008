"""The Pygments lexer and the TextMate grammar: every shipped file lexes cleanly, and both know
every keyword of grammar/dream.lark."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytest.importorskip("pygments")

from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.token import Error, Keyword, Name

from dreamlang import lexer
from dreamlang.lexer import DreamLexer

REPO = Path(__file__).resolve().parent.parent
SOURCES = sorted((REPO / "examples").glob("*.dream")) + sorted((REPO / "stdlib").rglob("*.dream"))
TMLANGUAGE = REPO / "editors" / "dream.tmLanguage.json"


@pytest.mark.parametrize("path", SOURCES, ids=[f"{p.parent.name}/{p.name}" for p in SOURCES])
def test_shipped_files_lex_without_errors(path: Path) -> None:
    text = path.read_text("utf-8")
    tokens = list(DreamLexer().get_tokens(text))
    errors = [value for kind, value in tokens if kind in Error]
    assert errors == []
    # Nothing lost or invented (Pygments only ensures a final newline).
    assert "".join(value for _, value in tokens).rstrip("\n") == text.rstrip("\n")


def test_keywords_match_the_grammar() -> None:
    assert sorted(lexer.KEYWORDS) == lexer.grammar_keywords()


def test_every_keyword_is_a_lexer_keyword() -> None:
    for word in lexer.grammar_keywords():
        kinds = [kind for kind, value in DreamLexer().get_tokens(word) if value == word]
        assert kinds and kinds[0] in Keyword, word


def test_builtin_names_match_the_language() -> None:
    from dreamlang.calls import HELPERS, MATH_FUNCTIONS
    from dreamlang.declarations import INITIALIZERS
    from dreamlang.schedules import SCHEDULES

    assert set(lexer.FUNCTIONS) == {*MATH_FUNCTIONS, *HELPERS, *SCHEDULES, *INITIALIZERS}
    tokens = dict((value, kind) for kind, value in DreamLexer().get_tokens("model m { rot }"))
    assert tokens["m"] in Name.Class and tokens["rot"] in Name.Builtin


def test_tmlanguage_is_generated() -> None:
    """editors/dream.tmLanguage.json is `python -m dreamlang.lexer --tmlanguage`'s output."""
    assert TMLANGUAGE.read_text("utf-8") == lexer.tmlanguage_text()


def test_tmlanguage_knows_every_keyword() -> None:
    grammar = json.loads(TMLANGUAGE.read_text("utf-8"))
    assert grammar["scopeName"] == "source.dream"
    pattern = next(p for p in grammar["patterns"] if p.get("name") == "keyword.control.dream")
    keyword = re.compile(pattern["match"])
    for word in lexer.grammar_keywords():
        match = keyword.search(f"x {word} y")
        assert match is not None and match.group() == word, word
    assert keyword.search("layered") is None  # whole words only


def test_registered_through_the_entry_point() -> None:
    # The README's install (pip install -e) registers the entry point; without it this fails.
    assert isinstance(get_lexer_by_name("dream"), DreamLexer)
    assert isinstance(get_lexer_for_filename("model.dream"), DreamLexer)


def test_module_prints_the_tmlanguage(capsys: pytest.CaptureFixture[str]) -> None:
    assert lexer.main(["--tmlanguage"]) == 0
    assert capsys.readouterr().out == lexer.tmlanguage_text()
    assert lexer.main([]) == 2
