"""The Qiskit target: QuantumCircuits with ParameterVectors, simulated by qiskit.quantum_info."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import ParameterVector
from qiskit.quantum_info import DensityMatrix, Kraus, Operator, SparsePauliOp, Statevector

from dreamlang import gates, ir

from ._runtime import _kraus, _mixed_unitary_kraus
from .exprs import FUNCTIONS, epoch_value, evaluate, to_source
from .plan import NativeTerm, Plan, PlannedOp
from .pymodule import PythonBackend, Runner, Writer, value_source

__all__ = ["CHANNEL_STEPS", "GATE_STEPS", "KrausStep", "QiskitBackend", "QiskitRunner", "Step"]


@dataclass(frozen=True, slots=True)
class Step:
    """One QuantumCircuit method call on all of the op's wires, taking some of its angles."""

    method: str
    angles: tuple[int, ...] = ()  # positions of the dreamlang gate's angles, in call order

    def source(self, angles: Sequence[str], wires: Sequence[int]) -> str:
        args = [*(angles[i] for i in self.angles), *(str(w) for w in wires)]
        return f"qc.{self.method}({', '.join(args)})"

    def apply(self, circuit: QuantumCircuit, angles: Sequence[Any], wires: Sequence[int]) -> None:
        getattr(circuit, self.method)(*(angles[i] for i in self.angles), *wires)


@dataclass(frozen=True, slots=True)
class KrausStep:
    """A channel as the Kraus instruction of dreamlang's own operators (``_kraus``).

    Qiskit itself has no noise instructions (those live in Aer, whose noise models its
    quantum_info simulators do not run), so every channel goes through Kraus; DensityMatrix
    evolves through it exactly.
    """

    channel: str

    def source(self, values: Sequence[str], wire: int) -> str:
        pack = f"({values[0]},)" if len(values) == 1 else f"({', '.join(values)})"
        return f"qc.append(qi.Kraus(_kraus({self.channel!r}, {pack})).to_instruction(), [{wire}])"

    def apply(self, circuit: QuantumCircuit, values: Sequence[Any], wire: int) -> None:
        circuit.append(Kraus(_kraus(self.channel, tuple(values))).to_instruction(), [wire])


def _native(method: str, num_angles: int) -> tuple[Step, ...]:
    return (Step(method, tuple(range(num_angles))),)


_SAME_NAME = "h x y z s sdg t tdg sx sxdg cz cy ch swap iswap ccx cswap".split()
_SAME_NAME_1 = "rx ry rz crx cry crz rxx ryy rzz".split()

# dreamlang gate -> the QuantumCircuit calls that build it. Every lowering is exact, global
# phase included (qc.u is U3Gate; rot is RZ(omega) RY(theta) RZ(phi), applied phi first), so
# no circuit ever needs a global_phase and a controlled copy stays right.
GATE_STEPS: dict[str, tuple[Step, ...]] = {
    **{name: _native(name, 0) for name in _SAME_NAME},
    **{name: _native(name, 1) for name in _SAME_NAME_1},
    "i": _native("id", 0),
    "cnot": _native("cx", 0),
    "phase": _native("p", 1),
    "cphase": _native("cp", 1),
    "u3": _native("u", 3),
    "rot": (Step("rz", (0,)), Step("ry", (1,)), Step("rz", (2,))),
}
CHANNEL_STEPS: dict[str, KrausStep] = {name: KrausStep(name) for name in gates.CHANNELS}

# Math in angles: numpy's functions call ParameterExpression's methods of the same name on
# symbols and work on plain floats too; ParameterExpression has no sqrt, so it is a power.
_ANGLE_FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    **{name: getattr(np, name) for name in FUNCTIONS if name != "sqrt"},
    "sqrt": lambda a: np.power(a, 0.5),
}


def _angle_call(func: str, arg: str) -> str:
    return f"np.power({arg}, 0.5)" if func == "sqrt" else f"np.{func}({arg})"


def _vector_names(plan: Plan) -> tuple[str, ...]:
    """One ParameterVector per declared input and per parameter the circuit uses."""
    return (*plan.inputs, *plan.circuit_params)


def _skipped(planned: PlannedOp, training: bool, dropped: frozenset[int]) -> bool:
    return (planned.training_only and not training) or (
        planned.droppable and planned.index in dropped
    )


def _guard_source(planned: PlannedOp) -> str | None:
    """The condition of _skipped, negated, as emitted source (None: always applied)."""
    parts = []
    if planned.training_only:
        parts.append("training")
    if planned.droppable:
        parts.append(f"{planned.index} not in dropped")
    return " and ".join(parts) or None


def _op_source(plan: Plan, op: ir.Operation) -> list[str]:
    """The emitted lines of one operation (without its guard)."""
    if op.name in CHANNEL_STEPS:
        values = [value_source(p) for p in op.params]
        return [CHANNEL_STEPS[op.name].source(values, op.wires[0])]

    def symbol(ref: ir.InputRef | ir.ParamRef) -> str:
        return f"v[{ref.name!r}][{plan.offset(ref)}]"

    angles = [to_source(p, symbol, _angle_call) for p in op.params]
    return [step.source(angles, op.wires) for step in GATE_STEPS[op.name]]


