"""``commutes``: every pair it claims commutes, checked against tests/gate_reference.py's matrices
exhaustively over the gate vocabulary on 3 wires with random angles; the documented cases hold."""

from __future__ import annotations

import doctest
import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dreamlang import ir
from dreamlang.optimizer import commutation
from dreamlang.optimizer.commutation import commutes, same_gate, wire_key

from .gate_reference import REFERENCE, embed, gate_matrix, unitary

WIRES = 3
PLACEMENTS = [
    (name, wires)
    for name, (count, _, _) in REFERENCE.items()
    for wires in itertools.permutations(range(WIRES), count)
]
DIAGONAL = {"i", "z", "s", "sdg", "t", "tdg", "rz", "phase", "cz", "crz", "cphase", "rzz"}
DIAGONAL_ONE = {"z", "s", "sdg", "t", "tdg", "rz", "phase"}
CONTROLLED = {"cnot", "cy", "ch", "crx", "cry", "crz", "cphase", "cz"}
X_TYPE = {"x", "rx", "sx", "sxdg"}


def _op(name: str, wires: tuple[int, ...], symbol: str) -> ir.Operation:
    angles = REFERENCE[name][1]
    return ir.Operation(name, wires, tuple(ir.ParamRef(symbol, (k,)) for k in range(angles)))


def _matrix(op: ir.Operation, values: dict[str, np.ndarray]) -> np.ndarray:
    angles = [float(values[p.name][p.index[0]]) for p in op.params if isinstance(p, ir.ParamRef)]
    return embed(gate_matrix(op.name, angles), op.wires, WIRES)


def _documented(a: ir.Operation, b: ir.Operation) -> bool:
    """The cases the brief says must commute (a conservative rule may claim more, never less)."""
    if not set(a.wires) & set(b.wires) or same_gate(a, b):
        return True
    if a.name in DIAGONAL and b.name in DIAGONAL:
        return True
    for one, two in ((a, b), (b, a)):
        if one.name in DIAGONAL_ONE and two.name in CONTROLLED and one.wires == two.wires[:1]:
            return True
        if one.name in X_TYPE and two.name == "cnot" and one.wires == two.wires[1:]:
            return True
        if one.name in X_TYPE and two.name == "rxx":
            return True
    return a.name == b.name and wire_key(a) == wire_key(b) and len(a.params) == 1


