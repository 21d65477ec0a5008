"""Optimizer benchmark: dreamlang -O2 against Qiskit's transpile and PennyLane's qml.compile.

Every circuit is written as .dream source, parsed once, and handed to the three optimizers:

- dreamlang: ``dreamlang.optimize(program, 2)`` on the IR (best of 3);
- Qiskit: ``qiskit.transpile`` at optimization levels 1, 2 and 3 of dreamlang's own unoptimized
  Qiskit circuit (``compile(..., optimize=0)``), with symbolic parameters and again bound to
  random values; the basis is dreamlang's own gate set in Qiskit's names, so no level has to
  decompose anything (bound, levels 2 and 3 may resynthesize two-qubit blocks into one rzz, crz
  or cp from it, which a cx-only basis would not allow);
- PennyLane: ``qml.compile`` (commute_controlled, cancel_inverses, merge_rotations) on the tape
  of dreamlang's unoptimized QNode, for circuits of at most PL_MAX_QUBITS qubits.

Counts are operations, two-qubit operations and depth (each op's layer is 1 + the largest layer
among its wires). Two-qubit gates are also counted as cnots in a cnot basis (QK_CX_BASIS):
``dl_cx`` is dreamlang's result lowered gate by gate, ``qk_cx_best`` the fewest cnots of any
Qiskit level to that basis, symbolic or bound. dreamlang also sees the measurements, so its ``light_cone`` rule can drop what
no measurement reads, which Qiskit and PennyLane cannot know: ``dl_ops_nolc`` is -O2 without it.
"""

from __future__ import annotations

import gc
import math
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

SEED = 1234
REPEATS = 3  # best of 3 everywhere: the whole suite takes well under a minute
PL_MAX_QUBITS = 16
QK_LEVELS = (1, 2, 3)
# dreamlang's gates as Qiskit names them (rot and u3 arrive as rz/ry/rz and u, phase as p).
QK_BASIS = [
    "rx", "ry", "rz", "p", "h", "x", "y", "z", "s", "sdg", "t", "tdg", "sx", "sxdg", "cx", "cy",
    "cz", "ch", "swap", "rzz", "rxx", "ryy", "crx", "cry", "crz", "cp", "u", "ccx", "cswap",
]  # fmt: skip

# A cnot basis, where every two-qubit gate counts as the cnots it costs: Qiskit cannot hide a
# cx-phase-cx gadget in one rzz here, so two-qubit counts compare like for like.
QK_CX_BASIS = ["cx", "u", "p", "rz", "ry", "rx", "h", "x", "sx"]

Row = dict[str, Any]

HEADER = 'import "std/ansatz.dream"\nimport "std/feature_maps.dream"\n'


def _model(name: str, qubits: int, decls: str, body: str, measured: Iterable[int]) -> str:
    word = " ".join(f"Z[{q}]" for q in measured)
    return (
        f"{HEADER}\nmodel {name} {{\n    qubits {qubits}\n{decls}\n{body}\n"
        f"    measure expval {word}\n}}\n"
    )


def vqc(n: int, ansatz: str = "real_amplitudes", reps: int = 3) -> str:
    """Qiskit's VQC shape: zz_feature_map(x, reps=2) then real_amplitudes or efficient_su2."""
    per = 1 if ansatz == "real_amplitudes" else 2
    decls = f"    input x[{n}]\n    param theta[{(reps + 1) * per * n}] ~ uniform(0, 2 * pi)"
    body = (
        "    encode zz_feature_map(x, reps=2, entanglement=full) on all\n"
        f"    {ansatz}(theta, reps={reps}) on all"
    )
    return _model(f"vqc_{ansatz}", n, decls, body, range(n))


def reuploading(n: int, depth: int = 4) -> str:
    """examples/reuploading.dream's shape (without its dropout and noise) on n qubits."""
    block = (
        "block reupload(x, w) on wires {\n"
        "    encode angle_embedding(x, rotation=X) on wires\n"
        "    for i in 0..len(wires) {\n"
        "        rot(w[i, 0], w[i, 1], w[i, 2]) on wires[i]\n"
        "    }\n"
        "    entangle linear using cz on wires\n"
        "}\n"
    )
    decls = f"    input x[{n}]\n    param w[{depth}, {n}, 3] ~ normal(0, 0.1)"
    body = f"    repeat {depth} as d {{\n        layer {{\n            reupload(x, w[d]) on all\n"
    body += "        }\n    }"
    return block + _model("reuploading", n, decls, body, range(n))


