"""The readable IR listing (dreamc ir) and the model figures (dreamc stats)."""

from __future__ import annotations

import pytest

from dreamlang import ir
from dreamlang.irprint import dump, format_expr, format_number, format_tags
from dreamlang.stats import depth, model_stats

X0, X1 = ir.InputRef("x", (0,)), ir.InputRef("x", (1,))
A, B, C = (ir.ParamRef(n, ()) for n in "abc")


def bin_(op: str, left: ir.Expr, right: ir.Expr) -> ir.Binary:
    return ir.Binary(op, left, right)


@pytest.mark.parametrize(
    ("expr", "text"),
    [
        (ir.ParamRef("theta", (0, 1, 2)), "theta[0, 1, 2]"),
        (bin_("+", bin_("*", ir.Num(2.0), X0), ir.Num(0.5)), "2 * x[0] + 0.5"),
        (ir.Call("sin", X1), "sin(x[1])"),
        (ir.Schedule("linear", (0.2, 0.0), 50), "linear(0.2, 0.0; 50 epochs)"),
        (bin_("*", bin_("+", A, B), C), "(a + b) * c"),
        (bin_("-", A, bin_("-", B, C)), "a - (b - c)"),
        (bin_("-", bin_("-", A, B), C), "a - b - c"),
        (bin_("/", A, bin_("*", B, C)), "a / (b * c)"),
        (bin_("**", A, bin_("**", B, C)), "a ** b ** c"),
        (bin_("**", bin_("**", A, B), C), "(a ** b) ** c"),
        (bin_("**", ir.Neg(A), ir.Num(2.0)), "(-a) ** 2"),
        (ir.Neg(bin_("**", A, ir.Num(2.0))), "-a ** 2"),
        (bin_("**", A, ir.Neg(B)), "a ** -b"),
        (ir.Neg(bin_("+", A, B)), "-(a + b)"),
        (bin_("*", ir.Num(-2.0), A), "-2 * a"),
        (bin_("-", A, ir.Num(-2.0)), "a - -2"),
        (bin_("**", ir.Num(-2.0), A), "(-2) ** a"),
        (ir.Call("exp", bin_("*", A, B)), "exp(a * b)"),
        (ir.Num(1e20), "1e+20"),
        (ir.Num(0.1), "0.1"),
        (ir.InputRef("s", ()), "s"),
    ],
)
def test_expressions_print_with_minimal_parentheses(expr: ir.Expr, text: str) -> None:
    assert format_expr(expr) == text


def test_numbers() -> None:
    assert format_number(3.0) == "3"
    assert format_number(-0.25) == "-0.25"
    assert format_number(1 / 3) == repr(1 / 3)


def test_tags_column() -> None:
    assert format_tags(ir.Tags()) == "gate"
    drop = ir.DropoutTag("rotations", ir.Num(0.1), ir.Num(0.5), "g", 0)
    noise = ir.NoiseTag("layer", "training", 1)
    tags = ir.Tags(layer=2, role="entangler", template="ring", dropout=drop, noise=noise)
    text = format_tags(tags)
    assert text == (
        "L2 entangler tpl=ring drop(rotations, p=0.1, p_layer=0.5, group=g) noise(layer, training)"
    )


def test_dump_lists_header_ops_measurements_and_head(sample_program: ir.Program) -> None:
    text = dump(sample_program)
    lines = text.splitlines()
    assert lines[:6] == [
        "model sample",
        "  qubits 3",
        "  layers 2",
        "  input x[2]",
        "  param theta[2, 3] ~ uniform(0, 6.25)  (6 scalars)",
        "ops (7):",
    ]
    assert lines[6].split()[:4] == ["0", "ry", "0", "x[0]"]
    assert "2 * x[1] + 0.5" in lines[7]
    assert "drop(rotations, p=linear(0.2, 0.0; 50 epochs)" in lines[7]
    assert "-sin(x[1])" in lines[9]
    assert lines[10].split()[:4] == ["4", "cnot", "0,", "1"]
    # The tag column starts at the same place on every op line.
    starts = {line.index(" L") for line in lines[6:13]}
    assert len(starts) == 1
    assert "measure expval Z0 Z1 on 0, 1" in text
    assert "measure probs on 2" in text
    assert "measure sample X2 on 2 shots 100" in text
    assert lines[-1] == "head: dense 4 -> relu -> dense 2 -> softmax"
    assert text.endswith("\n") and not any(line != line.rstrip() for line in lines)


def test_dump_is_deterministic(sample_program: ir.Program) -> None:
    assert dump(sample_program) == dump(sample_program)


def test_dump_of_a_library() -> None:
    assert "no model" in dump(ir.Program(None, filename="lib.dream"))


def test_stats(sample_program: ir.Program) -> None:
    assert sample_program.model is not None
    figures = model_stats(sample_program.model)
    assert figures == {
        "model": "sample",
        "qubits": 3,
        "ops": 7,
        "gates": {"ccx": 1, "cnot": 1, "rx": 1, "ry": 2, "rz": 1},
        "channels": 1,
        "two_qubit": 1,
        "multi_qubit": 1,
        # ry(0) rz(1) ry(0) rx(2) | cnot(0,1) after ry, ry -> 3 | ccx -> 4; the channel is skipped
        "depth": 4,
        "num_params": 6,
        "num_inputs": 2,
        "layers": 2,
        "measurements": 3,
    }
    assert list(figures["gates"]) == sorted(figures["gates"])


def test_depth_is_asap_over_shared_wires() -> None:
    def op(*wires: int) -> ir.Operation:
        return ir.Operation("g", wires)

    assert depth([]) == 0
    assert depth([op(0), op(1), op(2)]) == 1
    assert depth([op(0), op(0, 1), op(2), op(1, 2)]) == 3
