"""Batched gradients and forward passes (one engine call per circuit configuration) against the
per-sample path, on every target: dropout, noise, exact mode, var, probs and ensembles."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import dreamlang
from dreamlang import batch_engines, gates
from dreamlang.batch_eval import angle_program
from dreamlang.gradients import GradientModel

TARGETS = ("pennylane", "qiskit", "cirq")
TOL = 1e-10

# Inputs inside angles (a product with a parameter, so some inner gradients are input-
# dependent), a controlled rotation (four-term rule), dropout, noise, var and probs.
NOISY = """model noisy {
    qubits 3
    input x[2]
    param w[4]
    ry(x[0]) on 0
    ry(x[1]) on 1
    rot(w[0], w[1] * x[0], 0.2) on 0
    crx(w[2] + 0.1) on [0, 1]
    ry(w[3]) on 2
    rzz(w[0] * w[3]) on [1, 2]
    cnot on [1, 2]
    amplitude_damping(0.1) on 1
    dropout rotations p = 0.4
    dropout entangling p = 0.3
    noise depolarizing p = 0.05 after each gate of [cnot] always
    measure expval Z on 0
    measure var Z1 Z2
    measure probs on [2]
    head { dense 2; softmax }
}
"""
# Noiseless: state vectors (and density matrices only for exact-mode dropout).
PURE = NOISY.replace("    amplitude_damping(0.1) on 1\n", "").replace(
    "    noise depolarizing p = 0.05 after each gate of [cnot] always\n", ""
)
ENSEMBLE = NOISY.replace("    measure expval Z on 0", "    ensemble 3\n    measure expval Z on 0")
SOURCES = {"noisy": NOISY, "pure": PURE, "ensemble": ENSEMBLE}

WHEN: dict[str, dict[str, Any]] = {
    "eval": {"epoch": 1},
    "sampled": {"training": True, "seed": 3, "step": 2, "epoch": 1},
    "exact": {"training": True, "mode": "exact"},
}
CASES = [
    ("noisy", "eval"),
    ("noisy", "sampled"),
    ("noisy", "exact"),
    ("pure", "sampled"),
    ("pure", "exact"),
    ("ensemble", "sampled"),
]


def batch() -> list[dict[str, np.ndarray]]:
    rng = np.random.default_rng(5)
    rows = [{"x": rng.uniform(-1.5, 1.5, 2)} for _ in range(3)]
    rows.append({"x": np.array([0.0, 0.4])})  # x[0] = 0: w[1]'s slot has no circuits here
    return rows


PARAMS = {"w": np.array([0.4, -1.1, 0.8, 2.0])}


def assert_batch_matches(grad: GradientModel, when: dict[str, Any]) -> None:
    inputs = batch()
    values, jacobians = grad.batch_value_and_jacobian(inputs, PARAMS, **when)
    assert values.shape == (len(inputs), grad.output_size)
    for i, x in enumerate(inputs):
        value, jac = grad.value_and_jacobian(x, PARAMS, **when)
        np.testing.assert_allclose(values[i], value, atol=TOL, rtol=0)
        np.testing.assert_allclose(jacobians["w"][i], jac["w"], atol=TOL, rtol=0)
    assert np.max(np.abs(jacobians["w"])) > 1e-3


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize(("source", "when"), CASES, ids=[f"{s}-{w}" for s, w in CASES])
def test_batched_jacobian_equals_per_sample(target: str, source: str, when: str) -> None:
    grad = GradientModel(dreamlang.parse(SOURCES[source]), target)
    assert_batch_matches(grad, WHEN[when])


@pytest.mark.parametrize("target", TARGETS)
def test_batched_forward_equals_compiled_model(target: str) -> None:
    """Eval-mode predictions (what the trainer reports) and the expectations, with var."""
    for source in ("noisy", "ensemble"):
        program = dreamlang.parse(SOURCES[source])
        grad = GradientModel(program, target)
        model = dreamlang.compile(program, target, optimize=0)
        params = {**model.init_params(1), **PARAMS}
        inputs = batch()
        outputs = grad.batch_forward(inputs, params, epoch=2)
        values = grad.batch_expectations(inputs, params, epoch=2)
        for i, x in enumerate(inputs):
            np.testing.assert_allclose(outputs[i], model.forward(x, params, epoch=2), atol=TOL)
            np.testing.assert_allclose(values[i], model.expectations(x, params, epoch=2), atol=TOL)


def test_iris_batch_agrees_across_targets_and_with_per_sample() -> None:
    """The trainer's case: one mask for the whole batch, density matrices (noise)."""
    inputs = [{"x": np.array([0.1, 0.2, 0.3, 0.4])}, {"x": np.array([2.0, 0.5, 1.5, 3.0])}]
    when = {"training": True, "seed": 7, "step": 1, "epoch": 3}
    jacobians = {}
    for target in TARGETS:
        grad = GradientModel(dreamlang.load("examples/iris.dream"), target)
        params = grad.model.init_params(0)
        values, jac = grad.batch_value_and_jacobian(inputs, params, **when)
        jacobians[target] = jac["theta"]
        if target == "qiskit":  # the per-sample path once (it is the slow one)
            value, single = grad.value_and_jacobian(inputs[1], params, **when)
            np.testing.assert_allclose(values[1], value, atol=TOL)
            np.testing.assert_allclose(jac["theta"][1], single["theta"], atol=TOL)
    assert jacobians["qiskit"].shape == (2, 4, 3, 4, 3)
    for target in ("pennylane", "cirq"):
        np.testing.assert_allclose(jacobians[target], jacobians["qiskit"], atol=1e-10)


