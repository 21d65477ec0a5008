"""``dreamlang.compile``: a model compiled in memory to native PennyLane, Qiskit or Cirq objects."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from dreamlang import ir
from dreamlang.limits import Limits

if TYPE_CHECKING:
    from backends.plan import Plan
    from backends.pymodule import Runner

__all__ = ["CompiledModel", "compile"]

PYTHON_TARGETS = ("pennylane", "qiskit", "cirq")


class CompiledModel:
    """A compiled model: the native circuit and observables, the head, and forward().

    ``circuit`` is a Qiskit ``QuantumCircuit`` (one ``ParameterVector`` per input and parameter,
    named as in the source), a ``cirq.Circuit`` with sympy symbols, or a PennyLane ``QNode``
    taking (inputs, params) dicts. ``expectations`` and ``forward`` behave exactly like the
    functions of the module that ``dreamc compile`` writes for the same target.
    """

    def __init__(self, target: str, plan: Plan, runner: Runner, program: ir.Program):
        self.target = target
        self.program = program
        self._plan = plan
        self._runner = runner

    @property
    def name(self) -> str:
        return self._plan.name

    @property
    def circuit(self) -> Any:
        return self._runner.circuit

    @property
    def observables(self) -> tuple[Any, ...]:
        """Native observables of the measured Pauli words (None for probabilities), in order."""
        return self._runner.observables

    @property
    def head(self) -> tuple[tuple[str, ...], ...]:
        """The classical head: ("dense", weight name, bias name) or (activation,) per layer."""
        return self._plan.head

    @property
    def inputs(self) -> dict[str, tuple[int, ...]]:
        return dict(self._plan.inputs)

    @property
    def params(self) -> dict[str, tuple[int, ...]]:
        return dict(self._plan.params)

    @property
    def output_size(self) -> int:
        return self._plan.output_size

    def build_circuit(
        self, *, epoch: int = 0, training: bool = False, dropped: frozenset[int] = frozenset()
    ) -> Any:
        return self._runner.build_circuit(epoch=epoch, training=training, dropped=dropped)

    def state(
        self,
        inputs: dict[str, Any],
        params: dict[str, Any],
        *,
        epoch: int = 0,
        training: bool = False,
        dropped: frozenset[int] = frozenset(),
    ) -> np.ndarray:
        """The final state vector (or density matrix, with noise), wire 0 most significant."""
        plan = self._plan
        rt = _runtime()
        inputs = rt._arrays(inputs, plan.inputs, "input")
        params = rt._arrays(params, plan.params, "parameter")
        state = self._runner.state(inputs, params, epoch=epoch, training=training, dropped=dropped)
        return np.asarray(state, dtype=np.complex128)

    def init_params(self, seed: int | None = 0) -> dict[str, np.ndarray]:
        return _runtime()._init_params(self._plan.init_spec, seed)  # type: ignore[no-any-return]

    def expectations(
        self,
        inputs: dict[str, Any],
        params: dict[str, Any],
        *,
        epoch: int = 0,
        training: bool = False,
        seed: int | None = None,
        step: int = 0,
    ) -> np.ndarray:
        """The declared measurements, flattened in order, on the target's own simulator.

        With ``training``, dropout masks are drawn per (seed, epoch, step): pass the training
        step to get a fresh mask at each one; the same arguments give the same mask on every
        target. ``seed`` None draws fresh entropy."""
        plan = self._plan
        declared = (plan.inputs, plan.params, plan.measures, plan.dropout)
        return _runtime()._run(  # type: ignore[no-any-return]
            self._runner.terms,
            self._dropout_probabilities,
            declared,
            inputs,
            params,
            epoch,
            training,
            seed,
            step,
        )

    def forward(
        self,
        inputs: dict[str, Any],
        params: dict[str, Any],
        *,
        epoch: int = 0,
        training: bool = False,
        seed: int | None = None,
        step: int = 0,
    ) -> np.ndarray:
        """The measurements through the classical head."""
        values = self.expectations(
            inputs, params, epoch=epoch, training=training, seed=seed, step=step
        )
        return _runtime()._head(values, params, self._plan.head)  # type: ignore[no-any-return]

    def _dropout_probabilities(self, epoch: int) -> tuple[list[float], list[Any]]:
        return _backend_module("plan").dropout_probabilities(self._plan, epoch)  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return f"<CompiledModel {self.name!r} for {self.target}>"


def compile(
    source_or_path: str | os.PathLike[str] | ir.Program,
    target: str = "qiskit",
    *,
    limits: Limits | None = None,
) -> CompiledModel:
    """Compile .dream source text, a path to a .dream file, or a checked Program, in memory.

    A string that names an existing file (or ends in ``.dream``) is read as a path; any other
    string is source text. Raises DreamError for mistakes in the program and
    BackendUnavailable when the target's library is not installed.
    """
    from dreamlang import api
    from dreamlang.cli_commands import import_backends

    if isinstance(source_or_path, ir.Program):
        program = source_or_path
    elif isinstance(source_or_path, os.PathLike) or _looks_like_path(source_or_path):
        program = api.load(source_or_path, limits=limits)
    else:
        program = api.parse(source_or_path, limits=limits)
    registry = import_backends()
    backend = registry.get_backend(target)
    build = getattr(backend, "runner", None)
    if build is None:
        raise ValueError(
            f"target '{target}' writes text only; compile in memory to one of "
            + ", ".join(PYTHON_TARGETS)
            + ", or use dreamlang.emit()"
        )
    plan = _backend_module("plan").make_plan(registry.require_model(program))
    return CompiledModel(target, plan, build(plan), program)


def _backend_module(name: str) -> Any:
    """A submodule of dreamlang.backends (installed, or the checkout's backends/ folder)."""
    import importlib

    from dreamlang.cli_commands import import_backends

    import_backends()
    return importlib.import_module(f"dreamlang.backends.{name}")


def _runtime() -> Any:
    return _backend_module("_runtime")


def _looks_like_path(text: str) -> bool:
    if "\n" in text or "{" in text:
        return False
    return text.endswith(".dream") or Path(text).is_file()
