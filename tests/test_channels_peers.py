"""Every noise channel equals PennyLane's, Qiskit Aer's and Cirq's own channels on every target,
and noise placement agrees across targets and with a reference written from the docs."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import cirq
import numpy as np
import pennylane as qml
import pytest
from qiskit.quantum_info import DensityMatrix, Statevector
from qiskit_aer import noise as aer

import dreamlang
from dreamlang.backends import _runtime as rt
from dreamlang.gates import CHANNELS

TARGETS = ("pennylane", "qiskit", "cirq")

Values = tuple[float, ...]

# ---- 1. every channel equals each peer's own channel, on a tomographically complete set ----

# The edges 0 and 1 of every probability, and thermal relaxation at t2 < t1, t2 = t1,
# t2 = 2 t1 (PennyLane's other Kraus branch), time 0 and time >> t1.
GRID: dict[str, tuple[Values, ...]] = {
    "depolarizing": ((0.0,), (0.1,), (0.5,), (0.75,), (1.0,)),
    "bit_flip": ((0.0,), (0.3,), (1.0,)),
    "phase_flip": ((0.0,), (0.3,), (1.0,)),
    "pauli_channel": (
        (0.0, 0.0, 0.0),
        (0.1, 0.2, 0.3),
        (1.0, 0.0, 0.0),
        (0.0, 1.0, 0.0),
        (0.0, 0.0, 0.7),
        (0.5, 0.25, 0.25),
    ),
    "amplitude_damping": ((0.0,), (0.25,), (1.0,)),
    "phase_damping": ((0.0,), (0.6,), (1.0,)),
    "generalized_amplitude_damping": (
        (0.0, 0.0),
        (0.3, 0.8),
        (1.0, 0.0),
        (1.0, 1.0),
        (0.0, 1.0),
        (0.5, 0.5),
    ),
    "thermal_relaxation": (
        (50.0, 70.0, 10.0),
        (50.0, 30.0, 10.0),
        (50.0, 50.0, 10.0),
        (50.0, 100.0, 10.0),
        (50.0, 70.0, 0.0),
        (1.0, 2.0, 30.0),
    ),
}
# u3 angles of the input states |0>, |1>, |+>, |+i> (they span every 2x2 matrix, so equal
# outputs on them mean equal channels) and one generic state.
PREPS = (
    (0.0, 0.0, 0.0),
    (math.pi, 0.0, 0.0),
    (math.pi / 2, 0.0, 0.0),
    (math.pi / 2, math.pi / 2, 0.0),
    (1.1, 0.4, -0.7),
)
CHANNEL_ATOL = 1e-10


def _psi(theta: float, phi: float) -> np.ndarray:
    """u3(theta, phi, lam)|0> (docs/conventions.md: the first column of u3)."""
    return np.array([math.cos(theta / 2), np.exp(1j * phi) * math.sin(theta / 2)])


def _pennylane_op(name: str, v: Values) -> Any:
    """PennyLane's own channel, or None where it has none (a Pauli channel with two or three
    nonzero probabilities)."""
    if name == "pauli_channel":
        nonzero = [(letter, p) for letter, p in zip("XYZ", v) if p]
        if len(nonzero) > 1:
            return None
        letter, p = nonzero[0] if nonzero else ("X", 0.0)
        return qml.PauliError(letter, p, wires=0)
    return {
        "depolarizing": lambda: qml.DepolarizingChannel(v[0], wires=0),
        "bit_flip": lambda: qml.BitFlip(v[0], wires=0),
        "phase_flip": lambda: qml.PhaseFlip(v[0], wires=0),
        "amplitude_damping": lambda: qml.AmplitudeDamping(v[0], wires=0),
        "phase_damping": lambda: qml.PhaseDamping(v[0], wires=0),
        "generalized_amplitude_damping": lambda: qml.GeneralizedAmplitudeDamping(*v, wires=0),
        # PennyLane's first argument is the excited-state population: dreamlang relaxes to |0>.
        "thermal_relaxation": lambda: qml.ThermalRelaxationError(0.0, *v, wires=0),
    }[name]()


AER: dict[str, Callable[[Values], Any]] = {
    # Aer's depolarizing_error(lam) is (1 - lam) rho + lam I/2; X, Y, Z each with p/3 is that
    # with lam = 4p/3 (docs/conventions.md).
    "depolarizing": lambda v: aer.depolarizing_error(4 * v[0] / 3, 1),
    "bit_flip": lambda v: aer.pauli_error([("X", v[0]), ("I", 1 - v[0])]),
    "phase_flip": lambda v: aer.pauli_error([("Z", v[0]), ("I", 1 - v[0])]),
    "pauli_channel": lambda v: aer.pauli_error([*zip("XYZ", v), ("I", 1 - sum(v))]),
    "amplitude_damping": lambda v: aer.amplitude_damping_error(v[0]),
    "phase_damping": lambda v: aer.phase_damping_error(v[0]),
    "generalized_amplitude_damping": lambda v: aer.amplitude_damping_error(
        v[0], excited_state_population=v[1]
    ),
    "thermal_relaxation": lambda v: aer.thermal_relaxation_error(*v),
}

CIRQ: dict[str, Callable[[Values], Any]] = {
    "depolarizing": lambda v: cirq.depolarize(v[0]),
    "bit_flip": lambda v: cirq.bit_flip(v[0]),
    "phase_flip": lambda v: cirq.phase_flip(v[0]),
    "pauli_channel": lambda v: cirq.asymmetric_depolarize(*v),
    "amplitude_damping": lambda v: cirq.amplitude_damp(v[0]),
    "phase_damping": lambda v: cirq.phase_damp(v[0]),
    # Cirq's (p, gamma): its p weights the decay towards |0>, so it is 1 - dreamlang's p.
    "generalized_amplitude_damping": lambda v: cirq.generalized_amplitude_damp(1 - v[1], v[0]),
}


def _pennylane_out(op: Any, psi: np.ndarray) -> np.ndarray:
    @qml.qnode(qml.device("default.mixed", wires=1))
    def circuit() -> Any:
        qml.StatePrep(psi, wires=0)
        qml.apply(op)
        return qml.density_matrix(wires=[0])

    return np.asarray(circuit())


def _cirq_out(name: str, v: Values, psi: np.ndarray) -> np.ndarray:
    q = cirq.LineQubit(0)
    if name == "thermal_relaxation":
        # Cirq's own thermal model over one idle gate of duration `time`: cooling rate 1/t1,
        # dephasing rate 1/t_phi = 1/t2 - 1/(2 t1) (its coherence decays as exp(-t/t1/2 - t/t_phi)).
        t1, t2, time = v
        noise = cirq.devices.ThermalNoiseModel(
            {q},
            {cirq.IdentityGate: time},
            cool_rate_GHz=1 / t1,
            dephase_rate_GHz=1 / t2 - 1 / (2 * t1),
            require_physical_tag=False,
        )
        simulator = cirq.DensityMatrixSimulator(noise=noise, dtype=np.complex128)
        circuit = cirq.Circuit(cirq.I(q))
    else:
        simulator = cirq.DensityMatrixSimulator(dtype=np.complex128)
        circuit = cirq.Circuit(CIRQ[name](v).on(q))
    result = simulator.simulate(circuit, initial_state=psi.astype(np.complex128))
    return np.asarray(result.final_density_matrix)


@functools.cache
def _peer_outputs(name: str, v: Values) -> dict[str, list[np.ndarray]]:
    """Each peer's output density matrix on every input state of PREPS."""
    psis = [_psi(theta, phi) for theta, phi, _ in PREPS]
    error = AER[name](v).to_quantumchannel()
    out = {
        "qiskit_aer": [DensityMatrix(Statevector(psi)).evolve(error).data for psi in psis],
        "cirq": [_cirq_out(name, v, psi) for psi in psis],
    }
    op = _pennylane_op(name, v)
    if op is not None:
        out["pennylane"] = [_pennylane_out(op, psi) for psi in psis]
    return out


