"""examples/iris.dream written by hand: once in PennyLane, once in Qiskit (for bench_train).

The model, as dreamlang compiles it (``dreamc draw examples/iris.dream``):

- ``ry(x[q])`` on each of the 4 qubits (features scaled to [0, pi] on the training part);
- 3 layers, each: ``rot(theta[l, q, 0], theta[l, q, 1], theta[l, q, 2])`` on every qubit,
  i.e. rz, ry, rz in time order (PennyLane's ``qml.Rot``); the ``circular`` cnot ring, whose
  wrap-around pair (3, 0) comes first; a depolarizing channel on every qubit;
- rotation dropout: one mask per optimizer step, shared by the batch, drops each ``rot`` with
  p = linear(0.2, 0.0, epochs=50) (the whole gate, all three angles);
- depolarizing noise p = cosine(0.05, 0.0, epochs=50) (PennyLane's ``DepolarizingChannel(p)``,
  Aer's ``depolarizing_error(4p/3)``: docs/conventions.md);
- <Z> on every qubit, a dense layer to 3 outputs (W @ z + b), softmax, mean cross-entropy;
- Adam, lr 0.05, PennyLane's defaults (beta1 0.9, beta2 0.99, eps 1e-8); batches of 16 from a
  permutation of the training part keyed by (seed, epoch).

Both classes take the training part, the initial parameters (``theta``, ``head.0.weight``,
``head.0.bias``, as ``CompiledModel.init_params`` gives them) and optionally the masks
(``keep(epoch, step)``; by default fresh random ones), and expose ``epoch(epoch)`` (one pass of
optimizer steps, the mean batch loss), ``parameters()`` and ``loss_and_grads(x, y, keep,
epoch)`` (one batch with a given mask, for the benchmark's check that this is dreamlang's
model).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

QUBITS = 4
LAYERS = 3
RING = ((3, 0), (0, 1), (1, 2), (2, 3))  # dreamlang's `entangle circular using cnot`
LR = 0.05
BATCH = 16
SHIFT = math.pi / 2

Arrays = dict[str, np.ndarray]
KeepFn = Callable[[int, int], np.ndarray]


def dropout_p(epoch: int) -> float:
    """linear(0.2, 0.0, epochs=50)"""
    return 0.2 + (0.0 - 0.2) * min(max(epoch, 0), 50) / 50


def noise_p(epoch: int) -> float:
    """cosine(0.05, 0.0, epochs=50)"""
    return 0.0 + (0.05 - 0.0) * (1 + math.cos(math.pi * min(max(epoch, 0), 50) / 50)) / 2


def random_keep(seed: int) -> KeepFn:
    """A fresh dropout mask per (epoch, step): True where a layer's rot on a qubit is kept."""

    def keep(epoch: int, step: int) -> np.ndarray:
        rng = np.random.default_rng([seed, epoch, step])
        return np.asarray(rng.random((LAYERS, QUBITS)) >= dropout_p(epoch))

    return keep


def _batches(n: int, seed: int, epoch: int) -> list[np.ndarray]:
    order = np.random.default_rng([seed, epoch]).permutation(n)
    return [order[start : start + BATCH] for start in range(0, n, BATCH)]


# ---- PennyLane ----------------------------------------------------------------------------


