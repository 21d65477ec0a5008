"""No input makes the API raise anything but DreamError, and no input makes it hang.

Two Hypothesis properties feed dreamlang.parse: texts generated from the grammar itself (by
hypothesis.extra.lark's from_lark strategy, kept from recursing without end) and the shipped
examples and standard library with tokens and characters deleted, duplicated, swapped and
inserted. Under the "ci" profile (200 examples a property by default) they run 800 + 1,600
examples. Hand-written cases cover deep nesting and numeric edge cases, each with the exact
diagnostic expected.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import LarkStrategy, get_terminal_names
from lark import Lark
from lark.grammar import Terminal

import dreamlang
from dreamlang.diagnostics import DreamError, render_json
from dreamlang.errorcodes import CODES
from dreamlang.parser import grammar_text
from tests.helpers import time_limit

REPO = Path(__file__).resolve().parent.parent
# The profile's example count, scaled: 800 generated and 1,600 mutated programs under "ci".
GENERATED_EXAMPLES = 4 * settings.default.max_examples
MUTATED_EXAMPLES = 8 * settings.default.max_examples
SECONDS_PER_EXAMPLE = 20  # generous for a 2-core CI machine; a hang fails instead of stalling
_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


# ---- the property ----


def assert_parses_or_reports(text: str) -> None:
    """dreamlang.parse succeeds or raises DreamError with well-formed, renderable diagnostics."""
    try:
        with time_limit(SECONDS_PER_EXAMPLE):
            dreamlang.parse(text, filename="fuzz.dream")
    except DreamError as exc:
        assert exc.codes, "a DreamError must carry at least one error"
        for diag in exc.diagnostics:
            assert diag.code in CODES, diag.code
            assert diag.span is None or (diag.span.line >= 1 and diag.span.column >= 1)
        assert exc.render()
        assert len(json.loads(render_json(exc.diagnostics))) == len(exc.diagnostics)


# ---- programs generated from the grammar ----

_KEYWORD = re.compile(r"[a-z]+")
_NAMES = (
    "x theta w l q i n N d r a b pi X Y Z I Z0 X1 Y2 wires pair_ layer "
    "h x y z s t rx ry rz rot u3 phase cnot cz swap crx rzz ccx cx toffoli "
    "depolarizing bit_flip amplitude_damping pauli_channel thermal_relaxation "
    "sin cos log sqrt len min max abs floor linear cosine step constant warmup "
    "uniform normal zeros softmax relu sigmoid rotations entangling gates encoders "
    "angle_embedding basic_entangler_layers superposition ring full linear star circular"
).split()
_SMALL_INTS = [str(n) for n in range(10)] * 4
_BIG_INTS = ["64", "65", "1000000000", "9223372036854775807"]
_FLOATS = ["0.5", "0.0", "1.0", "0.25", "0.01", "2.5e3", "1e400", "1e-400", "3.14159"]
_PATHS = ["std/ansatz.dream", "std/topologies.dream", "std/nope.dream", "../x.dream", "a\\tb"]


def _spaced(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return strategy.map(lambda text: f" {text} ")


def _terminal_strategies(grammar: Lark) -> dict[str, st.SearchStrategy[str]]:
    """Strategies that keep generated texts lexable: words apart, small numbers, real paths."""
    explicit: dict[str, st.SearchStrategy[str]] = {
        t.name: st.just(f" {t.pattern.value} ")
        for t in grammar.terminals
        if t.pattern.type == "str" and _KEYWORD.fullmatch(t.pattern.value)
    }
    words = {t.pattern.value for t in grammar.terminals}
    identifier = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True)
    names = st.one_of(st.sampled_from(_NAMES), identifier.filter(lambda n: n not in words))
    explicit["NAME"] = _spaced(names)
    explicit["INT"] = _spaced(st.sampled_from(_SMALL_INTS + _BIG_INTS))
    explicit["FLOAT"] = _spaced(st.sampled_from(_FLOATS))
    explicit["STRING"] = _spaced(st.sampled_from(_PATHS).map(lambda p: f'"{p}"'))
    explicit["_NL"] = st.sampled_from(["\n", "\n    ", "\r\n", "\n\n"])
    explicit["WS"] = st.sampled_from([" ", "\t"])
    explicit["COMMENT"] = st.just(" ")  # a real comment would swallow the rest of its line
    explicit["LINE_CONT"] = st.just("\\\n")
    return explicit


class GrammarStrategy(LarkStrategy):
    """What ``from_lark`` draws, made subcritical: deeper rules tend to their shortest expansion.

    Expanded uniformly, this grammar's rules recurse more often than they end (a product is a
    longer product 4 times in 5), so most of plain from_lark's draws overrun Hypothesis' depth
    limit and are thrown away. Here a rule at depth d takes its shortest expansion (never a
    recursive one) with probability d / budget, and otherwise draws as from_lark does.
    """

    def __init__(self, grammar: Lark, start: str, budget: int = 14):
        compiled = grammar.grammar.compile([start], ())
        reachable = get_terminal_names(*compiled)
        explicit = {k: v for k, v in _terminal_strategies(grammar).items() if k in reachable}
        super().__init__(grammar, start, explicit, st.characters(codec="utf-8"))
        self.budget = budget
        self.depth = 0
        self.shortest = {k: v.elements[0] for k, v in self.nonterminal_strategies.items()}

    def draw_symbol(self, data: Any, symbol: Any, draw_state: list[str]) -> None:
        deep = not isinstance(symbol, Terminal) and data.draw_boolean(self.depth / self.budget)
        if deep:
            for part in self.shortest[symbol.name]:
                self.draw_symbol(data, part, draw_state)
            return
        self.depth += 1
        try:
            super().draw_symbol(data, symbol, draw_state)
        finally:
            self.depth -= 1


# Generation needs the rules and terminals only: no post-lexer, no callbacks.
GRAMMAR = Lark(grammar_text(), parser="lalr", lexer="contextual", start=["start", "body"])
_PRELUDE = "model m {\n    qubits 3\n    input x[3]\n    param theta[3, 3]\n"
_CONTEXTS = [
    ("model m ", ""),
    (_PRELUDE + "    repeat 2 as l ", "\n    measure expval Z on all\n}\n"),
    ("block b(a, k=1) on w ", "\n" + _PRELUDE + "    b(0.5) on [0, 1]\n}\n"),
    ("topology t(n) ", "\n" + _PRELUDE + "    entangle t using cnot\n}\n"),
]


FILES = GrammarStrategy(GRAMMAR, "start")
BODIES = GrammarStrategy(GRAMMAR, "body")


@st.composite
def generated_programs(draw: Any) -> str:
    """A whole file from the grammar, or a body from it in a model, block or topology."""
    if draw(st.booleans()):
        return str(draw(FILES))
    before, after = draw(st.sampled_from(_CONTEXTS))
    return before + str(draw(BODIES)) + after


@settings(max_examples=GENERATED_EXAMPLES, suppress_health_check=_HEALTH)
@given(generated_programs())
def test_programs_generated_from_the_grammar(text: str) -> None:
    assert_parses_or_reports(text)


# ---- mutated valid programs ----

_TOKEN = re.compile(
    r"""\s+|\#[^\n]*|"(?:[^"\\\n]|\\.)*"|[A-Za-z_]\w*|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?"""
    r"""|\*\*|//|\.\.|[=!<>]=|.""",
    re.DOTALL,
)
_EXTRA_WORDS = "( ) [ ] { } , ; - ** / // % .. 0 -1 1e400 9223372036854775808 pi all on not"
_ODD_TOKENS = ("\n", " ", "\\\n", "9" * 120, '"', "\x00", "\t", "é", "\ufeff", "\ud800", "$", "#")
_EXTRA_TOKENS = (*_EXTRA_WORDS.split(), *"layer repeat if for elif else rott".split(), *_ODD_TOKENS)


