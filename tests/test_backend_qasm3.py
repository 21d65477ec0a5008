"""The OpenQASM 3 target: loads in openqasm3 and Qiskit, exact matrices, names, annotations."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import openqasm3
import pytest
import qiskit.qasm3
from hypothesis import assume, given
from hypothesis import strategies as st
from openqasm3 import ast
from qiskit import QuantumCircuit
from qiskit.circuit import library as lib
from qiskit.quantum_info import Operator, Statevector

import dreamlang
from dreamlang import ir
from dreamlang.backends import get_backend
from dreamlang.backends.exprs import evaluate
from dreamlang.backends.plan import make_plan
from dreamlang.backends.qasm3 import (
    LOWERING,
    RESERVED,
    QASM3Backend,
    emit_qasm,
    qasm3_names,
)
from dreamlang.diagnostics import DreamError
from dreamlang.gates import GATES
from tests.peer_gates import QISKIT_GATES

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((REPO / "examples").glob("*.dream"))
NUMPY = {f: getattr(np, f) for f in ("sin", "cos", "tan", "exp", "log", "sqrt")}
NUMPY |= {f: getattr(np, f) for f in ("arcsin", "arccos", "arctan")}
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
SPECIAL = (0.0, math.pi / 2, -math.pi / 2, math.pi, -math.pi, 2 * math.pi, 4 * math.pi)


def _u_rot(phi: float, theta: float, omega: float) -> QuantumCircuit:
    # rot(φ, θ, ω) = e^{-i(φ+ω)/2} U(θ, ω, φ): Qiskit's U gate, phase written out.
    circuit = QuantumCircuit(1, global_phase=-(phi + omega) / 2)
    circuit.append(lib.UGate(theta, omega, phi), [0])
    return circuit


# Qiskit's own gate classes: the reference every emitted gate must equal, phase included.
REFERENCE: dict[str, Any] = {**QISKIT_GATES, "rot": lambda *a: _u_rot(*a).to_gate()}


# ---- helpers ----


def program(
    ops: list[ir.Operation],
    num_qubits: int,
    inputs: tuple[tuple[str, tuple[int, ...]], ...] = (),
    params: tuple[tuple[str, tuple[int, ...]], ...] = (),
) -> ir.Program:
    init = ir.Initializer("uniform", (-math.pi, math.pi))
    model = ir.Model(
        name="t",
        num_qubits=num_qubits,
        inputs=tuple(ir.InputDecl(n, s) for n, s in inputs),
        params=tuple(ir.ParamDecl(n, s, init) for n, s in params),
        ops=tuple(ops),
        measurements=(ir.Measurement("expval", ir.PauliTerm((("Z", 0),)), (0,)),),
        head=(),
    )
    return ir.Program(model)


def random_values(prog: ir.Program, seed: int) -> dict[str, np.ndarray]:
    assert prog.model is not None
    rng = np.random.default_rng(seed)
    decls = [*prog.model.inputs, *prog.model.params]
    return {d.name: rng.uniform(-math.pi, math.pi, size=d.shape) for d in decls}


def load_bound(text: str, prog: ir.Program, values: dict[str, np.ndarray]) -> QuantumCircuit:
    """qiskit.qasm3.loads of symbolic text, its inputs bound through qasm3_names."""
    assert prog.model is not None
    names = qasm3_names(make_plan(prog.model))
    circuit = qiskit.qasm3.loads(text)
    binding = {}
    for parameter in circuit.parameters:
        source, index = names[parameter.name]
        binding[parameter] = float(values[source][index])
    return circuit.assign_parameters(binding)


def qiskit_target(prog: ir.Program, values: dict[str, np.ndarray]) -> QuantumCircuit:
    """The circuit of the qiskit target, its ParameterVectors bound."""
    circuit = dreamlang.compile(prog, target="qiskit").circuit
    binding = {p: float(np.ravel(values[p.vector.name])[p.index]) for p in circuit.parameters}
    return circuit.assign_parameters(binding)


def reference(prog: ir.Program, values: dict[str, np.ndarray]) -> QuantumCircuit:
    """The program built from Qiskit's gate classes, angles evaluated with numpy."""
    assert prog.model is not None
    circuit = QuantumCircuit(prog.model.num_qubits)

    def symbol(ref: ir.InputRef | ir.ParamRef) -> float:
        return float(values[ref.name][ref.index])

    for op in prog.model.ops:
        angles = [float(evaluate(e, symbol, NUMPY)) for e in op.params]
        circuit.append(REFERENCE[op.name](*angles), list(op.wires))
    return circuit


