"""``dreamc train``: train a model on a CSV file, with progress, checkpoints, a summary and a plot."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from dreamlang.cli_commands import (
    CLIError,
    atomic_write,
    import_backends,
    load_program,
    write_output,
)

__all__ = ["cmd_train", "train_options"]

# Command-line option -> the TrainSpec field it overrides.
OVERRIDES = {
    "epochs": "epochs",
    "lr": "lr",
    "seed": "seed",
    "batch": "batch_size",
    "optimizer": "optimizer",
    "loss": "loss",
    "momentum": "momentum",
    "split": "split",
    "label": "label",
}


def _estimator(spec: str) -> Any:
    """An EstimatorV2 from --estimator: 'aer', 'statevector' or 'MODULE:NAME'."""
    import importlib

    known = {
        "aer": "qiskit_aer.primitives:EstimatorV2",
        "statevector": "qiskit.primitives:StatevectorEstimator",
    }
    module_name, _, name = known.get(spec, spec).partition(":")
    if not name:
        raise CLIError(f"--estimator must be aer, statevector or MODULE:NAME, not '{spec}'", 2)
    try:
        found = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError) as exc:
        raise CLIError(
            f"--estimator {spec}: cannot import {name} from {module_name} ({exc})"
        ) from None
    estimator = found() if isinstance(found, type) else found
    if not callable(getattr(estimator, "run", None)):
        raise CLIError(f"--estimator {spec}: {name} has no run() method (not an EstimatorV2)")
    return estimator


def cmd_train(args: argparse.Namespace) -> int:
    """Train, printing one progress line per epoch on stderr and the JSON summary on stdout."""
    registry = import_backends()
    program = load_program(args)
    from dreamlang.trainer import train

    overrides: dict[str, Any] = {
        field: getattr(args, option)
        for option, field in OVERRIDES.items()
        if getattr(args, option) is not None
    }
    if args.scale is not None:
        overrides["scale"] = _scale(args.scale)
    if args.resume and args.out is None:
        raise CLIError("--resume needs --out (the weights file whose checkpoint to continue)", 2)
    try:
        result = train(
            program,
            args.data,
            target=args.target,
            mode=args.mode,
            diff_method=args.diff_method,
            device=args.device,
            estimator=None if args.estimator is None else _estimator(args.estimator),
            max_density_qubits=args.max_density_qubits,
            out=args.out,
            resume=args.resume,
            progress=lambda line: print(line, file=sys.stderr, flush=True),
            **overrides,
        )
    except registry.BackendUnavailable as exc:
        raise CLIError(str(exc)) from None
    except ValueError as exc:  # data, settings or checkpoint problems the user can fix
        raise CLIError(str(exc)) from None
    summary = json.dumps(result.summary(), indent=2, allow_nan=True)
    if args.summary:
        atomic_write(Path(args.summary), summary + "\n")
    if args.plot:
        _plot(result.summary(), Path(args.plot))
    write_output(summary)
    return 0


def _scale(text: str) -> tuple[str, tuple[float, ...]]:
    from dreamlang.training import parse_scaler

    try:
        scaler = parse_scaler(text)
    except ValueError as exc:
        raise CLIError(f"--scale: {exc}", 2) from None
    if scaler.kind == "minmax":
        return ("minmax", (scaler.lo, scaler.hi))
    return (scaler.kind, ())


def _plot(summary: dict[str, Any], path: Path) -> None:
    """The training curve (loss, and train/test accuracy) as an image; needs matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise CLIError("--plot needs matplotlib: pip install 'dreamlang[plot]'") from None
    epochs = [r["epoch"] for r in summary["history"]]
    figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    left.plot(epochs, [r["loss"] for r in summary["history"]], label="training loss")
    left.plot(epochs, [r["test_loss"] for r in summary["history"]], label="test loss")
    right.plot(epochs, [r["train_accuracy"] for r in summary["history"]], label="train")
    right.plot(epochs, [r["test_accuracy"] for r in summary["history"]], label="test")
    for axes, label in ((left, "loss"), (right, "accuracy")):
        axes.set_xlabel("epoch")
        axes.set_ylabel(label)
        axes.legend()
    figure.tight_layout()
    temporary = path.with_name(f".{path.name}.tmp{path.suffix}")
    figure.savefig(temporary)
    plt.close(figure)
    temporary.replace(path)


def train_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--data", required=True, metavar="CSV", help="the data: a CSV with a header")
    sub.add_argument(
        "--target",
        "-t",
        default="pennylane",
        metavar="T",
        help="pennylane (default), qiskit or cirq",
    )
    sub.add_argument("--epochs", type=int, metavar="N", help="override the train section")
    sub.add_argument("--lr", type=float, metavar="F", help="learning rate")
    sub.add_argument("--seed", type=int, metavar="S", help="seed of initial weights, split, masks")
    sub.add_argument("--batch", type=int, metavar="N", help="batch size")
    sub.add_argument("--optimizer", choices=("adam", "rmsprop", "sgd"))
    sub.add_argument("--loss", choices=("cross_entropy", "mse", "hinge"))
    sub.add_argument("--momentum", type=float, metavar="F", help="sgd momentum / rmsprop decay")
    sub.add_argument("--split", type=float, metavar="F", help="held-out test fraction")
    sub.add_argument("--scale", metavar="SPEC", help="none, standard or minmax(lo, hi)")
    sub.add_argument("--label", metavar="COLUMN", help="the label column (default: the last)")
    sub.add_argument(
        "--mode",
        choices=("sampled", "exact"),
        default="sampled",
        help="dropout in training: sampled masks (default) or the exact mixture",
    )
    sub.add_argument(
        "--diff-method",
        choices=("best", "parameter-shift", "backprop", "adjoint"),
        default="best",
        help="circuit gradients: dreamlang's parameter-shift rules (any target), or PennyLane's "
        "own best/backprop/adjoint (pennylane; 'best' is parameter-shift on qiskit and cirq)",
    )
    sub.add_argument(
        "--device", metavar="NAME", help="PennyLane device to train on (e.g. lightning.qubit)"
    )
    sub.add_argument(
        "--estimator",
        metavar="SPEC",
        help="Qiskit EstimatorV2 to train on: aer, statevector, or MODULE:NAME (a class, "
        "instantiated without arguments, or an instance)",
    )
    sub.add_argument(
        "--max-density-qubits",
        type=int,
        default=12,
        metavar="N",
        help="refuse density-matrix training (noise, exact dropout) past N qubits (default 12)",
    )
    sub.add_argument("--out", metavar="FILE", help="weights .npz, written atomically each epoch")
    sub.add_argument("--resume", action="store_true", help="continue from --out's checkpoint")
    sub.add_argument("--summary", metavar="FILE", help="also write the JSON summary to FILE")
    sub.add_argument("--plot", metavar="PNG", help="write the training curve (needs matplotlib)")
