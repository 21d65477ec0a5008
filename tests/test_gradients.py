"""Parameter-shift gradients (dreamlang.gradients) against finite differences and PennyLane's
own backprop, for every parametrized gate on every Python target."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pennylane as qml
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pennylane import numpy as pnp

import dreamlang
from dreamlang import gates
from dreamlang.gradients import GradientModel, gradient_model, jacobian, vjp

# autograd warns when it casts PennyLane's complex phase-gate matrices in backprop: harmless.
pytestmark = pytest.mark.filterwarnings("ignore::numpy.exceptions.ComplexWarning")

TARGETS = ("pennylane", "qiskit", "cirq")
ANGLED = tuple(name for name, spec in gates.GATES.items() if spec.params)
STEP = 1e-6  # central differences: error ~ STEP**2 * f''' + rounding ~ 1e-16 / STEP
TOL = 1e-6

# Angle expressions mixing parameters, inputs, constants and math functions; a gate's k angles
# use the first k (one-angle gates get one that involves two parameters).
ANGLES = ("w[0] * x[0] + 0.3", "sin(w[1]) - w[0] / 2", "w[2] ** 2 + x[1]")
ONE_ANGLE = "w[0] * x[0] + 0.3 - cos(w[1]) / 2"


def gate_source(gate: str) -> str:
    """Two qubits: fixed and input-only gates around the gate under test (u3 and sx after it,
    so that phases show), one other trainable rotation, and expval, var and probs measurements."""
    spec = gates.GATES[gate]
    angles = ONE_ANGLE if len(spec.params) == 1 else ", ".join(ANGLES[: len(spec.params)])
    wires = "0" if spec.num_wires == 1 else "[0, 1]"
    return f"""model g_{gate} {{
    qubits 2
    input x[2]
    param w[3]
    ry(x[1] + 0.8) on 0
    h on 1
    rx(0.7 * w[2]) on 1
    {gate}({angles}) on {wires}
    u3(0.5, 0.9, 1.3) on 0
    sx on 1
    cnot on [0, 1]
    ry(0.4) on 1
    measure expval Z on 0
    measure var X on 1
    measure probs on [0, 1]
}}
"""


@functools.cache
def gradients(gate: str, target: str) -> GradientModel:
    return GradientModel(dreamlang.parse(gate_source(gate)), target)


@functools.cache
def plain(gate: str, target: str) -> Any:
    return dreamlang.compile(gate_source(gate), target=target, optimize=0)


@functools.cache
def reference_qnode(gate: str) -> Any:
    return plain(gate, "pennylane").build_circuit()


def finite_differences(model: Any, inputs: dict[str, Any], w: np.ndarray, **when: Any) -> Any:
    """Central differences of model.expectations in each element of w: (outputs, 3)."""
    columns = []
    for i in range(w.size):
        step = np.zeros_like(w)
        step[i] = STEP
        up = model.expectations(inputs, {"w": w + step}, **when)
        down = model.expectations(inputs, {"w": w - step}, **when)
        columns.append((up - down) / (2 * STEP))
    return np.stack(columns, axis=1)


def pennylane_backprop(gate: str, inputs: dict[str, Any], w: np.ndarray) -> Any:
    """qml.jacobian (autograd, backprop on default.qubit) of the compiled PennyLane QNode,
    its terms assembled into the measurements: <Z0>, var X1 = 1 - <X1>^2, probs."""
    qnode = reference_qnode(gate)

    def outputs(theta: Any) -> Any:
        z0, x1, probs = qnode(inputs, {"w": theta})
        return qml.math.hstack([qml.math.stack([z0, 1 - x1**2]), probs])

    return np.asarray(qml.jacobian(outputs)(pnp.array(w, requires_grad=True)))


@pytest.mark.parametrize("gate", ANGLED)
def test_every_gate_on_every_target(gate: str) -> None:
    """Every parametrized gate, each target's shift gradient and finite differences."""
    rng = np.random.default_rng(sum(map(ord, gate)))
    w, x = rng.uniform(-np.pi, np.pi, 3), rng.uniform(-1, 1, 2)
    inputs = {"x": x}
    reference = pennylane_backprop(gate, inputs, w)
    assert np.max(np.abs(reference)) > 1e-3  # not trivially zero
    for target in TARGETS:
        jac = gradients(gate, target).jacobian(inputs, {"w": w})["w"]
        np.testing.assert_allclose(jac, reference, atol=TOL, err_msg=target)
        fd = finite_differences(plain(gate, target), inputs, w)
        np.testing.assert_allclose(fd, reference, atol=TOL, err_msg=f"fd on {target}")


_ANGLE = st.floats(-np.pi, np.pi, allow_nan=False)
_FEATURE = st.floats(-1.0, 1.0, allow_nan=False)