def _apply(
    plan: Plan, op: ir.Operation, circuit: QuantumCircuit, vectors: dict[str, Any], epoch: int
) -> None:
    """Append one operation to ``circuit``: the in-memory twin of ``_op_source``."""
    if op.name in CHANNEL_STEPS:
        values = [epoch_value(p, epoch) for p in op.params]
        CHANNEL_STEPS[op.name].apply(circuit, values, op.wires[0])
        return

    def symbol(ref: ir.InputRef | ir.ParamRef) -> Any:
        return vectors[ref.name][plan.offset(ref)]

    angles = [evaluate(p, symbol, _ANGLE_FUNCTIONS) for p in op.params]
    for step in GATE_STEPS[op.name]:
        step.apply(circuit, angles, op.wires)


def _apply_mixed(
    plan: Plan, op: ir.Operation, circuit: QuantumCircuit, vectors: dict[str, Any], q: float
) -> None:
    """Append the gate's exact-dropout channel: the Kraus operators of its unitary, computed
    on its own wires (numeric angles only)."""
    sub = QuantumCircuit(len(op.wires))
    _apply(plan, _on_local_wires(op), sub, vectors, 0)
    kraus = Kraus(_mixed_unitary_kraus(Operator(sub).data, q))
    circuit.append(kraus.to_instruction(), list(op.wires))


def _on_local_wires(op: ir.Operation) -> ir.Operation:
    return dataclasses.replace(op, wires=tuple(range(len(op.wires))))


def _mixed_source(plan: Plan, planned: PlannedOp) -> list[str]:
    """The emitted twin of ``_apply_mixed``."""
    op = planned.op
    lines = [f"sub = qiskit.QuantumCircuit({len(op.wires)})"]
    for line in _op_source(plan, _on_local_wires(op)):
        assert line.startswith("qc."), line
        lines.append("sub." + line[3:])
    kraus = f"qi.Kraus(_mixed_unitary_kraus(qi.Operator(sub).data, mixed[{planned.index}]))"
    lines.append(f"qc.append({kraus}.to_instruction(), {list(op.wires)})")
    return lines


def _pauli_word(term: NativeTerm) -> tuple[str, list[int]]:
    """Letters and wires of an expval term, for SparsePauliOp.from_sparse_list (which takes
    wires explicitly, so Qiskit's little-endian labels never come into it)."""
    return "".join(p for p, _ in term.factors), [w for _, w in term.factors]


def _observable(term: NativeTerm, num_qubits: int) -> SparsePauliOp | None:
    if term.kind != "expval":
        return None
    letters, wires = _pauli_word(term)
    return SparsePauliOp.from_sparse_list([(letters, wires, 1.0)], num_qubits=num_qubits)


def _term_source(term: NativeTerm, num_qubits: int) -> str:
    if term.kind == "probs":
        # probabilities() puts qargs[0] least significant: reversed, wire 0 is the most.
        qargs = list(reversed(term.wires))
        return f"np.asarray(state.probabilities(qargs={qargs}), dtype=np.float64)"
    if not term.factors:
        return "1.0"
    letters, wires = _pauli_word(term)
    observable = (
        f"qi.SparsePauliOp.from_sparse_list([({letters!r}, {wires}, 1.0)], num_qubits={num_qubits})"
    )
    return f"float(state.expectation_value({observable}).real)"


def _term_value(term: NativeTerm, observable: SparsePauliOp | None, state: Any) -> Any:
    """The in-memory twin of ``_term_source``."""
    if term.kind == "probs":
        qargs = list(reversed(term.wires))
        return np.asarray(state.probabilities(qargs=qargs), dtype=np.float64)
    if not term.factors:
        return 1.0
    return float(state.expectation_value(observable).real)