def template(name: str, n: int, shape: str) -> str:
    """One stdlib template on all wires (weights of the given shape) after an angle encoding."""
    decls = f"    input x[{n}]\n    param w[{shape}] ~ uniform(0, 2 * pi)"
    body = f"    encode angle_embedding(x, rotation=Y) on all\n    {name}(w) on all"
    return _model(name, n, decls, body, range(n))


class _Gen:
    """A random layered circuit with the redundancy templates leave behind, one line a gate."""

    def __init__(self, n: int, seed: int) -> None:
        self.n, self.rng, self.k, self.lines = n, np.random.default_rng(seed), 0, []

    def w(self) -> str:
        self.k += 1
        return f"w[{self.k - 1}]"

    def add(self, *gates: str) -> None:
        self.lines.extend(f"    {g}" for g in gates)

    def local(self, q: int) -> None:
        kind = int(self.rng.integers(8))
        axis = "xyz"[int(self.rng.integers(3))]
        if kind == 0:
            self.add(f"r{axis}({self.w()}) on {q}", f"r{axis}({self.w()}) on {q}")
        elif kind == 1:
            turns = ("0", "2 * pi", "4 * pi")[int(self.rng.integers(3))]
            self.add(f"r{axis}({turns}) on {q}", f"ry({self.w()}) on {q}")
        elif kind == 2:
            self.add(f"h on {q}", f"h on {q}", f"rz({self.w()}) on {q}")
        elif kind == 3:
            self.add(f"s on {q}", f"t on {q}", f"tdg on {q}", f"sdg on {q}")
        elif kind == 4:
            a = self.w()
            self.add(f"r{axis}({a}) on {q}", f"r{axis}(-{a}) on {q}")
        elif kind == 5:
            self.add(f"rx(0.3) on {q}", f"h on {q}", f"rz(pi / 4) on {q}")
        else:
            self.add(f"r{axis}({self.w()}) on {q}")

    def entangle(self, active: int) -> None:
        order = self.rng.permutation(active)
        for a, b in zip(order[0::2], order[1::2]):
            kind = int(self.rng.integers(5))
            if kind == 0:
                self.add(f"cnot on [{a}, {b}]", f"rz({self.w()}) on {a}", f"cnot on [{a}, {b}]")
            elif kind == 1:
                self.add(f"cz on [{a}, {b}]", f"cz on [{b}, {a}]", f"cnot on [{a}, {b}]")
            elif kind == 2:
                self.add(f"rzz({self.w()}) on [{a}, {b}]", f"rzz({self.w()}) on [{b}, {a}]")
            else:
                self.add(f"cnot on [{a}, {b}]")


