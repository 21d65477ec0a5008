"""The PennyLane target: a QNode ``circuit(inputs, params)`` on default.qubit or default.mixed."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

import numpy as np
import pennylane as qml

from dreamlang import ir

from . import pennylane_runtime, unsupported
from .exprs import FUNCTIONS, epoch_value, evaluate, to_source
from .pennylane_lowering import (
    GATE_OPS,
    Native,
    channel_op,
    channel_source,
    measurement,
    measurement_source,
    observable,
)
from .pennylane_runtime import _pl_mixed_unitary
from .plan import NativeTerm, Plan, PlannedOp
from .pymodule import PythonBackend, Runner, Writer, inlined_source, value_source

__all__ = ["PennyLaneBackend", "PennyLaneRunner"]

_QML_MATH = {name: getattr(qml.math, name) for name in FUNCTIONS}

Arrays = dict[str, Any]
Step = Callable[[Arrays, Arrays], Any]  # queues its operation, and returns it


def _device_name(plan: Plan, mixed: Mapping[int, float] | None = None) -> str:
    # Both simulate in complex128; default.mixed evolves density matrices, so channels work.
    return "default.mixed" if plan.noisy or mixed else "default.qubit"


def _gate(op: ir.Operation) -> Native:
    native = GATE_OPS.get(op.name)
    if native is None:
        unsupported(op, f"the PennyLane target has no lowering for '{op.name}'")
    return native


def _is_identity(term: NativeTerm) -> bool:
    return term.kind == "expval" and not term.factors


# ---- generated module ----


def _symbol_source(ref: ir.InputRef | ir.ParamRef) -> str:
    """``inputs['x'][0]`` or ``params['theta'][0, 1, 2]``: the user's name only as a repr'd key."""
    table = "inputs" if isinstance(ref, ir.InputRef) else "params"
    index = f"[{', '.join(str(i) for i in ref.index)}]" if ref.index else ""
    return f"{table}[{ref.name!r}]{index}"


def _angle_source(expr: ir.Expr) -> str:
    return to_source(expr, _symbol_source, lambda f, a: f"qml.math.{f}({a})")


def _op_source(planned: PlannedOp) -> str:
    op = planned.op
    if planned.is_channel:
        return channel_source(op.name, [value_source(e) for e in op.params], op.wires)
    return _gate(op).source([_angle_source(e) for e in op.params], op.wires)


def _emit_droppable(planned: PlannedOp, out: Writer) -> None:
    """A droppable gate: left out when dropped, its exact-dropout channel when mixed."""
    out.line(f"if {planned.index} in mixed:")
    with out.indent():
        out.line(f"_pl_mixed_unitary(mixed[{planned.index}], {_op_source(planned)})")
    out.line(f"elif {planned.index} not in dropped:")
    with out.indent():
        out.line(_op_source(planned))


def _guard(planned: PlannedOp) -> str | None:
    return "if training:" if planned.training_only else None


def _emit_ops(plan: Plan, out: Writer) -> None:
    """One line per op; consecutive ops under the same condition share one ``if``."""
    ops = list(plan.ops)
    start = 0
    while start < len(ops):
        guard = _guard(ops[start])
        if ops[start].droppable:
            _emit_droppable(ops[start], out)
            start += 1
            continue
        end = start + 1
        while guard is not None and end < len(ops) and _guard(ops[end]) == guard:
            end += 1
        if guard is None:
            out.line(_op_source(ops[start]))
        else:
            out.line(guard)
            with out.indent():
                for planned in ops[start:end]:
                    out.line(_op_source(planned))
        start = end


def _emit_build_circuit(plan: Plan, out: Writer) -> None:
    out.line(
        "def build_circuit(\n    *, epoch: int = 0, training: bool = False, dropped: Any = (), "
        "mixed: Any = None\n) -> Any:"
    )
    with out.indent():
        out.line('"""The QNode circuit(inputs, params) for one epoch, mode and dropout mask."""')
        out.line("mixed = mixed or {}")
        if plan.noisy:
            out.line(f"device = qml.device('default.mixed', wires={plan.num_qubits})")
        else:
            device = "'default.mixed' if mixed else 'default.qubit'"
            out.line(f"device = qml.device({device}, wires={plan.num_qubits})")
        out.line()
        out.line("@qml.qnode(device)")
        out.line("def circuit(inputs: dict[str, Any], params: dict[str, Any]) -> Any:")
        with out.indent():
            _emit_ops(plan, out)
            if len(plan.terms) == 1:
                out.line(f"return [{measurement_source(plan.terms[0])}]")
            elif plan.terms:
                out.line("return [")
                with out.indent():
                    for term in plan.terms:
                        out.line(measurement_source(term) + ",")
                out.line("]")
            else:  # PennyLane needs a measurement; the state stands in for none
                out.line("return qml.state()")
        out.line()
        out.line("return circuit")


def _term_source(index: int, term: NativeTerm) -> str:
    if _is_identity(term):
        return "1.0"  # the expectation of the identity, exactly
    if term.kind == "expval":
        return f"float(values[{index}])"
    return f"np.asarray(values[{index}], dtype=np.float64)"


def _emit_terms(plan: Plan, out: Writer) -> None:
    out.line()
    out.line()
    out.line("# Inference QNodes (training off, nothing dropped) by epoch, reused across calls.")
    out.line("_EVAL_CIRCUITS: dict[int, Any] = {}")
    out.line()
    out.line()
    out.line("def _circuit(epoch: int, training: bool, dropped: Any, mixed: Any) -> Any:")
    with out.indent():
        out.line('"""The QNode for one call; the inference one is built once per epoch."""')
        out.line("if training or dropped or mixed:")
        with out.indent():
            out.line("kwargs = {'training': training, 'dropped': dropped, 'mixed': mixed}")
            out.line("return build_circuit(epoch=epoch, **kwargs)")
        out.line("if epoch not in _EVAL_CIRCUITS:")
        with out.indent():
            out.line("_EVAL_CIRCUITS[epoch] = build_circuit(epoch=epoch)")
        out.line("return _EVAL_CIRCUITS[epoch]")
    out.line()
    out.line()
    out.line(
        "def _terms(inputs: dict[str, Any], params: dict[str, Any], *, epoch: int, "
        "training: bool, dropped: Any, mixed: Any = None) -> list[Any]:"
    )
    with out.indent():
        out.line(
            '"""The native terms from PennyLane: floats for expectations, arrays for probs."""'
        )
        if not plan.terms:
            out.line("return []")
            return
        out.line("values = _circuit(epoch, training, dropped, mixed)(inputs, params)")
        out.line(f"return [{', '.join(_term_source(i, t) for i, t in enumerate(plan.terms))}]")


# ---- in memory ----


def _symbol(inputs: Arrays, params: Arrays) -> Callable[[ir.InputRef | ir.ParamRef], Any]:
    def symbol(ref: ir.InputRef | ir.ParamRef) -> Any:
        array = (inputs if isinstance(ref, ir.InputRef) else params)[ref.name]
        return array[ref.index] if ref.index else array

    return symbol


def _gate_step(op: ir.Operation) -> Step:
    """Apply a gate inside a QNode, its angles computed from the call's arrays with qml.math."""
    native = _gate(op)

    def step(inputs: Arrays, params: Arrays) -> Any:
        symbol = _symbol(inputs, params)
        return native.apply([evaluate(e, symbol, _QML_MATH) for e in op.params], op.wires)

    return step


