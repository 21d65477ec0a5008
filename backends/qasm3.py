"""The OpenQASM 3 target: stdgates.inc circuits, float inputs, channels and dropout annotated."""

from __future__ import annotations

import math
import operator
import re
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from dreamlang import ir
from dreamlang.gates import CHANNELS, GATES

from . import Backend, Capabilities, require_model, unsupported
from ._runtime import _dropout_mask
from .exprs import NUMPY_FUNCTIONS, epoch_value, to_source
from .plan import Plan, PlannedOp, dropout_probabilities, make_plan
from .pymodule import Runner

__all__ = [
    "GATE_DEFINITIONS",
    "LOWERING",
    "RESERVED",
    "QASM3Backend",
    "emit_qasm",
    "plan_qasm",
    "qasm3_names",
]

HEADER = ("OPENQASM 3.0;", 'include "stdgates.inc";')

# One native statement: (gate name, its angles, positions of the wires). An angle is the
# position of a dreamlang angle, or a constant written as OpenQASM source (e.g. "pi / 2").
Step = tuple[str, tuple[int | str, ...], tuple[int, ...]]
# One input or parameter element: (source name, index).
Key = tuple[str, tuple[int, ...]]

_NATIVE = {"i": "id", "phase": "p", "cnot": "cx", "cphase": "cp"}


def _lowering() -> dict[str, tuple[Step, ...]]:
    table: dict[str, tuple[Step, ...]] = {
        name: (
            (_NATIVE.get(name, name), tuple(range(len(spec.params))), tuple(range(spec.num_wires))),
        )
        for name, spec in GATES.items()
    }
    # rot(φ, θ, ω) = RZ(ω)·RY(θ)·RZ(φ); u3(θ, φ, λ) = P(φ)·RY(θ)·P(λ): both exact, no phase.
    # stdgates' own u3 is not used: the spec gives it a global phase that Qiskit's loader drops.
    table["rot"] = (("rz", (0,), (0,)), ("ry", (1,), (0,)), ("rz", (2,), (0,)))
    table["u3"] = (("p", (2,), (0,)), ("ry", (0,), (0,)), ("p", (1,), (0,)))
    # rxx/ryy/rzz are written out at each use with stdgates only, not as parametric 'gate'
    # definitions: Qiskit's importer fails to load a call of a defined gate whose symbolic
    # angle cancels to zero (e.g. rzz(t - t)). Basis change, cx, rz(θ), cx, undo: exact.
    zz = (("cx", (), (0, 1)), ("rz", (0,), (1,)), ("cx", (), (0, 1)))
    hh = (("h", (), (0,)), ("h", (), (1,)))
    plus = (("rx", ("pi / 2",), (0,)), ("rx", ("pi / 2",), (1,)))
    minus = (("rx", ("-pi / 2",), (0,)), ("rx", ("-pi / 2",), (1,)))
    table["rzz"] = zz
    table["rxx"] = (*hh, *zz, *hh)
    table["ryy"] = (*plus, *zz, *minus)
    return table


# The single lowering table: emitted text and the in-memory runner both come from it.
LOWERING: dict[str, tuple[Step, ...]] = _lowering()

# Gates without angles that stdgates.inc lacks, each decomposed with exactly its matrix (no
# global phase is dropped, so no gphase is needed): H·S†·H = SX†, and Qiskit's iSWAP.
GATE_DEFINITIONS: dict[str, str] = {
    "sxdg": "gate sxdg a { h a; sdg a; h a; }",
    "iswap": "gate iswap a, b { s a; s b; h a; cx a, b; cx b, a; h b; }",
}

# Words an input name must not be: OpenQASM 3 keywords, types, constants, built-in functions,
# every stdgates.inc gate, our gate definitions and their local names, and our registers.
RESERVED = frozenset(
    """
    OPENQASM include defcalgrammar def cal defcal gate extern box let break continue if else end
    return for while in switch case default nop pragma input output const readonly mutable qreg
    qubit creg bool bit int uint float angle complex array void duration stretch gphase inv pow
    ctrl negctrl dim durationof delay reset measure barrier true false im pi tau euler sizeof
    dt ns us ms arccos arcsin arctan ceiling cos exp floor log mod popcount rotl rotr sin sqrt
    tan real imag U CX p x y z h s sdg t tdg sx rx ry rz cx cy cz cp crx cry crz ch swap ccx
    cswap cu phase cphase id u1 u2 u3 sxdg iswap rxx ryy rzz theta a b q c
    """.split()
)

