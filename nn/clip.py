"""Gradient clipping, as torch.nn.utils.clip_grad_norm_ and clip_grad_value_: between
``backward()`` and ``optimizer.step()``, shrink the parameters' ``.grad`` in place. Parameters
whose grad is None have no gradient and are left out."""

from __future__ import annotations

import math
from typing import Iterable

from autograd import Value

from ._checks import is_finite_real


def _grads_of(parameters: Value | Iterable[Value]) -> list[Value]:
    """The parameters (one Value, or an iterable of them) that have a gradient."""
    if isinstance(parameters, Value):
        parameters = [parameters]
    elif not hasattr(parameters, "__iter__"):
        raise TypeError(f"expected a Value or a list of Values, got {type(parameters).__name__}")
    parameters = list(parameters)
    for i, p in enumerate(parameters):
        if not isinstance(p, Value):
            raise TypeError(f"expected Values, got {type(p).__name__} at index {i}")
    return [p for p in parameters if p.grad is not None]


def clip_grad_norm_(
    parameters: Value | Iterable[Value], max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False
) -> float:
    """Scale all the gradients together so that their norm (as one vector) is at most about
    ``max_norm``; returns the norm they had. As PyTorch:

        total = (sum |g|**norm_type) ** (1 / norm_type)    (the largest |g| for norm_type=inf)
        g = g * min(max_norm / (total + 1e-6), 1.0)         (for every gradient)

    The 2-norm is ``math.hypot`` of the gradients (no overflow for large ones). With
    ``error_if_nonfinite=True`` a total that is NaN or infinite is a ValueError and nothing changes.
    """
    if not is_finite_real(max_norm) or max_norm < 0:
        raise ValueError(f"max_norm must be a finite number >= 0, got {max_norm!r}")
    if isinstance(norm_type, bool) or not (is_finite_real(norm_type) or norm_type == math.inf) or not norm_type > 0:
        raise ValueError(f"norm_type must be a number > 0 or math.inf, got {norm_type!r}")
    params = _grads_of(parameters)
    if not params:
        return 0.0
    grads = [p.grad for p in params]
    norm_type = float(norm_type)
    if norm_type == math.inf:
        total = max(abs(g) for g in grads)
    elif norm_type == 2.0:
        total = math.hypot(*grads)
    elif norm_type == 1.0:
        total = sum(abs(g) for g in grads)
    else:
        total = sum(abs(g) ** norm_type for g in grads) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise ValueError(f"the total norm of the gradients is {total}: not finite, so they are not clipped")
    coefficient = min(float(max_norm) / (total + 1e-6), 1.0)
    for p in params:
        p.grad = p.grad * coefficient
    return total


def clip_grad_value_(parameters: Value | Iterable[Value], clip_value: float) -> None:
    """Clamp every gradient into [-clip_value, clip_value], as PyTorch."""
    if not is_finite_real(clip_value) or clip_value < 0:
        raise ValueError(f"clip_value must be a finite number >= 0, got {clip_value!r}")
    clip_value = float(clip_value)
    for p in _grads_of(parameters):
        p.grad = min(max(p.grad, -clip_value), clip_value)