def small_angles(prog: ir.Program, values: dict[str, np.ndarray]) -> bool:
    """Angles within a few hundred radians: beyond, sin and cos of a sum and of its parts
    differ by more than 1e-10 from rounding alone (|θ| * 2**-52), whichever library computes."""
    assert prog.model is not None

    def symbol(ref: ir.InputRef | ir.ParamRef) -> float:
        return float(values[ref.name][ref.index])

    return all(
        abs(float(evaluate(e, symbol, NUMPY))) <= 300 for op in prog.model.ops for e in op.params
    )


def assert_same_operator(a: QuantumCircuit, b: QuantumCircuit) -> None:
    # .data, not .equiv: the global phase must agree too.
    np.testing.assert_allclose(Operator(a).data, Operator(b).data, rtol=0, atol=1e-10)


def has_function_of_inputs(text: str) -> bool:
    """Whether an angle applies a math function to an input, which qiskit.qasm3.loads rejects."""
    return re.search(r"\b(sin|cos|tan|exp|log|sqrt|arcsin|arccos|arctan)\(", text) is not None


def parse_both(text: str) -> QuantumCircuit:
    openqasm3.parse(text)
    return qiskit.qasm3.loads(text)


def gate_program(name: str, wires: tuple[int, ...], num_qubits: int) -> ir.Program:
    spec = GATES[name]
    angles = tuple(ir.ParamRef("w", (k,)) for k in range(len(spec.params)))
    op = ir.Operation(name, wires, angles)
    return program([op], num_qubits, params=(("w", (3,)),))


def every_gate_program() -> ir.Program:
    ops = []
    for k, (name, spec) in enumerate(GATES.items()):
        wires = tuple((k + j) % 3 for j in range(spec.num_wires))[::-1]
        angles = tuple(ir.ParamRef("w", (k, j)) for j in range(len(spec.params)))
        ops.append(ir.Operation(name, wires, angles))
    return program(ops, 3, params=(("w", (len(GATES), 3)),))


# ---- loading ----


def test_lowering_covers_every_gate() -> None:
    assert set(LOWERING) == set(GATES) == set(REFERENCE)


def test_registry_gives_the_qasm3_backend() -> None:
    backend = get_backend("qasm3")
    assert isinstance(backend, QASM3Backend)
    assert backend.suffix == ".qasm"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_load_in_both_parsers(path: Path) -> None:
    prog = dreamlang.load(path)
    text = get_backend("qasm3").emit(prog)
    assert text.startswith('OPENQASM 3.0;\ninclude "stdgates.inc";\n')
    if has_function_of_inputs(text):  # Qiskit's importer cannot load these (docs/qasm3.md)
        openqasm3.parse(text)
        return
    circuit = parse_both(text)
    assert prog.model is not None
    plan = make_plan(prog.model)
    assert len(re.findall(r"^input float\[64\] ", text, re.M)) == len(qasm3_names(plan))
    # Every circuit parameter element is a Qiskit parameter of the loaded circuit.
    used = {n for n, (src, _) in qasm3_names(plan).items() if src in plan.circuit_params}
    assert used <= {p.name for p in circuit.parameters}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_bound_equal_symbolic_and_qiskit_target(path: Path) -> None:
    prog = dreamlang.load(path)
    values = random_values(prog, 7)
    bound = parse_both(emit_qasm(prog, bind=values))
    assert not bound.parameters
    if not has_function_of_inputs(emit_qasm(prog)):  # else Qiskit cannot load the symbolic text
        assert_same_operator(bound, load_bound(emit_qasm(prog), prog, values))
    assert prog.model is not None
    if not make_plan(prog.model).noisy:  # the qiskit target's noisy circuits hold channels
        assert_same_operator(bound, qiskit_target(prog, values))


