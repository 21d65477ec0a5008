"""state_rotations(): the angles of a real amplitude encoding, as uniformly controlled RY steps.

Möttönen et al. (quant-ph/0407010) prepare a state wire by wire: wire k gets an RY whose angle
depends on the value of wires 0..k-1, built from 2**k plain RYs and CNOTs in Gray-code order.
The angles are symbolic in the features, so the same circuit serves every input on every
backend (and in OpenQASM 3); they only use arithmetic, sqrt and arctan, which all targets have.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dreamlang import ir
from dreamlang.arith import fold_call
from dreamlang.diagnostics import Span
from dreamlang.values import ListValue, Sym, TupleValue, Value, is_number

if TYPE_CHECKING:
    from dreamlang.evaluate import Evaluator

__all__ = ["EPSILON", "MAX_STATE_WIRES", "state_rotations"]

MAX_STATE_WIRES = 12  # 4096 amplitudes; the angle expressions grow as 4**n

# Keeps 0/0 out of the angles: a branch whose amplitudes are all zero gets a harmless angle.
# It shifts amplitudes by about EPSILON / norm(features). Qiskit silently drops constants below
# 1e-15 from parameter expressions (1e-13 is kept), so it cannot be much smaller.
EPSILON = 1e-13


class _Algebra:
    """Folding arithmetic on compile-time numbers and run-time expressions."""

    def __init__(self, ev: Evaluator, span: Span):
        self.ev, self.span = ev, span

    def op(self, op: str, left: Value, right: Value) -> Value:
        return self.ev.arith(op, left, right, self.span)

    def fn(self, name: str, arg: Value) -> Value:
        if isinstance(arg, Sym):
            return self.ev.bounded(Sym(ir.Call(name, arg.expr)), self.span)
        result, code, message = fold_call(name, float(arg))  # type: ignore[arg-type]
        if code:
            raise self.ev.rep.error(code, message, self.span)
        return result

    def add(self, left: Value, right: Value) -> Value:
        if left == 0 and is_number(left):
            return right
        if right == 0 and is_number(right):
            return left
        return self.op("+", left, right)

    def sqrt(self, value: Value) -> Value:
        return self.fn("sqrt", value)

    def half_angle(self, y: Value, x: Value, r: Value) -> Value:
        """atan2(y, x) for x >= 0 (or x > -r): 2 arctan(y / (r + x)), guarded against 0/0."""
        denominator = self.op("+", self.op("+", r, x), EPSILON)
        return self.op("*", 2, self.fn("arctan", self.op("/", y, denominator)))


def state_rotations(ev: Evaluator, features: list[Value], n: int, span: Span) -> ListValue:
    """Per wire k, the 2**k steps (angle, control position) preparing ``features`` (2**n reals,
    wire 0 the most significant bit); at step i the RY comes first, then a CNOT from the control
    (wire 0 has one step and no CNOT, control -1)."""
    alg = _Algebra(ev, span)
    sums = _subtree_sums(alg, [alg.op("*", a, a) for a in features], n)
    levels = []
    for k in range(n):
        if k < n - 1:
            alphas = [_branch_angle(alg, sums, k, j) for j in range(2**k)]
        else:
            alphas = [_leaf_angle(alg, sums, features, j) for j in range(2**k)]
        levels.append(ListValue(tuple(_gray_steps(alg, alphas, k))))
    return ev.bounded(ListValue(tuple(levels)), span)


def _subtree_sums(alg: _Algebra, squares: list[Value], n: int) -> list[list[Value]]:
    """sums[k][j]: the squared norm of the amplitudes whose first k bits are j."""
    sums: list[list[Value]] = [squares]
    for _ in range(n):
        below = sums[0]
        sums.insert(0, [alg.add(below[2 * j], below[2 * j + 1]) for j in range(len(below) // 2)])
    return sums


def _branch_angle(alg: _Algebra, sums: list[list[Value]], k: int, j: int) -> Value:
    """RY angle splitting branch j of wire k between its two (non-negative) sub-norms."""
    a = alg.sqrt(sums[k + 1][2 * j])
    b = alg.sqrt(sums[k + 1][2 * j + 1])
    r = alg.sqrt(sums[k][j])
    return alg.op("*", 2, alg.half_angle(b, a, r))


def _leaf_angle(alg: _Algebra, sums: list[list[Value]], features: list[Value], j: int) -> Value:
    """RY angle of the last wire for the signed pair (x, y): 2 atan2(y, x), exact for every sign.

    Both 2 arctan(y / (r + x)) and 2 arctan((r - x) / y) are atan2(y, x) in (-pi, pi]; the first
    loses no precision for x > 0, the second for x < 0, where it also gives pi at y = 0. The
    weight p = (x + |x|) / (2|x|), 1 for x > 0 and 0 otherwise, picks one.
    """
    x, y = features[2 * j], features[2 * j + 1]
    r = alg.sqrt(sums[-2][j])
    size = alg.sqrt(alg.op("*", x, x))
    p = alg.op("/", alg.op("+", x, size), alg.op("+", alg.op("*", 2, size), EPSILON))
    positive = alg.half_angle(y, x, r)
    flipped = alg.op("/", alg.op("-", r, x), alg.op("+", y, EPSILON))
    negative = alg.op("*", 2, alg.fn("arctan", flipped))
    blend = alg.add(alg.op("*", p, positive), alg.op("*", alg.op("-", 1, p), negative))
    return alg.op("*", 2, blend)


def _gray_steps(alg: _Algebra, alphas: list[Value], k: int) -> list[TupleValue]:
    """The uniformly controlled RY(alphas[j] for control pattern j) as 2**k RY + CNOT steps."""
    if k == 0:
        return [TupleValue((alphas[0], -1))]
    size = 2**k
    gray = [i ^ (i >> 1) for i in range(size)]
    steps = []
    for i in range(size):
        theta: Value = 0
        for j, alpha in enumerate(alphas):
            if is_number(alpha) and alpha == 0:
                continue
            odd = bin(j & gray[i]).count("1") % 2
            theta = alg.op("-", theta, alpha) if odd else alg.add(theta, alpha)
        changed = gray[i] ^ gray[(i + 1) % size]
        control = k - changed.bit_length()  # bit p (from the right) of j is wire k - 1 - p
        steps.append(TupleValue((alg.op("/", theta, size), control)))
    return steps