def _seed_texts() -> list[str]:
    """The examples, and the standard library with its imports made std/ (for parse())."""
    seeds = [p.read_text("utf-8") for p in sorted((REPO / "examples").glob("*.dream"))]
    for path in sorted((REPO / "stdlib").glob("*.dream")):
        seeds.append(path.read_text("utf-8").replace('import "', 'import "std/'))
    return seeds


SEEDS = [_TOKEN.findall(text) for text in _seed_texts()]
POOL = sorted({token for tokens in SEEDS for token in tokens} | set(_EXTRA_TOKENS))


def _mutate_chars(draw: Any, token: str) -> str:
    at = draw(st.integers(0, len(token)))
    char = draw(st.characters(codec="utf-8"))
    kind = draw(st.sampled_from(("delete", "insert", "replace")))
    if kind == "insert" or not token:
        return token[:at] + char + token[at:]
    at = min(at, len(token) - 1)
    return token[:at] + ("" if kind == "delete" else char) + token[at + 1 :]


def _mutate(draw: Any, tokens: list[str]) -> list[str]:
    i = draw(st.integers(0, len(tokens) - 1))
    j = draw(st.integers(0, len(tokens) - 1))
    kind = draw(st.sampled_from(("delete", "duplicate", "swap", "insert", "replace", "chars")))
    out = list(tokens)
    if kind == "delete":
        del out[i]
    elif kind == "duplicate":
        out.insert(i, out[i])
    elif kind == "swap":
        out[i], out[j] = out[j], out[i]
    elif kind == "insert":
        out.insert(i, draw(st.sampled_from(POOL)))
    elif kind == "replace":
        out[i] = draw(st.sampled_from(POOL))
    else:
        out[i] = _mutate_chars(draw, out[i])
    return out or [""]


