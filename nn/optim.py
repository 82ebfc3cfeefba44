"""Optimizers: turn each parameter's ``.grad`` into a step, with the update rules of PyTorch's
``torch.optim.SGD``, ``torch.optim.Adam`` and ``torch.optim.AdamW``, weight decay included."""

from __future__ import annotations

import math
from typing import Iterable

from autograd import Value

from ._checks import is_finite_real


def _check_number(name: str, x: object, low: float, below: float | None = None) -> float:
    """x as a float; ValueError unless it is a finite real number >= low (and < below, if given)."""
    if type(x) is float and low <= x < math.inf and (below is None or x < below):  # every step: the common case first
        return x
    if not is_finite_real(x) or x < low or (below is not None and not x < below):
        bound = f" and < {below}" if below is not None else ""
        raise ValueError(f"{name} must be a finite number >= {low}{bound}, got {x!r}")
    return float(x)


class Optimizer:
    """Holds the parameters to update; `zero_grad` sets their grads back to 0.0."""

    def __init__(self, params: Iterable[Value]):
        if isinstance(params, Value) or not hasattr(params, "__iter__"):
            raise TypeError(f"optimizer needs a list of Values (e.g. model.parameters()), got {type(params).__name__}")
        self.params = list(params)
        if not self.params:
            raise ValueError("optimizer got an empty list of parameters")
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"optimizer parameters must be Values, got {type(p).__name__} at index {i}")
        if len(set(self.params)) != len(self.params):
            raise ValueError("optimizer got the same parameter more than once")

    def zero_grad(self) -> None:
        """Set every parameter's grad back to 0.0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter from its ``.grad``."""
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent, as torch.optim.SGD (no dampening, no Nesterov). Each step, for
    each parameter p with gradient g, weight decay wd and momentum mu:

        g = g + wd * p                                     (if wd != 0: an L2 penalty)
        b_1 = g,  b_t = mu * b_(t-1) + g                   (if mu != 0; else b_t = g)
        p = p - lr * b_t

    ``lr`` may be changed between steps (a learning-rate schedule); every setting is checked
    when `step` runs.
    """

    def __init__(self, params: Iterable[Value], lr: float, momentum: float = 0.0, weight_decay: float = 0.0):
        super().__init__(params)
        self.lr, self.momentum, self.weight_decay = lr, momentum, weight_decay
        self._checked()
        self.velocity: list[float] | None = None  # b_t, made at the first step

    def _checked(self) -> tuple[float, float, float]:
        lr, momentum, weight_decay = self.lr, self.momentum, self.weight_decay
        if (  # every step: the common case (three floats in range) without a call
            type(lr) is float and 0.0 <= lr < math.inf
            and type(momentum) is float and 0.0 <= momentum < math.inf
            and type(weight_decay) is float and 0.0 <= weight_decay < math.inf
        ):
            return lr, momentum, weight_decay
        return (
            _check_number("lr", lr, 0.0),
            _check_number("momentum", momentum, 0.0),
            _check_number("weight_decay", weight_decay, 0.0),
        )

    def step(self) -> None:
        lr, momentum, weight_decay = self._checked()
        if momentum == 0.0 and weight_decay == 0.0:  # plain SGD: p = p - lr * g
            for p in self.params:
                p.data -= lr * p.grad
            return
        grads = [p.grad for p in self.params]
        if weight_decay != 0.0:
            grads = [g + weight_decay * p.data for g, p in zip(grads, self.params)]
        if momentum != 0.0:
            if self.velocity is None:
                self.velocity = grads
            else:
                self.velocity = [momentum * b + g for b, g in zip(self.velocity, grads)]
            grads = self.velocity
        for p, g in zip(self.params, grads):
            p.data -= lr * g


class Adam(Optimizer):
    """Adam, as torch.optim.Adam: moving averages of the gradient and its square, corrected for
    their start at zero. Each step t, for each parameter p with gradient g:

        g = g + wd * p                                     (if weight_decay wd != 0: an L2 penalty)
        m = b1*m + (1-b1)*g;   v = b2*v + (1-b2)*g**2
        p = p - (lr / (1 - b1**t)) * m / (sqrt(v) / sqrt(1 - b2**t) + eps)

    ``lr`` may be changed between steps (a learning-rate schedule); every setting is checked
    when `step` runs.
    """

    decoupled = False  # AdamW: the decay shrinks p directly instead of adding to g

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ):
        super().__init__(params)
        self.lr, self.betas, self.eps, self.weight_decay = lr, betas, eps, weight_decay
        self._checked()
        self.t = 0
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def _checked(self) -> tuple[float, float, float, float, float]:
        betas = self.betas
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair of numbers, got {betas!r}")
        return (
            _check_number("lr", self.lr, 0.0),
            _check_number("betas[0]", betas[0], 0.0, below=1.0),
            _check_number("betas[1]", betas[1], 0.0, below=1.0),
            _check_number("eps", self.eps, 0.0),
            _check_number("weight_decay", self.weight_decay, 0.0),
        )

    def step(self) -> None:
        lr, b1, b2, eps, weight_decay = self._checked()
        self.t += 1
        step_size = lr / (1.0 - b1**self.t)
        v_correction = math.sqrt(1.0 - b2**self.t)
        for i, p in enumerate(self.params):
            g = p.grad
            if weight_decay != 0.0:
                if self.decoupled:
                    p.data *= 1.0 - lr * weight_decay
                else:
                    g = g + weight_decay * p.data
            self.m[i] = b1 * self.m[i] + (1.0 - b1) * g
            self.v[i] = b2 * self.v[i] + (1.0 - b2) * g * g
            p.data -= step_size * self.m[i] / (math.sqrt(self.v[i]) / v_correction + eps)


class AdamW(Adam):
    """AdamW, as torch.optim.AdamW: Adam with decoupled weight decay. Each step, first

        p = p * (1 - lr * weight_decay)

    and then Adam's update with the gradient as it is (the decay does not enter m and v).
    """

    decoupled = True

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ):
        super().__init__(params, lr, betas, eps, weight_decay)
