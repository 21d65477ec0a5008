"""Cnot-phase synthesis over GF(2): GraySynth for the parities, then Gaussian elimination for the linear map."""

from __future__ import annotations

import numpy as np

__all__ = ["MAX_WIRES", "Step", "graysynth", "linear_steps"]

# ("cx", control, target) or ("term", term index, wire): apply that term's gate on the wire.
Step = tuple[str, int, int]


def _bit(value: int, i: int) -> int:
    return (value >> i) & 1


MAX_WIRES = 62  # parities are int64 bit masks here


def graysynth(n: int, parities: list[int], final: list[int]) -> list[Step]:
    """Steps on ``n`` wires (at most MAX_WIRES) that apply every term (a diagonal gate on a
    wire holding its parity, a bit mask over the inputs) and end with wire i holding
    ``final[i]``.

    Algorithm 1 of Amy, Azimzadeh and Mosca, "On the CNOT-complexity of CNOT-phase circuits"
    (2018): split the parities on the input bit that divides them most unevenly, and bring a
    group onto one wire with cnots in Gray-code order, so consecutive parities share cnots.

    >>> steps = graysynth(2, [0b11], [0b01, 0b10])
    >>> steps
    [('cx', 1, 0), ('term', 0, 0), ('cx', 1, 0)]
    """
    if n > MAX_WIRES:
        raise ValueError(f"graysynth takes at most {MAX_WIRES} wires, not {n}")
    state = [1 << i for i in range(n)]  # the parity each wire holds now, over the inputs
    # Every term written over the current wires (bit j: wire j's parity); a cnot changes this
    # basis for all of them at once. ``alive``: not applied yet.
    coords = np.array(parities, dtype=np.int64)
    alive = np.ones(len(parities), dtype=bool)
    steps: list[Step] = []
    _apply_ready(coords, alive, steps, range(n))
    stack: list[tuple[np.ndarray, list[int], int | None]] = [
        (np.flatnonzero(alive), list(range(n)), None)
    ]
    while stack:
        ids, free, wire = stack.pop()
        ids = ids[alive[ids]]
        if ids.size and wire is not None:
            ids = _reduce_onto(wire, ids, state, coords, alive, steps)
        if not ids.size or not free:
            continue
        bits = (coords[ids][:, None] >> np.array(free, dtype=np.int64)) & 1
        ones = bits.sum(axis=0)
        k = int(np.argmax(np.maximum(ones, ids.size - ones)))  # the first of the most uneven
        split, mask = free[k], bits[:, k].astype(bool)
        rest = free[:k] + free[k + 1 :]
        stack.append((ids[mask], rest, split if wire is None else wire))
        stack.append((ids[~mask], rest, wire))
    return steps + linear_steps(state, final)


def _reduce_onto(
    wire: int,
    ids: np.ndarray,
    state: list[int],
    coords: np.ndarray,
    alive: np.ndarray,
    steps: list[Step],
) -> np.ndarray:
    """While some other wire's bit is set in every parity of ``ids``, add that wire onto
    ``wire`` with a cnot; apply each term whose parity ``wire`` then holds. The ids left."""
    while ids.size:
        shared = int(np.bitwise_and.reduce(coords[ids])) & ~(1 << wire)
        if not shared:
            break
        common = (shared & -shared).bit_length() - 1  # the lowest such wire
        steps.append(("cx", common, wire))
        state[wire] ^= state[common]
        # wire now holds s_w + s_c: a parity with bit w set loses it from bit c.
        coords[((coords >> wire) & 1).astype(bool)] ^= 1 << common
        _apply_ready(coords, alive, steps, (wire,))
        ids = ids[alive[ids]]
    return ids


def _apply_ready(
    coords: np.ndarray, alive: np.ndarray, steps: list[Step], wires: range | tuple[int, ...]
) -> None:
    for wire in wires:
        ready = np.flatnonzero(alive & (coords == 1 << wire))
        steps.extend(("term", int(t), wire) for t in ready)
        alive[ready] = False


def linear_steps(state: list[int], final: list[int]) -> list[Step]:
    """Cnots that turn the wires' parities ``state`` into ``final`` (both invertible).

    Writing M for final times the inverse of state, the cnots reduce M to the identity by
    Gaussian elimination, applied in reverse order (each is its own inverse).

    >>> linear_steps([0b01, 0b11], [0b01, 0b10])
    [('cx', 0, 1)]
    """
    n = len(state)
    matrix = _product(final, _inverse(state))
    eliminated: list[Step] = []
    for column in range(n):
        pivot = next(r for r in range(column, n) if _bit(matrix[r], column))
        if pivot != column:
            matrix[column] ^= matrix[pivot]
            eliminated.append(("cx", pivot, column))
        for row in range(n):
            if row != column and _bit(matrix[row], column):
                matrix[row] ^= matrix[column]
                eliminated.append(("cx", column, row))
    return eliminated[::-1]


def _product(a: list[int], b: list[int]) -> list[int]:
    """a times b over GF(2), matrices as rows of bit masks (bit j: column j)."""
    out = []
    for row in a:
        value = 0
        for j, b_row in enumerate(b):
            if _bit(row, j):
                value ^= b_row
        out.append(value)
    return out


def _inverse(matrix: list[int]) -> list[int]:
    n = len(matrix)
    rows = list(matrix)
    inverse = [1 << i for i in range(n)]
    for column in range(n):
        pivot = next(r for r in range(column, n) if _bit(rows[r], column))
        rows[column], rows[pivot] = rows[pivot], rows[column]
        inverse[column], inverse[pivot] = inverse[pivot], inverse[column]
        for row in range(n):
            if row != column and _bit(rows[row], column):
                rows[row] ^= rows[column]
                inverse[row] ^= inverse[column]
    return inverse
