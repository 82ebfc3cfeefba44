"""Losses: how far predictions are from targets, as one Value to call backward() on.

Each has the name, arguments, defaults and definition of the PyTorch loss of the same name
(``torch.nn.functional``). Each takes one prediction and one target, or two sequences of the same
length, and has ``reduction``: "mean" (the default), "sum", or "none" (a list of Values, one per
example). A NaN in a prediction gives a NaN loss: it is never hidden.

A check on a target is written as a comparison (``y < 0.0``) that works on a Value too, so that
under `trace` it is replayed as a guard; class indices are plain ints.
"""

from __future__ import annotations

import math
import numbers
from typing import Sequence, Union

from autograd import Value, dot, logsumexp

Scalar = Union[Value, int, float]
REDUCTIONS = ("mean", "sum", "none")


def mse_loss(preds: Scalar | Sequence[Scalar], targets: Scalar | Sequence[Scalar], reduction: str = "mean") -> Value | list[Value]:
    """Mean squared error: (1/n) * sum_i (pred_i - target_i)**2.

    Takes one prediction and one target, or two sequences of the same length. For sequences the
    sum of squares is a single "dot" node, diffs . diffs.
    """
    if reduction == "mean" and isinstance(preds, Value) and _is_scalar(targets):  # the common case in training loops
        diff = preds - targets
        return diff * diff
    _check_reduction("mse_loss", reduction)
    diffs = [p - t for p, t in _pairs("mse_loss", preds, targets)]
    if reduction == "none":
        return [d * d for d in diffs]
    total = dot(diffs, diffs)  # the sum of squares as one node, not n products and n-1 sums
    return total if len(diffs) == 1 or reduction == "sum" else total / len(diffs)


def l1_loss(preds: Scalar | Sequence[Scalar], targets: Scalar | Sequence[Scalar], reduction: str = "mean") -> Value | list[Value]:
    """Mean absolute error: (1/n) * sum_i |pred_i - target_i|."""
    _check_reduction("l1_loss", reduction)
    return _reduce([(p - t).abs() for p, t in _pairs("l1_loss", preds, targets)], reduction)


def huber_loss(
    preds: Scalar | Sequence[Scalar], targets: Scalar | Sequence[Scalar], reduction: str = "mean", delta: float = 1.0
) -> Value | list[Value]:
    """Huber loss (as torch.nn.functional.huber_loss), with d = pred - target:

        0.5 * d**2                      if |d| < delta
        delta * (|d| - 0.5 * delta)     otherwise

    Squared near the target, absolute (slope +-delta) far from it.
    """
    _check_reduction("huber_loss", reduction)
    if not _positive_number(delta):
        raise ValueError(f"huber_loss delta must be a number > 0, got {delta!r}")
    terms = []
    for p, t in _pairs("huber_loss", preds, targets):
        d = p - t
        size = d.abs()
        terms.append(0.5 * d * d if size < delta else delta * (size - 0.5 * delta))
    return _reduce(terms, reduction)


def smooth_l1_loss(
    preds: Scalar | Sequence[Scalar], targets: Scalar | Sequence[Scalar], reduction: str = "mean", beta: float = 1.0
) -> Value | list[Value]:
    """Smooth L1 loss (as torch.nn.functional.smooth_l1_loss), with d = pred - target:

        0.5 * d**2 / beta     if |d| < beta
        |d| - 0.5 * beta      otherwise

    huber_loss(delta) / delta; beta = 0 is l1_loss.
    """
    _check_reduction("smooth_l1_loss", reduction)
    if isinstance(beta, bool) or not isinstance(beta, numbers.Real) or not 0.0 <= beta < math.inf:
        raise ValueError(f"smooth_l1_loss beta must be a number >= 0, got {beta!r}")
    terms = []
    for p, t in _pairs("smooth_l1_loss", preds, targets):
        d = p - t
        size = d.abs()
        terms.append(0.5 * d * d / beta if size < beta else size - 0.5 * beta)
    return _reduce(terms, reduction)


