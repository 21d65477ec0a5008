"""The PennyLane target: exact gate matrices, native channels, and generated module == in memory."""

from __future__ import annotations

import ast
import importlib.util
import io
import subprocess
import sys
import tokenize
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pennylane as qml
import pytest
from pennylane import numpy as pnp
from qiskit import QuantumCircuit
from qiskit.quantum_info import Operator

import dreamlang
from dreamlang import api
from dreamlang.backends import _runtime, get_backend
from dreamlang.backends.pennylane import PennyLaneBackend
from dreamlang.backends.pennylane_lowering import CHANNEL_OPS, GATE_OPS
from dreamlang.compiled import CompiledModel
from dreamlang.gates import CHANNELS, GATES
from tests.peer_gates import QISKIT_GATES

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((REPO / "examples").glob("*.dream"))
ANGLES = (0.7, -1.3, 2.9)

# PennyLane's own operations, written independently of the lowering table.
PENNYLANE: dict[str, Callable[..., Any]] = {
    "i": qml.Identity,
    "h": qml.Hadamard,
    "x": qml.PauliX,
    "y": qml.PauliY,
    "z": qml.PauliZ,
    "s": qml.S,
    "sdg": lambda wires: qml.adjoint(qml.S(wires)),
    "t": qml.T,
    "tdg": lambda wires: qml.adjoint(qml.T(wires)),
    "sx": qml.SX,
    "sxdg": lambda wires: qml.adjoint(qml.SX(wires)),
    "rx": qml.RX,
    "ry": qml.RY,
    "rz": qml.RZ,
    "phase": qml.PhaseShift,
    "rot": qml.Rot,
    "u3": qml.U3,
    "cnot": qml.CNOT,
    "cz": qml.CZ,
    "cy": qml.CY,
    "ch": qml.CH,
    "swap": qml.SWAP,
    "iswap": qml.ISWAP,
    "crx": qml.CRX,
    "cry": qml.CRY,
    "crz": qml.CRZ,
    "rxx": qml.IsingXX,
    "ryy": qml.IsingYY,
    "rzz": qml.IsingZZ,
    "cphase": qml.ControlledPhaseShift,
    "ccx": qml.Toffoli,
    "cswap": qml.CSWAP,
}


def _rot_circuit(phi: float, theta: float, omega: float) -> QuantumCircuit:
    circuit = QuantumCircuit(1)  # time order rz(phi), ry(theta), rz(omega): RZ(ω)·RY(θ)·RZ(φ)
    circuit.rz(phi, 0)
    circuit.ry(theta, 0)
    circuit.rz(omega, 0)
    return circuit


QISKIT: dict[str, Callable[..., Any]] = {**QISKIT_GATES, "rot": _rot_circuit}

CHANNEL_VALUES = {
    "depolarizing": (0.3,),
    "bit_flip": (0.2,),
    "phase_flip": (0.15,),
    "pauli_channel": (0.1, 0.2, 0.05),
    "amplitude_damping": (0.35,),
    "phase_damping": (0.25,),
    "generalized_amplitude_damping": (0.3, 0.2),
    "thermal_relaxation": (50.0, 70.0, 10.0),
}

# Names that are Python keywords, builtins and our own module's names, on every code path:
# all channels (native and Kraus), a schedule, dropout, training-only noise, a scalar input,
# a math function, every kind of measurement (the empty word included) and a head.
NOISY = """
model sink {
    qubits 3
    input np[3]
    input lambda
    param qml[2, 3] ~ normal(0, 1)
    param inputs ~ constant(0.5)

    repeat 2 as l {
        layer {
            ry(sin(np[0]) * qml[l, 0]) on 0
            rx(qml[l, 1] + lambda) on 1
            u3(qml[l, 2], inputs, sqrt(2) * np[2]) on 2
            cphase(inputs) on [0, 1]
            iswap on [1, 2]
            ccx on [0, 1, 2]
        }
    }
    pauli_channel(0.01, 0.02, 0.03) on 1
    thermal_relaxation(t1=50, t2=70, time=1) on 2
    generalized_amplitude_damping(0.1, 0.5) on 0
    amplitude_damping(linear(0.05, 0.0, epochs=10)) on 0
    phase_damping(0.02) on 1
    bit_flip(0.03) on 2
    phase_flip(0.04) on 0
    depolarizing(0.05) on 1
    dropout rotations p = 0.5
    noise depolarizing p = 0.02 after each gate of [cphase] training
    measure expval Z on all
    measure expval X0 Y1
    measure expval I on 0
    measure var Z0 Z2
    measure probs on [2, 0]
    measure sample Z0 shots 20
    head { dense 2; tanh }
}
"""

