"""remove_identities: exact on random models, idempotent, never growing; a gate is removed exactly
when its reference matrix (tests/gate_reference.py) is the identity up to a global phase."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest

import dreamlang
from dreamlang import ir
from dreamlang.optimizer import remove_identities
from dreamlang.optimizer.common import Context
from dreamlang.optimizer.remove_identities import is_identity

from .gate_reference import REFERENCE, gate_matrix
from .optimizer_equivalence import assert_equivalent

CASES = sorted(
    (Path(__file__).resolve().parent / "fixtures" / "passes" / "remove_identities").glob("*.dream")
)

PI = math.pi
TOL = Context().tolerance
PHASE_FREE = Context(exact_phase=False)  # -O2: removals up to a global phase allowed


def rule(program: ir.Program, context: Context = PHASE_FREE) -> ir.Program:
    return remove_identities.rule(program, context=context)


def _count(program: ir.Program) -> int:
    assert program.model is not None
    return len(program.model.ops)


def _names(program: ir.Program) -> list[str]:
    assert program.model is not None
    return [op.name for op in program.model.ops]


def _proportional_to_identity(matrix: np.ndarray) -> bool:
    phase = matrix[0, 0]
    return bool(abs(abs(phase) - 1) < 1e-9 and np.allclose(matrix, phase * np.eye(len(matrix))))


_ANGLES = [k * PI / 2 for k in range(-9, 10)] + [0.3, -1.0, 2 * PI + 0.5]


def _grid(count: int) -> list[tuple[float, ...]]:
    if count <= 1:
        return [tuple(a) for a in itertools.product(_ANGLES, repeat=count)]
    small = [k * PI / 2 for k in range(-4, 9)] + [0.3, -0.3]
    return list(itertools.product(small, repeat=count))


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_with_exact_phase_removed_only_when_the_matrix_is_exactly_the_identity(name: str) -> None:
    """-O1 keeps the global phase: a gate goes only when its matrix is I itself."""
    wires, count, _ = REFERENCE[name]
    for angles in _grid(count):
        op = ir.Operation(name, tuple(range(wires)), tuple(ir.Num(a) for a in angles))
        matrix = gate_matrix(name, angles)
        exact = bool(np.allclose(matrix, np.eye(len(matrix)), atol=1e-9))
        assert is_identity(op, TOL, exact_phase=True) == exact, (name, angles)


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_removed_exactly_when_the_reference_matrix_is_the_identity(name: str) -> None:
    wires, count, _ = REFERENCE[name]
    removed = 0
    for angles in _grid(count):
        op = ir.Operation(name, tuple(range(wires)), tuple(ir.Num(a) for a in angles))
        expected = _proportional_to_identity(gate_matrix(name, angles))
        assert is_identity(op, TOL) == expected, (name, angles)
        removed += expected
    if name in ("i", "rot", "u3") or count:
        assert removed  # every gate with angles has identities on the grid


@pytest.mark.parametrize(
    ("name", "angle", "removed"),
    [
        ("rx", 2 * PI, True),  # -I: a global phase
        ("rzz", -6 * PI, True),
        ("phase", 2 * PI, True),
        ("cphase", -2 * PI, True),
        ("crx", 2 * PI, False),  # Z on the control
        ("cry", 6 * PI, False),
        ("crz", 4 * PI, True),
        ("crz", -8 * PI, True),
        ("rz", PI, False),
        ("phase", PI, False),
    ],
)
def test_periods(name: str, angle: float, removed: bool) -> None:
    wires = (0,) if name in ("rx", "rz", "phase") else (0, 1)
    assert is_identity(ir.Operation(name, wires, (ir.Num(angle),)), TOL) is removed


def test_u3_at_a_full_turn_is_removed_only_when_its_phase_cancels() -> None:
    # u3(2 pi, phi, lam) = -diag(1, e^{i (phi + lam)})
    assert is_identity(ir.Operation("u3", (0,), (ir.Num(2 * PI), ir.Num(1.0), ir.Num(-1.0))), TOL)
    assert not is_identity(
        ir.Operation("u3", (0,), (ir.Num(2 * PI), ir.Num(1.0), ir.Num(0.0))), TOL
    )
    assert not is_identity(ir.Operation("rot", (0,), (ir.Num(0.5), ir.Num(0.0), ir.Num(0.0))), TOL)


def test_tolerance_is_absolute_on_the_angle_modulo_its_period() -> None:
    def rx(angle: float) -> ir.Operation:
        return ir.Operation("rx", (0,), (ir.Num(angle),))

    assert is_identity(rx(2 * PI + 1e-13), TOL)
    assert is_identity(rx(-1e-13), TOL)
    assert not is_identity(rx(2 * PI + 1e-9), TOL)
    assert is_identity(rx(2 * PI + 1e-9), 1e-6)
    program = dreamlang.parse("model m { qubits 1\n rx(1e-9) on 0\n measure expval Z on 0 }")
    assert _count(rule(program)) == 1
    assert _count(rule(program, context=Context(tolerance=1e-6, exact_phase=False))) == 0


def test_symbolic_angles_and_channels_are_kept() -> None:
    src = """model m {
    qubits 2
    input x[1]
    param w[2]
    rx(w[0]) on 0
    ry(x[0] * 0 + w[1] - w[1]) on 0
    rot(w[0], 0, 0) on 1
    u3(0, w[0], -w[0]) on 1
    depolarizing(0) on 0
    bit_flip(0) on 1
    measure expval Z on 0
}"""
    program = dreamlang.parse(src)
    assert rule(program) is program


def test_constant_expressions_count() -> None:
    op = ir.Operation("ry", (0,), (ir.Binary("*", ir.Num(4.0), ir.Num(PI)),))
    assert is_identity(op, TOL)
    fails = ir.Operation("ry", (0,), (ir.Call("log", ir.Num(-1.0)),))
    assert not is_identity(fails, TOL)


_DROPOUT = """model m {
    qubits 2
    param w[2]
    layer {
        i on 0
        rx(w[0]) on 0
        rz(2 * pi) on 1
        cry(4 * pi) on [0, 1]
        crx(2 * pi) on [1, 0]
        ry(w[1]) on 1
    }
    dropout all p = 0.3
    dropout gates [rz] p = 0.5 group layer
    noise depolarizing p = 0.01 after each gate of [rx]
    measure expval Z on 0
    measure expval Z on 1
}"""


def test_droppable_identities_are_removed_and_the_model_is_unchanged() -> None:
    program = dreamlang.parse(_DROPOUT)
    assert program.model is not None
    assert sum(op.tags.dropout is not None for op in program.model.ops) == 6
    result = rule(program)
    assert _names(result) == ["rx", "depolarizing", "crx", "ry"]
    assert_equivalent(program, result)
    assert rule(result) is result


def test_kept_operations_are_the_same_objects() -> None:
    program = dreamlang.parse(_DROPOUT)
    result = rule(program)
    assert program.model is not None and result.model is not None
    kept = [op for op in program.model.ops if op.name in ("rx", "depolarizing", "crx", "ry")]
    assert all(a is b for a, b in zip(kept, result.model.ops, strict=True))
