"""Exact-mode dropout: the mixed-unitary channels equal the average over every sampled mask.

The oracle never uses exact mode's own machinery: it enumerates every outcome of every coin (the
cells that the probabilities cut out of each coin's [0, 1) draw), turns each outcome into a mask
with the sampled mode's own rule, simulates that sampled circuit (gates left out, no channels)
and averages the density matrices with the outcomes' probabilities.
"""

from __future__ import annotations

import importlib.util
import itertools
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dreamlang
from dreamlang.backends import _runtime as rt
from dreamlang.cli import main

TARGETS = ("pennylane", "qiskit", "cirq")
HEADER = 'import "std/encoders.dream"\nimport "std/topologies.dream"\n'

MODEL = (
    HEADER
    + """
model m {
    qubits 3
    input x[3]
    param w[2, 3]
    param v[2]
    encode angle_embedding(x) on all
    repeat 2 as l {
        layer {
            for q in 0..3 {
                ry(w[l, q]) on q
            }
            entangle ring using cnot
            crx(v[l]) on [0, 2]
        }
    }
    DROPOUT
    measure expval Z on 0
    measure expval X on 2
    measure probs on [1, 2]
}
"""
)
# Each case has at most 10 droppable gates, with independent, grouped and layer coins.
DROPOUTS = {
    "independent": "dropout rotations p = 0.3",
    "scheduled": "dropout entangling p = linear(0.4, 0.1, depth=2)",
    "two-level": "dropout rotations p = 0.6, p_layer = 0.5",
    "group-layer": "dropout entangling p = 0.25 group layer",
    "group-wire": "dropout rotations p = linear(0.2, 0.7, depth=2) group wire",
    "named-group": "dropout gates [crx] p = 0.4 group g\n    dropout rotations p = 0.2 group g",
    "mixed": "dropout rotations p = 0.3, p_layer = 0.4 group wire\n"
    "    dropout entangling p = 0.2 in layers 1..2 group layer",
    "certain": "dropout rotations p = 1.0\n    dropout gates [crx] p = 0.0",
}
INPUTS = {"x": np.array([0.3, -0.8, 1.1])}


def _coin_cells(model: Any, epoch: int) -> list[tuple[float, dict[Any, float]]]:
    """Every joint outcome of all coins, independent ones included: (probability, draws)."""
    plan = model._plan
    probs, layer_probs = model._dropout_probabilities(epoch)
    thresholds: dict[Any, set[float]] = {}
    for (_, coin, layer), p, p_layer in zip(plan.dropout, probs, layer_probs):
        thresholds.setdefault(("gate", coin), set()).add(p)
        if layer is not None:
            thresholds.setdefault(("layer", layer), set()).add(p_layer)
    axes = []
    for key, points in thresholds.items():
        edges = sorted({0.0, 1.0, *(t for t in points if 0 < t < 1)})
        axes.append([(key, b - a, (a + b) / 2) for a, b in itertools.pairwise(edges)])
    outcomes = []
    for combo in itertools.product(*axes):
        weight = math.prod(w for _, w, _ in combo)
        outcomes.append((weight, {key: u for key, _, u in combo}))
    return outcomes


def _average_of_sampled(model: Any, params: dict[str, Any], epoch: int) -> np.ndarray:
    plan = model._plan
    probs, layer_probs = model._dropout_probabilities(epoch)
    masks: dict[frozenset[int], float] = {}
    for weight, draws in _coin_cells(model, epoch):
        mask = rt._mask_from_coins(plan.dropout, probs, layer_probs, draws)
        masks[mask] = masks.get(mask, 0.0) + weight
    assert math.isclose(sum(masks.values()), 1.0, abs_tol=1e-12)
    total = np.zeros((8, 8), dtype=complex)
    for mask, weight in masks.items():
        psi = model.state(INPUTS, params, training=True, epoch=epoch, dropped=mask)
        total += weight * np.outer(psi, psi.conj())
    return total


def _observables(rho: np.ndarray) -> np.ndarray:
    """<Z0>, <X2> and probs of wires (1, 2) of a 3-qubit density matrix (wire 0 most significant)."""
    z, x, eye = np.diag([1.0, -1.0]), np.array([[0.0, 1.0], [1.0, 0.0]]), np.eye(2)
    z0 = np.real(np.trace(rho @ np.kron(np.kron(z, eye), eye)))
    x2 = np.real(np.trace(rho @ np.kron(np.kron(eye, eye), x)))
    diagonal = np.real(np.diagonal(rho)).reshape(2, 4)
    return np.concatenate([[z0, x2], diagonal.sum(axis=0)])


@pytest.mark.parametrize("kind", sorted(DROPOUTS))
def test_exact_mode_is_the_average_over_every_mask(kind: str) -> None:
    source = MODEL.replace("DROPOUT", DROPOUTS[kind])
    models = {target: dreamlang.compile(source, target=target) for target in TARGETS}
    params = models["qiskit"].init_params(3)
    assert 0 < len(models["qiskit"]._plan.dropout) <= 10
    for epoch in (0, 5):
        oracle = _average_of_sampled(models["qiskit"], params, epoch)
        for target, model in models.items():
            exact = model.state(INPUTS, params, training=True, epoch=epoch, mode="exact")
            np.testing.assert_allclose(exact, oracle, atol=1e-10, err_msg=target)
            values = model.expectations(INPUTS, params, training=True, epoch=epoch, mode="exact")
            np.testing.assert_allclose(values, _observables(oracle), atol=1e-10, err_msg=target)