def hinge_loss(
    scores: Scalar | Sequence[Scalar], targets: Scalar | Sequence[Scalar], reduction: str = "mean", margin: float = 1.0
) -> Value | list[Value]:
    """Max-margin loss for targets -1 and +1: (1/n) * sum_i max(0, margin - y_i * s_i).

    A score counts as right, at no loss, once it is on its target's side by ``margin``.
    """
    _check_reduction("hinge_loss", reduction)
    if isinstance(margin, bool) or not isinstance(margin, numbers.Real) or not math.isfinite(margin):
        raise ValueError(f"hinge_loss margin must be a finite number, got {margin!r}")
    terms = []
    for s, y in _pairs("hinge_loss", scores, targets):
        if isinstance(y, bool) or not isinstance(y, numbers.Real) or y not in (-1, 1):
            raise ValueError(f"hinge_loss targets must be -1 or 1, got {y!r}")
        terms.append((margin - s).relu() if y == 1 else (margin + s).relu())
    return _reduce(terms, reduction)


def binary_cross_entropy(
    probs: Scalar | Sequence[Scalar], targets: Scalar | Sequence[Scalar], weight=None, reduction: str = "mean"
) -> Value | list[Value]:
    """Binary cross-entropy from probabilities p in [0, 1] (as torch.nn.functional.binary_cross_entropy),
    targets y in [0, 1]:

        -w * (y * log(p) + (1 - y) * log(1 - p)),   each log clamped to >= -100 as PyTorch does

    so p = 0 or 1 gives a finite loss (at most 100; where a log is clamped its slope is 0). A
    probability outside [0, 1] is a ValueError. From logits, `binary_cross_entropy_with_logits`
    is exact for logits of any size: prefer it.
    """
    _check_reduction("binary_cross_entropy", reduction)
    pairs = _pairs("binary_cross_entropy", probs, targets, predictions="probabilities")
    weights = _per_example("binary_cross_entropy", "weight", weight, len(pairs))
    terms = []
    for (p, y), w in zip(pairs, weights):
        if p < 0.0 or p > 1.0:  # a comparison of Values: a guard under trace; a NaN passes on to a NaN loss
            raise ValueError(f"binary_cross_entropy takes probabilities in [0, 1], got {p!r}: from logits use binary_cross_entropy_with_logits")
        _check_binary_target("binary_cross_entropy", y)
        term = -(y * _clamped_log(p) + (1.0 - y) * _clamped_log(1.0 - p))
        terms.append(term if w is None else w * term)
    return _reduce(terms, reduction)


def binary_cross_entropy_with_logits(
    logits: Scalar | Sequence[Scalar], targets: Scalar | Sequence[Scalar], weight=None, reduction: str = "mean", pos_weight=None
) -> Value | list[Value]:
    """Binary cross-entropy from logits z (as torch.nn.functional.binary_cross_entropy_with_logits),
    targets y in [0, 1]:

        w * (pw * y * softplus(-z) + (1 - y) * softplus(z))  =  -w * (pw * y log sigmoid(z) + (1 - y) log(1 - sigmoid(z)))

    with ``weight`` w and ``pos_weight`` pw (a number, or one per example; default 1). Two terms
    that are never negative, so it is exact and finite for logits of any size. Its gradient (w = pw
    = 1) is sigmoid(z) - y.
    """
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    pairs = _pairs("binary_cross_entropy_with_logits", logits, targets, predictions="logits")
    weights = _per_example("binary_cross_entropy_with_logits", "weight", weight, len(pairs))
    pos_weights = _per_example("binary_cross_entropy_with_logits", "pos_weight", pos_weight, len(pairs))
    terms = []
    for (z, y), w, pw in zip(pairs, weights, pos_weights):
        _check_binary_target("binary_cross_entropy_with_logits", y)
        if isinstance(y, Value) or 0.0 < y < 1.0:
            positive = (-z).softplus() * y if pw is None else (-z).softplus() * (pw * y)
            term = positive + (1.0 - y) * z.softplus()
        elif y == 1.0:
            term = (-z).softplus() if pw is None else pw * (-z).softplus()
        else:
            term = z.softplus()
        terms.append(term if w is None else w * term)
    return _reduce(terms, reduction)