@pytest.mark.parametrize("gate", ANGLED)
@given(
    target=st.sampled_from(TARGETS),
    w=st.lists(_ANGLE, min_size=3, max_size=3),
    x=st.lists(_FEATURE, min_size=2, max_size=2),
)
def test_shift_gradients_match_backprop_and_finite_differences(
    gate: str, target: str, w: list[float], x: list[float]
) -> None:
    """Per gate, Hypothesis draws the target and the values: the profile's examples (200 on
    CI) for every gate with a parameter. Compiled models are cached per gate and target."""
    inputs, theta = {"x": np.array(x)}, np.array(w)
    jac = gradients(gate, target).jacobian(inputs, {"w": theta})["w"]
    reference = pennylane_backprop(gate, inputs, theta)
    np.testing.assert_allclose(jac, reference, atol=TOL, err_msg=f"{gate} on {target}")
    fd = finite_differences(plain(gate, target), inputs, theta)
    np.testing.assert_allclose(jac, fd, atol=TOL, err_msg=f"{gate} on {target}: fd")


# ---- dropout, exact mode, noise ----

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
}
"""

WHEN = [
    {},
    {"training": True, "seed": 3, "step": 0},
    {"training": True, "seed": 3, "step": 5},
    {"training": True, "mode": "exact"},
]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("when", WHEN, ids=["eval", "sampled0", "sampled5", "exact"])
def test_dropout_and_noise_match_finite_differences(target: str, when: dict[str, Any]) -> None:
    model = dreamlang.compile(NOISY, target=target, optimize=0)
    inputs, w = {"x": np.array([0.3, -0.5])}, np.array([0.4, -1.1, 0.8, 2.0])
    grad = gradient_model(model)
    jac = grad.jacobian(inputs, {"w": w}, **when)["w"]
    assert grad._broadcasting or target != "pennylane"  # one batch did all the shifts
    fd = finite_differences(model, inputs, w, **when)
    assert np.max(np.abs(fd)) > 1e-3
    np.testing.assert_allclose(jac, fd, atol=TOL)


ENSEMBLE = NOISY.replace("    measure expval Z on 0", "    ensemble 3\n    measure expval Z on 0")


@pytest.mark.parametrize("target", ["pennylane", "qiskit"])
def test_ensemble_with_var_matches_finite_differences(target: str) -> None:
    """Each member has its own mask, and var is not linear: its chain rule is per member."""
    model = dreamlang.compile(ENSEMBLE, target=target, optimize=0)
    inputs, w = {"x": np.array([0.3, -0.5])}, np.array([0.4, -1.1, 0.8, 2.0])
    when = {"training": True, "seed": 11}
    values, jac = gradient_model(model).value_and_jacobian(inputs, {"w": w}, **when)
    np.testing.assert_allclose(values, model.expectations(inputs, {"w": w}, **when), atol=1e-12)
    fd = finite_differences(model, inputs, w, **when)
    np.testing.assert_allclose(jac["w"], fd, atol=TOL)


# ---- the whole iris model ----


def test_iris_jacobian_agrees_across_targets() -> None:
    inputs = {"x": np.array([0.1, 0.2, 0.3, 0.4])}
    when = {"training": True, "seed": 7, "step": 1}
    jacs = {}
    for target in TARGETS:
        grad = gradient_model("examples/iris.dream", target)
        params = grad.model.init_params(0)
        jacs[target] = grad.jacobian(inputs, params, **when)["theta"]
    assert jacs["qiskit"].shape == (4, 3, 4, 3)
    assert np.max(np.abs(jacs["qiskit"])) > 1e-2
    for target in ("pennylane", "cirq"):
        np.testing.assert_allclose(jacs[target], jacs["qiskit"], atol=1e-8, err_msg=target)


# ---- API ----


def test_api_vjp_cache_and_head_parameters() -> None:
    source = gate_source("cry")
    inputs, w = {"x": [0.2, 0.9]}, np.array([0.5, -0.4, 1.3])
    model = dreamlang.compile(source, target="qiskit")
    full = jacobian(source, inputs, {"w": w}, target="qiskit")
    assert set(full) == {"w"} and full["w"].shape == (6, 3)
    assert gradient_model(source, "qiskit") is gradient_model(source, "qiskit")  # cached
    via_model = jacobian(model, inputs, {"w": w})  # a CompiledModel brings its target
    np.testing.assert_array_equal(via_model["w"], full["w"])
    upstream = np.arange(6.0)
    grad = vjp(source, upstream, inputs, {"w": w}, target="qiskit")
    np.testing.assert_allclose(grad["w"], upstream @ full["w"], atol=1e-14)
    values = gradient_model(source, "qiskit").expectations(inputs, {"w": w})
    np.testing.assert_allclose(values, model.expectations(inputs, {"w": w}), atol=1e-12)


def test_sample_measurements_and_missing_target_are_rejected() -> None:
    source = gate_source("rx").replace("measure var X on 1", "measure sample Z on 0 shots 5")
    with pytest.raises(ValueError, match="sample measurements have no gradient"):
        gradient_model(source, "qiskit")
    with pytest.raises(ValueError, match="target"):
        gradient_model(gate_source("rx"))
