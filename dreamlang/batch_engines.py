"""Per-target batch engines: one circuit configuration, many rows of angles, few simulator calls."""

from __future__ import annotations

import dataclasses
import functools
import warnings
from typing import Any

import numpy as np

from dreamlang.compiled import CompiledModel

__all__ = ["Config", "aer_available", "engine_for", "estimator_engine", "one_by_one"]

ANGLES = "grad.angles"  # dreamlang.batch_eval.ANGLES (not imported: that module imports this)


@dataclasses.dataclass(frozen=True)
class Config:
    """One circuit configuration of a batch: the epoch (noise and dropout schedules), training
    mode, the ops its dropout mask drops, and exact-dropout ops mixed with probability q."""

    epoch: int = 0
    training: bool = False
    dropped: frozenset[int] = frozenset()
    mixed: dict[int, float] = dataclasses.field(default_factory=dict)

    @property
    def when(self) -> dict[str, Any]:
        """The keywords of a runner's build_circuit and terms (mixed apart)."""
        return {"epoch": self.epoch, "training": self.training, "dropped": self.dropped}


def engine_for(target: str) -> Any:
    """The batch engine of a target (each falls back to ``one_by_one`` where it cannot batch)."""
    engines = {"qiskit": qiskit_engine, "cirq": cirq_engine, "pennylane": pennylane_engine}
    return engines.get(target, one_by_one)


def one_by_one(model: CompiledModel, angles: np.ndarray, config: Config) -> list[Any]:
    """The target's own per-circuit path, row by row: the reference every engine must match."""
    runner: Any = model._runner
    rows = []
    for row in angles:
        params = {ANGLES: row} if row.size else {}
        rows.append(runner.terms({}, params, **config.when, mixed=config.mixed or None))
    return [
        np.stack([np.asarray(r[t], dtype=np.float64) for r in rows]) for t in range(len(rows[0]))
    ]


# ---- Qiskit: Aer runs one parametrized circuit with every row's binding, in C++ ----


@functools.cache
def aer_available() -> bool:
    try:
        import qiskit_aer  # noqa: F401
    except ImportError:
        return False
    return True


@functools.cache
def _aer(method: str) -> Any:
    from qiskit_aer import AerSimulator

    # Exact readouts (save_* instructions, no shots); double precision like quantum_info.
    return AerSimulator(method=method, precision="double")


def qiskit_engine(model: CompiledModel, angles: np.ndarray, config: Config) -> list[Any]:
    """Aer's density-matrix (noisy or exact-dropout) or state-vector method with save_*
    instructions: one run per call; without Aer, quantum_info one circuit at a time."""
    from qiskit.exceptions import QiskitError  # AerError too

    if not aer_available():
        return one_by_one(model, angles, config)
    try:
        return _aer_engine(model, angles, config)
    except QiskitError as exc:  # an instruction Aer cannot run: quantum_info, row by row
        warnings.warn(f"Aer could not run the batch ({exc}); using quantum_info", stacklevel=2)
        return one_by_one(model, angles, config)


def _aer_engine(model: CompiledModel, angles: np.ndarray, config: Config) -> list[Any]:
    plan = model._plan
    runner: Any = model._runner
    method = "density_matrix" if plan.noisy or config.mixed else "statevector"
    kwargs = config.when
    if config.mixed:  # exact-dropout channels are built from numbers: one bound circuit per row
        values = [{ANGLES: row} if row.size else {} for row in angles]
        circuits = [
            _saving(plan, runner.build_circuit(**kwargs, values=v, mixed=config.mixed), method)
            for v in values
        ]
        result = _aer(method).run(circuits).result()
    else:
        circuit = _saving(plan, runner.build_circuit(**kwargs), method)
        binds = {p: angles[:, _index(p)] for p in circuit.parameters}
        if binds:
            result = _aer(method).run(circuit, parameter_binds=[binds]).result()
        else:  # no angle left after the mask: every row is the same circuit
            result = _aer(method).run([circuit] * len(angles)).result()
    return _aer_terms(plan, result, len(angles))