class PennyLaneIris:
    """A QNode on default.mixed, broadcast over the batch; autograd backprop through the head."""

    def __init__(
        self,
        x_train: np.ndarray,
        y_train: np.ndarray,
        params: Arrays,
        seed: int = 0,
        keep: KeepFn | None = None,
    ) -> None:
        import pennylane as qml
        from pennylane import numpy as pnp

        self.qml, self.pnp = qml, pnp
        self.x = pnp.array(x_train, requires_grad=False)
        self.y = np.asarray(y_train)
        self.seed, self.keep = seed, keep or random_keep(seed)
        self.theta = pnp.array(params["theta"], requires_grad=True)
        self.weight = pnp.array(params["head.0.weight"], requires_grad=True)
        self.bias = pnp.array(params["head.0.bias"], requires_grad=True)
        self.opt = qml.AdamOptimizer(LR)
        dev = qml.device("default.mixed", wires=QUBITS)

        def circuit(x: Any, theta: Any, keep: np.ndarray, p: float) -> Any:
            qml.AngleEmbedding(x, wires=range(QUBITS), rotation="Y")
            for layer in range(LAYERS):
                for q in range(QUBITS):
                    if keep[layer, q]:
                        w = theta[layer, q]
                        qml.Rot(w[0], w[1], w[2], wires=q)
                for a, b in RING:
                    qml.CNOT(wires=[a, b])
                for q in range(QUBITS):
                    qml.DepolarizingChannel(p, wires=q)
            return [qml.expval(qml.PauliZ(q)) for q in range(QUBITS)]

        self.circuit = qml.QNode(circuit, dev, diff_method="backprop")

    def cost(
        self, theta: Any, weight: Any, bias: Any, *, x: Any, y: Any, keep: Any, p: float
    ) -> Any:
        pnp = self.pnp
        z = pnp.stack(self.circuit(x, theta, keep, p), axis=1)  # (batch, 4)
        logits = pnp.dot(z, weight.T) + bias
        e = pnp.exp(logits - pnp.max(logits, axis=1, keepdims=True))
        probs = e / pnp.sum(e, axis=1, keepdims=True)
        return -pnp.mean(pnp.log(probs[np.arange(len(y)), y]))

    def epoch(self, epoch: int) -> float:
        losses = []
        for step, batch in enumerate(_batches(len(self.y), self.seed, epoch)):
            (self.theta, self.weight, self.bias), loss = self.opt.step_and_cost(
                self.cost,
                self.theta,
                self.weight,
                self.bias,
                x=self.x[batch],
                y=self.y[batch],
                keep=self.keep(epoch, step),
                p=noise_p(epoch),
            )
            losses.append(float(loss))
        return float(np.mean(losses))

    def parameters(self) -> Arrays:
        arrays = (self.theta, self.weight, self.bias)
        names = ("theta", "head.0.weight", "head.0.bias")
        return {k: np.asarray(v, dtype=np.float64) for k, v in zip(names, arrays)}

    def loss_and_grads(
        self, x: np.ndarray, y: np.ndarray, keep: np.ndarray, epoch: int
    ) -> tuple[float, Arrays]:
        """The batch loss and its gradients at the current parameters, for a given mask."""
        args = (self.theta, self.weight, self.bias)
        data = {"x": self.pnp.array(x, requires_grad=False), "y": y, "keep": keep}
        loss = float(self.cost(*args, **data, p=noise_p(epoch)))
        grads = self.qml.grad(self.cost, argnums=[0, 1, 2])(*args, **data, p=noise_p(epoch))
        names = ("theta", "head.0.weight", "head.0.bias")
        return loss, {k: np.asarray(g, dtype=np.float64) for k, g in zip(names, grads)}


# ---- Qiskit -------------------------------------------------------------------------------