def test_independent_masks_have_product_probabilities() -> None:
    """Ten independent gates: the 1024 masks weighted by prod p^d (1 - p)^(1 - d), by hand."""
    source = (
        "model m {\n    qubits 2\n    param w[5, 2]\n    h on all\n"
        "    for k in 0..5 {\n        ry(w[k, 0]) on 0\n        rx(w[k, 1]) on 1\n"
        "        cz on [0, 1]\n    }\n    dropout rotations p = 0.35\n"
        "    measure expval Z on 1\n}\n"
    )
    gates = [2 + 3 * k + i for k in range(5) for i in (0, 1)]
    for target in TARGETS:
        model = dreamlang.compile(source, target=target)
        params = model.init_params(4)
        assert [row[0] for row in model._plan.dropout] == gates
        total = np.zeros((4, 4), dtype=complex)
        for bits in itertools.product((0, 1), repeat=10):
            mask = frozenset(g for g, b in zip(gates, bits) if b)
            weight = math.prod(0.35 if b else 0.65 for b in bits)
            psi = model.state({}, params, training=True, dropped=mask)
            total += weight * np.outer(psi, psi.conj())
        exact = model.state({}, params, training=True, mode="exact")
        np.testing.assert_allclose(exact, total, atol=1e-10, err_msg=target)


@settings(max_examples=12, deadline=None)
@given(
    p=st.floats(0.0, 1.0),
    p_layer=st.floats(0.0, 1.0),
    group=st.sampled_from(["", " group layer", " group wire", " group g"]),
    seed=st.integers(0, 2**16),
)
def test_exact_mode_matches_the_oracle_for_any_probabilities(
    p: float, p_layer: float, group: str, seed: int
) -> None:
    dropout = f"dropout rotations p = {p!r}, p_layer = {p_layer!r}{group}"
    model = dreamlang.compile(MODEL.replace("DROPOUT", dropout), target="cirq")
    params = model.init_params(seed)
    exact = model.state(INPUTS, params, training=True, mode="exact")
    np.testing.assert_allclose(exact, _average_of_sampled(model, params, 0), atol=1e-10)


def test_sampled_means_converge_to_exact_mode_within_the_hoeffding_bound() -> None:
    """Each sampled expectation lies in [-1, 1]: by Hoeffding, the mean of N masks is within
    t = sqrt(2 ln(2 / delta) / N) of exact mode with probability 1 - delta (delta = 1e-6)."""
    source = MODEL.replace("DROPOUT", DROPOUTS["mixed"])
    model = dreamlang.compile(source, target="qiskit")
    params = model.init_params(3)
    exact = model.expectations(INPUTS, params, training=True, mode="exact")
    runs = np.array(
        [model.expectations(INPUTS, params, training=True, seed=7, step=k) for k in range(1500)]
    )
    for n in (100, 1500):
        bound = math.sqrt(2 * math.log(2 / 1e-6) / n)
        error = np.abs(runs[:n].mean(axis=0) - exact)
        assert np.all(error <= bound), (n, error, bound)
    assert np.max(np.abs(runs.mean(axis=0) - exact)) < np.max(
        np.abs(runs[:100].mean(axis=0) - exact)
    )


def test_exact_mode_only_in_training_and_needs_dropout() -> None:
    source = MODEL.replace("DROPOUT", DROPOUTS["two-level"])
    for target in TARGETS:
        model = dreamlang.compile(source, target=target)
        params = model.init_params(1)
        plain = model.expectations(INPUTS, params)
        assert np.array_equal(model.expectations(INPUTS, params, mode="exact"), plain)
        assert not np.allclose(
            model.expectations(INPUTS, params, training=True, mode="exact"), plain
        )
        with pytest.raises(ValueError, match="mode"):
            model.expectations(INPUTS, params, training=True, mode="exactly")


def test_too_many_correlated_coins_is_a_clear_error() -> None:
    rows = tuple((i, f"g{i // 2}", None) for i in range(40))
    with pytest.raises(ValueError, match=r"more than 4096 circuits.*sampled"):
        rt._exact_mixture(rows, [0.5] * 40, [None] * 40)


def test_generated_modules_default_to_the_compiled_mode(tmp_path: Path) -> None:
    """dreamc compile --mode exact --epoch 5 --seed 9: the module's expectations() default to
    exact mode at epoch 5 and equal the in-memory model's."""
    source = tmp_path / "m.dream"
    source.write_text(MODEL.replace("DROPOUT", DROPOUTS["mixed"]), "utf-8")
    for target in TARGETS:
        out = tmp_path / f"m_{target}.py"
        args = ["compile", str(source), "-t", target, "--mode", "exact", "--epoch", "5"]
        assert main([*args, "--seed", "9", "-o", str(out)]) == 0
        spec = importlib.util.spec_from_file_location(f"exact_{target}", out)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        assert (module.MODE, module.EPOCH, module.SEED) == ("exact", 5, 9)
        model = dreamlang.compile(str(source), target=target)
        params = model.init_params(2)
        want = model.expectations(INPUTS, params, training=True, epoch=5, mode="exact")
        np.testing.assert_allclose(
            module.expectations(INPUTS, params, training=True), want, atol=1e-10
        )
        sampled = module.expectations(INPUTS, params, training=True, mode="sampled", step=3)
        np.testing.assert_array_equal(
            sampled, model.expectations(INPUTS, params, training=True, epoch=5, seed=9, step=3)
        )
