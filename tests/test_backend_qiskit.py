"""The Qiskit target: exact gate matrices, channels, bit order, and generated module == in memory."""

from __future__ import annotations

import importlib.util
import math
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pennylane as qml
import pytest
from qiskit.circuit import QuantumCircuit
from qiskit.circuit import library as lib
from qiskit.quantum_info import Operator, SparsePauliOp

import dreamlang
from dreamlang import api
from dreamlang.backends import get_backend
from dreamlang.backends._runtime import _kraus
from dreamlang.backends.qiskit import CHANNEL_STEPS, GATE_STEPS
from dreamlang.gates import CHANNELS, GATES
from tests.peer_gates import QISKIT_GATES

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.dream"))

# Qiskit's own gate class for every dreamlang gate (rot has none: it is checked against qml.Rot).
REFERENCE: dict[str, Any] = QISKIT_GATES

CHANNEL_VALUES = {
    "depolarizing": (0.1,),
    "bit_flip": (0.2,),
    "phase_flip": (0.3,),
    "pauli_channel": (0.05, 0.1, 0.15),
    "amplitude_damping": (0.25,),
    "phase_damping": (0.35,),
    "generalized_amplitude_damping": (0.2, 0.6),
    "thermal_relaxation": (50.0, 70.0, 10.0),
}

SPECIAL = (0.0, math.pi / 2, -math.pi / 2, math.pi, -math.pi, 2 * math.pi, 4 * math.pi)

# Every channel (one on a schedule), training-only noise, dropout, and every math function in
# angles: what the examples do not cover.
NOISY = """
model noisy {
    qubits 3
    input x[3]
    param w[2, 3] ~ normal(0, 1)
    repeat 2 as l {
        layer {
            for q in 0..3 {
                ry(x[q] * w[l, q]) on q
            }
            rx(sqrt(2 + sin(w[l, 0])) + arctan(x[1]) - exp(x[2]) * cos(w[l, 1])) on 0
            rz(log(2 + tan(x[0] / 4)) / arcsin(0.5 + x[1] / 4) ** 2) on 1
            u3(arccos(x[2] / 2), -w[l, 2], 2 * pi) on 2
            cnot on [0, 1]
            cz on [1, 2]
        }
    }
    depolarizing(0.02) on 0
    bit_flip(0.03) on 1
    phase_flip(linear(0.1, 0.0, epochs=10)) on 2
    pauli_channel(0.01, 0.02, 0.03) on 0
    amplitude_damping(0.05) on 1
    phase_damping(0.04) on 2
    generalized_amplitude_damping(0.1, 0.3) on 0
    thermal_relaxation(t1=50, t2=70, time=1) on 1
    dropout rotations p = 0.5
    noise bit_flip p = cosine(0.1, 0.0, epochs=10) after each layer training

    measure expval X0 Y1
    measure probs on [2, 0]
    measure var Z1
    measure sample Z2 shots 5
    head { dense 2; tanh }
}
"""

CANARY = """
model canary {
    qubits 2
    x on 0
    measure probs on [0, 1]
    measure probs on [1, 0]
    measure expval Z0
    measure expval Z1
}
"""


def _gate_model(name: str) -> str:
    spec = GATES[name]
    decl = "    param a[3] ~ uniform(0, 1)\n" if spec.params else ""
    args = "(" + ", ".join(f"a[{i}]" for i in range(len(spec.params))) + ")"
    wires = ", ".join(str(w) for w in range(spec.num_wires))
    call = f"{name}{args if spec.params else ''} on [{wires}]"
    return f"model g {{\n    qubits {spec.num_wires}\n{decl}    {call}\n}}\n"


def _bind(circuit: QuantumCircuit, values: dict[str, np.ndarray]) -> QuantumCircuit:
    vectors = {p.vector.name: p.vector for p in circuit.parameters}
    binding = {v: values[n].tolist() for n, v in vectors.items()}
    return circuit.assign_parameters(binding, strict=False)  # a gate may read a[0] only


def _angle_sets(name: str) -> list[np.ndarray]:
    rng = np.random.default_rng(sum(map(ord, name)))
    sets = [rng.uniform(-10 * np.pi, 10 * np.pi, 3) for _ in range(3)]
    sets.append(rng.choice(SPECIAL, 3))
    return sets


