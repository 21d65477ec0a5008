"""The Cirq target: exact gate matrices and channels, and generated modules against memory."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import cirq
import numpy as np
import pennylane as qml
import pytest
import sympy
from qiskit import QuantumCircuit
from qiskit.circuit import library as lib
from qiskit.quantum_info import Operator

import dreamlang
from dreamlang import api
from dreamlang.backends import cirq_lowering, get_backend
from dreamlang.backends._runtime import _kraus
from dreamlang.gates import CHANNELS, GATES
from tests.peer_gates import QISKIT_GATES

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((REPO / "examples").glob("*.dream"))

# Each dreamlang gate as the peer library's own gate, angles in dreamlang's order.
SPECIAL_ANGLES = (0.0, np.pi / 2, -np.pi / 2, np.pi, -np.pi, 2 * np.pi, 4 * np.pi)


def peer_gate(name: str, angles: tuple[float, ...]) -> Any:
    if name == "rot":  # PennyLane's Rot has no Qiskit class
        return lib.UnitaryGate(qml.matrix(qml.Rot(*angles, wires=0)))
    return QISKIT_GATES[name](*angles)


def peer_matrix(name: str, angles: tuple[float, ...], wires: tuple[int, ...]) -> np.ndarray:
    """The peer gate on ``wires`` of a len(wires)-qubit register, wire 0 most significant."""
    qc = QuantumCircuit(len(wires))
    qc.append(peer_gate(name, angles), list(wires))
    return np.asarray(Operator(qc).reverse_qargs().data)


def one_gate_model(name: str, wires: tuple[int, ...]) -> str:
    arity = len(GATES[name].params)
    args = "(" + ", ".join(f"a[{i}]" for i in range(arity)) + ")" if arity else ""
    param = f"    param a[{arity}] ~ uniform(0, 1)\n" if arity else ""
    on = f"[{', '.join(map(str, wires))}]" if len(wires) > 1 else str(wires[0])
    return f"model g {{\n    qubits {len(wires)}\n{param}    {name}{args} on {on}\n}}\n"


def resolved_unitary(circuit: Any, angles: tuple[float, ...], num_qubits: int) -> np.ndarray:
    resolver = cirq.ParamResolver({f"a[{i}]": v for i, v in enumerate(angles)})
    resolved = cirq.resolve_parameters(circuit, resolver)
    return np.asarray(resolved.unitary(qubit_order=cirq.LineQubit.range(num_qubits)))


def test_every_gate_and_channel_has_a_peer_and_a_lowering() -> None:
    assert set(QISKIT_GATES) | {"rot"} == set(GATES)
    model = dreamlang.compile(one_gate_model("h", (0,)), target="cirq")
    assert model.target == "cirq"
    assert set(cirq_lowering.GATES) == set(GATES)
    assert set(cirq_lowering.CHANNELS) == set(CHANNELS)


@pytest.mark.parametrize("name", sorted(GATES))
def test_gate_matrix_equals_the_peer_gate_exactly(name: str) -> None:
    spec = GATES[name]
    rng = np.random.default_rng(sorted(GATES).index(name))
    angle_sets = [tuple(rng.uniform(-10 * np.pi, 10 * np.pi, len(spec.params))) for _ in range(3)]
    angle_sets += [(v,) * len(spec.params) for v in SPECIAL_ANGLES]
    natural = tuple(range(spec.num_wires))
    # Reversed wires catch a lowering that mixes up control and target or the bit order.
    for wires in (natural, natural[::-1]):
        model = dreamlang.compile(one_gate_model(name, wires), target="cirq")
        for angles in angle_sets:
            got = resolved_unitary(model.circuit, angles, spec.num_wires)
            want = peer_matrix(name, angles, wires)
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-12, err_msg=f"{name} {wires}")


def test_rot_and_u3_also_match_pennylane() -> None:
    angles = (0.3, -1.7, 2.9)
    for name, peer in (("rot", qml.Rot), ("u3", qml.U3)):
        model = dreamlang.compile(one_gate_model(name, (0,)), target="cirq")
        got = resolved_unitary(model.circuit, angles, 1)
        want = qml.matrix(peer(*angles, wires=0))
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


def superoperator(kraus: list[np.ndarray]) -> np.ndarray:
    return np.asarray(sum(np.kron(k, k.conj()) for k in kraus))


CHANNEL_VALUES = {
    "depolarizing": "0.3",
    "bit_flip": "0.2",
    "phase_flip": "0.35",
    "pauli_channel": "0.1, 0.15, 0.2",
    "amplitude_damping": "0.4",
    "phase_damping": "0.25",
    "generalized_amplitude_damping": "0.3, 0.2",
    "thermal_relaxation": "50, 70, 3",
}


# kraus, whose value is a tensor, has its own tests (tests/test_kraus_channel.py).
@pytest.mark.parametrize("name", sorted(n for n, spec in CHANNELS.items() if not spec.variadic))
def test_channel_equals_dreamlang_kraus_channel(name: str) -> None:
    source = f"model c {{\n    qubits 2\n    {name}({CHANNEL_VALUES[name]}) on 1\n}}\n"
    model = dreamlang.compile(source, target="cirq")
    (op,) = model.circuit.all_operations()
    assert op.qubits == (cirq.LineQubit(1),)
    values = tuple(float(v) for v in CHANNEL_VALUES[name].split(","))
    np.testing.assert_allclose(
        superoperator(list(cirq.kraus(op))),
        superoperator(_kraus(name, values)),
        rtol=0,
        atol=1e-14,
    )


def test_channel_strength_follows_the_epoch() -> None:
    source = "model c {\n    qubits 1\n    bit_flip(linear(0.4, 0.0, epochs=10)) on 0\n}\n"
    model = dreamlang.compile(source, target="cirq")
    for epoch, p in ((0, 0.4), (5, 0.2), (10, 0.0)):
        (op,) = model.build_circuit(epoch=epoch).all_operations()
        assert op.gate == cirq.bit_flip(p)


NOISY = """
import "std/topologies.dream"

