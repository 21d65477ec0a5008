"""The qasm3 target in memory: the QASM text, simulated through qiskit.qasm3.loads."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import unsupported
from .plan import Plan
from .pymodule import Runner
from .qasm3 import plan_qasm

__all__ = ["QASM3Runner"]


def _no_mixed(mixed: dict[int, float] | None) -> None:
    if mixed:
        raise ValueError(
            "exact-mode dropout needs a density-matrix simulator; the qasm3 target runs "
            "state vectors (compile for pennylane, qiskit or cirq)"
        )


class QASM3Runner(Runner):
    """``circuit`` is the QASM text; simulation loads bound text with ``qiskit.qasm3.loads``."""

    def __init__(self, plan: Plan):
        from qiskit.quantum_info import SparsePauliOp

        self.plan = plan
        self.circuit = plan_qasm(plan)
        n = plan.num_qubits
        self.observables = tuple(
            None
            if term.kind == "probs"
            else SparsePauliOp.from_sparse_list(
                [("".join(p for p, _ in term.factors), [w for _, w in term.factors], 1.0)],
                num_qubits=n,
            )
            for term in plan.terms
        )

    def build_circuit(
        self,
        *,
        epoch: int = 0,
        training: bool = False,
        dropped: frozenset[int] = frozenset(),
        mixed: dict[int, float] | None = None,
    ) -> str:
        _no_mixed(mixed)
        # Channels are annotations whatever the mode, so 'training' changes nothing here.
        return plan_qasm(self.plan, epoch=epoch, dropped=dropped)

    def state(
        self,
        inputs: dict[str, Any],
        params: dict[str, Any],
        *,
        epoch: int = 0,
        training: bool = False,
        dropped: frozenset[int] = frozenset(),
        mixed: dict[int, float] | None = None,
    ) -> Any:
        _no_mixed(mixed)
        vector = self._statevector(inputs, params, epoch, dropped)
        return np.asarray(vector.reverse_qargs().data, dtype=np.complex128)

    def terms(
        self,
        inputs: dict[str, Any],
        params: dict[str, Any],
        *,
        epoch: int,
        training: bool,
        dropped: frozenset[int],
        mixed: dict[int, float] | None = None,
    ) -> list[Any]:
        _no_mixed(mixed)
        vector = self._statevector(inputs, params, epoch, dropped)
        out: list[Any] = []
        for term, observable in zip(self.plan.terms, self.observables):
            if term.kind == "probs":
                probs = vector.probabilities(qargs=list(term.wires[::-1]))
                out.append(np.asarray(probs, dtype=np.float64))
            else:
                out.append(float(np.real(vector.expectation_value(observable))))
        return out

    def _statevector(
        self, inputs: dict[str, Any], params: dict[str, Any], epoch: int, dropped: frozenset[int]
    ) -> Any:
        from qiskit.qasm3 import loads
        from qiskit.quantum_info import Statevector

        if self.plan.noisy:
            channel = next(p.op for p in self.plan.ops if p.is_channel)
            unsupported(
                channel,
                "the qasm3 target cannot simulate noise channels (OpenQASM 3 carries them only "
                "as annotations); simulate this model with --target qiskit, cirq or pennylane",
            )
        text = plan_qasm(self.plan, bind={**inputs, **params}, epoch=epoch, dropped=dropped)
        return Statevector(loads(text))
