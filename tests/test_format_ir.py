"""The formatter never changes meaning: parse(format(s)) has the same IR as parse(s)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

import dreamlang
from tests.valid_programs import valid_models

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted([*ROOT.glob("examples/**/*.dream"), *ROOT.glob("stdlib/**/*.dream")])


@pytest.mark.parametrize("path", FILES, ids=[p.relative_to(ROOT).as_posix() for p in FILES])
def test_formatting_a_shipped_file_keeps_its_ir(path: Path) -> None:
    text = path.read_text()
    formatted = dreamlang.format_source(text, str(path))
    before = dreamlang.parse(text, str(path), roots=[path.parent])
    after = dreamlang.parse(formatted, str(path), roots=[path.parent])
    assert after == before
    assert dreamlang.format_source(formatted, str(path)) == formatted


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_models())
def test_formatting_a_generated_model_keeps_its_ir(text: str) -> None:
    program = dreamlang.parse(text)
    assert program.model is not None and program.model.ops
    formatted = dreamlang.format_source(text)
    assert dreamlang.parse(formatted) == program
    assert dreamlang.format_source(formatted) == formatted
