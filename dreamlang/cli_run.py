"""``dreamc run`` and the value files shared with ``compile --bind``: JSON inputs, .npz parameters."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from dreamlang.cli_commands import CLIError, import_backends, load_program, write_output

__all__ = ["cmd_run", "read_inputs", "read_values"]


def read_inputs(text: str) -> dict[str, Any]:
    """Inputs as a JSON object {name: number or nested list}, given inline or as a .json file."""
    source = text
    if not text.lstrip().startswith("{"):
        try:
            source = Path(text).read_text("utf-8")
        except OSError as exc:
            raise CLIError(f"cannot read inputs '{text}': {exc.strerror or exc}") from None
    try:
        value = json.loads(source)
    except json.JSONDecodeError as exc:
        raise CLIError(f"--inputs is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise CLIError('--inputs must be a JSON object such as {"x": [0.1, 0.2]}')
    return {str(k): _numbers(v, f"input '{k}'") for k, v in value.items()}


def _numbers(value: Any, what: str) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise CLIError(f"{what} must be a number or a nested list of numbers") from None
    if not np.all(np.isfinite(array)):
        raise CLIError(f"{what} contains a value that is not a finite number")
    return array


def read_values(path: str) -> dict[str, np.ndarray]:
    """Named arrays from a .npz file (numpy.savez) or a JSON object file."""
    file = Path(path)
    try:
        if file.suffix == ".json":
            return read_inputs(str(file))
        with np.load(file, allow_pickle=False) as data:
            return {name: _numbers(data[name], f"'{name}' in {path}") for name in data.files}
    except CLIError:
        raise
    except (OSError, ValueError) as exc:
        raise CLIError(f"cannot read values from '{path}': {exc}") from None


def cmd_run(args: argparse.Namespace) -> int:
    """Compile in memory, evaluate forward() on the target's simulator, print it as JSON."""
    registry = import_backends()
    program = load_program(args)
    try:
        from dreamlang.compiled import compile as compile_model

        model = compile_model(program, args.target, optimize=args.optimize)
    except registry.BackendUnavailable as exc:
        raise CLIError(str(exc)) from None
    except ValueError as exc:  # a text-only target
        raise CLIError(str(exc), status=2) from None
    inputs = read_inputs(args.inputs) if args.inputs else {}
    params = read_values(args.params) if args.params else model.init_params(args.seed)
    try:
        output = model.forward(
            inputs,
            params,
            epoch=args.epoch,
            training=args.training,
            seed=args.seed,
            step=args.step,
            mode=args.mode,
        )
    except ValueError as exc:  # missing or misshapen inputs and parameters
        raise CLIError(str(exc)) from None
    write_output(json.dumps([float(v) for v in output]))
    return 0


def run_options(sub: argparse.ArgumentParser) -> None:
    from dreamlang.cli import optimize_option

    sub.add_argument("--target", "-t", required=True, metavar="T", help="pennylane, qiskit or cirq")
    optimize_option(sub, 1)
    sub.add_argument(
        "--inputs", metavar="JSON", help='the inputs: a JSON object {"x": [...]} or a .json file'
    )
    values = sub.add_mutually_exclusive_group()
    values.add_argument("--params", metavar="FILE", help="trained parameters (.npz or .json)")
    values.add_argument(
        "--seed",
        type=int,
        default=0,
        help="draw fresh parameters from the declared initializers with this seed (default 0); "
        "also seeds dropout masks and samples",
    )
    sub.add_argument("--epoch", type=int, default=0, help="the epoch for schedules (default 0)")
    sub.add_argument(
        "--step", type=int, default=0, help="the training step, for fresh dropout masks (default 0)"
    )
    sub.add_argument(
        "--training", action="store_true", help="training mode: dropout and training-only noise"
    )
    sub.add_argument(
        "--mode",
        choices=("sampled", "exact"),
        default="sampled",
        help="dropout in training: one sampled mask (default), or the exact average over every "
        "mask on a density-matrix simulator",
    )
