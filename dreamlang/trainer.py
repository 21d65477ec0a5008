"""Training a model on CSV data: parameter-shift gradients, the head's backprop, optimizers, checkpoints."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from dreamlang import ir
from dreamlang.checkpoints import Paths, load_checkpoint, save

__all__ = ["EpochRecord", "TrainResult", "settings_for", "train"]

Arrays = dict[str, np.ndarray]
# Past about 12 qubits a density matrix (16**n bytes) per batch row is impractical here.
MAX_DENSITY_QUBITS = 12


@dataclasses.dataclass(frozen=True, slots=True)
class EpochRecord:
    """One epoch: the mean training loss of its batches (training mode: dropout and noise on)
    and, in eval mode, the loss and accuracy on the training and test parts."""

    epoch: int
    loss: float
    train_loss: float
    train_accuracy: float
    test_loss: float
    test_accuracy: float
    seconds: float


@dataclasses.dataclass(frozen=True, slots=True)
class TrainResult:
    params: Arrays
    history: tuple[EpochRecord, ...]
    settings: ir.TrainSpec
    target: str
    mode: str = "sampled"
    diff_method: str = "parameter-shift"

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary: settings, the last epoch's figures and the whole history."""
        last = self.history[-1] if self.history else None
        return {
            "target": self.target,
            "mode": self.mode,
            "diff_method": self.diff_method,
            "settings": _settings_json(self.settings),
            "epochs_run": len(self.history),
            "final": None if last is None else dataclasses.asdict(last),
            "history": [dataclasses.asdict(r) for r in self.history],
        }


def settings_for(program: ir.Program, **overrides: Any) -> ir.TrainSpec:
    """The model's train section (defaults where it has none) with the non-None overrides."""
    assert program.model is not None
    spec = program.model.train or ir.TrainSpec()
    given = {k: v for k, v in overrides.items() if v is not None}
    unknown = set(given) - {f.name for f in dataclasses.fields(ir.TrainSpec)}
    if unknown:
        raise ValueError(f"unknown training setting(s): {', '.join(sorted(unknown))}")
    return dataclasses.replace(spec, **given)


def train(
    source: Any,
    data: str | os.PathLike[str],
    *,
    target: str = "pennylane",
    mode: str = "sampled",
    diff_method: str = "best",
    device: Any = None,
    estimator: Any = None,
    max_density_qubits: int = MAX_DENSITY_QUBITS,
    out: str | os.PathLike[str] | None = None,
    resume: bool = False,
    progress: Callable[[str], None] | None = None,
    stop_after: int | None = None,
    **overrides: Any,
) -> TrainResult:
    """Train the model in ``source`` (source text, a path or a Program) on the CSV ``data``.

    Settings come from the model's ``train`` section, then ``overrides`` (optimizer, lr, loss,
    epochs, batch_size, seed, momentum, split, scale, label). Gradients are the parameter-shift
    rules on ``target``'s own simulator; dropout masks and noise follow the schedules by epoch,
    and evaluation runs in eval mode. With ``out``, the weights (.npz) and a checkpoint beside
    them are written atomically after every epoch; ``resume`` continues from that checkpoint
    and gives the same result as an uninterrupted run. ``stop_after`` ends after that many
    epochs of this call (to test resuming).

    Engines: ``diff_method`` 'parameter-shift' uses dreamlang's shift rules on every target;
    on PennyLane, 'best' (the default), 'backprop' and 'adjoint' are the QNode's own, through
    autograd (on Qiskit and Cirq 'best' is parameter-shift). ``device`` (PennyLane: a device
    name or object) and ``estimator`` (Qiskit: an EstimatorV2 primitive) run the circuits
    elsewhere. Density-matrix training (noise, exact dropout) past ``max_density_qubits``
    is refused with a message instead of exhausting memory.
    """
    from dreamlang.training import make_optimizer

    program = _program(source)
    spec = settings_for(program, **overrides)
    options = RunOptions(mode, diff_method, device, estimator, max_density_qubits)
    run = _Run(program, spec, target, options, data)
    optimizer = make_optimizer(spec.optimizer, spec.lr, spec.momentum)
    params = run.model.init_params(spec.seed)
    history: list[EpochRecord] = []
    paths = None if out is None else Paths(Path(out))
    if resume:
        if paths is None:
            raise ValueError("resume needs out= (the weights file whose checkpoint to continue)")
        params, records = load_checkpoint(paths.checkpoint, run.fingerprint, optimizer)
        history = [EpochRecord(**record) for record in records]
    first = len(history)
    for epoch in range(first, spec.epochs):
        if stop_after is not None and epoch >= first + stop_after:
            break
        started = time.perf_counter()
        params, loss = run.epoch(epoch, params, optimizer)
        record = run.evaluate(epoch, params, loss, time.perf_counter() - started)
        history.append(record)
        if progress is not None:
            progress(_progress_line(record, spec.epochs))
        if paths is not None:
            save(paths, params, optimizer.state_dict(), history, run.fingerprint)
    return TrainResult(params, tuple(history), spec, target, mode, run.diff_method)