@pytest.mark.parametrize("seed", range(3))
def test_every_claimed_pair_commutes_exhaustively(seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = {s: rng.uniform(-2 * np.pi, 2 * np.pi, 3) for s in ("a", "b")}
    matrices: dict[ir.Operation, np.ndarray] = {}
    claimed = 0
    for (name_a, wires_a), (name_b, wires_b) in itertools.product(PLACEMENTS, repeat=2):
        a = _op(name_a, wires_a, "a")
        # b with its own angles, and (same name) with a's angles: the "same gate" case
        for b in {_op(name_b, wires_b, "b"), _op(name_b, wires_b, "a")}:
            claim = commutes(a, b)
            assert claim == commutes(b, a), (a, b)
            if _documented(a, b):
                assert claim, f"{a} and {b} should be found to commute"
            if claim:
                claimed += 1
                for o in (a, b):
                    if o not in matrices:
                        matrices[o] = _matrix(o, values)
                m_a, m_b = matrices[a], matrices[b]
                assert np.abs(m_a @ m_b - m_b @ m_a).max() < 1e-12, f"{a} and {b} do not commute"
    assert claimed > 10_000  # the exhaustive loop did run over the vocabulary


def test_docstring_examples_run() -> None:
    failures, tried = doctest.testmod(commutation)
    assert failures == 0 and tried > 0


def test_documented_cases() -> None:
    op = ir.Operation
    w = (ir.ParamRef("w", (0,)),)
    v = (ir.ParamRef("w", (1,)),)
    assert commutes(op("h", (0,)), op("rx", (1,), w))  # disjoint wires
    assert commutes(op("rz", (0,), w), op("rzz", (0, 1), v))  # both diagonal
    assert commutes(op("t", (1,)), op("cphase", (0, 1), w))
    assert commutes(op("s", (0,)), op("ch", (0, 1)))  # diagonal on the control
    assert not commutes(op("s", (1,)), op("ch", (0, 1)))  # ... not on the target
    assert not commutes(op("rz", (1,), w), op("cnot", (0, 1)))
    assert commutes(op("sx", (1,)), op("cnot", (0, 1)))  # x-type on the target
    assert not commutes(op("x", (0,)), op("cnot", (0, 1)))  # ... not on the control
    assert commutes(op("rx", (1,), w), op("rxx", (0, 1), v))
    assert commutes(op("h", (0,)), op("h", (0,)))  # the same gate
    assert commutes(op("swap", (0, 1)), op("swap", (1, 0)))
    assert not commutes(op("rot", (0,), (*w, *v, *w)), op("rot", (0,), (*v, *w, *v)))
    assert commutes(op("crx", (0, 1), w), op("crx", (0, 1), v))  # same axis, same wires
    assert not commutes(op("crx", (0, 1), w), op("crx", (1, 0), v))
    assert not commutes(op("h", (0,)), op("x", (0,)))
    assert not commutes(op("rx", (0,), w), op("rz", (0,), w))


def test_channels_commute_with_nothing_on_a_shared_wire() -> None:
    channel = ir.Operation("phase_flip", (0,), (ir.Num(0.1),), ir.Tags(role="channel"))
    noise = ir.Tags(noise=ir.NoiseTag("gate", "always", 0))
    tagged = ir.Operation("depolarizing", (1,), (ir.Num(0.1),), noise)
    assert not commutes(channel, ir.Operation("z", (0,)))  # even a diagonal gate
    assert not commutes(ir.Operation("i", (0,)), channel)
    assert not commutes(channel, channel)
    assert not commutes(tagged, ir.Operation("cz", (0, 1)))
    assert commutes(channel, ir.Operation("h", (1,)))  # disjoint wires
    assert commutes(channel, tagged)


def test_dropout_tags_do_not_change_commutation() -> None:
    tag = ir.DropoutTag("all", ir.Num(0.5), None, None, 0)
    dropped = ir.Operation("h", (0,), (), ir.Tags(dropout=tag))
    assert commutes(dropped, ir.Operation("h", (0,)))
    assert not commutes(dropped, ir.Operation("z", (0,)))


# ---- dense random circuits of the whole vocabulary, for the rules built on ``commutes`` ----

_ANGLES = [ir.ParamRef("w", (0,)), ir.ParamRef("w", (1,)), ir.Num(0.5), ir.Num(-0.5)]
_VALUES = (0.7, -1.9)


@st.composite
def dense_circuits(draw: Any, wires: int = 3, max_ops: int = 12) -> list[ir.Operation]:
    """Gates of every kind packed on few wires, angles drawn from a few symbols, their negations
    and numbers, often followed by the same gate on its wires in another order (or with
    negated angles), so inverse pairs, same-axis runs and commuting neighbours are frequent."""
    ops: list[ir.Operation] = []
    for _ in range(draw(st.integers(0, max_ops))):
        name = draw(st.sampled_from(sorted(REFERENCE)))
        count, angles, _ = REFERENCE[name]
        order = draw(st.permutations(range(wires)))[:count]
        params = [draw(st.sampled_from(_ANGLES)) for _ in range(angles)]
        ops.append(ir.Operation(name, tuple(order), tuple(params)))
        if draw(st.booleans()):
            order = draw(st.permutations(order))
            params = [ir.Neg(p) if draw(st.booleans()) else p for p in params]
            ops.append(ir.Operation(name, tuple(order), tuple(params)))
    return ops


def _value(expr: ir.Expr) -> float:
    if isinstance(expr, ir.Num):
        return expr.value
    if isinstance(expr, ir.ParamRef):
        return _VALUES[expr.index[0]]
    if isinstance(expr, ir.Neg):
        return -_value(expr.operand)
    assert isinstance(expr, ir.Binary) and expr.op == "+", expr
    return _value(expr.left) + _value(expr.right)


def reference_unitary(ops: Sequence[ir.Operation], wires: int = 3) -> np.ndarray:
    """The circuit's unitary from tests/gate_reference.py, angles at fixed values."""
    return unitary(wires, [(op.name, op.wires, [_value(p) for p in op.params]) for op in ops])


def assert_same_up_to_phase(a: np.ndarray, b: np.ndarray) -> None:
    inner = np.vdot(b, a)
    assert abs(abs(inner) - len(a)) < 1e-9, "the unitaries differ by more than a global phase"


@settings(deadline=None)
@given(ops=dense_circuits())
def test_moving_a_gate_across_what_it_commutes_with_keeps_the_unitary(
    ops: list[ir.Operation],
) -> None:
    # the scan the rules do: the last gate moves left past every gate it commutes with
    if not ops:
        return
    *rest, last = ops
    k = len(rest)
    while k > 0 and commutes(rest[k - 1], last):
        k -= 1
    moved = [*rest[:k], last, *rest[k:]]
    assert_same_up_to_phase(reference_unitary(ops), reference_unitary(moved))


@pytest.mark.parametrize("name", ["cancel_inverses", "merge_rotations"])
def test_rules_that_move_gates_are_exact_on_dense_circuits_of_every_gate(name: str) -> None:
    from dreamlang.optimizer.pipeline import load_rule

    from .optimizer_equivalence import program_of

    rule = load_rule(name)

    @settings(deadline=None)
    @given(ops=dense_circuits())
    def check(ops: list[ir.Operation]) -> None:
        result = rule(program_of(*ops))
        assert result.model is not None
        assert rule(result) is result
        assert_same_up_to_phase(reference_unitary(ops), reference_unitary(result.model.ops))

    check()