CASES = {**{path.stem: path.read_text() for path in EXAMPLES}, "noisy": NOISY}


def _gate_model(name: str) -> tuple[str, dict[str, np.ndarray]]:
    """A model applying one gate to wires 0..k-1, its angles read from the input ``a``."""
    spec = GATES[name]
    k = len(spec.params)
    args = "(" + ", ".join(f"a[{i}]" for i in range(k)) + ")" if k else ""
    wires = "[" + ", ".join(str(w) for w in range(spec.num_wires)) + "]"
    lines = [f"model g {{\n    qubits {spec.num_wires}"]
    if k:
        lines.append(f"    input a[{k}]")
    lines.append(f"    {name}{args} on {wires}\n    measure probs\n}}")
    inputs = {"a": np.array(ANGLES[:k])} if k else {}
    return "\n".join(lines) + "\n", inputs


def _matrix(model: CompiledModel, inputs: dict[str, np.ndarray], n: int) -> np.ndarray:
    matrix = qml.matrix(model.circuit, wire_order=range(n))(inputs, {})
    return np.asarray(matrix, dtype=np.complex128).reshape(2**n, 2**n)


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"generated_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def backend() -> PennyLaneBackend:
    backend = get_backend("pennylane")
    assert isinstance(backend, PennyLaneBackend)
    return backend


@pytest.fixture(scope="module")
def built(
    backend: PennyLaneBackend, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[CompiledModel, ModuleType, Path]]:
    """Each case compiled in memory and emitted to a file, imported from that file."""
    folder = tmp_path_factory.mktemp("pennylane")
    out = {}
    for name, source in CASES.items():
        program = api.parse(source)
        path = folder / f"{name}.py"
        path.write_text(backend.emit(program))
        out[name] = (dreamlang.compile(program, target="pennylane"), _load(path), path)
    return out


def _values(model: CompiledModel, seed: int) -> tuple[dict[str, Any], dict[str, Any]]:
    rng = np.random.default_rng(seed)
    inputs = {name: rng.uniform(-2, 2, size=shape) for name, shape in model.inputs.items()}
    return inputs, model.init_params(seed)


# ---- gates and channels ----


def test_every_gate_and_channel_has_a_lowering() -> None:
    assert set(GATE_OPS) == set(GATES) == set(PENNYLANE) == set(QISKIT)
    assert set(CHANNEL_OPS) == set(CHANNELS) == {*CHANNEL_VALUES, "kraus"}


@pytest.mark.parametrize("name", sorted(GATES))
def test_gate_matrix_is_pennylanes_and_qiskits_exactly(name: str) -> None:
    source, inputs = _gate_model(name)
    model = dreamlang.compile(source, target="pennylane")
    n = GATES[name].num_wires
    angles = ANGLES[: len(GATES[name].params)]
    got = _matrix(model, inputs, n)
    own = qml.matrix(PENNYLANE[name](*angles, wires=range(n)), wire_order=range(n))
    np.testing.assert_allclose(got, own, rtol=0, atol=1e-12)
    # Qiskit orders qubits little-endian: reverse them to compare with wire 0 most significant.
    qiskit = Operator(QISKIT[name](*angles)).reverse_qargs().data
    np.testing.assert_allclose(got, qiskit, rtol=0, atol=1e-12)
    state = model.state(inputs, {})
    assert state.dtype == np.complex128
    np.testing.assert_allclose(state, got[:, 0], rtol=0, atol=1e-12)


def _superoperator(kraus: list[np.ndarray]) -> np.ndarray:
    return np.sum([np.kron(k, k.conj()) for k in kraus], axis=0)


