"""PennyLane backprop for a training step against the parameter-shift rules on Qiskit and
PennyLane: dropout masks, exact mixtures, noise, var, probs and ensembles."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import dreamlang
from dreamlang.gradients import GradientModel
from dreamlang.gradients_backprop import (
    Engine,
    backprop_value_and_vjp,
    default_engine,
    resolve_diff_method,
)
from tests.test_gradients_batch import CASES, PARAMS, SOURCES, WHEN, batch

TOL = 1e-9


def key(when: dict[str, Any]) -> tuple[int, bool, int | None, int, str]:
    return (
        when.get("epoch", 0),
        when.get("training", False),
        when.get("seed"),
        when.get("step", 0),
        when.get("mode", "sampled"),
    )


@pytest.mark.parametrize(("source", "when"), CASES)
@pytest.mark.parametrize("reference", ["pennylane", "qiskit"])
def test_backprop_equals_the_shift_rules(source: str, when: str, reference: str) -> None:
    program = dreamlang.parse(SOURCES[source], f"{source}.dream")
    model = dreamlang.compile(program, "pennylane", optimize=0)
    shift = GradientModel(program, reference)
    inputs, settings = batch(), WHEN[when]
    values, jacobians = shift.batch_value_and_jacobian(inputs, PARAMS, **settings)
    got, pullback = backprop_value_and_vjp(model, inputs, PARAMS, ["w"], key(settings))
    np.testing.assert_allclose(got, values, atol=TOL, rtol=0)
    d_values = np.random.default_rng(7).normal(size=values.shape)
    want = np.einsum("bo,bop->p", d_values, jacobians["w"])
    np.testing.assert_allclose(pullback(d_values)["w"], want, atol=TOL, rtol=0)


def test_pennylanes_own_methods_need_the_pennylane_target() -> None:
    assert resolve_diff_method("best", "pennylane") == "best"
    assert resolve_diff_method("adjoint", "pennylane") == "adjoint"
    assert resolve_diff_method("best", "qiskit") == "parameter-shift"
    assert resolve_diff_method("parameter-shift", "pennylane") == "parameter-shift"
    with pytest.raises(ValueError, match="pennylane target"):
        resolve_diff_method("backprop", "cirq")
    with pytest.raises(ValueError, match="must be one of"):
        resolve_diff_method("finite-diff", "pennylane")


WIDE = """model wide {
    qubits 12
    input x[12]
    param w[12]
    for q in 0..12 {
        ry(x[q]) on q
        rx(w[q]) on q
    }
    for q in 0..11 {
        cnot on [q, q + 1]
    }
    measure expval Z on all
}
"""


@pytest.mark.parametrize("engine", [Engine(), Engine("default.qubit", "backprop")])
def test_twelve_wires_run_row_by_row_with_the_same_gradient(engine: Engine) -> None:
    """From 12 wires, noise-free batches run on lightning.qubit with adjoint by default (the
    faster engine there), or row by row on default.qubit, which cannot backprop through
    broadcast states of that size (PennyLane 0.45): both equal the shift rules."""
    program = dreamlang.parse(WIDE, "wide.dream")
    model = dreamlang.compile(program, "pennylane", optimize=0)
    rng = np.random.default_rng(2)
    inputs = [{"x": rng.uniform(0, np.pi, 12)} for _ in range(2)]
    params = {"w": rng.uniform(-np.pi, np.pi, 12)}
    values, jacobians = GradientModel(program, "qiskit").batch_value_and_jacobian(inputs, params)
    got, pullback = backprop_value_and_vjp(model, inputs, params, ["w"], key({}), engine)
    np.testing.assert_allclose(got, values, atol=TOL, rtol=0)
    d_values = rng.normal(size=values.shape)
    want = np.einsum("bo,bop->p", d_values, jacobians["w"])
    np.testing.assert_allclose(pullback(d_values)["w"], want, atol=TOL, rtol=0)


def test_the_default_engine_is_lightning_only_where_it_is_faster() -> None:
    wide = dreamlang.compile(WIDE, "pennylane", optimize=0)._plan
    small = dreamlang.compile(SOURCES["pure"], "pennylane", optimize=0)._plan
    noisy = dreamlang.compile(SOURCES["noisy"], "pennylane", optimize=0)._plan
    assert default_engine(Engine(), wide, {}) == Engine("lightning.qubit", "adjoint")
    assert default_engine(Engine(), small, {}) == Engine()
    assert default_engine(Engine(), noisy, {}) == Engine()
    assert default_engine(Engine(), wide, {3: 0.1}) == Engine()  # exact dropout: channels
    chosen = Engine("default.qubit", "best")
    assert default_engine(chosen, wide, {}) is chosen
    assert default_engine(Engine(None, "backprop"), wide, {}) == Engine(None, "backprop")
