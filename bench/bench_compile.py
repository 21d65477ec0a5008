"""Compile benchmark: a 100-qubit, 100-layer model to every target, against qiskit.qasm3.loads."""

from __future__ import annotations

import sys
import time
from typing import Any

QUBITS = 100
LAYERS = 100
REPEATS = 3  # best of 3: each run compiles 20,000 ops, and the machine is shared
TARGETS = ("qiskit", "cirq", "pennylane", "qasm3")

# Per layer: a trainable ry on every qubit, then a ring of cnots: 200 ops a layer, 20,000 in all.
TEMPLATE = """\
model bench {{
    qubits {qubits}
    param theta[{layers}, {qubits}] ~ uniform(0, 6.283185307179586)
    repeat {layers} as l {{
        layer {{
            for q in 0..{qubits} {{
                ry(theta[l, q]) on q
            }}
            for q in 0..{qubits} {{
                cnot on [q, (q + 1) % {qubits}]
            }}
        }}
    }}
    measure expval Z[0]
}}
"""


def source(qubits: int = QUBITS, layers: int = LAYERS) -> str:
    return TEMPLATE.format(qubits=qubits, layers=layers)


def _best(action: Any, *args: Any, **kwargs: Any) -> tuple[float, Any]:
    """The best time of REPEATS calls of ``action(*args, **kwargs)`` and its last result."""
    times, result = [], None
    for _ in range(REPEATS):
        start = time.perf_counter()
        result = action(*args, **kwargs)
        times.append(time.perf_counter() - start)
    return min(times), result


def _backend(registry: Any, target: str) -> Any:
    try:
        return registry.get_backend(target)
    except (ImportError, registry.BackendUnavailable) as exc:
        print(f"bench_compile: skipping target {target!r}: {exc}", file=sys.stderr)
        return None


def _to_file(backend: Any, text: str, limits: Any) -> str:
    import dreamlang

    return str(backend.emit(dreamlang.parse(text, limits=limits)))


def run() -> list[dict[str, Any]]:
    import qiskit.qasm3

    import dreamlang
    from dreamlang.cli_commands import import_backends
    from dreamlang.limits import Limits

    registry = import_backends()
    text = source(QUBITS, LAYERS)
    # 100 qubits is over the default limit of 64; the benchmark raises it on purpose.
    limits = Limits(max_qubits=QUBITS)
    program = dreamlang.parse(text, "bench.dream", limits=limits)
    assert program.model is not None
    ops = len(program.model.ops)
    parse_s, _ = _best(dreamlang.parse, text, limits=limits)  # the front end, shared by all
    qasm = registry.get_backend("qasm3").emit(program)
    # The peer: the same circuit, built by Qiskit's OpenQASM 3 importer from our output.
    peer_s, circuit = _best(qiskit.qasm3.loads, qasm)
    assert len(circuit.data) == ops, "the peer must build the whole circuit"
    rows = []
    for target in TARGETS:
        backend = _backend(registry, target)
        if backend is None:
            continue
        compile_s, _ = _best(dreamlang.compile, text, target=target, limits=limits)
        emit_s, _ = _best(_to_file, backend, text, limits)
        rows.append(
            {
                "bench": "compile",
                "case": f"{QUBITS}q x {LAYERS} layers",
                "target": target,
                "ops": ops,
                "parse_s": parse_s,  # source text -> IR, included in the next two
                "in_memory_s": compile_s,  # source text -> native object (QASM text for qasm3)
                "to_file_s": emit_s,  # source text -> the file's text
                "peer_s": peer_s,  # qiskit.qasm3.loads(emitted QASM) -> QuantumCircuit
                "ratio": compile_s / peer_s,
                "file_ratio": emit_s / peer_s,
            }
        )
    return rows
