"""fuse_single_qubit: runs of constant single-wire gates become one u3, exactly; what ends a run."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dreamlang
from dreamlang import ir
from dreamlang.optimizer.common import Context
from dreamlang.optimizer.fuse_single_qubit import matrix, rule, zyz

from . import gate_reference as ref
from .optimizer_equivalence import assert_equivalent


def _model(body: str, qubits: int = 1, measure: str = "measure expval Z on all") -> ir.Program:
    return dreamlang.parse(f"model m {{\n qubits {qubits}\n param w[4]\n{body}\n {measure}\n}}")


def _ops(program: ir.Program) -> tuple[ir.Operation, ...]:
    assert program.model is not None
    return program.model.ops


def _names(program: ir.Program) -> list[str]:
    return [op.name for op in _ops(program)]


def _same_up_to_phase(a: np.ndarray, b: np.ndarray) -> bool:
    inner = np.vdot(b, a)
    return abs(abs(inner) - len(a)) < 1e-9 and np.allclose(a, inner / abs(inner) * b, atol=1e-9)


ONE_WIRE = [name for name, (wires, _, _) in ref.REFERENCE.items() if wires == 1]


@pytest.mark.parametrize("name", ONE_WIRE)
def test_matrices_follow_the_conventions(name: str) -> None:
    count = ref.REFERENCE[name][1]
    for angles in ([0.3, -1.2, 2.5][:count], [math.pi, 0.5, -math.pi / 2][:count]):
        got = matrix(name, angles)
        assert got is not None
        np.testing.assert_allclose(got, ref.gate_matrix(name, angles), atol=1e-15)


def test_unknown_gates_have_no_matrix() -> None:
    assert matrix("cnot") is None and matrix("depolarizing", [0.1]) is None
    assert matrix("h", [0.5]) is None


@settings(deadline=None)
@given(st.lists(st.floats(-7, 7, allow_nan=False), min_size=3, max_size=3))
def test_zyz_recovers_the_unitary_up_to_phase(angles: list[float]) -> None:
    u = ref.gate_matrix("rot", angles)
    theta, phi, lam = zyz(u, 1e-12)
    assert -math.pi < phi <= math.pi and -math.pi < lam <= math.pi
    assert _same_up_to_phase(u, ref.gate_matrix("u3", [theta, phi, lam]))


@pytest.mark.parametrize("name", ["i", "z", "s", "t", "x", "y", "h", "sx"])
def test_zyz_of_diagonal_and_antidiagonal_gates(name: str) -> None:
    u = ref.gate_matrix(name)
    angles = zyz(u, 1e-12)
    assert _same_up_to_phase(u, ref.gate_matrix("u3", list(angles)))
    if name in ("z", "s", "t"):
        assert angles[:2] == (0.0, 0.0)  # a diagonal gate: everything in lam
    if name in ("x", "y"):
        assert angles[2] == 0.0  # an anti-diagonal gate: everything in phi


def test_a_run_becomes_one_u3_equal_to_its_product() -> None:
    program = _model(" h on 0\n s on 0\n rx(0.7) on 0\n rot(0.1, 0.2, 0.3) on 0\n t on 0")
    fused = rule(program)
    assert _names(fused) == ["u3"]
    angles = [p.value for p in _ops(fused)[0].params if isinstance(p, ir.Num)]
    steps = [("h", [0], []), ("s", [0], []), ("rx", [0], [0.7])]
    steps += [("rot", [0], [0.1, 0.2, 0.3]), ("t", [0], [])]
    want = ref.unitary(1, steps)
    assert _same_up_to_phase(want, ref.gate_matrix("u3", angles))
    assert_equivalent(program, fused)


def test_constant_expressions_count_as_constants() -> None:
    program = _model(" rx(pi / 2) on 0\n ry(-sin(0.5) * 2) on 0")
    assert _names(rule(program)) == ["u3"]
    assert_equivalent(program, rule(program))


def test_identity_runs_disappear_whole() -> None:
    program = _model(" h on 0\n x on 0\n h on 0\n z on 0\n sx on 0\n sxdg on 0")
    assert _ops(rule(program)) == ()
    assert_equivalent(program, rule(program))


def test_removing_an_identity_run_joins_its_neighbours() -> None:
    program = _model(" h on 0\n x on 0\n x on 0\n h on 0\n dropout gates [x] p = 0.3 group g")
    fused = rule(program)
    assert _ops(fused) == ()  # x x (one coin) is the identity, then h h
    assert rule(fused) == fused
    assert_equivalent(program, fused)


def test_tolerance_decides_what_counts_as_the_identity() -> None:
    program = _model(" rx(1e-6) on 0\n rz(0) on 0")
    assert _names(rule(program)) == ["u3"]
    assert _ops(rule(program, context=Context(tolerance=1e-5))) == ()


def test_a_lone_gate_is_never_rewritten() -> None:
    program = _model(" h on 0\n rx(0.3) on 1\n cnot on [0, 1]\n rz(2.0) on 0", qubits=2)
    assert rule(program) is program


def test_the_fused_gate_keeps_the_first_gates_place_tags_and_span() -> None:
    program = _model(" layer {\n h on 0\n x on 1\n t on 0\n }\n cnot on [0, 1]", qubits=2)
    fused = rule(program)
    assert _names(fused) == ["u3", "x", "cnot"]
    first, new = _ops(program)[0], _ops(fused)[0]
    assert new.wires == (0,) and new.tags == first.tags and new.tags.layer == 0
    assert new.span == first.span and new.span is not None
    assert_equivalent(program, fused)


@pytest.mark.parametrize(
    "between",
    [
        "rx(w[0]) on 0",  # a symbolic angle
        "cnot on [0, 1]",  # a multi-wire gate
        "depolarizing(0.1) on 0",  # a channel on the wire
        "cz on [1, 0]",  # a diagonal multi-wire gate still ends the run
    ],
)
def test_what_ends_a_run(between: str) -> None:
    program = _model(f" h on 0\n {between}\n s on 0", qubits=2)
    assert rule(program) is program


def test_a_channel_on_another_wire_does_not_end_a_run() -> None:
    program = _model(" h on 0\n depolarizing(0.1) on 1\n s on 0", qubits=2)
    fused = rule(program)
    assert _names(fused) == ["u3", "depolarizing"]
    # whole=False: assert_equivalent takes a channel without a noise tag for a gate.
    assert_equivalent(program, fused, whole=False)


def test_schedules_and_inputs_are_not_constants() -> None:
    program = dreamlang.parse(
        "model m {\n qubits 1\n input x[1]\n h on 0\n rx(x[0]) on 0\n h on 0\n"
        " measure expval Z on 0\n}"
    )
    assert rule(program) is program


def test_independent_coins_never_fuse() -> None:
    program = _model(" h on 0\n s on 0\n h on 0\n dropout gates [s] p = 0.3")
    assert rule(program) is program  # h | s (its own coin) | h: three runs of one
    program = _model(" s on 0\n s on 0\n dropout gates [s] p = 0.3")
    assert rule(program) is program  # two coins cannot become one


def test_droppable_and_kept_gates_never_fuse() -> None:
    program = _model(" h on 0\n s on 0\n t on 0\n h on 0\n dropout gates [s, t] p = 0.3 group g")
    fused = rule(program)
    assert _names(fused) == ["h", "u3", "h"]
    assert _ops(fused)[1].tags.dropout == _ops(program)[1].tags.dropout
    assert_equivalent(program, fused)


def test_one_coin_fuses_and_removes_only_identities() -> None:
    program = _model(" s on 0\n s on 0\n z on 0\n dropout gates [s, z] p = 0.25 group g")
    assert _ops(rule(program)) == ()  # s s z = I: dropping it or not changes nothing
    assert_equivalent(program, rule(program))
    layers = _model(" layer { s on 0 }\n layer { s on 0 }\n dropout gates [s] p = 0.25 group layer")
    assert rule(layers) is layers  # different layer coins


def test_a_model_without_ops_or_a_library_file() -> None:
    empty = _model("")
    assert rule(empty) is empty
    library = dreamlang.parse("const A = 1\n")
    assert rule(library) is library


def test_input_is_not_mutated() -> None:
    program = _model(" h on 0\n h on 0")
    copy = dataclasses.replace(program)
    rule(program)
    assert program == copy and _names(program) == ["h", "h"]