def _channel_model(name: str, v: Values) -> str:
    call = f"{name}({', '.join(map(repr, v))}) on 0"
    return (
        "model c {\n    qubits 1\n    input a[3]\n    u3(a[0], a[1], a[2]) on 0\n"
        f"    {call}\n    measure expval Z on 0\n}}\n"
    )


DAMPING = ("amplitude_damping", "phase_damping", "generalized_amplitude_damping")
CASES = [(name, v) for name, grid in GRID.items() for v in grid]


def test_the_grid_covers_every_channel() -> None:
    # kraus, whose value is a tensor, is checked against the peers in test_kraus_channel.py.
    assert {*GRID, "kraus"} == set(CHANNELS) == {*AER, "kraus"}


def _pennylane_atol(name: str, v: Values) -> float:
    """PennyLane adds qml.math.eps (1e-14) under its Kraus square roots: where an argument is
    exactly 0 (gamma = 1 of the damping channels; exp(-time/t1) ~ 0), its own channel leaves
    sqrt(eps) = 1e-7 of coherence behind. Elsewhere the peers agree at CHANNEL_ATOL."""
    edge = name in DAMPING and v[0] == 1.0
    if edge or (name == "thermal_relaxation" and v[2] / v[0] > 20):
        return math.sqrt(qml.math.eps)
    return CHANNEL_ATOL


