"""Random programs over the whole gate set agree on PennyLane, Qiskit, Cirq, OpenQASM 3 and numpy."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import qiskit.qasm3
from hypothesis import example, given
from hypothesis import strategies as st
from qiskit import QuantumCircuit
from qiskit.quantum_info import Operator

import dreamlang
from dreamlang.backends import get_backend
from dreamlang.backends.plan import make_plan
from dreamlang.backends.qasm3 import emit_qasm, qasm3_names
from tests.agreement_programs import (
    Case,
    case_from_ops,
    cases,
    flat_values,
    property_settings,
    qiskit_bound,
)
from tests.gate_reference import expval, probs, simulate, unitary

TARGETS = ("pennylane", "qiskit", "cirq", "qasm3")  # qasm3 simulates its text through Qiskit
ATOL = 1e-9

# Asymmetric in wire order: a backend that reverses bits, or a control and a target, fails here.
CANARIES: dict[str, tuple[Case, int]] = {
    "x-on-wire-0": (case_from_ops(2, [("x", (0,), ())]), 0b10),
    "x-on-wire-0-of-3": (case_from_ops(3, [("x", (0,), ())]), 0b100),
    "cx01-on-10": (case_from_ops(2, [("x", (0,), ()), ("cnot", (0, 1), ())]), 0b11),
    "cx10-on-10": (case_from_ops(2, [("x", (0,), ()), ("cnot", (1, 0), ())]), 0b10),
    "ry-then-cx10": (
        case_from_ops(3, [("ry", (2,), (3.0,)), ("cnot", (2, 0), ()), ("s", (0,), ())]),
        -1,  # not a basis state: checked against the reference only
    ),
}


def with_canaries(test: Any) -> Any:
    """Run ``test`` on every canary first, whatever Hypothesis draws."""
    for case, _ in CANARIES.values():
        test = example(case=case)(test)
    return test


def compile_all(case: Case) -> dict[str, Any]:
    """The case compiled once to each target (parsed once)."""
    program = dreamlang.parse(case.source)
    return {target: dreamlang.compile(program, target=target) for target in TARGETS}


def phase_aligned(actual: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """``actual`` times the one global phase that makes its component at the reference's
    largest-magnitude entry share that entry's phase."""
    k = int(np.argmax(np.abs(expected)))
    ratio = actual.flat[k] / expected.flat[k]
    if abs(ratio) == 0:
        return actual
    return actual * (abs(ratio) / ratio)


def assert_equal_up_to_phase(actual: np.ndarray, expected: np.ndarray, label: str = "") -> None:
    np.testing.assert_allclose(phase_aligned(actual, expected), expected, atol=ATOL, err_msg=label)


def reference_outputs(case: Case, state: np.ndarray) -> np.ndarray:
    """The declared measurements of ``case`` computed from a numpy state."""
    out: list[float] = []
    for kind, what in case.measured:
        if kind == "probs":
            out.extend(probs(state, what))
            continue
        value = expval(state, what)
        out.append(value if kind == "expval" else 1.0 - value * value)
    return np.asarray(out)


# ---- the helpers can fail ----


def test_phase_alignment_accepts_a_global_phase_only() -> None:
    rng = np.random.default_rng(7)
    psi = rng.normal(size=8) + 1j * rng.normal(size=8)
    psi /= np.linalg.norm(psi)
    assert_equal_up_to_phase(np.exp(2.1j) * psi, psi)
    relative = psi.copy()
    relative[1::2] *= np.exp(0.3j)  # a phase on one wire's |1⟩: physically different
    with pytest.raises(AssertionError):
        assert_equal_up_to_phase(relative, psi)
    with pytest.raises(AssertionError):
        assert_equal_up_to_phase(psi[::-1].copy(), psi)  # reversed bit order


def test_reference_outputs_follow_the_declared_wire_order() -> None:
    case = case_from_ops(2, [("x", (0,), ())])
    state = simulate(2, case.ops)
    # Z0, Z1, then probabilities of (wire 0, wire 1) with wire 0 the most significant bit.
    np.testing.assert_array_equal(reference_outputs(case, state), [-1, 1, 0, 0, 1, 0])
    np.testing.assert_array_equal(probs(state, [1, 0]), [0, 1, 0, 0])


# ---- canaries: known answers, not only agreement ----


