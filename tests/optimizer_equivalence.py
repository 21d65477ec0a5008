"""Random models for the optimizer's property tests, and the check that two models agree.

``models()`` draws small models rich in what the rules look for (inverse pairs, same-axis
rotations, angles at multiples of pi, channels in a row, dropout tags, unmeasured wires).
``assert_equivalent`` compares two models on the real simulators (Cirq): the unitary up to global
phase when both are pure and ``whole`` is set, and always every measurement in eval mode, in
training mode and in exact-mode dropout, at 1e-9.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import strategies as st

import dreamlang
from dreamlang import ir
from dreamlang.optimizer.common import is_channel

__all__ = ["assert_equivalent", "models", "program_of"]

PARAMS = 6
_W = [ir.ParamRef("w", (i,)) for i in range(PARAMS)]
_ONE_WIRE = ("h", "x", "y", "z", "s", "sdg", "t", "tdg", "sx", "sxdg", "i")
_ROTATIONS = ("rx", "ry", "rz", "phase")
_TWO_WIRE = ("cnot", "cz", "swap", "cy", "ch", "iswap")
_TWO_ROTATIONS = ("crx", "cry", "crz", "rxx", "ryy", "rzz", "cphase")
_INVERSE = {"s": "sdg", "sdg": "s", "t": "tdg", "tdg": "t", "sx": "sxdg", "sxdg": "sx"}
_CHANNELS = {
    "depolarizing": 1,
    "bit_flip": 1,
    "phase_flip": 1,
    "amplitude_damping": 1,
    "phase_damping": 1,
    "pauli_channel": 3,
}


@st.composite
def _angle(draw: Any) -> ir.Expr:
    kind = draw(st.sampled_from(["param", "param", "pi", "num", "sum", "neg"]))
    if kind == "param":
        return draw(st.sampled_from(_W))
    if kind == "pi":
        return ir.Num(draw(st.integers(-8, 8)) * math.pi / 2)
    if kind == "num":
        return ir.Num(draw(st.floats(-4, 4, allow_nan=False)))
    if kind == "neg":
        return ir.Neg(draw(st.sampled_from(_W)))
    return ir.Binary("+", draw(st.sampled_from(_W)), ir.Num(draw(st.sampled_from([0.0, 1.5]))))


def _tags(draw: Any, layer: int) -> ir.Tags:
    choice = draw(st.sampled_from(["none", "none", "none", "own", "group", "layer"]))
    if choice == "none":
        return ir.Tags(layer=layer)
    p = ir.Num(draw(st.sampled_from([0.0, 0.25, 0.5, 1.0])))
    group = {"own": None, "group": "g", "layer": f"d0:layer{layer}"}[choice]
    return ir.Tags(layer=layer, dropout=ir.DropoutTag("all", p, None, group, 0))


@st.composite
def _op(draw: Any, n: int, layer: int) -> ir.Operation:
    kind = draw(st.sampled_from(["one", "rot", "rot", "two", "two_rot", "channel"]))
    wires = draw(st.permutations(range(n)))
    if kind == "channel":
        name = draw(st.sampled_from(sorted(_CHANNELS)))
        values = [draw(st.sampled_from([0.05, 0.1, 0.2])) for _ in range(_CHANNELS[name])]
        noise = ir.NoiseTag("gate", draw(st.sampled_from(["always", "training"])), 0)
        tags = ir.Tags(layer=layer, role="channel", noise=noise)
        return ir.Operation(name, (wires[0],), tuple(ir.Num(v) for v in values), tags)
    if (kind in ("two", "two_rot")) and n < 2:
        kind = "rot"
    if kind == "one":
        return ir.Operation(draw(st.sampled_from(_ONE_WIRE)), (wires[0],), (), _tags(draw, layer))
    if kind == "rot":
        name = draw(st.sampled_from(_ROTATIONS))
        return ir.Operation(name, (wires[0],), (draw(_angle()),), _tags(draw, layer))
    if kind == "two":
        name = draw(st.sampled_from(_TWO_WIRE))
        return ir.Operation(name, (wires[0], wires[1]), (), _tags(draw, layer))
    name = draw(st.sampled_from(_TWO_ROTATIONS))
    return ir.Operation(name, (wires[0], wires[1]), (draw(_angle()),), _tags(draw, layer))


def _inverse(op: ir.Operation) -> ir.Operation:
    """The inverse of a gate (or the gate itself for a channel), as the rules should see it."""
    if op.name in _INVERSE:
        return ir.Operation(_INVERSE[op.name], op.wires, (), op.tags)
    if op.params and op.name not in _CHANNELS:
        return ir.Operation(op.name, op.wires, tuple(ir.Neg(p) for p in op.params), op.tags)
    return op


@st.composite
def models(draw: Any, max_qubits: int = 3, max_ops: int = 14) -> ir.Program:
    n = draw(st.integers(1, max_qubits))
    ops: list[ir.Operation] = []
    for _ in range(draw(st.integers(0, max_ops))):
        op = draw(_op(n, draw(st.integers(0, 1))))
        ops.append(op)
        follow = draw(st.sampled_from(["none", "none", "same", "inverse"]))
        if follow == "same":
            ops.append(op)
        elif follow == "inverse":
            ops.append(_inverse(op))
    measured = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
    measurements = [ir.Measurement("expval", ir.PauliTerm((("Z", w),)), (w,)) for w in measured]
    if draw(st.booleans()):
        measurements.append(ir.Measurement("probs", None, tuple(measured)))
    if n > 1 and draw(st.booleans()):
        measurements.append(
            ir.Measurement(
                "expval", ir.PauliTerm((("X", measured[0]), ("Y", (measured[0] + 1) % n))), ()
            )
        )
    model = ir.Model(
        "random",
        n,
        (),
        (ir.ParamDecl("w", (PARAMS,), ir.Initializer("uniform", (-3.0, 3.0))),),
        tuple(ops),
        tuple(measurements),
        (),
        num_layers=2,
    )
    return ir.Program(model)


def _has_mixing(model: ir.Model) -> bool:
    return any(op.tags.dropout is not None or is_channel(op) for op in model.ops)


def assert_equivalent(before: ir.Program, after: ir.Program, *, whole: bool = True) -> None:
    """The two programs compute the same thing (see the module docstring)."""
    assert before.model is not None and after.model is not None
    a = dreamlang.compile(before, target="cirq", optimize=0)
    b = dreamlang.compile(after, target="cirq", optimize=0)
    params = a.init_params(7)
    for training in (False, True):
        for mode in ("sampled", "exact"):
            if mode == "sampled" and training:
                continue  # masks are keyed by op index, which the rules may change
            want = a.expectations({}, params, training=training, mode=mode, seed=3)
            got = b.expectations({}, params, training=training, mode=mode, seed=3)
            np.testing.assert_allclose(got, want, atol=1e-9, err_msg=f"{training=} {mode=}")
    if whole and not _has_mixing(before.model) and not _has_mixing(after.model):
        u_a, u_b = _unitary(a, params), _unitary(b, params)
        inner = np.vdot(u_b, u_a)  # tr(U_b^dagger U_a)
        phase = inner / abs(inner) if abs(inner) > 1e-12 else 1.0
        np.testing.assert_allclose(u_a, phase * u_b, atol=1e-9, err_msg="unitaries differ")


def _unitary(model: Any, params: dict[str, Any]) -> np.ndarray:
    """The whole circuit's unitary, symbols resolved to ``params``, wire 0 most significant."""
    import cirq

    circuit = model.build_circuit()
    values = {f"w[{i}]": float(v) for i, v in enumerate(np.ravel(params["w"]))}
    resolved = cirq.resolve_parameters(circuit, values)
    qubits = cirq.LineQubit.range(model._plan.num_qubits)
    return np.asarray(resolved.unitary(qubit_order=qubits, dtype=np.complex128))


def program_of(*ops: ir.Operation, qubits: int = 3) -> ir.Program:
    """A model of ``ops`` on ``qubits`` wires, measuring Z on each, with parameters w[4]."""
    measure = [ir.Measurement("expval", ir.PauliTerm((("Z", q),)), (q,)) for q in range(qubits)]
    params = (ir.ParamDecl("w", (4,), ir.Initializer("uniform", (-3.0, 3.0))),)
    model = ir.Model("m", qubits, (), params, ops, tuple(measure), (), num_layers=2)
    return ir.Program(model)
