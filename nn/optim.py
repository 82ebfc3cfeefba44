"""Optimizers: turn each parameter's ``.grad`` into a step, with the update rules of PyTorch's
``torch.optim.SGD`` and ``torch.optim.Adam`` (no weight decay)."""

from __future__ import annotations

import math
from typing import Iterable

from autograd import Value

from ._checks import is_finite_real


def _check_number(name: str, x: object, low: float, below: float | None = None) -> float:
    """x as a float; ValueError unless it is a finite real number >= low (and < below, if given)."""
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
    """Stochastic gradient descent, optionally with momentum mu:

    b_1 = g_1,  b_t = mu * b_(t-1) + g_t;   p = p - lr * b_t   (with mu = 0: p = p - lr * g).
    """

    def __init__(self, params: Iterable[Value], lr: float, momentum: float = 0.0):
        super().__init__(params)
        self.lr = _check_number("lr", lr, 0.0)
        self.momentum = _check_number("momentum", momentum, 0.0)
        self.velocity: list[float] | None = None  # b_t, made at the first step

    def step(self) -> None:
        if self.momentum == 0.0:
            for p in self.params:
                p.data -= self.lr * p.grad
            return
        if self.velocity is None:
            self.velocity = [p.grad for p in self.params]
        else:
            self.velocity = [self.momentum * b + p.grad for b, p in zip(self.velocity, self.params)]
        for p, b in zip(self.params, self.velocity):
            p.data -= self.lr * b


class Adam(Optimizer):
    """Adam: moving averages of the gradient and its square, corrected for their start at zero:

    m = b1*m + (1-b1)*g;   v = b2*v + (1-b2)*g**2;
    p = p - (lr / (1 - b1**t)) * m / (sqrt(v) / sqrt(1 - b2**t) + eps)
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ):
        super().__init__(params)
        self.lr = _check_number("lr", lr, 0.0)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair of numbers, got {betas!r}")
        self.betas = (
            _check_number("betas[0]", betas[0], 0.0, below=1.0),
            _check_number("betas[1]", betas[1], 0.0, below=1.0),
        )
        self.eps = _check_number("eps", eps, 0.0)
        self.t = 0
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def step(self) -> None:
        b1, b2 = self.betas
        self.t += 1
        step_size = self.lr / (1.0 - b1**self.t)
        v_correction = math.sqrt(1.0 - b2**self.t)
        for i, p in enumerate(self.params):
            g = p.grad
            self.m[i] = b1 * self.m[i] + (1.0 - b1) * g
            self.v[i] = b2 * self.v[i] + (1.0 - b2) * g * g
            p.data -= step_size * self.m[i] / (math.sqrt(self.v[i]) / v_correction + self.eps)
