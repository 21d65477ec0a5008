"""Parameter-shift rules per gate angle, expression derivatives, and the shift-slot IR transform."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from dreamlang import gates, ir

__all__ = [
    "CONTROLLED",
    "SHIFT",
    "TWO_TERM",
    "ShiftRule",
    "ShiftedProgram",
    "Slot",
    "expr_gradient",
    "rule_for",
    "shifted_program",
]

# The hidden shift vector's name. '.' is not allowed in a .dream identifier (NAME in
# grammar/dream.lark), so no user input or parameter can clash with it, the same trick as the
# head's 'head.K.weight'. Every in-memory backend accepts it: PennyLane indexes its params dict
# by the repr'd key, Qiskit names a ParameterVector and Cirq a sympy symbol 'grad.shift[k]'.
SHIFT = "grad.shift"


@dataclass(frozen=True, slots=True)
class ShiftRule:
    """d f/d theta = sum_j coefficients[j] * f(theta + shifts[j]).

    >>> TWO_TERM.derivative(math.sin, 0.3) - math.cos(0.3) < 1e-12
    True
    """

    coefficients: tuple[float, ...]
    shifts: tuple[float, ...]

    @property
    def terms(self) -> tuple[tuple[float, float], ...]:
        """(coefficient, shift) pairs."""
        return tuple(zip(self.coefficients, self.shifts))

    def derivative(self, f: Callable[[float], float], theta: float) -> float:
        return sum(c * f(theta + s) for c, s in self.terms)


# Generator with eigenvalues +-1/2 (rx, ry, rz, rxx, ryy, rzz, each angle of rot), or 0 and 1
# (phase, cphase, u3's phi and lam, which are phase gates): one frequency, 1, so
# f(theta) = a + b cos(theta) + c sin(theta) and the rule is exact with shifts +-pi/2.
TWO_TERM = ShiftRule((0.5, -0.5), (math.pi / 2, -math.pi / 2))

# Controlled rotations: generator |1><1| (x) sigma/2 has eigenvalues 0, +-1/2, so frequencies
# 1/2 and 1. PennyLane's rule for CRX/CRY/CRZ (generate_shift_rule((0.5, 1.0))).
_C1 = (math.sqrt(2) + 1) / (4 * math.sqrt(2))
_C2 = (math.sqrt(2) - 1) / (4 * math.sqrt(2))
CONTROLLED = ShiftRule(
    (_C1, -_C1, -_C2, _C2),
    (math.pi / 2, -math.pi / 2, 3 * math.pi / 2, -3 * math.pi / 2),
)


def _rules() -> dict[tuple[str, str], ShiftRule]:
    table: dict[tuple[str, str], ShiftRule] = {}
    for spec in gates.GATES.values():
        for angle in spec.params:
            controlled = spec.name in ("crx", "cry", "crz")
            table[spec.name, angle] = CONTROLLED if controlled else TWO_TERM
    return table


# (gate, angle name) -> rule, for every angle of every gate in dreamlang/gates.py.
RULES: dict[tuple[str, str], ShiftRule] = _rules()


def rule_for(gate: str, angle: int) -> ShiftRule:
    """The shift rule of a gate's angle (by position); KeyError for a channel or no angle.

    >>> rule_for("crx", 0) is CONTROLLED, rule_for("u3", 2) is TWO_TERM
    (True, True)
    """
    spec = gates.GATES[gates.canonical_name(gate)]
    return RULES[spec.name, spec.params[angle]]


# ---- expression derivatives ----

Gradient = dict[tuple[str, int], float]  # (param name, flat index) -> d expr / d element

_DERIVATIVES: dict[str, Callable[[float], float]] = {
    "sin": math.cos,
    "cos": lambda a: -math.sin(a),
    "tan": lambda a: 1.0 / math.cos(a) ** 2,
    "exp": math.exp,
    "log": lambda a: 1.0 / a,
    "sqrt": lambda a: 0.5 / math.sqrt(a),
    "arcsin": lambda a: 1.0 / math.sqrt(1.0 - a * a),
    "arccos": lambda a: -1.0 / math.sqrt(1.0 - a * a),
    "arctan": lambda a: 1.0 / (1.0 + a * a),
}


def _combine(a: Gradient, ca: float, b: Gradient, cb: float) -> Gradient:
    """ca * a + cb * b, as sparse gradients."""
    out = {k: ca * v for k, v in a.items()} if ca else {}
    if cb:
        for k, v in b.items():
            out[k] = out.get(k, 0.0) + cb * v
    return out


def expr_gradient(
    expr: ir.Expr, inputs: Mapping[str, np.ndarray], params: Mapping[str, np.ndarray]
) -> tuple[float, Gradient]:
    """The value of a gate angle and its gradient in the parameters (forward mode), with the
    inputs as numbers: the chain rule's inner factor for every slot.

    >>> w = ir.ParamRef("w", (1,))
    >>> expr_gradient(ir.Binary("*", w, w), {}, {"w": np.array([0.0, 3.0])})
    (9.0, {('w', 1): 6.0})
    """
    if isinstance(expr, ir.Num):
        return float(expr.value), {}
    if isinstance(expr, ir.InputRef | ir.ParamRef):
        table = inputs if isinstance(expr, ir.InputRef) else params
        array = np.asarray(table[expr.name])
        value = float(array[expr.index])
        if isinstance(expr, ir.InputRef):
            return value, {}
        flat = int(np.ravel_multi_index(expr.index, array.shape)) if expr.index else 0
        return value, {(expr.name, flat): 1.0}
    if isinstance(expr, ir.Schedule):
        raise ValueError("a schedule cannot appear in a gate angle")
    if isinstance(expr, ir.Neg):
        value, grad = expr_gradient(expr.operand, inputs, params)
        return -value, _combine(grad, -1.0, {}, 0.0)
    if isinstance(expr, ir.Call):
        value, grad = expr_gradient(expr.arg, inputs, params)
        result = float(getattr(np, expr.func)(value))
        return result, _combine(grad, _DERIVATIVES[expr.func](value) if grad else 0.0, {}, 0.0)
    left, dl = expr_gradient(expr.left, inputs, params)
    right, dr = expr_gradient(expr.right, inputs, params)
    return _binary(expr.op, left, dl, right, dr)


def _binary(op: str, a: float, da: Gradient, b: float, db: Gradient) -> tuple[float, Gradient]:
    if op == "+":
        return a + b, _combine(da, 1.0, db, 1.0)
    if op == "-":
        return a - b, _combine(da, 1.0, db, -1.0)
    if op == "*":
        return a * b, _combine(da, b, db, a)
    if op == "/":
        return a / b, _combine(da, 1.0 / b, db, -a / (b * b))
    value = float(np.power(a, b))
    # d(a**b) = b a**(b-1) da + a**b log(a) db; the log term only where b varies.
    left = b * float(np.power(a, b - 1.0)) if da else 0.0
    right = value * math.log(a) if db else 0.0
    return value, _combine(da, left, db, right)


# ---- the shift-slot transform ----


@dataclass(frozen=True, slots=True)
class Slot:
    """One differentiable gate angle: operation ``op`` (index in the model), angle ``angle``."""

    op: int
    angle: int
    gate: str
    expr: ir.Expr  # the angle as the user wrote it (without the shift)
    rule: ShiftRule


@dataclass(frozen=True, slots=True)
class ShiftedProgram:
    """The program with ``angle + grad.shift[k]`` in slot k, and var measured as expval."""

    program: ir.Program
    slots: tuple[Slot, ...]
    var_rows: tuple[int, ...]  # output rows that the original program measures as var


def _depends_on_params(expr: ir.Expr) -> bool:
    return any(isinstance(n, ir.ParamRef) for n in ir.walk(expr))


def _shift_op(op: ir.Operation, index: int, slots: list[Slot]) -> ir.Operation:
    spec = gates.GATES.get(gates.canonical_name(op.name))
    if spec is None or spec.kind != "gate" or not op.params:
        return op  # channels: their strengths are schedules, never trainable
    angles = list(op.params)
    for i, expr in enumerate(op.params):
        if _depends_on_params(expr):
            shift = ir.ParamRef(SHIFT, (len(slots),))
            angles[i] = ir.Binary("+", expr, shift)
            slots.append(Slot(index, i, spec.name, expr, rule_for(spec.name, i)))
    return dataclasses.replace(op, params=tuple(angles))


def _measurements(model: ir.Model) -> tuple[tuple[ir.Measurement, ...], tuple[int, ...]]:
    """The measurements with var as expval (the shift rule is exact only for quantities linear
    in the state; var = 1 - <P>^2 is not), and the output rows that were var."""
    out, rows, row = [], [], 0
    for m in model.measurements:
        if m.kind == "sample":
            raise ValueError(
                "sample measurements have no gradient (they are random draws); "
                "measure expval, var or probs instead"
            )
        if m.kind == "var":
            rows.append(row)
            m = dataclasses.replace(m, kind="expval")
        out.append(m)
        row += 2 ** len(m.wires) if m.kind == "probs" else 1
    return tuple(out), tuple(rows)


def shifted_program(program: ir.Program) -> ShiftedProgram:
    """Add the hidden parameter ``grad.shift[n_slots]`` and shift every angle that depends on
    a parameter by its own element: evaluating the compiled program with one element set to a
    rule's shift runs that slot's shifted circuit. Op indices (dropout coins) are unchanged."""
    model = program.model
    if model is None:
        raise ValueError(f"{program.filename} defines no model")
    slots: list[Slot] = []
    ops = tuple(_shift_op(op, i, slots) for i, op in enumerate(model.ops))
    measurements, var_rows = _measurements(model)
    params = model.params
    if slots:
        hidden = ir.ParamDecl(SHIFT, (len(slots),), ir.Initializer("zeros", ()))
        params = (*params, hidden)
    shifted = dataclasses.replace(model, ops=ops, params=params, measurements=measurements)
    return ShiftedProgram(dataclasses.replace(program, model=shifted), tuple(slots), var_rows)