class Adam:
    """Adam with PennyLane's AdamOptimizer formula (bias correction folded into the step)."""

    def __init__(self, lr: float, beta1: float = 0.9, beta2: float = 0.99, eps: float = 1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.t = 0
        self.m: Arrays = {}
        self.v: Arrays = {}

    def step(self, params: Arrays, grads: Arrays) -> Arrays:
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        size = self.lr * math.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        out = {}
        for name, g in grads.items():
            self.m[name] = b1 * self.m.get(name, 0.0) + (1 - b1) * g
            self.v[name] = b2 * self.v.get(name, 0.0) + (1 - b2) * g**2
            out[name] = params[name] - size * self.m[name] / (np.sqrt(self.v[name]) + self.eps)
        return out


class QiskitIris:
    """A QuantumCircuit with ParameterVectors per mask; Aer noise instructions; parameter-shift
    gradients from one batched EstimatorV2 call per step (every sample x every binding)."""

    def __init__(
        self,
        x_train: np.ndarray,
        y_train: np.ndarray,
        params: Arrays,
        seed: int = 0,
        keep: KeepFn | None = None,
    ) -> None:
        from qiskit.circuit import ParameterVector
        from qiskit_aer.primitives import EstimatorV2

        self.x = np.asarray(x_train, dtype=np.float64)
        self.y = np.asarray(y_train)
        self.seed, self.keep = seed, keep or random_keep(seed)
        self.params = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
        self.opt = Adam(LR)
        # default_precision 0 (the default): exact expectation values, no shot noise; the
        # density-matrix method applies the noise channels exactly rather than by trajectories.
        self.estimator = EstimatorV2(
            options={"default_precision": 0.0, "backend_options": {"method": "density_matrix"}}
        )
        self.theta_p = ParameterVector("theta", LAYERS * QUBITS * 3)
        self.x_p = ParameterVector("x", QUBITS)
        self.column = {p: i for i, p in enumerate([*self.theta_p, *self.x_p])}
        # <Z_q> for each qubit (little-endian labels), shaped to broadcast over (batch, bindings).
        labels = ["I" * (QUBITS - 1 - q) + "Z" + "I" * q for q in range(QUBITS)]
        self.observables = np.array(labels, dtype=object).reshape(QUBITS, 1, 1)

    def parameters(self) -> Arrays:
        return dict(self.params)

    def circuit(self, keep: np.ndarray, p: float) -> Any:
        from qiskit import QuantumCircuit
        from qiskit_aer.noise import depolarizing_error

        qc = QuantumCircuit(QUBITS)
        for q in range(QUBITS):
            qc.ry(self.x_p[q], q)
        noise = depolarizing_error(4 * p / 3, 1).to_instruction()
        for layer in range(LAYERS):
            for q in range(QUBITS):
                if keep[layer, q]:
                    k = (layer * QUBITS + q) * 3
                    qc.rz(self.theta_p[k], q)
                    qc.ry(self.theta_p[k + 1], q)
                    qc.rz(self.theta_p[k + 2], q)
            for a, b in RING:
                qc.cx(a, b)
            for q in range(QUBITS):
                qc.append(noise, [q])
        return qc

    def _expectations(
        self, x: np.ndarray, theta: np.ndarray, keep: np.ndarray, p: float
    ) -> tuple[np.ndarray, np.ndarray, list[int]]:
        """<Z> per sample (batch, 4) and d<Z>/d theta_k (batch, 4, K) for the K angles kept."""
        qc = self.circuit(keep, p)
        columns = [self.column[par] for par in qc.parameters]  # theta[...] sort before x[...]
        kept = [k for k in columns if k < theta.size]
        # Bindings per sample: unshifted, then +pi/2 and -pi/2 on each kept angle.
        shifts = np.zeros((1 + 2 * len(kept), theta.size + QUBITS))
        for j, k in enumerate(kept):
            shifts[1 + 2 * j, k], shifts[2 + 2 * j, k] = SHIFT, -SHIFT
        base = np.concatenate([np.broadcast_to(theta, (len(x), theta.size)), x], axis=1)
        values = base[:, None, :] + shifts[None, :, :]  # (batch, bindings, all parameters)
        result = self.estimator.run([(qc, self.observables, values[..., columns])]).result()
        evs = np.asarray(result[0].data.evs)  # (4, batch, bindings)
        z = evs[:, :, 0].T
        jac = (evs[:, :, 1::2] - evs[:, :, 2::2]).transpose(1, 0, 2) / 2
        return z, jac, kept

    def loss_and_grads(
        self, x: np.ndarray, y: np.ndarray, keep: np.ndarray, epoch: int
    ) -> tuple[float, Arrays]:
        theta = self.params["theta"].ravel()
        weight, bias = self.params["head.0.weight"], self.params["head.0.bias"]
        z, jac, kept = self._expectations(x, theta, keep, noise_p(epoch))
        logits = z @ weight.T + bias
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        probs = e / e.sum(axis=1, keepdims=True)
        rows = np.arange(len(y))
        loss = float(-np.mean(np.log(probs[rows, y])))
        d_logits = probs.copy()
        d_logits[rows, y] -= 1.0
        d_logits /= len(y)
        d_z = d_logits @ weight
        d_theta = np.zeros_like(theta)
        d_theta[kept] = np.einsum("bi,bik->k", d_z, jac)
        grads = {
            "theta": d_theta.reshape(self.params["theta"].shape),
            "head.0.weight": d_logits.T @ z,
            "head.0.bias": d_logits.sum(axis=0),
        }
        return loss, grads

    def epoch(self, epoch: int) -> float:
        losses = []
        for step, batch in enumerate(_batches(len(self.y), self.seed, epoch)):
            keep = self.keep(epoch, step)
            loss, grads = self.loss_and_grads(self.x[batch], self.y[batch], keep, epoch)
            self.params = self.opt.step(self.params, grads)
            losses.append(loss)
        return float(np.mean(losses))