def test_every_gate_in_one_program_loads_in_both_parsers() -> None:
    prog = every_gate_program()
    text = emit_qasm(prog)
    for gate in ("sxdg", "iswap"):
        assert f"gate {gate}" in text
    for gate in ("rxx", "ryy", "rzz"):  # written out with stdgates at each use
        assert gate not in text
    values = random_values(prog, 3)
    circuit = load_bound(text, prog, values)
    assert_same_operator(circuit, reference(prog, values))
    assert_same_operator(circuit, qiskit_target(prog, values))


@pytest.mark.parametrize("name", sorted(GATES))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gate_matrix_equals_qiskit_gate_and_target(name: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    wires = tuple(int(w) for w in rng.permutation(3)[: GATES[name].num_wires])
    prog = gate_program(name, wires, 3)
    values = {"w": rng.uniform(-10 * math.pi, 10 * math.pi, size=3)}
    values["w"][seed] = SPECIAL[seed + 3]  # some special angles along the way
    loaded = load_bound(emit_qasm(prog), prog, values)
    assert_same_operator(loaded, reference(prog, values))
    assert_same_operator(loaded, qiskit_target(prog, values))
    assert_same_operator(parse_both(emit_qasm(prog, bind=values)), loaded)


def test_canaries_asymmetric_in_wire_order() -> None:
    ops = [
        ir.Operation("x", (0,)),
        ir.Operation("cnot", (0, 1)),
        ir.Operation("cnot", (2, 0)),
        ir.Operation("cswap", (1, 2, 0)),
    ]
    prog = program(ops, 3)
    text = emit_qasm(prog)
    assert "x q[0];\ncx q[0], q[1];\ncx q[2], q[0];\ncswap q[1], q[2], q[0];\n" in text
    assert_same_operator(parse_both(text), reference(prog, {}))
    assert_same_operator(parse_both(text), qiskit_target(prog, {}))


# ---- expressions and numbers ----


def _leaf(draw: Any) -> ir.Expr:
    if draw(st.booleans()):
        return ir.ParamRef("w", (draw(st.integers(0, 3)),))
    value = draw(st.one_of(st.sampled_from(SPECIAL), st.floats(-10 * math.pi, 10 * math.pi)))
    return ir.Num(value)


@st.composite
def angles(draw: Any, loadable: bool, depth: int = 3) -> ir.Expr:
    """Angle expressions; 'loadable' ones stay within what Qiskit's loader accepts."""
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return _leaf(draw)
    kind = draw(st.sampled_from(("neg", "+", "-", "*", "/", "pow", "call")))
    a = draw(angles(loadable, depth - 1))
    if kind == "neg":
        return ir.Neg(a)
    if kind == "pow":
        if loadable:  # an integer power: emitted as a product, which Qiskit's loader reads
            return ir.Binary("**", a, ir.Num(float(draw(st.integers(0, 4)))))
        base = ir.Binary("+", ir.Num(2.0), ir.Call("sin", a))  # positive, for any exponent
        exponent = draw(st.sampled_from((ir.Num(0.5), ir.Num(-1.0), ir.Call("cos", a))))
        return ir.Binary("**", base, exponent)
    if kind == "call":
        if loadable:
            return ir.Call("cos", ir.Num(draw(st.floats(-10, 10))))  # folded to a literal
        func = draw(st.sampled_from(sorted(NUMPY)))
        inner = ir.Binary("*", ir.Num(0.5), ir.Call("sin", a))  # inside every domain
        if func in ("log", "sqrt"):
            inner = ir.Binary("+", ir.Num(1.5), inner)
        return ir.Call(func, inner)
    if kind == "/":
        return ir.Binary("/", a, ir.Num(draw(st.sampled_from((2.0, -3.0, 0.25, 1e05)))))
    return ir.Binary(kind, a, draw(angles(loadable, depth - 1)))


@st.composite
def gate_programs(draw: Any, loadable: bool) -> ir.Program:
    n = draw(st.integers(1, 4))
    names = [g for g, spec in GATES.items() if spec.num_wires <= n]
    ops = []
    for _ in range(draw(st.integers(1, 12))):
        name = draw(st.sampled_from(names))
        spec = GATES[name]
        wires = draw(st.permutations(range(n)))[: spec.num_wires]
        params = tuple(draw(angles(loadable)) for _ in spec.params)
        ops.append(ir.Operation(name, tuple(wires), params))
    return program(ops, n, params=(("w", (4,)),))


@given(gate_programs(loadable=True), st.integers(0, 2**32 - 1))
def test_random_programs_load_in_qiskit_with_the_same_operator(prog: ir.Program, seed: int) -> None:
    values = random_values(prog, seed)
    assume(small_angles(prog, values))
    text = emit_qasm(prog)
    openqasm3.parse(text)
    loaded = load_bound(text, prog, values)
    assert_same_operator(loaded, reference(prog, values))
    assert_same_operator(parse_both(emit_qasm(prog, bind=values)), loaded)


@given(gate_programs(loadable=False), st.integers(0, 2**32 - 1))
def test_functions_and_powers_parse_and_bind_exactly(prog: ir.Program, seed: int) -> None:
    values = random_values(prog, seed)
    assume(small_angles(prog, values))
    # Qiskit's loader has no math functions or '**': symbolic text is checked by openqasm3,
    # bound text (all numbers) by both.
    openqasm3.parse(emit_qasm(prog))
    bound = parse_both(emit_qasm(prog, bind=values))
    assert_same_operator(bound, reference(prog, values))


def test_functions_use_openqasm_names() -> None:
    x = ir.ParamRef("w", (0,))
    calls = [ir.Call(f, x) for f in ("log", "sqrt", "exp", "arctan", "arcsin")]
    ops = [ir.Operation("rx", (0,), (c,)) for c in calls]
    ops.append(ir.Operation("ry", (0,), (ir.Binary("**", x, ir.Num(0.5)),)))
    ops.append(ir.Operation("rz", (0,), (ir.Binary("**", x, ir.Num(3.0)),)))
    text = emit_qasm(program(ops, 1, params=(("w", (1,)),)))
    for line in ("rx(log(w_0))", "rx(sqrt(w_0))", "rx(exp(w_0))", "rx(arctan(w_0))"):
        assert line in text
    assert "ry(w_0 ** 0.5)" in text
    assert "rz(w_0 * w_0 * w_0)" in text  # an integer power Qiskit's loader can read
    openqasm3.parse(text)


@pytest.mark.parametrize("value", [1e-05, -1e-05, 1e20, -2.5e-300, 0.1, -0.0, 123456.789])
def test_numbers_are_exact_literals(value: float) -> None:
    x = ir.ParamRef("w", (0,))
    ops = [
        ir.Operation("rx", (0,), (ir.Num(value),)),
        ir.Operation("ry", (0,), (ir.Binary("*", ir.Num(value), x),)),
    ]
    text = emit_qasm(program(ops, 1, params=(("w", (1,)),)))
    tree = openqasm3.parse(text)
    gates = [s for s in tree.statements if isinstance(s, ast.QuantumGate)]
    literal = gates[0].arguments[0]
    if isinstance(literal, ast.UnaryExpression):  # a negative literal is '-' and a number
        assert -literal.expression.value == value
        assert math.copysign(1.0, value) == -1.0
    else:
        assert literal.value == value
    circuit = qiskit.qasm3.loads(text)
    assert circuit.data[0].operation.params[0] == value


def test_non_finite_angle_is_a_diagnostic() -> None:
    x = ir.ParamRef("w", (0,))
    prog = program([ir.Operation("rx", (0,), (ir.Call("log", x),))], 1, params=(("w", (1,)),))
    with pytest.raises(DreamError) as info:
        emit_qasm(prog, bind={"w": np.array([-1.0])})
    assert info.value.diagnostics[0].code == "unsupported"


def test_bind_needs_every_array_with_its_shape() -> None:
    prog = gate_program("rx", (0,), 1)
    with pytest.raises(ValueError, match="no value"):
        emit_qasm(prog, bind={})
    with pytest.raises(ValueError, match="shape"):
        emit_qasm(prog, bind={"w": np.zeros(2)})


# ---- names ----

HOSTILE_INPUTS = (
    ("input", (2,)),
    ("class", ()),
    ("θ", (2,)),
    ("pi", ()),
    ("x", (2, 2)),
    ("x_0", (2,)),
    ('a"; h q[0]; //', (1,)),
    ("in0", (2,)),
)
HOSTILE_PARAMS = (("q", ()), ("rzz", ()), ("ñ", (1, 2)), ("lambda", (2,)), ("s", ()))


def hostile_program() -> ir.Program:
    ops = []
    for k, (name, shape) in enumerate(HOSTILE_INPUTS):
        for index in np.ndindex(*shape):
            ops.append(ir.Operation("rx", (k % 2,), (ir.InputRef(name, index),)))
    for name, shape in HOSTILE_PARAMS:
        for index in np.ndindex(*shape):
            ops.append(ir.Operation("rzz", (0, 1), (ir.ParamRef(name, index),)))
    return program(ops, 2, HOSTILE_INPUTS, HOSTILE_PARAMS)


def test_hostile_names_become_distinct_valid_identifiers() -> None:
    prog = hostile_program()
    assert prog.model is not None
    names = qasm3_names(make_plan(prog.model))
    assert len(names) == sum(math.prod(s) for _, s in (*HOSTILE_INPUTS, *HOSTILE_PARAMS))
    for name in names:
        assert IDENT.match(name) and name not in RESERVED, name
    # Readable where safe; renamed by position where not ASCII, reserved, or clashing ('x'
    # and 'x_0' both claim x_0_0, so both are renamed).
    assert names["input_1"] == ("input", (1,))
    assert names["class"] == ("class", ())
    assert names["lambda_0"] == ("lambda", (0,))
    assert names["in2_1"] == ("θ", (1,))
    assert names["in3_0"] == ("pi", ())
    assert names["in4_3"] == ("x", (1, 1))
    assert names["in5_1"] == ("x_0", (1,))
    assert names["in6_0"] == ('a"; h q[0]; //', (0,))
    assert names["pa0_0"] == ("q", ())
    assert names["pa2_1"] == ("ñ", (0, 1))
    assert names["pa4_0"] == ("s", ())
    # 'in0' keeps its readable names: no renamed declaration is input 0.
    assert names["in0_1"] == ("in0", (1,))
    text = emit_qasm(prog)
    assert text.isascii() and '"; h' not in text
    values = random_values(prog, 5)
    assert_same_operator(load_bound(text, prog, values), reference(prog, values))
    assert_same_operator(parse_both(emit_qasm(prog, bind=values)), reference(prog, values))


def test_renamed_names_never_collide_with_readable_ones() -> None:
    # Input 0 is renamed in0_0, which input 'in0' also claims, so it is renamed in1_0,
    # which input 'in1' claims in turn: renaming repeats until nothing clashes.
    inputs = (("gate", ()), ("in0", (1,)), ("in1", (1,)))
    ops = [ir.Operation("rx", (0,), (ir.InputRef(n, (0,) * len(s)),)) for n, s in inputs]
    prog = program(ops, 1, inputs)
    assert prog.model is not None
    names = qasm3_names(make_plan(prog.model))
    assert len(names) == 3
    assert set(names.values()) == {("gate", ()), ("in0", (0,)), ("in1", (0,))}
    assert names == {"in0_0": ("gate", ()), "in1_0": ("in0", (0,)), "in2_0": ("in1", (0,))}
    parse_both(emit_qasm(prog))


def test_names_through_the_parser_keep_python_keywords_readable() -> None:
    source = """model t {
    qubits 2
    input input[2]
    input class
    param lambda ~ normal(0, 1)
    param gate ~ normal(0, 1)
    rx(input[0] * class + gate) on 0
    ry(lambda) on 1
    measure expval Z0
}"""
    text = emit_qasm(dreamlang.parse(source))
    assert "rx(input_0 * class + pa1_0) q[0];" in text
    assert "ry(lambda) q[1];" in text
    parse_both(text)


# ---- determinism ----


def test_emit_is_byte_identical() -> None:
    prog = dreamlang.load(REPO / "examples" / "iris.dream")
    assert emit_qasm(prog) == emit_qasm(prog)
    assert emit_qasm(hostile_program()) == emit_qasm(hostile_program())


def test_emit_is_identical_across_processes() -> None:
    code = (
        "import sys, dreamlang; from dreamlang.cli_commands import import_backends; "
        "b = import_backends().get_backend('qasm3'); "
        "sys.stdout.write(b.emit(dreamlang.load(sys.argv[1])))"
    )
    path = str(REPO / "examples" / "reuploading.dream")
    outputs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-c", code, path],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
        )
        outputs.add(result.stdout)
    assert outputs == {emit_qasm(dreamlang.load(path))}