def _index(parameter: Any) -> int:
    return int(parameter.index)


# Gates whose symbolic angles Aer 0.18 binds correctly. Its parameter binding gives wrong
# results for cp, crx, cry and crz (checked against quantum_info; tests/test_gradients_batch.py),
# so those and any other parametrized gate are first decomposed into these.
_BINDS_EXACTLY = frozenset({"rx", "ry", "rz", "p", "u", "rxx", "ryy", "rzz"})


def _decompose(operation: Any, basis: set[str] | None) -> bool:
    """Whether Aer needs this instruction decomposed: unsupported by the method (crz on
    density matrices), or symbolic and not known to bind exactly."""
    from qiskit.circuit import ParameterExpression

    if basis is not None and operation.name not in basis:
        return True
    symbolic = any(isinstance(p, ParameterExpression) for p in operation.params)
    return symbolic and operation.name not in _BINDS_EXACTLY


def _saving(plan: Any, circuit: Any, method: str) -> Any:
    """The circuit with a save instruction per native term: exact expectation values, and
    probabilities with wire 0 the most significant bit (Aer puts qubits[0] least)."""

    circuit = _bindable(circuit, set(_aer(method).configuration().basis_gates))
    everything = list(range(plan.num_qubits))
    for i, term in enumerate(plan.terms):
        if term.kind == "probs":
            circuit.save_probabilities(list(reversed(term.wires)), label=f"t{i}")
        elif term.factors:
            circuit.save_expectation_value(_pauli(plan, term), everything, label=f"t{i}")
    return circuit


def _bindable(circuit: Any, basis: set[str] | None) -> Any:
    """The circuit with Qiskit's exact decompositions applied until every gate is in
    ``basis`` (None: any) and every symbolic gate is one that binds exactly."""
    circuit = circuit.copy()
    for _ in range(8):
        names = {i.operation.name for i in circuit.data if _decompose(i.operation, basis)}
        if not names:
            break
        circuit = circuit.decompose(gates_to_decompose=sorted(names))
    return circuit


def _aer_terms(plan: Any, result: Any, rows: int) -> list[Any]:
    datas = [result.data(j) for j in range(rows)]  # each call builds a dict: once per row
    out = []
    for i, term in enumerate(plan.terms):
        if term.kind == "expval" and not term.factors:
            out.append(np.ones(rows))  # the identity's expectation, exactly
            continue
        label = f"t{i}"
        out.append(np.asarray([np.real(data[label]) for data in datas], dtype=np.float64))
    return out


def estimator_engine(estimator: Any) -> Any:
    """A batch engine that runs each circuit configuration as one PUB on ``estimator``, any
    Qiskit EstimatorV2 primitive (Aer's, a cloud runtime's): every row of angles is one
    binding, every expval term one observable."""

    def engine(model: CompiledModel, angles: np.ndarray, config: Config) -> list[Any]:
        plan, runner = model._plan, model._runner
        if any(term.kind == "probs" for term in plan.terms):
            raise ValueError("an Estimator measures expectation values: probs needs no estimator=")
        if config.mixed:
            raise ValueError("exact-mode dropout needs dreamlang's own engine, not estimator=")
        # Aer's primitives share its binding bug (see _BINDS_EXACTLY); decomposing is exact.
        circuit = _bindable(runner.build_circuit(**config.when), None)
        words = [t for t in plan.terms if t.factors]
        observables = [_pauli(plan, t) for t in words]
        values = np.stack([angles[:, _index(p)] for p in circuit.parameters], axis=-1)
        pub = (
            (circuit, observables, values[:, None, :]) if len(values[0]) else (circuit, observables)
        )
        try:
            evs = np.asarray(estimator.run([pub]).result()[0].data.evs, dtype=np.float64)
        except Exception as exc:  # the primitive's own error: name it, keep it readable
            raise ValueError(f"the estimator could not run the model: {exc}") from exc
        evs = np.broadcast_to(evs, (len(angles), len(words)))
        columns = iter(range(len(words)))
        return [evs[:, next(columns)] if t.factors else np.ones(len(angles)) for t in plan.terms]

    return engine


