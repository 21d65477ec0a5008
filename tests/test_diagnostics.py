"""Diagnostics as users see them: the text rendering, the JSON rendering, hints, and files
with several independent errors (all reported, in source order)."""

from __future__ import annotations

import json

import pytest

import dreamlang
from dreamlang.diagnostics import (
    Diagnostic,
    DreamError,
    Severity,
    Source,
    Span,
    render,
    render_json,
)

IRIS = """\
# examples/iris.dream — 4-qubit variational classifier for the iris data
import "std/ansatz.dream"

const LAYERS = 3

model iris {
    qubits 4
    input x[4]
    repeat LAYERS as l {
            for q in 0..4 { rott(theta[l, q, 0]) on q }
    }
    param theta[LAYERS, 4, 3] ~ uniform(0, 2 * pi)
    encode angle_embedding(x, rotation=Y) on all
    measure expval Z on all
    head { dense 3; softmax }
}
"""

GOLDEN = """\
examples/iris.dream:10:29: error[unknown-gate]: unknown gate 'rott'
   10 |             for q in 0..4 { rott(theta[l, q, 0]) on q }
      |                             ^^^^
  hint: did you mean 'rot'?"""


def errors(text: str, filename: str = "test.dream") -> list[Diagnostic]:
    with pytest.raises(DreamError) as info:
        dreamlang.parse(text, filename=filename)
    return [d for d in info.value.diagnostics if d.is_error]


# ---- the text rendering ----


def test_golden_rendering() -> None:
    (error,) = errors(IRIS, "examples/iris.dream")
    assert error.render() == GOLDEN
    assert render([error]) == GOLDEN


def test_the_error_renders_first_in_the_exception() -> None:
    with pytest.raises(DreamError) as info:
        dreamlang.parse(IRIS, filename="examples/iris.dream")
    assert str(info.value) == GOLDEN.splitlines()[0]
    assert GOLDEN in info.value.render()


def test_a_span_across_lines_underlines_to_the_end_of_its_first_line() -> None:
    text = "model m {\n    qubits 1\n    repeat 2.5 {\n        h on 0\n    }\n}\n"
    source = Source("multi.dream", text)
    diag = Diagnostic(Severity.ERROR, "non-integer", "not an integer", Span(source, 3, 5, 5, 6))
    assert diag.render().splitlines()[1:] == ["   3 |     repeat 2.5 {", "     |     ^^^^^^^^^^^^"]


def test_tabs_keep_the_carets_under_the_token() -> None:
    (error,) = errors("model m {\n\tqubits 2\n\th on\t7\n}\n")
    assert error.render().splitlines()[1:3] == ["   3 |  h on 7", "     |       ^"]


def test_the_end_of_the_file_has_no_source_line() -> None:
    (error,) = errors("model m {\n    qubits 1\n")
    assert error.code == "unexpected-end"
    lines = error.render().splitlines()
    assert lines[0] == "test.dream:3:1: error[unexpected-end]: unexpected end of file"
    assert not any(" | " in line for line in lines)


@pytest.mark.parametrize("word", ["elif", "else"])
def test_a_branch_on_its_own_line_is_pointed_at(word: str) -> None:
    condition = " 1 < 0" if word == "elif" else ""
    text = (
        f"model m {{\n    qubits 1\n    if 1 > 0 {{\n    }}\n    {word}{condition} {{\n    }}\n}}\n"
    )
    (error,) = errors(text)
    assert error.render().splitlines() == [
        f"test.dream:5:5: error[unexpected-token]: unexpected '{word}'",
        f"   5 |     {word}{condition} {{",
        "     |     " + "^" * 4,
        f"  hint: '{word}' goes on the line of the closing brace: '}} {word} ... {{'",
    ]


def test_a_diagnostic_without_a_span() -> None:
    diag = Diagnostic(Severity.ERROR, "no-model", "no model here", None, ("hint: add one",))
    assert diag.render() == "dreamc: error[no-model]: no model here\n  hint: add one"


def test_warnings_render_as_warnings() -> None:
    text = "model m {\n    qubits 1\n    param spare[2]\n    h on 0\n}\n"
    (warning,) = dreamlang.parse(text, filename="w.dream").warnings
    assert warning.render() == (
        "w.dream:3:5: warning[unused-param]: parameter 'spare' is never used\n"
        "   3 |     param spare[2]\n"
        "     |     ^^^^^^^^^^^^^^\n"
        "  hint: remove it, or use it in a gate"
    )


# ---- the JSON rendering ----


