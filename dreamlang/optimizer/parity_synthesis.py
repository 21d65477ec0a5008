"""Cnot-phase synthesis over GF(2): GraySynth for the parities, then Gaussian elimination for the linear map."""

from __future__ import annotations

__all__ = ["MAX_WIRES", "Step", "graysynth", "linear_steps"]

# ("cx", control, target) or ("term", term index, wire): apply that term's gate on the wire.
Step = tuple[str, int, int]


MAX_WIRES = 62  # regions on more wires are left alone: GraySynth's cost grows with the wires


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
    # Every term written over the current wires, stored bit-sliced: bit t of ``columns[j]``
    # is bit j of term t (over the current wires' parities), so a cnot changes one column
    # for all terms at once. Sets of terms are bit masks too; ``alive``: not applied yet.
    columns = [0] * n
    for t, parity in enumerate(parities):
        while parity:
            low = parity & -parity
            columns[low.bit_length() - 1] |= 1 << t
            parity ^= low
    alive = (1 << len(parities)) - 1
    steps: list[Step] = []
    for start in range(n):
        alive = _apply_ready(columns, alive, steps, start)
    stack: list[tuple[int, list[int], int | None]] = [(alive, list(range(n)), None)]
    while stack:
        ids, free, wire = stack.pop()
        ids &= alive
        if ids and wire is not None:
            ids, alive = _reduce_onto(wire, ids, alive, state, columns, steps)
        if not ids or not free:
            continue
        k = _most_uneven(columns, free, ids)
        split = free[k]
        rest = free[:k] + free[k + 1 :]
        stack.append((ids & columns[split], rest, split if wire is None else wire))
        stack.append((ids & ~columns[split], rest, wire))
    return steps + linear_steps(state, final)


def _most_uneven(columns: list[int], free: list[int], ids: int) -> int:
    """The place in ``free`` of the first wire whose bit splits ``ids`` most unevenly."""
    size = ids.bit_count()
    best, place = -1, 0
    for k, wire in enumerate(free):
        ones = (columns[wire] & ids).bit_count()
        uneven = max(ones, size - ones)
        if uneven > best:
            if uneven == size:  # no split is more uneven: the first such wire wins
                return k
            best, place = uneven, k
    return place


def _reduce_onto(
    wire: int, ids: int, alive: int, state: list[int], columns: list[int], steps: list[Step]
) -> tuple[int, int]:
    """While some other wire's bit is set in every parity of ``ids``, add that wire onto
    ``wire`` with a cnot; apply each term whose parity ``wire`` then holds. The ids and the
    alive terms left."""
    while ids:
        # The lowest other wire whose column holds every id.
        common = next((j for j, c in enumerate(columns) if j != wire and c & ids == ids), None)
        if common is None:
            break
        steps.append(("cx", common, wire))
        state[wire] ^= state[common]
        # wire now holds s_w + s_c: a parity with bit w set loses it from bit c.
        columns[common] ^= columns[wire]
        alive = _apply_ready(columns, alive, steps, wire)
        ids &= alive
    return ids, alive


def _apply_ready(columns: list[int], alive: int, steps: list[Step], wire: int) -> int:
    """Apply the alive terms whose parity is the one ``wire`` holds; the terms still alive."""
    ready = columns[wire] & alive
    if ready:
        for j, column in enumerate(columns):
            if j != wire:
                ready &= ~column
        while ready:
            low = ready & -ready
            steps.append(("term", low.bit_length() - 1, wire))
            ready ^= low
            alive ^= low
    return alive


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
        bit = 1 << column
        pivot = next(r for r in range(column, n) if matrix[r] & bit)
        if pivot != column:
            matrix[column] ^= matrix[pivot]
            eliminated.append(("cx", pivot, column))
        for row in range(n):
            if row != column and matrix[row] & bit:
                matrix[row] ^= matrix[column]
                eliminated.append(("cx", column, row))
    return eliminated[::-1]


def _product(a: list[int], b: list[int]) -> list[int]:
    """a times b over GF(2), matrices as rows of bit masks (bit j: column j)."""
    out = []
    for row in a:
        value = 0
        while row:
            low = row & -row
            value ^= b[low.bit_length() - 1]
            row ^= low
        out.append(value)
    return out


def _inverse(matrix: list[int]) -> list[int]:
    n = len(matrix)
    rows = list(matrix)
    inverse = [1 << i for i in range(n)]
    for column in range(n):
        bit = 1 << column
        pivot = next(r for r in range(column, n) if rows[r] & bit)
        rows[column], rows[pivot] = rows[pivot], rows[column]
        inverse[column], inverse[pivot] = inverse[pivot], inverse[column]
        for row in range(n):
            if row != column and rows[row] & bit:
                rows[row] ^= rows[column]
                inverse[row] ^= inverse[column]
    return inverse