def cross_entropy(
    logits: Sequence[Value] | Sequence[Sequence[Value]],
    targets,
    weight: Sequence[float] | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Value | list[Value]:
    """Cross-entropy from logits (as torch.nn.functional.cross_entropy), with C classes.

    For one example ``logits`` is a list of C Values and ``targets`` a class index (an int) or a
    list of C probabilities; for several, a list of such lists and a list of targets. With a class
    index y, per-class ``weight`` w (default 1) and ``label_smoothing`` e:

        (1 - e) * w_y * (-log softmax(z)_y)  +  (e / C) * sum_c w_c * (-log softmax(z)_c)

    and "mean" divides the sum over examples by the sum of w_y over the examples; a target equal to
    ``ignore_index`` adds nothing to either (loss 0 under "none"). With probabilities t (each
    smoothed to (1 - e) * t_c + e / C): sum_c w_c * t_c * (-log softmax(z)_c), and "mean" divides by
    the number of examples. These are PyTorch's formulas.

    -log softmax(z)_c is computed as logsumexp(z_j - z_c over j), whose own term is exactly 0: no
    large logsumexp(z) minus a large z_c cancels, so a loss of 2e-9 is exact to the last digits
    for logits of any size, and so is its gradient.
    """
    _check_reduction("cross_entropy", reduction)
    if isinstance(label_smoothing, bool) or not isinstance(label_smoothing, numbers.Real) or not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy label_smoothing must be a number in [0, 1], got {label_smoothing!r}")
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, numbers.Integral):
        raise ValueError(f"cross_entropy ignore_index must be an int, got {ignore_index!r}")
    if isinstance(logits, (list, tuple)) and not logits:
        raise ValueError("cross_entropy got no logits")
    one = isinstance(logits, (list, tuple)) and not isinstance(logits[0], (list, tuple))
    if one:
        logits, targets = [logits], [targets]
    elif isinstance(targets, numbers.Integral):
        raise ValueError("cross_entropy got one target for a list of examples: give one class index per example")
    examples = _pairs("cross_entropy", logits, targets, predictions="logits")
    classes = _check_logits("cross_entropy", examples, one)
    if weight is not None:
        weight = _class_weights("cross_entropy", weight, classes)
    soft = [not isinstance(y, numbers.Integral) and isinstance(y, (list, tuple)) for _, y in examples]
    if any(soft) and not all(soft):
        raise ValueError("cross_entropy targets must all be class indices or all be lists of probabilities")
    e = float(label_smoothing)
    terms, total_weight = [], 0.0
    for i, (z, y) in enumerate(examples):
        where = "" if one else f" (example {i})"
        if soft[i]:
            if ignore_index != -100:
                raise ValueError("cross_entropy ignore_index is for class-index targets, not probabilities")
            t = _check_probabilities("cross_entropy", y, classes, where)
            coefficients = [(1.0 - e) * tc + e / classes for tc in t]
        else:
            if isinstance(y, bool) or not isinstance(y, numbers.Integral):
                raise ValueError(f"cross_entropy target must be an int class index or a list of {classes} probabilities, got {y!r}{where}"[:300])
            if y == ignore_index:
                terms.append(None)
                continue
            if not 0 <= y < classes:
                raise ValueError(f"cross_entropy target {y!r} is out of range for {classes} classes (0 to {classes - 1}){where}")
            if weight is None and e == 0.0:  # the common case: -log softmax(z)_y alone
                total_weight += 1.0
                terms.append(_neg_log_softmax(z, y))
                continue
            total_weight += 1.0 if weight is None else weight[y]
            coefficients = [e / classes] * classes
            coefficients[y] += 1.0 - e
        if weight is not None:
            coefficients = [c * wc for c, wc in zip(coefficients, weight)]
        parts = [(c, _neg_log_softmax(z, k)) for k, c in enumerate(coefficients) if c != 0.0]
        if len(parts) == 1 and parts[0][0] == 1.0:
            terms.append(parts[0][1])
        elif not parts:
            terms.append(Value(0.0))
        else:
            terms.append(dot([v for _, v in parts], [c for c, _ in parts]))
    if reduction == "none":
        return [Value(0.0) if term is None else term for term in terms]
    kept = [term for term in terms if term is not None]
    if not kept:
        return Value(0.0) if reduction == "sum" else Value(math.nan)  # as PyTorch: 0 / 0 when all are ignored
    total = _sum(kept)
    if reduction == "sum":
        return total
    divisor = len(terms) if soft[0] else total_weight
    return total if divisor == 1.0 else total / divisor


