"""Size and shape figures of a model, for ``dreamc stats`` and for comparing targets."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from dreamlang import ir

__all__ = ["is_channel", "model_stats"]


def is_channel(op: ir.Operation) -> bool:
    """Noise channels are tagged with role 'channel' (and, when inserted by 'noise', a NoiseTag)."""
    return op.tags.role == "channel" or op.tags.noise is not None


def model_stats(model: ir.Model) -> dict[str, Any]:
    """Figures about one model; every count is over the fully unrolled operation list.

    model: the model's name.
    qubits: the number of qubits declared.
    ops: every operation, gates and channels together.
    gates: {gate name: count}, sorted by name; channels are not counted here.
    channels: the number of noise-channel operations.
    two_qubit: gates acting on exactly two wires (channels excluded).
    multi_qubit: gates acting on more than two wires (channels excluded).
    depth: circuit depth over gates only, by ASAP layering: each gate goes one step after the
        latest gate on any of its wires. Channels are left out so the figure does not change
        when noise is switched on; dropout-tagged gates count (they are present at inference).
    num_params: trainable scalars, the sum of the sizes of every declared parameter tensor.
    num_inputs: classical input scalars, the sum of the sizes of every input.
    layers: the number of 'layer' blocks after unrolling.
    measurements: the number of measurement statements.
    """
    gates = [op for op in model.ops if not is_channel(op)]
    counts = Counter(op.name for op in gates)
    return {
        "model": model.name,
        "qubits": model.num_qubits,
        "ops": len(model.ops),
        "gates": dict(sorted(counts.items())),
        "channels": len(model.ops) - len(gates),
        "two_qubit": sum(1 for op in gates if len(op.wires) == 2),
        "multi_qubit": sum(1 for op in gates if len(op.wires) > 2),
        "depth": depth(gates),
        "num_params": sum(p.size for p in model.params),
        "num_inputs": sum(math.prod(d.shape) for d in model.inputs),
        "layers": model.num_layers,
        "measurements": len(model.measurements),
    }


def depth(ops: list[ir.Operation]) -> int:
    """ASAP depth: the longest chain of operations that share wires, in program order."""
    level: dict[int, int] = {}
    deepest = 0
    for op in ops:
        step = 1 + max((level.get(w, 0) for w in op.wires), default=0)
        for w in op.wires:
            level[w] = step
        deepest = max(deepest, step)
    return deepest