def _pauli(plan: Any, term: Any) -> Any:
    from qiskit.quantum_info import SparsePauliOp

    letters = "".join(p for p, _ in term.factors)
    wires = [w for _, w in term.factors]
    return SparsePauliOp.from_sparse_list([(letters, wires, 1.0)], plan.num_qubits)


# ---- Cirq: one simulate_sweep over the rows' resolvers ----


def cirq_engine(model: CompiledModel, angles: np.ndarray, config: Config) -> list[Any]:
    """cirq.Simulator or DensityMatrixSimulator (complex128) over one symbolic circuit."""
    import cirq

    from dreamlang.backends.cirq_runtime import _cirq_terms

    if config.mixed:  # exact-dropout channels need numeric unitaries: the per-circuit path
        return one_by_one(model, angles, config)
    plan = model._plan
    runner: Any = model._runner
    circuit = runner.build_circuit(**config.when)
    names = [f"{ANGLES}[{i}]" for i in range(angles.shape[1])]
    used = {s.name for s in cirq.parameter_symbols(circuit)}
    keep = [i for i, name in enumerate(names) if name in used]
    resolvers = [cirq.ParamResolver({names[i]: row[i] for i in keep}) for row in angles]
    qubits = cirq.LineQubit.range(plan.num_qubits)
    spec = runner._terms
    # A model's circuit entangles its few qubits at once: splitting untangled states only
    # costs time (~25% of a density-matrix sweep).
    if plan.noisy:
        simulator: Any = cirq.DensityMatrixSimulator(
            dtype=np.complex128, split_untangled_states=False
        )
        circuit = circuit.map_operations(_fixed_mixture)
        results = simulator.simulate_sweep(circuit, resolvers, qubit_order=qubits)
        states = [r.final_density_matrix for r in results]
    else:
        simulator = cirq.Simulator(dtype=np.complex128, split_untangled_states=False)
        results = simulator.simulate_sweep(circuit, resolvers, qubit_order=qubits)
        states = [r.final_state_vector for r in results]
    rows = [_cirq_terms(np.asarray(s), spec, plan.num_qubits, plan.noisy) for s in states]
    return [np.stack([np.asarray(r[t], dtype=np.float64) for r in rows]) for t in range(len(spec))]


def _fixed_mixture(operation: Any) -> Any:
    """A depolarizing channel as the same mixture, computed once: Cirq's DepolarizingChannel
    rebuilds its Pauli products on every application (~15% of a noisy sweep)."""
    import cirq

    if isinstance(operation.gate, cirq.DepolarizingChannel):
        return _mixture_channel(operation.gate).on(*operation.qubits)
    return operation


@functools.cache
def _mixture_channel(gate: Any) -> Any:
    import cirq

    return cirq.MixedUnitaryChannel(cirq.mixture(gate))


# ---- PennyLane: one broadcast QNode call, grad.angles with one column per row ----


def pennylane_engine(model: CompiledModel, angles: np.ndarray, config: Config) -> list[Any]:
    """default.qubit or default.mixed with parameter broadcasting over the rows."""
    plan = model._plan
    if config.mixed or len(angles) < 2:  # exact dropout's QubitChannel does not broadcast
        return one_by_one(model, angles, config)
    qnode = model._runner.build_circuit(**config.when)
    params = {ANGLES: angles.T} if angles.shape[1] else {}
    values = qnode({}, params)
    rows = len(angles)
    out = []
    for value, term in zip(values, plan.terms):
        value = np.asarray(value, dtype=np.float64)
        if term.kind == "expval":  # a batch of numbers; identity words measure 1
            out.append(np.broadcast_to(value if term.factors else 1.0, (rows,)))
        else:  # a batch whose angles were all dropped is a single row
            out.append(np.broadcast_to(value, (rows, value.shape[-1])))
    return out
