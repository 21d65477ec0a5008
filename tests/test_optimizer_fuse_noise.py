"""fuse_noise: exact on random models, idempotent, never growing; every composition checked
against dreamlang's Kraus operators (backends/_runtime.py), numbers and epoch schedules; and what
must never fuse (other kinds, modes, wires, values; anything between on the wire; kraus)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

import dreamlang
from dreamlang import ir
from dreamlang.backends._runtime import _kraus
from dreamlang.backends.exprs import epoch_value
from dreamlang.optimizer.fuse_noise import MAX_NODES, compose, rule

from .optimizer_equivalence import assert_equivalent

CASES = sorted(
    (Path(__file__).resolve().parent / "fixtures" / "passes" / "fuse_noise").glob("*.dream")
)


def _count(program: ir.Program) -> int:
    assert program.model is not None
    return len(program.model.ops)


def _ops(program: ir.Program) -> tuple[ir.Operation, ...]:
    assert program.model is not None
    return program.model.ops


# ---- the compositions, against the Kraus operators ----


def _superoperator(name: str, values: Sequence[float]) -> np.ndarray:
    """vec(rho) -> vec(E(rho)), row-major vec: sum_k K (x) conj(K)."""
    return sum(np.kron(k, k.conj()) for k in _kraus(name, tuple(values)))  # type: ignore[return-value]


_P = (0.0, 0.05, 0.3, 0.75, 1.0)
_GRIDS: dict[str, list[tuple[float, ...]]] = {
    "depolarizing": [(p,) for p in _P],
    "bit_flip": [(p,) for p in _P],
    "phase_flip": [(p,) for p in _P],
    "amplitude_damping": [(p,) for p in _P],
    "phase_damping": [(p,) for p in _P],
    "pauli_channel": [
        (0.0, 0.0, 0.0),
        (0.1, 0.2, 0.3),
        (0.5, 0.0, 0.5),
        (0.05, 0.7, 0.01),
        (0.0, 0.0, 1.0),
    ],
    "generalized_amplitude_damping": [(g, p) for g in (0.0, 0.2, 1.0) for p in (0.0, 0.3, 1.0)],
    "thermal_relaxation": [(50.0, t2, time) for t2 in (30.0, 100.0) for time in (0.0, 1.5, 40.0)],
}


def _fusable(name: str, a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    if name == "generalized_amplitude_damping":
        return a[1] == b[1]
    if name == "thermal_relaxation":
        return a[:2] == b[:2]
    return True


@pytest.mark.parametrize("name", sorted(_GRIDS))
def test_numeric_compositions_match_the_kraus_operators(name: str) -> None:
    fused_pairs = 0
    for a, b in itertools.product(_GRIDS[name], repeat=2):
        values = compose(name, [ir.Num(v) for v in a], [ir.Num(v) for v in b])
        if not _fusable(name, a, b):
            assert values is None
            continue
        assert values is not None and all(isinstance(v, ir.Num) for v in values)
        numbers = [v.value for v in values]  # type: ignore[union-attr]
        want = _superoperator(name, b) @ _superoperator(name, a)
        np.testing.assert_allclose(_superoperator(name, numbers), want, atol=1e-12, rtol=0)
        fused_pairs += 1
    assert fused_pairs >= len(_GRIDS[name])


_LINEAR = ir.Schedule("linear", (0.3, 0.0), 10)
_COSINE = ir.Schedule("cosine", (0.05, 0.6), 8)
_GROW = ir.Schedule("linear", (0.0, 1.0), 6)
_SCHEDULED: dict[str, list[tuple[ir.Expr, ...]]] = {
    "depolarizing": [(_LINEAR,), (_COSINE,), (ir.Num(0.2),), (_GROW,)],
    "bit_flip": [(_LINEAR,), (ir.Num(0.9),), (_GROW,)],
    "phase_flip": [(_COSINE,), (ir.Num(0.1),)],
    "amplitude_damping": [(_LINEAR,), (_GROW,), (ir.Num(0.4),)],
    "phase_damping": [(_COSINE,), (ir.Num(1.0),), (_LINEAR,)],
    "pauli_channel": [
        (_LINEAR, ir.Num(0.1), _COSINE),
        (ir.Num(0.2), ir.Num(0.05), ir.Num(0.1)),
        (ir.Num(0.0), _LINEAR, ir.Num(0.3)),
    ],
    "generalized_amplitude_damping": [(_LINEAR, _COSINE), (ir.Num(0.5), _COSINE)],
    "thermal_relaxation": [
        (ir.Num(40.0), ir.Num(60.0), ir.Schedule("linear", (1.0, 5.0), 4)),
        (ir.Num(40.0), ir.Num(60.0), ir.Num(2.0)),
    ],
}


@pytest.mark.parametrize("name", sorted(_SCHEDULED))
def test_scheduled_compositions_match_at_every_epoch(name: str) -> None:
    for a, b in itertools.product(_SCHEDULED[name], repeat=2):
        values = compose(name, a, b)
        assert values is not None
        for epoch in (0, 1, 3, 4, 5, 8, 10, 30):
            at = [epoch_value(v, epoch) for v in values]
            want = _superoperator(name, [epoch_value(v, epoch) for v in b]) @ _superoperator(
                name, [epoch_value(v, epoch) for v in a]
            )
            np.testing.assert_allclose(_superoperator(name, at), want, atol=1e-12, rtol=0)


def test_kraus_and_gates_never_compose() -> None:
    values = [ir.Num(v) for v in (1, 0, 0, 0, 0, 0, 1, 0)]
    assert compose("kraus", values, values) is None
    assert compose("rx", [ir.Num(0.1)], [ir.Num(0.2)]) is None


# ---- in programs ----


def _parse(body: str, qubits: int = 2) -> ir.Program:
    return dreamlang.parse(
        f"model m {{\n    qubits {qubits}\n    param w[2]\n{body}\n"
        "    measure expval Z on 0\n    measure expval Z on 1\n}"
    )


def test_a_run_fuses_into_its_first_channel_across_other_wires() -> None:
    program = _parse(
        "    depolarizing(0.1) on 0\n    rx(w[0]) on 1\n    depolarizing(0.2) on 0\n"
        "    cnot on [1, 0]\n    depolarizing(0.05) on 0\n    depolarizing(0.05) on 0\n"
        "    depolarizing(0.05) on 0"
    )
    result = rule(program)
    ops, before = _ops(result), _ops(program)
    assert [op.name for op in ops] == ["depolarizing", "rx", "cnot", "depolarizing"]
    assert ops[0].span == before[0].span and ops[0].tags == before[0].tags
    assert ops[0].params == (ir.Num(0.1 + 0.2 - 4 * 0.1 * 0.2 / 3),)
    assert ops[1] is before[1] and ops[2] is before[3]
    assert_equivalent(program, result, whole=False)  # a channel: no unitary to compare
    assert rule(result) is result


@pytest.mark.parametrize(
    "body",
    [
        "    bit_flip(0.1) on 0\n    x on 0\n    bit_flip(0.1) on 0",  # a gate between
        "    bit_flip(0.1) on 0\n    cz on [1, 0]\n    bit_flip(0.1) on 0",
        "    bit_flip(0.1) on 0\n    phase_flip(0.1) on 0\n    bit_flip(0.1) on 0",  # another kind
        "    bit_flip(0.1) on 0\n    bit_flip(0.1) on 1",  # another wire
        "    amplitude_damping(0.1) on 0\n    generalized_amplitude_damping(0.1, 0) on 0",
        "    generalized_amplitude_damping(0.1, 0.2) on 0\n    generalized_amplitude_damping(0.1, 0.3) on 0",
        "    thermal_relaxation(50, 70, 1) on 0\n    thermal_relaxation(50, 60, 1) on 0",
        "    thermal_relaxation(50, 70, 1) on 0\n    thermal_relaxation(40, 70, 1) on 0",
        "    kraus([[[1, 0], [0, 0.6]], [[0, 0.8], [0, 0]]]) on 0\n"
        "    kraus([[[1, 0], [0, 0.6]], [[0, 0.8], [0, 0]]]) on 0",
    ],
)
def test_never_fused(body: str) -> None:
    program = _parse(body)
    assert rule(program) is program


def test_modes_must_match() -> None:
    mixed = _parse(
        "    layer {\n        rx(w[0]) on 0\n    }\n    bit_flip(0.2) on 0\n"
        "    noise bit_flip p = 0.1 after each layer on [0] training"
    )
    assert [op.name for op in _ops(mixed)] == ["rx", "bit_flip", "bit_flip"]
    assert rule(mixed) is mixed  # a written channel (no noise tag) and a training-only one
    two = _parse(
        "    layer {\n        rx(w[0]) on 0\n    }\n"
        "    noise bit_flip p = 0.1 after each layer on [0] training\n"
        "    noise bit_flip p = 0.2 after each layer on [0] always"
    )
    assert rule(two) is two
    same = _parse(
        "    layer {\n        rx(w[0]) on 0\n    }\n"
        "    noise bit_flip p = 0.1 after each layer on [0] training\n"
        "    noise bit_flip p = 0.2 after each layer on [0] training"
    )
    result = rule(same)
    assert [op.name for op in _ops(result)] == ["rx", "bit_flip"]
    assert _ops(result)[1].tags == _ops(same)[1].tags
    assert_equivalent(same, result)


def test_schedules_fuse_into_expressions() -> None:
    program = _parse(
        "    amplitude_damping(linear(0.2, 0.0, epochs=5)) on 1\n    amplitude_damping(0.5) on 1\n"
        "    thermal_relaxation(50, 70, warmup(3, epochs=4)) on 0\n"
        "    thermal_relaxation(50, 70, 2) on 0"
    )
    ops = _ops(rule(program))
    assert [op.name for op in ops] == ["amplitude_damping", "thermal_relaxation"]
    schedule = ir.Schedule("linear", (0.2, 0.0), 5)
    gamma = ops[0].params[0]
    assert schedule in list(ir.walk(gamma))
    for epoch in range(7):
        want = 1 - (1 - epoch_value(schedule, epoch)) * 0.5
        assert epoch_value(gamma, epoch) == pytest.approx(want, abs=1e-15)
    assert ops[1].params[:2] == (ir.Num(50.0), ir.Num(70.0))
    assert ops[1].params[2] == ir.Binary("+", ir.Schedule("warmup", (3.0,), 4), ir.Num(2.0))


def test_expressions_stay_bounded_and_the_rule_idempotent() -> None:
    channel = (
        "    pauli_channel(linear(0.1, 0.0, epochs=3), 0.01, cosine(0.02, 0.0, epochs=9)) on 0\n"
    )
    program = _parse(channel * 6)
    result = rule(program)
    assert 1 < _count(result) < 6
    assert all(sum(1 for _ in ir.walk(v)) <= MAX_NODES for op in _ops(result) for v in op.params)
    assert rule(result) is result
    linear = _parse("    depolarizing(linear(0.1, 0.0, epochs=3)) on 0\n" * 8)
    assert _count(rule(linear)) == 1  # each value appears once: the tree grows linearly


def test_fused_schedules_are_equivalent_in_every_mode() -> None:
    program = _parse(
        "    ry(w[0]) on 0\n    phase_damping(cosine(0.3, 0.0, epochs=4)) on 0\n"
        "    phase_damping(0.2) on 0\n    depolarizing(0.1) on 1\n    cnot on [0, 1]\n"
        "    depolarizing(linear(0.2, 0.1, epochs=3)) on 1\n    depolarizing(0.3) on 1\n"
        "    dropout all p = 0.4"
    )
    result = rule(program)
    assert _count(result) == _count(program) - 2
    assert_equivalent(program, result, whole=False)
