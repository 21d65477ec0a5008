"""The unrolled IR of every language construct, checked against hand-derived expectations.

Each test compiles a small program and compares the operations (names, wires, parameter
expressions, tags), measurements and head with values worked out by hand from the language
reference (docs/language.md), not copied from the compiler's output.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

import dreamlang
from dreamlang import ir
from dreamlang.schedules import evaluate, schedule_value

STD = 'import "std/ansatz.dream"\n'


# ---- helpers ----


def compile_text(text: str) -> ir.Model:
    program = dreamlang.parse(text)
    assert program.model is not None
    return program.model


def body(stmts: str, *, qubits: int = 4, decls: str = "input x[4]\nparam theta[4]") -> ir.Model:
    """A model around some statements, with the standard library imported."""
    return compile_text(f"{STD}model t {{\nqubits {qubits}\n{decls}\n{stmts}\n}}\n")


def codes(text: str) -> list[str]:
    with pytest.raises(dreamlang.DreamError) as info:
        dreamlang.parse(text)
    return info.value.codes


def body_codes(
    stmts: str, *, qubits: int = 4, decls: str = "input x[4]\nparam theta[4]"
) -> list[str]:
    return codes(f"{STD}model t {{\nqubits {qubits}\n{decls}\n{stmts}\n}}\n")


def wires(model: ir.Model) -> list[tuple[int, ...]]:
    return [op.wires for op in model.ops]


def names(model: ir.Model) -> list[str]:
    return [op.name for op in model.ops]


def P(name: str, *index: int) -> ir.ParamRef:
    return ir.ParamRef(name, index)


def X(*index: int) -> ir.InputRef:
    return ir.InputRef("x", index)


def N(value: float) -> ir.Num:
    return ir.Num(value)


def B(op: str, left: ir.Expr, right: ir.Expr) -> ir.Binary:
    return ir.Binary(op, left, right)


def drop(op: ir.Operation) -> ir.DropoutTag:
    assert op.tags.dropout is not None, op
    return op.tags.dropout


def number(expr: ir.Expr) -> float:
    assert isinstance(expr, ir.Num), expr
    return expr.value


# ---- parameter expressions ----


def test_the_reference_example_expression() -> None:
    model = body("rx(2 * theta[1] + x[0]) on 2")
    (op,) = model.ops
    assert op.name == "rx"
    assert op.wires == (2,)
    assert op.params == (B("+", B("*", N(2), P("theta", 1)), X(0)),)


@pytest.mark.parametrize(
    ("angle", "expected"),
    [
        ("x[0] - x[1] - x[2]", B("-", B("-", X(0), X(1)), X(2))),  # left-associative
        ("x[0] ** x[1] ** x[2]", B("**", X(0), B("**", X(1), X(2)))),  # right-associative
        ("-x[0] ** 2", ir.Neg(B("**", X(0), N(2)))),  # unary minus binds looser than **
        ("(x[0] + x[1]) * x[2]", B("*", B("+", X(0), X(1)), X(2))),
        ("x[0] + x[1] * x[2]", B("+", X(0), B("*", X(1), X(2)))),
        ("x[0] / 2 * theta[3]", B("*", B("/", X(0), N(2)), P("theta", 3))),
        ("+x[3]", X(3)),
        ("-theta[0]", ir.Neg(P("theta", 0))),
        ("sin(x[0]) / 2", B("/", ir.Call("sin", X(0)), N(2))),
        ("exp(-x[1])", ir.Call("exp", ir.Neg(X(1)))),
        ("pi * x[2]", B("*", N(math.pi), X(2))),
        ("x[0] + 2 * 3", B("+", X(0), N(6))),  # the constant part is folded
    ],
)
def test_expression_structure(angle: str, expected: ir.Expr) -> None:
    (op,) = body(f"ry({angle}) on 0").ops
    assert op.params == (expected,)


@pytest.mark.parametrize(
    "func", ["sin", "cos", "tan", "exp", "log", "sqrt", "arcsin", "arccos", "arctan"]
)
def test_math_functions_stay_symbolic_on_inputs(func: str) -> None:
    (op,) = body(f"rz({func}(x[1])) on 0").ops
    assert op.params == (ir.Call(func, X(1)),)


@pytest.mark.parametrize(
    ("angle", "value"),
    [
        ("2 * pi / 4", math.pi / 2),
        ("7 // 2 + 7 % 4", 3 + 3),
        ("-7 // 2", -4),  # floor division, like Python
        ("-7 % 3", 2),
        ("2 ** -1", 0.5),
        ("2 ** 3 ** 2", 512),
        ("-2 ** 2", -4),
        ("4 / 2", 2.0),
        ("sqrt(16.0) + log(exp(2.0))", 4.0 + 2.0),
        ("floor(2.7) + ceil(2.1) + abs(-3)", 2 + 3 + 3),
        ("min(3, 1, 2) + max([1, 5]) + len([7, 8, 9]) + len(0..10 by 3)", 1 + 5 + 3 + 4),
        ("2 + 3 * 4 % 5", 2 + 2),
    ],
)
def test_constant_folding(angle: str, value: float) -> None:
    (op,) = body(f"rx({angle}) on 0").ops
    assert op.params == (N(value),)
    assert number(op.params[0]) == pytest.approx(value)


def test_let_names_an_expression() -> None:
    model = body("let a = 2 * x[0]\nrx(a) on 0\nry(a / 2) on 1")
    a = B("*", N(2), X(0))
    assert [op.params for op in model.ops] == [(a,), (B("/", a, N(2)),)]


def test_named_and_positional_angles() -> None:
    model = body("rot(1, 2, omega=3) on 0\nu3(lam=0.5, phi=0.25, theta=1) on 1\nu(1, 2, 3) on 2")
    assert [(op.name, op.params) for op in model.ops] == [
        ("rot", (N(1), N(2), N(3))),
        ("u3", (N(1), N(0.25), N(0.5))),
        ("u3", (N(1), N(2), N(3))),
    ]


@pytest.mark.parametrize(
    ("stmt", "code"),
    [
        ("rx(x[0] // 2) on 0", "type-error"),
        ("rx(1 / 0) on 0", "division-by-zero"),
        ("rx(log(0)) on 0", "math-domain"),
        ("rx(2 ** 64) on 0", "integer-overflow"),
        ("rx(exp(1000.0)) on 0", "non-finite"),
        ("rx(sinh(1)) on 0", "unknown-function"),
        ("rx(abs(x[0])) on 0", "type-error"),
        ("rx(nope) on 0", "unknown-name"),
        ("const c = x[0]", "type-error"),
        ("if x[0] > 0 {\nh on 0\n}", "type-error"),
        ("rx(1, 2) on 0", "wrong-arity"),
        ("rx on 0", "wrong-arity"),
        ("h(0.5) on 0", "wrong-arity"),
        ("rx(phi=1) on 0", "unknown-option"),
        ("rot(1, 2, 3, omega=4) on 0", "wrong-arity"),
        ("hadamard on 0", "unknown-gate"),
        ("rx(linear(0.1, 0.0, epochs=5)) on 0", "type-error"),
        ("rx([0.1, [0.2]]) on [0, 1]", "type-error"),
        ("rx([0.1, 0.2, 0.3]) on [0, 1]", "shape-mismatch"),
    ],
)
def test_expression_errors(stmt: str, code: str) -> None:
    assert code in body_codes(stmt)


def test_unknown_gate_keyword() -> None:
    assert "unknown-option" in body_codes("rot(1, 2, 3, alpha=4) on 0")


# ---- ranges and control flow ----


def test_ranges_are_end_exclusive_and_take_steps() -> None:
    model = body(
        "for q in 0..4 by 2 {\nh on q\n}\nfor q in 3..0 by -1 {\nx on q\n}\n"
        "for q in 2..2 {\nz on q\n}"
    )
    assert [(op.name, op.wires) for op in model.ops] == [
        ("h", (0,)),
        ("h", (2,)),
        ("x", (3,)),
        ("x", (2,)),
        ("x", (1,)),
    ]


def test_range_binds_looser_than_arithmetic() -> None:
    model = body("const n = 4\nfor i in 1 + 1..n - 1 {\nh on i\n}")
    assert wires(model) == [(2,)]


def test_zero_range_step_is_an_error() -> None:
    assert "type-error" in body_codes("for q in 0..4 by 0 {\nh on q\n}")


def test_repeat_with_and_without_index() -> None:
    model = body("repeat 3 as i {\nrx(i) on i\n}\nrepeat 2 {\nh on 3\n}\nrepeat 0 {\nx on 0\n}")
    assert [(op.name, op.wires, op.params) for op in model.ops] == [
        ("rx", (0,), (N(0),)),
        ("rx", (1,), (N(1),)),
        ("rx", (2,), (N(2),)),
        ("h", (3,), ()),
        ("h", (3,), ()),
    ]


@pytest.mark.parametrize(
    ("stmt", "code"),
    [
        ("repeat -1 {\nh on 0\n}", "invalid-value"),
        ("repeat 1.5 {\nh on 0\n}", "non-integer"),
        ("for q in 3 {\nh on q\n}", "type-error"),
        ("for q in 0..2 {\nh on q\n}\nx on q", "unknown-name"),  # the loop variable is local
    ],
)
def test_loop_errors(stmt: str, code: str) -> None:
    assert code in body_codes(stmt)


def test_for_over_lists_tuples_and_tensors() -> None:
    model = body(
        "for q in [3, 1] {\nh on q\n}\nfor pair in [(0, 1), (2, 3)] {\ncz on pair\n}\n"
        "for v in x {\nry(v) on 0\n}",
    )
    assert [(op.name, op.wires) for op in model.ops[:4]] == [
        ("h", (3,)),
        ("h", (1,)),
        ("cz", (0, 1)),
        ("cz", (2, 3)),
    ]
    assert [op.params for op in model.ops[4:]] == [(X(i),) for i in range(4)]


def test_for_over_a_two_dimensional_tensor_gives_rows() -> None:
    model = body("for row in w {\nrot(row[0], row[1], row[2]) on 0\n}", decls="param w[2, 3]")
    assert [op.params for op in model.ops] == [
        tuple(P("w", r, c) for c in range(3)) for r in range(2)
    ]


def test_if_elif_else_picks_one_branch() -> None:
    stmts = (
        "for q in 0..4 {\n"
        "if q == 0 {\nh on q\n} elif q == 1 or q == 2 and not q == 1 {\nx on q\n"
        "} else {\nz on q\n}\n"
        "}"
    )
    assert [(op.name, op.wires) for op in body(stmts).ops] == [
        ("h", (0,)),
        ("x", (1,)),
        ("x", (2,)),
        ("z", (3,)),
    ]


def test_comparisons_of_non_numbers() -> None:
    stmts = (
        "let g = ry\nif g == ry and X != Y and [1, 2] == [1, 2] {\nh on 0\n}\n"
        "if g == rx {\nx on 0\n}"
    )
    assert names(body(stmts)) == ["h"]


def test_inner_scopes_may_shadow() -> None:
    model = body("let a = 1\nrepeat 1 {\nlet a = 2\nrx(a) on 0\n}\nrx(a) on 1")
    assert [op.params for op in model.ops] == [(N(2),), (N(1),)]


def test_duplicate_let_in_one_scope() -> None:
    assert "duplicate-definition" in body_codes("let a = 1\nlet a = 2")


def test_lists_concatenate_and_slice() -> None:
    model = body("let w = [3, 2] + [1, 0]\nh on w[0..2]\nx on w[1..4 by 2]\ncnot on [w[0], w[3]]")
    assert [(op.name, op.wires) for op in model.ops] == [
        ("h", (3,)),
        ("h", (2,)),
        ("x", (2,)),
        ("x", (0,)),
        ("cnot", (3, 0)),
    ]


def test_line_wrapping_and_separators() -> None:
    model = body("rot(1,\n  2,\n  3) on 0; h on 1;; x on 2\ncnot on \\\n [0, 1]")
    assert names(model) == ["rot", "h", "x", "cnot"]


# ---- declarations ----


def test_declarations_and_initializers() -> None:
    model = compile_text(
        "model d {\n"
        "qubits 3\n"
        "input x[2, 3]\n"
        "input t\n"
        "param a[2]\n"
        "param b[1] ~ normal()\n"
        "param c[1] ~ normal(0.5)\n"
        "param d[1] ~ zeros\n"
        "param e[1] ~ constant(0.3)\n"
        "param f[1] ~ constant\n"
        "param g[1] ~ uniform(-1)\n"
        "param s ~ uniform(-pi, pi)\n"
        "rx(t + a[0] + a[1] + b[0] + c[0] + d[0] + e[0] + f[0] + g[0] + s + x[1, 2]) on 0\n"
        "}\n"
    )
    assert model.num_qubits == 3
    assert [(d.name, d.shape) for d in model.inputs] == [("x", (2, 3)), ("t", ())]
    inits = {p.name: (p.shape, p.init.kind, p.init.args) for p in model.params}
    two_pi = 2 * math.pi
    assert inits == {
        "a": ((2,), "uniform", (0.0, two_pi)),
        "b": ((1,), "normal", (0.0, 1.0)),
        "c": ((1,), "normal", (0.5, 1.0)),
        "d": ((1,), "zeros", ()),
        "e": ((1,), "constant", (0.3,)),
        "f": ((1,), "constant", (0.0,)),
        "g": ((1,), "uniform", (-1.0, two_pi)),
        "s": ((), "uniform", (-math.pi, math.pi)),
    }
    symbols = ir.free_symbols(model.ops[0].params[0])
    assert ir.InputRef("t", ()) in symbols
    assert P("s") in symbols
    assert ir.InputRef("x", (1, 2)) in symbols


def test_model_constants_may_size_declarations() -> None:
    model = compile_text(
        "model m {\nconst L = 2\nqubits L + 1\nparam w[L, 3]\nry(w[1, 2]) on L\n}\n"
    )
    assert model.num_qubits == 3
    assert model.params[0].shape == (2, 3)
    assert [(op.wires, op.params) for op in model.ops] == [((2,), (P("w", 1, 2),))]


def test_gates_may_come_before_declarations() -> None:
    model = compile_text("model m {\nry(w[0]) on 1\nqubits 2\nparam w[1]\n}\n")
    assert [(op.name, op.wires, op.params) for op in model.ops] == [("ry", (1,), (P("w", 0),))]


def test_global_constants_are_evaluated_in_order() -> None:
    model = compile_text("const A = 2\nconst B = A * 3\nmodel m {\nqubits B\nh on B - 1\n}\n")
    assert model.num_qubits == 6
    assert wires(model) == [(5,)]
    assert "unknown-name" in codes("const B = A * 3\nconst A = 2\nmodel m {\nqubits 1\n}\n")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("model m {\nh on 0\n}", "missing-qubits"),
        ("model m {\nqubits 0\n}", "invalid-value"),
        ("model m {\nqubits 65\n}", "too-many-qubits"),
        ("model m {\nqubits 4 / 2\n}", "non-integer"),
        ("model m {\nqubits 1\nqubits 1\n}", "duplicate-definition"),
        ("model m {\nqubits 1\ninput x[2]\ninput x[3]\n}", "duplicate-definition"),
        ("model m {\nqubits 1\ninput x[0]\n}", "invalid-value"),
        ("model m {\nqubits 1\nparam w[1] ~ gaussian(0, 1)\n}", "unknown-initializer"),
        ("model m {\nqubits 1\nparam w[1] ~ uniform(1, 0)\n}", "invalid-value"),
        ("model m {\nqubits 1\nparam w[1] ~ normal(0, -1)\n}", "invalid-value"),
        ("model m {\nqubits 1\nparam w[1] ~ zeros(1)\n}", "wrong-argument-count"),
        ("model m {\nqubits 1\nrepeat 1 {\nparam w[1]\n}\n}", "misplaced-statement"),
        ("model m {\nqubits 1\n}\nmodel k {\nqubits 1\n}", "multiple-models"),
        ("model m {\nqubits 1\nconst c = 1\nconst c = 2\n}", "duplicate-definition"),
    ],
)
def test_declaration_errors(text: str, code: str) -> None:
    assert code in codes(text)


def test_unused_param_is_a_warning() -> None:
    program = dreamlang.parse("model m {\nqubits 1\nparam w[2]\nh on 0\n}\n")
    assert [d.code for d in program.warnings] == ["unused-param"]


# ---- broadcasting over wires ----


@pytest.mark.parametrize(
    ("stmt", "expected"),
    [
        ("h on all", [(0,), (1,), (2,), (3,)]),
        ("h on 1..3", [(1,), (2,)]),
        ("h on [0, 2]", [(0,), (2,)]),
        ("h on (3, 1)", [(3,), (1,)]),
        ("h on [0] + [3]", [(0,), (3,)]),
        ("cnot on [(0, 1), (2, 3)]", [(0, 1), (2, 3)]),
        ("cnot on [[1, 0], [3, 2]]", [(1, 0), (3, 2)]),
        ("cnot on [0, 1]", [(0, 1)]),
        ("cnot on (3, 0)", [(3, 0)]),
        ("cz on 2..4", [(2, 3)]),
        ("ccx on [2, 0, 1]", [(2, 0, 1)]),
        ("cswap on [(0, 1, 2), (3, 2, 1)]", [(0, 1, 2), (3, 2, 1)]),
    ],
)
def test_wire_broadcasting(stmt: str, expected: list[tuple[int, ...]]) -> None:
    assert wires(body(stmt)) == expected


def test_all_with_a_two_wire_gate_needs_exactly_two_qubits() -> None:
    assert wires(body("cz on all", qubits=2, decls="")) == [(0, 1)]
    assert "wire-count" in body_codes("cz on all")


def test_tensor_angles_broadcast_element_wise() -> None:
    model = body(
        "ry(x) on all\ncrx(w[1]) on [(0, 1), (2, 3)]\nrz(w[0]) on 1..3",
        decls="input x[4]\nparam w[2, 2]",
    )
    assert [(op.name, op.wires, op.params) for op in model.ops] == [
        *(("ry", (q,), (X(q),)) for q in range(4)),
        ("crx", (0, 1), (P("w", 1, 0),)),
        ("crx", (2, 3), (P("w", 1, 1),)),
        ("rz", (1,), (P("w", 0, 0),)),
        ("rz", (2,), (P("w", 0, 1),)),
    ]


def test_scalar_angles_repeat_on_every_application() -> None:
    model = body("rx(2 * theta[0]) on all")
    assert [op.params for op in model.ops] == [(B("*", N(2), P("theta", 0)),)] * 4


def test_aliases_give_canonical_names() -> None:
    stmts = (
        "id on 0\nidentity on 0\ncx on [0, 1]\np(1) on 0\ncp(1) on [0, 1]\n"
        "u(1, 2, 3) on 0\ntoffoli on [0, 1, 2]\nfredkin on [0, 1, 2]"
    )
    assert names(body(stmts)) == ["i", "i", "cnot", "phase", "cphase", "u3", "ccx", "cswap"]


def test_an_input_named_like_a_gate_does_not_hide_it() -> None:
    model = body("x on 0\nry(x[1]) on 1")
    assert [(op.name, op.params) for op in model.ops] == [("x", ()), ("ry", (X(1),))]


@pytest.mark.parametrize(
    ("stmt", "code"),
    [
        ("ry(x) on 0..3", "shape-mismatch"),
        ("cnot on all", "wire-count"),
        ("cnot on [0, 1, 2]", "wire-count"),
        ("cnot on 0", "wire-count"),
        ("h on [(0, 1)]", "wire-count"),
        ("cnot on [(0, 1), (2, 3, 1)]", "wire-count"),
        ("cnot on [1, 1]", "duplicate-wire"),
        ("h on 4", "wire-out-of-range"),
        ("h on -1", "wire-out-of-range"),
        ("h on 1.0", "non-integer"),
        ("h on 3 / 3", "non-integer"),
        ("h on X", "type-error"),
        ("h on [1.0]", "non-integer"),
        ("h on [0..2]", "non-integer"),
        ("ry(w) on all", "type-error"),  # a 2-D tensor is not an angle
        ("depolarizing(x) on all", "type-error"),  # channel values cannot be inputs
        ("depolarizing(x[0]) on 0", "type-error"),
    ],
)
def test_broadcasting_errors(stmt: str, code: str) -> None:
    assert code in body_codes(stmt, decls="input x[4]\nparam w[4, 4]")


# ---- blocks ----

BLOCKS = """
import "std/topologies.dream"
const G = 3
block b(a, c=0.5, g=ry) on w {
    g(a + c) on w
}
block axis_rot(v, axis=X) on w {
    if axis == X {
        rx(v) on w
    } elif axis == Y {
        ry(v) on w
    } else {
        rz(v) on w
    }
}
block ent(topo=ring, gate=cz) on w {
    entangle topo using gate on w
}
block star_ent(topo=star) on w {
    entangle topo(center=1) using cnot on w
}
block per_wire(angles) on ws {
    for i in 0..len(angles) {
        rx(angles[i]) on ws[i]
    }
}
block from_globals(k=G) on w {
    rx(k) on w
}
block mine() on w {
    h on all
}
block no_wires() {
    x on all
}
block calls_no_wires() on w {
    no_wires()
}
"""


def block_model(
    stmts: str, *, qubits: int = 4, decls: str = "input x[4]\nparam w[2, 4]"
) -> ir.Model:
    return compile_text(f"{BLOCKS}model t {{\nqubits {qubits}\n{decls}\n{stmts}\n}}\n")


def block_codes(stmts: str, *, extra: str = "") -> list[str]:
    return codes(f"{BLOCKS}{extra}model t {{\nqubits 4\ninput x[4]\nparam w[2, 4]\n{stmts}\n}}\n")


def test_block_parameters_bind_values() -> None:
    model = block_model("b(1) on 0\nb(1, 2) on 1\nb(c=2, a=1, g=rx) on [2, 3]\nb(x[0]) on 3")
    assert [(op.name, op.wires, op.params) for op in model.ops] == [
        ("ry", (0,), (N(1.5),)),
        ("ry", (1,), (N(3),)),
        ("rx", (2,), (N(3),)),
        ("rx", (3,), (N(3),)),
        ("ry", (3,), (B("+", X(0), N(0.5)),)),
    ]


def test_gate_parameters_accept_aliases_and_blocks() -> None:
    model = block_model("b(0, c=1, g=p) on 0\nb(0, c=1, g=axis_rot) on 1")
    assert [(op.name, op.wires, op.params) for op in model.ops] == [
        ("phase", (0,), (N(1),)),
        ("rx", (1,), (N(1),)),
    ]


def test_pauli_parameters() -> None:
    model = block_model(
        "axis_rot(0.5) on 0\naxis_rot(0.5, axis=Y) on 1\naxis_rot(0.5, axis=Z) on 2"
    )
    assert names(model) == ["rx", "ry", "rz"]


def test_topology_parameters() -> None:
    model = block_model(
        "ent() on [0, 1, 2]\nent(topo=full, gate=cx) on [1, 2, 3]\nstar_ent() on [3, 2, 0]"
    )
    assert [(op.name, op.wires) for op in model.ops] == [
        ("cz", (0, 1)),
        ("cz", (1, 2)),
        ("cz", (2, 0)),
        ("cnot", (1, 2)),
        ("cnot", (1, 3)),
        ("cnot", (2, 3)),
        ("cnot", (2, 3)),  # star with center position 1 = wire 2: (2, 3) then (2, 0)
        ("cnot", (2, 0)),
    ]


def test_tensor_and_list_parameters() -> None:
    model = block_model("per_wire(w[1]) on all\nper_wire([0.5, x[2]]) on [3, 0]")
    assert [(op.wires, op.params) for op in model.ops] == [
        *(((q,), (P("w", 1, q),)) for q in range(4)),
        ((3,), (N(0.5),)),
        ((0,), (X(2),)),
    ]


def test_defaults_are_evaluated_in_the_global_scope() -> None:
    model = block_model("let G = 99\nfrom_globals() on 0")
    assert model.ops[0].params == (N(3),)


def test_a_default_cannot_use_another_parameter() -> None:
    assert "unknown-name" in block_codes(
        "bad(1) on 0", extra="block bad(a, c=a) on w {\nrx(c) on w\n}\n"
    )


def test_a_block_does_not_see_its_callers_locals() -> None:
    extra = "block peek() on q {\nrx(w[0, 0]) on q\n}\nblock peek2() on q {\nrx(k) on q\n}\n"
    assert "unknown-name" in block_codes("peek() on 0", extra=extra)
    assert "unknown-name" in block_codes("let k = 1\npeek2() on 0", extra=extra)


def test_all_inside_a_block_is_the_blocks_wires() -> None:
    assert wires(block_model("mine() on [1, 3]")) == [(1,), (3,)]


def test_calling_without_on_passes_the_callers_wires() -> None:
    assert wires(block_model("mine()")) == [(0,), (1,), (2,), (3,)]
    assert wires(block_model("no_wires()")) == [(0,), (1,), (2,), (3,)]
    assert wires(block_model("calls_no_wires() on [2, 0]")) == [(2,), (0,)]


@pytest.mark.parametrize(
    ("stmt", "code"),
    [
        ("b() on 0", "wrong-argument-count"),
        ("b(1, 2, ry, 4) on 0", "wrong-argument-count"),
        ("b(1, a=2) on 0", "wrong-argument-count"),
        ("b(1, d=2) on 0", "unknown-option"),
        ("no_wires() on 0", "type-error"),
        ("mine() on [0, 0]", "duplicate-wire"),
        ("mine() on [(0, 1)]", "non-integer"),
        ("ent(topo=3) on all", "type-error"),
    ],
)
def test_block_call_errors(stmt: str, code: str) -> None:
    assert code in block_codes(stmt)


def test_recursive_blocks_and_reserved_names() -> None:
    assert "recursive-block" in codes(
        "block a() {\nb()\n}\nblock b() {\na()\n}\nmodel m {\nqubits 1\na()\n}\n"
    )
    assert "duplicate-definition" in codes("block h() {\nx on 0\n}\nmodel m {\nqubits 1\n}\n")
    assert "duplicate-definition" in codes("block q(a, a) {\nx on 0\n}\nmodel m {\nqubits 1\n}\n")


def test_a_block_body_is_checked_only_when_called() -> None:
    text = "block unused() {\nparam w[1]\n}\nmodel m {\nqubits 1\nh on 0\n}\n"
    assert names(compile_text(text)) == ["h"]
    assert "misplaced-statement" in codes(text.replace("h on 0", "unused()"))


# ---- topologies ----

# Pair lists for n = 2..6. The Qiskit names are exactly what qiskit 2.x's
# qiskit.circuit.library.n_local.n_local.get_entangler_map(2, n, name) returns; ring follows
# PennyLane's BasicEntanglerLayers (wrap pair last, none for two wires); star is (0, i).
TOPOLOGY_PAIRS: dict[str, dict[int, list[tuple[int, int]]]] = {
    "full": {
        2: [(0, 1)],
        3: [(0, 1), (0, 2), (1, 2)],
        4: [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)],
        5: [(0, 1), (0, 2), (0, 3), (0, 4), (1, 2), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4)],
        6: [
            (0, 1),
            (0, 2),
            (0, 3),
            (0, 4),
            (0, 5),
            (1, 2),
            (1, 3),
            (1, 4),
            (1, 5),
            (2, 3),
            (2, 4),
            (2, 5),
            (3, 4),
            (3, 5),
            (4, 5),
        ],
    },
    "linear": {
        2: [(0, 1)],
        3: [(0, 1), (1, 2)],
        4: [(0, 1), (1, 2), (2, 3)],
        5: [(0, 1), (1, 2), (2, 3), (3, 4)],
        6: [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)],
    },
    "reverse_linear": {
        2: [(0, 1)],
        3: [(1, 2), (0, 1)],
        4: [(2, 3), (1, 2), (0, 1)],
        5: [(3, 4), (2, 3), (1, 2), (0, 1)],
        6: [(4, 5), (3, 4), (2, 3), (1, 2), (0, 1)],
    },
    "pairwise": {
        2: [(0, 1)],
        3: [(0, 1), (1, 2)],
        4: [(0, 1), (2, 3), (1, 2)],
        5: [(0, 1), (2, 3), (1, 2), (3, 4)],
        6: [(0, 1), (2, 3), (4, 5), (1, 2), (3, 4)],
    },
    "brick": {
        2: [(0, 1)],
        3: [(0, 1), (1, 2)],
        4: [(0, 1), (2, 3), (1, 2)],
        5: [(0, 1), (2, 3), (1, 2), (3, 4)],
        6: [(0, 1), (2, 3), (4, 5), (1, 2), (3, 4)],
    },
    "circular": {
        2: [(0, 1)],
        3: [(2, 0), (0, 1), (1, 2)],
        4: [(3, 0), (0, 1), (1, 2), (2, 3)],
        5: [(4, 0), (0, 1), (1, 2), (2, 3), (3, 4)],
        6: [(5, 0), (0, 1), (1, 2), (2, 3), (3, 4), (4, 5)],
    },
    "ring": {
        2: [(0, 1)],
        3: [(0, 1), (1, 2), (2, 0)],
        4: [(0, 1), (1, 2), (2, 3), (3, 0)],
        5: [(0, 1), (1, 2), (2, 3), (3, 4), (4, 0)],
        6: [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 0)],
    },
    "star": {
        2: [(0, 1)],
        3: [(0, 1), (0, 2)],
        4: [(0, 1), (0, 2), (0, 3)],
        5: [(0, 1), (0, 2), (0, 3), (0, 4)],
        6: [(0, 1), (0, 2), (0, 3), (0, 4), (0, 5)],
    },
}


@pytest.mark.parametrize("n", range(2, 7))
@pytest.mark.parametrize("name", sorted(TOPOLOGY_PAIRS))
def test_stdlib_topology_pairs(name: str, n: int) -> None:
    model = body(f"entangle {name} using cnot", qubits=n, decls="")
    assert wires(model) == TOPOLOGY_PAIRS[name][n]
    assert all(op.tags.role == "entangler" for op in model.ops)


def test_star_center_and_its_require() -> None:
    model = body("entangle star(center=2) using cz", decls="")
    assert wires(model) == [(2, 0), (2, 1), (2, 3)]
    with pytest.raises(dreamlang.DreamError) as info:
        dreamlang.parse(
            f"{STD}model t {{\nqubits 4\nentangle star(center=4) using cz\n}}\n", "t.dream"
        )
    (diag,) = info.value.diagnostics
    assert diag.code == "shape-mismatch"
    # The error points at the user's entangle, not into the standard library.
    assert diag.span is not None and (diag.span.filename, diag.span.line) == ("t.dream", 4)


def test_topology_pairs_are_positions_in_the_wire_list() -> None:
    model = body(
        "entangle linear using cz on [3, 1, 2]\nentangle [(0, 2), (1, 0)] using swap on [1, 2, 3]"
    )
    assert [(op.name, op.wires) for op in model.ops] == [
        ("cz", (3, 1)),
        ("cz", (1, 2)),
        ("swap", (1, 3)),
        ("swap", (2, 1)),
    ]


def test_entangle_with_angles_and_a_pair_list_variable() -> None:
    model = body(
        "let pairs = [(0, 3)]\nentangle pairs using crz(x[1])\n"
        "entangle full using rzz(theta[2]) on 0..2"
    )
    assert [(op.name, op.wires, op.params) for op in model.ops] == [
        ("crz", (0, 3), (X(1),)),
        ("rzz", (0, 1), (P("theta", 2),)),
    ]


def test_custom_topology_with_parameters() -> None:
    text = (
        "topology ladder(n, skip=2) {\nfor i in 0..n - skip {\npair i, i + skip\n}\n}\n"
        "model m {\nqubits 5\nentangle ladder using cz\nentangle ladder(skip=3) using cnot\n}\n"
    )
    assert [(op.name, op.wires) for op in compile_text(text).ops] == [
        ("cz", (0, 2)),
        ("cz", (1, 3)),
        ("cz", (2, 4)),
        ("cnot", (0, 3)),
        ("cnot", (1, 4)),
    ]


def test_entangle_with_a_block() -> None:
    text = (
        f"{STD}block zz(a) on pair {{\ncnot on pair\nrz(a) on pair[1]\ncnot on pair\n}}\n"
        "model m {\nqubits 3\ninput x[1]\nentangle linear using zz(x[0])\n}\n"
    )
    model = compile_text(text)
    assert [(op.name, op.wires) for op in model.ops] == [
        ("cnot", (0, 1)),
        ("rz", (1,)),
        ("cnot", (0, 1)),
        ("cnot", (1, 2)),
        ("rz", (2,)),
        ("cnot", (1, 2)),
    ]
    assert {(op.tags.role, op.tags.template, op.tags.origin) for op in model.ops} == {
        ("entangler", "zz", ("entangle", "block:zz")),
    }


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("model m {\nqubits 2\nentangle ring using cz\n}", "unknown-topology"),
        (f"{STD}model m {{\nqubits 2\nentangle linear using h\n}}", "wire-count"),
        (f"{STD}model m {{\nqubits 3\nentangle linear using ccx\n}}", "wire-count"),
        (
            "topology tp(n) {\npair 0, n\n}\nmodel m {\nqubits 2\nentangle tp using cz\n}",
            "wire-out-of-range",
        ),
        (
            "topology tp(n) {\npair 1, 1\n}\nmodel m {\nqubits 2\nentangle tp using cz\n}",
            "duplicate-wire",
        ),
        (
            "topology tp(n) {\nh on 0\n}\nmodel m {\nqubits 2\nentangle tp using cz\n}",
            "misplaced-statement",
        ),
        ("model m {\nqubits 2\npair 0, 1\n}", "misplaced-statement"),
        (
            "topology tp() {\n}\nmodel m {\nqubits 2\nentangle tp using cz\n}",
            "wrong-argument-count",
        ),
        ("model m {\nqubits 2\nentangle [(0, 1, 1)] using cz\n}", "type-error"),
        ("model m {\nqubits 2\nentangle [(0, 2)] using cz\n}", "wire-out-of-range"),
        (f"{STD}model m {{\nqubits 2\nring on [0, 1]\n}}", "unknown-gate"),
    ],
)
def test_topology_errors(text: str, code: str) -> None:
    assert code in codes(text)


# ---- layers ----


def test_layer_indices_count_executed_layers() -> None:
    text = (
        "block b(k) on w {\nrepeat k {\nlayer {\nh on w\n}\n}\n}\n"
        "model m {\nqubits 2\nx on 0\nb(2) on 0\nlayer {\nx on 1\n}\nb(1) on 1\n"
        "for q in 0..2 {\nlayer {\nz on q\n}\n}\ny on 1\n}\n"
    )
    model = compile_text(text)
    assert model.num_layers == 6
    assert [(op.name, op.tags.layer) for op in model.ops] == [
        ("x", None),
        ("h", 0),
        ("h", 1),
        ("x", 2),
        ("h", 3),
        ("z", 4),
        ("z", 5),
        ("y", None),
    ]


def test_layers_cannot_nest() -> None:
    assert "misplaced-statement" in codes(
        "model m {\nqubits 1\nlayer {\nlayer {\nh on 0\n}\n}\n}\n"
    )
    text = "block b() {\nlayer {\nh on 0\n}\n}\nmodel m {\nqubits 1\nlayer {\nb()\n}\n}\n"
    assert "misplaced-statement" in codes(text)


def test_a_model_without_layers() -> None:
    model = body("h on 0")
    assert model.num_layers == 0
    assert model.ops[0].tags.layer is None


# ---- tags: role, template, origin ----


def test_encoder_tags() -> None:
    model = body("encode angle_embedding(x, rotation=Y) on all\nencode rz(x[0]) on 0")
    assert [(op.name, op.wires, op.params) for op in model.ops] == [
        *(("ry", (q,), (X(q),)) for q in range(4)),
        ("rz", (0,), (X(0),)),
    ]
    assert [op.tags for op in model.ops] == [
        *[ir.Tags(None, ("encode", "block:angle_embedding", "for"), "angle_embedding", "encoder")]
        * 4,
        ir.Tags(None, ("encode",), None, "encoder"),
    ]


def test_entangler_tags_and_entanglers_inside_encoders() -> None:
    text = (
        f"{STD}block enc() on w {{\nh on w\nentangle linear using cz on w\n}}\n"
        f"model m {{\nqubits 2\nencode enc() on all\nentangle linear using cnot\n}}\n"
    )
    model = compile_text(text)
    assert [(op.name, op.tags.role, op.tags.template, op.tags.origin) for op in model.ops] == [
        ("h", "encoder", "enc", ("encode", "block:enc")),
        ("h", "encoder", "enc", ("encode", "block:enc")),
        ("cz", "encoder", "enc", ("encode", "block:enc")),
        ("cnot", "entangler", None, ("entangle",)),
    ]


def test_template_is_the_outermost_block() -> None:
    text = (
        "block inner() on w {\nh on w\n}\nblock outer() on w {\ninner() on w\nx on w\n}\n"
        "model m {\nqubits 1\nrepeat 1 {\nlayer {\nfor q in [0] {\nif q == 0 {\n"
        "outer() on q\n}\n}\n}\n}\nz on 0\n}\n"
    )
    model = compile_text(text)
    assert [(op.name, op.tags.template, op.tags.origin, op.tags.role) for op in model.ops] == [
        ("h", "outer", ("repeat", "layer", "for", "block:outer", "block:inner"), "gate"),
        ("x", "outer", ("repeat", "layer", "for", "block:outer"), "gate"),
        ("z", None, (), "gate"),
    ]


def test_inline_channels_have_the_channel_role() -> None:
    text = (
        "block noisy() on w {\ndepolarizing(0.1) on w\n}\nmodel m {\nqubits 2\n"
        "noisy() on all\nbit_flip(p=0.2) on 0\n}\n"
    )
    model = compile_text(text)
    assert [(op.name, op.wires, op.params, op.tags.role, op.tags.template) for op in model.ops] == [
        ("depolarizing", (0,), (N(0.1),), "channel", "noisy"),
        ("depolarizing", (1,), (N(0.1),), "channel", "noisy"),
        ("bit_flip", (0,), (N(0.2),), "channel", None),
    ]
    assert all(op.tags.noise is None for op in model.ops)


# ---- dropout ----

DROPOUT_BASE = """
model t {
    qubits 3
    input x[3]
    param w[2, 3]
    encode angle_embedding(x) on all
    rx(0.5) on 0
    repeat 2 as l {
        layer {
            ry(w[l]) on all
            cnot on [0, 1]
            cz on [1, 2]
            h on 2
        }
    }
    STATEMENTS
}
"""
# Operation indices in DROPOUT_BASE: 0-2 encoder rx, 3 rx(0.5); layer 0: 4-6 ry, 7 cnot, 8 cz,
# 9 h; layer 1: 10-12 ry, 13 cnot, 14 cz, 15 h.
RY = [4, 5, 6, 10, 11, 12]
ENTANGLING = [7, 8, 13, 14]


def dropout_model(statements: str) -> ir.Model:
    return compile_text(STD + DROPOUT_BASE.replace("STATEMENTS", statements))


def dropout_codes(statements: str) -> list[str]:
    return codes(STD + DROPOUT_BASE.replace("STATEMENTS", statements))


def tagged(model: ir.Model) -> list[int]:
    return [i for i, op in enumerate(model.ops) if op.tags.dropout is not None]


def test_dropout_base_layout() -> None:
    model = dropout_model("")
    assert len(model.ops) == 16
    assert names(model) == ["rx"] * 4 + (["ry"] * 3 + ["cnot", "cz", "h"]) * 2


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("dropout rotations p = 0.1", RY),  # trainable single-wire rotations only
        ("dropout entangling p = 0.1", ENTANGLING),
        ("dropout gates [h, cx] p = 0.1", [7, 9, 13, 15]),
        ("dropout all p = 0.1", list(range(3, 16))),
        ("dropout all p = 0.1 include encoders", list(range(16))),
        ("dropout gates [rx] p = 0.1 include encoders", [0, 1, 2, 3]),
        ("dropout rotations p = 0.1 in layers 1", [10, 11, 12]),
        ("dropout all p = 0.1 in layers [0]", [4, 5, 6, 7, 8, 9]),
        ("dropout entangling p = 0.1 in layers 0..2", ENTANGLING),
        ("dropout all p = 0.1 in layers 5", []),
    ],
)
def test_dropout_selection(statement: str, expected: list[int]) -> None:
    assert tagged(dropout_model(statement)) == expected


def test_dropout_tag_contents() -> None:
    model = dropout_model("dropout rotations p = 0.1")
    assert model.ops[4].tags.dropout == ir.DropoutTag("rotations", N(0.1), None, None, 0)
    # Tagging changes nothing else about the operation.
    assert model.ops[4].tags.layer == 0
    assert (model.ops[4].name, model.ops[4].wires, model.ops[4].params) == (
        "ry",
        (0,),
        (P("w", 0, 0),),
    )


@pytest.mark.parametrize(
    ("group", "expected"),
    [
        ("", [None] * 6),
        ("group layer", ["d0:layer0"] * 3 + ["d0:layer1"] * 3),
        ("group wire", ["d0:wire0", "d0:wire1", "d0:wire2"] * 2),
        ("group shared", ["shared"] * 6),
    ],
)
def test_dropout_groups(group: str, expected: list[str | None]) -> None:
    model = dropout_model(f"dropout rotations p = 0.1 {group}")
    assert [drop(model.ops[i]).group for i in RY] == expected


def test_named_groups_are_shared_between_statements() -> None:
    model = dropout_model("dropout rotations p = 0.1 group g\ndropout entangling p = 0.2 group g")
    assert {drop(model.ops[i]).group for i in RY + ENTANGLING} == {"g"}


def test_p_layer_and_depth_schedules_resolve_per_layer() -> None:
    model = dropout_model(
        "dropout rotations p = linear(0.4, 0.0, depth=2), p_layer = cosine(0.2, 0.0, depth=2)"
    )
    tags = [model.ops[i].tags.dropout for i in RY]
    # linear(0.4, 0.0) over 2 layers: 0.4 at layer 0, 0.4 - 0.4 * 1/2 = 0.2 at layer 1.
    assert [t.p for t in tags] == [N(0.4)] * 3 + [N(0.2)] * 3
    # cosine(0.2, 0.0): 0.2 at layer 0; 0 + 0.2 * (1 + cos(pi / 2)) / 2 = 0.1 at layer 1.
    p_layer = [number(t.p_layer) for t in tags if t.p_layer is not None]
    assert p_layer == pytest.approx([0.2] * 3 + [0.1] * 3)


def test_epoch_schedules_stay_symbolic() -> None:
    model = dropout_model("dropout entangling p = 0.5 * linear(0.2, 0.0, epochs=50) + 0.01")
    expected = B("+", B("*", N(0.5), ir.Schedule("linear", (0.2, 0.0), 50)), N(0.01))
    assert {drop(model.ops[i]).p for i in ENTANGLING} == {expected}


def test_the_first_statement_of_a_body_wins() -> None:
    model = dropout_model("dropout rotations p = 0.1\ndropout all p = 0.2")
    p = {i: drop(op).p for i, op in enumerate(model.ops) if op.tags.dropout}
    assert {i for i, v in p.items() if v == N(0.1)} == set(RY)
    assert {i for i, v in p.items() if v == N(0.2)} == {3, 7, 8, 9, 13, 14, 15}


def test_inner_statements_win_and_scope_is_their_body() -> None:
    text = f"""{STD}