# ---- channels, dropout, measurement ----


def _annotated(text: str) -> list[tuple[str, str, ast.Statement]]:
    tree = openqasm3.parse(text)
    return [
        (a.keyword, a.command or "", s)
        for s in tree.statements
        for a in getattr(s, "annotations", [])
    ]


def test_channels_and_dropout_are_annotations_on_statements() -> None:
    prog = dreamlang.load(REPO / "examples" / "iris.dream")
    text = emit_qasm(prog)
    notes = _annotated(text)
    noise = [(c, s) for k, c, s in notes if k == "dreamlang.noise"]
    dropout = [(c, s) for k, c, s in notes if k == "dreamlang.dropout"]
    assert len(noise) == 12 and len(dropout) == 36  # 12 channels; 12 rot gates, 3 steps each
    assert noise[0][0] == "op=12 channel=depolarizing p=0.05 mode=always"
    assert all(isinstance(s, ast.QuantumBarrier) for _, s in noise)
    assert dropout[0][0] == "op=4 coin=0 p=0.2"
    assert all(isinstance(s, ast.QuantumGate) for _, s in dropout)
    circuit = qiskit.qasm3.loads(text)
    assert sum(i.operation.name == "barrier" for i in circuit.data) == 12


def test_annotation_values_follow_the_epoch() -> None:
    prog = dreamlang.load(REPO / "examples" / "iris.dream")
    late = emit_qasm(prog, epoch=50)
    assert "channel=depolarizing p=0.0 mode=always" in late
    assert "@dreamlang.dropout op=4 coin=0 p=0.0\n" in late
    middle = emit_qasm(prog, epoch=25)
    assert "@dreamlang.dropout op=4 coin=0 p=0.1\n" in middle
    # The unitary part is the same at every epoch.
    values = random_values(prog, 1)
    assert_same_operator(
        parse_both(emit_qasm(prog, bind=values, epoch=50)),
        parse_both(emit_qasm(prog, bind=values)),
    )


