"""The shared numpy runtime and the expression printer that every Python target relies on."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import dreamlang
from dreamlang import ir
from dreamlang.backends import _runtime as rt
from dreamlang.backends.exprs import evaluate, to_source
from dreamlang.backends.plan import make_plan
from dreamlang.schedules import schedule_value

CHANNEL_VALUES = {
    "depolarizing": (0.3,),
    "bit_flip": (0.2,),
    "phase_flip": (0.7,),
    "pauli_channel": (0.1, 0.2, 0.3),
    "amplitude_damping": (0.4,),
    "phase_damping": (0.6,),
    "generalized_amplitude_damping": (0.3, 0.8),
    "thermal_relaxation": (50.0, 70.0, 10.0),
}


@pytest.mark.parametrize(
    ("kind", "args", "length"),
    [
        ("constant", (0.3,), 1),
        ("linear", (0.2, 0.0), 50),
        ("cosine", (0.05, 0.0), 50),
        ("exponential", (0.05, 0.9), 20),
        ("step", (0.2, 0.5), 10),
        ("warmup", (0.02,), 5),
    ],
)
def test_runtime_schedule_equals_the_compiler_schedule(
    kind: str, args: tuple[float, ...], length: int
) -> None:
    for epoch in (0, 1, 3, length // 2, length, length + 7, 1000):
        assert rt._schedule(kind, args, length, epoch) == schedule_value(kind, args, length, epoch)


@pytest.mark.parametrize("name", sorted(CHANNEL_VALUES))
def test_kraus_operators_are_trace_preserving(name: str) -> None:
    ops = rt._kraus(name, CHANNEL_VALUES[name])
    total = sum(k.conj().T @ k for k in ops)
    np.testing.assert_allclose(total, np.eye(2), atol=1e-12)


def _apply(ops: list[np.ndarray], rho: np.ndarray) -> np.ndarray:
    return sum(k @ rho @ k.conj().T for k in ops)


def test_kraus_channels_match_pennylane_channels() -> None:
    qml = pytest.importorskip("pennylane")
    rho = np.array([[0.6, 0.3 - 0.2j], [0.3 + 0.2j, 0.4]])
    peers = {
        "depolarizing": qml.DepolarizingChannel(0.3, wires=0),
        "bit_flip": qml.BitFlip(0.2, wires=0),
        "phase_flip": qml.PhaseFlip(0.7, wires=0),
        "amplitude_damping": qml.AmplitudeDamping(0.4, wires=0),
        "phase_damping": qml.PhaseDamping(0.6, wires=0),
        "generalized_amplitude_damping": qml.GeneralizedAmplitudeDamping(0.3, 0.8, wires=0),
        "thermal_relaxation": qml.ThermalRelaxationError(0.0, 50.0, 70.0, 10.0, wires=0),
    }
    for name, peer in peers.items():
        ours = _apply(rt._kraus(name, CHANNEL_VALUES[name]), rho)
        theirs = _apply(list(peer.kraus_matrices()), rho)
        # PennyLane adds its machine epsilon under the square roots of these two channels.
        atol = 1e-6 if name in ("generalized_amplitude_damping", "thermal_relaxation") else 1e-12
        np.testing.assert_allclose(ours, theirs, atol=atol, err_msg=name)


def test_measurements_postprocessing() -> None:
    terms = [0.5, np.array([0.0, 0.25, 0.75, 0.0])]
    measures = (("expval", 0, 0, 0), ("var", 0, 0, 0), ("probs", 1, 0, 0))
    out = rt._measurements(terms, measures, np.random.default_rng(0))
    np.testing.assert_allclose(out, [0.5, 0.75, 0.0, 0.25, 0.75, 0.0])


def test_samples_follow_the_distribution_and_the_seed() -> None:
    terms = [0.2, np.array([0.0, 0.25, 0.75, 0.0])]
    measures = (("sample", 0, 20000, 0), ("sample", 1, 20000, 2))
    a = rt._measurements(terms, measures, rt._rng(3, 0, 1))
    b = rt._measurements(terms, measures, rt._rng(3, 0, 1))
    np.testing.assert_array_equal(a, b)
    word, bits = a[:20000], a[20000:].reshape(20000, 2)
    assert set(np.unique(word)) <= {-1.0, 1.0}
    assert word.mean() == pytest.approx(0.2, abs=0.03)
    assert not np.any((bits[:, 0] == 0) & (bits[:, 1] == 0))  # probability 0 never drawn
    assert bits[:, 0].mean() == pytest.approx(0.75, abs=0.02)  # wire W[0] is the first column


def test_head_dense_and_activations() -> None:
    params = {"w": np.array([[1.0, -1.0], [0.5, 2.0]]), "b": np.array([0.0, 1.0])}
    h = rt._head(np.array([1.0, 2.0]), params, (("dense", "w", "b"), ("relu",), ("softmax",)))
    z = np.array([0.0, 5.5])
    np.testing.assert_allclose(h, np.exp(z) / np.exp(z).sum())


def test_dropout_mask_shares_coins_within_a_group() -> None:
    rows = ((0, "g", None), (1, "g", None), (2, "op2", None))
    masks = {rt._dropout_mask(rows, [0.5, 0.5, 0.5], [None] * 3, (s, 0, 0)) for s in range(64)}
    assert all((0 in m) == (1 in m) for m in masks)
    assert any((0 in m) != (2 in m) for m in masks)
    assert frozenset() in masks and frozenset({0, 1, 2}) in masks


def test_dropout_layer_coin_selects_the_layer_then_gate_coins_drop() -> None:
    rows = ((0, "op0", "d0:layer0"), (1, "op1", "d0:layer0"))
    assert rt._dropout_mask(rows, [1.0, 1.0], [1.0, 1.0], (0, 0, 0)) == frozenset({0, 1})
    assert rt._dropout_mask(rows, [1.0, 1.0], [0.0, 0.0], (0, 0, 0)) == frozenset()
    assert rt._dropout_mask(rows, [0.0, 0.0], [1.0, 1.0], (0, 0, 0)) == frozenset()
    # p = p_layer * p_gate: over many seeds a gate is dropped about 0.5 * 0.4 of the time
    rate = np.mean(
        [0 in rt._dropout_mask(rows, [0.4] * 2, [0.5] * 2, (s, 0, 0)) for s in range(4000)]
    )
    assert abs(rate - 0.2) < 0.03


def test_masks_are_keyed_by_seed_epoch_step_and_coin() -> None:
    rows = tuple((i, f"op{i}", None) for i in range(8))
    probs, layers = [0.5] * 8, [None] * 8

    def mask(seed: int, epoch: int, step: int, kept: int = 8) -> frozenset[int]:
        return rt._dropout_mask(rows[:kept], probs[:kept], layers[:kept], (seed, epoch, step))

    assert mask(1, 2, 3) == mask(1, 2, 3)
    # a fresh mask at each step, epoch and seed (8 fair coins: a repeat is 1 in 256)
    assert len({mask(1, 2, step) for step in range(6)}) > 1
    assert mask(1, 2, 3) != mask(1, 3, 3) or mask(1, 2, 4) != mask(1, 3, 4)
    assert mask(1, 2, 3) != mask(2, 2, 3) or mask(1, 2, 4) != mask(2, 2, 4)
    # a gate's coin does not depend on the other coins of the model
    assert mask(5, 0, 0, kept=3) == mask(5, 0, 0) & frozenset(range(3))


def test_each_training_step_draws_its_own_mask_on_every_target() -> None:
    import dreamlang

    source = (
        "model m {\n    qubits 4\n    param w[4] ~ constant(pi)\n    ry(w) on all\n"
        "    dropout rotations p = 0.5\n    measure expval Z on all\n}\n"
    )
    params = {"w": np.full(4, np.pi)}
    outputs = {}
    for target in ("pennylane", "qiskit", "cirq"):
        model = dreamlang.compile(source, target=target)
        outputs[target] = [
            tuple(model.expectations({}, params, training=True, seed=3, step=s).round(6))
            for s in range(6)
        ]
    assert outputs["pennylane"] == outputs["qiskit"] == outputs["cirq"]
    assert len(set(outputs["qiskit"])) > 1


def test_init_params_follow_the_declared_initializers() -> None:
    spec = (
        ("a", (2, 3), "uniform", (1.0, 2.0)),
        ("b", (4,), "zeros", ()),
        ("c", (1,), "constant", (0.5,)),
    )
    params = rt._init_params(spec, 0)
    assert params["a"].shape == (2, 3) and np.all((params["a"] >= 1) & (params["a"] < 2))
    assert not params["b"].any() and params["c"][0] == 0.5
    np.testing.assert_array_equal(params["a"], rt._init_params(spec, 0)["a"])


def test_arrays_reject_wrong_shapes_and_missing_names() -> None:
    with pytest.raises(ValueError, match="shape"):
        rt._arrays({"x": [1.0, 2.0]}, {"x": (3,)}, "input")
    with pytest.raises(ValueError, match="missing input: x"):
        rt._arrays({}, {"x": (3,)}, "input")


def test_plan_of_iris_lays_out_parameters_and_outputs() -> None:
    program = dreamlang.load(Path(__file__).resolve().parent.parent / "examples" / "iris.dream")
    assert program.model is not None
    plan = make_plan(program.model)
    assert plan.params == {"theta": (3, 4, 3), "head.0.weight": (3, 4), "head.0.bias": (3,)}
    assert plan.output_size == 3 and plan.noisy
    assert [m[0] for m in plan.measures] == ["expval"] * 4
    assert plan.offset(ir.ParamRef("theta", (1, 2, 0))) == 1 * 12 + 2 * 3 + 0


# ---- the expression printer prints what the evaluator computes ----

_LEAVES = st.one_of(
    st.floats(-5, 5, allow_nan=False).map(ir.Num),
    st.integers(0, 2).map(lambda i: ir.ParamRef("w", (i,))),
    st.integers(0, 1).map(lambda i: ir.InputRef("x", (i,))),
)
_EXPRS = st.recursive(
    _LEAVES,
    lambda inner: st.one_of(
        st.builds(ir.Neg, inner),
        st.builds(ir.Binary, st.sampled_from(["+", "-", "*"]), inner, inner),
        st.builds(ir.Call, st.sampled_from(["sin", "cos", "arctan"]), inner),
        st.builds(ir.Binary, st.just("**"), inner, st.sampled_from([ir.Num(2.0), ir.Num(3.0)])),
    ),
    max_leaves=8,
)


def _symbol_source(ref: ir.InputRef | ir.ParamRef) -> str:
    return f"{'w' if isinstance(ref, ir.ParamRef) else 'x'}[{ref.index[0]}]"


@given(st.lists(_EXPRS, min_size=1, max_size=10))
def test_printed_expressions_evaluate_like_the_evaluator(exprs: list[ir.Expr]) -> None:
    w, x = [0.3, -1.1, 2.5], [0.7, -0.2]
    lines = ["import numpy as np", "", "", "def values(w, x):", "    return ["]
    lines += [
        f"        {to_source(e, _symbol_source, lambda f, a: f'np.{f}({a})')}," for e in exprs
    ]
    lines.append("    ]")
    got = _load_function("\n".join(lines) + "\n")(w, x)
    symbols = {"w": w, "x": x}
    functions = {"sin": np.sin, "cos": np.cos, "arctan": np.arctan}
    for expr, value in zip(exprs, got):
        want = evaluate(expr, lambda r: symbols[_symbol_source(r)[0]][r.index[0]], functions)
        if math.isfinite(want):
            assert value == want or (value == pytest.approx(want, rel=1e-15, abs=1e-300))


def _load_function(source: str):  # type: ignore[no-untyped-def]
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as handle:
        handle.write(source)
    spec = importlib.util.spec_from_file_location("printed_exprs", handle.name)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    Path(handle.name).unlink()
    return module.values
