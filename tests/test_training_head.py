"""The batched head: bit-identical to the runtime's _head forward, and exact backprop."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import dreamlang
from dreamlang.backends._runtime import _head
from dreamlang.training import cross_entropy, head_backward, head_forward
from dreamlang.training.head import ACTIVATIONS

STEP = 1e-6
TOL = 1e-6
SOME = settings(max_examples=max(20, (settings.default.max_examples or 100) // 4))


@st.composite
def heads(draw, max_width: int = 4):
    """(values (batch, m), params, layers) for a random head, values from a drawn seed."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    batch, width = draw(st.integers(1, 4)), draw(st.integers(1, max_width))
    values = rng.normal(scale=draw(st.floats(0.1, 3.0)), size=(batch, width))
    params: dict[str, np.ndarray] = {}
    layers: list[tuple[str, ...]] = []
    for i in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(("dense", "dense", *ACTIVATIONS)))
        if kind == "dense":
            units = draw(st.integers(1, max_width))
            weight, bias = f"head.{i}.weight", f"head.{i}.bias"
            params[weight] = rng.normal(size=(units, width))
            params[bias] = rng.normal(size=units)
            layers.append(("dense", weight, bias))
            width = units
        else:
            layers.append((kind,))
    return values, params, tuple(layers)


def numeric_gradient(f, x: np.ndarray) -> np.ndarray:
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[index] += STEP
        minus[index] -= STEP
        grad[index] = (f(plus) - f(minus)) / (2 * STEP)
    return grad


def relu_inputs_off_the_kink(values, params, layers) -> bool:
    _, cache = head_forward(values, params, layers)
    return all(
        np.all(np.abs(cache.inputs[i]) > 1e-4)
        for i, layer in enumerate(layers)
        if layer == ("relu",)
    )


@SOME
@given(heads(max_width=16))
def test_forward_is_bit_identical_to_the_runtime_head(case) -> None:
    values, params, layers = case
    out, _ = head_forward(values, params, layers)
    for row, got in zip(values, out):
        np.testing.assert_array_equal(got, _head(row, params, layers))
        np.testing.assert_array_equal(head_forward(row, params, layers)[0], got)


@SOME
@given(heads(), st.integers(0, 2**32 - 1))
def test_backward_matches_finite_differences(case, seed) -> None:
    values, params, layers = case
    assume(relu_inputs_off_the_kink(values, params, layers))
    out, cache = head_forward(values, params, layers)
    weights = np.random.default_rng(seed).normal(size=out.shape)  # loss = sum(weights * out)

    def loss(v: np.ndarray, p: dict[str, np.ndarray]) -> float:
        return float(np.sum(weights * head_forward(v, p, layers)[0]))

    grads, d_values = head_backward(cache, weights, params, layers)
    assert set(grads) == set(params)
    numeric = numeric_gradient(lambda v: loss(v, params), values)
    np.testing.assert_allclose(d_values, numeric, rtol=TOL, atol=TOL)
    for name, value in params.items():
        numeric = numeric_gradient(lambda x, name=name: loss(values, {**params, name: x}), value)
        np.testing.assert_allclose(grads[name], numeric, rtol=TOL, atol=TOL, err_msg=name)


@SOME
@given(st.integers(0, 2**32 - 1), st.integers(1, 4), st.integers(2, 4))
def test_softmax_head_with_cross_entropy(seed, batch, classes) -> None:
    """The chain loss -> softmax -> dense gives the familiar (p - onehot) / batch at the logits."""
    rng = np.random.default_rng(seed)
    params = {"w": rng.normal(size=(classes, 3)), "b": rng.normal(size=classes)}
    layers = (("dense", "w", "b"), ("softmax",))
    values, labels = rng.normal(size=(batch, 3)), rng.integers(0, classes, size=batch)
    out, cache = head_forward(values, params, layers)
    _, d_out = cross_entropy(out, labels, num_classes=classes)
    grads, _ = head_backward(cache, d_out, params, layers)
    d_logits = (out - np.eye(classes)[labels]) / batch
    np.testing.assert_allclose(grads["b"], d_logits.sum(axis=0), atol=1e-12)
    np.testing.assert_allclose(grads["w"], d_logits.T @ values, atol=1e-12)


