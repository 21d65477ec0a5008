"""The general channel ``kraus``: checks and IR of the front end, and on every target the same
channel as PennyLane's QubitChannel, Qiskit's Kraus and Aer's kraus_error, and Cirq's
KrausChannel, for random channels (Hypothesis) built from random isometries."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from typing import Any

import cirq
import numpy as np
import pennylane as qml
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from qiskit.quantum_info import DensityMatrix, Kraus, Statevector
from qiskit_aer import noise as aer

import dreamlang
from dreamlang import gates, ir
from dreamlang.backends import _runtime as rt
from dreamlang.backends import get_backend
from dreamlang.backends.qasm3 import emit_qasm
from dreamlang.formatter import format_source

TARGETS = ("pennylane", "qiskit", "cirq")
TARGET_ATOL = 1e-9  # the targets with each other
PEER_ATOL = 1e-10  # each target with each peer's own general Kraus channel

# Amplitude damping with gamma = 0.64, as a real [2, 2, 2] tensor.
DAMPING = "[[[1, 0], [0, 0.6]], [[0, 0.8], [0, 0]]]"
DAMPING_VALUES = (1, 0, 0, 0, 0, 0, 0.6, 0, 0, 0, 0.8, 0, 0, 0, 0, 0)
# u3 angles of |0>, |1>, |+>, |+i> (they span every 2x2 matrix) and one generic state.
PREPS = (
    (0.0, 0.0, 0.0),
    (math.pi, 0.0, 0.0),
    (math.pi / 2, 0.0, 0.0),
    (math.pi / 2, math.pi / 2, 0.0),
    (1.1, 0.4, -0.7),
)


def _model(call: str, qubits: int = 1, extra: str = "") -> str:
    return (
        f"{extra}model c {{\n    qubits {qubits}\n    input a[3]\n"
        f"    u3(a[0], a[1], a[2]) on 0\n    {call}\n    measure expval Z on 0\n}}\n"
    )


def _ops(text: str) -> tuple[ir.Operation, ...]:
    model = dreamlang.parse(text).model
    assert model is not None
    return model.ops


def _error(text: str) -> dreamlang.Diagnostic:
    with pytest.raises(dreamlang.DreamError) as info:
        dreamlang.parse(text)
    (diag,) = info.value.diagnostics
    return diag


# ---- front end ----


def test_kraus_is_a_variadic_channel() -> None:
    spec = gates.CHANNELS["kraus"]
    assert (spec.kind, spec.num_wires, spec.params, spec.variadic) == ("channel", 1, ("ops",), True)
    assert not any(s.variadic for name, s in gates.CHANNELS.items() if name != "kraus")


@pytest.mark.parametrize(
    "call",
    [
        f"kraus({DAMPING}) on 0",
        f"kraus(ops={DAMPING}) on 0",
        "kraus(K) on 0",
        # The same operators as a [k, 2, 2, 2] tensor: (real, imaginary) pairs.
        "kraus([[[[1, 0], [0, 0]], [[0, 0], [0.6, 0]]], [[[0, 0], [0.8, 0]], [[0, 0], [0, 0]]]]) on 0",
    ],
)
def test_the_ir_holds_real_and_imaginary_parts_row_major(call: str) -> None:
    ops = _ops(_model(call, extra=f"const K = {DAMPING}\n"))
    op = ops[1]
    assert (op.name, op.wires, op.tags.role) == ("kraus", (0,), "channel")
    assert op.params == tuple(ir.Num(float(v)) for v in DAMPING_VALUES)


def test_complex_entries_and_one_channel_per_wire() -> None:
    # The unitary diag(1, i) as one operator, on every wire.
    text = "model c {\n    qubits 3\n    kraus([[[[1, 0], [0, 0]], [[0, 0], [0, 1]]]]) on all\n}\n"
    ops = _ops(text)
    assert [op.wires for op in ops] == [(0,), (1,), (2,)]
    assert all(op.params == tuple(map(ir.Num, (1, 0, 0, 0, 0, 0, 0, 1))) for op in ops)
    (k,) = rt._kraus("kraus", tuple(p.value for p in ops[0].params))  # type: ignore[union-attr]
    np.testing.assert_array_equal(k, np.diag([1, 1j]))


def test_noise_statement_inserts_kraus_channels() -> None:
    text = (
        f"const K = {DAMPING}\nmodel c {{\n    qubits 2\n    h on 0\n    cnot on [0, 1]\n"
        "    noise kraus ops = K after each gate of [cnot] on [1] training\n}\n"
    )
    ops = _ops(text)
    assert [op.name for op in ops] == ["h", "cnot", "kraus"]
    assert ops[2].wires == (1,) and ops[2].tags.noise == ir.NoiseTag("gate", "training", 0)
    assert ops[2].params == tuple(ir.Num(float(v)) for v in DAMPING_VALUES)


def test_sixteen_operators_are_allowed() -> None:
    quarter = "[[0.25, 0], [0, 0.25]]"
    ops = _ops(_model(f"kraus([{', '.join([quarter] * 16)}]) on 0"))
    assert len(ops[1].params) == 8 * 16


@pytest.mark.parametrize(
    ("value", "code", "words"),
    [
        ("[[1, 0], [0, 1]]", "shape-mismatch", "not shape [2, 2]"),
        ("[[[1, 0, 0], [0, 1, 0]]]", "shape-mismatch", "not shape [1, 2, 3]"),
        ("[[[[1, 0, 0], [0, 0, 0]], [[0, 0, 0], [1, 0, 0]]]]", "shape-mismatch", "[1, 2, 2, 3]"),
        ("[[[1, 0], [0, 1]], [[1, 0]]]", "shape-mismatch", "not a ragged list"),
        ("[]", "shape-mismatch", "not shape [0]"),
        ("0.5", "shape-mismatch", "not shape []"),
        (f"[{', '.join(['[[0.25, 0], [0, 0.25]]'] * 17)}]", "shape-mismatch", "[17, 2, 2]"),
        ("[[[1, 0], [0, 0.5]]]", "invalid-value", "do not preserve the trace"),
        ("[[[1, 0], [0, 1]], [[0, 0.1], [0, 0]]]", "invalid-value", "do not preserve the trace"),
        ("a", "type-error", "not the input tensor 'a'"),
        ("[[[a[0], 0], [0, 1]]]", "type-error", "not a run-time expression"),
        ("linear(0.1, 0.0, epochs=5)", "type-error", "not a schedule"),
        ("[[[1, 0], [0, X]]]", "type-error", "not a Pauli constant"),
    ],
)
def test_bad_operators_are_reported_at_the_value(value: str, code: str, words: str) -> None:
    diag = _error(_model(f"kraus({value}) on 0"))
    assert diag.code == code and words in diag.message, diag.message
    assert diag.span is not None and (diag.span.line, diag.span.column) == (5, 11)
    if code == "shape-mismatch":
        assert "[k, 2, 2] (real) or [k, 2, 2, 2] (real, imaginary)" in diag.message


def test_incompleteness_hint_gives_the_deviation() -> None:
    diag = _error(_model("kraus([[[1, 0], [0, 0.5]]]) on 0"))
    assert diag.notes == (
        "hint: its largest entry differs from the identity's by 0.75 (at most 1e-08 allowed)",
    )
    # Within the tolerance, the channel is accepted.
    assert _ops(_model("kraus([[[1, 0], [0, 1.000000001]]]) on 0"))[1].name == "kraus"


def test_noise_statement_errors() -> None:
    prefix = "model c {\n    qubits 1\n    h on 0\n    noise kraus "
    diag = _error(prefix + "ops = [[[1, 0], [0, 0.9]]]\n}\n")
    assert diag.code == "invalid-value" and diag.span is not None
    assert (diag.span.line, diag.span.column) == (4, 23)
    diag = _error(prefix + "after each gate\n}\n")
    assert diag.code == "wrong-arity"
    assert diag.notes == ("hint: e.g. noise kraus ops = K (a const [k, 2, 2] tensor)",)
    assert _error(prefix + "p = 0.1\n}\n").code == "unknown-option"
    assert _error(prefix + "ops = [1, 0]\n}\n").code == "shape-mismatch"


@pytest.mark.parametrize(
    ("call", "code"),
    [
        ("kraus on 0", "wrong-arity"),
        (f"kraus({DAMPING}, {DAMPING}) on 0", "wrong-arity"),
        (f"kraus(op={DAMPING}) on 0", "unknown-option"),
        (f"kraus({DAMPING}) on [0, 1]", "wire-out-of-range"),
    ],
)
def test_call_errors(call: str, code: str) -> None:
    assert _error(_model(call)).code == code


def test_formatter_round_trip() -> None:
    text = (
        f"const K = {DAMPING}\nmodel c {{\n  qubits 1\n  kraus( K ) on 0\n  noise kraus ops=K\n}}\n"
    )
    out = format_source(text)
    assert "    kraus(K) on 0\n" in out and "    noise kraus ops = K after each gate\n" in out
    assert dreamlang.parse(out) == dreamlang.parse(text)


def test_qasm3_annotation_carries_every_number() -> None:
    text = emit_qasm(dreamlang.parse(_model(f"kraus({DAMPING}) on 0")))
    numbers = ",".join(repr(float(v)) for v in DAMPING_VALUES)
    assert f"@dreamlang.noise op=1 channel=kraus k=2 ops={numbers} mode=always\n" in text


# ---- every target is each peer's own general Kraus channel ----


def _psi(theta: float, phi: float) -> np.ndarray:
    """u3(theta, phi, lam)|0> (docs/conventions.md: the first column of u3)."""
    return np.array([math.cos(theta / 2), np.exp(1j * phi) * math.sin(theta / 2)])


@st.composite
def isometry_channels(draw: st.DrawFn) -> np.ndarray:
    """k operators K_j stacked in a 2k x 2 isometry V (V^dagger V = I, so sum K_j^dagger K_j = I):
    the Q factor of a Householder QR, orthonormal even when the drawn matrix is singular."""
    k = draw(st.integers(1, 6))
    real = draw(st.booleans())
    size = 4 * k * (1 if real else 2)
    xs = np.array(draw(st.lists(st.floats(-1, 1), min_size=size, max_size=size)))
    a = xs if real else xs[0::2] + 1j * xs[1::2]
    q, _ = np.linalg.qr(a.reshape(2 * k, 2))
    return q.reshape(k, 2, 2)


def _literal(ops: np.ndarray) -> str:
    """A [k, 2, 2] literal of real operators, or [k, 2, 2, 2] (real, imaginary) of complex ones."""
    if not np.iscomplexobj(ops):
        return repr([[[float(v) for v in row] for row in op] for op in ops])
    pairs = [[[[float(v.real), float(v.imag)] for v in row] for row in op] for op in ops]
    return repr(pairs)


def _pennylane_peer(ops: list[np.ndarray], psi: np.ndarray) -> np.ndarray:
    @qml.qnode(qml.device("default.mixed", wires=1))
    def circuit() -> Any:
        qml.StatePrep(psi, wires=0)
        qml.QubitChannel(ops, wires=0)
        return qml.density_matrix(wires=[0])

    return np.asarray(circuit())


def _cirq_peer(ops: list[np.ndarray], psi: np.ndarray) -> np.ndarray:
    circuit = cirq.Circuit(cirq.KrausChannel(ops).on(cirq.LineQubit(0)))
    simulator = cirq.DensityMatrixSimulator(dtype=np.complex128)
    result = simulator.simulate(circuit, initial_state=psi.astype(np.complex128))
    return np.asarray(result.final_density_matrix)


def _peer_outputs(ops: list[np.ndarray], psi: np.ndarray) -> dict[str, np.ndarray]:
    rho = DensityMatrix(Statevector(psi))
    return {
        "pennylane QubitChannel": _pennylane_peer(ops, psi),
        "qiskit Kraus": rho.evolve(Kraus(ops)).data,
        "qiskit_aer kraus_error": rho.evolve(aer.kraus_error(ops).to_quantumchannel()).data,
        "cirq KrausChannel": _cirq_peer(ops, psi),
    }


@settings(max_examples=30, deadline=None)
@given(isometry_channels())
def test_random_channels_are_every_peers_kraus_channel(operators: np.ndarray) -> None:
    ops = [np.asarray(k, dtype=np.complex128) for k in operators]
    models = {
        t: dreamlang.compile(_model(f"kraus({_literal(operators)}) on 0"), target=t)
        for t in TARGETS
    }
    for prep in PREPS:
        states = {t: m.state({"a": np.array(prep)}, {}) for t, m in models.items()}
        first = states["pennylane"]
        for target, rho in states.items():
            assert rho.shape == (2, 2) and rho.dtype == np.complex128
            np.testing.assert_allclose(rho, first, rtol=0, atol=TARGET_ATOL, err_msg=target)
        for peer, expected in _peer_outputs(ops, _psi(prep[0], prep[1])).items():
            for target, rho in states.items():
                label = f"{target} vs {peer}, input u3{prep}"
                np.testing.assert_allclose(rho, expected, rtol=0, atol=PEER_ATOL, err_msg=label)


# ---- placement, noise statements and generated modules ----

# A complex channel with three operators: the isometry of a fixed 6 x 2 matrix.
_Q, _ = np.linalg.qr(
    np.array([[0.9, 0.1j], [0.2, -0.3], [0.1j, 0.4], [-0.5, 0.2], [0.3, 0.1 - 0.2j], [0.0, 0.6]])
)
THREE = _Q.reshape(3, 2, 2)

NOISY = f"""
const K = {_literal(THREE)}
model noisy {{
    qubits 2
    input x[2]
    param w[2]
    ry(x[0]) on 0
    rx(x[1]) on 1
    cnot on [0, 1]
    kraus(K) on 1
    crz(w[0]) on [1, 0]
    ry(w[1]) on 0
    noise kraus ops = {DAMPING} after each gate of [cnot, crz] on [0] training
    measure expval Z on all
    measure probs
}}
"""


def _noisy_reference(x: np.ndarray, w: np.ndarray, training: bool) -> np.ndarray:
    damping = list(np.array(DAMPING_VALUES, dtype=float).reshape(2, 2, 2, 2)[..., 0])

    @qml.qnode(qml.device("default.mixed", wires=2))
    def circuit() -> Any:
        qml.RY(x[0], wires=0)
        qml.RX(x[1], wires=1)
        qml.CNOT(wires=[0, 1])
        if training:
            qml.QubitChannel(damping, wires=0)
        qml.QubitChannel(list(THREE), wires=1)
        qml.CRZ(w[0], wires=[1, 0])
        if training:
            qml.QubitChannel(damping, wires=0)
        qml.RY(w[1], wires=0)
        return qml.density_matrix(wires=[0, 1])

    return np.asarray(circuit())


@pytest.mark.parametrize("target", TARGETS)
def test_wires_and_training_noise_agree_with_a_reference(target: str) -> None:
    model = dreamlang.compile(NOISY, target=target)
    rng = np.random.default_rng(7)
    x, w = rng.uniform(-2, 2, size=2), rng.uniform(-3, 3, size=2)
    for training in (False, True):
        rho = model.state({"x": x}, {"w": w}, training=training)
        expected = _noisy_reference(x, w, training)
        assert np.trace(expected @ expected).real < 1 - 1e-3  # the channels acted
        np.testing.assert_allclose(rho, expected, rtol=0, atol=TARGET_ATOL, err_msg=str(training))


def _load_module(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("target", TARGETS)
def test_generated_module_matches_the_in_memory_model(target: str, tmp_path: Path) -> None:
    program = dreamlang.parse(NOISY)
    path = tmp_path / f"noisy_kraus_{target}.py"
    path.write_text(get_backend(target).emit(program), "utf-8")
    module = _load_module(path)
    inputs, params = {"x": np.array([0.3, -1.2])}, {"w": np.array([0.7, 2.1])}
    model = dreamlang.compile(NOISY, target=target)
    for training in (False, True):
        expected = model.expectations(inputs, params, training=training)
        got = module.expectations(inputs, params, training=training)
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