def _assert_equals_peers(name: str, v: Values, outputs: list[np.ndarray], who: str) -> None:
    for peer, expected in _peer_outputs(name, v).items():
        atol = _pennylane_atol(name, v) if peer == "pennylane" else CHANNEL_ATOL
        for prep, got, want in zip(PREPS, outputs, expected):
            np.testing.assert_allclose(
                got, want, rtol=0, atol=atol, err_msg=f"{who} vs {peer}, input u3{prep}"
            )


@pytest.mark.parametrize(("name", "values"), CASES)
def test_kraus_operators_are_every_peers_channel(name: str, values: Values) -> None:
    kraus = rt._kraus(name, values)
    outputs = []
    for psi in (_psi(theta, phi) for theta, phi, _ in PREPS):
        outputs.append(sum(k @ np.outer(psi, psi.conj()) @ k.conj().T for k in kraus))
    _assert_equals_peers(name, values, outputs, "_runtime._kraus")


def _compiled_cases() -> list[Any]:
    return [pytest.param(name, v, target) for name, v in CASES for target in TARGETS]


@pytest.mark.parametrize(("name", "values", "target"), _compiled_cases())
def test_compiled_channel_is_every_peers_channel(name: str, values: Values, target: str) -> None:
    model = dreamlang.compile(_channel_model(name, values), target=target)
    states = [model.state({"a": np.array(prep)}, {}) for prep in PREPS]
    assert all(s.shape == (2, 2) and s.dtype == np.complex128 for s in states)
    _assert_equals_peers(name, values, states, f"compiled {target}")


def test_aer_depolarizing_conversion_is_needed() -> None:
    """The conversion is not a no-op: Aer's lam = p is a different channel."""
    rho = DensityMatrix(Statevector([1, 0])).evolve(
        aer.depolarizing_error(0.3, 1).to_quantumchannel()
    )
    ours = sum(k @ np.diag([1, 0]) @ k.conj().T for k in rt._kraus("depolarizing", (0.3,)))
    assert abs(rho.data[1, 1] - ours[1, 1]) > 0.01  # 0.15 vs 0.2


# ---- 2. noise placement: three targets and a PennyLane circuit written from the docs ----

LAYERS = """
model noisy_layers {
    qubits 3
    param w[2, 3]
    repeat 2 as l {
        layer {
            for q in 0..3 {
                ry(w[l, q]) on q
            }
            cnot on [0, 1]
            cnot on [1, 2]
        }
    }
    noise depolarizing p = 0.03 after each layer
    noise amplitude_damping gamma = 0.05 after each gate of [cnot] on [0, 1] training
    noise phase_damping gamma = linear(0.2, 0.1, depth=2) after each gate of [ry]
    noise bit_flip p = warmup(0.1, epochs=4) after each gate of [cx] on [2]
    measure expval Z on all
}
"""


def _layers_reference(p: dict[str, np.ndarray], epoch: int, training: bool) -> None:
    """docs/language.md §14: channels follow their gate or layer, statements in written order."""
    for layer in range(2):
        for q in range(3):
            qml.RY(p["w"][layer, q], wires=q)
            qml.PhaseDamping(0.2 - 0.1 * layer / 2, wires=q)  # linear(0.2, 0.1, depth=2)
        qml.CNOT(wires=[0, 1])
        for q in (0, 1):
            if training:
                qml.AmplitudeDamping(0.05, wires=q)
        qml.CNOT(wires=[1, 2])
        for q in range(3):  # the layer ends: 'after each layer' is the first statement
            qml.DepolarizingChannel(0.03, wires=q)
        if training:
            qml.AmplitudeDamping(0.05, wires=1)
        qml.BitFlip(0.1 * min(epoch, 4) / 4, wires=2)  # warmup(0.1, epochs=4)


