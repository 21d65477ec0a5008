"""Training a model on CSV data: parameter-shift gradients, the head's backprop, optimizers, checkpoints."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from dreamlang import ir

__all__ = ["EpochRecord", "TrainResult", "settings_for", "train"]

Arrays = dict[str, np.ndarray]
CHECKPOINT_VERSION = 1


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

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary: settings, the last epoch's figures and the whole history."""
        last = self.history[-1] if self.history else None
        return {
            "target": self.target,
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
    """
    from dreamlang.training import make_optimizer

    program = _program(source)
    spec = settings_for(program, **overrides)
    run = _Run(program, spec, target, mode, data)
    optimizer = make_optimizer(spec.optimizer, spec.lr, spec.momentum)
    params = run.model.init_params(spec.seed)
    history: list[EpochRecord] = []
    paths = None if out is None else _Paths(Path(out))
    if resume:
        if paths is None:
            raise ValueError("resume needs out= (the weights file whose checkpoint to continue)")
        params, history = _load_checkpoint(paths.checkpoint, run.fingerprint, optimizer)
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
            _save(paths, params, optimizer.state_dict(), history, run.fingerprint)
    return TrainResult(params, tuple(history), spec, target)


class _Run:
    """What one training run needs: the compiled model, the gradient model and the data."""

    def __init__(self, program: ir.Program, spec: ir.TrainSpec, target: str, mode: str, data: Any):
        from dreamlang.compiled import compile as compile_model
        from dreamlang.gradients import GradientModel
        from dreamlang.training import Scaler, get_loss, load_csv, train_test_split

        model = program.model
        assert model is not None
        if len(model.inputs) != 1:
            raise ValueError("training needs a model with exactly one input (the features)")
        self.input = model.inputs[0]
        self.spec, self.mode = spec, mode
        self.model = compile_model(program, target, optimize=0)
        self.gradients = GradientModel(program, target)
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
        self.fingerprint = _fingerprint(program, spec, target, mode, dataset.X, dataset.y)

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
        values, jacobians = self.gradients.batch_value_and_jacobian(inputs, params, **when)
        outputs, cache = head_forward(values, params, self.head)
        loss, d_out = self.loss(outputs, self.y_train[batch], num_classes=self.classes)
        grads, d_values = head_backward(cache, d_out, params, self.head)
        for name, jacobian in jacobians.items():
            quantum = sum(np.tensordot(d, jac, axes=1) for d, jac in zip(d_values, jacobian))
            grads[name] = np.asarray(grads.get(name, 0.0) + quantum, dtype=np.float64)
        return float(loss), grads

    def predict(self, epoch: int, params: Arrays, x: np.ndarray) -> np.ndarray:
        """The head's outputs for each row of ``x``, in eval mode."""
        inputs = [self._inputs(row) for row in x]
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


@dataclasses.dataclass(frozen=True, slots=True)
class _Paths:
    weights: Path

    @property
    def checkpoint(self) -> Path:
        return self.weights.with_name(self.weights.name + ".checkpoint.npz")


def _save(
    paths: _Paths, params: Arrays, state: Arrays, history: list[EpochRecord], fingerprint: str
) -> None:
    _atomic_npz(paths.weights, params)
    meta = {"version": CHECKPOINT_VERSION, "fingerprint": fingerprint}
    meta["history"] = [dataclasses.asdict(r) for r in history]
    payload = {f"param/{k}": v for k, v in params.items()}
    payload.update({f"optimizer/{k}": v for k, v in state.items()})
    payload["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    _atomic_npz(paths.checkpoint, payload)


def _atomic_npz(path: Path, arrays: Arrays) -> None:
    """Write ``arrays`` as .npz all at once: a temp file in the same folder, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        named: dict[str, Any] = dict(arrays)  # numpy's stub would take a key for allow_pickle
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, **named)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _load_checkpoint(
    path: Path, fingerprint: str, optimizer: Any
) -> tuple[Arrays, list[EpochRecord]]:
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot resume: no readable checkpoint '{path}' ({exc})") from None
    meta = json.loads(bytes(arrays.pop("meta")).decode())
    if meta.get("version") != CHECKPOINT_VERSION or meta.get("fingerprint") != fingerprint:
        raise ValueError(
            f"cannot resume from '{path}': it was written for another model, data set, target "
            "or settings"
        )
    params = {k.removeprefix("param/"): v for k, v in arrays.items() if k.startswith("param/")}
    state = {
        k.removeprefix("optimizer/"): v for k, v in arrays.items() if k.startswith("optimizer/")
    }
    optimizer.load_state_dict(state)
    history = [EpochRecord(**record) for record in meta["history"]]
    return params, history
