"""Tests for the canonical formatter: golden files, round trips and random programs."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dreamlang import syntax as s
from dreamlang.diagnostics import DreamError, Source
from dreamlang.formatter import format_expr, format_module, format_source
from dreamlang.parser import parse_module
from tests.strategies import GeneratedProgram, expressions, generated_programs

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "fmt"


def _parse(text: str, name: str = "<test>") -> s.Module:
    return parse_module(Source(name, text))


def _comments(module: s.Module) -> list[str]:
    return [c.text for c in module.comments]


def _check_round_trip(text: str, name: str = "<test>") -> str:
    """Format ``text`` and check every property the formatter promises; return the output."""
    before = _parse(text, name)
    out = format_source(text, name)
    after = _parse(out, name + " (formatted)")
    assert after == before, out
    assert _comments(after) == _comments(before), out
    assert format_source(out) == out
    assert out == "" or (out.endswith("\n") and not out.endswith("\n\n"))
    return out


def _inputs() -> list[Path]:
    return sorted(p for p in FIXTURES.glob("*.dream") if not p.name.endswith(".expected.dream"))


def _corpus() -> list[Path]:
    found = [*ROOT.glob("examples/**/*.dream"), *ROOT.glob("stdlib/**/*.dream")]
    return sorted(found) + sorted(FIXTURES.glob("*.dream"))


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT))


# ---- golden files ----


def test_enough_fixtures() -> None:
    assert len(_inputs()) >= 8
    for path in _inputs():
        assert path.with_suffix("").with_suffix(".expected.dream").exists(), path


@pytest.mark.parametrize("path", _inputs(), ids=_id)
def test_golden(path: Path) -> None:
    expected = path.with_suffix("").with_suffix(".expected.dream").read_text("utf-8")
    out = _check_round_trip(path.read_text("utf-8"), path.name)
    assert out == expected


@pytest.mark.parametrize("path", _corpus(), ids=_id)
def test_corpus_round_trip(path: Path) -> None:
    _check_round_trip(path.read_text("utf-8"), _id(path))


def test_expected_files_are_fixed_points() -> None:
    for path in FIXTURES.glob("*.expected.dream"):
        text = path.read_text("utf-8")
        assert format_source(text) == text, path
