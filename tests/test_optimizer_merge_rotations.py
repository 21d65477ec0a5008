"""``merge_rotations``: exact on random models, idempotent, never growing; each pair it merges
(across commuting gates) and each thing it must leave alone (dropout coins, channels, gates that
do not commute, other axes or wires)."""

from __future__ import annotations

import pytest

import dreamlang
from dreamlang import ir
from dreamlang.optimizer.merge_rotations import rule

from .optimizer_equivalence import assert_equivalent
from .optimizer_equivalence import program_of as _program

W = [ir.ParamRef("w", (k,)) for k in range(4)]
PLAIN = ir.Tags()
CHANNEL = ir.Tags(role="channel", noise=ir.NoiseTag("gate", "training", 0))


def _op(
    name: str, *wires: int, angle: ir.Expr | None = None, tags: ir.Tags = PLAIN
) -> ir.Operation:
    return ir.Operation(name, wires, () if angle is None else (angle,), tags)


def _dropout(group: str | None, layer: int = 0) -> ir.Tags:
    return ir.Tags(layer=layer, dropout=ir.DropoutTag("all", ir.Num(0.5), None, group, 0))


def _after(*ops: ir.Operation) -> tuple[ir.Operation, ...]:
    program = _program(*ops)
    result = rule(program)
    assert result.model is not None
    assert_equivalent(program, result)
    return result.model.ops


def _plus(a: ir.Expr, b: ir.Expr) -> ir.Binary:
    return ir.Binary("+", a, b)


@pytest.mark.parametrize(
    ("name", "wires", "again"),
    [
        ("rx", (0,), (0,)),
        ("ry", (1,), (1,)),
        ("rz", (2,), (2,)),
        ("phase", (0,), (0,)),
        ("rxx", (0, 1), (1, 0)),
        ("ryy", (1, 2), (1, 2)),
        ("rzz", (2, 0), (0, 2)),
        ("cphase", (0, 1), (1, 0)),
        ("crx", (0, 1), (0, 1)),
        ("cry", (2, 1), (2, 1)),
        ("crz", (1, 0), (1, 0)),
    ],
)
def test_same_axis_rotations_merge(
    name: str, wires: tuple[int, ...], again: tuple[int, ...]
) -> None:
    h = _op("h", 0)
    ops = (h, _op(name, *wires, angle=W[0]), _op(name, *again, angle=ir.Neg(W[1])))
    assert _after(*ops) == (h, _op(name, *wires, angle=_plus(W[0], ir.Neg(W[1]))))
    numbers = (_op(name, *wires, angle=ir.Num(0.5)), _op(name, *again, angle=ir.Num(0.25)))
    assert _after(*numbers) == (_op(name, *wires, angle=ir.Num(0.75)),)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (_op("rz", 0, angle=W[0]), _op("phase", 0, angle=W[1])),  # same up to phase: not merged
        (_op("rx", 0, angle=W[0]), _op("ry", 0, angle=W[1])),
        (_op("rx", 0, angle=W[0]), _op("rx", 1, angle=W[1])),
        (_op("crx", 0, 1, angle=W[0]), _op("crx", 1, 0, angle=W[1])),
        (_op("crz", 0, 1, angle=W[0]), _op("cphase", 0, 1, angle=W[1])),
        (
            ir.Operation("rot", (0,), (W[0], W[1], W[2])),
            ir.Operation("rot", (0,), (W[3], W[0], W[1])),
        ),
    ],
)
def test_what_is_not_a_pair_stays(first: ir.Operation, second: ir.Operation) -> None:
    assert _after(first, second) == (first, second)