def nll_loss(
    log_probs: Sequence[Scalar] | Sequence[Sequence[Scalar]],
    targets,
    weight: Sequence[float] | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Value | list[Value]:
    """Negative log-likelihood from log-probabilities x (as torch.nn.functional.nll_loss), class
    indices y and per-class ``weight`` w (default 1):

        -w_y * x_y,   "mean" dividing the sum by the sum of w_y over the examples

    A target equal to ``ignore_index`` adds nothing (loss 0 under "none"). nll_loss of
    log_softmax(z) is cross_entropy(z), which is the more exact way to the same number.
    """
    _check_reduction("nll_loss", reduction)
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, numbers.Integral):
        raise ValueError(f"nll_loss ignore_index must be an int, got {ignore_index!r}")
    if isinstance(log_probs, (list, tuple)) and not log_probs:
        raise ValueError("nll_loss got no log-probabilities")
    one = isinstance(log_probs, (list, tuple)) and not isinstance(log_probs[0], (list, tuple))
    if one:
        log_probs, targets = [log_probs], [targets]
    elif isinstance(targets, numbers.Integral):
        raise ValueError("nll_loss got one target for a list of examples: give one class index per example")
    examples = _pairs("nll_loss", log_probs, targets, predictions="log-probabilities")
    classes = _check_logits("nll_loss", examples, one, what="log-probabilities")
    if weight is not None:
        weight = _class_weights("nll_loss", weight, classes)
    terms, total_weight = [], 0.0
    for i, (x, y) in enumerate(examples):
        where = "" if one else f" (example {i})"
        if isinstance(y, bool) or not isinstance(y, numbers.Integral):
            raise ValueError(f"nll_loss target must be an int class index, got {y!r}{where}"[:300])
        if y == ignore_index:
            terms.append(None)
            continue
        if not 0 <= y < classes:
            raise ValueError(f"nll_loss target {y!r} is out of range for {classes} classes (0 to {classes - 1}){where}")
        w = 1.0 if weight is None else weight[y]
        total_weight += w
        terms.append(-x[y] if w == 1.0 else -w * x[y])
    if reduction == "none":
        return [Value(0.0) if term is None else term for term in terms]
    kept = [term for term in terms if term is not None]
    if not kept:
        return Value(0.0) if reduction == "sum" else Value(math.nan)
    total = _sum(kept)
    return total if reduction == "sum" or total_weight == 1.0 else total / total_weight