block lay(v) on ws {{
    ry(v) on all
    cnot on [ws[0], ws[1]]
    dropout entangling p = 0.3
}}
model t {{
    qubits 3
    param w[2, 3]
    repeat 2 as l {{
        layer {{
            lay(w[l]) on all
            cz on [1, 2]
            dropout all p = 0.05
        }}
    }}
    cz on [0, 2]
}}
"""
    model = compile_text(text)
    summary = [(op.name, op.tags.dropout.kind if op.tags.dropout else None) for op in model.ops]
    assert summary == [
        *[("ry", "all")] * 3,
        ("cnot", "entangling"),  # the block's own statement comes first
        ("cz", "all"),
        *[("ry", "all")] * 3,
        ("cnot", "entangling"),
        ("cz", "all"),
        ("cz", None),  # outside the layer bodies that hold the 'dropout all'
    ]


def test_rotations_need_a_trainable_angle() -> None:
    text = (
        f"{STD}model m {{\nqubits 1\ninput x[1]\nparam w[1]\nrx(x[0]) on 0\nrz(0.3) on 0\n"
        f"phase(w[0] * x[0]) on 0\nu3(1, w[0], 2) on 0\ndropout rotations p = 0.1\n}}\n"
    )
    assert tagged(compile_text(text)) == [2, 3]


@pytest.mark.parametrize(
    ("statement", "code"),
    [
        ("dropout gates p = 0.1", "type-error"),
        ("dropout rotations [rx] p = 0.1", "type-error"),
        ("dropout rotation p = 0.1", "unknown-option"),
        ("dropout rotations q = 0.1", "unknown-option"),
        ("dropout rotations p = 0.1, p = 0.2", "duplicate-definition"),
        ("dropout rotations", "wrong-arity"),
        ("dropout rotations p = 0.1 include decoders", "unknown-option"),
        ("dropout gates [hadamard] p = 0.1", "unknown-gate"),
        ("dropout gates [depolarizing] p = 0.1", "unknown-gate"),
        ("dropout rotations p = 1.5", "probability-out-of-range"),
        ("dropout rotations p = -0.1", "probability-out-of-range"),
        ("dropout rotations p = 0.1, p_layer = 2", "probability-out-of-range"),
        ("dropout rotations p = linear(0.5, 1.5, epochs=10)", "probability-out-of-range"),
        (
            "dropout rotations p = linear(0.5, 2.5, depth=2)",
            "probability-out-of-range",
        ),  # 1.5 at layer 1
        ("dropout rotations p = x[0]", "type-error"),
        ("dropout rotations p = 0.1 in layers w", "non-integer"),
        ("dropout rotations p = 0.1 in layers 0.5", "type-error"),
    ],
)
def test_dropout_errors(statement: str, code: str) -> None:
    assert code in dropout_codes(statement)


# ---- noise ----


def noise_model(statements: str) -> ir.Model:
    return dropout_model(statements)


def test_noise_after_each_layer() -> None:
    model = noise_model("noise depolarizing p = 0.01 after each layer")
    assert len(model.ops) == 16 + 2 * 3
    # Three channels (one per wire) right after the last op of each layer ('h on 2').
    assert names(model)[10:13] == ["depolarizing"] * 3
    assert names(model)[19:22] == ["depolarizing"] * 3
    assert names(model)[9] == "h" and names(model)[18] == "h"
    for index, layer in ((10, 0), (19, 1)):
        channels = model.ops[index : index + 3]
        assert [op.wires for op in channels] == [(0,), (1,), (2,)]
        assert {op.params for op in channels} == {(N(0.01),)}
        assert {op.tags.layer for op in channels} == {layer}
        assert {op.tags.role for op in channels} == {"channel"}
        assert {op.tags.template for op in channels} == {None}
        assert {op.tags.noise for op in channels} == {ir.NoiseTag("layer", "always", 0)}


def test_noise_after_each_gate_of_some_gates() -> None:
    model = noise_model("noise bit_flip p = 0.02 after each gate of [cx, cz]")
    # Each cnot and cz gets one channel per wire: 4 gates * 2 wires.
    assert len(model.ops) == 16 + 8
    summary = [(op.name, op.wires) for op in model.ops[7:14]]
    assert summary == [
        ("cnot", (0, 1)),
        ("bit_flip", (0,)),
        ("bit_flip", (1,)),
        ("cz", (1, 2)),
        ("bit_flip", (1,)),
        ("bit_flip", (2,)),
        ("h", (2,)),
    ]
    assert model.ops[8].tags == ir.Tags(
        0, ("repeat", "layer"), None, "channel", None, ir.NoiseTag("gate", "always", 0)
    )


def test_noise_after_each_gate_is_the_default_and_follows_encoders() -> None:
    model = noise_model("noise phase_flip p = 0.01")
    # 16 gates on 1 + 1 + 1 + 1 + (3 + 2 + 2 + 1) * 2 = 20 wires in all.
    assert len(model.ops) == 16 + 20
    assert names(model)[:2] == ["rx", "phase_flip"]


def test_noise_on_wires_and_training_mode() -> None:
    model = noise_model(
        "noise amplitude_damping gamma = 0.02 after each gate of [cnot] on [1, 2] training"
    )
    channels = [op for op in model.ops if op.tags.role == "channel"]
    assert [(op.name, op.wires) for op in channels] == [("amplitude_damping", (1,))] * 2
    assert {op.tags.noise for op in channels} == {ir.NoiseTag("gate", "training", 0)}


def test_noise_values_with_schedules() -> None:
    model = noise_model(
        "noise pauli_channel px = 0.01, py = linear(0.02, 0.0, depth=2),"
        " pz = cosine(0.05, 0.0, epochs=100) after each layer on 0"
    )
    channels = [op for op in model.ops if op.tags.role == "channel"]
    cos = ir.Schedule("cosine", (0.05, 0.0), 100)
    assert [(op.wires, op.params) for op in channels] == [
        ((0,), (N(0.01), N(0.02), cos)),
        ((0,), (N(0.01), N(0.01), cos)),
    ]


def test_two_noise_statements_at_the_same_place() -> None:
    model = noise_model(
        "noise depolarizing p = 0.01 after each layer on 2\n"
        "noise bit_flip p = 0.02 after each gate of [h]"
    )
    assert names(model)[9:12] == ["h", "depolarizing", "bit_flip"]


def test_noise_in_a_block_covers_its_call_and_wires() -> None:
    text = f"""{STD}