def _reference(name: str, angles: np.ndarray) -> np.ndarray:
    if name == "rot":
        return np.asarray(qml.matrix(qml.Rot(*angles, wires=0)))
    gate = REFERENCE[name](*angles[: len(GATES[name].params)])
    return np.asarray(Operator(gate).data)


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"generated_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _emit(source: str | Path) -> str:
    program = api.load(source) if isinstance(source, Path) else api.parse(source)
    return get_backend("qiskit").emit(program)


def test_tables_lower_every_gate_and_channel() -> None:
    assert set(GATE_STEPS) == set(GATES)
    assert set(CHANNEL_STEPS) == set(CHANNELS)
    assert set(REFERENCE) | {"rot"} == set(GATES)


@pytest.mark.parametrize("name", sorted(GATES))
def test_gate_matrix_is_the_reference_gate_exactly(name: str) -> None:
    circuit = dreamlang.compile(_gate_model(name), target="qiskit").circuit
    dim = 2 ** GATES[name].num_wires
    p0, p1 = np.diag([1.0, 0.0]), np.diag([0.0, 1.0])
    for angles in _angle_sets(name):
        bound = _bind(circuit, {"a": angles})
        expected = _reference(name, angles)
        np.testing.assert_allclose(Operator(bound).data, expected, rtol=0, atol=1e-12)
        # A dropped global phase would show once the gate is controlled (control = qubit 0).
        controlled = Operator(bound.to_gate().control(1)).data
        reference = np.kron(expected, p1) + np.kron(np.eye(dim), p0)
        np.testing.assert_allclose(controlled, reference, rtol=0, atol=1e-12)
    assert bound.global_phase == 0


# kraus, whose value is a tensor, has its own tests (tests/test_kraus_channel.py).
@pytest.mark.parametrize("name", sorted(n for n, spec in CHANNELS.items() if not spec.variadic))
def test_channel_evolves_the_density_matrix_by_its_kraus_operators(name: str) -> None:
    values = CHANNEL_VALUES[name]
    call = f"{name}({', '.join(map(repr, values))}) on 0"
    model = dreamlang.compile(
        f"model c {{\n qubits 1\n ry(0.7) on 0\n rz(0.4) on 0\n {call}\n measure probs on [0]\n}}",
        target="qiskit",
    )
    psi = Operator(lib.RZGate(0.4)).data @ Operator(lib.RYGate(0.7)).data @ [1.0, 0.0]
    rho = np.outer(psi, psi.conj())
    expected = sum(k @ rho @ k.conj().T for k in _kraus(name, values))
    state = model.state({}, {})
    assert state.shape == (2, 2) and state.dtype == np.complex128
    np.testing.assert_allclose(state, expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(model.expectations({}, {}), np.diag(expected).real, atol=1e-12)


def test_wire_0_is_the_most_significant_bit() -> None:
    model = dreamlang.compile(CANARY, target="qiskit")
    values = model.expectations({}, {})
    np.testing.assert_allclose(values, [0, 0, 1, 0, 0, 1, 0, 0, -1, 1], atol=1e-12)
    state = model.state({}, {})
    np.testing.assert_allclose(state, [0, 0, 1, 0], atol=1e-12)
    assert model.observables[:2] == (None, None)
    assert model.observables[2] == SparsePauliOp("IZ")  # Qiskit labels: wire 0 rightmost
    assert model.observables[3] == SparsePauliOp("ZI")


def test_cnot_control_is_the_first_wire() -> None:
    source = "model c {{\n qubits 2\n x on 0\n cnot on [{}]\n measure probs on [0, 1]\n}}"
    forward = dreamlang.compile(source.format("0, 1"), target="qiskit").expectations({}, {})
    reverse = dreamlang.compile(source.format("1, 0"), target="qiskit").expectations({}, {})
    np.testing.assert_allclose(forward, [0, 0, 0, 1], atol=1e-12)
    np.testing.assert_allclose(reverse, [0, 0, 1, 0], atol=1e-12)


def test_parameter_vectors_are_named_as_in_the_source() -> None:
    source = "model u {\n qubits 2\n input X_in[2]\n param theta_1[2, 2]\n"
    source += " ry(X_in[1]) on 0\n rx(theta_1[1, 0]) on 1\n measure expval Z0\n}"
    circuit = dreamlang.compile(source, target="qiskit").circuit
    vectors = {p.vector.name: len(p.vector) for p in circuit.parameters}
    assert vectors == {"X_in": 2, "theta_1": 4}
    assert [p.name for p in circuit.parameters] == ["X_in[1]", "theta_1[2]"]
    iris = dreamlang.compile(ROOT / "examples" / "iris.dream", target="qiskit").circuit
    assert {p.vector.name: len(p.vector) for p in iris.parameters} == {"x": 4, "theta": 36}


def test_dropout_and_training_noise_shape_the_circuit() -> None:
    model = dreamlang.compile(ROOT / "examples" / "reuploading.dream", target="qiskit")
    names = [i.operation.name for i in model.circuit.data]
    assert "kraus" not in names and "global_phase" not in names
    training = [i.operation.name for i in model.build_circuit(training=True).data]
    assert training.count("kraus") == 8
    dropped = model.build_circuit(dropped=frozenset({2}))
    assert len(dropped.data) == len(names) - 3  # rot is three rotations


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Any]]:
    """name -> (generated file, its source) for every example, the noisy model and the canary."""
    out = tmp_path_factory.mktemp("qiskit")
    sources: dict[str, Any] = {p.stem: p for p in EXAMPLES}
    sources.update(noisy=NOISY, canary=CANARY)
    files = {}
    for name, source in sources.items():
        path = out / f"{name}_qiskit.py"
        path.write_text(_emit(source), encoding="utf-8")
        files[name] = (path, source)
    return files