@st.composite
def mutated_programs(draw: Any) -> str:
    tokens = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        tokens = _mutate(draw, tokens)
    return "".join(tokens)


def test_the_seeds_are_valid_programs() -> None:
    for tokens in SEEDS:
        dreamlang.parse("".join(tokens))


@settings(max_examples=MUTATED_EXAMPLES, suppress_health_check=_HEALTH)
@given(mutated_programs())
def test_mutated_valid_programs(text: str) -> None:
    assert_parses_or_reports(text)


# ---- deep nesting: a positioned error, never a RecursionError ----

DEEP = 100_000
LONG = 10_000  # operator chains parse token by token: long enough, and quicker
MODEL = "model m {{\n    qubits 1\n    rx({}) on 0\n}}\n"


def first_error(text: str, **options: Any) -> tuple[str, int, int]:
    with pytest.raises(DreamError) as info:
        dreamlang.parse(text, **options)
    diag = next(d for d in info.value.diagnostics if d.is_error)
    assert diag.span is not None
    return diag.code, diag.span.line, diag.span.column


@pytest.mark.parametrize(
    ("text", "position"),
    [
        # model '{' and 'rx(' are two brackets: the 255th '(' inside them is the 257th.
        pytest.param(MODEL.format("(" * DEEP + "1" + ")" * DEEP), (3, 8 + 254), id="parens"),
        pytest.param("const A = " + "[" * DEEP + "]" * DEEP, (1, 11 + 256), id="brackets"),
        pytest.param(
            "model m {\n" + "if 1 {\n" * DEEP + "}\n" * DEEP + "}\n", (257, 6), id="blocks"
        ),
        # the model body is one level: the 256th minus is the 257th level
        pytest.param(MODEL.format("-" * DEEP + "1"), (3, 8 + 255), id="unary-minus"),
        pytest.param("const A = " + "not " * LONG + "1", (1, 11 + 4 * 256), id="not"),
        pytest.param("const A = 2" + " ** 2" * LONG, (1, 11 + 5 * 256), id="power-chain"),
    ],
)
def test_deep_nesting_gives_a_positioned_error(text: str, position: tuple[int, int]) -> None:
    assert first_error(text) == ("nesting-too-deep", *position)


def test_a_long_flat_operator_chain_is_nesting_too() -> None:
    assert first_error("const A = 1" + " + 1" * 300) == ("nesting-too-deep", 1, 11)


def test_a_value_built_deep_through_names_is_refused() -> None:
    lets = "".join(f"    let a{i + 1} = -a{i}\n" for i in range(1000))
    text = f"model m {{\n    qubits 1\n    input x\n    let a0 = x\n{lets}    rx(a1000) on 0\n}}\n"
    # a0 is one level deep, a256 = -a255 the 257th
    assert first_error(text) == ("nesting-too-deep", 4 + 256, 16)