block lay(v) on ws {{
    ry(v) on all
    noise depolarizing p = 0.01 after each gate
}}
model t {{
    qubits 3
    param w[2, 2]
    lay(w[1]) on [0, 2]
    h on 1
}}
"""
    model = compile_text(text)
    assert [(op.name, op.wires) for op in model.ops] == [
        ("ry", (0,)),
        ("depolarizing", (0,)),
        ("ry", (2,)),
        ("depolarizing", (2,)),
        ("h", (1,)),
    ]


def test_noise_after_each_layer_sees_only_the_layers_of_its_body() -> None:
    text = f"""{STD}
block no_layers() on ws {{
    h on all
    noise depolarizing p = 0.01 after each layer    # the call has no layers of its own
}}
block with_layer() on ws {{
    layer {{
        h on all
    }}
    noise bit_flip p = 0.02 after each layer        # the block's layer, on the block's wires
}}
model t {{
    qubits 2
    layer {{
        no_layers() on all
    }}
    layer {{
        no_layers() on all
        x on 0
    }}
    with_layer() on [1]
    repeat 2 {{
        layer {{
            z on 0
            noise phase_flip p = 0.03 after each layer    # written in the layer: after it
        }}
    }}
}}
"""
    model = compile_text(text)
    assert [(op.name, op.wires, op.tags.layer) for op in model.ops] == [
        ("h", (0,), 0),
        ("h", (1,), 0),
        ("h", (0,), 1),
        ("h", (1,), 1),
        ("x", (0,), 1),
        ("h", (1,), 2),
        ("bit_flip", (1,), 2),
        ("z", (0,), 3),
        ("phase_flip", (0,), 3),
        ("phase_flip", (1,), 3),
        ("z", (0,), 4),
        ("phase_flip", (0,), 4),
        ("phase_flip", (1,), 4),
    ]


@pytest.mark.parametrize(
    ("statement", "code"),
    [
        ("noise gaussian p = 0.1", "unknown-gate"),
        ("noise depolarizing", "wrong-arity"),
        ("noise pauli_channel px = 0.1", "wrong-arity"),
        ("noise depolarizing q = 0.1", "unknown-option"),
        ("noise depolarizing p = 1.01", "probability-out-of-range"),
        ("noise pauli_channel px = 0.5, py = 0.4, pz = 0.2", "probability-out-of-range"),
        ("noise depolarizing p = x[0]", "type-error"),
        ("noise depolarizing p = 0.1 after each gate of [foo]", "unknown-gate"),
        ("noise depolarizing p = 0.1 on 7", "wire-out-of-range"),
        ("noise thermal_relaxation t1 = 50, t2 = 120, time = 1", "invalid-value"),
        (
            "noise thermal_relaxation t1 = linear(50, 10, epochs=3), t2 = 30, time = 1",
            "invalid-value",
        ),
        ("noise generalized_amplitude_damping gamma = 0.1, p = 1.2", "probability-out-of-range"),
    ],
)
def test_noise_errors(statement: str, code: str) -> None:
    assert code in dropout_codes(statement)


def test_valid_channels() -> None:
    stmts = (
        "depolarizing(0.01) on all\nbit_flip(p=0.02) on 0\npauli_channel(0.01, 0.02, 0.03) on 1\n"
        "generalized_amplitude_damping(0.1, 0.5) on 2\n"
        "thermal_relaxation(t1=50, t2=100, time=1) on 3\n"
        "amplitude_damping(linear(0.05, 0.0, epochs=10)) on 0\n"
        "phase_damping(warmup(0.1, depth=3)) on 0"
    )
    model = body(stmts)
    assert [(op.name, op.params) for op in model.ops[4:]] == [
        ("bit_flip", (N(0.02),)),
        ("pauli_channel", (N(0.01), N(0.02), N(0.03))),
        ("generalized_amplitude_damping", (N(0.1), N(0.5))),
        ("thermal_relaxation", (N(50), N(100), N(1))),
        ("amplitude_damping", (ir.Schedule("linear", (0.05, 0.0), 10),)),
        ("phase_damping", (N(0.0),)),  # warmup at layer 0 (outside any layer): 0.1 * 0 / 3
    ]


# ---- schedules ----


def linear(a: float, b: float, n: int, t: float) -> float:
    return a + (b - a) * min(max(t, 0), n) / n


@pytest.mark.parametrize(
    ("written", "formula"),
    [
        ("linear(0.2, 0.0, epochs=50)", lambda t: 0.2 + (0.0 - 0.2) * min(t, 50) / 50),
        (
            "cosine(0.05, 0.0, epochs=50)",
            lambda t: 0.0 + 0.05 * (1 + math.cos(math.pi * min(t, 50) / 50)) / 2,
        ),
        ("exponential(0.1, 0.9, epochs=20)", lambda t: 0.1 * 0.9 ** min(t, 20)),
        ("step(0.2, 0.5, epochs=10)", lambda t: 0.2 * 0.5 ** (t // 10)),
        ("warmup(0.1, epochs=5)", lambda t: 0.1 * min(t, 5) / 5),
        ("0.5 * linear(0.2, 0.0, epochs=10) + 0.1", lambda t: 0.5 * linear(0.2, 0.0, 10, t) + 0.1),
        (
            "linear(0.2, 0.0, epochs=10) * cosine(1, 0.5, epochs=4)",
            lambda t: (
                linear(0.2, 0.0, 10, t) * (0.5 + 0.5 * (1 + math.cos(math.pi * min(t, 4) / 4)) / 2)
            ),
        ),
    ],
)
@pytest.mark.parametrize("epoch", [0, 1, 2, 5, 9, 10, 19, 20, 25, 49, 50, 51, 100, 1000])
def test_schedule_values_match_their_formulas(
    written: str, formula: Callable[[float], float], epoch: int
) -> None:
    model = dropout_model(f"dropout entangling p = {written}")
    p = drop(model.ops[7]).p
    assert evaluate(p, epoch=epoch) == pytest.approx(formula(epoch), abs=1e-12)


def test_exponential_steps_are_exact_integers() -> None:
    # 7 / 25 * 25 is 7.000000000000001 in floating point; the exponent must still be 7.
    assert schedule_value("exponential", (1.0, -0.5), 25, 7) == (-0.5) ** 7


def test_hand_computed_schedule_points() -> None:
    assert schedule_value("linear", (0.2, 0.0), 50, 25) == pytest.approx(0.1)
    assert schedule_value("cosine", (0.05, 0.0), 50, 25) == pytest.approx(0.025)
    assert schedule_value("step", (0.2, 0.5), 10, 25) == pytest.approx(0.05)
    assert schedule_value("warmup", (0.1,), 5, 2) == pytest.approx(0.04)
    assert schedule_value("exponential", (0.1, 0.5), 3, 100) == pytest.approx(0.1 * 0.125)
    assert schedule_value("constant", (0.3,), 0, 7) == 0.3


@pytest.mark.parametrize("layers", [1, 3, 4])
def test_depth_schedules_per_layer(layers: int) -> None:
    text = (
        f"{STD}model m {{\nqubits 1\nparam w[{layers}]\nrepeat {layers} as l {{\n"
        f"layer {{\nry(w[l]) on 0\n}}\n}}\n"
        f"dropout rotations p = cosine(0.4, 0.0, depth={layers})\n}}\n"
    )
    ps = [number(drop(op).p) for op in compile_text(text).ops]
    assert ps == pytest.approx(
        [0.4 * (1 + math.cos(math.pi * layer / layers)) / 2 for layer in range(layers)]
    )


def test_constant_is_just_a_number() -> None:
    model = dropout_model("dropout entangling p = constant(0.3)")
    assert drop(model.ops[7]).p == N(0.3)


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("linear(0.5, 0.0)", "invalid-schedule"),
        ("linear(0.5, 0.0, epochs=0)", "invalid-schedule"),
        ("linear(0.5, epochs=3)", "wrong-argument-count"),
        ("warmup(0.1, 0.2, epochs=3)", "wrong-argument-count"),
        ("constant(0.1, epochs=3)", "unknown-option"),
        ("linear(0.5, 0.0, steps=3)", "unknown-option"),
        ("linear(x[0], 0.0, epochs=3)", "type-error"),
        ("linear(0.5, 0.0, epochs=2.5)", "non-integer"),
        ("cosine(0.5, 0.0, epochs=10) - 0.6", "probability-out-of-range"),
        ("exponential(0.1, -0.5, epochs=49)", "invalid-schedule"),  # a negative ratio
        ("(linear(0.1, 0.9, epochs=10) - 0.5) ** 0.5", "probability-out-of-range"),  # not real
    ],
)
def test_schedule_errors(written: str, code: str) -> None:
    assert code in dropout_codes(f"dropout entangling p = {written}")


# ---- measurements ----


def measurements(
    stmts: str, qubits: int = 4
) -> list[tuple[str, str | None, tuple[int, ...], int | None]]:
    model = body(f"const K = 2\n{stmts}", qubits=qubits, decls="")
    return [
        (m.kind, str(m.observable) if m.observable else None, m.wires, m.shots)
        for m in model.measurements
    ]


@pytest.mark.parametrize(
    ("stmt", "expected"),
    [
        ("measure expval Z on all", [("expval", f"Z{q}", (q,), None) for q in range(4)]),
        ("measure expval Z", [("expval", f"Z{q}", (q,), None) for q in range(4)]),
        (
            "measure expval X on [1, 3]",
            [("expval", "X1", (1,), None), ("expval", "X3", (3,), None)],
        ),
        ("measure var Y on 0..2", [("var", "Y0", (0,), None), ("var", "Y1", (1,), None)]),
        ("measure expval Z0 Z1", [("expval", "Z0 Z1", (0, 1), None)]),
        ("measure expval X0 Y2 Z3", [("expval", "X0 Y2 Z3", (0, 2, 3), None)]),
        ("measure expval Z3", [("expval", "Z3", (3,), None)]),
        ("measure var Y[K] X[K + 1]", [("var", "Y2 X3", (2, 3), None)]),
        ("measure expval I0 Z1", [("expval", "I0 Z1", (0, 1), None)]),
        ("measure probs", [("probs", None, (0, 1, 2, 3), None)]),
        ("measure probs on [2, 0]", [("probs", None, (2, 0), None)]),
        ("measure sample", [("sample", None, (0, 1, 2, 3), 1000)]),
        ("measure sample on 1 shots 10", [("sample", None, (1,), 10)]),
        (
            "measure sample Z on [0, 1] shots 5",
            [("sample", "Z0", (0,), 5), ("sample", "Z1", (1,), 5)],
        ),
        ("measure sample X0 Y1", [("sample", "X0 Y1", (0, 1), 1000)]),
    ],
)
def test_measurements(
    stmt: str, expected: list[tuple[str, str | None, tuple[int, ...], int | None]]
) -> None:
    assert measurements(stmt) == expected


def test_measurements_keep_their_order_and_pauli_terms() -> None:
    model = body("measure probs on [0]\nmeasure expval Z0 X1\nmeasure var Z on 3", decls="")
    assert [m.kind for m in model.measurements] == ["probs", "expval", "var"]
    assert model.measurements[1].observable == ir.PauliTerm((("Z", 0), ("X", 1)))
    assert model.measurements[0].observable is None


def test_measurement_wires_may_use_top_level_lets() -> None:
    assert measurements("let q = 3\nmeasure expval Z on q") == [("expval", "Z3", (3,), None)]


@pytest.mark.parametrize(
    ("stmt", "code"),
    [
        ("measure expval Q0", "unknown-pauli"),
        ("measure expval z0", "unknown-pauli"),
        ("measure expval Z X1", "unknown-pauli"),
        ("measure expval Z0 on 1", "type-error"),
        ("measure expval Z0 Z0", "duplicate-wire"),
        ("measure expval Z9", "wire-out-of-range"),
        ("measure expval Z on 4", "wire-out-of-range"),
        ("measure sample shots 0", "invalid-value"),
        ("repeat 1 {\nmeasure probs\n}", "misplaced-statement"),
    ],
)
def test_measurement_errors(stmt: str, code: str) -> None:
    assert code in body_codes(stmt, decls="")


# ---- head ----


def test_head_layers_in_order() -> None:
    model = body("head {\ndense 8; relu\ndense 3\ntanh; sigmoid; identity; softmax\n}", decls="")
    assert model.head == (
        ir.Dense(8),
        ir.Activation("relu"),
        ir.Dense(3),
        ir.Activation("tanh"),
        ir.Activation("sigmoid"),
        ir.Activation("identity"),
        ir.Activation("softmax"),
    )


def test_no_head() -> None:
    assert body("h on 0", decls="").head == ()


@pytest.mark.parametrize(
    ("stmt", "code"),
    [
        ("head { dense 2; gelu }", "unknown-activation"),
        ("head { dense 0 }", "invalid-value"),
        ("head { dense 2.5 }", "non-integer"),
        ("head { dense 2 }\nhead { relu }", "duplicate-definition"),
        ("layer {\nhead { relu }\n}", "misplaced-statement"),
    ],
)
def test_head_errors(stmt: str, code: str) -> None:
    assert code in body_codes(stmt, decls="")


# ---- require ----


def test_a_passing_require_emits_nothing() -> None:
    model = body('require len(x) == 4, "four features"\nh on 0')
    assert names(model) == ["h"]


def test_a_failing_require_in_the_model() -> None:
    with pytest.raises(dreamlang.DreamError) as info:
        dreamlang.parse('model m {\nqubits 2\nrequire 1 > 2, "one must exceed two"\nh on 0\n}\n')
    (diag,) = info.value.diagnostics
    assert diag.span is not None
    assert (diag.code, diag.message, diag.span.line) == ("shape-mismatch", "one must exceed two", 3)


def test_a_failing_require_in_a_block_points_at_the_call() -> None:
    text = (
        'block inner() on w {\nrequire len(w) == 2, "inner needs two wires"\ncnot on w\n}\n'
        "block outer() on w {\ninner() on w\n}\n"
        "model m {\nqubits 3\nrepeat 1 {\nouter() on all\n}\n}\n"
    )
    with pytest.raises(dreamlang.DreamError) as info:
        dreamlang.parse(text)
    (diag,) = info.value.diagnostics
    assert diag.code == "shape-mismatch"
    assert diag.message == "inner needs two wires"
    assert diag.span is not None and diag.span.line == 11  # the call of the outermost block
    assert any(":2:" in note for note in diag.notes)  # the note points at the require


def test_requires_in_the_standard_library() -> None:
    assert "shape-mismatch" in body_codes("encode angle_embedding(x) on [0, 1]")
    assert "shape-mismatch" in body_codes("basic_entangler_layers(w) on all", decls="param w[2, 3]")


# ---- the standard library blocks ----


def test_angle_embedding_axes() -> None:
    model = body(
        "encode angle_embedding(x) on all\n"
        "encode angle_embedding(x, rotation=Z) on all\n"
        "encode angle_embedding(x, rotation=Y) on all"
    )
    assert names(model) == ["rx"] * 4 + ["rz"] * 4 + ["ry"] * 4


def test_angle_embedding_with_fewer_features_than_wires() -> None:
    model = body("encode angle_embedding(f) on all", decls="input f[2]")
    assert [(op.name, op.wires, op.params) for op in model.ops] == [
        ("rx", (0,), (ir.InputRef("f", (0,)),)),
        ("rx", (1,), (ir.InputRef("f", (1,)),)),
    ]


def test_basic_entangler_layers() -> None:
    model = body("basic_entangler_layers(w) on all", decls="param w[2, 4]")
    # Per row: rx(w[l, i]) on wire i, then a ring of cnots (4 pairs on 4 wires).
    ring = [(0, 1), (1, 2), (2, 3), (3, 0)]
    expected = []
    for layer in range(2):
        expected += [("rx", (i,), (P("w", layer, i),)) for i in range(4)]
        expected += [("cnot", pair, ()) for pair in ring]
    assert [(op.name, op.wires, op.params) for op in model.ops] == expected


def test_superposition() -> None:
    model = body("encode superposition() on [1, 2]")
    assert [(op.name, op.wires, op.tags.role) for op in model.ops] == [
        ("h", (1,), "encoder"),
        ("h", (2,), "encoder"),
    ]


# ---- IR equality ignores spans and layout ----

COMPACT = """import "std/ansatz.dream"
const L = 2
model m { qubits 3; input x[3]; param w[L, 3] ~ normal(0, 0.1)
encode angle_embedding(x, rotation=Y) on all
repeat L as l { layer { ry(w[l]) on all; entangle ring using cnot } }
dropout rotations p = linear(0.1, 0.0, epochs=20) group layer
noise depolarizing p = 0.01 after each gate of [cnot] on 0 training
measure expval Z0 Z1; measure probs on [0, 1]; head { dense 2; softmax } }
"""

SPACIOUS = """# the same model, laid out differently
import "std/ansatz.dream"

