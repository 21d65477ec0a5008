"""The backend registry (lazy loading, unknown targets) and the 'ir' JSON target."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import dreamlang.backends as backends
from dreamlang import ir
from dreamlang.backends import ir as irjson
from dreamlang.diagnostics import DreamError, Source, Span
from dreamlang.errorcodes import CODES

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests may register targets; restore the real table and cache afterwards.
    monkeypatch.setattr(backends, "_REGISTRY", dict(backends._REGISTRY))
    monkeypatch.setattr(backends, "_CACHE", {})


def test_ir_target_is_registered_and_cached() -> None:
    assert "ir" in backends.available()
    assert list(backends.available()) == sorted(backends.available())
    backend = backends.get_backend("ir")
    assert isinstance(backend, backends.Backend)
    assert (backend.name, backend.suffix) == ("ir", ".ir.json")
    assert backend.capabilities.needs_model is False
    assert backends.get_backend("ir") is backend


def test_unknown_target_suggests_the_closest_name() -> None:
    with pytest.raises(DreamError) as info:
        backends.get_backend("irr")
    (diag,) = info.value.diagnostics
    assert diag.code == "unknown-target"
    assert "'irr'" in diag.message
    assert "hint: did you mean 'ir'?" in diag.notes
    assert any(note.startswith("available targets: ") for note in diag.notes)


def test_unknown_target_without_a_close_match_lists_targets() -> None:
    with pytest.raises(DreamError) as info:
        backends.get_backend("zzzzzzzz")
    notes = info.value.diagnostics[0].notes
    assert not any("did you mean" in note for note in notes)
    assert "ir" in notes[-1]


def test_new_codes_are_registered() -> None:
    assert "unknown-target" in CODES
    assert "unsupported" in CODES


def test_registered_module_is_imported_only_on_demand(
    registry: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = tmp_path / "dream_fake_backend.py"
    module.write_text(
        textwrap.dedent(
            """
            from dreamlang.backends import Backend

            class Fake(Backend):
                name = "fake"
                suffix = ".txt"

                def emit(self, program):
                    return "fake\\n"
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    backends.register("fake", "dream_fake_backend:Fake")
    assert "dream_fake_backend" not in sys.modules
    assert "fake" in backends.available()
    backend = backends.get_backend("fake")
    assert "dream_fake_backend" in sys.modules
    assert backend.emit(ir.Program(None)) == "fake\n"
    monkeypatch.delitem(sys.modules, "dream_fake_backend")


def test_missing_extra_is_reported_with_the_install_command(registry: None) -> None:
    backends.register("needs", "dream_no_such_package_xyz.mod:B", extra="qiskit")
    with pytest.raises(backends.BackendUnavailable) as info:
        backends.get_backend("needs")
    assert "pip install 'dreamlang[qiskit]'" in str(info.value)


def test_broken_registration_is_a_bug_not_a_user_error(registry: None) -> None:
    backends.register("broken", "dream_no_such_package_xyz:B")
    with pytest.raises(ImportError):
        backends.get_backend("broken")
    backends.register("notabackend", "json:dumps")
    with pytest.raises(TypeError):
        backends.get_backend("notabackend")
    with pytest.raises(ValueError):
        backends.register("bad", "no_colon_here")


def test_unsupported_points_at_the_node() -> None:
    source = Source("m.dream", "model m {\n  qubits 1\n  h on 0\n}\n")
    op = ir.Operation("h", (0,), span=Span(source, 3, 3, 3, 9))
    with pytest.raises(DreamError) as info:
        backends.unsupported(op, "the target has no 'h' gate")
    (diag,) = info.value.diagnostics
    assert (diag.code, diag.span) == ("unsupported", op.span)
    assert "m.dream:3:3" in diag.render()


def test_require_model_rejects_a_library() -> None:
    with pytest.raises(DreamError) as info:
        backends.require_model(ir.Program(None, filename="lib.dream"))
    assert info.value.codes == ["no-model"]