def kl_div(inputs, targets, reduction: str = "mean", log_target: bool = False) -> Value | list[Value]:
    """Kullback-Leibler divergence as torch.nn.functional.kl_div: ``inputs`` are log-probabilities
    x, ``targets`` probabilities t (log-probabilities if ``log_target``), pointwise:

        t * (log t - x)   (0 where t = 0),      or with log_target:  e**t * (t - x)

    ``inputs`` is one list of numbers or a list of such lists (a batch). As in PyTorch, "mean"
    averages over every element, which is not the divergence: "batchmean" (the sum divided by the
    number of rows; for one list, by its length, as PyTorch's size(0)) is; "sum" is for one
    distribution. "none" gives the pointwise terms, flat, row after row.
    """
    if reduction not in REDUCTIONS + ("batchmean",):
        raise ValueError(f"kl_div reduction must be one of 'mean', 'sum', 'none', 'batchmean', got {reduction!r}")
    if not isinstance(log_target, bool):
        raise ValueError(f"kl_div log_target must be True or False, got {log_target!r}")
    if isinstance(inputs, (list, tuple)) and inputs and isinstance(inputs[0], (list, tuple)):
        if not isinstance(targets, (list, tuple)) or len(targets) != len(inputs):
            raise ValueError("kl_div needs as many rows of targets as rows of inputs")
        rows = list(zip(inputs, targets))
        pairs = []
        for i, (x, t) in enumerate(rows):
            if not isinstance(x, (list, tuple)) or not isinstance(t, (list, tuple)):
                raise ValueError(f"kl_div example {i}: inputs and targets must both be lists")
            pairs += _pairs("kl_div", x, t, predictions="inputs")
        batch = len(rows)
    else:
        pairs = _pairs("kl_div", inputs, targets, predictions="inputs")
        batch = len(pairs)
    terms = []
    for x, t in pairs:
        if log_target:
            terms.append(math.exp(t) * (t - x) if not isinstance(t, Value) else t.exp() * (t - x))
        elif t < 0.0:
            raise ValueError(f"kl_div targets are probabilities (>= 0), got {t!r}: for log-probabilities pass log_target=True")
        elif t > 0.0:
            terms.append(t * (math.log(t) - x) if not isinstance(t, Value) else t * (t.log() - x))
        else:
            terms.append(0.0 * x)  # t = 0 adds nothing (and a NaN x still gives NaN, as PyTorch's 0 * nan)
    if reduction == "batchmean":
        total = _sum(terms)
        return total if batch == 1 else total / batch
    return _reduce(terms, reduction)


# --- shared checks ------------------------------------------------------------------------------


def _neg_log_softmax(z: Sequence[Value], c: int) -> Value:
    """-log softmax(z)_c = logsumexp(z_j - z_c for every j), with z_c's own term the exact 0."""
    zc = z[c]
    return logsumexp([0.0 if j == c else zj - zc for j, zj in enumerate(z)])


def _clamped_log(p: Value | float) -> Value | float:
    """log(p) but never below -100, as PyTorch's binary_cross_entropy."""
    if p > 0.0:
        out = p.log() if isinstance(p, Value) else math.log(p)
        if not out < -100.0:  # a NaN stays NaN
            return out
    return -100.0


def _check_binary_target(loss: str, y) -> None:
    if isinstance(y, bool) or not (y >= 0.0 and y <= 1.0):  # also refuses NaN; a guard under trace
        raise ValueError(f"{loss} targets must be numbers in [0, 1], got {y!r}")


def _check_reduction(loss: str, reduction: object) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{loss} reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _positive_number(x: object) -> bool:
    return not isinstance(x, bool) and isinstance(x, numbers.Real) and 0.0 < x < math.inf


def _per_example(loss: str, name: str, given, n: int) -> list:
    """A weight given as one number or one per example, as a list of n (None: no weight)."""
    if given is None:
        return [None] * n
    if isinstance(given, bool):
        raise ValueError(f"{loss} {name} must be a number or a list of {n} numbers, got {given!r}")
    if isinstance(given, numbers.Real):
        return [float(given)] * n
    given = list(given) if isinstance(given, (list, tuple)) else None
    if given is None or len(given) != n or not all(isinstance(w, numbers.Real) and not isinstance(w, bool) for w in given):
        raise ValueError(f"{loss} {name} must be a number or a list of {n} numbers (one per example)")
    return [float(w) for w in given]


def _class_weights(loss: str, weight, classes: int) -> list[float]:
    if not isinstance(weight, (list, tuple)) or len(weight) != classes:
        raise ValueError(f"{loss} weight must be a list of {classes} numbers, one per class, got {weight!r}"[:300])
    for w in weight:
        if isinstance(w, bool) or not isinstance(w, numbers.Real) or not math.isfinite(w):
            raise ValueError(f"{loss} weight must hold finite numbers, got {w!r}")
    return [float(w) for w in weight]


