"""The IR optimizer: rules that return equivalent programs, and the -O0/-O1/-O2 pipelines.

Each rule is a plain function ``rule(program, *, context=None) -> program`` in a module of its
own; ``optimize`` runs a pipeline of them until nothing changes. See docs/optimizer.md.
"""

from __future__ import annotations

from .pipeline import LEVELS, PIPELINES, RULES, PassStat, optimize

__all__ = ["LEVELS", "PIPELINES", "RULES", "PassStat", "optimize"]
