"""Parameter-shift gradients of a model's measurements, on any target, derived from the IR."""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from dreamlang import ir
from dreamlang.compiled import CompiledModel, _looks_like_path, _runtime
from dreamlang.shift_rules import SHIFT, ShiftedProgram, expr_gradient, shifted_program

if TYPE_CHECKING:
    from dreamlang.batch_eval import AngleModel

__all__ = ["GradientModel", "gradient_model", "jacobian", "vjp"]

Arrays = dict[str, np.ndarray]


class GradientModel:
    """A program compiled once, with a shift slot per trainable gate angle, for one target.

    ``jacobian`` evaluates each slot's shifted circuits (2, or 4 for crx/cry/crz) with the same
    epoch, mode, seed and step, so every circuit of one gradient uses the same dropout mask,
    and chains the rules' derivatives with d(angle)/d(param) of the angle expressions.
    """

    def __init__(self, program: ir.Program, target: str):
        import dreamlang

        self.target = target
        self.program = program
        self.shifted: ShiftedProgram = shifted_program(program)
        # optimize=0: the optimizer could merge, fold or drop the shifted angles.
        self.model: CompiledModel = dreamlang.compile(self.shifted.program, target, optimize=0)
        model = program.model
        assert model is not None  # shifted_program checked it
        self.params: dict[str, tuple[int, ...]] = {p.name: p.shape for p in model.params}
        self.output_size = sum(_rows(m) for m in model.measurements)
        self._broadcasting = True  # PennyLane: evaluate the shifts as one batch
        self._last_mask: tuple[Any, frozenset[int]] = (None, frozenset())

    @property
    def slots(self) -> int:
        return len(self.shifted.slots)

    def expectations(self, inputs: dict[str, Any], params: dict[str, Any], **when: Any) -> Any:
        """The original program's measurements (var included), from the shifted model."""
        return self._var(self._evaluate(inputs, self._full(params), None, _when(**when)))

    def jacobian(
        self,
        inputs: dict[str, Any],
        params: dict[str, Any],
        *,
        epoch: int = 0,
        training: bool = False,
        seed: int | None = None,
        step: int = 0,
        mode: str = "sampled",
    ) -> Arrays:
        """d(expectations)/d(param) per declared parameter: shape (outputs, *param shape).

        >>> g = GradientModel(_demo(), "qiskit")
        >>> jac = g.jacobian({}, {"w": np.array([0.5])})
        >>> bool(abs(jac["w"][0, 0] + np.sin(0.5)) < 1e-12)  # d cos(w) / dw
        True
        """
        key = _when(epoch=epoch, training=training, seed=seed, step=step, mode=mode)
        full = self._full(params)
        # The unshifted circuit is only needed for var's chain rule.
        return self._jacobian(inputs, full, key, bool(self.shifted.var_rows))[1]

    def value_and_jacobian(
        self, inputs: dict[str, Any], params: dict[str, Any], **when: Any
    ) -> tuple[np.ndarray, Arrays]:
        """The expectations and their jacobian (keywords as in ``jacobian``), with one mask."""
        base, jac = self._jacobian(inputs, self._full(params), _when(**when), True)
        assert base is not None
        return self._var(base), jac

    def batch_value_and_jacobian(
        self, inputs_batch: Sequence[dict[str, Any]], params: dict[str, Any], **when: Any
    ) -> tuple[np.ndarray, Arrays]:
        """``value_and_jacobian`` of every sample with one ``when`` (one dropout mask), every
        circuit of every sample in as few simulator calls as the target allows:
        (values (B, outputs), name -> (B, outputs, *shape)). See docs/gradients.md."""
        from dreamlang.gradients_batch import batch_value_and_jacobian

        return batch_value_and_jacobian(self, inputs_batch, params, _when(**when))

    def batch_expectations(
        self, inputs_batch: Sequence[dict[str, Any]], params: dict[str, Any], **when: Any
    ) -> np.ndarray:
        """``expectations`` of every sample, batched: (B, outputs)."""
        from dreamlang.gradients_batch import batch_forward

        return batch_forward(self, inputs_batch, params, _when(**when), head=False)

    def batch_forward(
        self, inputs_batch: Sequence[dict[str, Any]], params: dict[str, Any], **when: Any
    ) -> np.ndarray:
        """``CompiledModel.forward`` of every sample (head parameters needed), batched."""
        from dreamlang.gradients_batch import batch_forward

        return batch_forward(self, inputs_batch, params, _when(**when), head=True)

    @functools.cached_property
    def angle_model(self) -> AngleModel:
        """The shifted program with one flat angle vector, for the batched methods."""
        from dreamlang.batch_eval import AngleModel

        return AngleModel(self.shifted.program, self.target)

    def _jacobian(
        self, inputs: dict[str, Any], full: Arrays, key: Any, with_base: bool
    ) -> tuple[np.ndarray | None, Arrays]:
        """(the unshifted measurements per member if ``with_base``, the jacobian)."""
        inner, active, columns = self._columns(inputs, full, key, with_base)
        values = self._evaluate_many(inputs, full, columns, key)
        return self._chain(inner, active, values, with_base)

    def _columns(
        self, inputs: dict[str, Any], full: Arrays, key: Any, with_base: bool
    ) -> tuple[list[Any], list[int], list[tuple[int, float] | None]]:
        """Each slot's inner gradient, the slots that need circuits, and the shifts to run
        (None: the unshifted circuit, last)."""
        slots = self.shifted.slots
        inner = [expr_gradient(s.expr, inputs, full)[1] for s in slots]
        # A slot whose angle has zero gradient here needs no circuits.
        dropped = self._dropped(key)  # a dropped gate's slot has derivative 0 too
        active = [k for k in range(len(slots)) if inner[k] and slots[k].op not in dropped]
        columns: list[tuple[int, float] | None] = [
            (k, shift) for k in active for _, shift in slots[k].rule.terms
        ]
        return inner, active, [*columns, None] if with_base else columns

    def _chain(
        self, inner: list[Any], active: list[int], values: np.ndarray, with_base: bool
    ) -> tuple[np.ndarray | None, Arrays]:
        """The rules and the chain rule on the columns' measurements (columns, members,
        outputs): (the unshifted measurements if ``with_base``, the jacobian)."""
        slots = self.shifted.slots
        base = values[-1] if with_base else None  # (ensemble members, outputs)
        members = values.shape[1] if len(values) else 1
        flat = {
            name: np.zeros((members, self.output_size, _size(s))) for name, s in self.params.items()
        }
        column = 0
        for k in active:
            terms = slots[k].rule.terms
            derivative = sum(c * values[column + j] for j, (c, _) in enumerate(terms))
            column += len(terms)
            for (name, index), factor in inner[k].items():
                flat[name][..., index] += factor * derivative
        rows = list(self.shifted.var_rows)
        jac = {}
        for name, s in self.params.items():
            if rows:  # d var = d(1 - <P>^2) = -2 <P> d<P>, per ensemble member
                assert base is not None
                flat[name][:, rows] *= -2.0 * base[:, rows, None]
            jac[name] = flat[name].mean(axis=0).reshape(self.output_size, *s)
        return base, jac

    def _dropped(self, when: Any) -> frozenset[int]:
        """The ops that sampled training drops at ``when`` (none in other modes, and none with
        an ensemble, whose members drop different gates)."""
        epoch, training, seed, step, mode = when
        plan = self.model._plan
        if not (training and mode == "sampled" and plan.dropout and plan.ensemble <= 1):
            return frozenset()
        if self._last_mask[0] != when:  # a batch asks once per sample for the same mask
            probs, layer_probs = self.model._dropout_probabilities(epoch)
            mask = _runtime()._dropout_mask(plan.dropout, probs, layer_probs, (seed, epoch, step))
            self._last_mask = (when, frozenset(mask))
        return self._last_mask[1]

    def vjp(
        self, upstream: Any, inputs: dict[str, Any], params: dict[str, Any], **when: Any
    ) -> Arrays:
        """sum_i upstream[i] * d(expectations[i])/d(param), per parameter (its own shape): the
        gradient of a loss whose gradient in the expectations is ``upstream``."""
        vector = np.asarray(upstream, dtype=np.float64).reshape(-1)
        jac = self.jacobian(inputs, params, **when)
        return {name: np.tensordot(vector, j, axes=1) for name, j in jac.items()}

    gradient = vjp

    def _full(self, params: dict[str, Any]) -> Arrays:
        """The user's parameters plus zeros for any head parameter left out (the measurements
        do not depend on the head) and for the shift vector."""
        out: Arrays = {}
        for name, shape in self.model.params.items():
            given = None if name == SHIFT else params.get(name)
            out[name] = np.zeros(shape) if given is None else np.asarray(given, dtype=np.float64)
        return out

    def _evaluate(
        self, inputs: dict[str, Any], params: Arrays, shift: tuple[int, float] | None, when: Any
    ) -> np.ndarray:
        if shift is not None:
            vector = np.zeros(self.slots)
            vector[shift[0]] = shift[1]
            params = {**params, SHIFT: vector}
        epoch, training, seed, step, mode = when
        # Each ensemble member's measurements (one row without 'ensemble'): var needs them.
        members = self.model._members(inputs, params, (epoch, training, seed, step), mode)
        return np.asarray(members, dtype=np.float64).reshape(len(members), -1)

    def _evaluate_many(
        self,
        inputs: dict[str, Any],
        params: Arrays,
        columns: list[tuple[int, float] | None],
        when: Any,
    ) -> np.ndarray:
        """_evaluate for each shift (None: unshifted): (columns, ensemble members, outputs).
        PennyLane runs them as one broadcast batch; if broadcasting fails, one by one."""
        # Exact dropout's channels (QubitChannel of the gate's matrix) do not broadcast.
        exact = when[1] and when[4] == "exact" and self.model._plan.dropout
        if self.target == "pennylane" and self._broadcasting and not exact and len(columns) > 1:
            # Chunks of at most ~256 MiB of complex128 density matrices.
            size = max(2, 2**24 // 4**self.model._plan.num_qubits)
            chunks = [columns[i : i + size] for i in range(0, len(columns), size)]
            from dreamlang.gradients_batch import broadcast_shifts

            try:
                return np.concatenate(
                    [broadcast_shifts(self, inputs, params, chunk, when) for chunk in chunks]
                )
            except Exception:  # an op or device without broadcasting: the general path
                self._broadcasting = False
        if not columns:
            return np.zeros((0, 1, self.output_size))
        return np.stack([self._evaluate(inputs, params, c, when) for c in columns])

    def _var(self, members: np.ndarray) -> np.ndarray:
        """The original measurements, averaged over the members, from the shifted ones."""
        return self._var_members(members).mean(axis=0)  # type: ignore[no-any-return]

    def _var_members(self, members: np.ndarray) -> np.ndarray:
        """Each member's original measurements (var rows from their expval), from the shifted."""
        out = members.copy()
        rows = list(self.shifted.var_rows)
        out[:, rows] = 1.0 - members[:, rows] ** 2
        return out

    def __repr__(self) -> str:
        return f"<GradientModel {self.model.name!r} for {self.target}: {self.slots} slots>"


def _when(
    *,
    epoch: int = 0,
    training: bool = False,
    seed: int | None = None,
    step: int = 0,
    mode: str = "sampled",
) -> tuple[int, bool, int | None, int, str]:
    if mode not in ("sampled", "exact"):
        raise ValueError(f"mode must be 'sampled' or 'exact', not {mode!r}")
    if seed is None and training:
        # One fresh seed for every shifted circuit of this gradient: the same dropout mask.
        seed = int(np.random.default_rng().integers(2**62))
    return epoch, training, seed, step, mode


def _size(shape: tuple[int, ...]) -> int:
    return int(np.prod(shape, dtype=np.int64))


def _rows(m: ir.Measurement) -> int:
    return 2 ** len(m.wires) if m.kind == "probs" else 1


@functools.lru_cache(maxsize=16)
def _cached(program: ir.Program, target: str) -> GradientModel:
    return GradientModel(program, target)


def gradient_model(
    model_or_source: CompiledModel | ir.Program | str | os.PathLike[str],
    target: str | None = None,
) -> GradientModel:
    """A cached GradientModel for a compiled model, a Program, source text or a path."""
    from dreamlang import api

    source = model_or_source
    if isinstance(source, CompiledModel):
        program, target = source.program, target or source.target
    elif isinstance(source, ir.Program):
        program = source
    elif isinstance(source, os.PathLike) or _looks_like_path(source):
        program = api.load(source)
    else:
        program = api.parse(source)
    if target is None:
        raise ValueError("pass target= (pennylane, qiskit or cirq)")
    try:
        return _cached(program, target)
    except TypeError:  # an unhashable program (a hand-built IR with lists): not cached
        return GradientModel(program, target)


def jacobian(
    model_or_source: CompiledModel | ir.Program | str | os.PathLike[str],
    inputs: dict[str, Any],
    params: dict[str, Any],
    *,
    target: str | None = None,
    epoch: int = 0,
    training: bool = False,
    seed: int | None = None,
    step: int = 0,
    mode: str = "sampled",
) -> Arrays:
    """d(expectations)/d(param), shape (outputs, *param shape), per declared parameter, by the
    parameter-shift rules on ``target``'s own simulator (the compiled model is cached)."""
    return gradient_model(model_or_source, target).jacobian(
        inputs, params, epoch=epoch, training=training, seed=seed, step=step, mode=mode
    )


def vjp(
    model_or_source: CompiledModel | ir.Program | str | os.PathLike[str],
    upstream: Any,
    inputs: dict[str, Any],
    params: dict[str, Any],
    *,
    target: str | None = None,
    **when: Any,
) -> Arrays:
    """``upstream`` contracted with the jacobian: each parameter's gradient, in its shape."""
    return gradient_model(model_or_source, target).vjp(upstream, inputs, params, **when)


def _demo() -> ir.Program:
    """ry(w[0]) on one qubit, measuring <Z> = cos(w[0]): for the doctest."""
    w = ir.ParamRef("w", (0,))
    model = ir.Model(
        "demo",
        1,
        (),
        (ir.ParamDecl("w", (1,), ir.Initializer("zeros", ())),),
        (ir.Operation("ry", (0,), (w,)),),
        (ir.Measurement("expval", ir.PauliTerm((("Z", 0),)), (0,)),),
        (),
    )
    return ir.Program(model)
