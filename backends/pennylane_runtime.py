"""PennyLane helpers shared verbatim by the in-memory runner and generated modules.

Everything below the ``# ---- runtime ----`` marker is copied, unchanged, into every module the
PennyLane target writes (after math, numpy and pennylane are imported).
"""

from __future__ import annotations

from typing import Any

import pennylane as qml

# ---- runtime ----


def _pl_mixed_unitary(q: float, gate: Any) -> None:
    """Replace the just-queued ``gate`` by its exact-dropout channel
    rho -> (1 - q) U rho U^dagger + q rho: a QubitChannel with Kraus operators sqrt(1 - q) U
    and sqrt(q) I, built with qml.math so that gradients flow through the gate's angles."""
    qml.QueuingManager.remove(gate)
    wires = list(gate.wires)
    unitary = qml.matrix(gate, wire_order=wires)
    eye = qml.math.cast_like(qml.math.eye(2 ** len(wires)), unitary)
    kraus = [qml.math.sqrt(1.0 - q) * unitary, qml.math.sqrt(q) * eye]
    # QubitChannel's own constructor checks completeness with plain numpy, which fails on
    # autograd's boxes; these operators are complete by construction, so skip only that check.
    channel = qml.QubitChannel.__new__(qml.QubitChannel)
    qml.operation.Channel.__init__(channel, *kraus, wires=wires)