def _channel_step(op: ir.Operation, epoch: int) -> Step:
    values = [epoch_value(e, epoch) for e in op.params]

    def step(inputs: Arrays, params: Arrays) -> None:
        channel_op(op.name, values, op.wires)

    return step


def _mixed_step(gate: Step, q: float) -> Step:
    """The gate as its exact-dropout channel (dropped with probability q, averaged)."""

    def step(inputs: Arrays, params: Arrays) -> None:
        _pl_mixed_unitary(q, gate(inputs, params))

    return step


class PennyLaneRunner(Runner):
    """QNodes built from the plan with the same lowering table as the generated module."""

    def __init__(self, plan: Plan):
        self._plan = plan
        self._gates = {p.index: _gate_step(p.op) for p in plan.ops if not p.is_channel}
        self._eval: dict[int, Any] = {}
        self.observables = tuple(
            observable(t.factors) if t.kind == "expval" else None for t in plan.terms
        )
        self.circuit = self._circuit(0, False, frozenset(), {})

    def _steps(
        self, epoch: int, training: bool, dropped: Collection[int], mixed: Mapping[int, float]
    ) -> list[Step]:
        steps = []
        for p in self._plan.ops:
            if (p.droppable and p.index in dropped) or (p.training_only and not training):
                continue
            if p.index in mixed:
                steps.append(_mixed_step(self._gates[p.index], mixed[p.index]))
            else:
                steps.append(_channel_step(p.op, epoch) if p.is_channel else self._gates[p.index])
        return steps

    def _qnode(
        self, steps: list[Step], measure: Callable[[], Any], mixed: Mapping[int, float]
    ) -> Any:
        device = qml.device(_device_name(self._plan, mixed), wires=self._plan.num_qubits)

        def circuit(inputs: Arrays, params: Arrays) -> Any:
            for step in steps:
                step(inputs, params)
            return measure()

        return qml.QNode(circuit, device)

    def _measure(self) -> Any:
        if not self._plan.terms:
            return qml.state()
        return [measurement(t) for t in self._plan.terms]

    def build_circuit(
        self,
        *,
        epoch: int = 0,
        training: bool = False,
        dropped: frozenset[int] = frozenset(),
        mixed: dict[int, float] | None = None,
    ) -> Any:
        mixed = mixed or {}
        return self._qnode(self._steps(epoch, training, dropped, mixed), self._measure, mixed)

    def _circuit(
        self, epoch: int, training: bool, dropped: frozenset[int], mixed: dict[int, float]
    ) -> Any:
        if training or dropped or mixed:
            return self.build_circuit(epoch=epoch, training=training, dropped=dropped, mixed=mixed)
        if epoch not in self._eval:
            self._eval[epoch] = self.build_circuit(epoch=epoch)
        return self._eval[epoch]

    def terms(
        self,
        inputs: dict[str, Any],
        params: dict[str, Any],
        *,
        epoch: int,
        training: bool,
        dropped: frozenset[int],
        mixed: dict[int, float] | None = None,
    ) -> list[Any]:
        if not self._plan.terms:
            return []
        values = self._circuit(epoch, training, dropped, mixed or {})(inputs, params)
        out: list[Any] = []
        for value, term in zip(values, self._plan.terms):
            if _is_identity(term):
                out.append(1.0)
            elif term.kind == "expval":
                out.append(float(value))
            else:
                out.append(np.asarray(value, dtype=np.float64))
        return out

    def state(
        self,
        inputs: dict[str, Any],
        params: dict[str, Any],
        *,
        epoch: int = 0,
        training: bool = False,
        dropped: frozenset[int] = frozenset(),
        mixed: dict[int, float] | None = None,
    ) -> Any:
        mixed = mixed or {}
        qnode = self._qnode(self._steps(epoch, training, dropped, mixed), qml.state, mixed)
        return np.asarray(qnode(inputs, params), dtype=np.complex128)


class PennyLaneBackend(PythonBackend):
    """Emits a module whose build_circuit() returns a PennyLane QNode."""

    name = "pennylane"
    imports = ("import pennylane as qml",)

    def emit_circuit(self, plan: Plan, out: Writer) -> None:
        out.lines.extend(inlined_source(pennylane_runtime).splitlines())
        out.line()
        out.line()
        _emit_build_circuit(plan, out)
        _emit_terms(plan, out)

    def runner(self, plan: Plan) -> Runner:
        return PennyLaneRunner(plan)
