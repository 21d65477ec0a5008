"""Generated Python is safe: only the emitter's own node types, imports and identifiers, and user
names never outside string literals, comments or docstrings included."""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

import pytest

import dreamlang
from dreamlang.backends import get_backend

ROOT = Path(__file__).resolve().parent.parent
PYTHON_TARGETS = ("pennylane", "qiskit", "cirq")

# Every node type the emitters and the inlined runtime use; anything else (a lambda, a class, a
# global statement, an f-string, ...) means the emitter changed and this list must be reviewed.
ALLOWED_NODES = {
    ast.Module, ast.Expr, ast.Constant, ast.Import, ast.ImportFrom, ast.alias, ast.Assign,
    ast.AnnAssign, ast.AugAssign, ast.FunctionDef, ast.arguments, ast.arg, ast.Return, ast.If,
    ast.For, ast.Raise, ast.Name, ast.Load, ast.Store, ast.Attribute, ast.Subscript, ast.Slice,
    ast.Tuple, ast.List, ast.Dict, ast.Set, ast.Call, ast.keyword, ast.BinOp, ast.UnaryOp,
    ast.BoolOp, ast.Compare, ast.IfExp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv,
    ast.Pow, ast.MatMult, ast.RShift, ast.BitAnd, ast.BitOr, ast.USub, ast.Not, ast.And, ast.Or, ast.Eq,
    ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot,
    ast.ListComp, ast.DictComp, ast.GeneratorExp, ast.comprehension, ast.JoinedStr,
    ast.FormattedValue, ast.Starred,
}  # fmt: skip
ALLOWED_IMPORTS = {"math", "typing", "numpy", "pennylane", "qiskit", "cirq", "sympy"}
LIBRARY_ALIASES = {"np", "qml", "cirq", "qiskit", "qi", "sympy", "math"}
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "open", "getattr", "setattr", "globals"}

HOSTILE = """\
model def {
    qubits 3
    input lambda[2]
    param np[2] ~ normal(0, 1)
    param match[1]
    param print[1]
    param qml[1]
    param cirq[1]
    param __import__[1]
    param case[2, 2]
    rx(lambda[0] + np[1]) on 0
    ry(match[0] * print[0]) on 1
    rz(qml[0] - cirq[0] + __import__[0]) on 1
    rot(case[0, 0], case[1, 1], sqrt(2.0 + lambda[1] ** 2)) on 2
    crx(sin(case[0, 1])) on [2, 0]
    measure expval Z on all
    measure probs on [2, 0]
    head { dense 2; softmax }
}
"""
HOSTILE_NAMES = {"def", "lambda", "np", "match", "print", "qml", "cirq", "__import__", "case"}


def _sources() -> list[tuple[str, str]]:
    files = [(p.name, p.read_text("utf-8")) for p in sorted((ROOT / "examples").glob("*.dream"))]
    return [*files, ("hostile.dream", HOSTILE)]


def _emit(target: str, name: str, text: str) -> str:
    program = dreamlang.parse(text, str(ROOT / "examples" / name))
    return get_backend(target).emit(program)


@pytest.fixture(scope="module", params=PYTHON_TARGETS)
def generated(request: pytest.FixtureRequest) -> list[tuple[str, str]]:
    return [(name, _emit(request.param, name, text)) for name, text in _sources()]


def test_only_known_nodes_imports_and_calls(generated: list[tuple[str, str]]) -> None:
    for name, code in generated:
        for node in ast.walk(ast.parse(code)):
            assert type(node) in ALLOWED_NODES, f"{name}: {type(node).__name__}"
            if isinstance(node, ast.Import | ast.ImportFrom):
                modules = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                modules.append(getattr(node, "module", None) or "")
                for module in filter(None, modules):
                    assert module.split(".")[0] in ALLOWED_IMPORTS, f"{name}: import {module}"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in FORBIDDEN_CALLS, f"{name}: {node.func.id}()"


def test_user_names_only_inside_string_literals(generated: list[tuple[str, str]]) -> None:
    code = dict(generated)["hostile.dream"]
    tree = ast.parse(code)
    identifiers = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    identifiers |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    identifiers |= {n.arg for n in ast.walk(tree) if isinstance(n, ast.arg)}
    identifiers |= {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    # The emitter's own module aliases may appear as names, but only read, never rebound; that
    # they never stand for a user's name is test_identifiers_do_not_depend_on_user_names.
    leaked = (identifiers & HOSTILE_NAMES) - LIBRARY_ALIASES
    assert not leaked
    alias_uses = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in LIBRARY_ALIASES]
    assert all(isinstance(n.ctx, ast.Load) for n in alias_uses)
    comments = [
        tok.string
        for tok in tokenize.generate_tokens(io.StringIO(code).readline)
        if tok.type == tokenize.COMMENT
    ]
    docstrings = [ast.get_docstring(n) or "" for n in ast.walk(tree) if _has_doc(n)]
    for text in comments + docstrings:
        words = set(text.replace("(", " ").replace(")", " ").replace(",", " ").split())
        assert not (words & (HOSTILE_NAMES - {"np", "print", "match", "case"})), text


def _has_doc(node: ast.AST) -> bool:
    return isinstance(node, ast.Module | ast.FunctionDef)


def test_identifiers_do_not_depend_on_user_names() -> None:
    renamed = HOSTILE
    for i, name in enumerate(sorted(HOSTILE_NAMES, key=len, reverse=True)):
        renamed = renamed.replace(f" {name}[", f" n{i}[").replace(f"({name}[", f"(n{i}[")
    for target in PYTHON_TARGETS:
        a, b = (_emit(target, "h.dream", t) for t in (HOSTILE, renamed))
        assert _names(a) == _names(b), target


def _names(code: str) -> set[str]:
    return {n.id for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Name)}


def test_non_ascii_names_are_rejected_with_a_position() -> None:
    text = "model m {\n    qubits 1\n    param \ufb01[1]\n    rx(\ufb01[0]) on 0\n}\n"
    with pytest.raises(dreamlang.DreamError) as info:
        dreamlang.parse(text, "u.dream")
    diagnostic = info.value.diagnostics[0]
    assert diagnostic.code == "invalid-character"
    assert diagnostic.span is not None and (diagnostic.span.line, diagnostic.span.column) == (3, 11)


def test_hostile_program_runs_on_every_target() -> None:
    results = []
    for target in PYTHON_TARGETS:
        model = dreamlang.compile(HOSTILE, target)
        params = model.init_params(3)
        results.append(model.forward({"lambda": [0.3, -1.2]}, params))
    for other in results[1:]:
        assert other == pytest.approx(results[0], abs=1e-9)