def test_training_channels_and_group_coins_are_marked() -> None:
    text = emit_qasm(dreamlang.load(REPO / "examples" / "reuploading.dream"))
    assert "@dreamlang.noise op=5 channel=amplitude_damping gamma=0.01 mode=training\n" in text
    # 'group layer': both rot gates of a layer share one coin.
    assert "@dreamlang.dropout op=2 coin=0 p=0.1\n" in text
    assert "@dreamlang.dropout op=3 coin=0 p=0.1\n" in text
    parse_both(text)


def test_measure_option_loads_in_both_parsers() -> None:
    prog = dreamlang.load(REPO / "examples" / "zz_kernel.dream")
    text = QASM3Backend().emit_qasm(prog, measure=True)
    assert text.endswith("bit[3] c;\n" + text.split("bit[3] c;\n", 1)[1])
    assert text.endswith("c = measure q;\n")
    circuit = parse_both(text)
    assert sum(i.operation.name == "measure" for i in circuit.data) == 3


# ---- in memory ----


def test_compiled_in_memory_agrees_with_the_qiskit_target() -> None:
    path = REPO / "examples" / "zz_kernel.dream"
    ours = dreamlang.compile(path, target="qasm3")
    peer = dreamlang.compile(path, target="qiskit")
    assert isinstance(ours.circuit, str) and ours.circuit == emit_qasm(dreamlang.load(path))
    rng = np.random.default_rng(0)
    params = ours.init_params(seed=3)
    for _ in range(3):
        inputs = {"x": rng.uniform(-math.pi, math.pi, size=3)}
        np.testing.assert_allclose(
            ours.forward(inputs, params), peer.forward(inputs, params), atol=1e-9
        )
        np.testing.assert_allclose(
            ours.state(inputs, params), peer.state(inputs, params), atol=1e-9
        )