def test_single_sample_is_one_dimensional() -> None:
    params = {"w": np.array([[1.0, -2.0]]), "b": np.array([0.5])}
    layers = (("dense", "w", "b"), ("tanh",))
    out, cache = head_forward(np.array([0.3, 0.1]), params, layers)
    assert out.shape == (1,)
    grads, d_values = head_backward(cache, np.array([1.0]), params, layers)
    assert d_values.shape == (2,) and grads["w"].shape == (1, 2)
    slope = 1 - np.tanh(0.6) ** 2
    np.testing.assert_allclose(d_values, slope * np.array([1.0, -2.0]))


def test_shared_weights_accumulate() -> None:
    rng = np.random.default_rng(0)
    params = {"w": rng.normal(size=(3, 3)), "b": rng.normal(size=3)}
    layers = (("dense", "w", "b"), ("tanh",), ("dense", "w", "b"))
    values = rng.normal(size=(2, 3))
    _, cache = head_forward(values, params, layers)
    grads, _ = head_backward(cache, np.ones((2, 3)), params, layers)
    for name in params:

        def loss(x: np.ndarray, name: str = name) -> float:
            return float(head_forward(values, {**params, name: x}, layers)[0].sum())

        numeric = numeric_gradient(loss, params[name])
        np.testing.assert_allclose(grads[name], numeric, rtol=TOL, atol=TOL)


def test_empty_head_passes_values_through() -> None:
    values = np.array([[1.0, 2.0]])
    out, cache = head_forward(values, {}, ())
    np.testing.assert_array_equal(out, values)
    grads, d_values = head_backward(cache, np.array([[3.0, 4.0]]), {}, ())
    assert grads == {}
    np.testing.assert_array_equal(d_values, [[3.0, 4.0]])


def test_sigmoid_saturates_without_warnings() -> None:
    out, _ = head_forward(np.array([[-1000.0, 1000.0]]), {}, (("sigmoid",),))
    np.testing.assert_array_equal(out, [[0.0, 1.0]])


def test_errors() -> None:
    with pytest.raises(ValueError, match="unknown head layer 'gelu'"):
        head_forward(np.ones((1, 2)), {}, (("gelu",),))
    _, cache = head_forward(np.ones((2, 2)), {}, (("relu",),))
    with pytest.raises(ValueError, match=r"d_out has shape \(2, 3\)"):
        head_backward(cache, np.ones((2, 3)), {}, (("relu",),))
    with pytest.raises(ValueError, match=r"dense layer 'w' \(2, 3\) / 'b' \(2,\) does not fit"):
        head_forward(
            np.ones((1, 2)), {"w": np.ones((2, 3)), "b": np.ones(2)}, (("dense", "w", "b"),)
        )
    with pytest.raises(ValueError, match=r"shape \(batch, m\)"):
        head_forward(np.ones((1, 2, 2)), {}, ())


def test_agrees_with_a_compiled_model_forward() -> None:
    source = """model m {
    qubits 2
    input x[2]
    param theta[1] ~ uniform(0, 1)
    ry(x[0]) on 0
    ry(x[1]) on 1
    cnot on [0, 1]
    ry(theta[0]) on 0
    measure expval Z0
    measure expval Z1
    head { dense 3; relu; dense 2; softmax }
}
"""
    model = dreamlang.compile(source, target="qiskit")
    params = model.init_params(seed=4)
    batch = np.random.default_rng(1).uniform(-1, 1, size=(5, 2))
    values = np.stack([model.expectations({"x": x}, params) for x in batch])
    out, _ = head_forward(values, params, model.head)
    for x, row in zip(batch, out):
        np.testing.assert_array_equal(model.forward({"x": x}, params), row)
