"""Schedules match their closed forms over epochs and depth, out-of-range probabilities are
compile errors at the schedule, and dropout masks are the same on every target for a seed."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import dreamlang
from dreamlang.backends.exprs import epoch_value
from dreamlang.diagnostics import DreamError

TARGETS = ("pennylane", "qiskit", "cirq")


# ---- 3. schedules: closed forms (docs/language.md §16) read back through compiled models ----

# (schedule over 'epochs=N', N, its closed form at step t), written out from the table of §16.
SCHEDULES: tuple[tuple[str, int, Callable[[int], float]], ...] = (
    ("constant(0.3)", 1, lambda t: 0.3),
    ("linear(0.2, 0.0, epochs=50)", 50, lambda t: 0.2 - 0.2 * min(t, 50) / 50),
    ("linear(0.1, 0.9, epochs=8)", 8, lambda t: 0.1 + 0.8 * min(t, 8) / 8),
    (
        "cosine(0.05, 0.0, epochs=50)",
        50,
        lambda t: 0.05 * (1 + math.cos(math.pi * min(t, 50) / 50)) / 2,
    ),
    (
        "cosine(0.1, 0.9, epochs=6)",
        6,
        lambda t: 0.9 - 0.8 * (1 + math.cos(math.pi * min(t, 6) / 6)) / 2,
    ),
    ("exponential(0.5, 0.9, epochs=20)", 20, lambda t: 0.5 * 0.9 ** min(t, 20)),
    ("exponential(1.0, 0.0, epochs=3)", 3, lambda t: 0.0 ** min(t, 3)),
    ("step(0.2, 0.5, epochs=10)", 10, lambda t: 0.2 * 0.5 ** (t // 10)),
    ("step(1.0, 0.0, epochs=3)", 3, lambda t: 0.0 ** (t // 3)),
    ("warmup(0.02, epochs=5)", 5, lambda t: 0.02 * min(t, 5) / 5),
    ("warmup(1.0, epochs=3)", 3, lambda t: min(t, 3) / 3),
)
SCHEDULE_IDS = [
    text.split(",")[0].split("(")[0] + str(i) for i, (text, _, _) in enumerate(SCHEDULES)
]


def _bit_flip_probabilities(source: str, target: str, epoch: int) -> np.ndarray:
    """The flip probability on each wire of a model of bit_flip channels on |0...0>."""
    z = dreamlang.compile(source, target=target).expectations({}, {}, epoch=epoch)
    return np.asarray((1 - z) / 2)


def test_the_documented_schedule_examples() -> None:
    """§16: linear(0.2, 0.0, epochs=50) is 0.1 at epoch 25, step(0.2, 0.5, epochs=10) is 0.05
    and cosine(0.05, 0.0, epochs=50) is 0.025."""
    lines = [
        "linear(0.2, 0.0, epochs=50)",
        "step(0.2, 0.5, epochs=10)",
        "cosine(0.05, 0.0, epochs=50)",
    ]
    body = "".join(f"    bit_flip({s}) on {q}\n" for q, s in enumerate(lines))
    source = f"model m {{\n    qubits 3\n{body}    measure expval Z on all\n}}\n"
    for target in TARGETS:
        got = _bit_flip_probabilities(source, target, 25)
        np.testing.assert_allclose(got, [0.1, 0.05, 0.025], rtol=0, atol=1e-12, err_msg=target)


@pytest.mark.parametrize(("text", "length", "closed"), SCHEDULES, ids=SCHEDULE_IDS)
def test_epoch_schedule_matches_its_closed_form(
    text: str, length: int, closed: Callable[[int], float]
) -> None:
    source = f"model m {{\n    qubits 1\n    bit_flip({text}) on 0\n    measure expval Z on 0\n}}\n"
    epochs = sorted({0, 1, 2, length // 2, length - 1, length, length + 1, length + 7, 1000})
    for target in TARGETS:
        for epoch in epochs:
            got = _bit_flip_probabilities(source, target, epoch)[0]
            assert got == pytest.approx(closed(epoch), abs=1e-12), (target, epoch)


def _depth_model(schedule: str, layers: int, picks: list[int]) -> str:
    """``layers`` layers; layer picks[k] holds the channel with ``schedule`` on wire k."""
    chain = " el".join(
        f"if l == {layer} {{\n                bit_flip({schedule}) on {k}\n            }}"
        for k, layer in enumerate(picks)
    )
    return (
        f"model m {{\n    qubits {len(picks)}\n    repeat {layers} as l {{\n        layer {{\n"
        f"            i on 0\n            {chain}\n        }}\n    }}\n"
        "    measure expval Z on all\n}\n"
    )


@pytest.mark.parametrize(("text", "length", "closed"), SCHEDULES, ids=SCHEDULE_IDS)
def test_depth_schedule_matches_its_closed_form_at_each_layer(
    text: str, length: int, closed: Callable[[int], float]
) -> None:
    """The same schedule over depth=N: layer l's channel has the value at t = l, at any epoch."""
    layers = 2 * length + 3  # beyond the horizon too (step keeps stepping, the others freeze)
    picks = sorted({0, 1, length // 2, length, length + 1, layers - 1})
    source = _depth_model(text.replace("epochs=", "depth="), layers, picks)
    expected = [closed(layer) for layer in picks]
    for target in TARGETS:
        for epoch in (0, 7):
            got = _bit_flip_probabilities(source, target, epoch)
            np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12, err_msg=target)


# Epoch and depth combined: (expression, closed form at (epoch e, layer d)).
COMBINED: tuple[tuple[str, Callable[[int, int], float]], ...] = (
    (
        "0.5 * linear(0.2, 0.0, depth=3) + warmup(0.02, epochs=5)",  # the example of §16
        lambda e, d: 0.5 * (0.2 - 0.2 * min(d, 3) / 3) + 0.02 * min(e, 5) / 5,
    ),
    (
        "cosine(0.3, 0.1, depth=2) * exponential(1.0, 0.8, epochs=10)",
        lambda e, d: (0.1 + 0.2 * (1 + math.cos(math.pi * min(d, 2) / 2)) / 2) * 0.8 ** min(e, 10),
    ),
    (
        "step(0.4, 0.5, depth=2) * (1 - linear(0.0, 0.5, epochs=10))",
        lambda e, d: 0.4 * 0.5 ** (d // 2) * (1 - 0.5 * min(e, 10) / 10),
    ),
)
COMBINED_LAYERS = 5


@pytest.mark.parametrize(("text", "closed"), COMBINED, ids=["sum", "product", "step"])
def test_combined_schedule_at_each_epoch_and_layer(
    text: str, closed: Callable[[int, int], float]
) -> None:
    source = _depth_model(text, COMBINED_LAYERS, list(range(COMBINED_LAYERS)))
    for epoch in (0, 2, 5, 10, 40):
        expected = [closed(epoch, layer) for layer in range(COMBINED_LAYERS)]
        for target in TARGETS:
            got = _bit_flip_probabilities(source, target, epoch)
            np.testing.assert_allclose(
                got, expected, rtol=0, atol=1e-12, err_msg=f"{target} {epoch}"
            )


@pytest.mark.parametrize(("text", "closed"), COMBINED, ids=["sum", "product", "step"])
def test_dropout_probabilities_follow_the_schedule(
    text: str, closed: Callable[[int, int], float]
) -> None:
    """The per-gate and layer probabilities a backend evaluates (epoch_value of the tag)."""
    source = (
        f"model m {{\n    qubits 2\n    param w[{COMBINED_LAYERS}]\n"
        f"    repeat {COMBINED_LAYERS} as l {{\n        layer {{\n            ry(w[l]) on 0\n"
        f"            cnot on [0, 1]\n        }}\n    }}\n"
        f"    dropout all p = {text}, p_layer = {text}\n    measure expval Z on all\n}}\n"
    )
    ops = dreamlang.compile(source, target="qiskit").program.model.ops
    tagged = [op for op in ops if op.tags.dropout is not None]
    assert len(tagged) == 2 * COMBINED_LAYERS
    for op in tagged:
        tag, layer = op.tags.dropout, op.tags.layer
        assert tag is not None and tag.p_layer is not None and layer is not None
        for epoch in (0, 3, 5, 10, 1000):
            assert epoch_value(tag.p, epoch) == pytest.approx(closed(epoch, layer), abs=1e-12)
            assert epoch_value(tag.p_layer, epoch) == pytest.approx(closed(epoch, layer), abs=1e-12)


# Each leaves [0, 1] somewhere: late, only beyond the horizon, only deep, or only at one
# (epoch, layer) pair of a combination.
OUT_OF_RANGE = (
    "constant(1.5)",
    "linear(0.5, 1.5, epochs=10)",
    "linear(0.5, -0.5, depth=3)",
    "cosine(0.2, 1.2, epochs=8)",
    "exponential(0.5, 1.5, epochs=4)",
    "exponential(0.5, 3.0, depth=2)",
    "step(0.3, 2.0, epochs=100)",
    "step(0.3, 2.0, depth=1)",
    "warmup(1.5, epochs=3)",
    "linear(0.0, 0.6, depth=3) + linear(0.0, 0.6, epochs=10)",
    "0.5 - linear(0.0, 1.0, epochs=10)",
)
# Where the schedule can go: a channel's value, a noise statement, a dropout probability.
PLACES = {
    "channel": "            bit_flip(SCHED) on l\n",
    "noise": "            ry(w[l]) on l\n            noise depolarizing p = SCHED after each layer\n",
    "dropout": "            ry(w[l]) on l\n            dropout rotations p = SCHED\n",
    "p_layer": "            ry(w[l]) on l\n            dropout rotations p = 0.1, p_layer = SCHED\n",
}


def _bad_model(place: str, schedule: str) -> tuple[str, int, int]:
    """A 4-layer model using ``schedule`` in ``place``; the schedule's line and column."""
    body = PLACES[place].replace("SCHED", schedule)
    source = (
        "model m {\n    qubits 4\n    param w[4]\n    repeat 4 as l {\n        layer {\n"
        f"{body}        }}\n    }}\n    measure expval Z on all\n}}\n"
    )
    before = source[: source.index(schedule)]
    return source, before.count("\n") + 1, len(before) - before.rfind("\n")


def _compile_error(source: str) -> Any:
    with pytest.raises(DreamError) as caught:
        dreamlang.compile(source, target="qiskit")
    errors = [d for d in caught.value.diagnostics if d.is_error]
    assert [d.code for d in errors] == ["probability-out-of-range"]
    return errors[0].span


@pytest.mark.parametrize("place", sorted(PLACES))
@pytest.mark.parametrize("schedule", OUT_OF_RANGE)
def test_a_probability_out_of_range_anywhere_is_a_compile_error(place: str, schedule: str) -> None:
    source, line, column = _bad_model(place, schedule)
    span = _compile_error(source)
    assert span is not None and span.line == line
    # The reported span is an epoch schedule inside the value, or (for depth schedules, which
    # are numbers per layer once resolved) the statement holding the value.
    inside = column <= span.column and span.end_column <= column + len(schedule)
    assert inside or (span.column <= column and span.end_column >= column + len(schedule))
    good = source.replace(schedule, "0.25")
    dreamlang.compile(good, target="qiskit")  # the same model in range compiles


@pytest.mark.parametrize("place", ["channel", "dropout"])
def test_the_error_points_at_the_schedule_itself(place: str) -> None:
    schedule = "linear(0.5, 1.5, epochs=10)"
    source, line, column = _bad_model(place, schedule)
    span = _compile_error(source)
    assert (span.line, span.column) == (line, column)
    assert (span.end_line, span.end_column) == (line, column + len(schedule))


# ---- 4. dropout masks: the same seed gives the same mask on every target; eval drops nothing ----

# Six ry(pi) gates, each flipping its own wire: <Z_q> = +1 exactly when gate q was dropped, so
# the outputs spell out the mask. Layer l holds the gates on wires 3l, 3l + 1, 3l + 2.
MASKED = """
model masks {
    qubits 6
    param w[2, 3] ~ constant(pi)
    repeat 2 as l {
        layer {
            for q in 0..3 {
                ry(w[l, q]) on 3 * l + q
            }
        }
    }
    DROPOUT
    measure expval Z on all
}
"""
DROPOUTS = {
    "independent": "dropout rotations p = 0.5",
    "two-level": "dropout rotations p = 0.3, p_layer = 0.4",
    "group-layer": "dropout rotations p = 0.5 group layer",
    "named-group": "dropout gates [ry] p = 0.5 group g",
    "in-layers": "dropout all p = 0.5 in layers 1..2",
}
SEEDS = range(16)


def _masks(
    model: Any, params: dict[str, np.ndarray], epoch: int, training: bool
) -> list[tuple[int, ...]]:
    masks = []
    for seed in SEEDS:
        z = model.expectations({}, params, epoch=epoch, training=training, seed=seed)
        assert np.all(np.abs(np.abs(z) - 1) < 1e-9)  # each gate either ran or was dropped
        masks.append(tuple(int(q) for q in np.flatnonzero(z > 0)))
    return masks


@pytest.mark.parametrize("kind", sorted(DROPOUTS))
def test_same_seed_same_masks_on_every_target(kind: str) -> None:
    source = MASKED.replace("DROPOUT", DROPOUTS[kind])
    models = {target: dreamlang.compile(source, target=target) for target in TARGETS}
    params = models["qiskit"].init_params(0)
    np.testing.assert_allclose(params["w"], math.pi)
    for epoch in (0, 3):
        masks = {target: _masks(m, params, epoch, True) for target, m in models.items()}
        assert masks["pennylane"] == masks["qiskit"] == masks["cirq"], epoch
        assert _masks(models["cirq"], params, epoch, True) == masks["cirq"]  # reproducible
        assert len(set(masks["qiskit"])) > 1  # the seed matters
        for mask in masks["qiskit"]:
            layers = {q // 3 for q in mask}
            if kind == "group-layer":
                assert all({3 * k, 3 * k + 1, 3 * k + 2} <= set(mask) for k in layers)
            if kind == "named-group":
                assert mask in ((), tuple(range(6)))
            if kind == "in-layers":
                assert layers <= {1}
    for target, model in models.items():  # eval mode: every gate, whatever the seed
        assert set(_masks(model, params, 3, False)) == {()}, target


# (dropout, epoch, the gates dropped at every seed): schedules at their edges 0 and 1.
EDGES = (
    ("dropout rotations p = step(1.0, 0.0, epochs=3)", 2, tuple(range(6))),
    ("dropout rotations p = step(1.0, 0.0, epochs=3)", 3, ()),
    ("dropout rotations p = warmup(1.0, epochs=4)", 0, ()),
    ("dropout rotations p = warmup(1.0, epochs=4)", 4, tuple(range(6))),
    ("dropout rotations p = linear(1.0, 0.0, depth=1)", 0, (0, 1, 2)),
    ("dropout rotations p = 1.0, p_layer = linear(0.0, 1.0, depth=1)", 5, (3, 4, 5)),
    ("dropout rotations p = 0.0, p_layer = 1.0", 5, ()),
)


@pytest.mark.parametrize(("dropout", "epoch", "dropped"), EDGES)
def test_schedules_at_zero_and_one_drop_exactly(
    dropout: str, epoch: int, dropped: tuple[int, ...]
) -> None:
    source = MASKED.replace("DROPOUT", dropout)
    for target in TARGETS:
        model = dreamlang.compile(source, target=target)
        masks = _masks(model, model.init_params(0), epoch, True)
        assert set(masks) == {dropped}, target
