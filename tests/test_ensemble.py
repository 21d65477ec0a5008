"""The ``ensemble K`` statement in the front end: parsing, checks, the IR and its JSON, printing."""

from __future__ import annotations

import json
import re

import pytest

import dreamlang
from dreamlang import ir
from dreamlang import syntax as s
from dreamlang.backends import ir as irjson
from dreamlang.diagnostics import Source
from dreamlang.formatter import format_source
from dreamlang.irprint import dump
from dreamlang.parser import parse_module

MODEL = """
const K = 3
model m {{
    qubits 2
    param w[2]
    {stmt}
    ry(w[0]) on 0
    ry(w[1]) on 1
    dropout rotations p = 0.2
    measure expval Z on all
}}
"""


def _model(stmt: str) -> ir.Model:
    model = dreamlang.parse(MODEL.format(stmt=stmt)).model
    assert model is not None
    return model


def _error(text: str) -> dreamlang.Diagnostic:
    with pytest.raises(dreamlang.DreamError) as info:
        dreamlang.parse(text)
    (diag,) = info.value.diagnostics
    return diag


def test_the_statement_parses_with_its_count() -> None:
    module = parse_module(Source("e.dream", "model m {\n    ensemble 2 * K\n}\n"))
    (model,) = module.items
    assert isinstance(model, s.ModelDef)
    (stmt,) = model.body
    assert isinstance(stmt, s.Ensemble)
    assert stmt.count == s.Binary("*", s.Int(2), s.Name("K"))
    assert stmt.span is not None and (stmt.span.line, stmt.span.column) == (2, 5)


@pytest.mark.parametrize(
    ("stmt", "size"),
    [("", 1), ("ensemble 1", 1), ("ensemble 4", 4), ("ensemble K", 3), ("ensemble K * 2 + 1", 7)],
)
def test_the_ir_model_carries_the_ensemble_size(stmt: str, size: int) -> None:
    model = _model(stmt)
    assert model.ensemble == size
    assert len(model.ops) == 2  # the statement adds no operation


def test_ensemble_is_the_last_field_of_the_model_and_defaults_to_one() -> None:
    model = ir.Model("m", 1, (), (), (), (), ())
    assert model.ensemble == 1
    # Fields added later (train) come after it, so positional constructors keep working.
    assert [f for f in ir.Model.__dataclass_fields__].index("ensemble") == 9
    assert ir.Model("m", 1, (), (), (), (), (), 0, None, 5) == ir.Model(
        "m", 1, (), (), (), (), (), ensemble=5
    )
    assert ir.Model("m", 1, (), (), (), (), (), ensemble=2) != model


def test_the_statement_may_come_anywhere_at_the_top_level() -> None:
    text = "model m {\n    h on 0\n    ensemble N\n    qubits 1\n}\nconst N = 5\n"
    model = dreamlang.parse(text).model
    assert model is not None and model.ensemble == 5


@pytest.mark.parametrize(
    ("stmt", "code", "column"),
    [
        ("ensemble 0", "invalid-value", 14),
        ("ensemble -2", "invalid-value", 14),
        ("ensemble 2.5", "non-integer", 14),
        ("ensemble 4 / 2", "non-integer", 14),
        ("ensemble [2]", "non-integer", 14),
        ("ensemble w[0]", "non-integer", 14),
        ("ensemble nope", "unknown-name", 14),
        ("ensemble 2 ** 64", "integer-overflow", 14),
        ("ensemble 2; ensemble 3", "duplicate-definition", 17),
    ],
)
def test_bad_sizes_are_reported(stmt: str, code: str, column: int) -> None:
    diag = _error(MODEL.format(stmt=stmt))
    assert diag.code == code, diag.message
    assert diag.span is not None and (diag.span.line, diag.span.column) == (6, column)


def test_a_size_below_one_says_why() -> None:
    diag = _error(MODEL.format(stmt="ensemble 0"))
    assert diag.message == "an ensemble needs at least 1 member, not 0"
    assert diag.notes == ("hint: 'ensemble K' averages K dropout masks; K = 1 is a single model",)


