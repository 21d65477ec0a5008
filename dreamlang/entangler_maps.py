"""Qiskit's entangler maps for blocks of k wires (get_entangler_map), behind groups(T, n, k)."""

from __future__ import annotations

from itertools import combinations

__all__ = ["QISKIT_MAPS", "qiskit_groups"]

QISKIT_MAPS = ("full", "linear", "reverse_linear", "circular", "sca")


def qiskit_groups(name: str, n: int, k: int, rep: int = 0) -> list[tuple[int, ...]]:
    """The k-wire groups of Qiskit's entanglement ``name`` over n wires at repetition ``rep``."""
    if name == "full":
        return list(combinations(range(n), k))
    linear = [tuple(range(i, i + k)) for i in range(n - k + 1)]
    if name == "linear":
        return linear
    if name == "reverse_linear":
        return linear[::-1]
    # circular: the windows that wrap around come first (none when k is 1 or n)
    wraps = [tuple((s + j) % n for j in range(k)) for s in range(n - k + 1, n)] if n > k else []
    circular = wraps + linear
    if name == "circular":
        return circular
    if name == "sca":  # circular, rotated right by rep, each group reversed on odd repetitions
        shift = rep % len(circular) if circular else 0
        rotated = circular[len(circular) - shift :] + circular[: len(circular) - shift]
        return [g[::-1] for g in rotated] if rep % 2 == 1 else rotated
    raise ValueError(f"no k-wire entangler map named {name!r}")
