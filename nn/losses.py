"""Losses: how far predictions are from targets, as one Value to call backward() on."""

from __future__ import annotations

import numbers
from typing import Sequence, Union

from autograd import Value, dot

Scalar = Union[Value, int, float]


def mse_loss(preds: Scalar | Sequence[Scalar], targets: Scalar | Sequence[Scalar]) -> Value:
    """Mean squared error: (1/n) * sum_i (pred_i - target_i)**2.

    Takes one prediction and one target, or two sequences of the same length. For sequences the
    sum of squares is a single "dot" node, diffs . diffs.
    """
    if isinstance(preds, Value) and _is_scalar(targets):  # one pair: the common case in training loops
        diff = preds - targets
        return diff * diff
    if _is_scalar(preds) and _is_scalar(targets):
        raise TypeError(f"mse_loss predictions must be Values, got {type(preds).__name__}")
    if _is_scalar(preds) or _is_scalar(targets):
        raise ValueError("mse_loss needs one prediction and one target, or two sequences of the same length")
    if len(preds) != len(targets):
        raise ValueError(f"mse_loss got {len(preds)} predictions but {len(targets)} targets")
    if len(preds) == 0:
        raise ValueError("mse_loss got no predictions")
    diffs = []
    for p, t in zip(preds, targets):
        if not isinstance(p, Value):
            raise TypeError(f"mse_loss predictions must be Values, got {type(p).__name__}")
        if not _is_scalar(t):
            raise TypeError(f"mse_loss targets must be numbers or Values, got {type(t).__name__}")
        diffs.append(p - t)
    total = dot(diffs, diffs)  # the sum of squares as one node, not n products and n-1 sums
    return total if len(diffs) == 1 else total / len(diffs)


def _is_scalar(x: object) -> bool:
    return isinstance(x, (Value, float, int)) or isinstance(x, numbers.Real)  # the first test is fast