@pytest.mark.parametrize("name", [*(p.stem for p in EXAMPLES), "noisy", "canary"])
def test_generated_module_equals_in_memory(
    name: str, generated: dict[str, tuple[Path, Any]]
) -> None:
    path, source = generated[name]
    module = _load(path)
    model = dreamlang.compile(source, target="qiskit")
    rng = np.random.default_rng(3)
    inputs = {k: rng.uniform(-1, 1, size=s) for k, s in model.inputs.items()}
    params = model.init_params(5)
    for key, value in module.init_params(5).items():
        np.testing.assert_array_equal(value, params[key])
    for epoch, training, seed in ((0, False, 2), (4, True, 7), (9, True, 8)):
        kwargs = {"epoch": epoch, "training": training, "seed": seed}
        np.testing.assert_array_equal(
            module.expectations(inputs, params, **kwargs),
            model.expectations(inputs, params, **kwargs),
        )
        np.testing.assert_array_equal(
            module.forward(inputs, params, **kwargs), model.forward(inputs, params, **kwargs)
        )
    built = module.build_circuit(epoch=4, training=True, dropped=frozenset({0}))
    mine = model.build_circuit(epoch=4, training=True, dropped=frozenset({0}))
    assert [i.operation.name for i in built.data] == [i.operation.name for i in mine.data]
    assert [p.name for p in built.parameters] == [p.name for p in mine.parameters]


def test_noisy_model_simulates_density_matrices() -> None:
    model = dreamlang.compile(NOISY, target="qiskit")
    inputs, params = {"x": np.array([0.3, -0.2, 0.9])}, model.init_params(1)
    rho = model.state(inputs, params, training=True, epoch=2)
    assert rho.shape == (8, 8) and rho.dtype == np.complex128
    assert abs(np.trace(rho) - 1) < 1e-12 and np.linalg.eigvalsh(rho).min() > -1e-12
    assert np.trace(rho @ rho).real < 1 - 1e-3  # mixed: the channels acted
    probs = model.expectations(inputs, params)[1:5]
    diagonal = np.diag(model.state(inputs, params)).real.reshape(2, 2, 2)
    np.testing.assert_allclose(probs, diagonal.sum(axis=1).T.reshape(-1), atol=1e-12)


def test_generated_files_pass_ruff(generated: dict[str, tuple[Path, Any]]) -> None:
    paths = [str(path) for path, _ in generated.values()]
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", *paths],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_emit_is_deterministic() -> None:
    for source in (*EXAMPLES, NOISY):
        assert _emit(source) == _emit(source)
    assert "global_phase" not in _emit(NOISY)