_ASCII_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
}
# x ** n for these n is written as a product: Qiskit's loader has no '**' operator.
_EXPANDED_POWERS = (0.0, 1.0, 2.0, 3.0, 4.0)


class QASM3Backend(Backend):
    """OpenQASM 3 text; no third-party library is needed to emit it."""

    name = "qasm3"
    suffix = ".qasm"
    capabilities = Capabilities(channels=True, dropout=True)

    def emit(self, program: ir.Program) -> str:
        return emit_qasm(program)

    def emit_qasm(
        self,
        program: ir.Program,
        *,
        bind: Mapping[str, Any] | None = None,
        epoch: int = 0,
        measure: bool = False,
        sample: tuple[int, int] | None = None,
    ) -> str:
        return emit_qasm(program, bind=bind, epoch=epoch, measure=measure, sample=sample)

    def runner(self, plan: Plan) -> Runner:
        from .qasm3_runner import QASM3Runner

        return QASM3Runner(plan)


def emit_qasm(
    program: ir.Program,
    *,
    bind: Mapping[str, Any] | None = None,
    epoch: int = 0,
    measure: bool = False,
    sample: tuple[int, int] | None = None,
) -> str:
    """The model as OpenQASM 3 (see docs/qasm3.md).

    Without ``bind``, every input and circuit parameter element is an ``input float[64]``;
    with ``bind`` (name -> array of the declared shape), they are replaced by numbers.
    Channel strengths and dropout probabilities are evaluated at ``epoch``. ``measure``
    appends a computational-basis measurement of every qubit into ``bit[n] c``. ``sample``
    = (seed, step) writes one concrete training circuit: the gates that dropout drops at
    (seed, epoch, step) are left out, as forward(training=True) leaves them out.
    """
    plan = make_plan(require_model(program))
    if sample is None:
        return plan_qasm(plan, bind=bind, epoch=epoch, measure=measure)
    seed, step = sample
    dropped: frozenset[int] = frozenset()
    if plan.dropout:
        probs, layer_probs = dropout_probabilities(plan, epoch)
        dropped = _dropout_mask(plan.dropout, probs, layer_probs, (seed, epoch, step))
    text = plan_qasm(plan, bind=bind, epoch=epoch, dropped=dropped, measure=measure, sampled=True)
    # A comment, not a pragma: Qiskit's importer rejects pragmas.
    mark = f"// dreamlang.sample seed={int(seed)} epoch={int(epoch)} step={int(step)}\n"
    return text.replace("\nqubit[", "\n" + mark + "qubit[", 1)


def plan_qasm(
    plan: Plan,
    *,
    bind: Mapping[str, Any] | None = None,
    epoch: int = 0,
    dropped: frozenset[int] = frozenset(),
    measure: bool = False,
    sampled: bool = False,
) -> str:
    """OpenQASM 3 text of a plan; ops whose index is in ``dropped`` are left out, and with
    ``sampled`` (dropout already applied) the kept gates carry no dropout annotation."""
    names = qasm3_names(plan)
    symbols = {source: name for name, source in names.items()}
    values = None if bind is None else _bound(plan, bind)
    lines = list(HEADER)
    natives = {step[0] for p in plan.ops if not p.is_channel for step in _steps(p)}
    lines += [text for gate, text in GATE_DEFINITIONS.items() if gate in natives]
    if values is None:
        lines += [f"input float[64] {name};" for name in names]
    lines.append(f"qubit[{plan.num_qubits}] q;")
    if measure:
        lines.append(f"bit[{plan.num_qubits}] c;")
    coins = _coins(plan)
    for p in plan.ops:
        if p.index not in dropped:
            lines += _op_lines(p, symbols, values, coins, epoch, sampled)
    if measure:
        lines.append("c = measure q;")
    return "\n".join(lines) + "\n"


# ---- names ----


