"""Training benchmark: seconds per epoch of the iris model, dreamlang against hand-written code.

examples/iris.dream trained on examples/data/iris.csv (105 training rows: 7 optimizer steps of
16 per epoch) by ``dreamlang.trainer.train`` (its default gradient path per target), against
the same model written by hand (bench/handwritten_iris.py):

- hand-written PennyLane: a QNode on default.mixed, broadcast over the batch, autograd backprop
  through the head, ``qml.AdamOptimizer``;
- hand-written Qiskit: a QuantumCircuit with ParameterVectors and Aer noise instructions,
  parameter-shift gradients from one batched Aer ``EstimatorV2`` call per step (exact
  expectation values), the head's backprop and Adam in numpy.

An epoch is its optimizer steps only (forward, gradients and update of every batch), on both
sides: dreamlang's figure is ``train``'s own ``EpochRecord.seconds``, which leaves out the
evaluation after the epoch (and the checkpoint), and the hand-written figure times ``epoch()``.
Both start from ``init_params(0)``, see the same batches and use dreamlang's dropout masks
(drawn before timing). Per target, epoch 0 warms both up, then epochs 1..EPOCHS run one
epoch at a time (``train(..., resume=True)`` on a checkpoint), alternating dreamlang and the
hand-written model (who goes first alternates) so both see the same machine load; the best
epoch counts (BENCH_TRAIN_EPOCHS in the environment sets EPOCHS). ``ratio`` =
dreamlang / hand-written; the goal is ratio <= GOAL.

Cirq has no hand-written peer, and dreamlang on Cirq takes minutes per epoch: it trains on a
23-row slice of the data (16 training rows: one step per epoch), one warm-up step and
CIRQ_STEPS timed ones, whose mean is scaled to the 7 steps of a full epoch and compared with
the hand-written Qiskit model (parameter shift on a density-matrix simulator, as dreamlang on
Cirq does). That row is informational: ok is True whatever the ratio.

Two checks that both sides compute the same thing:

- ``check_err``: for one batch (epoch CHECK_EPOCH, step CHECK_STEP), dreamlang's mask and the
  initial parameters, the largest difference between the hand-written batch loss and
  gradients and dreamlang's (``CompiledModel.forward``, ``GradientModel.value_and_jacobian``);
  at most CHECK_TOL;
- ``train_err``: the largest difference between the parameters both sides hold after the
  last timed epoch; at most TRAIN_TOL.
"""

from __future__ import annotations

import functools
import gc
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import handwritten_iris as hw

SOURCE = HERE.parent / "examples" / "iris.dream"
DATA = HERE.parent / "examples" / "data" / "iris.csv"
# Timed epochs after the warm-up epoch 0: the best of them counts (more are steadier on a
# loaded machine).
EPOCHS = int(os.environ.get("BENCH_TRAIN_EPOCHS", "5"))
CIRQ_STEPS = 2  # timed steps for Cirq (after one warm-up step), scaled to an epoch
CIRQ_ROWS = 23  # a 23-row slice of the data: split 0.3 leaves 16 training rows, one step
CHECK_EPOCH, CHECK_STEP = 2, 1
CHECK_TOL = 1e-8
TRAIN_TOL = 1e-6  # parameters after all epochs, same masks on both sides
GOAL = 1.1

Row = dict[str, Any]
Arrays = dict[str, np.ndarray]
REFERENCES: dict[str, tuple[str, type[Any]]] = {
    "pennylane": ("hand-written PennyLane", hw.PennyLaneIris),
    "qiskit": ("hand-written Qiskit", hw.QiskitIris),
}


