"""phase_polynomial: exact (global phase included) on random cnot-phase circuits, never more
cnots, and Qiskit's ZZ feature map with far fewer cnots; GraySynth's steps checked by simulation."""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dreamlang
from dreamlang import ir
from dreamlang.optimizer.parity_synthesis import graysynth, linear_steps
from dreamlang.optimizer.phase_polynomial import regions, rule

from .optimizer_equivalence import assert_equivalent, program_of

EXAMPLES = 300 if os.environ.get("CI") else 60
_W = [ir.ParamRef("w", (i,)) for i in range(4)]
_DIAGONAL = ("rz", "phase", "z", "s", "sdg", "t", "tdg")
_DROP = ir.DropoutTag("all", ir.Num(0.25), None, None, 0)


@st.composite
def _gate(draw: Any, n: int, blockers: bool) -> ir.Operation:
    kinds = ["cnot", "cnot", "diag", "diag"] + (["block", "drop", "channel"] if blockers else [])
    kind = draw(st.sampled_from(kinds))
    wires = draw(st.permutations(range(n)))
    if kind == "cnot":
        return ir.Operation("cnot", (wires[0], wires[1]))
    if kind == "block":
        return ir.Operation(draw(st.sampled_from(["h", "x", "sx"])), (wires[0],))
    if kind == "channel":
        noise = ir.NoiseTag("gate", "always", 0)
        tags = ir.Tags(role="channel", noise=noise)
        return ir.Operation("depolarizing", (wires[0],), (ir.Num(0.1),), tags)
    name = draw(st.sampled_from(_DIAGONAL))
    params: tuple[ir.Expr, ...] = ()
    if name in ("rz", "phase"):
        params = (draw(st.sampled_from([*_W, ir.Num(0.7), ir.Neg(_W[0])])),)
    tags = ir.Tags(dropout=_DROP) if kind == "drop" else ir.Tags()
    return ir.Operation(name, (wires[0],), params, tags)


@st.composite
def circuits(draw: Any, blockers: bool = False) -> ir.Program:
    n = draw(st.integers(2, 5))
    ops = draw(st.lists(_gate(n, blockers), min_size=2, max_size=30))
    return program_of(*ops, qubits=n)


def _unitary(program: ir.Program, params: dict[str, Any]) -> np.ndarray:
    """The exact unitary (no phase alignment), wire 0 most significant, through Cirq."""
    import cirq

    assert program.model is not None
    model = dreamlang.compile(program, target="cirq", optimize=0)
    values = {f"w[{i}]": float(v) for i, v in enumerate(np.ravel(params["w"]))}
    circuit = cirq.resolve_parameters(model.build_circuit(), values)
    qubits = cirq.LineQubit.range(program.model.num_qubits)
    return np.asarray(circuit.unitary(qubit_order=qubits, dtype=np.complex128))


def _cnots(program: ir.Program) -> int:
    assert program.model is not None
    return sum(1 for op in program.model.ops if op.name == "cnot")


@settings(max_examples=EXAMPLES, deadline=None)
@given(program=circuits())
def test_exact_with_global_phase_and_never_more_cnots(program: ir.Program) -> None:
    result = rule(program)
    assert _cnots(result) <= _cnots(program)
    assert result.model is not None and program.model is not None
    assert len(result.model.ops) <= len(program.model.ops)
    assert rule(result) == result
    params = {"w": np.array([0.3, -1.1, 2.5, 0.9])}
    np.testing.assert_allclose(_unitary(result, params), _unitary(program, params), atol=1e-9)


@settings(max_examples=EXAMPLES // 3, deadline=None)
@given(program=circuits(blockers=True))
def test_channels_and_dropout_block_and_measurements_agree(program: ir.Program) -> None:
    result = rule(program)
    assert _cnots(result) <= _cnots(program)
    assert rule(result) == result
    assert_equivalent(program, result)
    assert program.model is not None and result.model is not None
    kept = [op for op in program.model.ops if op.tags.dropout is not None or op.tags.noise]
    assert kept == [op for op in result.model.ops if op.tags.dropout is not None or op.tags.noise]


def test_regions_stop_at_gates_that_cannot_join() -> None:
    cx = ir.Operation("cnot", (0, 1))
    ops = [cx, ir.Operation("h", (1,)), ir.Operation("rz", (0,), (_W[0],)), cx]
    region = regions(ops)
    assert region is not None
    assert region.members == (0, 2) and region.skipped == (1,)


def _zz_source(n: int, reps: int) -> str:
    return (
        'import "std/feature_maps.dream"\n'
        f"model zz {{\n qubits {n}\n param w[{n}]\n"
        f" zz_feature_map(w, reps={reps}, entanglement=full) on all\n"
        " measure expval Z on 0\n}\n"
    )


def test_zz_feature_map_needs_far_fewer_cnots_and_matches_qiskit() -> None:
    from qiskit.circuit.library import zz_feature_map
    from qiskit.quantum_info import Operator

    n, reps = 5, 2
    program = dreamlang.parse(_zz_source(n, reps))
    result = rule(program)
    # Naive lowering: 2 cnots per pair per repetition; Gray-code order shares them.
    assert _cnots(program) == 2 * math.comb(n, 2) * reps
    assert _cnots(result) <= 0.7 * _cnots(program)
    x = np.linspace(0.1, 1.3, n)
    ours = _unitary(result, {"w": x})
    np.testing.assert_allclose(ours, _unitary(program, {"w": x}), atol=1e-9)
    peer = zz_feature_map(n, reps=reps, entanglement="full")
    bound = peer.assign_parameters(dict(zip(peer.parameters, x, strict=True)))
    expected = Operator(bound).reverse_qargs().data
    phase = np.vdot(ours, expected) / abs(np.vdot(ours, expected))
    np.testing.assert_allclose(phase * ours, expected, atol=1e-9)


@pytest.mark.parametrize("seed", range(40))
def test_graysynth_applies_every_term_on_its_parity_and_ends_on_the_map(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 7))
    parities = [int(p) for p in rng.integers(1, 1 << n, size=int(rng.integers(1, 16)))]
    final = _random_invertible(n, rng)
    state, seen = [1 << i for i in range(n)], []
    for kind, a, b in graysynth(n, parities, final):
        if kind == "cx":
            state[b] ^= state[a]
        else:
            assert state[b] == parities[a]
            seen.append(a)
    assert sorted(seen) == list(range(len(parities)))
    assert state == final


def test_linear_steps_reach_the_target() -> None:
    rng = np.random.default_rng(5)
    for _ in range(30):
        n = int(rng.integers(1, 8))
        start, target = _random_invertible(n, rng), _random_invertible(n, rng)
        state = list(start)
        for _kind, control, target_wire in linear_steps(start, target):
            state[target_wire] ^= state[control]
        assert state == target


def _random_invertible(n: int, rng: np.random.Generator) -> list[int]:
    rows = [1 << i for i in range(n)]
    for _ in range(3 * n):
        a, b = (int(v) for v in rng.choice(n, size=2, replace=False)) if n > 1 else (0, 0)
        if a != b:
            rows[b] ^= rows[a]
    return rows