def qasm3_names(plan: Plan) -> dict[str, Key]:
    """OpenQASM name -> (source name, index) of every input element and circuit parameter
    element, in declaration order, row-major.

    ``x[1, 2]`` is ``x_1_2`` and a scalar ``s`` is ``s``. A declaration whose name is not
    ASCII, or whose element names would be reserved or collide with another declaration's,
    is renamed as a whole by position: the k-th input ``in{k}_{flat}``, the k-th parameter
    (counting every declared parameter) ``pa{k}_{flat}``.
    """
    decls = [("in", k, name, shape) for k, (name, shape) in enumerate(plan.inputs.items())]
    position = {name: k for k, name in enumerate(plan.params)}
    decls += [("pa", position[name], name, plan.params[name]) for name in plan.circuit_params]
    readable = [_readable(name, shape) for _, _, name, shape in decls]
    mangled = [names is None or any(n in RESERVED for n in names) for names in readable]
    while True:  # each pass renames at least one more declaration, or stops
        rows = [_elements(d, m, r) for d, m, r in zip(decls, mangled, readable)]
        counts = Counter(name for row in rows for name, _ in row)
        clashes = [not m and any(counts[n] > 1 for n, _ in row) for m, row in zip(mangled, rows)]
        if not any(clashes):
            break
        mangled = [m or c for m, c in zip(mangled, clashes)]
    return {name: (decl[2], index) for decl, row in zip(decls, rows) for name, index in row}


def _readable(name: str, shape: tuple[int, ...]) -> list[str] | None:
    if not _ASCII_NAME.match(name):
        return None
    return [name + "".join(f"_{i}" for i in index) for index in np.ndindex(*shape)]


def _elements(
    decl: tuple[str, int, str, tuple[int, ...]], mangled: bool, readable: list[str] | None
) -> list[tuple[str, tuple[int, ...]]]:
    prefix, k, _, shape = decl
    indices = [tuple(int(i) for i in index) for index in np.ndindex(*shape)]
    if mangled or readable is None:
        return [(f"{prefix}{k}_{flat}", index) for flat, index in enumerate(indices)]
    return list(zip(readable, indices))


def _bound(plan: Plan, bind: Mapping[str, Any]) -> dict[Key, float]:
    """(source name, index) -> value of every input and circuit parameter element."""
    values: dict[Key, float] = {}
    wanted = [*plan.inputs, *plan.circuit_params]
    for name in wanted:
        shape = plan.inputs.get(name, plan.params.get(name))
        if name not in bind:
            raise ValueError(f"bind has no value for {name!r}")
        array = np.asarray(bind[name], dtype=np.float64)
        if array.shape != shape:
            raise ValueError(f"bind value of {name!r} has shape {array.shape}, expected {shape}")
        for index in np.ndindex(*array.shape):
            values[(name, tuple(int(i) for i in index))] = float(array[index])
    return values


# ---- operations ----


def _steps(p: PlannedOp) -> tuple[Step, ...]:
    steps = LOWERING.get(p.op.name)
    if steps is None:
        unsupported(p.op, f"the qasm3 target has no lowering for operation {p.op.name!r}")
    return steps


def _op_lines(
    p: PlannedOp,
    symbols: dict[Key, str],
    values: dict[Key, float] | None,
    coins: dict[int, tuple[int, int | None]],
    epoch: int,
    sampled: bool = False,
) -> list[str]:
    op = p.op
    if p.is_channel:
        return [_noise_annotation(p, epoch), f"barrier q[{op.wires[0]}];"]
    notes = [_dropout_annotation(p, coins, epoch)] if p.droppable and not sampled else []
    angles = [_angle(expr, symbols, values, op) for expr in op.params]
    lines: list[str] = []
    for gate, params, wires in _steps(p):
        texts = [a if isinstance(a, str) else angles[a] for a in params]
        args = "(" + ", ".join(texts) + ")" if params else ""
        qubits = ", ".join(f"q[{op.wires[w]}]" for w in wires)
        lines += notes
        lines.append(f"{gate}{args} {qubits};")
    return lines


def _noise_annotation(p: PlannedOp, epoch: int) -> str:
    spec = CHANNELS.get(p.op.name)
    if spec is None:
        unsupported(p.op, f"the qasm3 target has no channel named {p.op.name!r}")
    pairs = zip(spec.params, p.op.params)
    values = " ".join(f"{key}={_value(expr, epoch, p.op)}" for key, expr in pairs)
    if spec.variadic:  # kraus: its operator count, then all 8 * k numbers in IR order
        numbers = ",".join(_value(expr, epoch, p.op) for expr in p.op.params)
        values = f"k={len(p.op.params) // 8} ops={numbers}"
    mode = "training" if p.training_only else "always"
    return f"@dreamlang.noise op={p.index} channel={spec.name} {values} mode={mode}"


