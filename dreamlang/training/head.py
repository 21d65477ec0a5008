"""The classical head, batched: the forward pass of backends' ``_head`` and its backprop."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["ACTIVATIONS", "HeadCache", "head_backward", "head_forward"]

Array = NDArray[np.float64]
Layers = Sequence[Sequence[str]]

ACTIVATIONS = ("relu", "tanh", "sigmoid", "softmax", "identity")


@dataclass(frozen=True)
class HeadCache:
    """What the backward pass needs: every layer's input and output, (batch, width) each."""

    inputs: tuple[Array, ...]
    outputs: tuple[Array, ...]
    output_shape: tuple[int, ...]  # (batch, k), also when there are no layers
    single: bool  # the values were one sample (1-D), so d_values is 1-D too


def _layer_forward(h: Array, layer: Sequence[str], params: Mapping[str, ArrayLike]) -> Array:
    """One layer on a batch; every formula is _head's, row by row, so results agree bit for bit."""
    kind = layer[0]
    if kind == "dense":
        weight = np.asarray(params[layer[1]], dtype=np.float64)
        bias = np.asarray(params[layer[2]], dtype=np.float64)
        if weight.ndim != 2 or weight.shape[1] != h.shape[-1] or bias.shape != weight.shape[:1]:
            raise ValueError(
                f"dense layer {layer[1]!r} {weight.shape} / {layer[2]!r} {bias.shape} does not "
                f"fit an input of width {h.shape[-1]}"
            )
        # A stack of matrix @ vector products, not h @ W.T: numpy runs each one as _head's W @ h
        # does, whereas one matrix product may sum in another order and differ in the last bit.
        return np.asarray((weight @ h[..., None])[..., 0] + bias, dtype=np.float64)
    if kind == "relu":
        return np.maximum(h, 0.0)
    if kind == "tanh":
        return np.tanh(h)
    if kind == "sigmoid":
        with np.errstate(over="ignore"):  # exp(-h) overflows to inf for h << 0; 1/inf is 0
            return np.asarray(1.0 / (1.0 + np.exp(-h)), dtype=np.float64)
    if kind == "softmax":
        shifted = np.exp(h - np.max(h, axis=-1, keepdims=True))
        return np.asarray(shifted / shifted.sum(axis=-1, keepdims=True), dtype=np.float64)
    if kind == "identity":
        return h
    raise ValueError(f"unknown head layer {kind!r}")


def head_forward(
    values: ArrayLike, params: Mapping[str, ArrayLike], layers: Layers
) -> tuple[Array, HeadCache]:
    """The head's output for a batch of measurement vectors, and the cache for head_backward.

    ``values`` is (batch, m), or (m,) for one sample (then the output is 1-D too). Layers are
    the rows of ``CompiledModel.head``: ("dense", weight, bias) or (activation,), with
    dense computing W @ h + b for W of shape (out, in).
    """
    h = np.asarray(values, dtype=np.float64)
    single = h.ndim == 1
    if single:
        h = h[None, :]
    if h.ndim != 2:
        raise ValueError(f"values must have shape (batch, m) or (m,), not {h.shape}")
    inputs, outputs = [], []
    for layer in layers:
        inputs.append(h)
        h = _layer_forward(h, layer, params)
        outputs.append(h)
    cache = HeadCache(tuple(inputs), tuple(outputs), h.shape, single)
    return (h[0] if single else h), cache


def _activation_backward(kind: str, y: Array, d: Array) -> Array:
    """d loss / d (activation input) from d loss / d (activation output), given the output y."""
    if kind == "relu":
        return d * (y > 0)  # the subgradient 0 at the kink, as in the usual frameworks
    if kind == "tanh":
        return d * (1.0 - y * y)
    if kind == "sigmoid":
        return d * y * (1.0 - y)
    if kind == "softmax":
        # The softmax Jacobian diag(y) - y y^T applied to d, one sample per row.
        return np.asarray(y * (d - np.sum(d * y, axis=-1, keepdims=True)), dtype=np.float64)
    if kind == "identity":
        return d
    raise ValueError(f"unknown head layer {kind!r}")


def head_backward(
    cache: HeadCache, d_out: ArrayLike, params: Mapping[str, ArrayLike], layers: Layers
) -> tuple[dict[str, Array], Array]:
    """Gradients of the head's parameters (by name) and of its input values.

    ``d_out`` is d loss / d output with the output's shape (a loss's gradient of the mean
    already holds the 1/batch); parameter gradients are summed over the batch, and a
    parameter used by several layers gets the sum of its gradients.
    """
    d = np.asarray(d_out, dtype=np.float64)
    if cache.single:
        d = d[None, :]
    if d.shape != cache.output_shape or len(layers) != len(cache.inputs):
        raise ValueError(
            f"d_out has shape {d.shape} for {len(layers)} layers; the forward pass gave "
            f"{cache.output_shape} for {len(cache.inputs)} layers"
        )
    grads: dict[str, Array] = {}
    for index in range(len(layers) - 1, -1, -1):
        layer = layers[index]
        if layer[0] != "dense":
            d = _activation_backward(layer[0], cache.outputs[index], d)
            continue
        weight = np.asarray(params[layer[1]], dtype=np.float64)
        for name, grad in ((layer[1], d.T @ cache.inputs[index]), (layer[2], d.sum(axis=0))):
            grads[name] = grads[name] + grad if name in grads else grad
        d = d @ weight
    return grads, (d[0] if cache.single else d)
