"""light_cone: what no measurement can see is dropped, and nothing any measurement can see."""

from __future__ import annotations

import pytest

import dreamlang
from dreamlang import ir
from dreamlang.optimizer.light_cone import rule

from .optimizer_equivalence import assert_equivalent


def _model(body: str, measure: str, qubits: int = 3) -> ir.Program:
    return dreamlang.parse(f"model m {{\n qubits {qubits}\n param w[4]\n{body}\n {measure}\n}}")


def _ops(program: ir.Program) -> tuple[ir.Operation, ...]:
    assert program.model is not None
    return program.model.ops


def _listing(program: ir.Program) -> list[str]:
    return [f"{op.name}{list(op.wires)}" for op in _ops(program)]


def _check(body: str, measure: str, want: list[str], qubits: int = 3) -> None:
    program = _model(body, measure, qubits)
    pruned = rule(program)
    assert _listing(pruned) == want
    assert rule(pruned) == pruned
    if "sample" in measure:
        # Samples are drawn with fresh entropy here: check the distribution they come from.
        exact = measure.replace("sample on", "probs on").replace("sample", "expval")
        program = _model(body, exact.split(" shots")[0], qubits)
        pruned = rule(program)
        assert _listing(pruned) == want
    assert_equivalent(program, pruned, whole=False)


def test_ops_off_the_light_cone_are_dropped() -> None:
    body = " h on 0\n rx(w[0]) on 2\n cnot on [0, 1]\n ry(w[1]) on 1\n cnot on [0, 2]\n x on 0"
    # Z1 reads wire 1; the cnot on [0, 1] brings in wire 0 before it; the rest is outside.
    _check(body, "measure expval Z1", ["h[0]", "cnot[0, 1]", "ry[1]"])


def test_a_later_gate_makes_earlier_wires_live() -> None:
    body = " rx(w[0]) on 2\n ry(w[1]) on 1\n cnot on [2, 1]\n ry(w[2]) on 0"
    _check(body, "measure expval X1", ["rx[2]", "ry[1]", "cnot[2, 1]"])


def test_a_model_without_measurements_is_unchanged() -> None:
    program = dreamlang.parse("model m {\n qubits 2\n h on 0\n x on 1\n}")
    assert rule(program) is program
    library = dreamlang.parse("const A = 1\n")
    assert rule(library) is library


def test_nothing_to_drop_gives_the_same_object() -> None:
    program = _model(" h on 0\n cnot on [0, 1]\n h on 1", "measure expval X0 X1", 2)
    assert rule(program) is program


def test_identity_factors_read_nothing() -> None:
    _check(" h on 0\n rx(w[0]) on 1", "measure expval I0 X1", ["rx[1]"], 2)
    _check(" h on 0\n rx(w[0]) on 1", "measure var I on all", [], 2)


def test_probs_and_samples_read_their_wires() -> None:
    body = " h on 0\n ry(w[0]) on 1\n ry(w[1]) on 2"
    _check(body, "measure probs on [2, 0]", ["h[0]", "ry[2]"])
    _check(body, "measure sample on [1] shots 10", ["ry[1]"])
    _check(body, "measure sample X2 shots 10", ["ry[2]"])


def test_channels_off_the_light_cone_are_dropped_and_on_it_kept() -> None:
    body = " ry(w[0]) on 0\n depolarizing(0.1) on 0\n amplitude_damping(0.3) on 1\n h on 1"
    _check(body, "measure expval Z0", ["ry[0]", "depolarizing[0]"], 2)


def test_droppable_gates_off_the_light_cone_are_dropped() -> None:
    body = (
        " layer {\n ry(w[0]) on 0\n ry(w[1]) on 1\n cnot on [0, 1]\n ry(w[2]) on 1\n }\n"
        " dropout all p = 0.3 group layer"
    )
    _check(body, "measure expval Z0", ["ry[0]", "ry[1]", "cnot[0, 1]"], 2)


@pytest.mark.parametrize(
    ("measure", "want"),
    [
        ("measure expval Z0", ["h[0]"]),
        ("measure var Z0 Z1", ["h[0]", "h[1]"]),
        ("measure probs on all", ["h[0]", "h[1]"]),
        ("measure sample on [0, 1] shots 5", ["h[0]", "h[1]"]),
        ("measure expval X0", ["h[0]", "h[1]", "rz[0]", "cz[0, 1]", "t[0]"]),
        ("measure expval Z0 Y1", ["h[0]", "h[1]", "rz[0]", "cz[0, 1]"]),
        ("measure sample Y0 shots 5", ["h[0]", "h[1]", "rz[0]", "cz[0, 1]", "t[0]"]),
    ],
)
def test_final_diagonal_gates_before_computational_basis_readout(
    measure: str, want: list[str]
) -> None:
    body = " h on 0\n h on 1\n rz(w[0]) on 0\n cz on [0, 1]\n t on 0"
    _check(body, measure, want, 2)


def test_dropping_a_final_diagonal_gate_shrinks_the_light_cone() -> None:
    body = " ry(w[0]) on 1\n h on 0\n crz(w[1]) on [1, 0]\n rzz(w[2]) on [0, 1]\n s on 0"
    _check(body, "measure expval Z0", ["h[0]"], 2)


def test_a_diagonal_gate_before_another_op_is_kept() -> None:
    _check(" h on 0\n t on 0\n h on 0", "measure expval Z0", ["h[0]", "t[0]", "h[0]"], 1)
    body = " h on 0\n phase(w[0]) on 0\n cnot on [0, 1]"
    _check(body, "measure expval Z0", ["h[0]", "phase[0]", "cnot[0, 1]"], 2)


def test_a_channel_after_a_diagonal_gate_blocks_it() -> None:
    body = " h on 0\n rz(w[0]) on 0\n phase_flip(0.2) on 0"
    _check(body, "measure expval Z0", ["h[0]", "rz[0]", "phase_flip[0]"], 1)


def test_droppable_final_diagonal_gates_are_dropped() -> None:
    body = " h on 0\n h on 1\n cphase(w[0]) on [0, 1]\n rz(w[1]) on 1\n dropout all p = 0.4"
    _check(body, "measure probs on all", ["h[0]", "h[1]"], 2)


def test_input_is_not_mutated() -> None:
    program = _model(" h on 0\n x on 1", "measure expval Z0", 2)
    before = _listing(program)
    assert _listing(rule(program)) == ["h[0]"]
    assert _listing(program) == before
