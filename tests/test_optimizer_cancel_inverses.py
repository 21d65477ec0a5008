"""``cancel_inverses``: exact on random models, idempotent, never growing; each pair it cancels
(across commuting gates) and each thing it must leave alone (dropout coins, channels, gates that
do not commute, wrong wire orders)."""

from __future__ import annotations

import math

import pytest

from dreamlang import ir
from dreamlang.optimizer.cancel_inverses import rule
from dreamlang.optimizer.common import Context

from .optimizer_equivalence import assert_equivalent
from .optimizer_equivalence import program_of as _program

W = [ir.ParamRef("w", (k,)) for k in range(4)]
PLAIN = ir.Tags()
CHANNEL = ir.Tags(role="channel", noise=ir.NoiseTag("gate", "always", 0))


def _op(
    name: str, *wires: int, params: tuple[ir.Expr, ...] = (), tags: ir.Tags = PLAIN
) -> ir.Operation:
    return ir.Operation(name, wires, params, tags)


def _dropout(group: str | None, layer: int = 0) -> ir.Tags:
    return ir.Tags(layer=layer, dropout=ir.DropoutTag("all", ir.Num(0.5), None, group, 0))


def _after(*ops: ir.Operation, context: Context | None = None) -> tuple[ir.Operation, ...]:
    program = _program(*ops)
    result = rule(program, context=context)
    assert result.model is not None
    if context is None:
        assert_equivalent(program, result)
    return result.model.ops


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (_op("h", 0), _op("h", 0)),
        (_op("x", 1), _op("x", 1)),
        (_op("y", 0), _op("y", 0)),
        (_op("z", 2), _op("z", 2)),
        (_op("cnot", 0, 1), _op("cnot", 0, 1)),
        (_op("cy", 2, 0), _op("cy", 2, 0)),
        (_op("ch", 1, 2), _op("ch", 1, 2)),
        (_op("cz", 0, 1), _op("cz", 1, 0)),
        (_op("swap", 2, 1), _op("swap", 1, 2)),
        (_op("ccx", 0, 1, 2), _op("ccx", 1, 0, 2)),
        (_op("cswap", 0, 1, 2), _op("cswap", 0, 2, 1)),
        (_op("s", 0), _op("sdg", 0)),
        (_op("sdg", 0), _op("s", 0)),
        (_op("t", 1), _op("tdg", 1)),
        (_op("tdg", 1), _op("t", 1)),
        (_op("sx", 2), _op("sxdg", 2)),
        (_op("sxdg", 2), _op("sx", 2)),
        (_op("rz", 0, params=(W[0],)), _op("rz", 0, params=(ir.Neg(W[0]),))),
        (_op("ry", 0, params=(ir.Neg(W[1]),)), _op("ry", 0, params=(W[1],))),
        (_op("rx", 0, params=(ir.Num(0.5),)), _op("rx", 0, params=(ir.Num(-0.5),))),
        (_op("phase", 0, params=(ir.Num(0.5),)), _op("phase", 0, params=(ir.Neg(ir.Num(0.5)),))),
        (_op("rxx", 0, 1, params=(W[2],)), _op("rxx", 1, 0, params=(ir.Neg(W[2]),))),
        (_op("ryy", 0, 1, params=(W[2],)), _op("ryy", 0, 1, params=(ir.Neg(W[2]),))),
        (_op("rzz", 2, 1, params=(W[2],)), _op("rzz", 1, 2, params=(ir.Neg(W[2]),))),
        (_op("cphase", 0, 2, params=(W[3],)), _op("cphase", 2, 0, params=(ir.Neg(W[3]),))),
        (_op("crx", 0, 1, params=(W[0],)), _op("crx", 0, 1, params=(ir.Neg(W[0]),))),
        (_op("cry", 1, 0, params=(W[0],)), _op("cry", 1, 0, params=(ir.Neg(W[0]),))),
        (_op("crz", 0, 2, params=(ir.Num(1.0),)), _op("crz", 0, 2, params=(ir.Num(-1.0),))),
    ],
)
def test_adjacent_inverse_pairs_cancel(first: ir.Operation, second: ir.Operation) -> None:
    assert _after(_op("h", 0), first, second, _op("rx", 1, params=(W[0],))) == (
        _op("h", 0),
        _op("rx", 1, params=(W[0],)),
    )


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (_op("cnot", 0, 1), _op("cnot", 1, 0)),  # not the same gate
        (_op("cy", 0, 1), _op("cy", 1, 0)),
        (_op("ch", 0, 1), _op("ch", 1, 0)),
        (_op("ccx", 0, 1, 2), _op("ccx", 0, 2, 1)),
        (_op("cswap", 0, 1, 2), _op("cswap", 1, 0, 2)),
        (_op("s", 0), _op("s", 0)),
        (_op("sx", 0), _op("sx", 1)),  # other wire
        (_op("iswap", 0, 1), _op("iswap", 0, 1)),  # not self-inverse
        (_op("crx", 0, 1, params=(W[0],)), _op("crx", 1, 0, params=(ir.Neg(W[0]),))),
        (_op("rz", 0, params=(W[0],)), _op("phase", 0, params=(ir.Neg(W[0]),))),
        (_op("rz", 0, params=(W[0],)), _op("rz", 0, params=(ir.Neg(W[1]),))),
        (_op("rx", 0, params=(ir.Num(0.5),)), _op("rx", 0, params=(ir.Num(-0.4),))),
        (_op("rx", 0, params=(ir.Num(math.pi),)), _op("rx", 0, params=(ir.Num(math.pi),))),
        (_op("rot", 0, params=(W[0], W[1], W[2])), _op("rot", 0, params=(W[0], W[1], W[2]))),
    ],
)
def test_what_is_not_an_inverse_pair_stays(first: ir.Operation, second: ir.Operation) -> None:
    assert _after(first, second) == (first, second)