def test_runner_probs_and_dropped_ops() -> None:
    source = """model t {
    qubits 3
    param w[3] ~ uniform(0, 1)
    rx(w[0]) on 0
    ry(w[1]) on 1
    cnot on [0, 2]
    rzz(w[2]) on [1, 2]
    dropout entangling p = 0.5
    measure expval Z0 X1
    measure probs on [2, 0]
}"""
    ours = dreamlang.compile(source, target="qasm3")
    peer = dreamlang.compile(source, target="qiskit")
    params = {"w": np.array([0.3, -1.2, 2.5])}
    np.testing.assert_allclose(
        ours.expectations({}, params), peer.expectations({}, params), atol=1e-9
    )
    dropped = frozenset({2})
    assert "cx q[0], q[2];" not in ours.build_circuit(dropped=dropped)
    assert "cx q[0], q[2];" in ours.build_circuit()
    np.testing.assert_allclose(
        ours.state({}, params, dropped=dropped),
        peer.state({}, params, dropped=dropped),
        atol=1e-9,
    )


def test_runner_refuses_noisy_models_clearly() -> None:
    model = dreamlang.compile(REPO / "examples" / "iris.dream", target="qasm3")
    assert "@dreamlang.noise" in model.circuit
    with pytest.raises(DreamError, match="cannot simulate noise channels"):
        model.forward({"x": np.zeros(4)}, model.init_params())