model noisy {
    qubits 4
    input sym[2]
    param ops[2, 3] ~ normal(0, 1)
    param q[2] ~ uniform(-1, 1)

    h on all
    repeat 2 as l {
        layer {
            rot(ops[l, 0], ops[l, 1], ops[l, 2]) on 0
            u3(sin(sym[0]), arccos(sym[1] / 2), arctan(q[l]) - sym[0]) on 1
            phase(sym[0] + q[l]) on 2
            rzz(sym[1] - 1) on [0, 1]
            cphase(-q[0] * 2) on [1, 2]
            crx(sqrt(sym[0]) ** 2) on [2, 0]
            entangle linear using cnot
        }
    }
    pauli_channel(0.01, 0.02, 0.03) on 1
    generalized_amplitude_damping(0.1, 0.5) on 2
    thermal_relaxation(t1=50, t2=70, time=1) on 0
    phase_damping(0.05) on 1
    bit_flip(0.02) on 2
    phase_flip(exp(-1) / 10) on 0
    dropout rotations p = linear(0.5, 0.0, epochs=10), p_layer = 0.3 group layer
    dropout entangling p = 0.4
    noise depolarizing p = cosine(0.05, 0.0, epochs=20) after each layer
    noise amplitude_damping gamma = 0.02 after each gate of [cnot] on [0, 1] training

    measure expval Z0 Z1
    measure probs on [2, 0]
    measure var X1
    measure expval Y2 X0
    measure sample Z0 shots 5
    measure sample on [1, 0] shots 3
    head { dense 2; tanh }
}
"""

PURE = """
model pure {
    qubits 4
    input x[3]
    param w[3] ~ uniform(-3, 3)
    i on 3
    h on 0
    x on 1
    y on 2
    z on 0
    s on 1
    sdg on 2
    t on 0
    tdg on 1
    sx on 2
    sxdg on 0
    rx(x[0] * w[0]) on 1
    ry(x[1] + w[1]) on 2
    rz(w[2] / x[2]) on 0
    cz on [0, 1]
    cy on [1, 2]
    ch on [2, 0]
    swap on [0, 2]
    iswap on [1, 0]
    cry(x[0]) on [0, 1]
    crz(-w[0]) on [1, 2]
    rxx(w[1] - x[1]) on [2, 1]
    ryy(x[2]) on [0, 2]
    ccx on [2, 0, 1]
    cswap on [1, 2, 0]
    measure expval Z0 X1 Y2
    measure probs on [2, 1, 0]
    measure expval Z3
}
"""

SOURCES = {path.stem: path.read_text() for path in EXAMPLES} | {"noisy": NOISY, "pure": PURE}


def load_module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"gen_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cirq_modules")
    paths = {}
    for name, source in SOURCES.items():
        path = folder / f"gen_cirq_{name}.py"
        path.write_text(get_backend("cirq").emit(api.parse(source, filename=f"{name}.dream")))
        paths[name] = path
    return paths


def example_inputs(model: Any, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {name: rng.uniform(0.1, 1.0, size=shape) for name, shape in model.inputs.items()}


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_generated_module_equals_the_compiled_model(name: str, generated: dict[str, Path]) -> None:
    module = load_module(generated[name])
    # The module is emitted from the unoptimized IR, so the model is compiled without -O too.
    model = dreamlang.compile(SOURCES[name], target="cirq", optimize=0)
    assert module.TARGET == "cirq"
    assert model.inputs == module.INPUTS
    assert model.params == module.PARAMS
    params = model.init_params(seed=3)
    for key, value in module.init_params(seed=3).items():
        np.testing.assert_array_equal(value, params[key])
    inputs = example_inputs(model, 1)
    for epoch, training, seed in ((0, False, 0), (4, False, 1), (2, True, 7), (9, True, 8)):
        kwargs: dict[str, Any] = {"epoch": epoch, "training": training, "seed": seed}
        np.testing.assert_array_equal(
            module.expectations(inputs, params, **kwargs),
            model.expectations(inputs, params, **kwargs),
        )
        np.testing.assert_array_equal(
            module.forward(inputs, params, **kwargs), model.forward(inputs, params, **kwargs)
        )
    # The same lowering table builds the same native circuit, operation for operation.
    assert module.build_circuit() == model.circuit
    some = frozenset(range(0, 40, 3))
    for kwargs in ({"epoch": 6, "training": True, "dropped": some}, {"epoch": 1, "dropped": some}):
        assert module.build_circuit(**kwargs) == model.build_circuit(**kwargs)


def test_training_draws_dropout_and_noise_reproducibly() -> None:
    model = dreamlang.compile(NOISY, target="cirq")
    params, inputs = model.init_params(seed=0), example_inputs(model, 2)
    first = model.forward(inputs, params, epoch=1, training=True, seed=11)
    np.testing.assert_array_equal(
        first, model.forward(inputs, params, epoch=1, training=True, seed=11)
    )
    masks = {tuple(model.expectations(inputs, params, training=True, seed=s)[:2]) for s in range(6)}
    assert len(masks) > 1  # dropout changes the circuit from one seed to the next
    with_noise = len(list(model.build_circuit(training=True).all_operations()))
    assert with_noise > len(list(model.circuit.all_operations()))


def test_generated_files_pass_ruff(generated: dict[str, Path]) -> None:
    ruff = shutil.which("ruff")
    command = [ruff] if ruff else [sys.executable, "-m", "ruff"]
    paths = [str(generated[name]) for name in sorted(generated)]
    # ruff's defaults, then the project's own rules (isort order, pyupgrade, bugbear, ...).
    for config in (["--isolated"], ["--config", str(REPO / "pyproject.toml")]):
        result = subprocess.run(
            [*command, "check", *config, *paths], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", ["iris", "noisy"])
def test_emit_is_deterministic(name: str) -> None:
    program = api.parse(SOURCES[name], filename=f"{name}.dream")
    backend = get_backend("cirq")
    assert backend.emit(program) == backend.emit(api.parse(SOURCES[name], filename="x.dream"))


def test_simulation_is_complex128_and_keeps_idle_wires() -> None:
    model = dreamlang.compile(PURE, target="cirq")
    params, inputs = model.init_params(seed=5), example_inputs(model, 5)
    state = model.state(inputs, params)
    assert state.dtype == np.complex128 and state.shape == (16,)
    # complex64 would be off by ~1e-7; the resolved circuit's unitary is exact complex128.
    values = {f"{n}[{i}]": v for n, a in {**inputs, **params}.items() for i, v in enumerate(a)}
    resolved = cirq.resolve_parameters(model.circuit, cirq.ParamResolver(values))
    unitary = resolved.unitary(qubit_order=cirq.LineQubit.range(4))
    np.testing.assert_allclose(state, unitary[:, 0], rtol=0, atol=1e-13)
    assert model.expectations(inputs, params)[-1] == pytest.approx(1.0, abs=1e-14)  # Z3: only `i`
    noisy = dreamlang.compile(NOISY, target="cirq")
    rho = noisy.state(example_inputs(noisy, 0), noisy.init_params())
    assert rho.dtype == np.complex128 and rho.shape == (16, 16)
    assert np.trace(rho).real == pytest.approx(1.0, abs=1e-12)


def test_symbols_are_named_by_row_major_element() -> None:
    model = dreamlang.compile(REPO / "examples" / "iris.dream", target="cirq")
    names = cirq.parameter_names(model.circuit)
    assert names == {f"x[{i}]" for i in range(4)} | {f"theta[{i}]" for i in range(36)}
    # theta[2, 1, 0] of theta[3, 4, 3] is element 2 * 12 + 1 * 3 + 0 = 27: rot's first rz.
    ops = list(model.circuit.all_operations())
    rz = [op for op in ops if cirq.parameter_names(op) == {"theta[27]"}]
    assert rz == [cirq.rz(sympy.Symbol("theta[27]")).on(cirq.LineQubit(1))]
    text = get_backend("cirq").emit(api.load(REPO / "examples" / "iris.dream"))
    assert "sympy.Symbol(key)" in text
    assert not re.search(r"\b(sympify|parse_expr|symbols|S|eval|exec)\(", text)


def test_bit_order_and_observables() -> None:
    source = """
    model canary {
        qubits 3
        x on 0
        cnot on [0, 1]
        measure probs on [0, 2]
        measure probs on [2, 0]
        measure expval Z0
        measure expval Z1 Z2
        measure expval X2
    }
    """
    model = dreamlang.compile(source, target="cirq")
    out = model.expectations({}, {})
    np.testing.assert_allclose(out, [0, 0, 1, 0, 0, 1, 0, 0, -1, -1, 0], atol=1e-14)
    state = model.state({}, {})
    assert abs(state[0b110]) == pytest.approx(1.0)
    q = cirq.LineQubit.range(3)
    assert model.observables == (
        None,
        None,
        cirq.PauliString({q[0]: cirq.Z}),
        cirq.PauliString({q[1]: cirq.Z, q[2]: cirq.Z}),
        cirq.PauliString({q[2]: cirq.X}),
    )