class QiskitRunner(Runner):
    """The in-memory Qiskit circuit, built from the same tables as the generated module."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.observables = tuple(_observable(t, plan.num_qubits) for t in plan.terms)

    @functools.cached_property
    def circuit(self) -> QuantumCircuit:
        """The symbolic inference circuit, built on first use (big expressions build slowly)."""
        return self.build_circuit()

    def build_circuit(
        self,
        *,
        epoch: int = 0,
        training: bool = False,
        dropped: frozenset[int] = frozenset(),
        values: dict[str, Any] | None = None,
        mixed: dict[int, float] | None = None,
    ) -> QuantumCircuit:
        """The circuit, symbolic; or with ``values`` (name -> array), its angles as numbers.

        Ops in ``mixed`` become their exact-dropout channels, which need ``values``."""
        plan = self.plan
        mixed = mixed or {}
        if mixed and values is None:
            raise ValueError("exact-dropout channels need numeric angles: pass values")
        vectors: dict[str, Any] = (
            {name: ParameterVector(name, plan.size(name)) for name in _vector_names(plan)}
            if values is None
            else {name: np.asarray(values[name], dtype=np.float64).reshape(-1) for name in values}
        )
        circuit = QuantumCircuit(plan.num_qubits)
        for planned in plan.ops:
            if planned.index in mixed:
                _apply_mixed(plan, planned.op, circuit, vectors, mixed[planned.index])
            elif not _skipped(planned, training, dropped):
                _apply(plan, planned.op, circuit, vectors, epoch)
        return circuit

    def _simulate(
        self,
        inputs: dict[str, Any],
        params: dict[str, Any],
        epoch: int,
        training: bool,
        dropped: frozenset[int],
        mixed: dict[int, float] | None,
    ) -> Any:
        # Angles computed as numbers: binding big ParameterExpressions costs seconds in Qiskit.
        values = {**inputs, **params}
        bound = self.build_circuit(
            epoch=epoch, training=training, dropped=dropped, values=values, mixed=mixed
        )
        return DensityMatrix(bound) if self.plan.noisy or mixed else Statevector(bound)

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
        if not self.plan.terms:
            return []
        state = self._simulate(inputs, params, epoch, training, dropped, mixed)
        return [_term_value(t, o, state) for t, o in zip(self.plan.terms, self.observables)]

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
        state = self._simulate(inputs, params, epoch, training, dropped, mixed)
        return np.asarray(state.reverse_qargs().data, dtype=np.complex128)


class QiskitBackend(PythonBackend):
    """Python modules (and in-memory circuits) for Qiskit."""

    name = "qiskit"
    # Module imports only: which classes a model needs varies, and none may go unused.
    imports = ("import qiskit", "import qiskit.quantum_info as qi")

    def emit_circuit(self, plan: Plan, out: Writer) -> None:
        _emit_build(plan, out)
        out.line()
        out.line()
        _emit_terms(plan, out)

    def runner(self, plan: Plan) -> QiskitRunner:
        return QiskitRunner(plan)


def _emit_build(plan: Plan, out: Writer) -> None:
    out.line(
        "def build_circuit(\n    *, epoch: int = 0, training: bool = False, dropped: Any = (), "
        "values: Any = None, mixed: Any = None\n) -> Any:"
    )
    with out.indent():
        out.line('"""The Qiskit circuit, symbolic: a ParameterVector per input and parameter.')
        out.line("")
        out.line("With values (name -> array), its angles are numbers instead: binding large")
        out.line("ParameterExpressions is slow in Qiskit. Ops in mixed become their")
        out.line('exact-dropout channels, which need values."""')
        out.line("mixed = mixed or {}")
        # v is only written when a gate reads it (an unused local would fail ruff's F841).
        if any(ir.free_symbols(p) for planned in plan.ops for p in planned.op.params):
            out.line("if values is None:")
            with out.indent():
                out.line("v = {")
                with out.indent():
                    for name in _vector_names(plan):
                        vector = f"qiskit.circuit.ParameterVector({name!r}, {plan.size(name)})"
                        out.line(f"{name!r}: {vector},")
                out.line("}")
            out.line("else:")
            with out.indent():
                out.line("v = {k: np.ravel(a) for k, a in values.items()}")
        out.line(f"qc = qiskit.QuantumCircuit({plan.num_qubits})")
        for planned in plan.ops:
            _emit_op(plan, planned, out)
        out.line("return qc")


def _emit_op(plan: Plan, planned: PlannedOp, out: Writer) -> None:
    """One op's lines under its guard; a droppable gate first checks for its exact channel."""
    guard = _guard_source(planned)
    lines = _op_source(plan, planned.op)
    keyword = "if"
    if planned.droppable:
        out.line(f"if {planned.index} in mixed:")
        with out.indent():
            for line in _mixed_source(plan, planned):
                out.line(line)
        keyword = "elif"
    if guard is None:
        for line in lines:
            out.line(line)
        return
    out.line(f"{keyword} {guard}:")
    with out.indent():
        for line in lines:
            out.line(line)


def _emit_terms(plan: Plan, out: Writer) -> None:
    out.line(
        "def _terms(inputs: dict[str, Any], params: dict[str, Any], *, epoch: int, "
        "training: bool, dropped: Any, mixed: Any = None) -> list[Any]:"
    )
    with out.indent():
        if plan.noisy:
            out.line('"""Each native term, from qi.DensityMatrix of the bound circuit."""')
        else:
            out.line(
                '"""Each native term, from qi.Statevector of the bound circuit (qi.DensityMatrix'
            )
            out.line('with exact-dropout channels)."""')
        if not plan.terms:
            out.line("return []")
            return
        out.line("values = {**inputs, **params}")
        out.line("kwargs = {'epoch': epoch, 'training': training, 'dropped': dropped}")
        out.line("qc = build_circuit(**kwargs, values=values, mixed=mixed)")
        if plan.noisy:
            out.line("state = qi.DensityMatrix(qc)")
        else:
            out.line("state = qi.DensityMatrix(qc) if mixed else qi.Statevector(qc)")
        out.line("return [")
        with out.indent():
            for term in plan.terms:
                out.line(_term_source(term, plan.num_qubits) + ",")
        out.line("]")