def test_qiskit_without_aer_falls_back_to_quantum_info(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch_engines, "aer_available", lambda: False)
    grad = GradientModel(dreamlang.parse(NOISY), "qiskit")
    assert_batch_matches(grad, WHEN["sampled"])


def test_qiskit_falls_back_when_aer_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    from qiskit.exceptions import QiskitError

    def failing(*args: Any) -> Any:
        raise QiskitError("invalid instructions")

    monkeypatch.setattr(batch_engines, "_aer_engine", failing)
    grad = GradientModel(dreamlang.parse(NOISY), "qiskit")
    with pytest.warns(UserWarning, match="using quantum_info"):
        values = grad.batch_expectations(batch(), PARAMS)
    np.testing.assert_allclose(values[0], grad.expectations(batch()[0], PARAMS), atol=TOL)


def test_empty_batch_and_bad_inputs() -> None:
    grad = GradientModel(dreamlang.parse(NOISY), "qiskit")
    values, jac = grad.batch_value_and_jacobian([], PARAMS)
    assert values.shape == (0, grad.output_size)
    assert jac["w"].shape == (0, grad.output_size, 4)
    with pytest.raises(ValueError, match="input 'x' has shape"):
        grad.batch_expectations([{"x": np.zeros(3)}], PARAMS)


def test_angle_program_keeps_ops_and_tags() -> None:
    """Only angles that depend on inputs or parameters move into grad.angles; op indices,
    constant angles, channels and dropout tags stay, so masks and noise are the same."""
    program = dreamlang.parse(NOISY)
    angled, exprs = angle_program(program)
    assert angled.model is not None and program.model is not None
    assert len(angled.model.ops) == len(program.model.ops)
    for old, new in zip(program.model.ops, angled.model.ops, strict=True):
        assert (old.name, old.wires, old.tags) == (new.name, new.wires, new.tags)
    assert len(exprs) == 7  # ry, ry, rot's first two angles, crx, ry, rzz
    assert [p.name for p in angled.model.params] == ["grad.angles"]


@pytest.mark.parametrize("noisy", [False, True], ids=["statevector", "density_matrix"])
def test_every_angled_gate_binds_exactly_on_each_engine(noisy: bool) -> None:
    """Aer's parameter binding is wrong for some gates (cp, crx, ...): the engine decomposes
    them first. Every gate with an angle, on each target's engine, against its own one by one."""
    lines = []
    for name, spec in gates.GATES.items():
        if spec.params and spec.kind == "gate":
            angles = ", ".join(f"w[{i}] * x[0] + {i}" for i in range(len(spec.params)))
            wires = "[" + ", ".join(str(w) for w in range(spec.num_wires)) + "]"
            lines.append(f"    {name}({angles}) on {wires}")
    noise = "    noise depolarizing p = 0.01 after each gate of [h]\n" if noisy else ""
    head = "model every {\n    qubits 3\n    input x[1]\n    param w[3]\n    h on 0\n"
    tail = "    measure expval Z0 Z1\n    measure probs on [2, 0]\n}\n"
    source = head + "\n".join(lines) + "\n" + noise + tail
    angled, _ = angle_program(dreamlang.parse(source))
    rng = np.random.default_rng(2)
    for target in TARGETS:
        model = dreamlang.compile(angled, target, optimize=0)
        angles = rng.uniform(-3, 3, (3, model.params["grad.angles"][0]))
        engine = batch_engines.engine_for(target)
        got = engine(model, angles, batch_engines.Config())
        want = batch_engines.one_by_one(model, angles, batch_engines.Config())
        for g, w in zip(got, want, strict=True):
            np.testing.assert_allclose(g, w, atol=TOL, err_msg=target)
