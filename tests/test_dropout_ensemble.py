"""`ensemble K`: K fixed dropout masks with shared weights, whose predictions are averaged."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import dreamlang
from dreamlang.backends import _runtime as rt

TARGETS = ("pennylane", "qiskit", "cirq")
SOURCE = """
model ens {
    qubits 3
    input x[3]
    param w[2, 3]
    for q in 0..3 {
        rx(x[q]) on q
    }
    repeat 2 as l {
        for q in 0..3 {
            ry(w[l, q]) on q
        }
        cnot on [0, 1]
        cnot on [1, 2]
    }
    dropout rotations p = 0.5
    dropout entangling p = 0.3 group g
    ENSEMBLE
    measure expval Z on 0
    measure expval Z on 2
    head { dense 2; softmax }
}
"""
INPUTS = {"x": np.array([0.2, -0.4, 0.9])}
Z = np.diag([1.0, -1.0])


def _compile(k: int | None, target: str) -> Any:
    line = "" if k is None else f"ensemble {k}"
    return dreamlang.compile(SOURCE.replace("ENSEMBLE", line), target=target)


def _member_values(model: Any, params: dict[str, Any], seed: int, k: int) -> np.ndarray:
    """<Z0>, <Z2> of member k, from its mask and the state of the sampled circuit."""
    plan = model._plan
    mask = rt._member_mask(plan.dropout, *model._dropout_probabilities(0), seed, k)
    psi = model.state(INPUTS, params, training=True, dropped=mask)
    probs = np.abs(psi.reshape(2, 2, 2)) ** 2
    return np.array([probs[0].sum() - probs[1].sum(), probs[:, :, 0].sum() - probs[:, :, 1].sum()])


@pytest.mark.parametrize("target", TARGETS)
def test_predictions_are_the_members_average(target: str) -> None:
    model = _compile(4, target)
    params = model.init_params(1)
    members = [_member_values(model, params, 5, k) for k in range(4)]
    assert len({tuple(np.round(m, 12)) for m in members}) > 1  # the members differ
    got = model.expectations(INPUTS, params, training=True, seed=5)
    np.testing.assert_allclose(got, np.mean(members, axis=0), atol=1e-12)
    heads = [rt._head(m, params, model.head) for m in members]
    forward = model.forward(INPUTS, params, training=True, seed=5)
    np.testing.assert_allclose(forward, np.mean(heads, axis=0), atol=1e-12)


def test_masks_are_fixed_per_seed_and_the_same_on_every_target() -> None:
    outputs = {}
    for target in TARGETS:
        model = _compile(3, target)
        params = model.init_params(2)
        runs = [model.expectations(INPUTS, params, training=True, seed=8, step=s) for s in range(3)]
        assert all(np.allclose(runs[0], r, atol=1e-12) for r in runs)  # fixed over steps
        evaluation = model.expectations(INPUTS, params, seed=8)
        np.testing.assert_allclose(evaluation, runs[0], atol=1e-12)  # and at inference
        other = model.expectations(INPUTS, params, training=True, seed=9)
        assert not np.allclose(other, runs[0])  # the seed picks the masks
        outputs[target] = runs[0]
    for target in TARGETS:
        np.testing.assert_allclose(outputs[target], outputs["qiskit"], atol=1e-10)


def test_exact_mode_ignores_the_ensemble_and_large_ensembles_approach_it() -> None:
    model = _compile(400, "qiskit")
    plain = _compile(None, "qiskit")
    params = model.init_params(3)
    exact = model.expectations(INPUTS, params, training=True, mode="exact")
    np.testing.assert_allclose(
        exact, plain.expectations(INPUTS, params, training=True, mode="exact"), atol=1e-12
    )
    # 400 members in [-1, 1]: Hoeffding at delta = 1e-6
    bound = math.sqrt(2 * math.log(2 / 1e-6) / 400)
    ensemble = model.expectations(INPUTS, params, training=True, seed=4)
    assert np.all(np.abs(ensemble - exact) <= bound)


def test_without_an_ensemble_inference_runs_every_gate() -> None:
    model = _compile(None, "cirq")
    params = model.init_params(0)
    psi = model.state(INPUTS, params)
    z0 = float(np.vdot(psi, np.kron(Z, np.eye(4)) @ psi).real)
    assert model.expectations(INPUTS, params, seed=3)[0] == pytest.approx(z0, abs=1e-12)
    assert model._plan.ensemble == 1 and _compile(2, "cirq")._plan.ensemble == 2


def test_an_ensemble_too_large_to_simulate_is_a_located_error() -> None:
    with pytest.raises(dreamlang.DreamError) as info:
        dreamlang.parse(SOURCE.replace("ENSEMBLE", "ensemble 5000"), "big.dream")
    assert info.value.codes == ["invalid-value"]
    text = info.value.render()
    assert "big.dream:18:14" in text and "4096" in text and "exact" in text
