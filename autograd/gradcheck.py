"""Finite differences, and checking backprop against them."""

from __future__ import annotations

import math
import numbers
from typing import Callable, Sequence

from .backward import grad
from .value import Value


class GradcheckError(AssertionError):
    """Backprop and finite differences disagree; the message lists every input that does."""


def _numbers(xs: Sequence[Value | float], name: str) -> list[float]:
    """xs as floats (Values give their data); TypeError naming the first bad entry."""
    if isinstance(xs, (Value, numbers.Real, str)) or not hasattr(xs, "__iter__"):
        raise TypeError(f"{name} needs a sequence of numbers, got {type(xs).__name__}")
    out = []
    for i, x in enumerate(xs):
        if isinstance(x, Value):
            out.append(x.data)
        elif isinstance(x, numbers.Real):
            out.append(float(x))
        else:
            raise TypeError(f"{name}: xs[{i}] is {type(x).__name__}, not a number or Value")
    return out


def _evaluate(f: Callable[..., Value], xs: list[float]) -> float:
    out = f(*[Value(x) for x in xs])
    if isinstance(out, Value):
        return out.data
    if isinstance(out, numbers.Real):
        return float(out)
    raise TypeError(f"f must return a Value or a number, got {type(out).__name__}")


def numerical_grad(f: Callable[..., Value], xs: Sequence[Value | float], eps: float = 1e-6) -> list[float]:
    """Central finite differences of f(*values) with respect to each number in xs.

    d f / d x_i  ~=  (f(..., x_i + eps, ...) - f(..., x_i - eps, ...)) / (2 eps)
    """
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not eps > 0 or not math.isfinite(eps):
        raise ValueError(f"eps must be a finite number > 0, got {eps!r}")
    point = _numbers(xs, "numerical_grad")
    slopes = []
    for i, x in enumerate(point):
        up = _evaluate_step(f, point, i, eps)
        down = _evaluate_step(f, point, i, -eps)
        slopes.append((up - down) / (2 * eps))
    return slopes


def _evaluate_step(f: Callable[..., Value], point: list[float], i: int, step: float) -> float:
    """f at point with input i moved by step. If f raises a math error (ValueError, ZeroDivisionError,
    OverflowError...) there but not at point itself, the step left f's domain: the error says so,
    chained to f's own."""
    try:
        return _evaluate(f, point[:i] + [point[i] + step] + point[i + 1 :])
    except (ValueError, ArithmeticError) as e:
        try:
            _evaluate(f, point)
        except Exception:
            raise e from None  # f fails at the point itself: its own error is the one to see
        side = "+" if step > 0 else "-"
        message = (
            f"f raised {type(e).__name__} at input {i} {side} eps (x = {point[i]!r}, eps = {abs(step)!r}, "
            f"so at {point[i] + step!r}): the finite-difference step left f's domain; try a smaller eps"
        )
        try:
            error = type(e)(message)
        except Exception:
            error = ValueError(message)
        raise error from e


def gradcheck(
    f: Callable[..., Value],
    xs: Sequence[Value | float],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Check backprop's gradient of f at xs against `numerical_grad`; True, or GradcheckError.

    Input i fails when |analytic - numeric| > atol + rtol * |numeric|; the error lists every
    failing index with both values.
    """
    point = _numbers(xs, "gradcheck")
    inputs = [Value(x) for x in point]
    out = f(*inputs)
    if not isinstance(out, Value):
        raise TypeError(f"f must return a Value, got {type(out).__name__}")
    analytic = grad(out, inputs)
    numeric = numerical_grad(f, point, eps)
    bad = [
        f"  input {i} (x = {x!r}): backprop {a!r}, finite differences {n!r}"
        for i, (x, a, n) in enumerate(zip(point, analytic, numeric))
        if not abs(a - n) <= atol + rtol * abs(n)
    ]
    if bad:
        raise GradcheckError(
            f"gradient mismatch at {len(bad)} of {len(point)} inputs "
            f"(atol={atol}, rtol={rtol}):\n" + "\n".join(bad)
        )
    return True
