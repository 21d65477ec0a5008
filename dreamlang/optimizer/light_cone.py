"""Drop the operations that no measurement can see."""

from __future__ import annotations

from collections.abc import Sequence

from dreamlang import ir

from .common import Context, is_channel, with_ops

__all__ = ["DIAGONAL", "rule"]

# Gates diagonal in the computational basis, whatever their angles.
DIAGONAL = frozenset(
    {"i", "z", "s", "sdg", "t", "tdg", "rz", "phase", "cz", "crz", "cphase", "rzz"}
)


def _read_wires(measurement: ir.Measurement) -> set[int]:
    """The wires a measurement's value depends on: its observable's non-I factors, or its wires."""
    if measurement.observable is not None:
        return {wire for letter, wire in measurement.observable.factors if letter != "I"}
    return set(measurement.wires)


def _other_basis_wires(measurements: Sequence[ir.Measurement]) -> set[int]:
    """The wires some measurement reads outside the computational basis (an X or Y factor): a
    final diagonal gate elsewhere changes no measurement."""
    return {
        wire
        for m in measurements
        if m.observable is not None
        for letter, wire in m.observable.factors
        if letter not in "ZI"
    }


def _prune(ops: Sequence[ir.Operation], live: set[int]) -> list[ir.Operation]:
    """The ops that touch a live wire, walking back from the end; each kept op's wires become live."""
    live = set(live)
    kept: list[ir.Operation] = []
    for op in reversed(ops):
        if not live.isdisjoint(op.wires):
            kept.append(op)
            live.update(op.wires)
    kept.reverse()
    return kept


def _drop_final_diagonals(ops: Sequence[ir.Operation], other: set[int]) -> list[ir.Operation]:
    """Without the diagonal gates off the ``other`` wires that no later op touches: one walk
    back, where a dropped gate no longer hides the gates before it."""
    kept: list[ir.Operation | None] = list(ops)
    blocked = set(other)  # the other wires, and the wires with a kept op after the current one
    for index in range(len(ops) - 1, -1, -1):
        op = ops[index]
        if op.name in DIAGONAL and blocked.isdisjoint(op.wires) and not is_channel(op):
            kept[index] = None
            continue
        blocked.update(op.wires)
    return [op for op in kept if op is not None]


def rule(program: ir.Program, *, context: Context | None = None) -> ir.Program:
    """Drop every operation that cannot affect a measurement.

    Walking back from the last operation, an op is kept when it touches a live wire, and then
    all its wires become live; the measurements' wires start live (an expval or var reads the
    wires of its non-I factors). A diagonal gate (``i z s sdg t tdg rz phase cz crz cphase
    rzz``) with no later op on its wires is also dropped when every measurement reads its wires
    in the computational basis (Z or I factors, or probs and samples of wires). Both repeat
    until nothing changes. A model without measurements is left as it is.

    >>> import dreamlang
    >>> src = "model m { qubits 3\\n param w[2]\\n h on 0\\n cnot on [0, 1]\\n rx(w[0]) on 2\\n rz(w[1]) on 1\\n measure expval Z on 1 }"
    >>> [(op.name, op.wires) for op in rule(dreamlang.parse(src)).model.ops]
    [('h', (0,)), ('cnot', (0, 1))]
    """
    model = program.model
    if model is None or not model.measurements:
        return program
    live = set().union(*(_read_wires(m) for m in model.measurements))
    other = _other_basis_wires(model.measurements)
    ops = list(model.ops)
    while True:
        pruned = _prune(ops, live)
        ops = _drop_final_diagonals(pruned, other)
        # Pruning is idempotent: only a dropped diagonal gate can leave more to prune.
        if len(ops) == len(pruned):
            break
    return with_ops(program, ops)