def _dropout_annotation(p: PlannedOp, coins: dict[int, tuple[int, int | None]], epoch: int) -> str:
    tag = p.op.tags.dropout
    assert tag is not None
    coin, layer_coin = coins[p.index]
    text = f"@dreamlang.dropout op={p.index} coin={coin} p={_value(tag.p, epoch, p.op)}"
    if layer_coin is not None and tag.p_layer is not None:
        p_layer = _value(tag.p_layer, epoch, p.op)
        text += f" layer_coin={layer_coin} p_layer={p_layer}"
    return text


def _coins(plan: Plan) -> dict[int, tuple[int, int | None]]:
    """Op index -> (coin number, layer coin number), numbered in the order the runtime draws
    the coins; the numbers stand for the coin keys, which may hold user group names."""
    numbers: dict[tuple[str, str], int] = {}
    for _, coin, layer in plan.dropout:
        for key in (("layer", layer), ("gate", coin)):
            if key[1] is not None and key not in numbers:
                numbers[(key[0], key[1])] = len(numbers)
    return {
        index: (numbers[("gate", coin)], None if layer is None else numbers[("layer", layer)])
        for index, coin, layer in plan.dropout
    }


def _value(expr: ir.Expr, epoch: int, op: ir.Operation) -> str:
    """A channel strength or dropout probability at ``epoch``, as an exact literal."""

    value = epoch_value(expr, epoch)
    if not math.isfinite(value):
        unsupported(op, "a channel or dropout value of this operation is not finite")
    return repr(value)


# ---- angles ----


class _NonFinite(Exception):
    pass


def _angle(
    expr: ir.Expr,
    symbols: dict[Key, str],
    values: dict[Key, float] | None,
    op: ir.Operation,
) -> str:
    """An angle in OpenQASM syntax: constant parts folded to one exact literal each."""
    try:
        folded = _fold(expr, values)
    except _NonFinite:
        unsupported(op, "an angle of this operation is not a finite real number")
    if isinstance(folded, float):
        return repr(folded)
    return to_source(folded, lambda ref: symbols[(ref.name, ref.index)], lambda f, a: f"{f}({a})")


def _fold(expr: ir.Expr, values: dict[Key, float] | None) -> float | ir.Expr:
    """``expr`` with every symbol-free subtree (all of it, when bound) computed to a float."""
    if isinstance(expr, ir.Num):
        return _finite(expr.value)
    if isinstance(expr, ir.InputRef | ir.ParamRef):
        return expr if values is None else _finite(values[(expr.name, expr.index)])
    if isinstance(expr, ir.Neg):
        inner = _fold(expr.operand, values)
        return -inner if isinstance(inner, float) else ir.Neg(inner)
    if isinstance(expr, ir.Call):
        arg = _fold(expr.arg, values)
        if isinstance(arg, float):
            with np.errstate(all="ignore"):
                return _finite(NUMPY_FUNCTIONS[expr.func](np.float64(arg)))
        return ir.Call(expr.func, arg)
    if isinstance(expr, ir.Binary):
        left, right = _fold(expr.left, values), _fold(expr.right, values)
        if isinstance(left, float) and isinstance(right, float):
            with np.errstate(all="ignore"):
                return _finite(_BINARY[expr.op](np.float64(left), np.float64(right)))
        if expr.op == "**" and isinstance(right, float) and right in _EXPANDED_POWERS:
            return _power(left, int(right))
        return ir.Binary(expr.op, _expr(left), _expr(right))
    raise ValueError("a schedule cannot appear in a gate angle")


def _power(base: float | ir.Expr, n: int) -> float | ir.Expr:
    if n == 0:
        return 1.0
    product = base
    for _ in range(n - 1):
        product = ir.Binary("*", _expr(product), _expr(base))
    return product


def _expr(value: float | ir.Expr) -> ir.Expr:
    return ir.Num(value) if isinstance(value, float) else value


def _finite(value: Any) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise _NonFinite
    return number
