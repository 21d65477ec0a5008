"""Adam, RMSProp and SGD (momentum, Nesterov) on named arrays, with PennyLane's exact numerics."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["OPTIMIZERS", "SGD", "Adam", "Optimizer", "RMSProp", "make_optimizer"]

Array = NDArray[np.float64]


def _check_rate(name: str, value: float, *, upper: float | None = None) -> float:
    value = float(value)
    if not math.isfinite(value) or value < 0 or (upper is not None and value >= upper):
        bound = f"in [0, {upper})" if upper is not None else "finite and >= 0"
        raise ValueError(f"{name} must be {bound}, not {value!r}")
    return value


class Optimizer(ABC):
    """A first-order optimizer over ``{name: array}`` parameters.

    ``step`` is pure in its arguments (it returns new arrays and never writes into params or
    grads) and advances the optimizer's own state. Parameters without a gradient are copied
    unchanged and their state is left alone, like PennyLane's non-trainable arguments. The state
    round-trips through ``state_dict`` (a flat dict of arrays, e.g. for ``np.savez``) and
    ``load_state_dict``, so a resumed run continues bit for bit.
    """

    # Prefixes of the per-parameter state entries ("prefix/param name"); "t" is the step count.
    _slots: tuple[str, ...] = ()

    def __init__(self, lr: float) -> None:
        self.lr = _check_rate("lr", lr)
        self._state: dict[str, dict[str, Array]] = {slot: {} for slot in self._slots}
        self.t = 0

    def step(
        self, params: Mapping[str, ArrayLike], grads: Mapping[str, ArrayLike]
    ) -> dict[str, Array]:
        """New parameters after one update with ``grads`` (d loss / d param, by name)."""
        unknown = [name for name in grads if name not in params]
        if unknown:
            raise ValueError(f"gradients for unknown parameters: {', '.join(sorted(unknown))}")
        # Copies, so the caller's arrays are never shared; all checked before the state moves.
        new = {name: np.array(value, dtype=np.float64) for name, value in params.items()}
        gradients = {name: np.asarray(grads[name], dtype=np.float64) for name in grads}
        for name, g in gradients.items():
            if g.shape != new[name].shape:
                raise ValueError(
                    f"gradient of {name!r} has shape {g.shape}, expected {new[name].shape}"
                )
        self.t += 1
        for name, g in gradients.items():
            new[name] = self._update(name, new[name], g)
        return new

    @abstractmethod
    def _update(self, name: str, p: Array, g: Array) -> Array:
        """The updated value of one parameter (self.t already counts this step)."""

    def _slot(self, slot: str, name: str, like: Array) -> Array:
        return self._state[slot].get(name, np.zeros_like(like))

    def _keep(self, slot: str, name: str, value: Array) -> None:
        # np.asarray: arithmetic on a 0-d array gives a numpy scalar; the state holds arrays.
        self._state[slot][name] = np.asarray(value, dtype=np.float64)

    def reset(self) -> None:
        """Forget every past step, as a freshly constructed optimizer."""
        self._state = {slot: {} for slot in self._slots}
        self.t = 0

    def state_dict(self) -> dict[str, NDArray[Any]]:
        """The state as flat arrays: "t" and one "slot/param name" entry per moment (copies)."""
        flat: dict[str, NDArray[Any]] = {"t": np.array(self.t, dtype=np.int64)}
        for slot, values in self._state.items():
            for name, value in values.items():
                flat[f"{slot}/{name}"] = value.copy()
        return flat

    def load_state_dict(self, state: Mapping[str, ArrayLike]) -> None:
        """Restore what ``state_dict`` returned (of an optimizer of the same class)."""
        if "t" not in state:
            raise ValueError(f"{type(self).__name__} state has no step count 't'")
        restored: dict[str, dict[str, Array]] = {slot: {} for slot in self._slots}
        for key, value in state.items():
            if key == "t":
                continue
            slot, sep, name = key.partition("/")
            if not sep or slot not in restored:
                expected = ", ".join(f"'{s}/NAME'" for s in self._slots) or "nothing but 't'"
                raise ValueError(
                    f"unexpected {type(self).__name__} state entry {key!r}; expected {expected}"
                )
            restored[slot][name] = np.array(value, dtype=np.float64)
        self._state = restored
        self.t = int(np.asarray(state["t"]))


class Adam(Optimizer):
    """Adam as PennyLane's ``AdamOptimizer``: same defaults (lr 0.01, beta1 0.9, beta2 0.99,
    eps 1e-8), eps added outside the square root, and the bias correction folded into the step
    size lr * sqrt(1 - beta2^t) / (1 - beta1^t)."""

    _slots = ("first_moment", "second_moment")

    def __init__(
        self, lr: float = 0.01, beta1: float = 0.9, beta2: float = 0.99, eps: float = 1e-8
    ) -> None:
        super().__init__(lr)
        self.beta1 = _check_rate("beta1", beta1, upper=1.0)
        self.beta2 = _check_rate("beta2", beta2, upper=1.0)
        self.eps = _check_rate("eps", eps)

    def _update(self, name: str, p: Array, g: Array) -> Array:
        # Term for term PennyLane's expressions, evaluated in the same order, for equal bits.
        fm = self.beta1 * self._slot("first_moment", name, p) + (1 - self.beta1) * g
        sm = self.beta2 * self._slot("second_moment", name, p) + (1 - self.beta2) * g**2
        self._keep("first_moment", name, fm)
        self._keep("second_moment", name, sm)
        stepsize = self.lr * np.sqrt(1 - self.beta2**self.t) / (1 - self.beta1**self.t)
        return np.asarray(p - stepsize * fm / (np.sqrt(sm) + self.eps), dtype=np.float64)


class RMSProp(Optimizer):
    """RMSProp as PennyLane's ``RMSPropOptimizer``: lr 0.01, decay 0.9, eps 1e-8 added inside
    the square root: p - lr / sqrt(a + eps) * g with a = decay a + (1 - decay) g^2."""

    _slots = ("square_average",)

    def __init__(self, lr: float = 0.01, decay: float = 0.9, eps: float = 1e-8) -> None:
        super().__init__(lr)
        self.decay = _check_rate("decay", decay, upper=1.0)
        self.eps = _check_rate("eps", eps)

    def _update(self, name: str, p: Array, g: Array) -> Array:
        acc = self.decay * self._slot("square_average", name, p) + (1 - self.decay) * g**2
        self._keep("square_average", name, acc)
        return np.asarray(p - (self.lr / np.sqrt(acc + self.eps)) * g, dtype=np.float64)


class SGD(Optimizer):
    """Gradient descent, with momentum as PennyLane's ``MomentumOptimizer``
    (a = m a + lr g; p - a) and optionally Nesterov's.

    Without momentum it is PennyLane's ``GradientDescentOptimizer`` (p - lr g). PennyLane's
    ``NesterovMomentumOptimizer`` evaluates the gradient at the look-ahead point p - m a; here
    the parameters *are* that point, so the trainer needs no extra evaluation: with gradients
    g at the parameters, a = m a + lr g and the update is p - (lr g + m a). Its iterates are
    PennyLane's look-ahead points, equal up to rounding.
    """

    _slots = ("velocity",)

    def __init__(self, lr: float = 0.01, momentum: float = 0.0, nesterov: bool = False) -> None:
        super().__init__(lr)
        self.momentum = _check_rate("momentum", momentum, upper=1.0)
        if nesterov and self.momentum == 0:
            raise ValueError("Nesterov momentum needs momentum > 0")
        self.nesterov = nesterov

    def _update(self, name: str, p: Array, g: Array) -> Array:
        if self.momentum == 0:
            return np.asarray(p - self.lr * g, dtype=np.float64)
        velocity = self.momentum * self._slot("velocity", name, p) + self.lr * g
        self._keep("velocity", name, velocity)
        if self.nesterov:
            return np.asarray(p - (self.lr * g + self.momentum * velocity), dtype=np.float64)
        return np.asarray(p - velocity, dtype=np.float64)


# name -> factory(lr, momentum). The names and the meaning of momentum are those of a model's
# ``train`` section (ir.TrainSpec): the momentum of sgd, the decay of rmsprop, and unused by adam
# (a TrainSpec always carries one); None means PennyLane's default, 0.9 for both.
OPTIMIZERS: dict[str, Callable[[float, float | None], Optimizer]] = {
    "adam": lambda lr, momentum: Adam(lr),
    "rmsprop": lambda lr, momentum: RMSProp(lr, decay=0.9 if momentum is None else momentum),
    "sgd": lambda lr, momentum: SGD(lr, momentum=0.9 if momentum is None else momentum),
}


def make_optimizer(name: str, lr: float, momentum: float | None = None) -> Optimizer:
    """A fresh optimizer by registry name, with PennyLane's defaults for everything else.

    ``momentum`` is sgd's momentum (0 gives plain gradient descent) or rmsprop's decay, as in
    a model's ``train`` section; adam ignores it. Nesterov momentum: ``SGD(lr, m, nesterov=True)``.
    """
    try:
        factory = OPTIMIZERS[name]
    except KeyError:
        known = ", ".join(OPTIMIZERS)
        raise ValueError(f"unknown optimizer {name!r}; expected one of {known}") from None
    return factory(lr, momentum)
