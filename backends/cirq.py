"""The Cirq target: a cirq.Circuit with sympy symbols, as a generated module and in memory."""

from __future__ import annotations

from typing import Any

import cirq
import numpy as np

from dreamlang import ir
from dreamlang.gates import canonical_name

from . import cirq_runtime, unsupported
from .cirq_lowering import CHANNELS, GATES, Native, build, render
from .cirq_runtime import (
    _NUMERIC_MATH,
    _SYMPY_MATH,
    _cirq_mixed_unitary,
    _cirq_observable,
    _cirq_state,
    _cirq_symbols,
    _cirq_terms,
)
from .exprs import FUNCTIONS, epoch_value, evaluate, to_source
from .plan import Plan, PlannedOp
from .pymodule import PythonBackend, Runner, Writer, inlined_source, value_source

__all__ = ["CirqBackend", "CirqRunner"]

assert set(_SYMPY_MATH) == set(FUNCTIONS)  # the runtime's tables cover every IR function


class CirqBackend(PythonBackend):
    """cirq.Circuit on LineQubit.range(n); symbols named 'NAME[FLAT]' (row-major)."""

    name = "cirq"
    imports = ("import cirq", "import sympy")

    def emit_circuit(self, plan: Plan, out: Writer) -> None:
        out.lines.extend(inlined_source(cirq_runtime).splitlines())
        out.line()
        out.line()
        out.line("# The arrays whose elements are circuit symbols, and the simulated terms.")
        out.line(f"_SYMBOL_ARRAYS = {symbol_arrays(plan)!r}")
        out.line(f"_TERMS = {term_specs(plan)!r}")
        out.line()
        out.line()
        _emit_build(plan, out)
        out.line()
        out.line()
        _emit_terms(plan, out)

    def runner(self, plan: Plan) -> Runner:
        return CirqRunner(plan)


def symbol_arrays(plan: Plan) -> tuple[str, ...]:
    """The inputs, then the parameters, that some gate angle uses (declared order)."""
    used = {ref.name for p in plan.ops for e in p.op.params for ref in ir.free_symbols(e)}
    return tuple(name for name in plan.inputs if name in used) + plan.circuit_params


def term_specs(plan: Plan) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    """Per native term: ('expval', Pauli factors) or ('probs', wires)."""
    return tuple((t.kind, t.factors if t.kind == "expval" else t.wires) for t in plan.terms)


def _key(plan: Plan, ref: ir.InputRef | ir.ParamRef) -> str:
    return f"{ref.name}[{plan.offset(ref)}]"


def _lowering(op: ir.Operation) -> list[tuple[Native, tuple[int, ...]]]:
    """(native gate or channel, wire positions) steps of one operation."""
    name = canonical_name(op.name)
    if name in CHANNELS:
        return [(CHANNELS[name], (0,))]
    steps = GATES.get(name)
    if steps is None:
        unsupported(op, f"the cirq target has no lowering for '{name}'")
    return [(step.gate, step.wires) for step in steps]


# ---- emitter ----


def _emit_build(plan: Plan, out: Writer) -> None:
    out.line(
        "def build_circuit(\n    *, epoch: int = 0, training: bool = False, dropped: Any = (), "
        "values: Any = None, mixed: Any = None\n) -> Any:"
    )
    with out.indent():
        out.line('"""The circuit with one sympy symbol per input and parameter element.')
        out.line("")
        out.line("With values (name -> array), its angles are numbers instead: resolving large")
        out.line("sympy expressions is slow. Ops in mixed become their exact-dropout channels,")
        out.line('which need values."""')
        out.line("mixed = mixed or {}")
        if plan.ops:
            out.line("q = cirq.LineQubit.range(NUM_QUBITS)")
        if symbol_arrays(plan):
            # fn is only written when an angle applies a math function (else ruff's F841).
            math = any(
                isinstance(node, ir.Call)
                for planned in plan.ops
                for p in planned.op.params
                for node in ir.walk(p)
            )
            out.line("if values is None:")
            with out.indent():
                out.line("sym = _cirq_symbols(_SYMBOL_ARRAYS, {**INPUTS, **PARAMS})")
                if math:
                    out.line("fn = _SYMPY_MATH")
            out.line("else:")
            with out.indent():
                out.line("sym = _cirq_numbers(_SYMBOL_ARRAYS, values)")
                if math:
                    out.line("fn = _NUMERIC_MATH")
        out.line("ops = []")
        for planned in plan.ops:
            _emit_op(plan, planned, out)
        out.line("return cirq.Circuit(ops)")


def _emit_op(plan: Plan, planned: PlannedOp, out: Writer) -> None:
    op = planned.op
    guard = None
    if planned.droppable:
        guard = f"if {planned.index} not in dropped:"
    elif planned.training_only:
        guard = "if training:"
    if canonical_name(op.name) in CHANNELS:
        sources = [value_source(e) for e in op.params]
    else:
        sources = [_angle_source(plan, e) for e in op.params]
    # A sum or difference needs parentheses before '/ np.pi'; other forms bind tighter.
    loose = [isinstance(e, ir.Binary) and e.op in ("+", "-") for e in op.params]
    natives = []
    for native, positions in _lowering(op):
        wires = ", ".join(f"q[{op.wires[i]}]" for i in positions)
        natives.append(f"{render(native, sources, loose)}.on({wires})")
    lines = [f"ops.append({native})" for native in natives]
    if planned.droppable:
        qubits = ", ".join(f"q[{w}]" for w in op.wires)
        out.line(f"if {planned.index} in mixed:")
        with out.indent():
            out.line(f"gate = [{', '.join(natives)}]")
            out.line(f"ops.append(_cirq_mixed_unitary(mixed[{planned.index}], gate, [{qubits}]))")
        guard = f"elif {planned.index} not in dropped:"
    if guard is None:
        for line in lines:
            out.line(line)
        return
    out.line(guard)
    with out.indent():
        for line in lines:
            out.line(line)