def test_pairs_cancel_across_gates_that_commute_with_the_later_gate() -> None:
    rz, rz_inv = _op("rz", 0, params=(W[0],)), _op("rz", 0, params=(ir.Neg(W[0]),))
    cnot = _op("cnot", 0, 1)
    assert _after(rz, cnot, _op("cz", 0, 2), rz_inv) == (cnot, _op("cz", 0, 2))
    assert _after(_op("x", 1), cnot, _op("x", 1)) == (cnot,)  # x on the target
    rxx = _op("rxx", 1, 2, params=(W[1],))
    assert _after(_op("sx", 1), rxx, _op("sxdg", 1)) == (rxx,)
    # ... and only those: h, or z on the target, does not commute with cnot
    assert _after(_op("h", 0), cnot, _op("h", 0)) == (_op("h", 0), cnot, _op("h", 0))
    assert _after(_op("z", 1), cnot, _op("z", 1)) == (_op("z", 1), cnot, _op("z", 1))
    assert _after(rz, _op("rx", 0, params=(W[1],)), rz_inv)[1].name == "rx"


def test_nested_pairs_cancel_in_one_pass() -> None:
    ops = (_op("h", 0), _op("s", 0), _op("cz", 0, 1), _op("cz", 1, 0), _op("sdg", 0), _op("h", 0))
    assert _after(*ops) == ()
    assert _after(_op("h", 0), _op("h", 0), _op("h", 0)) == (_op("h", 0),)


def test_dropout_coins() -> None:
    own, group = _dropout(None), _dropout("g")
    h_own, h_group = _op("h", 0, tags=own), _op("h", 0, tags=group)
    assert _after(h_own, h_own) == (h_own, h_own)  # independent coins never cancel
    assert _after(h_group, h_group) == ()  # one coin: both or neither
    assert _after(h_group, _op("h", 0)) == (h_group, _op("h", 0))
    layer0, layer1 = _dropout("d0:layer0", 0), _dropout("d0:layer0", 1)
    assert len(_after(_op("x", 0, tags=layer0), _op("x", 0, tags=layer1))) == 2
    # a droppable gate between two that cancel: they pass it when it commutes
    assert _after(_op("h", 0), h_own, _op("h", 0)) == (h_own,)
    assert _after(_op("x", 0), h_own, _op("x", 0)) == (_op("x", 0), h_own, _op("x", 0))


def test_channels_block_only_on_their_wires() -> None:
    noisy = _op("phase_flip", 0, params=(ir.Num(0.1),), tags=CHANNEL)
    assert _after(_op("z", 0), noisy, _op("z", 0)) == (_op("z", 0), noisy, _op("z", 0))
    assert _after(_op("h", 1), noisy, _op("h", 1)) == (noisy,)
    rz = _op("rz", 0, params=(W[0],))
    assert _after(noisy, noisy) == (noisy, noisy)  # channels are never cancelled
    assert len(_after(rz, noisy, _op("rz", 0, params=(ir.Neg(W[0]),)))) == 3


def test_tolerance_comes_from_the_context() -> None:
    a, b = _op("rx", 0, params=(ir.Num(0.5),)), _op("rx", 0, params=(ir.Num(-0.5 + 1e-14),))
    assert _after(a, b) == ()
    c = _op("rx", 0, params=(ir.Num(-0.45),))
    assert _after(a, c) == (a, c)
    assert _after(a, c, context=Context(tolerance=0.1)) == ()


def test_unchanged_programs_are_returned_as_they_are() -> None:
    program = _program(_op("h", 0), _op("cnot", 0, 1))
    assert rule(program) is program
    empty = ir.Program(None)
    assert rule(empty) is empty
