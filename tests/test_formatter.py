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
INDENT = "    "
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


# ---- expressions ----


def _n(name: str) -> s.Name:
    return s.Name(name)


def _i(value: int) -> s.Int:
    return s.Int(value)


def _b(op: str, left: s.Expr, right: s.Expr) -> s.Binary:
    return s.Binary(op, left, right)


X, Y, Z = _n("x"), _n("y"), _n("z")
NEG_X = s.Unary("-", X)

EXPRESSIONS: list[tuple[s.Expr, str]] = [
    (_b("+", _i(2), _b("*", _i(3), X)), "2 + 3 * x"),
    (_b("*", _b("+", _i(2), _i(3)), X), "(2 + 3) * x"),
    (_b("-", X, _b("-", Y, Z)), "x - (y - z)"),
    (_b("-", _b("-", X, Y), Z), "x - y - z"),
    (_b("/", X, _b("*", Y, Z)), "x / (y * z)"),
    (_b("//", X, _b("%", Y, Z)), "x // (y % z)"),
    (s.Unary("-", _b("**", X, _i(2))), "-x ** 2"),
    (_b("**", NEG_X, _i(2)), "(-x) ** 2"),
    (_b("**", X, NEG_X), "x ** -x"),
    (_b("**", X, _b("**", Y, Z)), "x ** y ** z"),
    (_b("**", _b("**", X, Y), Z), "(x ** y) ** z"),
    (s.Unary("-", NEG_X), "--x"),
    (s.Unary("+", s.Unary("-", X)), "+-x"),
    (_b("-", X, NEG_X), "x - -x"),
    (s.Index(NEG_X, (_i(0),)), "(-x)[0]"),
    (s.Index(s.Index(X, (_i(0),)), (_i(1), _i(2))), "x[0][1, 2]"),
    (s.Not(s.Compare("<", X, Y)), "not x < y"),
    (s.Compare("<", s.Not(X), Y), "(not x) < y"),
    (s.Compare("==", X, s.Not(Y)), "x == (not y)"),
    (s.Compare("==", s.Compare("<", X, Y), Z), "(x < y) == z"),
    (s.Not(s.Not(X)), "not not x"),
    (s.BoolOp("and", s.Not(X), s.BoolOp("or", Y, Z)), "not x and (y or z)"),
    (s.BoolOp("or", s.BoolOp("and", X, Y), Z), "x and y or z"),
    (s.BoolOp("or", X, s.BoolOp("or", Y, Z)), "x or (y or z)"),
    (s.Not(s.BoolOp("and", X, Y)), "not (x and y)"),
    (_b("+", s.BoolOp("and", X, Y), _i(1)), "(x and y) + 1"),
    (s.Range(_i(0), _i(4), None), "0..4"),
    (s.Range(_i(0), _b("-", X, _i(1)), _i(2)), "0..x - 1 by 2"),
    (s.Range(s.Range(_i(0), X, None), Y, None), "(0..x)..y"),
    (s.Range(_i(0), X, s.Range(_i(1), _i(2), None)), "0..x by (1..2)"),
    (s.Range(s.BoolOp("or", X, Y), Z, None), "x or y..z"),
    (s.ListExpr((s.Range(_i(0), _i(2), None), _i(3))), "[0..2, 3]"),
    (s.ListExpr(()), "[]"),
    (s.TupleExpr((X,)), "(x,)"),
    (s.TupleExpr((s.Range(X, Y, None), Z)), "(x..y, z)"),
    (
        s.Call(_n("f"), (s.Arg(None, X), s.Arg("key", s.Range(_i(0), _i(1), None)))),
        "f(x, key=0..1)",
    ),
    (s.Call(_n("g"), ()), "g()"),
    (s.Float(0.001, "1e-3"), "1e-3"),
    (s.Float(1.5, "1.50"), "1.50"),
    (s.AllWires(), "all"),
]


@pytest.mark.parametrize(("expr", "text"), EXPRESSIONS, ids=[t for _, t in EXPRESSIONS])
def test_format_expr(expr: s.Expr, text: str) -> None:
    assert format_expr(expr) == text
    if not isinstance(expr, s.AllWires):
        parsed = _parse(f"const v = {text}\n").items[0]
        assert isinstance(parsed, s.ConstStmt) and parsed.value == expr


def test_format_expr_deep_chain_is_not_recursive() -> None:
    expr: s.Expr = X
    for i in range(5_000):
        expr = s.Binary("-" if i % 2 else "**", expr, _i(i))
    text = format_expr(expr)
    assert text.count("(") == text.count(")") > 0


# ---- statements and layout details ----