def test_runs_merge_at_the_first_gate_across_commuting_gates() -> None:
    cnot = _op("cnot", 0, 1)
    ops = (_op("rz", 0, angle=W[0]), cnot, _op("h", 1), _op("rz", 0, angle=W[1]))
    assert _after(*ops) == (_op("rz", 0, angle=_plus(W[0], W[1])), cnot, _op("h", 1))
    ops = (_op("rx", 1, angle=W[0]), cnot, _op("rx", 1, angle=W[1]), _op("rx", 1, angle=W[2]))
    assert _after(*ops) == (_op("rx", 1, angle=_plus(_plus(W[0], W[1]), W[2])), cnot)
    crz = (_op("crz", 0, 1, angle=W[0]), _op("rz", 1, angle=W[3]), _op("crz", 0, 1, angle=W[1]))
    assert _after(*crz)[0] == _op("crz", 0, 1, angle=_plus(W[0], W[1]))
    # ... and only across those: rz on a cnot's target, rx next to rz, h
    for ops in (
        (_op("rz", 1, angle=W[0]), cnot, _op("rz", 1, angle=W[1])),
        (_op("rx", 0, angle=W[0]), _op("rz", 0, angle=W[2]), _op("rx", 0, angle=W[1])),
        (_op("rxx", 0, 1, angle=W[0]), _op("h", 1), _op("rxx", 0, 1, angle=W[1])),
    ):
        assert _after(*ops) == ops


def test_the_merged_gate_keeps_the_first_gates_tags_and_span() -> None:
    program = dreamlang.parse(
        "model m {\n qubits 2\n param w[2]\n layer { rz(w[0]) on 0 }\n cz on [0, 1]\n"
        " rz(w[1]) on 0\n measure expval Z on 0\n}"
    )
    assert program.model is not None
    first = program.model.ops[0]
    result = rule(program)
    assert result.model is not None
    merged = result.model.ops[0]
    assert merged.tags == first.tags and merged.tags.layer == 0
    assert merged.span is first.span and merged.span is not None
    assert merged.params == (_plus(W[0], W[1]),)
    assert program.model.ops[0] is first and len(program.model.ops) == 3  # input untouched


def test_dropout_coins() -> None:
    own, group = _dropout(None), _dropout("g")
    a_own, b_own = _op("ry", 0, angle=W[0], tags=own), _op("ry", 0, angle=W[1], tags=own)
    assert _after(a_own, b_own) == (a_own, b_own)  # independent coins never merge
    a_group, b_group = _op("ry", 0, angle=W[0], tags=group), _op("ry", 0, angle=W[1], tags=group)
    assert _after(a_group, b_group) == (_op("ry", 0, angle=_plus(W[0], W[1]), tags=group),)
    assert _after(a_group, _op("ry", 0, angle=W[1])) == (a_group, _op("ry", 0, angle=W[1]))
    a_layer = _op("rx", 0, angle=W[0], tags=_dropout("d0:layer0", 0))
    b_layer = _op("rx", 0, angle=W[1], tags=_dropout("d0:layer0", 1))
    assert _after(a_layer, b_layer) == (a_layer, b_layer)
    # a droppable rotation between two that merge: they pass it (it commutes)
    ops = (_op("ry", 0, angle=W[2]), a_own, _op("ry", 0, angle=W[3]))
    assert _after(*ops) == (_op("ry", 0, angle=_plus(W[2], W[3])), a_own)


def test_channels_block_only_on_their_wires() -> None:
    noisy = _op("phase_damping", 0, angle=ir.Num(0.1), tags=CHANNEL)
    ops = (_op("rz", 0, angle=W[0]), noisy, _op("rz", 0, angle=W[1]))
    assert _after(*ops) == ops
    ops = (_op("rz", 1, angle=W[0]), noisy, _op("rz", 1, angle=W[1]))
    assert _after(*ops) == (_op("rz", 1, angle=_plus(W[0], W[1])), noisy)
    assert _after(noisy, noisy) == (noisy, noisy)


def test_unchanged_programs_are_returned_as_they_are() -> None:
    program = _program(_op("rz", 0, angle=W[0]), _op("rx", 0, angle=W[0]))
    assert rule(program) is program
    empty = ir.Program(None)
    assert rule(empty) is empty