@pytest.mark.parametrize("name", sorted(CANARIES))
def test_canary_states(name: str) -> None:
    case, basis = CANARIES[name]
    expected = simulate(case.num_qubits, case.ops)
    if basis >= 0:
        np.testing.assert_array_equal(np.abs(expected), np.eye(2**case.num_qubits)[basis])
    for target, model in compile_all(case).items():
        state = model.state(case.inputs, case.params)
        assert_equal_up_to_phase(state, expected, target)
        outputs = model.expectations(case.inputs, case.params)
        np.testing.assert_allclose(outputs, reference_outputs(case, expected), atol=ATOL)


# ---- properties over random programs ----


@property_settings()
@with_canaries
@given(case=cases())
def test_statevectors_agree_with_each_other_and_the_reference(case: Case) -> None:
    states = {t: m.state(case.inputs, case.params) for t, m in compile_all(case).items()}
    for target in TARGETS:
        assert states[target].dtype == np.complex128
        assert_equal_up_to_phase(states[target], states["pennylane"], f"{target} vs pennylane")
    reference = simulate(case.num_qubits, case.ops)
    for target in TARGETS:
        assert_equal_up_to_phase(states[target], reference, f"{target} vs numpy reference")


@property_settings()
@with_canaries
@given(case=cases())
def test_expectations_agree_with_each_other_and_the_reference(case: Case) -> None:
    models = compile_all(case)
    outputs = {t: m.expectations(case.inputs, case.params) for t, m in models.items()}
    expected = reference_outputs(case, simulate(case.num_qubits, case.ops))
    for target in TARGETS:
        assert outputs[target].shape == expected.shape
        np.testing.assert_allclose(outputs[target], outputs["pennylane"], atol=ATOL, err_msg=target)
        np.testing.assert_allclose(outputs[target], expected, atol=ATOL, err_msg=target)


def _qasm_parameter_values(program: Any, case: Case) -> dict[str, float]:
    """OpenQASM input name -> value, from the qasm3 module's own naming of the elements."""
    arrays = {**case.inputs, **case.params}
    names = qasm3_names(make_plan(program.model))
    return {name: float(arrays[source][index]) for name, (source, index) in names.items()}


def qasm_circuits(program: Any, case: Case) -> dict[str, QuantumCircuit]:
    """The program's OpenQASM 3, loaded by Qiskit: with bound numbers, and with
    ``input float[64]`` parameters bound by name (when Qiskit's importer can read them)."""
    bound_text = emit_qasm(program, bind={**case.inputs, **case.params})
    circuits = {"bound": qiskit.qasm3.loads(bound_text)}
    # qiskit_qasm3_import cannot resolve a function call (sin, cos) of an input.
    if not case.calls:
        symbolic = qiskit.qasm3.loads(get_backend("qasm3").emit(program))
        values = _qasm_parameter_values(program, case)
        binding = {p: values[p.name] for p in symbolic.parameters}
        circuits["inputs"] = symbolic.assign_parameters(binding)
    return circuits


# Qiskit's importer once failed on a defined parametric gate whose angle cancels to zero.
CANCELLING_ANGLES = Case(
    source=(
        "model m {\n    qubits 2\n    input t\n    rxx(t - t) on [0, 1]\n"
        "    ryy(2 * t - t - t) on [1, 0]\n    rzz(t - t) on [0, 1]\n    measure probs\n}\n"
    ),
    num_qubits=2,
    ops=(("rxx", (0, 1), (0.0,)), ("ryy", (1, 0), (0.0,)), ("rzz", (0, 1), (0.0,))),
    measured=(("probs", (0, 1)),),
    inputs={"t": np.array(0.7)},
)


@property_settings()
@with_canaries
@example(case=CANCELLING_ANGLES)
@given(case=st.one_of(cases(functions=False), cases()))
def test_qasm3_reimports_to_the_qiskit_backend_operator(case: Case) -> None:
    program = dreamlang.parse(case.source)
    model = dreamlang.compile(program, target="qiskit")
    bound = qiskit_bound(model.circuit, flat_values(case.inputs, case.params))
    expected = Operator(bound).reverse_qargs().data
    # Global phase is exact in dreamlang (gphase, circuit.global_phase), so the operators are
    # compared with it: stronger than Operator.equiv.
    reference = unitary(case.num_qubits, case.ops)
    np.testing.assert_allclose(expected, reference, atol=ATOL, err_msg="qiskit vs reference")
    for how, circuit in qasm_circuits(program, case).items():
        actual = Operator(circuit).reverse_qargs().data
        np.testing.assert_allclose(actual, expected, atol=ATOL, err_msg=f"qasm3 ({how})")
