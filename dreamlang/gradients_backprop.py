"""PennyLane's own differentiation for a training step: one broadcast QNode call per circuit, VJP by autograd."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from dreamlang.batch_eval import configurations
from dreamlang.compiled import CompiledModel

__all__ = [
    "DIFF_METHODS",
    "Engine",
    "backprop_forward",
    "backprop_value_and_vjp",
    "pennylane_device",
    "resolve_diff_method",
]

Arrays = dict[str, np.ndarray]
# 'parameter-shift': dreamlang's rules, on every target. The others are PennyLane's own
# (a QNode's diff_method, differentiated by autograd): 'best' picks backprop on default.qubit
# and default.mixed, adjoint on lightning, parameter-shift on hardware; on Qiskit and Cirq,
# which have no autodiff, 'best' is parameter-shift.
DIFF_METHODS = ("best", "parameter-shift", "backprop", "adjoint")
BROADCAST_WIRES = 12  # from this many wires on, default.qubit runs the batch row by row


def resolve_diff_method(diff_method: str, target: str) -> str:
    """The method a run uses (ValueError for a bad choice): 'parameter-shift', or on the
    PennyLane target also the QNode diff_method 'best', 'backprop' or 'adjoint'."""
    if diff_method not in DIFF_METHODS:
        raise ValueError(
            f"diff_method must be one of {', '.join(DIFF_METHODS)}, not {diff_method!r}"
        )
    if target == "pennylane" or diff_method == "parameter-shift":
        return diff_method
    if diff_method == "best":
        return "parameter-shift"
    raise ValueError(f"{diff_method} needs the pennylane target; {target} uses parameter-shift")


def pennylane_device(device: Any, plan: Any, mixed: Any) -> Any:
    """The device a QNode runs on: ``device`` (a name or a device), or dreamlang's default
    (default.mixed for noise and exact dropout, else default.qubit)."""
    import pennylane as qml

    from dreamlang.backends.pennylane import _device_name

    if device is None or isinstance(device, str):
        return qml.device(device or _device_name(plan, mixed), wires=plan.num_qubits)
    return device


def default_engine(engine: Engine, plan: Any, mixed: Any) -> Engine:
    """``engine``, or where it leaves the choice to dreamlang, the fastest one installed:
    lightning.qubit with adjoint for noise-free circuits of BROADCAST_WIRES or more wires
    (about 2x default.qubit's backprop at 12 and 16 wires; at fewer wires backprop over the
    broadcast batch is 3-4x faster than lightning, and lightning cannot run channels)."""
    if engine.device is not None or engine.diff_method not in ("best", "adjoint"):
        return engine
    if plan.noisy or mixed or plan.num_qubits < BROADCAST_WIRES or not _lightning():
        return engine
    return Engine("lightning.qubit", "adjoint")


@functools.cache
def _lightning() -> bool:
    import importlib.util

    return importlib.util.find_spec("pennylane_lightning") is not None


@dataclasses.dataclass(frozen=True)
class Engine:
    """Where and how PennyLane runs the circuits: a device (None: dreamlang's default) and
    the QNode's diff_method."""

    device: Any = None
    diff_method: str = "best"


def backprop_value_and_vjp(
    model: CompiledModel,
    inputs_batch: Sequence[Arrays],
    params: Arrays,
    names: Sequence[str],
    when: tuple[int, bool, int | None, int, str],
    engine: Engine = Engine(),
) -> tuple[np.ndarray, Callable[[np.ndarray], Arrays]]:
    """The measurements of every sample, (B, outputs), and the function that maps
    d loss / d measurements (B, outputs) to d loss / d param for each of ``names``.

    ``model`` is the PennyLane compilation of the program at -O0 (op indices are the dropout
    coins' keys). The batch is one broadcast call per circuit configuration (the step's mask,
    each part of the exact mixture, or each ensemble member), as ``_runtime._run`` decides;
    the dropout masks are those of the parameter-shift path, so both give the same step.
    """
    from autograd import make_vjp

    shapes = [np.shape(params[name]) for name in names]
    sizes = [int(np.prod(shape)) for shape in shapes]
    fixed = {k: np.asarray(v, dtype=np.float64) for k, v in params.items() if k not in names}

    def measurements(flat: Any) -> Any:
        import autograd.numpy as anp

        chunks = anp.split(flat, np.cumsum(sizes)[:-1]) if names else []
        trainable = {n: anp.reshape(c, s) for n, c, s in zip(names, chunks, shapes)}
        members = _members(model, inputs_batch, {**fixed, **trainable}, when, engine)
        return sum(members[1:], members[0]) / len(members)

    start = np.concatenate([np.ravel(params[n]) for n in names]) if names else np.zeros(0)
    vjp, values = make_vjp(measurements)(start)

    def pullback(d_values: np.ndarray) -> Arrays:
        flat = np.asarray(vjp(np.asarray(d_values, dtype=np.float64)), dtype=np.float64)
        chunks = np.split(flat, np.cumsum(sizes)[:-1]) if names else []
        return {n: np.reshape(c, s) for n, c, s in zip(names, chunks, shapes)}

    return np.asarray(values, dtype=np.float64), pullback


def backprop_forward(
    model: CompiledModel,
    inputs_batch: Sequence[Arrays],
    params: Arrays,
    when: tuple[int, bool, int | None, int, str],
    engine: Engine = Engine(),
) -> np.ndarray:
    """Each ensemble member's measurements of every sample on the engine: (B, members, outputs)."""
    members = _members(model, inputs_batch, params, when, engine)
    return np.stack([np.asarray(m, dtype=np.float64) for m in members], axis=1)


def _members(
    model: CompiledModel,
    inputs_batch: Sequence[Arrays],
    params: dict[str, Any],
    when: tuple[int, bool, int | None, int, str],
    engine: Engine,
) -> list[Any]:
    """Per ensemble member, (B, outputs): the configurations ``_runtime._run`` would run."""
    epoch, training, seed, step, mode = when
    inputs = {
        name: np.moveaxis(
            np.stack([np.asarray(x[name], dtype=np.float64) for x in inputs_batch]), 0, -1
        )
        for name in model._plan.inputs
    }
    rows = len(inputs_batch)
    parts = configurations(model, (epoch, training, seed, step), mode)
    return [_member(model, part, inputs, params, (epoch, training, rows), engine) for part in parts]


def _member(
    model: CompiledModel,
    part: list[tuple[float | None, frozenset[int], dict[int, float]]],
    inputs: Arrays,
    params: dict[str, Any],
    run: tuple[int, bool, int],
    engine: Engine,
) -> Any:
    """(rows, outputs): one ensemble member's measurements, the weighted sum over its circuits
    (every term is linear in the density matrix, so the mixture's terms are that sum)."""
    import pennylane as qml

    epoch, training, rows = run
    plan = model._plan
    runner: Any = model._runner
    total: list[Any] | None = None
    for weight, dropped, mixed in part:
        steps = runner._steps(epoch, training, dropped, mixed)
        chosen = default_engine(engine, plan, mixed)
        device = pennylane_device(chosen.device, plan, mixed)
        if plan.noisy or mixed:
            # default.mixed's expval and probs differentiate through sqrt(diag(rho)), which
            # gives NaN where a population is exactly 0: read the terms off rho instead.
            qnode = _qnode(
                steps, lambda: qml.density_matrix(range(plan.num_qubits)), device, chosen
            )
            # An exact-dropout QubitChannel does not broadcast: row by row.
            terms = _density_terms(plan, _call(qnode, inputs, params, rows, not mixed), rows)
        else:
            qnode = _qnode(steps, runner._measure, device, chosen)
            # default.qubit's autograd path fails on broadcast states of 12 or more wires
            # (PennyLane 0.45: "shape-mismatch for sum" in its tensordot kernel).
            values = _call(qnode, inputs, params, rows, plan.num_qubits < BROADCAST_WIRES)
            terms = _terms(plan, values if plan.terms else [], rows)
        scale = 1.0 if weight is None else weight
        scaled = [scale * t for t in terms]
        total = scaled if total is None else [a + b for a, b in zip(total, scaled)]
    return _measurements(plan, total or [], rows)


def _qnode(steps: list[Any], measure: Callable[[], Any], device: Any, engine: Engine) -> Any:
    import pennylane as qml

    def circuit(inputs: Arrays, params: Arrays) -> Any:
        for step in steps:
            step(inputs, params)
        return measure()

    return qml.QNode(circuit, device, diff_method=engine.diff_method)


def _call(qnode: Any, inputs: Arrays, params: dict[str, Any], rows: int, broadcast: bool) -> Any:
    """The QNode on the whole batch (inputs with the batch last), or row by row, stacked."""
    import autograd.numpy as anp

    if broadcast or not inputs:
        return qnode(inputs, params)
    results = [qnode({k: v[..., i] for k, v in inputs.items()}, params) for i in range(rows)]
    if isinstance(results[0], (list, tuple)):  # one value per term: stack each over rows
        return [anp.stack([r[t] for r in results]) for t in range(len(results[0]))]
    return anp.stack(results)


def _terms(plan: Any, values: Any, rows: int) -> list[Any]:
    """Each native term as (rows, width): identity words measure 1; a value that did not
    broadcast (no gate depends on the inputs) is repeated."""
    import autograd.numpy as anp

    out = []
    for value, term in zip(values, plan.terms):
        if term.kind == "expval" and not term.factors:
            out.append(anp.ones((rows, 1)))
            continue
        value = anp.reshape(value, (-1, 1)) if term.kind == "expval" else value
        value = anp.reshape(value, (-1, anp.shape(value)[-1]))
        out.append(value if anp.shape(value)[0] == rows else anp.repeat(value, rows, axis=0))
    return out


def _density_terms(plan: Any, rho: Any, rows: int) -> list[Any]:
    """Each native term as (rows, width) from density matrices (rows, 2**n, 2**n), wire 0 the
    most significant bit: Tr(rho P) for a Pauli word, the reduced diagonal for probs."""
    import autograd.numpy as anp

    n = plan.num_qubits
    rho = anp.reshape(rho, (-1, 2**n, 2**n))
    rho = rho if anp.shape(rho)[0] == rows else anp.repeat(rho, rows, axis=0)
    out = []
    for term in plan.terms:
        if term.kind == "expval":
            word = _pauli_matrix(term.factors, n)
            out.append(anp.reshape(anp.real(anp.einsum("bij,ji->b", rho, word)), (rows, 1)))
        else:
            diagonal = anp.real(anp.sum(rho * np.eye(2**n), axis=-1))  # autograd: no diagonal vjp
            cube = anp.reshape(diagonal, (rows,) + (2,) * n)
            others = tuple(1 + w for w in range(n) if w not in term.wires)
            kept = anp.sum(cube, axis=others) if others else cube
            order = sorted(range(len(term.wires)), key=lambda k: term.wires[k])
            kept = anp.transpose(kept, (0, *[1 + order.index(k) for k in range(len(order))]))
            out.append(anp.reshape(kept, (rows, 2 ** len(term.wires))))
    return out


def _pauli_matrix(factors: tuple[tuple[str, int], ...], n: int) -> np.ndarray:
    letters = dict(
        I=np.eye(2), X=np.array([[0, 1], [1, 0]]), Y=np.array([[0, -1j], [1j, 0]]),
        Z=np.diag([1.0, -1.0]),
    )  # fmt: skip
    on = {wire: letter for letter, wire in factors}
    word = np.ones((1, 1), dtype=complex)
    for wire in range(n):
        word = np.kron(word, letters[on.get(wire, "I")])
    return word


def _measurements(plan: Any, terms: list[Any], rows: int) -> Any:
    """(rows, outputs): ``_runtime._measurements`` for a batch, differentiably."""
    import autograd.numpy as anp

    out = []
    for kind, term, _, _ in plan.measures:
        if kind in ("expval", "probs"):
            out.append(terms[term])
        elif kind == "var":
            out.append(1.0 - terms[term] * terms[term])
        else:
            raise ValueError("sample measurements are random draws: they have no gradient")
    return anp.concatenate(out, axis=1) if out else anp.zeros((rows, 0))
