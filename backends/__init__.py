"""Compile targets: the Backend interface and a lazy registry from target name to implementation."""

from __future__ import annotations

import abc
import difflib
import importlib
import threading
from dataclasses import dataclass
from typing import NoReturn

# Not 'from dreamlang import ir': that would shadow this package's own 'ir' submodule.
from dreamlang import ir as _ir
from dreamlang.diagnostics import Diagnostic, DreamError, Severity

__all__ = [
    "Backend",
    "BackendUnavailable",
    "Capabilities",
    "available",
    "get_backend",
    "register",
    "require_model",
    "unsupported",
]


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a target can express; the CLI and tests read these instead of guessing.

    needs_model: the target emits a circuit, so a library file without a model is an error.
    channels: noise channels (depolarizing, amplitude damping, ...) are emitted.
    dropout: dropout tags survive into the output (training-time gate removal).
    schedules: epoch schedules are emitted as functions of the epoch, not frozen values.
    classical_head: the dense/activation head is emitted.
    sampling: 'measure sample' with shots is supported.
    """

    needs_model: bool = True
    channels: bool = False
    dropout: bool = False
    schedules: bool = False
    classical_head: bool = False
    sampling: bool = False


class Backend(abc.ABC):
    """One compile target. Subclasses set the three class attributes and implement ``emit``."""

    name: str
    suffix: str  # file suffix of the output, with the dot, e.g. ".py" or ".qasm"
    capabilities: Capabilities = Capabilities()

    @abc.abstractmethod
    def emit(self, program: _ir.Program) -> str:
        """The target's source text for a checked program; deterministic for equal input.

        Raises DreamError (see ``unsupported``) for constructs the target cannot express.
        """


class BackendUnavailable(Exception):
    """A known target whose optional dependency is not installed (a user environment problem)."""

    def __init__(self, target: str, extra: str, cause: ImportError):
        self.target, self.extra = target, extra
        super().__init__(
            f"target '{target}' needs an optional dependency that is not installed ({cause}); "
            f"install it with: pip install 'dreamlang[{extra}]'"
        )


# name -> ("package.module:attr", extra). Modules are imported only when the target is asked
# for, so importing dreamlang never drags in qiskit, pennylane or cirq.
_REGISTRY: dict[str, tuple[str, str]] = {
    "ir": ("dreamlang.backends.ir:IRBackend", ""),
    "pennylane": ("dreamlang.backends.pennylane:PennyLaneBackend", "pennylane"),
    "qiskit": ("dreamlang.backends.qiskit:QiskitBackend", "qiskit"),
    "cirq": ("dreamlang.backends.cirq:CirqBackend", "cirq"),
    "qasm3": ("dreamlang.backends.qasm3:QASM3Backend", ""),
}
_CACHE: dict[str, Backend] = {}
_LOCK = threading.Lock()


def register(name: str, target: str, extra: str = "") -> None:
    """Add or replace a target: ``target`` is "module:attr" naming a Backend subclass or instance.

    ``extra`` is the pip extra that provides its dependencies, quoted when they are missing.
    """
    if ":" not in target:
        raise ValueError(f"target must look like 'module:attr', got {target!r}")
    with _LOCK:
        _REGISTRY[name] = (target, extra)
        _CACHE.pop(name, None)


def available() -> tuple[str, ...]:
    """The registered target names, sorted (whether or not their extras are installed)."""
    return tuple(sorted(_REGISTRY))


def get_backend(name: str) -> Backend:
    """The backend for a target name; DreamError 'unknown-target' with a suggestion if unknown."""
    with _LOCK:
        cached = _CACHE.get(name)
        if cached is not None:
            return cached
        if name not in _REGISTRY:
            raise DreamError([_unknown_target(name)])
        target, extra = _REGISTRY[name]
        backend = _load(name, target, extra)
        _CACHE[name] = backend
        return backend


def _load(name: str, target: str, extra: str) -> Backend:
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        # Only a missing third-party package is the user's to fix; our own modules must exist.
        missing = getattr(exc, "name", None) or ""
        if extra and not missing.startswith("dreamlang"):
            raise BackendUnavailable(name, extra, exc) from exc
        raise
    obj = getattr(module, attr)
    backend = obj() if isinstance(obj, type) else obj
    if not isinstance(backend, Backend):
        raise TypeError(f"{target} is not a Backend")
    return backend


def _unknown_target(name: str) -> Diagnostic:
    names = available()
    notes = []
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    if close:
        notes.append(f"hint: did you mean '{close[0]}'?")
    notes.append("available targets: " + ", ".join(names))
    return Diagnostic(
        Severity.ERROR, "unknown-target", f"unknown target '{name}'", None, tuple(notes)
    )


def unsupported(node: object, why: str) -> NoReturn:
    """Stop compilation: the target cannot express ``node``; the diagnostic points at its span."""
    span = getattr(node, "span", None)
    raise DreamError([Diagnostic(Severity.ERROR, "unsupported", why, span)])


def require_model(program: _ir.Program) -> _ir.Model:
    """The program's model, or DreamError 'no-model' for a library file."""
    if program.model is None:
        message = f"{program.filename} defines no model, so there is nothing to compile"
        hint = "hint: add a 'model NAME { ... }' to the file, or compile a file that imports it"
        raise DreamError([Diagnostic(Severity.ERROR, "no-model", message, None, (hint,))])
    return program.model
