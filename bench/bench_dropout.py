"""Dropout benchmark: one exact-mode evaluation against enough sampled masks for the same accuracy.

For 4 to 10 qubits, a model with two layers of trainable ry rotations and a cnot ring, rotation
dropout p = 0.1 on every rotation (independent coins: exact mode is one density-matrix
simulation) and, in the 'grouped' case, entangling dropout with one coin per layer as well (four
density-matrix simulations). Per case and target:

- exact_s: the best of 3 exact-mode evaluations of <Z0>;
- sampled_s: the mean time of one sampled evaluation (a state-vector simulation), over PILOT
  masks;
- sigma: the standard deviation of <Z0> over those masks;
- masks@tol: how many masks the sampled mean needs to be within tol of the exact value with
  95 % confidence, N = (1.96 sigma / tol)^2, for tol = 1e-2 and 1e-3;
- ratio@tol: N * sampled_s / exact_s, the cost of sampling relative to exact mode (> 1: exact
  mode is faster);
- break_even: the tolerance at which both cost the same, 1.96 sigma sqrt(sampled_s / exact_s):
  for any accuracy finer than it, exact mode is the faster way to the expectation.
"""

from __future__ import annotations

import math
import sys
import time
from typing import Any

import numpy as np

QUBITS = (4, 6, 8, 10)
TARGETS = ("qiskit", "cirq", "pennylane")
TOLERANCES = (1e-2, 1e-3)
PILOT = 100
REPEATS = 3
CASES = {
    "independent": "dropout rotations p = 0.1",
    "grouped": "dropout rotations p = 0.1\n    dropout entangling p = 0.1 group layer",
}

TEMPLATE = """\
model bench {{
    qubits {n}
    param theta[2, {n}]
    repeat 2 as l {{
        layer {{
            for q in 0..{n} {{
                ry(theta[l, q]) on q
            }}
            for q in 0..{n} {{
                cnot on [q, (q + 1) % {n}]
            }}
        }}
    }}
    {dropout}
    measure expval Z on 0
}}
"""


def _best(action: Any) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(REPEATS):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return min(times), result


def _case(target: str, n: int, case: str) -> dict[str, Any]:
    import dreamlang

    model = dreamlang.compile(TEMPLATE.format(n=n, dropout=CASES[case]), target=target)
    params = model.init_params(1)
    params = {k: v + 0.7 for k, v in params.items()}  # away from the zero initializer
    exact_s, exact = _best(lambda: model.expectations({}, params, training=True, mode="exact")[0])
    values, start = [], time.perf_counter()
    for step in range(PILOT):
        values.append(model.expectations({}, params, training=True, seed=3, step=step)[0])
    sampled_s = (time.perf_counter() - start) / PILOT
    sigma = float(np.std(values, ddof=1))
    row: dict[str, Any] = {
        "bench": "dropout",
        "case": case,
        "target": target,
        "qubits": n,
        "circuits": len(model.exact_mixture()),
        "exact_s": exact_s,
        "sampled_s": sampled_s,
        "sigma": sigma,
    }
    for tol in TOLERANCES:
        masks = max(1, math.ceil((1.96 * sigma / tol) ** 2))
        row[f"masks@{tol:g}"] = masks
        row[f"ratio@{tol:g}"] = masks * sampled_s / exact_s
    row["break_even"] = 1.96 * sigma * math.sqrt(sampled_s / exact_s)
    row["pilot_error"] = abs(float(np.mean(values)) - float(exact))  # mean of PILOT masks
    return row


def run() -> list[dict[str, Any]]:
    rows = []
    for target in TARGETS:
        for case in CASES:
            for n in QUBITS:
                print(f"bench_dropout: {target} {case} {n} qubits", file=sys.stderr, flush=True)
                rows.append(_case(target, n, case))
    return rows
