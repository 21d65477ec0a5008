"""Hypothesis strategies for the agreement tests (random .dream models), and native binding.

A generated ``Case`` carries the source text, the values its inputs and parameters are bound to,
and, for the numpy reference, every operation with its angles already evaluated in Python and
every measured output. The source is written independently of dreamlang's IR, so the reference
does not depend on the compiler being right.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import cirq
import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from dreamlang.gates import ALIASES, GATES

__all__ = [
    "ANGLES",
    "SPECIAL_ANGLES",
    "Case",
    "Measured",
    "Op",
    "angle_values",
    "case_from_ops",
    "cases",
    "cirq_resolved",
    "flat_values",
    "number_text",
    "op_text",
    "property_settings",
    "qiskit_bound",
    "render",
]

MAX_QUBITS = 6
MAX_OPS = 40
BOUND = 10 * math.pi
# (source text, value): the angles where conventions usually break (sign, period, 4π periodicity
# of spinors), written the way a user would.
SPECIAL_ANGLES: tuple[tuple[str, float], ...] = (
    ("0", 0.0),
    ("pi / 2", math.pi / 2),
    ("-pi / 2", -math.pi / 2),
    ("pi", math.pi),
    ("-pi", -math.pi),
    ("2 * pi", 2 * math.pi),
    ("4 * pi", 4 * math.pi),
)

Op = tuple[str, tuple[int, ...], tuple[float, ...]]  # gate, wires, bound angles
Measured = tuple[str, tuple[Any, ...]]  # ("expval" | "var", Pauli factors) or ("probs", wires)
Draw = Callable[[st.SearchStrategy[Any]], Any]


def property_settings() -> settings:
    """The active profile's example count, at least 300 on CI; "thorough" (5,000) is honoured
    because its count is already the default once that profile is loaded."""
    examples = settings.default.max_examples
    if os.environ.get("CI"):
        examples = max(300, examples)
    return settings(
        max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )


def angle_values() -> st.SearchStrategy[float]:
    """Numbers in [-10π, 10π], with the special angles forced in often."""
    specials = st.sampled_from([value for _, value in SPECIAL_ANGLES])
    return st.one_of(specials, st.floats(-BOUND, BOUND, allow_nan=False, allow_infinity=False))


ANGLES = angle_values()


@dataclass(frozen=True, eq=False)
class Case:
    """One generated model, bound: what every backend and the reference must agree on."""

    source: str
    num_qubits: int
    ops: tuple[Op, ...]
    measured: tuple[Measured, ...]
    inputs: dict[str, np.ndarray] = field(default_factory=dict)
    params: dict[str, np.ndarray] = field(default_factory=dict)
    calls: bool = False  # some angle applies a math function to an input or a parameter

    def __repr__(self) -> str:
        # Hypothesis prints this for a failing example: the program first, then its bindings.
        bound = {name: value.tolist() for name, value in {**self.inputs, **self.params}.items()}
        return f"Case(bound={bound!r}, source=\n{self.source})"


def number_text(value: float) -> str:
    """A literal that the lexer reads back as exactly ``value`` (a leading '-' is unary)."""
    text = repr(float(value))
    return text if "." in text or "e" in text else text + ".0"


# ---- angles: (source text, value) given the bound arrays ----

Arrays = dict[str, np.ndarray]
_KINDS = ("special", "number", "element", "affine", "call", "diff", "neg")


def _element(draw: Draw, arrays: Arrays) -> tuple[str, float]:
    """One element of an input or parameter: ``w[2]``, ``v[1, 0]``, or a scalar ``t``."""
    name = draw(st.sampled_from(sorted(arrays)))
    array = arrays[name]
    index = tuple(draw(st.integers(0, d - 1)) for d in array.shape)
    text = f"{name}[{', '.join(map(str, index))}]" if index else name
    return text, float(array[index])


def _angle(draw: Draw, arrays: Arrays, functions: bool) -> tuple[str, float]:
    kind = draw(st.sampled_from(_KINDS if functions else tuple(k for k in _KINDS if k != "call")))
    if kind == "special":
        return draw(st.sampled_from(SPECIAL_ANGLES))
    if kind == "number":
        value = draw(ANGLES)
        return number_text(value), value
    a, va = _element(draw, arrays)
    if kind == "element":
        return a, va
    if kind == "affine":
        scale = draw(st.sampled_from((-3, -2, 2, 3)))
        shift = draw(st.floats(0.0, 4.0, allow_nan=False).map(lambda v: round(v, 3)))
        if draw(st.booleans()):
            return f"{scale} * {a} + {number_text(shift)}", scale * va + shift
        return f"{scale} * {a} - {number_text(shift)}", scale * va - shift
    if kind == "neg":
        return f"-{a}", -va
    b, vb = _element(draw, arrays)
    if kind == "diff":
        return f"{a} - {b}", va - vb
    name, func = draw(st.sampled_from((("sin", math.sin), ("cos", math.cos))))
    return f"{name}({a}) * {b}", func(va) * vb


# ---- operations ----

_ALIASES_OF: dict[str, tuple[str, ...]] = {
    name: tuple(sorted(alias for alias, canon in ALIASES.items() if canon == name))
    for name in GATES
}


def _wires_text(wires: Sequence[int], bracket: str) -> str:
    if len(wires) == 1 and bracket == "":
        return str(wires[0])
    inner = ", ".join(map(str, wires))
    return f"({inner})" if bracket == "(" else f"[{inner}]"


def op_text(name: str, wires: Sequence[int], angle_texts: Sequence[str], bracket: str = "[") -> str:
    args = f"({', '.join(angle_texts)})" if angle_texts else ""
    return f"{name}{args} on {_wires_text(wires, bracket)}"


@st.composite
def _ops(draw: Draw, n: int, arrays: Arrays, functions: bool) -> tuple[str, Op]:
    name = draw(st.sampled_from(sorted(g for g, spec in GATES.items() if spec.num_wires <= n)))
    spec = GATES[name]
    wires = tuple(draw(st.permutations(range(n)))[: spec.num_wires])
    angles = [_angle(draw, arrays, functions) for _ in spec.params]
    spelled = draw(st.sampled_from((name, *_ALIASES_OF[name])))
    bracket = draw(st.sampled_from(("", "[", "(")))
    text = op_text(spelled, wires, [t for t, _ in angles], bracket)
    return text, (name, wires, tuple(v for _, v in angles))


@st.composite
def _next_op(draw: Draw, n: int, arrays: Arrays, functions: bool) -> tuple[str, Op] | None:
    """Another operation, or None (1 in 32) to stop. st.lists keeps circuits short (about 5
    ops); this makes long ones common (median about 22), and each op with its 'go on' choice is
    one span that the shrinker can delete from anywhere in the circuit."""
    if draw(st.integers(0, 31)) == 0:
        return None
    return draw(_ops(n, arrays, functions))


# ---- measurements ----


def _word(draw: Draw, n: int, letters: str) -> tuple[str, tuple[tuple[str, int], ...]]:
    wires = draw(st.permutations(range(n)))[: draw(st.integers(1, n))]
    factors = tuple((draw(st.sampled_from(letters)), w) for w in wires)
    text = " ".join(f"{p}{w}" for p, w in factors)
    return text, tuple((p, w) for p, w in factors if p != "I")


def _measurement(draw: Draw, n: int) -> tuple[str, tuple[Measured, ...]]:
    kind = draw(st.sampled_from(("letter", "word", "probs", "var")))
    subset = tuple(draw(st.permutations(range(n)))[: draw(st.integers(1, n))])
    if kind == "letter":
        letter = draw(st.sampled_from("XYZ"))
        on_all = draw(st.booleans())
        wires = tuple(range(n)) if on_all else subset
        where = "on all" if on_all else f"on {_wires_text(wires, '[')}"
        return f"measure expval {letter} {where}", tuple(("expval", ((letter, q),)) for q in wires)
    if kind == "word":
        text, factors = _word(draw, n, "XYZI")
        return f"measure expval {text}", (("expval", factors),)
    if kind == "var":
        text, factors = _word(draw, n, "XYZ")
        return f"measure var {text}", (("var", factors),)
    return f"measure probs on {_wires_text(subset, '[')}", (("probs", subset),)


def _declared(name: str, array: np.ndarray) -> str:
    return f"{name}[{', '.join(map(str, array.shape))}]" if array.shape else name


def render(
    num_qubits: int,
    op_lines: Sequence[str],
    measure_lines: Sequence[str],
    inputs: dict[str, np.ndarray],
    params: dict[str, np.ndarray],
) -> str:
    decls = [f"input {_declared(name, v)}" for name, v in inputs.items()]
    decls += [f"param {_declared(name, v)}" for name, v in params.items()]
    body = [f"qubits {num_qubits}", *decls, *op_lines, *measure_lines]
    return "model m {\n" + "".join(f"    {line}\n" for line in body) + "}\n"


@st.composite
def cases(
    draw: Draw, max_qubits: int = MAX_QUBITS, max_ops: int = MAX_OPS, functions: bool = True
) -> Case:
    """A random model: 1..max_qubits qubits, up to max_ops gates, bound inputs and params;
    ``functions=False``: no angle applies a math function to an input or parameter."""
    n = draw(st.integers(1, max_qubits))
    # A vector and a scalar input ('t' is also a gate: names live apart), a vector and a matrix
    # parameter (row-major flattening), bound to angles like the literals.
    inputs = {
        "x": np.array(draw(st.lists(ANGLES, min_size=1, max_size=3))),
        "t": np.array(draw(ANGLES)),
    }
    params = {
        "w": np.array(draw(st.lists(ANGLES, min_size=1, max_size=4))),
        "v": np.array(draw(st.lists(ANGLES, min_size=4, max_size=4))).reshape(2, 2),
    }
    ops: list[tuple[str, Op]] = []
    while len(ops) < max_ops and (op := draw(_next_op(n, {**inputs, **params}, functions))):
        ops.append(op)
    measures = [_measurement(draw, n) for _ in range(draw(st.integers(1, 3)))]
    source = render(n, [t for t, _ in ops], [t for t, _ in measures], inputs, params)
    measured = tuple(m for _, group in measures for m in group)
    # Only the "call" angles write a '(' right after a function name (gate names are not those).
    calls = any(f"{func}(" in text for text, _ in ops for func in ("sin", "cos"))
    return Case(source, n, tuple(op for _, op in ops), measured, inputs, params, calls)


def case_from_ops(num_qubits: int, ops: Sequence[Op]) -> Case:
    """A fixed case (canaries): constant angles, every wire's Z and the full probabilities."""
    lines = [op_text(name, wires, [number_text(a) for a in angles]) for name, wires, angles in ops]
    measures = ["measure expval Z on all", "measure probs"]
    measured = (
        *(("expval", (("Z", q),)) for q in range(num_qubits)),
        ("probs", tuple(range(num_qubits))),
    )
    source = render(num_qubits, lines, measures, {}, {})
    return Case(source, num_qubits, tuple((n, tuple(w), tuple(a)) for n, w, a in ops), measured)


# ---- binding the native circuits of a compiled model ----


def flat_values(inputs: dict[str, np.ndarray], params: dict[str, np.ndarray]) -> dict[str, float]:
    """'name[flat index]' -> value: the symbol names of Cirq (and of Qiskit vector elements)."""
    return {
        f"{name}[{i}]": float(v)
        for name, array in {**inputs, **params}.items()
        for i, v in enumerate(np.asarray(array, dtype=np.float64).reshape(-1))
    }


def qiskit_bound(circuit: Any, values: dict[str, float]) -> Any:
    """A Qiskit circuit with every ParameterVector element bound (vector name, element index)."""
    binding = {p: values[f"{p.vector.name}[{p.index}]"] for p in circuit.parameters}
    return circuit.assign_parameters(binding)


def cirq_resolved(circuit: Any, values: dict[str, float]) -> Any:
    """A Cirq circuit with every sympy symbol resolved."""
    return cirq.resolve_parameters(circuit, cirq.ParamResolver(values))