def test_wires_named_all_keep_parentheses() -> None:
    tree = _parse("model m {\n  h on (all)[0]\n  h on (all)\n  h on all\n}\n")
    out = format_module(tree)
    assert "h on (all[0])\n" in out and "h on (all)\n" in out and "h on all\n" in out
    assert _parse(out) == tree


def test_noise_without_placement_prints_after_each_gate() -> None:
    out = format_source("model m {\n  noise depolarizing p = 0.1 on all training\n}\n")
    assert "noise depolarizing p = 0.1 after each gate on all training\n" in out


def test_import_strings_escape_back_to_the_same_path() -> None:
    path = 'a"b\\c\td\x00e\u2028f\U0001f600é.dream'
    out = format_module(s.Module((s.Import(path),)))
    literal = out.strip().removeprefix("import ")
    assert ast.literal_eval(literal) == path
    assert _parse(out) == s.Module((s.Import(path),))


def test_empty_and_comment_only_files() -> None:
    assert format_source("") == ""
    assert format_source("\n\n;\n") == ""
    assert format_source("# a\n\n\n# b") == "# a\n\n# b\n"


def test_crlf_and_tabs() -> None:
    text = "model m {\r\n\tqubits 2  # two\r\n\r\n\r\n\th on 0\r\n}\r\n"
    assert _check_round_trip(text) == "model m {\n    qubits 2  # two\n\n    h on 0\n}\n"


def test_one_line_head_only_when_it_fits() -> None:
    items = "; ".join(f"dense {i}" for i in range(30))
    out = format_source(f"model m {{\n  head {{ {items} }}\n}}\n")
    assert "    head {\n        dense 0\n" in out
    assert all(len(line) <= 100 for line in out.splitlines())


def test_deep_nesting_with_raised_limits() -> None:
    """Deeper than Python's recursion limit; the syntax tree's own == is recursive, so the
    output is checked against the exact expected text instead."""
    from dreamlang.limits import Limits

    depth = 600
    text = "model m {\n" + "layer {\n" * depth + "h on 0\n" + "}\n" * depth + "}\n"
    text += "const c = " + "(" * depth + "x" + ")" * depth + " - 1" * 3000 + "\n"
    limits = Limits(max_nesting=10_000, max_source_bytes=10_000_000)
    opens = [INDENT * (k + 1) + "layer {\n" for k in range(depth)]
    closes = [INDENT * (k + 1) + "}\n" for k in reversed(range(depth))]
    expected = "model m {\n" + "".join(opens) + INDENT * (depth + 1) + "h on 0\n"
    expected += "".join(closes) + "}\n" + "const c = x" + " - 1" * 3000 + "\n"
    out = format_source(text, limits=limits)
    assert out == expected
    assert format_source(out, limits=limits) == out


def test_integers_longer_than_python_str_limit() -> None:
    from dreamlang.limits import Limits

    digits = "9" + "0123456789" * 1500 + "1"
    limits = Limits(max_int_digits=20_000)
    out = format_source(f"const x = {digits}\nconst y = 0{digits}\n", limits=limits)
    assert out == f"const x = {digits}\nconst y = {digits}\n"


@pytest.mark.parametrize(
    "text",
    ["model m {\n  h on\n}\n", "model m {\n", "const x = (1\n", 'import "bad \\q escape"\n', "$"],
)
def test_bad_input_raises_like_the_parser(text: str) -> None:
    with pytest.raises(DreamError) as from_parser:
        _parse(text, "bad.dream")
    with pytest.raises(DreamError) as from_formatter:
        format_source(text, "bad.dream")
    assert from_formatter.value.codes == from_parser.value.codes
    assert str(from_formatter.value) == str(from_parser.value)


# ---- properties ----


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(generated_programs())
def test_random_programs_round_trip(program: GeneratedProgram) -> None:
    parsed = _parse(program.text)
    assert parsed == program.tree  # the strategy writes what it means
    assert tuple(_comments(parsed)) == program.comments
    _check_round_trip(program.text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(generated_programs())
def test_trees_without_spans_print_back_to_themselves(program: GeneratedProgram) -> None:
    out = format_module(program.tree)
    assert _parse(out) == program.tree
    assert format_source(out) == out


@settings(max_examples=300, deadline=None)
@given(expressions(4))
def test_format_expr_parses_back(expr: s.Expr) -> None:
    parsed = _parse(f"const v = {format_expr(expr)}\n").items[0]
    assert isinstance(parsed, s.ConstStmt) and parsed.value == expr


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20).filter(lambda t: "\n" not in t))
def test_comment_text_is_kept_verbatim(text: str) -> None:
    source = f"model m {{  #{text}\n  h on 0 #{text}\n  #{text}\n}}  #{text}\n#{text}"
    _check_round_trip(source)
