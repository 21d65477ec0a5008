"""Optimizers step for step against PennyLane's own, and bit-identical resumes from state."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dreamlang import ir, train_settings
from dreamlang.training import OPTIMIZERS, SGD, Adam, Optimizer, RMSProp, make_optimizer

qml = pytest.importorskip("pennylane")
pnp = pytest.importorskip("pennylane.numpy")

STEPS = 20
TOL = 1e-12


def initial() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    return {
        "theta": rng.normal(size=(2, 3)),
        "head.0.weight": rng.normal(size=(3, 2)),
        "s": rng.normal(size=()),
    }


def gradient(name: str, value: np.ndarray) -> np.ndarray:
    """A gradient that depends on where we are, so any drift in the iterates shows up."""
    scale = 1.0 + len(name) / 10
    return np.asarray(np.sin(3 * np.asarray(value)) * scale + 0.5 * np.asarray(value))


def run_ours(optimizer: Optimizer, steps: int = STEPS) -> list[dict[str, np.ndarray]]:
    params, path = initial(), []
    for _ in range(steps):
        params = optimizer.step(params, {n: gradient(n, v) for n, v in params.items()})
        path.append(params)
    return path


def run_pennylane(optimizer, *, lookahead: bool = False) -> list[dict[str, np.ndarray]]:
    names = list(initial())
    args = [pnp.array(v, requires_grad=True) for v in initial().values()]

    def grad_fn(*values):
        return tuple(gradient(n, v) for n, v in zip(names, values))

    path = []
    for _ in range(STEPS):
        args = optimizer.step(lambda *a: 0.0, *args, grad_fn=grad_fn)
        point = [np.asarray(a) for a in args]
        if lookahead:  # Nesterov: the point where PennyLane takes its next gradient
            point = [
                p - optimizer.momentum * np.asarray(acc)
                for p, acc in zip(point, optimizer.accumulation)
            ]
        path.append(dict(zip(names, point)))
    return path


CASES = {
    "adam": (lambda: Adam(0.05), lambda: qml.AdamOptimizer(stepsize=0.05)),
    "adam-custom": (
        lambda: Adam(0.02, beta1=0.8, beta2=0.95, eps=1e-6),
        lambda: qml.AdamOptimizer(stepsize=0.02, beta1=0.8, beta2=0.95, eps=1e-6),
    ),
    "rmsprop": (lambda: RMSProp(0.03), lambda: qml.RMSPropOptimizer(stepsize=0.03)),
    "rmsprop-custom": (
        lambda: RMSProp(0.01, decay=0.5, eps=1e-4),
        lambda: qml.RMSPropOptimizer(stepsize=0.01, decay=0.5, eps=1e-4),
    ),
    "momentum": (lambda: SGD(0.05, momentum=0.9), lambda: qml.MomentumOptimizer(stepsize=0.05)),
    "momentum-0.5": (
        lambda: SGD(0.1, momentum=0.5),
        lambda: qml.MomentumOptimizer(stepsize=0.1, momentum=0.5),
    ),
    "sgd": (lambda: SGD(0.1), lambda: qml.GradientDescentOptimizer(stepsize=0.1)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_matches_pennylane_step_by_step(case: str) -> None:
    ours, theirs = CASES[case]
    for step, (a, b) in enumerate(zip(run_ours(ours()), run_pennylane(theirs()), strict=True)):
        for name in a:
            np.testing.assert_allclose(
                a[name], b[name], rtol=0, atol=TOL, err_msg=f"{name} at step {step}"
            )


def test_nesterov_iterates_are_pennylanes_lookahead_points() -> None:
    ours = run_ours(SGD(0.05, momentum=0.9, nesterov=True))
    theirs = run_pennylane(
        qml.NesterovMomentumOptimizer(stepsize=0.05, momentum=0.9), lookahead=True
    )
    for step, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        for name in a:
            np.testing.assert_allclose(
                a[name], b[name], rtol=0, atol=TOL, err_msg=f"{name} at step {step}"
            )


def test_defaults_are_pennylanes() -> None:
    adam, pl_adam = Adam(), qml.AdamOptimizer()
    assert (adam.lr, adam.beta1, adam.beta2, adam.eps) == (
        pl_adam.stepsize,
        pl_adam.beta1,
        pl_adam.beta2,
        pl_adam.eps,
    )
    rms, pl_rms = RMSProp(), qml.RMSPropOptimizer()
    assert (rms.lr, rms.decay, rms.eps) == (pl_rms.stepsize, pl_rms.decay, pl_rms.eps)
    momentum, pl_momentum = make_optimizer("sgd", 0.01), qml.MomentumOptimizer()
    assert isinstance(momentum, SGD)
    assert (momentum.lr, momentum.momentum) == (pl_momentum.stepsize, pl_momentum.momentum)
    assert SGD().lr == qml.GradientDescentOptimizer().stepsize


def test_parameters_without_gradients_are_frozen_like_pennylanes_nontrainable_args() -> None:
    start = initial()
    ours = Adam(0.1)
    theirs = qml.AdamOptimizer(stepsize=0.1)
    names = list(start)
    args = [pnp.array(v, requires_grad=(n != "theta")) for n, v in start.items()]
    params = start
    for _ in range(5):
        params = ours.step(params, {n: gradient(n, v) for n, v in params.items() if n != "theta"})
        args = theirs.step(
            lambda *a: 0.0,
            *args,
            grad_fn=lambda *v: tuple(gradient(n, x) for n, x in zip(names, v) if n != "theta"),
        )
    np.testing.assert_array_equal(params["theta"], start["theta"])
    for name, arg in zip(names, args):
        np.testing.assert_allclose(params[name], np.asarray(arg), rtol=0, atol=TOL)


BUILDERS = {
    **{name: (lambda name=name: make_optimizer(name, 0.05)) for name in OPTIMIZERS},
    "sgd-plain": lambda: SGD(0.05),
    "nesterov": lambda: SGD(0.05, momentum=0.9, nesterov=True),
}


@pytest.mark.parametrize("name", list(BUILDERS))
def test_resume_from_state_dict_is_bit_identical(name: str, tmp_path: Path) -> None:
    straight = run_ours(BUILDERS[name](), steps=12)
    first = BUILDERS[name]()
    params = run_ours(first, steps=5)[-1]
    np.savez(tmp_path / "state.npz", **first.state_dict())
    second = BUILDERS[name]()
    with np.load(tmp_path / "state.npz") as saved:
        second.load_state_dict(dict(saved))
    assert second.t == 5
    for step in range(5, 12):
        params = second.step(params, {n: gradient(n, v) for n, v in params.items()})
        for key in params:
            np.testing.assert_array_equal(params[key], straight[step][key])


@pytest.mark.parametrize("name", list(BUILDERS))
def test_step_never_mutates_or_shares_its_inputs(name: str) -> None:
    optimizer = BUILDERS[name]()
    params = initial()
    grads = {n: gradient(n, v) for n, v in params.items()}
    before = {k: v.copy() for k, v in params.items()}, {k: v.copy() for k, v in grads.items()}
    for _ in range(2):
        new = optimizer.step(params, grads)
    for original, copy in zip((params, grads), before):
        for key in original:
            np.testing.assert_array_equal(original[key], copy[key])
    for key in new:
        assert not np.shares_memory(new[key], params[key])
    state = optimizer.state_dict()
    for value in state.values():
        value[...] = 0  # writing into the returned state must not touch the optimizer's
    np.testing.assert_array_equal(optimizer.state_dict()["t"], 2)


def test_reset_forgets_the_state() -> None:
    optimizer = Adam(0.1)
    run_ours(optimizer, steps=3)
    optimizer.reset()
    assert optimizer.state_dict() == {"t": 0}
    fresh = run_ours(Adam(0.1), steps=2)
    for a, b in zip(run_ours(optimizer, steps=2), fresh):
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])


def test_make_optimizer_follows_the_train_section() -> None:
    assert tuple(OPTIMIZERS) == train_settings.OPTIMIZERS  # the names a model may write
    adam = make_optimizer("adam", 0.2, momentum=0.5)  # TrainSpec always has a momentum
    assert isinstance(adam, Adam) and adam.lr == 0.2 and adam.beta1 == 0.9
    rms = make_optimizer("rmsprop", 0.2, momentum=0.8)
    assert isinstance(rms, RMSProp) and rms.decay == 0.8
    assert isinstance(rms := make_optimizer("rmsprop", 0.2), RMSProp) and rms.decay == 0.9
    sgd = make_optimizer("sgd", 0.2)
    assert isinstance(sgd, SGD) and sgd.momentum == 0.9 and not sgd.nesterov
    sgd = make_optimizer("sgd", 0.2, momentum=0.0)
    assert isinstance(sgd, SGD) and sgd.momentum == 0.0
    spec = ir.TrainSpec()
    sgd = make_optimizer("sgd", spec.lr, spec.momentum)
    assert isinstance(sgd, SGD) and (sgd.lr, sgd.momentum) == (0.01, 0.9)
    with pytest.raises(ValueError, match="unknown optimizer 'lbfgs'; expected one of adam"):
        make_optimizer("lbfgs", 0.1)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Adam(-0.1), "lr must be finite and >= 0"),
        (lambda: Adam(0.1, beta1=1.0), r"beta1 must be in \[0, 1.0\)"),
        (lambda: RMSProp(0.1, decay=1.5), r"decay must be in \[0, 1.0\)"),
        (lambda: SGD(0.1, nesterov=True), "Nesterov momentum needs momentum > 0"),
        (lambda: SGD(float("nan")), "lr must be finite"),
    ],
)
def test_bad_hyperparameters(build, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def test_bad_steps_and_states() -> None:
    optimizer = Adam()
    with pytest.raises(ValueError, match="gradients for unknown parameters: phi"):
        optimizer.step({"theta": np.zeros(2)}, {"phi": np.zeros(2)})
    with pytest.raises(ValueError, match=r"gradient of 'theta' has shape \(3,\), expected \(2,\)"):
        optimizer.step({"theta": np.zeros(2)}, {"theta": np.zeros(3)})
    with pytest.raises(ValueError, match="unexpected Adam state entry 'velocity/theta'"):
        optimizer.load_state_dict({"t": np.array(1), "velocity/theta": np.zeros(2)})
    with pytest.raises(ValueError, match="no step count 't'"):
        RMSProp().load_state_dict({})