def generated(n: int, layers: int, seed: int) -> str:
    """Random layers on n wires; the last tenth never entangles, and only half is measured."""
    gen = _Gen(n, seed)
    active = n - max(1, n // 10)
    for _ in range(layers):
        for q in range(n):
            gen.local(q)
        gen.entangle(active)
    decls = f"    param w[{gen.k}] ~ uniform(0, 2 * pi)"
    return _model("generated", n, decls, "\n".join(gen.lines), range(n // 2))


def suite() -> list[tuple[str, int, str, bool]]:
    """(name, qubits, source, is a feature-map circuit) for every circuit of the benchmark."""
    cases = [("vqc_zz_real_amplitudes", 8, vqc(8), True)]
    for n in (4, 8, 16):
        cases.append((f"zz_efficient_su2_{n}", n, vqc(n, "efficient_su2"), True))
    for n in (4, 8):
        cases.append((f"reuploading_{n}", n, reuploading(n), False))
    templates = [
        ("strongly_ent", "strongly_entangling_layers", (8, 16), "3, {n}, 3"),
        ("basic_ent", "basic_entangler_layers", (8, 16), "3, {n}"),
        ("hw_efficient", "hardware_efficient", (50, 100), "3, 2, {n}"),
    ]
    for short, name, sizes, shape in templates:
        for n in sizes:
            cases.append((f"{short}_{n}", n, template(name, n, shape.format(n=n)), False))
    for i, (n, layers) in enumerate(((10, 8), (20, 8), (50, 6), (100, 5))):
        cases.append((f"generated_{n}", n, generated(n, layers, SEED + i), False))
    return cases


def _best(repeats: int, action: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[float, Any]:
    """The best time of ``repeats`` calls of ``action(*args, **kwargs)`` and its last result."""
    times, result = [], None
    for _ in range(repeats):
        # As timeit does: collect first and keep the collector off while timing, so neither
        # side pays for the garbage the other left behind.
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            result = action(*args, **kwargs)
            times.append(time.perf_counter() - start)
        finally:
            gc.enable()
    return min(times), result


def counts(ops: Iterable[tuple[int, ...]]) -> tuple[int, int, int]:
    """(operations, two-qubit operations, depth) of a list of wire tuples."""
    layer: dict[int, int] = {}
    total = twoq = depth = 0
    for wires in ops:
        total += 1
        twoq += len(wires) == 2
        d = 1 + max((layer.get(w, 0) for w in wires), default=0)
        layer.update((w, d) for w in wires)
        depth = max(depth, d)
    return total, twoq, depth


def _qk_counts(circuit: Any) -> tuple[int, int, int]:
    twoq = sum(1 for inst in circuit.data if len(inst.qubits) == 2)
    return circuit.size(), twoq, circuit.depth()


def _cx_count(circuit: Any, level: int) -> int:
    """Cnots after transpiling to QK_CX_BASIS at ``level`` (0 only lowers each gate)."""
    import qiskit

    out = qiskit.transpile(
        circuit, basis_gates=QK_CX_BASIS, optimization_level=level, seed_transpiler=SEED
    )
    return int(out.count_ops().get("cx", 0))


def _substitute(expr: Any, values: dict[Any, float]) -> Any:
    """``expr`` with every input and parameter element replaced by its number."""
    from dreamlang import ir

    if isinstance(expr, ir.InputRef | ir.ParamRef):
        return ir.Num(values[expr])
    if isinstance(expr, ir.Neg):
        return ir.Neg(_substitute(expr.operand, values))
    if isinstance(expr, ir.Binary):
        return ir.Binary(expr.op, _substitute(expr.left, values), _substitute(expr.right, values))
    if isinstance(expr, ir.Call):
        return ir.Call(expr.func, _substitute(expr.arg, values))
    return expr


def bound_program(program: Any, rng: np.random.Generator) -> Any:
    """The program with inputs and parameters bound to random numbers, as Qiskit's bound
    circuits are: dreamlang's rules then see numeric angles only."""
    import dataclasses

    from dreamlang import ir

    values: dict[Any, float] = {}
    for op in program.model.ops:
        for expr in op.params:
            for node in ir.walk(expr):
                if isinstance(node, ir.InputRef | ir.ParamRef) and node not in values:
                    values[node] = float(rng.uniform(0, 2 * math.pi))
    ops = tuple(
        dataclasses.replace(op, params=tuple(_substitute(e, values) for e in op.params))
        for op in program.model.ops
    )
    return dataclasses.replace(program, model=dataclasses.replace(program.model, ops=ops))


def dreamlang_row(program: Any, repeats: int) -> Row:
    import dreamlang
    from dreamlang.optimizer import PIPELINES

    dl_s, optimized = _best(repeats, dreamlang.optimize, program, 2)
    ops, twoq, depth = counts(op.wires for op in optimized.model.ops)
    no_lc = [rule for rule in PIPELINES[2] if rule != "light_cone"]
    without = dreamlang.optimize(program, 2, rules=no_lc)
    # The same result as Qiskit counts it: rot becomes rz, ry, rz there.
    circuit = dreamlang.compile(optimized, "qiskit", optimize=0).circuit
    bound = dreamlang.optimize(bound_program(program, np.random.default_rng(SEED)), 2)
    return {
        "dl_bound_ops": len(bound.model.ops),
        "dl_ops": ops,
        "dl_qk_ops": circuit.size(),
        "dl_2q": twoq,
        "dl_cx": _cx_count(circuit, 0),
        "dl_depth": depth,
        "dl_ops_nolc": len(without.model.ops),
        "dl_s": dl_s,
    }


def qiskit_row(program: Any, repeats: int, rng: np.random.Generator) -> tuple[Row, list[int]]:
    """Qiskit's best level (symbolic and bound), level 1's time, and every level's 2q count."""
    import qiskit

    import dreamlang

    circuit = dreamlang.compile(program, "qiskit", optimize=0).circuit
    bound = circuit.assign_parameters(rng.uniform(0, 2 * math.pi, circuit.num_parameters))
    results, times = [], {}
    for level in QK_LEVELS:
        times[level], out = _best(
            repeats,
            qiskit.transpile,
            circuit,
            basis_gates=QK_BASIS,
            optimization_level=level,
            seed_transpiler=SEED,
        )
        results.append(_qk_counts(out))
    bound_ops, bound_twoq, _ = min(
        _qk_counts(
            qiskit.transpile(
                bound, basis_gates=QK_BASIS, optimization_level=level, seed_transpiler=SEED
            )
        )
        for level in QK_LEVELS
    )
    cx_levels = [_cx_count(c, level) for c in (circuit, bound) for level in QK_LEVELS]
    best = min(results)
    row = {
        "qk_in": circuit.size(),
        "qk_best_ops": best[0],
        "qk_best_2q": best[1],
        "qk_best_depth": best[2],
        "qk_l1_s": times[1],
        "qk_l3_s": times[3],
        "qk_bound_best_ops": bound_ops,
        "qk_bound_best_2q": bound_twoq,
        "qk_cx_best": min(cx_levels),
    }
    return row, [r[1] for r in results] + cx_levels


def pennylane_row(program: Any, repeats: int, rng: np.random.Generator) -> Row:
    """qml.compile on the tape of the unoptimized QNode; None where it is skipped."""
    if program.model.num_qubits > PL_MAX_QUBITS:
        return {"pl_ops": None, "pl_2q": None, "pl_s": None}
    import pennylane as qml

    import dreamlang

    model = dreamlang.compile(program, "pennylane", optimize=0)
    inputs = {d.name: rng.uniform(0, 1, d.shape) for d in program.model.inputs}
    tape = qml.workflow.construct_tape(model.circuit)(inputs, model.init_params(seed=SEED))
    pl_s, (tapes, _) = _best(repeats, qml.compile, tape)
    ops = tapes[0].operations
    return {
        "pl_ops": len(ops),
        "pl_2q": sum(1 for op in ops if len(op.wires) == 2),
        "pl_s": pl_s,
    }


def measure(name: str, qubits: int, text: str, feature_map: bool) -> Row:
    """One circuit's row: dreamlang, Qiskit and PennyLane side by side."""
    import dreamlang
    from dreamlang.limits import Limits

    program = dreamlang.parse(text, f"{name}.dream", limits=Limits(max_qubits=max(qubits, 64)))
    assert program.model is not None
    rng = np.random.default_rng(SEED)
    row: Row = {"bench": "optimizer", "circuit": name, "qubits": qubits}
    row["ops_in"] = len(program.model.ops)
    row.update(dreamlang_row(program, REPEATS))
    qk, qk_twoq = qiskit_row(program, REPEATS, rng)
    row.update(qk)
    row.update(pennylane_row(program, REPEATS, rng))
    row["ops_ok"] = row["dl_ops"] <= row["qk_best_ops"]
    # Feature maps: fewer two-qubit gates than every Qiskit level in dreamlang's gate set, and
    # fewer cnots than every level to a cnot basis, symbolic or bound.
    twoq = qk_twoq[: len(QK_LEVELS)]
    cx = qk_twoq[len(QK_LEVELS) :]
    ok = all(row["dl_2q"] < t for t in twoq) and all(row["dl_cx"] < t for t in cx)
    row["twoq_ok"] = ok if feature_map else None
    return row


def summary(rows: list[Row]) -> str:
    wins = sum(1 for r in rows if r["ops_ok"])
    dl_s = sum(r["dl_s"] for r in rows)
    qk_s = sum(r["qk_l1_s"] for r in rows)
    qk3_s = sum(r["qk_l3_s"] for r in rows)
    no_lc = sum(1 for r in rows if r["dl_ops_nolc"] <= r["qk_best_ops"])
    units = sum(1 for r in rows if r["dl_qk_ops"] <= r["qk_best_ops"])
    bound = sum(1 for r in rows if r["dl_bound_ops"] <= r["qk_bound_best_ops"])
    n = len(rows)
    return (
        f"bench_optimizer: dl_ops <= best Qiskit level (symbolic) on {wins}/{n} circuits; "
        f"{no_lc}/{n} without light_cone; {units}/{n} counted in Qiskit's gates (dl_qk_ops); "
        f"{bound}/{n} with bound parameters (dl_bound_ops against qk_bound_best_ops).\n"
        f"bench_optimizer: optimize total {dl_s:.3f} s vs Qiskit level-1 total {qk_s:.3f} s "
        f"(dreamlang/Qiskit {dl_s / qk_s:.2f}x) and level-3 total {qk3_s:.3f} s "
        f"({dl_s / qk3_s:.2f}x)"
    )


def run() -> list[Row]:
    rows = []
    for name, qubits, text, feature_map in suite():
        print(f"bench_optimizer: {name} ...", file=sys.stderr, flush=True)
        rows.append(measure(name, qubits, text, feature_map))
    print(summary(rows), file=sys.stderr)
    return rows
