"""Every file in tests/invalid/ is a program with one mistake; its first line says which.

The first line reads ``# expect: CODE [FILE:]LINE:COL [limit=N ...]``: the one diagnostic the
program must produce (an error, or for ``unused-param`` the one warning of a successful load),
where FILE (a path ending, for errors in imported files) defaults to the program itself, and
optional ``Limits`` fields to load it with. Files the programs import live in invalid/lib/.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

import dreamlang
from dreamlang.diagnostics import Diagnostic, DreamError
from dreamlang.errorcodes import CODES

INVALID = Path(__file__).resolve().parent / "invalid"
PROGRAMS = sorted(INVALID.glob("*.dream"))
_HEADER = re.compile(r"# expect: (?P<code>[a-z-]+) (?:(?P<file>\S+):)?(?P<line>\d+):(?P<col>\d+)")
WARNINGS = {"unused-param"}
# Reported by the backends and the CLI, which these API-level programs do not reach.
NOT_FROM_THE_FRONT_END = {"unknown-target", "unsupported", "no-model"}


@dataclass(frozen=True)
class Expectation:
    code: str
    file: str | None
    line: int
    column: int
    limits: dict[str, int]


def expectation(path: Path) -> Expectation:
    first = path.read_text("utf-8").splitlines()[0]
    match = _HEADER.match(first)
    assert match, f"{path.name}: the first line must be '# expect: CODE LINE:COL'"
    limits = dict(item.split("=") for item in first[match.end() :].split())
    return Expectation(
        match["code"],
        match["file"],
        int(match["line"]),
        int(match["col"]),
        {key: int(value) for key, value in limits.items()},
    )


def diagnostics(path: Path, expected: Expectation) -> list[Diagnostic]:
    limits = dreamlang.Limits(**expected.limits)
    try:
        program = dreamlang.load(path, limits=limits)
    except DreamError as exc:
        return [d for d in exc.diagnostics if d.is_error]
    return list(program.warnings)


def test_there_are_enough_programs() -> None:
    assert len(PROGRAMS) >= 40


def test_every_front_end_code_has_a_program() -> None:
    covered = {expectation(path).code for path in PROGRAMS}
    assert covered <= set(CODES)
    assert set(CODES) - NOT_FROM_THE_FRONT_END - covered == set()


@pytest.mark.parametrize("path", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_invalid_program(path: Path) -> None:
    expected = expectation(path)
    found = diagnostics(path, expected)
    summary = [f"{d.code} {d.span}" for d in found]
    assert len(found) == 1, f"expected exactly one diagnostic, got {summary}"
    (diag,) = found
    assert diag.code == expected.code, summary
    assert diag.is_error == (expected.code not in WARNINGS)
    assert diag.span is not None
    assert (diag.span.line, diag.span.column) == (expected.line, expected.column), summary
    if expected.file is None:
        assert diag.span.filename == str(path), summary
    else:
        assert Path(diag.span.filename).as_posix().endswith("/" + expected.file), summary
