"""Target-independent numpy runtime, shared verbatim by compiled models and generated modules.

Everything below the ``# ---- runtime ----`` marker is copied, unchanged, into every generated
Python module, so a module needs only numpy and its target library. The in-memory compiled
models call the same functions, so both paths compute the classical parts identically.
Only numpy and the standard library may be used here, and only literal data passed in.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

# ---- runtime ----


def _schedule(kind: str, args: tuple[float, ...], length: int, epoch: float) -> float:
    """A schedule's value at an epoch (see docs/language.md, section Schedules)."""
    if kind == "constant":
        return args[0]
    if kind == "step":
        return args[0] * math.pow(args[1], epoch // length)
    frac = min(max(epoch, 0.0), length) / length if length > 0 else 1.0
    if kind == "linear":
        return args[0] + (args[1] - args[0]) * frac
    if kind == "cosine":
        return args[1] + (args[0] - args[1]) * (1 + math.cos(math.pi * frac)) / 2
    if kind == "exponential":
        return args[0] * math.pow(args[1], min(max(epoch, 0.0), length))
    if kind == "warmup":
        return args[0] * frac
    raise ValueError(f"unknown schedule {kind!r}")


def _init_params(spec: tuple[Any, ...], seed: int | None) -> dict[str, np.ndarray]:
    """Fresh parameters: spec rows are (name, shape, initializer, args), drawn in order."""
    rng = np.random.default_rng(seed)
    params = {}
    for name, shape, kind, args in spec:
        if kind == "uniform":
            value = rng.uniform(args[0], args[1], size=shape)
        elif kind == "normal":
            value = rng.normal(args[0], args[1], size=shape)
        elif kind == "zeros":
            value = np.zeros(shape)
        elif kind == "constant":
            value = np.full(shape, float(args[0]))
        else:
            raise ValueError(f"unknown initializer {kind!r}")
        params[name] = np.asarray(value, dtype=np.float64)
    return params


def _arrays(values: dict[str, Any], shapes: dict[str, Any], what: str) -> dict[str, np.ndarray]:
    """The declared arrays as float64, each checked against its declared shape."""
    missing = [name for name in shapes if name not in values]
    if missing:
        raise ValueError(f"missing {what}: {', '.join(missing)}")
    arrays = {}
    for name, shape in shapes.items():
        array = np.asarray(values[name], dtype=np.float64)
        if array.shape != tuple(shape):
            raise ValueError(f"{what} {name!r} has shape {array.shape}, expected {tuple(shape)}")
        arrays[name] = array
    return arrays


def _run(
    terms: Any,
    dropout_probabilities: Any,
    declared: tuple[Any, ...],
    inputs: dict[str, Any],
    params: dict[str, Any],
    when: tuple[int, bool, Any, int],
    mode: str = "sampled",
    ensemble: int = 1,
) -> list[np.ndarray]:
    """The declared measurements of each ensemble member (one list item without an ensemble).

    declared is (INPUTS, PARAMS, _MEASURES, _DROPOUT); terms and dropout_probabilities are the
    target's functions of the same names; when is (epoch, training, seed, step). Sampled mode
    draws one mask per (seed, epoch, step) in training; ``ensemble`` K > 1 uses K masks fixed
    by (seed, member) instead, in training and at inference; exact mode runs, in training, the
    exact mixture over every mask (see docs/dropout.md).
    """
    input_shapes, param_shapes, measures, dropout = declared
    epoch, training, seed, step = when
    if mode not in ("sampled", "exact"):
        raise ValueError(f"mode must be 'sampled' or 'exact', not {mode!r}")
    inputs = _arrays(inputs, input_shapes, "input")
    params = _arrays(params, param_shapes, "parameter")
    rng = _rng(seed, epoch, step, 1)
    kwargs = {"epoch": epoch, "training": training}
    if not dropout or (mode == "sampled" and not training and ensemble <= 1):
        values = terms(inputs, params, **kwargs, dropped=frozenset(), mixed={})
        return [_measurements(values, measures, rng)]
    probs, layer_probs = dropout_probabilities(epoch)
    if mode == "exact":
        if not training:
            values = terms(inputs, params, **kwargs, dropped=frozenset(), mixed={})
            return [_measurements(values, measures, rng)]
        mixture = _exact_mixture(dropout, probs, layer_probs)
        parts = [(w, terms(inputs, params, **kwargs, dropped=d, mixed=m)) for w, d, m in mixture]
        return [_measurements(_weighted_terms(parts), measures, rng)]
    if ensemble > 1:
        masks = [_member_mask(dropout, probs, layer_probs, seed, k) for k in range(ensemble)]
    else:
        masks = [_dropout_mask(dropout, probs, layer_probs, (seed, epoch, step))]
    return [
        _measurements(terms(inputs, params, **kwargs, dropped=mask, mixed={}), measures, rng)
        for mask in masks
    ]


def _weighted_terms(parts: list[tuple[float, list[Any]]]) -> list[Any]:
    """Sum over (weight, terms) of weight * terms, term by term: every term is linear in the
    density matrix, so this is the terms of the mixture."""
    total: list[Any] = [0.0 * np.asarray(v, dtype=np.float64) for v in parts[0][1]]
    for weight, values in parts:
        for i, value in enumerate(values):
            total[i] = total[i] + weight * np.asarray(value, dtype=np.float64)
    return [float(v) if np.ndim(v) == 0 else v for v in total]


def _rng(seed: int | None, *key: int) -> np.random.Generator:
    """A generator keyed by (seed, *key); seed None draws fresh entropy."""
    if seed is None:
        return np.random.default_rng()
    return np.random.default_rng([int(seed), *(int(k) for k in key)])


def _coin(when: tuple[Any, int, int], kind: str, key: str) -> float:
    """One dropout coin's uniform draw, keyed by (seed, epoch, step, coin): the same on every
    target, and unchanged when coins elsewhere in the model come or go."""
    seed, epoch, step = when
    name = int.from_bytes(f"{kind}:{key}".encode(), "little")  # exact, so no two keys collide
    return float(_rng(seed, epoch, step, 0, name).random())


def _dropout_mask(
    rows: tuple[Any, ...], probs: list[float], layer_probs: list[Any], when: tuple[Any, int, int]
) -> frozenset[int]:
    """Indices of the operations dropped at ``when`` = (seed, epoch, step).

    rows[i] is (op index, coin key, layer key or None); probs[i] its drop probability and
    layer_probs[i] the layer-level probability (None without one). Ops that share a coin key
    share one coin. A coin's key is its gate (op INDEX), its group or its layer.
    """
    return _mask_from_coins(rows, probs, layer_probs, _draw_coins(rows, when, ""))


def _member_mask(
    rows: tuple[Any, ...], probs: list[float], layer_probs: list[Any], seed: Any, member: int
) -> frozenset[int]:
    """The fixed mask of one ensemble member: its coins are keyed by (seed, member) only."""
    when = (0 if seed is None else seed, 0, member)
    return _mask_from_coins(rows, probs, layer_probs, _draw_coins(rows, when, "member-"))


def _draw_coins(rows: tuple[Any, ...], when: tuple[Any, int, int], prefix: str) -> dict[Any, float]:
    """Every coin's uniform draw, keyed by ('gate' or 'layer', coin key)."""
    coins: dict[Any, float] = {}
    for _, coin_key, layer_key in rows:
        for key in (("layer", layer_key), ("gate", coin_key)):
            if key[1] is not None and key not in coins:
                coins[key] = _coin(when, prefix + key[0], key[1])
    return coins


def _mask_from_coins(
    rows: tuple[Any, ...], probs: list[float], layer_probs: list[Any], coins: dict[Any, float]
) -> frozenset[int]:
    """The mask that the coins' draws give.

    Two-level dropout (p_layer) first selects a layer with its layer coin, then drops each
    selected gate with its own coin: an op is dropped with probability p_layer * p.
    """
    dropped = set()
    for (index, coin_key, layer_key), p, p_layer in zip(rows, probs, layer_probs):
        selected = layer_key is None or p_layer is None or coins[("layer", layer_key)] < p_layer
        if selected and coins[("gate", coin_key)] < p:
            dropped.add(index)
    return frozenset(dropped)


def _exact_mixture(
    rows: tuple[Any, ...], probs: list[float], layer_probs: list[Any], limit: int = 4096
) -> list[tuple[float, frozenset[int], dict[int, float]]]:
    """The exact dropout ensemble as a finite mixture of (weight, dropped ops, mixed ops).

    A coin that only one op uses is averaged inside that op's mixed-unitary channel
    rho -> (1 - q) U rho U^dagger + q rho (``mixed`` maps the op to q). Coins shared by several
    ops (groups, layer coins) are enumerated: a coin is a uniform draw u, and the distinct
    probabilities compared with it cut [0, 1) into cells, each an outcome with its length as
    weight. Outcomes that give the same circuit are merged.
    """
    uses: dict[Any, int] = {}
    for _, coin_key, layer_key in rows:
        for key in (("gate", coin_key), ("layer", layer_key)):
            uses[key] = uses.get(key, 0) + 1
    cuts: dict[Any, set[float]] = {}
    for (_, coin_key, layer_key), p, p_layer in zip(rows, probs, layer_probs):
        if layer_key is not None and p_layer is not None and uses[("layer", layer_key)] > 1:
            cuts.setdefault(("layer", layer_key), set()).add(p_layer)
        if uses[("gate", coin_key)] > 1:
            cuts.setdefault(("gate", coin_key), set()).add(p)
    outcomes: list[tuple[float, dict[Any, float]]] = [(1.0, {})]
    for key, points in cuts.items():
        edges = [0.0, *sorted(x for x in points if 0.0 < x < 1.0), 1.0]
        cells = [
            (edges[i + 1] - edges[i], (edges[i] + edges[i + 1]) / 2) for i in range(len(edges) - 1)
        ]
        outcomes = [(w * cw, {**draws, key: u}) for w, draws in outcomes for cw, u in cells]
        if len(outcomes) > limit:
            raise ValueError(
                f"exact dropout would simulate more than {limit} circuits (correlated coins: "
                f"{len(cuts)}); use mode='sampled', or fewer groups and layer coins"
            )
    merged: dict[Any, float] = {}
    for weight, draws in outcomes:
        config = _exact_config(rows, probs, layer_probs, draws)
        merged[config] = merged.get(config, 0.0) + weight
    return [(w, dropped, dict(mixed)) for (dropped, mixed), w in merged.items() if w > 0.0]


def _exact_config(
    rows: tuple[Any, ...], probs: list[float], layer_probs: list[Any], draws: dict[Any, float]
) -> tuple[frozenset[int], tuple[tuple[int, float], ...]]:
    """Given the shared coins' draws: the ops dropped, and the ops left to coins of their own
    (with the probability q that those coins drop them)."""
    dropped, mixed = set(), []
    for (index, coin_key, layer_key), p, p_layer in zip(rows, probs, layer_probs):
        q = 1.0
        if layer_key is not None and p_layer is not None:
            layer = draws.get(("layer", layer_key))
            q = p_layer if layer is None else float(layer < p_layer)
        gate = draws.get(("gate", coin_key))
        q *= p if gate is None else float(gate < p)
        if q >= 1.0:
            dropped.add(index)
        elif q > 0.0:
            mixed.append((index, float(q)))
    return frozenset(dropped), tuple(mixed)


def _mixed_unitary_kraus(unitary: Any, p: float) -> list[np.ndarray]:
    """Kraus operators of rho -> (1 - p) U rho U^dagger + p rho: a gate dropped with
    probability p, averaged over its coin."""
    u = np.asarray(unitary, dtype=np.complex128)
    eye = np.eye(u.shape[0], dtype=np.complex128)
    return [math.sqrt(1.0 - p) * u, math.sqrt(p) * eye]


def _measurements(
    terms: list[Any], measures: tuple[Any, ...], rng: np.random.Generator
) -> np.ndarray:
    """The declared measurements, flattened in order, from the simulator's native terms.

    terms are expectation values of Pauli words and probability vectors (wire 0 most
    significant). measures rows are (kind, term index, shots, width): expval and probs copy
    their term, var is 1 - <P>^2 (every Pauli word squares to the identity), and sample draws
    ``shots`` outcomes: eigenvalues +-1 of a word, or rows of ``width`` bits of the wires.
    """
    out = []
    for kind, term, shots, width in measures:
        value = np.asarray(terms[term], dtype=np.float64)
        if kind == "expval" or kind == "probs":
            out.append(value.reshape(-1))
        elif kind == "var":
            out.append(np.reshape(1.0 - value * value, -1))
        elif width == 0:
            p_plus = min(max((1.0 + float(value)) / 2.0, 0.0), 1.0)
            out.append(np.where(rng.random(shots) < p_plus, 1.0, -1.0))
        else:
            probs = np.clip(value, 0.0, None)
            outcomes = rng.choice(probs.size, size=shots, p=probs / probs.sum())
            bits = (outcomes[:, None] >> np.arange(width - 1, -1, -1)) & 1
            out.append(bits.astype(np.float64).reshape(-1))
    return np.concatenate(out) if out else np.zeros(0)


def _head(values: np.ndarray, params: dict[str, Any], layers: tuple[Any, ...]) -> np.ndarray:
    """The classical head: rows are ("dense", weight name, bias name) or (activation,)."""
    h = np.asarray(values, dtype=np.float64)
    for layer in layers:
        kind = layer[0]
        if kind == "dense":
            h = np.asarray(params[layer[1]]) @ h + np.asarray(params[layer[2]])
        elif kind == "relu":
            h = np.maximum(h, 0.0)
        elif kind == "tanh":
            h = np.tanh(h)
        elif kind == "sigmoid":
            h = 1.0 / (1.0 + np.exp(-h))
        elif kind == "softmax":
            shifted = np.exp(h - np.max(h))
            h = shifted / shifted.sum()
        elif kind != "identity":
            raise ValueError(f"unknown head layer {kind!r}")
    return h


def _kraus(name: str, values: tuple[float, ...]) -> list[np.ndarray]:
    """Kraus operators of a single-qubit channel in dreamlang's convention (docs/conventions.md).

    depolarizing(p) applies X, Y and Z each with probability p/3 (PennyLane's and Cirq's
    convention); thermal_relaxation(t1, t2, time) is amplitude damping with
    1 - exp(-time/t1) followed by the dephasing that brings coherences to exp(-time/t2);
    kraus(values) takes 8 values per operator, each entry (row-major) as real, imaginary part.
    """
    if name == "kraus":
        parts = np.asarray(values, dtype=np.float64).reshape(-1, 2, 2, 2)
        return list(parts[..., 0] + 1j * parts[..., 1])
    eye = np.eye(2, dtype=complex)
    x = np.array([[0, 1], [1, 0]], dtype=complex)
    y = np.array([[0, -1j], [1j, 0]], dtype=complex)
    z = np.diag([1.0, -1.0]).astype(complex)
    if name == "thermal_relaxation":
        t1, t2, time = values
        damping = _kraus("amplitude_damping", (1.0 - math.exp(-time / t1),))
        dephasing = _kraus("phase_damping", (1.0 - math.exp(time / t1 - 2.0 * time / t2),))
        return [b @ a for b in dephasing for a in damping]
    if name in ("depolarizing", "bit_flip", "phase_flip", "pauli_channel"):
        if name == "depolarizing":
            px = py = pz = values[0] / 3.0
        else:
            px, py, pz = {
                "bit_flip": (values[0], 0.0, 0.0),
                "phase_flip": (0.0, 0.0, values[0]),
            }.get(name, values)
        weights = (max(1.0 - px - py - pz, 0.0), px, py, pz)
        return [math.sqrt(w) * m for w, m in zip(weights, (eye, x, y, z))]
    if name == "amplitude_damping":
        g = values[0]
        return [np.array([[1, 0], [0, math.sqrt(1 - g)]]), np.array([[0, math.sqrt(g)], [0, 0]])]
    if name == "phase_damping":
        g = values[0]
        return [np.array([[1, 0], [0, math.sqrt(1 - g)]]), np.array([[0, 0], [0, math.sqrt(g)]])]
    if name == "generalized_amplitude_damping":
        g, p = values  # p: the excited-state population the channel relaxes towards
        a, b = math.sqrt(1 - p), math.sqrt(p)
        return [
            a * np.array([[1, 0], [0, math.sqrt(1 - g)]]),
            a * np.array([[0, math.sqrt(g)], [0, 0]]),
            b * np.array([[math.sqrt(1 - g), 0], [0, 1]]),
            b * np.array([[0, 0], [math.sqrt(g), 0]]),
        ]
    raise ValueError(f"unknown channel {name!r}")