def test_a_second_ensemble_points_at_the_first() -> None:
    diag = _error(MODEL.format(stmt="ensemble 2\n    ensemble 2"))
    assert diag.code == "duplicate-definition" and diag.message == "'ensemble' is declared twice"
    assert diag.notes == ("note: first declared at line 6",)
    assert diag.span is not None and diag.span.line == 7


@pytest.mark.parametrize(
    "body",
    [
        "repeat 2 {\n        ensemble 2\n    }",
        "for q in 0..2 {\n        ensemble 2\n    }",
        "layer {\n        ensemble 2\n    }",
        "if true_ {\n        ensemble 2\n    }",
    ],
)
def test_only_the_model_top_level_takes_it(body: str) -> None:
    text = MODEL.format(stmt=f"const true_ = 1 == 1\n    {body}")
    diag = _error(text)
    assert diag.code == "misplaced-statement"
    assert diag.message == "'ensemble' is not allowed in a block or loop"
    assert diag.notes == ("hint: declare it at the top level of the model",)
    assert diag.span is not None and diag.span.line == 8


def test_not_in_a_block_or_topology() -> None:
    block = "block b() {\n    ensemble 2\n}\nmodel m {\n    qubits 1\n    b()\n}\n"
    assert _error(block).code == "misplaced-statement"
    topology = (
        "topology two(n) {\n    ensemble 2\n    pair 0, 1\n}\n"
        "model m {\n    qubits 2\n    entangle two using cnot\n}\n"
    )
    assert _error(topology).code == "misplaced-statement"


def test_a_syntax_error_without_a_count() -> None:
    assert _error("model m {\n    qubits 1\n    ensemble\n}\n").code == "unexpected-token"


def test_formatter_prints_it_and_round_trips() -> None:
    text = "const K=3\nmodel m {\n  qubits 1\n  ensemble   K+1   # four members\n  h on 0\n}\n"
    out = format_source(text)
    assert "    ensemble K + 1  # four members\n" in out
    assert format_source(out) == out
    assert parse_module(Source("a", out)) == parse_module(Source("b", text))


def test_ir_json_round_trips_the_ensemble() -> None:
    program = dreamlang.parse(MODEL.format(stmt="ensemble 6"))
    text = irjson.dumps(program)
    assert json.loads(text)["model"]["ensemble"] == 6
    back = irjson.loads(text)
    assert back == program and back.model is not None and back.model.ensemble == 6
    # Spans are not stored: the reloaded program prints the same document without them.
    assert irjson.dumps(back) == re.sub(r'("loc": ?)"\d+:\d+"', r"\1null", text)


def test_ir_documents_without_the_field_load_as_a_single_model() -> None:
    data = json.loads(irjson.dumps(dreamlang.parse(MODEL.format(stmt=""))))
    assert data["model"].pop("ensemble") == 1
    model = irjson.loads(json.dumps(data)).model
    assert model is not None and model.ensemble == 1


def test_dreamc_ir_shows_the_ensemble_only_when_it_is_not_one() -> None:
    assert "  ensemble 6\n" in dump(dreamlang.parse(MODEL.format(stmt="ensemble 6")))
    for stmt in ("", "ensemble 1"):
        assert "ensemble" not in dump(dreamlang.parse(MODEL.format(stmt=stmt)))
    header = dump(dreamlang.parse(MODEL.format(stmt="ensemble 6"))).splitlines()[:4]
    assert header == ["model m", "  qubits 2", "  layers 0", "  ensemble 6"]


def test_the_ensemble_keyword_is_not_a_name_at_statement_start() -> None:
    # Like every statement keyword, 'ensemble' cannot name a gate call; it stays a name in
    # expressions and keyword arguments.
    text = "model m {\n    qubits 1\n    const ensemble_size = 2\n    ensemble ensemble_size\n}\n"
    model = dreamlang.parse(text).model
    assert model is not None and model.ensemble == 2