def test_json_rendering() -> None:
    (error,) = errors(IRIS, "examples/iris.dream")
    assert json.loads(render_json([error])) == [
        {
            "severity": "error",
            "code": "unknown-gate",
            "message": "unknown gate 'rott'",
            "file": "examples/iris.dream",
            "line": 10,
            "column": 29,
            "end_line": 10,
            "end_column": 33,
            "notes": ["hint: did you mean 'rot'?"],
        }
    ]


def test_json_rendering_without_a_span() -> None:
    diag = Diagnostic(Severity.WARNING, "unused-param", "unused", None)
    (entry,) = json.loads(render_json([diag]))
    assert entry["severity"] == "warning"
    assert [entry[k] for k in ("file", "line", "column", "end_line", "end_column")] == [None] * 5


def test_json_rendering_keeps_unusual_text() -> None:
    (error,) = errors("model m {\n    qubits 1\n    rx(é) on 0\n}\n")
    assert json.loads(render_json([error]))[0]["code"] == "invalid-character"


# ---- several errors ----

SEVERAL = """\
const A = 1 / 0
model m {
    qubits 2
    rx(foo) on 0
    h on 5
    measure expval W0
    param p ~ unifrom
    rott(0.1) on 1
    head { dense 0 }
}
"""


def test_several_independent_errors_are_all_reported_in_source_order() -> None:
    found = [(d.code, d.span.line, d.span.column) for d in errors(SEVERAL) if d.span]
    assert found == [
        ("division-by-zero", 1, 11),
        ("unknown-name", 4, 8),
        ("wire-out-of-range", 5, 10),
        ("unknown-pauli", 6, 20),
        ("unknown-initializer", 7, 15),
        ("unknown-gate", 8, 5),
        ("invalid-value", 9, 18),
    ]


def test_the_exception_counts_the_other_errors() -> None:
    with pytest.raises(DreamError) as info:
        dreamlang.parse(SEVERAL, filename="several.dream")
    assert str(info.value) == (
        "several.dream:1:11: error[division-by-zero]: division by zero in '1 / 0' (and 6 more)"
    )
    assert info.value.codes[0] == "division-by-zero" and len(info.value.codes) == 7


def test_an_error_in_a_loop_is_reported_once() -> None:
    text = "model m {\n    qubits 2\n    for i in 0..100 {\n        rott(0.1) on 0\n    }\n}\n"
    assert [(d.code, d.span.line) for d in errors(text) if d.span] == [("unknown-gate", 4)]


def test_many_errors_stop_at_a_cap_and_stay_in_source_order() -> None:
    lines = "".join(f"    h on {100 + i}\n" for i in range(200))
    text = "model m {\n    qubits 1\n" + lines + "    rott on 0\n}\n"
    found = errors(text)
    assert 10 <= len(found) < 200
    positions = [(d.span.line, d.span.column) for d in found if d.span]
    assert positions == sorted(positions)


# ---- hints ----


@pytest.mark.parametrize(
    ("statement", "code", "hint"),
    [
        ("rx(thta[0]) on 0", "unknown-name", "did you mean 'theta'?"),
        ("rx(Pi) on 0", "unknown-name", "did you mean 'pi'?"),
        ("CNOT on [0, 1]", "unknown-gate", "did you mean 'cnot'?"),
        ("rott(0.1, 0.2, 0.3) on 0", "unknown-gate", "did you mean 'rot'?"),
        ("rx(sinn(0.1)) on 0", "unknown-function", "did you mean 'sin'?"),
        ("entangle rign using cnot", "unknown-topology", "did you mean 'ring'?"),
        ("rx(thetta=0.1) on 0", "unknown-option", "did you mean 'theta'?"),
        ("measure expval z0", "unknown-pauli", "did you mean 'Z0'?"),
        ("head { dense 2; softmx }", "unknown-activation", "did you mean 'softmax'?"),
        ("param w[2] ~ normel(0, 1)", "unknown-initializer", "did you mean 'normal'?"),
        ("noise depolarising p = 0.1", "unknown-gate", "did you mean 'depolarizing'?"),
        ("encode angle_embeding(x) on all", "unknown-gate", "did you mean 'angle_embedding'?"),
    ],
)
def test_did_you_mean(statement: str, code: str, hint: str) -> None:
    text = (
        'import "std/ansatz.dream"\nmodel m {\n    qubits 2\n    input x[2]\n'
        f"    param theta[2]\n    rx(theta[0]) on 0\n    {statement}\n}}\n"
    )
    (error,) = errors(text)
    assert error.code == code
    assert error.span is not None and error.span.line == 7
    assert f"hint: {hint}" in error.notes


def test_did_you_mean_for_a_missing_import() -> None:
    (error,) = errors('import "std/encoder.dream"\n')
    assert error.code == "import-not-found"
    assert error.notes == ("hint: did you mean 'encoders.dream'?",)