@pytest.mark.parametrize("name", sorted(name for name, op in CHANNEL_OPS.items() if op))
def test_native_channels_are_dreamlangs_channels(name: str) -> None:
    native = CHANNEL_OPS[name]
    assert native is not None
    values = CHANNEL_VALUES[name]
    ops = native.apply(values, [0]).kraus_matrices()
    expected = _runtime._kraus(name, values)
    np.testing.assert_allclose(_superoperator(ops), _superoperator(expected), rtol=0, atol=1e-12)


# kraus, whose value is a tensor, has its own tests (tests/test_kraus_channel.py).
@pytest.mark.parametrize("name", sorted(CHANNEL_VALUES))
def test_channel_acts_on_the_density_matrix(name: str) -> None:
    values = ", ".join(repr(v) for v in CHANNEL_VALUES[name])
    source = (
        "model c {\n    qubits 2\n    u3(0.7, -1.3, 2.9) on 1\n    h on 0\n"
        f"    {name}({values}) on 1\n    measure expval Z on all\n}}\n"
    )
    model = dreamlang.compile(source, target="pennylane")
    rho = model.state({}, {})
    assert rho.shape == (4, 4) and rho.dtype == np.complex128
    psi = np.kron(qml.matrix(qml.Hadamard(0))[:, 0], qml.matrix(qml.U3(*ANGLES, wires=0))[:, 0])
    expected = sum(
        np.kron(np.eye(2), k) @ np.outer(psi, psi.conj()) @ np.kron(np.eye(2), k).conj().T
        for k in _runtime._kraus(name, CHANNEL_VALUES[name])
    )
    np.testing.assert_allclose(rho, expected, rtol=0, atol=1e-12)
    z1 = float(np.real(np.trace(rho @ np.kron(np.eye(2), np.diag([1.0, -1.0])))))
    np.testing.assert_allclose(model.expectations({}, {})[1], z1, rtol=0, atol=1e-12)


# ---- wire order, observables, terms, autodiff ----


def test_wire_zero_is_the_most_significant_bit() -> None:
    source = (
        "model m {\n    qubits 3\n    x on 0\n    cnot on [0, 2]\n"
        "    measure probs on [0, 1]\n    measure probs on [2, 1]\n"
        "    measure expval Z on all\n    measure expval I on 1\n}\n"
    )
    model = dreamlang.compile(source, target="pennylane")
    state = model.state({}, {})
    np.testing.assert_array_equal(state, np.eye(8)[0b101])
    values = model.expectations({}, {})
    np.testing.assert_allclose(values, [0, 0, 1, 0, 0, 0, 1, 0, -1, 1, -1, 1], atol=1e-12)
    assert model.expectations({}, {})[-1] == 1.0  # the empty word, exactly


def test_observables_and_circuit(built: dict[str, tuple[CompiledModel, ModuleType, Path]]) -> None:
    model = built["reuploading"][0]
    z0z1, probs = model.observables
    assert qml.equal(z0z1, qml.PauliZ(0) @ qml.PauliZ(1)) and probs is None
    assert isinstance(model.circuit, qml.QNode)
    assert model.circuit is model.circuit  # the inference QNode is built once
    noisy = built["noisy"][0].observables
    assert qml.equal(noisy[3], qml.PauliX(0) @ qml.PauliY(1))
    assert qml.equal(noisy[4], qml.Identity(0))
    assert built["zz_kernel"][0].circuit.device.name == "default.qubit"
    assert built["iris"][0].circuit.device.name == "default.mixed"


def test_pure_state_is_a_complex128_vector(
    built: dict[str, tuple[CompiledModel, ModuleType, Path]],
) -> None:
    model = built["zz_kernel"][0]
    inputs, params = _values(model, 3)
    state = model.state(inputs, params)
    assert state.shape == (8,) and state.dtype == np.complex128
    np.testing.assert_allclose(np.vdot(state, state), 1.0, atol=1e-12)
    x0 = np.kron(np.array([[0, 1], [1, 0]]), np.eye(4))
    np.testing.assert_allclose(
        np.vdot(state, x0 @ state).real, model.expectations(inputs, params)[0], atol=1e-12
    )