def test_importing_dreamlang_does_not_import_frameworks() -> None:
    code = textwrap.dedent(
        """
        import sys
        import dreamlang, dreamlang.cli
        from dreamlang.cli_commands import import_backends
        import_backends().get_backend("ir")
        heavy = {"qiskit", "pennylane", "cirq", "qiskit_aer"} & set(sys.modules)
        assert not heavy, heavy
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


# ---- the ir target ----


def test_ir_json_round_trip(sample_program: ir.Program) -> None:
    text = irjson.dumps(sample_program)
    back = irjson.loads(text)
    assert back == sample_program
    assert back.filename == sample_program.filename
    assert irjson.dumps(back) == text.replace('"loc":"3:3"', '"loc":null').replace(
        '"loc": "1:1"', '"loc": null'
    )
    (warning,) = back.warnings
    assert (warning.code, warning.span.line if warning.span else 0) == ("unused-param", 3)


def test_ir_json_is_deterministic_and_sorted(sample_program: ir.Program) -> None:
    text = backends.get_backend("ir").emit(sample_program)
    assert text == irjson.dumps(copy.deepcopy(sample_program))
    data = json.loads(text)
    assert data["format"] == "dreamlang-ir"
    assert list(data) == sorted(data) and list(data["model"]) == sorted(data["model"])
    # One line per operation keeps big models small and diffable.
    lines = text.splitlines()
    assert sum(line.startswith('   {"loc"') and '"Operation"' in line for line in lines) == 7
    ops = data["model"]["ops"]
    assert ops[2]["loc"] == "3:3" and ops[0]["loc"] is None
    assert "span" not in text
    assert ops[1]["params"][0]["right"] == {"type": "Num", "value": 0.5}


def test_ir_json_library_and_non_finite_numbers() -> None:
    assert irjson.loads(irjson.dumps(ir.Program(None))).model is None
    op = ir.Operation("rz", (0,), (ir.Num(float("inf")),))
    model = ir.Model("m", 1, (), (), (op,), (), ())
    text = irjson.dumps(ir.Program(model))
    json.loads(text)  # strict JSON: no bare Infinity
    assert "Infinity" not in text
    assert irjson.loads(text).model == model


@pytest.mark.parametrize(
    "text",
    [
        "[]",
        '{"format": "other"}',
        '{"format": "dreamlang-ir", "version": 99, "model": null}',
        '{"format": "dreamlang-ir", "version": 1, "model": {"type": "os.system"}}',
        '{"format": "dreamlang-ir", "version": 1, "model": {"type": "Num", "value": 1}}',
    ],
)
def test_ir_json_rejects_foreign_documents(text: str) -> None:
    with pytest.raises(ValueError):
        irjson.loads(text)


_floats = st.floats(allow_nan=False, allow_infinity=False, width=64)
_refs = st.builds(
    ir.InputRef, st.sampled_from(["x", "y"]), st.tuples(st.integers(0, 9))
) | st.builds(ir.ParamRef, st.just("theta"), st.lists(st.integers(0, 9), max_size=3).map(tuple))
_leaves = st.builds(ir.Num, _floats) | _refs
_exprs = st.recursive(
    _leaves,
    lambda inner: (
        st.builds(ir.Neg, inner)
        | st.builds(ir.Binary, st.sampled_from(["+", "-", "*", "/", "**"]), inner, inner)
        | st.builds(ir.Call, st.sampled_from(["sin", "cos", "exp"]), inner)
    ),
    max_leaves=12,
)


@given(st.lists(_exprs, max_size=3))
def test_ir_json_round_trips_any_expression(params: list[ir.Expr]) -> None:
    op = ir.Operation("rot", (0,), tuple(params))
    model = ir.Model("m", 1, (), (), (op,), (), ())
    text = irjson.dumps(ir.Program(model))
    assert irjson.loads(text).model == model
    assert irjson.dumps(irjson.loads(text)) == text