@dataclasses.dataclass(frozen=True)
class RunOptions:
    """How a run evaluates its circuits (none of these change the model or the data)."""

    mode: str = "sampled"
    diff_method: str = "best"
    device: Any = None
    estimator: Any = None
    max_density_qubits: int = MAX_DENSITY_QUBITS


class _Run:
    """What one training run needs: the compiled model, the gradient model and the data."""

    def __init__(
        self, program: ir.Program, spec: ir.TrainSpec, target: str, options: RunOptions, data: Any
    ):
        from dreamlang.compiled import compile as compile_model
        from dreamlang.gradients import GradientModel
        from dreamlang.gradients_backprop import resolve_diff_method
        from dreamlang.training import Scaler, get_loss, load_csv, train_test_split

        model = program.model
        assert model is not None
        if len(model.inputs) != 1:
            raise ValueError("training needs a model with exactly one input (the features)")
        self.input = model.inputs[0]
        mode = options.mode
        self.spec, self.mode = spec, mode
        self.diff_method = resolve_diff_method(options.diff_method, target)
        self.model = compile_model(program, target, optimize=0)
        _check_density_size(self.model, mode, options.max_density_qubits)
        self.gradients = GradientModel(program, target)
        self.engine = _engines(self, target, options)
        self.head = self.model.head
        self.loss = get_loss(spec.loss)
        dataset = load_csv(data, spec.label)
        width = int(np.prod(self.input.shape))
        if dataset.X.shape[1] != width:
            raise ValueError(
                f"the data has {dataset.X.shape[1]} feature column(s), but input "
                f"'{self.input.name}' takes {width}"
            )
        self.classes = dataset.num_classes
        x_train, x_test, self.y_train, self.y_test = train_test_split(
            dataset.X, dataset.y, spec.split, seed=spec.seed
        )
        scaler = Scaler(spec.scale[0], *spec.scale[1])
        self.x_train = scaler.fit_transform(x_train)
        self.x_test = scaler.transform(x_test)
        self.fingerprint = _fingerprint(
            program, spec, target, mode, self.diff_method, dataset.X, dataset.y
        )

    def _inputs(self, x: np.ndarray) -> dict[str, np.ndarray]:
        return {self.input.name: np.reshape(x, self.input.shape)}

    def epoch(self, epoch: int, params: Arrays, optimizer: Any) -> tuple[Arrays, float]:
        """One pass over the shuffled training part, a step per batch; (params, mean loss)."""
        order = np.random.default_rng([self.spec.seed, epoch]).permutation(len(self.y_train))
        size = self.spec.batch_size
        losses = []
        for start in range(0, len(order), size):
            batch = order[start : start + size]
            loss, grads = self._batch_gradient(epoch, params, batch, start)
            params = optimizer.step(params, grads)
            losses.append(loss)
        return params, float(np.mean(losses))

    def _batch_gradient(
        self, epoch: int, params: Arrays, batch: np.ndarray, start: int
    ) -> tuple[float, Arrays]:
        from dreamlang.training import head_backward, head_forward

        # One dropout mask per optimizer step, shared by the batch (as in quantum dropout,
        # Scala et al. 2023): the step keys it within the epoch.
        when: dict[str, Any] = {"epoch": epoch, "training": True, "seed": self.spec.seed}
        when.update(step=start // self.spec.batch_size, mode=self.mode)
        # Every sample and shifted circuit of the step in few simulator calls (batched).
        inputs = [self._inputs(self.x_train[index]) for index in batch]
        values, pullback = self._circuit_vjp(inputs, params, when)
        outputs, cache = head_forward(values, params, self.head)
        loss, d_out = self.loss(outputs, self.y_train[batch], num_classes=self.classes)
        grads, d_values = head_backward(cache, d_out, params, self.head)
        for name, quantum in pullback(d_values).items():
            grads[name] = np.asarray(grads.get(name, 0.0) + quantum, dtype=np.float64)
        return float(loss), grads

    def _circuit_vjp(
        self, inputs: list[Arrays], params: Arrays, when: dict[str, Any]
    ) -> tuple[np.ndarray, Callable[[np.ndarray], Arrays]]:
        """The batch's measurements and d loss / d measurements -> d loss / d param."""
        if self.engine is not None:  # PennyLane's own differentiation
            from dreamlang.gradients_backprop import backprop_value_and_vjp

            key = (when["epoch"], True, when["seed"], when["step"], when["mode"])
            names = list(self.gradients.params)
            return backprop_value_and_vjp(self.model, inputs, params, names, key, self.engine)
        values, jacobians = self.gradients.batch_value_and_jacobian(inputs, params, **when)

        def pullback(d_values: np.ndarray) -> Arrays:
            return {
                name: np.asarray(
                    sum(np.tensordot(d, jac, axes=1) for d, jac in zip(d_values, jacobian))
                )
                for name, jacobian in jacobians.items()
            }

        return values, pullback

    def predict(self, epoch: int, params: Arrays, x: np.ndarray) -> np.ndarray:
        """The head's outputs for each row of ``x``, in eval mode."""
        inputs = [self._inputs(row) for row in x]
        if self.engine is not None:  # on the same PennyLane device and QNodes as training
            from dreamlang.gradients_backprop import backprop_forward
            from dreamlang.training import head_forward

            key = (epoch, False, self.spec.seed, 0, self.mode)
            members = backprop_forward(self.model, inputs, params, key, self.engine)
            heads = [
                head_forward(members[:, m], params, self.head)[0] for m in range(members.shape[1])
            ]
            return np.mean(heads, axis=0)  # type: ignore[no-any-return]
        rows = self.gradients.batch_forward(inputs, params, epoch=epoch, mode=self.mode)
        return np.asarray(rows, dtype=np.float64).reshape(len(x), -1)

    def evaluate(self, epoch: int, params: Arrays, loss: float, seconds: float) -> EpochRecord:
        figures = []
        for x, y in ((self.x_train, self.y_train), (self.x_test, self.y_test)):
            if len(y) == 0:
                figures += [float("nan"), float("nan")]
                continue
            outputs = self.predict(epoch, params, x)
            figures.append(float(self.loss(outputs, y, num_classes=self.classes)[0]))
            figures.append(_accuracy(outputs, y))
        train_loss, train_accuracy, test_loss, test_accuracy = figures
        return EpochRecord(
            epoch + 1, loss, train_loss, train_accuracy, test_loss, test_accuracy, round(seconds, 3)
        )


def _engines(run: _Run, target: str, options: RunOptions) -> Any:
    """The PennyLane engine of a run that differentiates with PennyLane (else None); a Qiskit
    estimator is installed as the gradient model's batch engine."""
    if options.device is not None and target != "pennylane":
        raise ValueError(f"device= picks a PennyLane device; the {target} target has none")
    if options.estimator is not None:
        if target != "qiskit":
            raise ValueError(f"estimator= picks a Qiskit Estimator; the {target} target has none")
        from dreamlang.batch_engines import estimator_engine

        run.gradients.angle_model.engine = estimator_engine(options.estimator)
    if run.diff_method == "parameter-shift":
        if options.device is not None:
            raise ValueError("device= runs PennyLane's own differentiation, not parameter-shift")
        return None
    from dreamlang.gradients_backprop import Engine

    return Engine(options.device, run.diff_method)


def _check_density_size(model: Any, mode: str, limit: int) -> None:
    """Refuse density-matrix training past ``limit`` qubits: memory grows as 16**n."""
    plan = model._plan
    if not (plan.noisy or (mode == "exact" and plan.dropout)) or plan.num_qubits <= limit:
        return
    gib = 16 * 4.0**plan.num_qubits / 2**30
    raise ValueError(
        f"training '{plan.name}' needs {plan.num_qubits}-qubit density matrices "
        f"({gib:,.1f} GiB each, and one per batch row and shifted circuit), past the limit of "
        f"{limit} qubits: train in sampled mode without noise channels, or raise the limit "
        "(--max-density-qubits) for a machine built for it"
    )


def _accuracy(outputs: np.ndarray, labels: np.ndarray) -> float:
    if outputs.shape[1] == 1:  # one output: its sign (or 0.5 for a probability) decides
        threshold = 0.5 if np.all((outputs >= 0) & (outputs <= 1)) else 0.0
        predicted = (outputs[:, 0] > threshold).astype(int)
    else:
        predicted = np.argmax(outputs, axis=1)
    return float(np.mean(predicted == np.asarray(labels)))


def _program(source: Any) -> ir.Program:
    from dreamlang import api
    from dreamlang.compiled import _looks_like_path

    if isinstance(source, ir.Program):
        return source
    if isinstance(source, os.PathLike) or _looks_like_path(source):
        return api.load(source)
    return api.parse(source)


def _progress_line(record: EpochRecord, epochs: int) -> str:
    width = 20
    done = round(width * record.epoch / epochs)
    bar = "#" * done + "." * (width - done)
    return (
        f"epoch {record.epoch:>3}/{epochs} [{bar}] loss {record.loss:.4f}  "
        f"train acc {record.train_accuracy:.3f}  test acc {record.test_accuracy:.3f}  "
        f"({record.seconds:.1f} s)"
    )


def _settings_json(spec: ir.TrainSpec) -> dict[str, Any]:
    fields = dataclasses.asdict(spec)
    fields.pop("span", None)
    fields["scale"] = [spec.scale[0], list(spec.scale[1])]
    fields["settings"] = list(spec.settings)
    return fields


def _fingerprint(program: ir.Program, spec: ir.TrainSpec, *parts: Any) -> str:
    """What a checkpoint must match to be resumed: the model, settings, target, mode, data."""
    digest = hashlib.sha256()
    digest.update(repr(program.model).encode())
    # The epoch count may grow on resume: the epochs already run do not depend on it.
    settings = _settings_json(spec)
    settings.pop("epochs")
    settings.pop("settings")
    digest.update(json.dumps(settings, sort_keys=True).encode())
    for part in parts:
        digest.update(part.tobytes() if isinstance(part, np.ndarray) else repr(part).encode())
    return digest.hexdigest()