def test_the_qnode_is_differentiable(
    built: dict[str, tuple[CompiledModel, ModuleType, Path]],
) -> None:
    source = "model d {\n    qubits 1\n    input x[1]\n    param w[1] ~ zeros\n"
    source += "    ry(sin(x[0]) * w[0]) on 0\n    measure expval Z on 0\n}\n"
    model = dreamlang.compile(source, target="pennylane")
    x = pnp.array([0.8], requires_grad=False)
    w = pnp.array([0.6], requires_grad=True)
    got = qml.grad(lambda w: model.circuit({"x": x}, {"w": w})[0])(w)
    np.testing.assert_allclose(got, [-np.sin(np.sin(0.8) * 0.6) * np.sin(0.8)], atol=1e-9)
    circuit = built["zz_kernel"][1].build_circuit()
    inputs, params = _values(built["zz_kernel"][0], 1)
    theta = pnp.array(params["theta"], requires_grad=True)
    grad = qml.grad(lambda t: circuit(inputs, {**params, "theta": t})[0])(theta)
    assert grad.shape == theta.shape and np.all(np.isfinite(grad))


# ---- the generated module ----


@pytest.mark.parametrize("case", sorted(CASES))
def test_module_agrees_with_the_compiled_model(
    case: str, built: dict[str, tuple[CompiledModel, ModuleType, Path]]
) -> None:
    model, module, _ = built[case]
    assert (model.inputs, model.params) == (module.INPUTS, module.PARAMS)
    inputs, params = _values(model, 5)
    # A seed everywhere: 'sample' measurements draw from it.
    for kwargs in (
        {"seed": 1},
        {"epoch": 4, "seed": 2},
        {"training": True, "seed": 7},
        {"training": True, "seed": 8, "epoch": 3},
    ):
        for fn in ("expectations", "forward"):
            mine, theirs = getattr(model, fn), getattr(module, fn)
            np.testing.assert_allclose(
                theirs(inputs, params, **kwargs), mine(inputs, params, **kwargs), rtol=0, atol=1e-12
            )
    for name, value in module.init_params(3).items():
        np.testing.assert_array_equal(value, model.init_params(3)[name])


def test_module_build_circuit_leaves_out_dropped_and_training_ops(
    built: dict[str, tuple[CompiledModel, ModuleType, Path]],
) -> None:
    model, module, _ = built["noisy"]
    inputs, params = _values(model, 2)

    def count(circuit: Any) -> int:
        return len(qml.workflow.construct_tape(circuit)(inputs, params).operations)

    full = count(module.build_circuit())
    assert count(module.build_circuit(training=True)) == full + 4  # training-only depolarizing
    assert count(module.build_circuit(dropped=frozenset({0, 9, 3}))) == full - 2  # 3: no dropout
    for kwargs in ({}, {"training": True, "dropped": frozenset({1, 8}), "epoch": 6}):
        ours = module.build_circuit(**kwargs)(inputs, params)
        theirs = model.build_circuit(**kwargs)(inputs, params)
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def test_generated_modules_pass_ruff(
    built: dict[str, tuple[CompiledModel, ModuleType, Path]],
) -> None:
    paths = [str(path) for _, _, path in built.values()]
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", *paths],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_user_names_appear_only_in_string_literals(
    built: dict[str, tuple[CompiledModel, ModuleType, Path]],
) -> None:
    text = built["noisy"][2].read_text()
    identifiers = {
        getattr(node, attr)
        for node in ast.walk(ast.parse(text))
        for attr in ("id", "attr", "arg", "name")
        if isinstance(getattr(node, attr, None), str)
    }
    # 'qml', 'np' and 'inputs' are the emitter's own names; 'lambda' is not an identifier at all.
    assert "lambda" not in identifiers
    assert "params['qml'][1, 2]" in text and "params['inputs']" in text
    assert "inputs['np'][0]" in text and "inputs['lambda']" in text
    comments = [
        tok.string
        for tok in tokenize.generate_tokens(io.StringIO(text).readline)
        if tok.type == tokenize.COMMENT
    ]
    assert not any("sink" in c or "lambda" in c for c in comments)


def test_emit_is_deterministic(backend: PennyLaneBackend) -> None:
    for source in CASES.values():
        assert backend.emit(api.parse(source)) == backend.emit(api.parse(source))