def test_a_value_doubled_through_names_is_refused_quickly() -> None:
    lets = "".join(f"    let a{i + 1} = a{i} + a{i}\n" for i in range(64))
    text = f"model m {{\n    qubits 1\n    input x\n    let a0 = x\n{lets}    rx(a64) on 0\n}}\n"
    # a19 is the first of more than a million parts (2**20 - 1)
    with time_limit(10):
        assert first_error(text) == ("too-many-ops", 4 + 19, 15)


# ---- numeric edge cases ----


@pytest.mark.parametrize(
    ("expression", "code", "column"),
    [
        ("1 / 0", "division-by-zero", 8),
        ("1 // 0", "division-by-zero", 8),
        ("1 % 0", "division-by-zero", 8),
        ("log(0)", "math-domain", 8),
        ("sqrt(-1)", "math-domain", 8),
        ("arcsin(2)", "math-domain", 8),
        ("(-8) ** 0.5", "math-domain", 8),
        ("0 ** -1", "math-domain", 8),
        ("2 ** 100000", "integer-overflow", 8),
        ("2.0 ** 100000", "non-finite", 8),
        ("exp(1000)", "non-finite", 8),
        ("1e400", "non-finite", 8),
        ("1e308 * 10", "non-finite", 8),
        ("9223372036854775807 + 1", "integer-overflow", 8),
        ("9223372036854775808", "integer-overflow", 8),
        ("floor(1e300)", "integer-overflow", 8),
        ("1 + 2 * 0 ** 0 - len(0..9223372036854775807 * 2)", "integer-overflow", 32),
        ("len(-9223372036854775807..9223372036854775807)", "integer-overflow", 12),
        ("5" * 5000, "number-too-long", 8),
    ],
)
def test_numeric_edge_cases(expression: str, code: str, column: int) -> None:
    assert first_error(MODEL.format(expression)) == (code, 3, column)


def test_a_5000_digit_integer_within_a_raised_digit_limit_overflows() -> None:
    limits = dreamlang.Limits(max_int_digits=5000)
    assert first_error(MODEL.format("7" * 5000), limits=limits) == ("integer-overflow", 3, 8)


@pytest.mark.parametrize(
    "expression",
    ["1e-400", "2 ** -100000", "(-2) ** -1", "min(0..1000000000000000000)", "(0..10 ** 18)[7]"],
)
def test_numeric_values_that_are_fine(expression: str) -> None:
    program = dreamlang.parse(MODEL.format(expression))
    assert program.model is not None and len(program.model.ops) == 1


@pytest.mark.parametrize(
    ("text", "code", "position"),
    [
        ('import "std/\\x4"\n', "syntax-error", (1, 8)),
        ('import "a\\qb"\n', "syntax-error", (1, 8)),
        ('import "\\N{NO SUCH CHARACTER}"\n', "syntax-error", (1, 8)),
        ('import "\\ud800.dream"\n', "syntax-error", (1, 8)),
        ('import "a\\x00b.dream"\n', "import-not-found", (1, 1)),
        ('import "' + "a" * 5000 + '.dream"\n', "import-not-found", (1, 1)),
        ("model m {\n    qubits 1\n}\x00\n", "invalid-character", (3, 2)),
        ("\ufeffmodel m {\n    qubits 1\n}\n", "invalid-character", (1, 1)),
        ("model m {\r    qubits 1\r}\r", "invalid-character", (1, 10)),
    ],
)
def test_odd_strings_and_characters(text: str, code: str, position: tuple[int, int]) -> None:
    assert first_error(text) == (code, *position)


def test_huge_ranges_are_not_materialized() -> None:
    with time_limit(10):
        assert first_error(MODEL.format("[1, 2, 3][0..10 ** 18][5]")) == (
            "index-out-of-bounds",
            3,
            18,
        )
    with time_limit(10):
        assert first_error("const M = (0..10 ** 18)[0..10 ** 18]\n") == ("too-many-ops", 1, 25)