const L = 2   # layers

model m {
    qubits 3

    input x[3]
    param w[L,
            3] ~ normal(0, 0.1)

    encode angle_embedding(x,
                           rotation=Y) on all
    repeat L as l {
        layer {
            ry(w[l]) on all       # one rotation per wire
            entangle ring \\
                using cnot
        }
    }
    dropout rotations p = linear(0.1, 0.0, epochs=20) group layer
    noise depolarizing p = 0.01 after each gate of [cnot] on 0 training

    measure expval Z0 Z1
    measure probs on [0, 1]
    head {
        dense 2
        softmax
    }
}
"""


def test_layout_and_comments_do_not_change_the_ir() -> None:
    a = dreamlang.parse(COMPACT, "a.dream")
    b = dreamlang.parse(SPACIOUS, "b.dream")
    assert a == b
    assert a.model == b.model
    assert a.model is not None and b.model is not None
    assert len(a.model.ops) == 3 + 2 * (3 + 3) + 2 * 2  # encoders, layers, noise after 2 cnots on 0
    # The spans differ, but they are not part of the comparison.
    first_ry = 3  # after the three encoder gates, whose spans point into the standard library
    span_a, span_b = a.model.ops[first_ry].span, b.model.ops[first_ry].span
    assert span_a is not None and span_b is not None
    assert (span_a.filename, span_a.line) == ("a.dream", 5)
    assert (span_b.filename, span_b.line) == ("b.dream", 17)


def test_a_different_program_gives_a_different_ir() -> None:
    a = dreamlang.parse(COMPACT)
    b = dreamlang.parse(COMPACT.replace("on 0 training", "on 1 training"))
    assert a != b


def test_a_library_file_has_no_model() -> None:
    program = dreamlang.parse('import "std/ansatz.dream"\nconst N = 2\n')
    assert program.model is None


# ---- limits ----


def test_loops_are_refused_before_they_pass_the_op_limit() -> None:
    assert "too-many-ops" in codes("model m {\nqubits 1\nrepeat 2000000 {\nh on 0\n}\n}\n")


def test_noise_channels_count_against_the_op_limit() -> None:
    limits = dreamlang.Limits(max_ops=1000)
    one = "model m {\nqubits 1\nrepeat 400 {\nh on 0\n}\nnoise depolarizing p = 0.01\n}\n"
    model = dreamlang.parse(one, limits=limits).model
    assert model is not None and len(model.ops) == 800  # 400 gates + 400 channels
    two = one.replace("noise", "noise bit_flip p = 0.01\nnoise")  # 1200 operations
    with pytest.raises(dreamlang.DreamError) as info:
        dreamlang.parse(two, limits=limits)
    assert info.value.codes == ["too-many-ops"]


def test_dropout_in_layers_accepts_a_huge_range_cheaply() -> None:
    stmts = "rx(theta[0]) on 0\nlayer {\nrx(theta[1]) on 0\n}\ndropout rotations p = 0.1 in layers 0..10 ** 15"
    assert [op.tags.dropout is not None for op in body(stmts).ops] == [False, True]


def test_gates_are_values_in_loops() -> None:
    model = body("for g in [rx, ry, p] {\ng(0.5) on 0\n}\nconst G = cz\nG on [0, 1]")
    assert names(model) == ["rx", "ry", "phase", "cz"]


def test_entangle_spreads_a_tensor_angle_over_the_pairs() -> None:
    model = body("entangle linear using crz(w)", decls="param w[3]")
    assert [(op.wires, op.params) for op in model.ops] == [
        ((0, 1), (P("w", 0),)),
        ((1, 2), (P("w", 1),)),
        ((2, 3), (P("w", 2),)),
    ]


def test_noise_mode_always_written_out_is_the_default() -> None:
    written = noise_model("noise depolarizing p = 0.01 after each layer always")
    default = noise_model("noise depolarizing p = 0.01 after each layer")
    assert written == default
    assert {op.tags.noise for op in written.ops if op.tags.noise} == {
        ir.NoiseTag("layer", "always", 0)
    }


def test_a_depth_schedule_that_overflows_is_reported() -> None:
    # 1e-320 * 10 ** t stays below 1 up to layer 308, but 10.0 ** 309 overflows a float.
    text = (
        "model m {\nqubits 1\nparam w[1]\nrepeat 310 {\nlayer {\nrx(w[0]) on 0\n}\n}\n"
        "dropout rotations p = exponential(1e-320, 10.0, depth=400)\n}\n"
    )
    assert codes(text) == ["probability-out-of-range"]
