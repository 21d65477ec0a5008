"""The PennyLane target: a QNode ``circuit(inputs, params)`` on default.qubit or default.mixed."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

import numpy as np
import pennylane as qml

from dreamlang import ir

from . import unsupported
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
from .plan import NativeTerm, Plan, PlannedOp
from .pymodule import PythonBackend, Runner, Writer, value_source

__all__ = ["PennyLaneBackend", "PennyLaneRunner"]

_QML_MATH = {name: getattr(qml.math, name) for name in FUNCTIONS}

Arrays = dict[str, Any]
Step = Callable[[Arrays, Arrays], None]


def _device_name(plan: Plan) -> str:
    # Both simulate in complex128; default.mixed evolves density matrices, so channels work.
    return "default.mixed" if plan.noisy else "default.qubit"


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


def _guard(planned: PlannedOp) -> str | None:
    if planned.droppable:
        return f"if {planned.index} not in dropped:"
    return "if training:" if planned.training_only else None


def _emit_ops(plan: Plan, out: Writer) -> None:
    """One line per op; consecutive ops under the same condition share one ``if``."""
    ops = list(plan.ops)
    start = 0
    while start < len(ops):
        guard = _guard(ops[start])
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
        "def build_circuit(*, epoch: int = 0, training: bool = False, dropped: Any = ()) -> Any:"
    )
    with out.indent():
        out.line('"""The QNode circuit(inputs, params) for one epoch, mode and dropout mask."""')
        out.line(f"device = qml.device({_device_name(plan)!r}, wires={plan.num_qubits})")
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
    out.line("def _circuit(epoch: int, training: bool, dropped: Any) -> Any:")
    with out.indent():
        out.line('"""The QNode for one call; the inference one is built once per epoch."""')
        out.line("if training or dropped:")
        with out.indent():
            out.line("return build_circuit(epoch=epoch, training=training, dropped=dropped)")
        out.line("if epoch not in _EVAL_CIRCUITS:")
        with out.indent():
            out.line("_EVAL_CIRCUITS[epoch] = build_circuit(epoch=epoch)")
        out.line("return _EVAL_CIRCUITS[epoch]")
    out.line()
    out.line()
    out.line(
        "def _terms(inputs: dict[str, Any], params: dict[str, Any], *, epoch: int, "
        "training: bool, dropped: Any) -> list[Any]:"
    )
    with out.indent():
        out.line(
            '"""The native terms from PennyLane: floats for expectations, arrays for probs."""'
        )
        if not plan.terms:
            out.line("return []")
            return
        out.line("values = _circuit(epoch, training, dropped)(inputs, params)")
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

    def step(inputs: Arrays, params: Arrays) -> None:
        symbol = _symbol(inputs, params)
        native.apply([evaluate(e, symbol, _QML_MATH) for e in op.params], op.wires)

    return step


def _channel_step(op: ir.Operation, epoch: int) -> Step:
    values = [epoch_value(e, epoch) for e in op.params]

    def step(inputs: Arrays, params: Arrays) -> None:
        channel_op(op.name, values, op.wires)

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
        self.circuit = self._circuit(0, False, frozenset())

    def _steps(self, epoch: int, training: bool, dropped: Collection[int]) -> list[Step]:
        steps = []
        for p in self._plan.ops:
            if (p.droppable and p.index in dropped) or (p.training_only and not training):
                continue
            steps.append(_channel_step(p.op, epoch) if p.is_channel else self._gates[p.index])
        return steps

    def _qnode(self, steps: list[Step], measure: Callable[[], Any]) -> Any:
        device = qml.device(_device_name(self._plan), wires=self._plan.num_qubits)

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
        self, *, epoch: int = 0, training: bool = False, dropped: frozenset[int] = frozenset()
    ) -> Any:
        return self._qnode(self._steps(epoch, training, dropped), self._measure)

    def _circuit(self, epoch: int, training: bool, dropped: frozenset[int]) -> Any:
        if training or dropped:
            return self.build_circuit(epoch=epoch, training=training, dropped=dropped)
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
    ) -> list[Any]:
        if not self._plan.terms:
            return []
        values = self._circuit(epoch, training, dropped)(inputs, params)
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
    ) -> Any:
        qnode = self._qnode(self._steps(epoch, training, dropped), qml.state)
        return np.asarray(qnode(inputs, params), dtype=np.complex128)


class PennyLaneBackend(PythonBackend):
    """Emits a module whose build_circuit() returns a PennyLane QNode."""

    name = "pennylane"
    imports = ("import pennylane as qml",)

    def emit_circuit(self, plan: Plan, out: Writer) -> None:
        _emit_build_circuit(plan, out)
        _emit_terms(plan, out)

    def runner(self, plan: Plan) -> Runner:
        return PennyLaneRunner(plan)
