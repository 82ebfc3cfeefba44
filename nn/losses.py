"""Losses: how far predictions are from targets, as one Value to call backward() on.

Each takes one prediction and one target, or two sequences of the same length, and returns the
mean over the examples, with the definitions of PyTorch's losses of the same names (reduction
"mean"). A NaN in a prediction gives a NaN loss: it is never hidden.
"""

from __future__ import annotations

import numbers
from typing import Sequence, Union

from autograd import Value, dot, logsumexp

Scalar = Union[Value, int, float]


def mse_loss(preds: Scalar | Sequence[Scalar], targets: Scalar | Sequence[Scalar]) -> Value:
    """Mean squared error: (1/n) * sum_i (pred_i - target_i)**2.

    Takes one prediction and one target, or two sequences of the same length. For sequences the
    sum of squares is a single "dot" node, diffs . diffs.
    """
    if isinstance(preds, Value) and _is_scalar(targets):  # one pair: the common case in training loops
        diff = preds - targets
        return diff * diff
    diffs = [p - t for p, t in _pairs("mse_loss", preds, targets)]
    total = dot(diffs, diffs)  # the sum of squares as one node, not n products and n-1 sums
    return total if len(diffs) == 1 else total / len(diffs)


def l1_loss(preds: Scalar | Sequence[Scalar], targets: Scalar | Sequence[Scalar]) -> Value:
    """Mean absolute error: (1/n) * sum_i |pred_i - target_i|."""
    return _mean([(p - t).abs() for p, t in _pairs("l1_loss", preds, targets)])


def hinge_loss(scores: Scalar | Sequence[Scalar], targets: Scalar | Sequence[Scalar]) -> Value:
    """Max-margin loss for targets -1 and +1: (1/n) * sum_i max(0, 1 - y_i * s_i).

    A score counts as right, at no loss, once it is on its target's side by a margin of 1.
    """
    terms = []
    for s, y in _pairs("hinge_loss", scores, targets):
        if isinstance(y, bool) or not isinstance(y, numbers.Real) or y not in (-1, 1):
            raise ValueError(f"hinge_loss targets must be -1 or 1, got {y!r}")
        terms.append((1.0 - s).relu() if y == 1 else (1.0 + s).relu())
    return _mean(terms)


def binary_cross_entropy(logits: Scalar | Sequence[Scalar], targets: Scalar | Sequence[Scalar]) -> Value:
    """Binary cross-entropy from logits z (as torch.nn.BCEWithLogitsLoss), targets y in [0, 1]:

        (1/n) * sum_i softplus(z_i) - y_i * z_i  =  -(y log sigmoid(z) + (1 - y) log(1 - sigmoid(z)))

    Computed as y * softplus(-z) + (1 - y) * softplus(z), two terms that are never negative, so
    it is exact and finite for logits of any size. Its gradient is sigmoid(z) - y.
    """
    terms = []
    for z, y in _pairs("binary_cross_entropy", logits, targets):
        # a Value target is compared as a Value (under trace: a guard, checked at every replay)
        if isinstance(y, bool) or not 0.0 <= y <= 1.0:  # also refuses NaN
            raise ValueError(f"binary_cross_entropy targets must be numbers in [0, 1], got {y!r}")
        if isinstance(y, Value) or 0.0 < y < 1.0:
            terms.append(y * (-z).softplus() + (1.0 - y) * z.softplus())
        else:
            terms.append((-z).softplus() if y == 1.0 else z.softplus())
    return _mean(terms)


def cross_entropy(logits: Sequence[Value] | Sequence[Sequence[Value]], targets: int | Sequence[int]) -> Value:
    """Cross-entropy from logits with class indices (as torch.nn.functional.cross_entropy):

        (1/n) * sum_i  logsumexp(z_i) - z_i[y_i]  =  -(1/n) * sum_i log softmax(z_i)[y_i]

    For one example ``logits`` is a list of Values (one per class) and ``targets`` an int; for
    several, a list of such lists and a list of ints. log-sum-exp is one exact node, so logits
    of any size work.
    """
    if isinstance(logits, (list, tuple)) and not logits:
        raise ValueError("cross_entropy got no logits")
    one = isinstance(logits, (list, tuple)) and not isinstance(logits[0], (list, tuple))
    if one:
        logits, targets = [logits], [targets]
    elif isinstance(targets, (int, numbers.Integral)):
        raise ValueError("cross_entropy got one target for a list of examples: give one class index per example")
    examples = _pairs("cross_entropy", logits, targets, predictions="logits")
    classes = None
    terms = []
    for i, (z, y) in enumerate(examples):
        where = "" if one else f" (example {i})"
        if not isinstance(z, (list, tuple)) or not z:
            raise TypeError(f"cross_entropy logits must be a non-empty list of Values per example{where}, got {z!r}"[:200])
        for v in z:
            if not isinstance(v, Value):
                raise TypeError(f"cross_entropy logits must be Values, got {type(v).__name__}{where}")
        if classes is None:
            classes = len(z)
        elif len(z) != classes:
            raise ValueError(f"cross_entropy: example {i} has {len(z)} logits, example 0 has {classes}")
        if isinstance(y, bool) or not isinstance(y, numbers.Integral):
            raise ValueError(f"cross_entropy target must be an int class index, got {y!r}{where}")
        if not 0 <= y < classes:
            raise ValueError(f"cross_entropy target {y!r} is out of range for {classes} classes (0 to {classes - 1}){where}")
        terms.append(logsumexp(z) - z[y])
    return _mean(terms)


def _pairs(loss: str, preds, targets, predictions: str = "predictions") -> list[tuple]:
    """(prediction, target) pairs from one of each or two sequences of the same length; clear
    errors for anything else."""
    if _is_scalar(preds) and _is_scalar(targets):
        if not isinstance(preds, Value):
            raise TypeError(f"{loss} {predictions} must be Values, got {type(preds).__name__}")
        return [(preds, targets)]
    if _is_scalar(preds) or _is_scalar(targets) or isinstance(preds, str) or isinstance(targets, str):
        raise ValueError(f"{loss} needs one prediction and one target, or two sequences of the same length")
    preds, targets = list(preds), list(targets)
    if len(preds) != len(targets):
        raise ValueError(f"{loss} got {len(preds)} {predictions} but {len(targets)} targets")
    if not preds:
        raise ValueError(f"{loss} got no {predictions}")
    for p, t in zip(preds, targets):
        if predictions == "predictions" and not isinstance(p, Value):
            raise TypeError(f"{loss} predictions must be Values, got {type(p).__name__}")
        if predictions == "predictions" and not _is_scalar(t):
            raise TypeError(f"{loss} targets must be numbers or Values, got {type(t).__name__}")
    return list(zip(preds, targets))


def _mean(terms: list[Value]) -> Value:
    """The mean of the terms: their sum as one "dot" node (terms . ones), divided by n."""
    if len(terms) == 1:
        return terms[0]
    return dot(terms, [1.0] * len(terms)) / len(terms)


def _is_scalar(x: object) -> bool:
    return isinstance(x, (Value, float, int)) or isinstance(x, numbers.Real)  # the first test is fast