SCOPED = """
block noisy_pair(w) on ws {
    ry(w) on all
    cz on ws
    noise phase_flip p = 0.05 after each gate of [cz]
}

model scoped {
    qubits 3
    param theta[2]
    repeat 2 as l {
        layer {
            noisy_pair(theta[l]) on [l, l + 1]
            noise bit_flip p = 0.02 after each layer on [0]
        }
    }
    h on 2
    noise amplitude_damping gamma = cosine(0.1, 0.3, epochs=6) after each gate on [2] training
    measure probs
}
"""


def _scoped_reference(p: dict[str, np.ndarray], epoch: int, training: bool) -> None:
    """§23: a statement covers its own body; inner bodies' channels come first."""
    gamma = 0.3 + (0.1 - 0.3) * (1 + math.cos(math.pi * min(epoch, 6) / 6)) / 2
    for layer in range(2):
        for q in (layer, layer + 1):
            qml.RY(p["theta"][layer], wires=q)
            if q == 2 and training:
                qml.AmplitudeDamping(gamma, wires=2)
        qml.CZ(wires=[layer, layer + 1])
        for q in (layer, layer + 1):
            qml.PhaseFlip(0.05, wires=q)  # the block's statement
        qml.BitFlip(0.02, wires=0)  # the layer's statement
        if layer == 1 and training:
            qml.AmplitudeDamping(gamma, wires=2)  # the model's, after cz on [1, 2]
    qml.Hadamard(wires=2)
    if training:
        qml.AmplitudeDamping(gamma, wires=2)


ENCODED = """
model encoded {
    qubits 2
    input x[2]
    param w[2]
    for q in 0..2 {
        encode ry(x[q]) on q
    }
    crx(w[0]) on [0, 1]
    depolarizing(0.1) on 0
    rz(w[1]) on 1
    noise bit_flip p = 0.05 after each gate on [1] always
    noise phase_damping gamma = 0.2 after each gate of [crx]
    measure probs
}
"""


def _encoded_reference(p: dict[str, np.ndarray], epoch: int, training: bool) -> None:
    """Encoders are followed by 'after each gate' noise; written channels are not."""
    qml.RY(p["x"][0], wires=0)
    qml.RY(p["x"][1], wires=1)
    qml.BitFlip(0.05, wires=1)
    qml.CRX(p["w"][0], wires=[0, 1])
    qml.BitFlip(0.05, wires=1)
    qml.PhaseDamping(0.2, wires=0)
    qml.PhaseDamping(0.2, wires=1)
    qml.DepolarizingChannel(0.1, wires=0)
    qml.RZ(p["w"][1], wires=1)
    qml.BitFlip(0.05, wires=1)


PLACEMENT = {
    "layers": (LAYERS, 3, _layers_reference),
    "scoped": (SCOPED, 3, _scoped_reference),
    "encoded": (ENCODED, 2, _encoded_reference),
}
NOISY_ATOL = 1e-9


def _reference_state(
    build: Callable[..., None], n: int, values: dict[str, np.ndarray], epoch: int, training: bool
) -> np.ndarray:
    @qml.qnode(qml.device("default.mixed", wires=n))
    def circuit() -> Any:
        build(values, epoch, training)
        return qml.density_matrix(wires=list(range(n)))

    return np.asarray(circuit())


@pytest.mark.parametrize("name", sorted(PLACEMENT))
def test_noise_placement_agrees_across_targets_and_with_the_docs(name: str) -> None:
    source, n, reference = PLACEMENT[name]
    models = {target: dreamlang.compile(source, target=target) for target in TARGETS}
    rng = np.random.default_rng(len(name))
    first = models["qiskit"]
    inputs = {k: rng.uniform(-2, 2, size=s) for k, s in first.inputs.items()}
    params = {k: rng.uniform(-3, 3, size=s) for k, s in first.params.items()}
    for epoch, training in ((0, False), (0, True), (2, True), (9, True), (9, False)):
        expected = _reference_state(reference, n, {**inputs, **params}, epoch, training)
        assert np.trace(expected @ expected).real < 1 - 1e-3  # the noise acted
        for target, model in models.items():
            rho = model.state(inputs, params, epoch=epoch, training=training)
            assert rho.shape == (2**n, 2**n) and rho.dtype == np.complex128
            label = f"{target}, epoch {epoch}, training {training}"
            np.testing.assert_allclose(rho, expected, rtol=0, atol=NOISY_ATOL, err_msg=label)