def _check_probabilities(loss: str, t, classes: int, where: str) -> list:
    if len(t) != classes:
        raise ValueError(f"{loss} probability target has {len(t)} entries for {classes} classes{where}")
    for tc in t:
        if isinstance(tc, bool) or not isinstance(tc, numbers.Real) or not 0.0 <= tc <= 1.0:
            raise ValueError(f"{loss} probability targets must be numbers in [0, 1], got {tc!r}{where}")
    return [float(tc) for tc in t]


def _check_logits(loss: str, examples: list, one: bool, what: str = "logits") -> int:
    """The number of classes; TypeError or ValueError for rows that are not lists of Values of one length."""
    classes = None
    for i, (z, _) in enumerate(examples):
        where = "" if one else f" (example {i})"
        if not isinstance(z, (list, tuple)) or not z:
            raise TypeError(f"{loss} {what} must be a non-empty list of Values per example{where}, got {z!r}"[:200])
        for v in z:
            if not isinstance(v, Value) and what == "logits":
                raise TypeError(f"{loss} logits must be Values, got {type(v).__name__}{where}")
            if not _is_scalar(v):
                raise TypeError(f"{loss} {what} must be Values or numbers, got {type(v).__name__}{where}")
        if classes is None:
            classes = len(z)
        elif len(z) != classes:
            raise ValueError(f"{loss}: example {i} has {len(z)} {what}, example 0 has {classes}")
    return classes


def _pairs(loss: str, preds, targets, predictions: str = "predictions") -> list[tuple]:
    """(prediction, target) pairs from one of each or two sequences of the same length; clear
    errors for anything else."""
    if _is_scalar(preds) and _is_scalar(targets):
        if not isinstance(preds, Value):
            raise TypeError(f"{loss} {predictions} must be Values, got {type(preds).__name__}")
        return [(preds, targets)]
    if isinstance(preds, (list, tuple)) and len(preds) == 1 and isinstance(preds[0], Value) and _is_scalar(targets):
        raise ValueError(
            f"{loss} got a list of one Value where it expects one Value, for the one target {targets!r}: "
            "a Layer(n, 1) returns a list; give its Value (out[0]) or a list of targets"
        )
    if _is_scalar(preds) or _is_scalar(targets) or isinstance(preds, str) or isinstance(targets, str):
        raise ValueError(f"{loss} needs one prediction and one target, or two sequences of the same length")
    preds, targets = list(preds), list(targets)
    if len(preds) != len(targets):
        raise ValueError(f"{loss} got {len(preds)} {predictions} but {len(targets)} targets")
    if not preds:
        raise ValueError(f"{loss} got no {predictions}")
    if predictions not in ("logits", "log-probabilities") or loss.startswith("binary"):
        for i, (p, t) in enumerate(zip(preds, targets)):
            if isinstance(p, (list, tuple)) and len(p) == 1 and isinstance(p[0], Value):
                raise ValueError(
                    f"{loss} {predictions} {i} is a list of one Value where a Value belongs: "
                    "a Layer(n, 1) returns a list; give its Value (out[0])"
                )
            if not isinstance(p, Value) and not (predictions == "inputs" and _is_scalar(p)):
                raise TypeError(f"{loss} {predictions} must be Values, got {type(p).__name__}")
            if not _is_scalar(t):
                raise TypeError(f"{loss} targets must be numbers or Values, got {type(t).__name__}")
    return list(zip(preds, targets))


def _sum(terms: list) -> Value:
    """The sum of the terms as one "dot" node (terms . ones)."""
    if len(terms) == 1:
        return terms[0] if isinstance(terms[0], Value) else Value(terms[0])
    return dot(terms, [1.0] * len(terms))


def _reduce(terms: list, reduction: str) -> Value | list[Value]:
    """The terms' mean ("mean"), sum ("sum"), or the terms themselves as Values ("none")."""
    if reduction == "none":
        return [t if isinstance(t, Value) else Value(t) for t in terms]
    total = _sum(terms)
    return total if reduction == "sum" or len(terms) == 1 else total / len(terms)


def _is_scalar(x: object) -> bool:
    return isinstance(x, (Value, float, int)) or isinstance(x, numbers.Real)  # the first test is fast
