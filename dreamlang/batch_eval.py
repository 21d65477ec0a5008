"""Batched evaluation: many (inputs, params) bindings of one model in few simulator calls."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from dreamlang import ir
from dreamlang.batch_engines import Config
from dreamlang.compiled import CompiledModel, _runtime

__all__ = ["ANGLES", "AngleModel", "angle_program", "configurations"]

# The one parameter vector of the angle program: gate angle i is ``grad.angles[i]``. '.' is
# not allowed in a .dream identifier, so it cannot clash with a user's name (like grad.shift).
ANGLES = "grad.angles"

# Runs one circuit configuration for every row of angles: (model, angles (rows, n), the
# configuration) -> the plan's native terms, each (rows,) or (rows, 2**wires).
Engine = Callable[[CompiledModel, np.ndarray, Config], list[Any]]


def angle_program(program: ir.Program) -> tuple[ir.Program, tuple[ir.Expr, ...]]:
    """The program with every gate angle that depends on an input or a parameter replaced by
    its own element of ``grad.angles``, and those angle expressions in order.

    Samples, parameters and shifts then differ only in the numbers bound to one flat vector, so
    one symbolic circuit per dropout configuration serves a whole batch. Op indices, tags and
    channels are unchanged, so the dropout coins and noise schedules are the same.
    """
    model = program.model
    if model is None:
        raise ValueError(f"{program.filename} defines no model")
    exprs: list[ir.Expr] = []
    ops = []
    for op in model.ops:
        params: list[ir.Expr] = []
        for expr in op.params:
            if ir.free_symbols(expr):
                params.append(ir.ParamRef(ANGLES, (len(exprs),)))
                exprs.append(expr)
            else:
                params.append(expr)
        ops.append(dataclasses.replace(op, params=tuple(params)))
    decls = (ir.ParamDecl(ANGLES, (len(exprs),), ir.Initializer("zeros", ())),) if exprs else ()
    angled = dataclasses.replace(model, inputs=(), params=decls, ops=tuple(ops))
    return dataclasses.replace(program, model=angled), tuple(exprs)


def angle_values(
    exprs: Sequence[ir.Expr], values: dict[str, np.ndarray], shapes: dict[str, tuple[int, ...]]
) -> np.ndarray:
    """(rows, len(exprs)): each angle for every row, evaluated with numpy on whole columns
    (the same float64 operations as the targets' per-sample evaluation).

    ``values`` holds one row per binding, flattened: name -> (rows, size) for every input and
    parameter; ``shapes`` their declared shapes, into which the refs index.
    """
    from dreamlang.backends.exprs import NUMPY_FUNCTIONS, evaluate

    rows = len(next(iter(values.values()))) if values else 0

    def symbol(ref: ir.InputRef | ir.ParamRef) -> Any:
        flat = int(np.ravel_multi_index(ref.index, shapes[ref.name])) if ref.index else 0
        return values[ref.name][:, flat]

    out = np.zeros((rows, len(exprs)))
    for i, expr in enumerate(exprs):
        out[:, i] = evaluate(expr, symbol, NUMPY_FUNCTIONS)
    return out


class AngleModel:
    """A program compiled as its angle program for one target, with the batched runtime."""

    def __init__(self, program: ir.Program, target: str):
        import dreamlang
        from dreamlang.batch_engines import engine_for

        angled, self.exprs = angle_program(program)
        model = program.model
        assert model is not None
        self.shapes = {d.name: d.shape for d in model.inputs}
        self.shapes.update({d.name: d.shape for d in model.params})
        # optimize=0: op indices (dropout coins) must stay those of the program.
        self.model: CompiledModel = dreamlang.compile(angled, target, optimize=0)
        self.engine: Engine = engine_for(target)

    def angles(self, values: dict[str, np.ndarray]) -> np.ndarray:
        """(rows, angles) from name -> (rows, *shape): every input and parameter, per row."""
        flat = {k: np.reshape(v, (len(v), -1)) for k, v in values.items() if k in self.shapes}
        return angle_values(self.exprs, flat, self.shapes)

    def members(self, angles: np.ndarray, when: tuple[Any, ...], mode: str) -> np.ndarray:
        """(rows, ensemble members, outputs): ``_runtime._run`` for every row of angles, with
        one engine call per circuit configuration (mask, exact-mixture part or member)."""
        epoch, training, _, _ = when
        out = []
        for parts in configurations(self.model, when, mode):
            total: list[Any] | None = None
            for weight, dropped, mixed in parts:
                terms = self._terms(angles, Config(epoch, training, dropped, mixed))
                if weight is None:
                    total = terms
                else:  # exact mode: the mixture's terms are the weighted sums (linear in rho)
                    base = total or [0.0 * t for t in terms]
                    total = [b + weight * t for b, t in zip(base, terms)]
            assert total is not None
            out.append(_measurements(total, self.model._plan.measures, len(angles)))
        return np.stack(out, axis=1)

    def _terms(self, angles: np.ndarray, config: Config) -> list[np.ndarray]:
        plan = self.model._plan
        if not plan.terms:
            return []
        # Chunks of at most ~64 MiB of complex128 states (density matrices when noisy).
        width = 4**plan.num_qubits if plan.noisy or config.mixed else 2**plan.num_qubits
        size = max(1, 2**22 // width)
        chunks = [angles[i : i + size] for i in range(0, len(angles), size)]
        parts = [self.engine(self.model, c, config) for c in chunks]
        return [np.concatenate([np.asarray(p[t]) for p in parts]) for t in range(len(plan.terms))]


def configurations(
    model: CompiledModel, when: tuple[Any, ...], mode: str
) -> list[list[tuple[float | None, frozenset[int], dict[int, float]]]]:
    """Per ensemble member, the circuits to run and their weights (None: the only one),
    decided exactly as ``_runtime._run`` decides them."""
    plan, rt = model._plan, _runtime()
    epoch, training, seed, step = when
    plain: list[tuple[float | None, frozenset[int], dict[int, float]]] = [(None, frozenset(), {})]
    if not plan.dropout or (mode == "sampled" and not training and plan.ensemble <= 1):
        return [plain]
    probs, layer_probs = model._dropout_probabilities(epoch)
    if mode == "exact":
        if not training:
            return [plain]
        mixture = rt._exact_mixture(plan.dropout, probs, layer_probs)
        return [[(w, d, m) for w, d, m in mixture]]
    if plan.ensemble > 1:
        masks = [
            rt._member_mask(plan.dropout, probs, layer_probs, seed, k) for k in range(plan.ensemble)
        ]
    else:
        masks = [rt._dropout_mask(plan.dropout, probs, layer_probs, (seed, epoch, step))]
    return [[(None, mask, {})] for mask in masks]


def _measurements(terms: list[Any], measures: tuple[Any, ...], rows: int) -> np.ndarray:
    """(rows, outputs): ``_runtime._measurements`` for every row (expval, probs and var)."""
    out = []
    for kind, term, _, _ in measures:
        value = np.asarray(terms[term], dtype=np.float64).reshape(rows, -1)
        if kind == "expval" or kind == "probs":
            out.append(value)
        elif kind == "var":
            out.append(1.0 - value * value)
        else:
            raise ValueError("sample measurements are random draws: evaluate them one by one")
    return np.concatenate(out, axis=1) if out else np.zeros((rows, 0))
