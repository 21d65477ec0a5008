"""The general channel ``kraus``: its constant operators checked and flattened into IR values."""

from __future__ import annotations

from typing import NoReturn

from dreamlang import ir
from dreamlang.diagnostics import Span
from dreamlang.reporting import Reporter
from dreamlang.values import ArrayRef, ListValue, Sym, TupleValue, Value, describe

__all__ = ["MAX_OPERATORS", "TOLERANCE", "kraus_params"]

MAX_OPERATORS = 16
TOLERANCE = 1e-8  # largest entry of sum_j K_j^dagger K_j - I that is still a channel
_EXPECTED = (
    f"a [k, 2, 2] (real) or [k, 2, 2, 2] (real, imaginary) tensor, k from 1 to {MAX_OPERATORS}"
)
_EXAMPLE = "hint: e.g. kraus([[[1, 0], [0, 0.6]], [[0, 0.8], [0, 0]]]) on 0"

Matrix = tuple[tuple[complex, complex], tuple[complex, complex]]


def kraus_params(rep: Reporter, value: Value, span: Span) -> tuple[ir.Num, ...]:
    """The IR values of a kraus channel: for each operator, row and column (row-major), the
    entry's real then imaginary part; 8 per operator. Errors are reported at ``span``."""
    shape, numbers = _tensor(rep, value, span)
    if shape is None or not _valid_shape(shape):
        given = "a ragged list" if shape is None else f"shape {list(shape)}"
        message = f"'kraus' needs its operators as {_EXPECTED}, not {given}"
        raise rep.error("shape-mismatch", message, span, _EXAMPLE)
    if len(shape) == 3:
        entries = [complex(v) for v in numbers]
    else:
        entries = [complex(re, im) for re, im in zip(numbers[0::2], numbers[1::2])]
    operators = [_matrix(entries[4 * j : 4 * j + 4]) for j in range(shape[0])]
    deviation = completeness_deviation(operators)
    if not deviation <= TOLERANCE:
        message = "the Kraus operators do not preserve the trace: sum_j K_j^dagger K_j is not the identity"
        hint = f"hint: its largest entry differs from the identity's by {deviation:.3g} (at most {TOLERANCE:g} allowed)"
        raise rep.error("invalid-value", message, span, hint)
    return tuple(ir.Num(part) for z in entries for part in (z.real, z.imag))


def completeness_deviation(operators: list[Matrix]) -> float:
    """The largest |entry| of sum_j K_j^dagger K_j - I."""
    worst = 0.0
    for r in range(2):
        for c in range(2):
            total = sum(k[i][r].conjugate() * k[i][c] for k in operators for i in range(2))
            worst = max(worst, abs(total - (1.0 if r == c else 0.0)))
    return worst


def _matrix(entries: list[complex]) -> Matrix:
    return ((entries[0], entries[1]), (entries[2], entries[3]))


def _valid_shape(shape: tuple[int, ...]) -> bool:
    return (
        len(shape) in (3, 4)
        and 1 <= shape[0] <= MAX_OPERATORS
        and shape[1:3] == (2, 2)
        and (len(shape) == 3 or shape[3] == 2)
    )


def _tensor(rep: Reporter, value: Value, span: Span) -> tuple[tuple[int, ...] | None, list[float]]:
    """The shape of a nested list of numbers (None when ragged) and its numbers, row-major."""
    if isinstance(value, bool | Sym | ArrayRef):
        _not_constant(rep, value, span)
    if isinstance(value, int | float):
        return (), [float(value)]
    if not isinstance(value, ListValue | TupleValue):
        _not_constant(rep, value, span)
    if len(value.items) > MAX_OPERATORS:  # no dimension is longer: refuse before walking it
        first, _ = _tensor(rep, value.items[0], span)
        return (None if first is None else (len(value.items), *first)), []
    parts = [_tensor(rep, item, span) for item in value.items]
    shapes = {shape for shape, _ in parts}
    if len(shapes) > 1 or None in shapes:
        return None, []
    inner = shapes.pop() if shapes else ()
    assert inner is not None
    return (len(parts), *inner), [v for _, numbers in parts for v in numbers]


def _not_constant(rep: Reporter, value: Value, span: Span) -> NoReturn:
    message = f"the operators of 'kraus' must be compile-time numbers, not {describe(value)}"
    hint = "hint: write them as a list literal or a const; inputs, params and schedules are not allowed"
    raise rep.error("type-error", message, span, hint)