def _angle_source(plan: Plan, expr: ir.Expr) -> str:
    def symbol(ref: ir.InputRef | ir.ParamRef) -> str:
        return f"sym[{_key(plan, ref)!r}]"

    def call(func: str, arg: str) -> str:
        return f"fn[{func!r}]({arg})"

    return to_source(expr, symbol, call)


def _emit_terms(plan: Plan, out: Writer) -> None:
    out.line(
        "def _terms(inputs: dict[str, Any], params: dict[str, Any], *, epoch: int, "
        "training: bool, dropped: Any, mixed: Any = None) -> list[Any]:"
    )
    with out.indent():
        kind = "density-matrix" if plan.noisy else "state-vector (density-matrix when mixed)"
        out.line(f'"""The native terms, in order, from Cirq\'s complex128 {kind} simulator."""')
        out.line("kwargs = {'epoch': epoch, 'training': training, 'dropped': dropped}")
        out.line("circuit = build_circuit(**kwargs, values={**inputs, **params}, mixed=mixed)")
        out.line("noisy = True" if plan.noisy else "noisy = bool(mixed)")
        out.line("state = _cirq_state(circuit, NUM_QUBITS, noisy)")
        out.line("return _cirq_terms(state, _TERMS, NUM_QUBITS, noisy)")


# ---- in memory ----


class CirqRunner(Runner):
    """The emitted build_circuit and _terms, on native objects (same table, same helpers)."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.qubits = cirq.LineQubit.range(plan.num_qubits)
        self._arrays = symbol_arrays(plan)
        self._terms = term_specs(plan)
        self._symbols = _cirq_symbols(self._arrays, {**plan.inputs, **plan.params})
        self._gate_ops = {
            p.index: p.op for p in plan.ops if canonical_name(p.op.name) not in CHANNELS
        }
        # Gate angles do not depend on the epoch: build each gate's symbolic native ops once.
        self._gates = {
            index: self._native_ops(op, [self._angle(e) for e in op.params])
            for index, op in self._gate_ops.items()
        }
        self.observables = tuple(
            _cirq_observable(spec, plan.num_qubits) if kind == "expval" else None
            for kind, spec in self._terms
        )
        self.circuit = self.build_circuit()

    def build_circuit(
        self,
        *,
        epoch: int = 0,
        training: bool = False,
        dropped: frozenset[int] = frozenset(),
        mixed: dict[int, float] | None = None,
    ) -> Any:
        if mixed:
            raise ValueError("exact-dropout channels need numeric angles: use state()")
        return self._assemble(self._gates, epoch, training, dropped, {})

    def _assemble(
        self,
        gates: dict[int, list[Any]],
        epoch: int,
        training: bool,
        dropped: frozenset[int],
        mixed: dict[int, float],
    ) -> Any:
        """The circuit from prebuilt gate ops, with the channels at ``epoch`` and the ops in
        ``mixed`` as their exact-dropout channels (numeric gates only)."""
        ops: list[Any] = []
        for p in self.plan.ops:
            if p.index in mixed:
                qubits = [self.qubits[w] for w in p.op.wires]
                ops.append(_cirq_mixed_unitary(mixed[p.index], gates[p.index], qubits))
                continue
            if (p.droppable and p.index in dropped) or (p.training_only and not training):
                continue
            gate_ops = gates.get(p.index)
            if gate_ops is None:
                values = [epoch_value(e, epoch) for e in p.op.params]
                gate_ops = self._native_ops(p.op, values)
            ops.extend(gate_ops)
        return cirq.Circuit(ops)

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
        state = self.state(
            inputs, params, epoch=epoch, training=training, dropped=dropped, mixed=mixed
        )
        noisy = self.plan.noisy or bool(mixed)
        return _cirq_terms(state, self._terms, self.plan.num_qubits, noisy)

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
        # Angles computed as numbers: resolving big sympy expressions costs seconds in Cirq.
        numbers = self._numbers({**inputs, **params})
        gates = {
            index: self._native_ops(op, [evaluate(e, numbers, _NUMERIC_MATH) for e in op.params])
            for index, op in self._gate_ops.items()
        }
        circuit = self._assemble(gates, epoch, training, dropped, mixed or {})
        return _cirq_state(circuit, self.plan.num_qubits, self.plan.noisy or bool(mixed))

    def _numbers(self, values: dict[str, Any]) -> Any:
        flat = {name: np.asarray(values[name], dtype=np.float64).reshape(-1) for name in values}
        return lambda ref: flat[ref.name][self.plan.offset(ref)]

    def _angle(self, expr: ir.Expr) -> Any:
        return evaluate(expr, lambda ref: self._symbols[_key(self.plan, ref)], _SYMPY_MATH)

    def _native_ops(self, op: ir.Operation, values: list[Any]) -> list[Any]:
        return [
            build(native, values).on(*(self.qubits[op.wires[i]] for i in positions))
            for native, positions in _lowering(op)
        ]
