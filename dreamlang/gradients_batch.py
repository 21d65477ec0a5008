"""Batched parameter-shift gradients: every sample and every shifted circuit of one step at once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from dreamlang.compiled import _runtime
from dreamlang.shift_rules import SHIFT

if TYPE_CHECKING:
    from dreamlang.gradients import GradientModel

__all__ = ["batch_forward", "batch_members", "batch_value_and_jacobian", "broadcast_shifts"]

Arrays = dict[str, np.ndarray]
Column = tuple[int, float] | None  # (slot, shift), or None for the unshifted circuit


def batch_value_and_jacobian(
    grad: GradientModel, inputs_batch: Sequence[dict[str, Any]], params: dict[str, Any], key: Any
) -> tuple[np.ndarray, Arrays]:
    """``value_and_jacobian`` of every sample, all circuits in few simulator calls:
    (values (B, outputs), name -> (B, outputs, *shape))."""
    full = grad._full(params)
    samples = _checked(grad, inputs_batch)
    plans = [grad._columns(x, full, key, True) for x in samples]
    values = batch_members(grad, samples, full, [cols for _, _, cols in plans], key)
    bases, jacobians = [], []
    for (inner, active, _), sample_values in zip(plans, values):
        base, jac = grad._chain(inner, active, sample_values, True)
        assert base is not None
        bases.append(grad._var(base))
        jacobians.append(jac)
    out = {
        name: np.stack([jac[name] for jac in jacobians])
        if jacobians
        else np.zeros((0, grad.output_size, *shape))
        for name, shape in grad.params.items()
    }
    return np.reshape(bases, (len(samples), grad.output_size)), out


def batch_forward(
    grad: GradientModel,
    inputs_batch: Sequence[dict[str, Any]],
    params: dict[str, Any],
    key: Any,
    head: bool,
) -> np.ndarray:
    """Each sample's measurements (var included), or with ``head`` its head outputs averaged
    over the ensemble's members like ``CompiledModel.forward``: (B, outputs)."""
    full = grad._full(params)
    samples = _checked(grad, inputs_batch)
    values = batch_members(grad, samples, full, [[None]] * len(samples), key)
    rows = []
    for sample_values in values:
        members = grad._var_members(sample_values[0])
        if head:
            layers, run = grad.model._plan.head, _runtime()._head
            rows.append(np.mean([run(m, full, layers) for m in members], axis=0))
        else:
            rows.append(members.mean(axis=0))
    width = grad.model._plan.output_size if head else grad.output_size
    return np.reshape(rows, (len(samples), width))


def batch_members(
    grad: GradientModel,
    samples: Sequence[Arrays],
    full: Arrays,
    columns: Sequence[Sequence[Column]],
    key: Any,
) -> list[np.ndarray]:
    """Per sample, (its columns, ensemble members, outputs) of the shifted model: every
    (sample, column) is one row of angles, and each circuit configuration of ``key`` (its
    mask, exact-mixture parts or ensemble members) is one engine call over all rows."""
    counts = [len(c) for c in columns]
    total = sum(counts)
    if total == 0:
        return [np.zeros((0, 1, grad.output_size)) for _ in samples]
    values: Arrays = {}
    for name in grad.model._plan.inputs:
        stacked = np.stack([np.asarray(x[name], dtype=np.float64) for x in samples])
        values[name] = np.repeat(stacked, counts, axis=0)
    for name, array in full.items():
        if name != SHIFT:
            values[name] = np.broadcast_to(array, (total, *array.shape))
    shifts = np.zeros((total, grad.slots))
    flat = [column for sample in columns for column in sample]
    for row, column in enumerate(flat):
        if column is not None:
            shifts[row, column[0]] = column[1]
    values[SHIFT] = shifts
    angles = grad.angle_model.angles(values)
    epoch, training, seed, step, mode = key
    members = grad.angle_model.members(angles, (epoch, training, seed, step), mode)
    return np.split(members, np.cumsum(counts)[:-1])


def _checked(grad: GradientModel, inputs_batch: Sequence[dict[str, Any]]) -> list[Arrays]:
    """Each sample's inputs as float64 arrays of the declared shapes (ValueError otherwise)."""
    declared = grad.model._plan.inputs
    return [_runtime()._arrays(x, declared, "input") for x in inputs_batch]


# ---- one sample, every shift: PennyLane parameter broadcasting (value_and_jacobian) ----


def broadcast_shifts(
    grad: GradientModel,
    inputs: dict[str, Any],
    params: Arrays,
    columns: list[tuple[int, float] | None],
    when: Any,
) -> np.ndarray:
    """PennyLane: every shift in one QNode call. ``grad.shift`` gets one column per shift, so
    each angle ``expr + grad.shift[k]`` is a broadcast vector; the runtime's _run still draws
    the masks and the exact mixture, with this batched terms function."""
    model, plan = grad.model, grad.model._plan
    shifts = np.zeros((grad.slots, len(columns)))
    for j, column in enumerate(columns):
        if column is not None:
            shifts[column[0], j] = column[1]
    batch = len(columns)

    def terms(inputs: Arrays, params: Arrays, **kwargs: Any) -> list[Any]:
        if not plan.terms:
            return []
        mixed = kwargs.pop("mixed") or None
        values = model.build_circuit(**kwargs, mixed=mixed)(inputs, params)
        out = []
        for value, term in zip(values, plan.terms):
            value = np.asarray(value, dtype=np.float64)
            if term.kind == "expval":  # a batch of numbers; identity words measure 1
                out.append(np.broadcast_to(value if term.factors else 1.0, (batch,)))
            else:  # (batch, 2**wires); a batch whose shifted gates were all dropped is one row
                out.append(np.broadcast_to(value, (batch, value.shape[-1])))
        return out

    epoch, training, seed, step, mode = when
    declared = (plan.inputs, {**plan.params, SHIFT: shifts.shape}, plan.measures, plan.dropout)
    members = _runtime()._run(
        terms,
        model._dropout_probabilities,
        declared,
        inputs,
        {**params, SHIFT: shifts},
        (epoch, training, seed, step),
        mode,
        plan.ensemble,
    )
    widths = [
        1 if kind == "expval" else 2 ** len(plan.terms[t].wires) for kind, t, _, _ in plan.measures
    ]
    return _unflatten(members, widths, batch)


def _unflatten(members: list[np.ndarray], widths: list[int], batch: int) -> np.ndarray:
    """(batch, members, outputs) from the runtime's flat rows, in which _measurements put each
    measurement's whole (batch, width) block in turn."""
    out = np.zeros((batch, len(members), sum(widths)))
    for m, flat in enumerate(members):
        start = row = 0
        for width in widths:
            block = np.asarray(flat[start : start + batch * width]).reshape(batch, width)
            out[:, m, row : row + width] = block
            start, row = start + batch * width, row + width
    return out