def test_the_documented_example_is_what_the_emitter_writes() -> None:
    doc = (REPO / "docs" / "qasm3.md").read_text(encoding="utf-8")
    source = doc.split("```dream\n", 1)[1].split("```", 1)[0]
    expected = doc.split("```qasm\n", 1)[1].split("```", 1)[0]
    assert emit_qasm(dreamlang.parse(source)) == expected


def test_a_sampled_circuit_drops_what_training_drops() -> None:
    """--seed: one concrete training circuit, with the gates forward(training=True) drops at the
    same (seed, epoch, step) left out and no dropout annotations left."""
    text = (REPO / "examples" / "dropout.dream").read_text("utf-8")
    source = "\n".join(line for line in text.splitlines() if not line.strip().startswith("noise"))
    prog = dreamlang.parse(source)
    model = dreamlang.compile(prog, target="qiskit")
    values = random_values(prog, 11)
    inputs, params = {"x": values["x"]}, {**model.init_params(0), "theta": values["theta"]}
    sizes = set()
    for seed, epoch, step in ((0, 0, 0), (3, 1, 2), (3, 1, 3), (9, 4, 0)):
        qasm = emit_qasm(prog, bind={**inputs, **params}, epoch=epoch, sample=(seed, step))
        assert "@dreamlang.dropout" not in qasm
        assert f"// dreamlang.sample seed={seed} epoch={epoch} step={step}" in qasm
        circuit = parse_both(qasm)
        sizes.add(len(circuit.data))
        probs = np.abs(Statevector(circuit).reverse_qargs().data.reshape([2] * 4)) ** 2
        marginals = [probs.sum(axis=tuple(a for a in range(4) if a != q)) for q in range(4)]
        expected = [m[0] - m[1] for m in marginals]  # <Z_q>, wire 0 the most significant bit
        kwargs = {"training": True, "seed": seed, "epoch": epoch, "step": step}
        np.testing.assert_allclose(
            model.expectations(inputs, params, **kwargs), expected, atol=1e-10
        )
    assert len(sizes) > 1  # different (seed, epoch, step) drop different gates


def test_compile_seed_writes_a_sampled_circuit(tmp_path: Path) -> None:
    out = tmp_path / "sampled.qasm"
    args = ["compile", "--target", "qasm3", str(REPO / "examples" / "dropout.dream")]
    done = subprocess.run(
        [sys.executable, "-m", "dreamlang", *args, "--seed", "3", "--step", "2", "-o", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "// dreamlang.sample seed=3 epoch=0 step=2" in out.read_text("utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "dreamlang", *args, "--step", "2"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and "--step needs --seed" in done.stderr
