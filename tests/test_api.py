"""The Python API's contract: what it returns, what it raises, and what it never imports or leaks."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

import dreamlang
from dreamlang import ir

ROOT = Path(__file__).resolve().parent.parent
IRIS = ROOT / "examples" / "iris.dream"


def _walk_values(node: object, seen: set[int] | None = None):
    """Every value reachable from an IR node through dataclass fields and tuples."""
    seen = set() if seen is None else seen
    if id(node) in seen:
        return
    seen.add(id(node))
    yield node
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        for f in dataclasses.fields(node):
            yield from _walk_values(getattr(node, f.name), seen)
    elif isinstance(node, tuple | list):
        for item in node:
            yield from _walk_values(item, seen)


def test_import_dreamlang_imports_no_quantum_library_and_no_lark():
    code = (
        "import sys, dreamlang\n"
        "bad = [m for m in ('qiskit', 'pennylane', 'cirq', 'lark') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_parsing_imports_no_quantum_library():
    code = (
        "import sys, dreamlang\n"
        f"dreamlang.load({str(IRIS)!r})\n"
        "bad = [m for m in ('qiskit', 'pennylane', 'cirq') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_load_parse_and_check_agree():
    by_path = dreamlang.load(IRIS)
    by_text = dreamlang.parse(IRIS.read_text(), filename=str(IRIS), roots=[IRIS.parent])
    by_check = dreamlang.check(IRIS)
    assert by_path == by_text == by_check
    assert isinstance(by_path.model, ir.Model)


def test_no_lark_object_in_the_ir():
    from lark import Token, Tree

    program = dreamlang.load(IRIS)
    leaked = [v for v in _walk_values(program) if isinstance(v, Token | Tree)]
    assert leaked == []


def test_errors_are_dream_errors_without_lark_context():
    with pytest.raises(dreamlang.DreamError) as info:
        dreamlang.parse("model m {\n  qubits 2\n  h on\n}\n")
    error = info.value
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__
    assert error.codes == ["unexpected-token"]
    assert all(isinstance(d, dreamlang.Diagnostic) for d in error.diagnostics)


def test_library_file_has_no_model():
    program = dreamlang.parse('import "std/ansatz.dream"\nconst N = 2\n')
    assert program.model is None


def test_ir_is_immutable_and_compares_without_spans():
    first = dreamlang.parse("model m {\n  qubits 1\n  h on 0\n}\n").model
    second = dreamlang.parse("model m { qubits 1; h on 0 }  # same program\n").model
    assert first == second
    assert first.ops[0].span != second.ops[0].span
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.ops[0].name = "x"  # type: ignore[misc]


def test_limits_are_configurable_from_the_api():
    source = "model m {\n  qubits 3\n  h on all\n}\n"
    with pytest.raises(dreamlang.DreamError) as info:
        dreamlang.parse(source, limits=dreamlang.Limits(max_qubits=2))
    assert info.value.codes == ["too-many-qubits"]
    assert dreamlang.parse(source, limits=dreamlang.Limits(max_qubits=3)).model is not None


def test_nesting_past_the_stack_with_a_raised_limit_is_a_diagnostic_not_a_crash():
    text = "model m {\n  qubits 1\n  input x\n  rx(" + "-" * 30000 + "x) on 0\n}\n"
    with pytest.raises(dreamlang.DreamError) as info:
        dreamlang.parse(text, limits=dreamlang.Limits(max_nesting=100_000))
    assert info.value.codes == ["nesting-too-deep"]
