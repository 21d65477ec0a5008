"""``dreamlang.compile``: a model compiled in memory to native PennyLane, Qiskit or Cirq objects."""

from __future__ import annotations

import functools
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
        self,
        *,
        epoch: int = 0,
        training: bool = False,
        dropped: frozenset[int] = frozenset(),
        mixed: dict[int, float] | None = None,
    ) -> Any:
        """The native circuit for one epoch, mode and dropout mask; the ops in ``mixed`` (index
        -> q) become their exact-dropout channels (PennyLane: symbolic; Qiskit and Cirq build
        those channels from numbers, so use ``state``/``expectations`` there)."""
        if not mixed:
            return self._runner.build_circuit(epoch=epoch, training=training, dropped=dropped)
        return self._runner.build_circuit(
            epoch=epoch, training=training, dropped=dropped, mixed=mixed
        )

    def exact_mixture(self, epoch: int = 0) -> list[tuple[float, frozenset[int], dict[int, float]]]:
        """Exact-mode dropout at ``epoch`` as a finite mixture: (weight, dropped ops, mixed ops)
        whose circuits (``build_circuit(training=True, dropped=..., mixed=...)``), averaged with
        the weights, are the average over every dropout mask (docs/dropout.md)."""
        plan = self._plan
        return _runtime()._exact_mixture(plan.dropout, *self._dropout_probabilities(epoch))  # type: ignore[no-any-return]

    def state(
        self,
        inputs: dict[str, Any],
        params: dict[str, Any],
        *,
        epoch: int = 0,
        training: bool = False,
        dropped: frozenset[int] = frozenset(),
        mode: str | None = None,
    ) -> np.ndarray:
        """The final state vector (or density matrix, with noise), wire 0 most significant.

        ``dropped`` leaves those operations out. ``mode="exact"`` (training only) is instead
        the exact dropout ensemble: the density matrix averaged over every dropout mask."""
        plan = self._plan
        rt = _runtime()
        inputs = rt._arrays(inputs, plan.inputs, "input")
        params = rt._arrays(params, plan.params, "parameter")
        run = functools.partial(self._runner.state, inputs, params, epoch=epoch, training=training)
        if mode is None or mode == "sampled" or not training or not plan.dropout:
            state = run(dropped=dropped)
            return np.asarray(state, dtype=np.complex128)
        if mode != "exact":
            raise ValueError(f"mode must be 'sampled' or 'exact', not {mode!r}")
        mixture = self.exact_mixture(epoch)
        total = np.zeros((2**plan.num_qubits,) * 2, dtype=np.complex128)
        for weight, drop, mixed in mixture:
            state = np.asarray(
                run(dropped=drop, mixed=mixed),
                dtype=np.complex128,
            )
            total += weight * (state if state.ndim == 2 else np.outer(state, state.conj()))
        return total

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
        mode: str = "sampled",
    ) -> np.ndarray:
        """The declared measurements, flattened in order, on the target's own simulator.

        With ``training``, dropout masks are drawn per (seed, epoch, step): pass the training
        step to get a fresh mask at each one; the same arguments give the same mask on every
        target. ``seed`` None draws fresh entropy. ``mode="exact"`` averages over every mask
        exactly instead, on a density-matrix simulator (docs/dropout.md). With ``ensemble K``
        in the model, the K members' measurements are averaged."""
        members = self._members(inputs, params, (epoch, training, seed, step), mode)
        return np.mean(members, axis=0)  # type: ignore[no-any-return]

    def _members(
        self,
        inputs: dict[str, Any],
        params: dict[str, Any],
        when: tuple[int, bool, int | None, int],
        mode: str,
    ) -> list[np.ndarray]:
        plan = self._plan
        declared = (plan.inputs, plan.params, plan.measures, plan.dropout)
        run = _runtime()._run
        dropout = self._dropout_probabilities
        members = run(
            self._runner.terms, dropout, declared, inputs, params, when, mode, plan.ensemble
        )
        return members  # type: ignore[no-any-return]

    def forward(
        self,
        inputs: dict[str, Any],
        params: dict[str, Any],
        *,
        epoch: int = 0,
        training: bool = False,
        seed: int | None = None,
        step: int = 0,
        mode: str = "sampled",
    ) -> np.ndarray:
        """The measurements through the classical head (averaged over an ensemble's members)."""
        members = self._members(inputs, params, (epoch, training, seed, step), mode)
        head = _runtime()._head
        return np.mean([head(values, params, self._plan.head) for values in members], axis=0)  # type: ignore[no-any-return]

    def _dropout_probabilities(self, epoch: int) -> tuple[list[float], list[Any]]:
        return _backend_module("plan").dropout_probabilities(self._plan, epoch)  # type: ignore[no-any-return]

    def draw(self, format: str = "text", **options: Any) -> str | bytes:
        """The circuit as compiled (after optimization): text or SVG (str), PNG (bytes).

        ``options`` are those of ``dreamlang.draw.draw``: width, epoch, seed, step."""
        from dreamlang.draw import draw

        return draw(self.program, format, **options)

    def __repr__(self) -> str:
        return f"<CompiledModel {self.name!r} for {self.target}>"


def compile(
    source_or_path: str | os.PathLike[str] | ir.Program,
    target: str = "qiskit",
    *,
    limits: Limits | None = None,
    optimize: int = 1,
) -> CompiledModel:
    """Compile .dream source text, a path to a .dream file, or a checked Program, in memory.

    A string that names an existing file (or ends in ``.dream``) is read as a path; any other
    string is source text. ``optimize`` is the optimizer pipeline (0, 1 or 2, like ``dreamc
    -O``; docs/optimizer.md). Raises DreamError for mistakes in the program and
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
    if optimize:
        from dreamlang.optimizer import optimize as run_pipeline

        program = run_pipeline(program, optimize)
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
