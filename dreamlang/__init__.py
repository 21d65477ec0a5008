"""dreamlang: a declarative language and compiler for hybrid quantum-classical ML models."""

from __future__ import annotations

from typing import Any

from dreamlang.diagnostics import Diagnostic, DreamError, Severity, Span
from dreamlang.limits import Limits

__version__ = "0.1.0"

__all__ = [
    "Diagnostic",
    "DreamError",
    "Limits",
    "Severity",
    "Span",
    "__version__",
    "check",
    "compile",
    "format_source",
    "load",
    "load_ipython_extension",
    "optimize",
    "parse",
    "train",
]


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext dreamlang``: registers the ``%%dream`` cell magic (dreamlang.magic)."""
    from dreamlang.magic import load_ipython_extension as register

    register(ipython)


def __getattr__(name: str) -> Any:
    # The API pulls in Lark and the grammar; load it on first use so `import dreamlang` stays cheap.
    if name in ("parse", "load", "check"):
        from dreamlang import api

        return getattr(api, name)
    if name == "compile":
        from dreamlang import compiled

        return compiled.compile
    if name == "optimize":
        from dreamlang import optimizer

        return optimizer.optimize
    if name == "train":
        from dreamlang import trainer

        return trainer.train
    if name == "format_source":
        from dreamlang import formatter

        return formatter.format_source
    raise AttributeError(f"module 'dreamlang' has no attribute {name!r}")