class Setup:
    """The model's settings and training part, prepared as ``dreamlang.trainer`` does.

    (A plain class: bench/run.py loads modules without registering them in sys.modules,
    which dataclasses need.)"""

    def __init__(self, program: Any, spec: Any, x_train: np.ndarray, y_train: np.ndarray):
        self.program, self.spec, self.x_train, self.y_train = program, spec, x_train, y_train

    @classmethod
    def load(cls, data: Path = DATA) -> Setup:
        import dreamlang
        from dreamlang.trainer import settings_for
        from dreamlang.training import Scaler, load_csv, train_test_split

        program = dreamlang.parse(SOURCE.read_text(), str(SOURCE))
        spec = settings_for(program)
        dataset = load_csv(data, spec.label)
        x_train, _, y_train, _ = train_test_split(dataset.X, dataset.y, spec.split, seed=spec.seed)
        x_train = Scaler(spec.scale[0], *spec.scale[1]).fit_transform(x_train)
        return cls(program, spec, x_train, np.asarray(y_train))

    def batch(self, epoch: int, step: int) -> np.ndarray:
        """The rows of ``step`` in ``epoch`` (the trainer's permutation keyed by seed, epoch)."""
        size = self.spec.batch_size
        order = np.random.default_rng([self.spec.seed, epoch]).permutation(len(self.y_train))
        return order[step * size : (step + 1) * size]

    def steps(self) -> int:
        return -(-len(self.y_train) // int(self.spec.batch_size))


def dreamlang_keep(model: Any, seed: int, epoch: int, step: int) -> np.ndarray:
    """The dropout mask dreamlang draws at (seed, epoch, step), as kept[layer, qubit] (its
    runtime's own draw, so the hand-written models can be run with it)."""
    from dreamlang.compiled import _runtime

    plan = model._plan
    probs = model._dropout_probabilities(epoch)
    dropped = _runtime()._dropout_mask(plan.dropout, *probs, (seed, epoch, step))
    rows = [row[0] for row in plan.dropout]  # op indices of the 12 rot gates, layer by layer
    ops = model.program.model.ops
    assert [ops[i].name for i in rows] == ["rot"] * (hw.LAYERS * hw.QUBITS)
    assert [ops[i].wires[0] for i in rows] == [*range(hw.QUBITS)] * hw.LAYERS
    return np.array([i not in dropped for i in rows]).reshape(hw.LAYERS, hw.QUBITS)


def dreamlang_loss_and_grads(
    setup: Setup,
    model: Any,
    params: Arrays,
    batch: np.ndarray,
    epoch: int,
    step: int,
    grads: bool = True,
) -> tuple[float, Arrays]:
    """dreamlang's batch loss (``CompiledModel.forward`` in training mode) and, with
    ``grads``, its gradients (``GradientModel.value_and_jacobian`` per sample, the head's
    backprop) at one step; without, the gradients are {}."""
    from dreamlang.gradients import GradientModel
    from dreamlang.training import get_loss, head_backward, head_forward

    gradients = GradientModel(setup.program, model.target)
    when = {"epoch": epoch, "training": True, "seed": setup.spec.seed, "step": step}
    loss_fn = get_loss(setup.spec.loss)
    classes = int(np.max(setup.y_train)) + 1
    y = setup.y_train[batch]
    outputs = [model.forward({"x": setup.x_train[i]}, params, **when) for i in batch]
    loss = loss_fn(np.array(outputs), y, num_classes=classes)[0]
    if not grads:
        return float(loss), {}
    values, jacobians = zip(
        *(gradients.value_and_jacobian({"x": setup.x_train[i]}, params, **when) for i in batch)
    )
    head_out, cache = head_forward(np.array(values), params, model.head)
    d_out = loss_fn(head_out, y, num_classes=classes)[1]
    out, d_values = head_backward(cache, d_out, params, model.head)
    out["theta"] = np.zeros_like(params["theta"])
    for d, jacobian in zip(d_values, jacobians):
        out["theta"] += np.tensordot(d, jacobian["theta"], axes=1)
    return float(loss), out


def check(
    target: str, reference: type[Any], setup: Setup | None = None, grads: bool = True
) -> float:
    """The largest difference in batch loss and (with ``grads``) gradients between dreamlang
    on ``target`` and the hand-written ``reference``, at the initial parameters and
    dreamlang's mask for (CHECK_EPOCH, CHECK_STEP)."""
    import dreamlang

    setup = setup or Setup.load()
    model = dreamlang.compile(setup.program, target, optimize=0)
    params = model.init_params(setup.spec.seed)
    batch = setup.batch(CHECK_EPOCH, CHECK_STEP)
    when = (CHECK_EPOCH, CHECK_STEP)
    loss, dl_grads = dreamlang_loss_and_grads(setup, model, params, batch, *when, grads=grads)
    keep = dreamlang_keep(model, setup.spec.seed, CHECK_EPOCH, CHECK_STEP)
    hand = reference(setup.x_train, setup.y_train, params, seed=setup.spec.seed)
    x, y = setup.x_train[batch], setup.y_train[batch]
    hw_loss, hw_grads = hand.loss_and_grads(x, y, keep, CHECK_EPOCH)
    assert not grads or set(dl_grads) == set(hw_grads), (sorted(dl_grads), sorted(hw_grads))
    errors = [abs(float(hw_loss) - loss)]
    errors += [float(np.max(np.abs(hw_grads[k] - dl_grads[k]))) for k in dl_grads]
    return max(errors)


def _timed(action: Callable[[], Any]) -> float:
    gc.collect()
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def dreamlang_epoch(target: str, epoch: int, out: Path, data: Path = DATA) -> tuple[float, Arrays]:
    """Seconds of dreamlang's epoch ``epoch`` (its optimizer steps, without the evaluation
    that follows), continuing the run checkpointed at ``out`` (``trainer.train``'s own
    timing), and the parameters after it."""
    from dreamlang.trainer import train

    result = train(SOURCE, data, target=target, epochs=epoch + 1, out=out, resume=epoch > 0)
    return float(result.history[-1].seconds), result.params


def pair(target: str, tmp: Path) -> tuple[Row, float]:
    """dreamlang on ``target`` against its hand-written peer; also the peer's seconds/epoch."""
    import dreamlang

    name, reference = REFERENCES[target]
    setup = Setup.load()
    err = check(target, reference, setup)
    model = dreamlang.compile(setup.program, target, optimize=0)
    params = model.init_params(setup.spec.seed)
    # dreamlang's masks, drawn before timing: both sides then train exactly the same steps.
    seed = setup.spec.seed
    masks = {
        (e, s): dreamlang_keep(model, seed, e, s)
        for e in range(EPOCHS + 1)
        for s in range(setup.steps())
    }

    def keep(epoch: int, step: int) -> np.ndarray:
        return masks[epoch, step]

    hand = reference(setup.x_train, setup.y_train, params, seed=seed, keep=keep)
    out = tmp / f"{target}.npz"
    dl_times, hw_times = [], []
    for epoch in range(EPOCHS + 1):  # epoch 0 warms both up
        print(f"bench_train: {target} epoch {epoch}", file=sys.stderr, flush=True)
        if epoch % 2:  # who goes first alternates, so neither always follows the other
            hw_times.append(_timed(functools.partial(hand.epoch, epoch)))
        seconds, trained = dreamlang_epoch(target, epoch, out)
        dl_times.append(seconds)
        if not epoch % 2:
            hw_times.append(_timed(functools.partial(hand.epoch, epoch)))
    mine = hand.parameters()
    train_err = max(float(np.max(np.abs(mine[k] - trained[k]))) for k in trained)
    dl_s, hw_s = min(dl_times[1:]), min(hw_times[1:])
    row: Row = {
        "bench": "train",
        "model": "iris",
        "target": target,
        "dl_s_per_epoch": dl_s,
        "reference": name,
        "ref_s_per_epoch": hw_s,
        "ratio": dl_s / hw_s,
        "timing": f"best of {EPOCHS} epochs",
        "check_err": err,
        "train_err": train_err,
        "ok": dl_s / hw_s <= GOAL and err <= CHECK_TOL and train_err <= TRAIN_TOL,
    }
    return row, hw_s


def cirq_row(reference_s: float, tmp: Path) -> Row:
    """dreamlang on Cirq: epochs of one step on a 23-row slice of the data (16 training rows),
    the first a warm-up, the mean of the next CIRQ_STEPS scaled to the full epoch's steps."""
    lines = DATA.read_text().splitlines()
    picked = np.linspace(1, len(lines) - 1, CIRQ_ROWS).round().astype(int)  # all 3 classes
    data = tmp / "iris_slice.csv"
    data.write_text("\n".join([lines[0], *(lines[i] for i in picked)]) + "\n")
    assert Setup.load(data).steps() == 1
    out = tmp / "cirq.npz"
    times = []
    for epoch in range(CIRQ_STEPS + 1):
        print(f"bench_train: cirq step {epoch}", file=sys.stderr, flush=True)
        times.append(dreamlang_epoch("cirq", epoch, out, data)[0])
    steps = Setup.load().steps()
    dl_s = float(np.mean(times[1:])) * steps
    return {
        "bench": "train",
        "model": "iris",
        "target": "cirq",
        "dl_s_per_epoch": dl_s,
        "reference": "hand-written Qiskit",
        "ref_s_per_epoch": reference_s,
        "ratio": dl_s / reference_s,
        "timing": f"mean of {CIRQ_STEPS} steps x {steps}",
        "check_err": None,
        "train_err": None,
        "ok": True,  # informational: Cirq has no hand-written peer
    }


def run() -> list[Row]:
    rows, hw_s = [], {}
    with tempfile.TemporaryDirectory(prefix="bench_train.") as name:
        tmp = Path(name)
        for target in REFERENCES:
            row, hw_s[target] = pair(target, tmp)
            rows.append(row)
        rows.append(cirq_row(hw_s["qiskit"], tmp))
    return rows
