"""The Value: one number in a computation graph, and the switch that stops graphs being recorded."""

from __future__ import annotations

import functools
import math
import numbers
import operator
from contextvars import ContextVar
from typing import Iterable, Union

from .names import CONSTANT
from .ops import OPS, Op

Number = Union[int, float]

# Whether ops record graphs, and the settings that enclosing `with` blocks restore: per thread (and
# per asyncio task), so one thread's `no_grad` never switches recording off in another.
_recording: ContextVar[bool] = ContextVar("chaingrad_recording", default=True)
_saved: ContextVar[tuple[bool, ...]] = ContextVar("chaingrad_saved_recording", default=())


def is_grad_enabled() -> bool:
    """Whether ops record graphs here and now: False inside `no_grad` (in this thread)."""
    return _recording.get()


class _GradMode:
    """Context manager that sets whether ops record graphs, restoring the old setting on exit.
    Nestable; one object may be re-entered and reused, exceptions included."""

    recording: bool

    __slots__ = ()

    def __enter__(self):
        _saved.set(_saved.get() + (_recording.get(),))
        _recording.set(self.recording)
        return self

    def __exit__(self, *exc_info: object) -> None:
        saved = _saved.get()
        _recording.set(saved[-1])
        _saved.set(saved[:-1])

    def __new__(cls, fn=None):
        # `@no_grad` (bare) decorates fn at once; `no_grad()` is the context manager (and decorator)
        return object.__new__(cls) if fn is None else object.__new__(cls)(fn)

    def __call__(self, fn):
        """Used as a decorator (``@no_grad()`` or ``@no_grad``): fn runs inside the block at each call."""
        if not callable(fn):
            raise TypeError(f"{type(self).__name__} decorates a function, got {type(fn).__name__}")
        mode = type(self)

        @functools.wraps(fn)
        def run(*args, **kwargs):
            with mode():
                return fn(*args, **kwargs)

        return run


class no_grad(_GradMode):
    """Context manager: Values made inside (in this thread) record no parents, so no graph is kept.
    Also a decorator, ``@no_grad()`` or ``@no_grad``: the function runs inside it at every call.

    Forward values are unchanged. Nestable; one object may be re-entered and reused, and the
    previous state comes back on exit, exceptions included.
    """

    __slots__ = ()
    recording = False


class enable_grad(_GradMode):
    """Context manager: record graphs again, even inside `no_grad`. Also a decorator, as `no_grad`."""

    __slots__ = ()
    recording = True


class Value:
    """A real number that remembers the op and the inputs (parents) it was computed from.

    ``.data`` is the number, ``.grad`` collects d(output)/d(this) from ``backward()``, ``.op`` is the
    op's name ("" for a leaf) and ``.parents`` its inputs in order.
    """

    __slots__ = ("data", "grad", "label", "op", "parents", "_grad_sum")

    def __init__(self, data: Number, label: str = "") -> None:
        if type(data) is not float:
            if not isinstance(data, numbers.Real):
                raise TypeError(f"Value() needs a real number, got {type(data).__name__}: {data!r}"[:200])
            try:
                data = float(data)
            except OverflowError:
                raise OverflowError("Value() got a number too large for a float") from None
        if not isinstance(label, str):
            raise TypeError(f"Value label must be a str, got {type(label).__name__}")
        self.data = data
        self.grad = 0.0
        self.label = label
        self.op = ""
        self.parents: tuple[Value, ...] = ()
        self._grad_sum = None  # used by backpropagation while it runs
        if _tracing:
            _trace_leaf(self)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def __float__(self) -> float:
        return self.data

    # Operators: a Value or a real number on either side.
    def __add__(self, other: Value | Number) -> Value:
        return apply(ADD, self, other)

    def __radd__(self, other: Value | Number) -> Value:
        return apply(ADD, other, self)

    def __sub__(self, other: Value | Number) -> Value:
        return apply(SUB, self, other)

    def __rsub__(self, other: Value | Number) -> Value:
        return apply(SUB, other, self)

    def __mul__(self, other: Value | Number) -> Value:
        return apply(MUL, self, other)

    def __rmul__(self, other: Value | Number) -> Value:
        return apply(MUL, other, self)

    def __truediv__(self, other: Value | Number) -> Value:
        return apply(DIV, self, other)

    def __rtruediv__(self, other: Value | Number) -> Value:
        return apply(DIV, other, self)

    def __pow__(self, other: Value | Number) -> Value:
        return apply(POW, self, other)

    def __rpow__(self, other: Value | Number) -> Value:
        return apply(POW, other, self)

    def __neg__(self) -> Value:
        return apply(NEG, self)

    # Comparisons of the numbers, with a Value or a real number on either side, so that max(),
    # sorting and `if x > 0:` work. `==` and hash stay identity: a Value is a node of a graph.
    def __lt__(self, other: Value | Number) -> bool:
        return compare(operator.lt, self, other)

    def __le__(self, other: Value | Number) -> bool:
        return compare(operator.le, self, other)

    def __gt__(self, other: Value | Number) -> bool:
        return compare(operator.gt, self, other)

    def __ge__(self, other: Value | Number) -> bool:
        return compare(operator.ge, self, other)

    def exp(self) -> Value:
        """e ** self."""
        return apply(EXP, self)

    def log(self) -> Value:
        """Natural logarithm; ValueError for self <= 0."""
        return apply(LOG, self)

    def tanh(self) -> Value:
        """Hyperbolic tangent."""
        return apply(TANH, self)

    def sigmoid(self) -> Value:
        """Logistic function 1 / (1 + e**-self)."""
        return apply(SIGMOID, self)

    def relu(self) -> Value:
        """max(0, self)."""
        return apply(RELU, self)

    def abs(self) -> Value:
        """|self| (also ``abs(x)``); its derivative is 0 at exactly 0."""
        return apply(ABS, self)

    __abs__ = abs

    def softplus(self) -> Value:
        """log(1 + e**self), computed without overflow for any self."""
        return apply(SOFTPLUS, self)

    def sqrt(self) -> Value:
        """Square root; ValueError for self < 0. Its slope at 0 is inf, as for self ** 0.5."""
        return apply(SQRT, self)

    def sin(self) -> Value:
        """Sine (radians); ValueError for an infinite self."""
        return apply(SIN, self)

    def cos(self) -> Value:
        """Cosine (radians); ValueError for an infinite self."""
        return apply(COS, self)

    def tan(self) -> Value:
        """Tangent (radians); ValueError for an infinite self."""
        return apply(TAN, self)

    def asin(self) -> Value:
        """Inverse sine; ValueError outside [-1, 1]."""
        return apply(ASIN, self)

    def acos(self) -> Value:
        """Inverse cosine; ValueError outside [-1, 1]."""
        return apply(ACOS, self)

    def atan(self) -> Value:
        """Inverse tangent."""
        return apply(ATAN, self)

    def sinh(self) -> Value:
        """Hyperbolic sine."""
        return apply(SINH, self)

    def cosh(self) -> Value:
        """Hyperbolic cosine."""
        return apply(COSH, self)

    def asinh(self) -> Value:
        """Inverse hyperbolic sine."""
        return apply(ASINH, self)

    def acosh(self) -> Value:
        """Inverse hyperbolic cosine; ValueError for self < 1."""
        return apply(ACOSH, self)

    def atanh(self) -> Value:
        """Inverse hyperbolic tangent; ValueError outside (-1, 1)."""
        return apply(ATANH, self)

    def log1p(self) -> Value:
        """log(1 + self), exact for small self; ValueError for self <= -1."""
        return apply(LOG1P, self)

    def expm1(self) -> Value:
        """e ** self - 1, exact for small self."""
        return apply(EXPM1, self)

    def log2(self) -> Value:
        """Base-2 logarithm; ValueError for self <= 0."""
        return apply(LOG2, self)

    def log10(self) -> Value:
        """Base-10 logarithm; ValueError for self <= 0."""
        return apply(LOG10, self)

    def erf(self) -> Value:
        """The error function."""
        return apply(ERF, self)

    def erfc(self) -> Value:
        """1 - erf(self), exact where erf(self) is close to 1."""
        return apply(ERFC, self)

    def sign(self) -> Value:
        """1.0, -1.0 or 0.0 by the sign of self (NaN for NaN); its derivative is 0."""
        return apply(SIGN, self)

    def leaky_relu(self, negative_slope: Value | Number = 0.01) -> Value:
        """self for self > 0, else negative_slope * self (a Value slope gets a gradient too)."""
        return _checked(apply(LEAKY_RELU, self, negative_slope), "leaky_relu", "negative_slope", negative_slope)

    def elu(self, alpha: Value | Number = 1.0) -> Value:
        """self for self > 0, else alpha * (e ** self - 1)."""
        return _checked(apply(ELU, self, alpha), "elu", "alpha", alpha)

    def gelu(self, approximate: str = "none") -> Value:
        """self * Phi(self), Phi the standard normal cdf, as PyTorch's gelu: approximate="none" uses
        erf, approximate="tanh" the tanh approximation."""
        if approximate == "none":
            return apply(GELU, self)
        if approximate == "tanh":
            return apply(GELU_TANH, self)
        raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")

    def silu(self) -> Value:
        """self * sigmoid(self) (also called swish)."""
        return apply(SILU, self)

    def clamp(self, min: Value | Number | None = None, max: Value | Number | None = None) -> Value:
        """self limited to [min, max], as PyTorch's clamp (max wins where min > max); give one or
        both bounds. The slope is 1 inside the bounds, bounds included, else 0."""
        if min is None and max is None:
            raise ValueError("clamp needs min or max (or both)")
        lo = -math.inf if min is None else min
        hi = math.inf if max is None else max
        return _checked(apply(CLAMP, self, lo, hi), "clamp", "min and max", (lo, hi))

    clip = clamp

    def maximum(self, other: Value | Number) -> Value:
        """The larger of self and other (see `autograd.maximum`)."""
        return maximum(self, other)

    def minimum(self, other: Value | Number) -> Value:
        """The smaller of self and other (see `autograd.minimum`)."""
        return minimum(self, other)

    def __mod__(self, other: Number) -> Value:
        """self % other for a number other: the sign of other, as PyTorch's remainder (-1 % 3 is 2).
        The slope is 1; a Value divisor is refused (TypeError)."""
        if isinstance(other, Value):
            raise TypeError("Value % Value is not supported: the divisor must be a number (Value % 2.0)")
        return apply(REMAINDER, self, other)

    def item(self) -> float:
        """The number, as a float (the same as ``.data``)."""
        return self.data

    def detach(self) -> Value:
        """A new leaf with the same number: no parents, so nothing flows back through it."""
        copy = Value(self.data)
        if _tracing:
            log = comparison_log.get()
            if log is not None:
                log.made(copy, None, (self,))
        return copy

    def backward(self) -> None:
        """Add d(self)/d(node) to ``node.grad`` for every node of this graph (self gets +1.0)."""
        backward(self)


def as_value(x: object) -> Value:
    """x itself if it is a Value, else a new constant leaf (TypeError if x is not a real number),
    labelled `CONSTANT` (an empty label that drawings know as a number written in the code)."""
    if isinstance(x, Value):
        return x
    constant = Value(x)
    constant.label = CONSTANT
    return constant


def number_leaf(x: Number) -> Value:
    """A new leaf for the plain number x, as library code makes one for a number it was given (a
    model's float inputs, grad()'s seed). Under `autograd.trace` it is the trace's own, a literal,
    like the 2.0 an op turns into a Value: only a Value that fn's own code makes is taken to be
    one fn may keep."""
    leaf = Value(x)
    if _tracing:
        _trace_numbers((leaf,), (x,))
    return leaf


def apply(op: Op, *inputs: object):
    """A new Value: ``op`` applied to Values or real numbers (numbers become constant leaves); it
    records its inputs unless in `no_grad`.

    Returns NotImplemented when an operand is neither, so that Python raises its usual TypeError
    for the operator.
    """
    for x in inputs:
        if type(x) is not Value:
            try:
                values = tuple(map(as_value, inputs))
            except TypeError:
                return NotImplemented
            if _tracing:
                _trace_numbers(values, inputs)
            inputs = values
            break
    out = _new(Value)  # skips __init__'s checks: forward always returns a float
    n = len(inputs)
    if n == 2:  # the common cases, spelled out to save building a list per op
        out.data = op.forward(inputs[0].data, inputs[1].data)
    elif n == 1:
        out.data = op.forward(inputs[0].data)
    else:
        out.data = op.forward(*[x.data for x in inputs])
    out.grad = 0.0
    out._grad_sum = None
    out.label = ""
    if _recording.get():
        out.op = op.name
        out.parents = inputs
    else:
        out.op = ""
        out.parents = ()
    if _tracing:
        _trace_made(out, op, inputs)
    return out


_new = object.__new__

# How many calls of `autograd.trace` are recording, in any thread. While none is, `apply` and
# `detach` pay one test of this number and nothing else for tracing.
_tracing = 0


def _trace_numbers(values: tuple, given: tuple) -> None:
    """Tell this thread's trace, if one is recording, which Values apply made from plain numbers."""
    log = comparison_log.get()
    if log is not None:
        log.numbers(values, given)


def _trace_leaf(leaf: Value) -> None:
    """Tell this thread's trace, if one is recording, that a leaf was made."""
    log = comparison_log.get()
    if log is not None:
        log.leaf(leaf)


def _trace_made(out: Value, op: Op, inputs: tuple) -> None:
    """Tell this thread's trace, if one is recording, that apply made ``out`` from ``inputs``."""
    log = comparison_log.get()
    if log is not None:
        log.made(out, op, inputs)

# Where comparisons are recorded while `autograd.trace` runs a function (per thread); else None.
comparison_log: ContextVar[list | None] = ContextVar("chaingrad_comparison_log", default=None)


def compare(test, a: Value, b: object):
    """test(a.data, b's number), recorded in `comparison_log` as (test, a, b, outcome) when a trace
    is listening; NotImplemented when b is neither a Value nor a real number."""
    if isinstance(b, Value):
        y = b.data
    elif isinstance(b, numbers.Real):
        y = b
    else:
        return NotImplemented
    outcome = test(a.data, y)
    log = comparison_log.get()
    if log is not None:
        log.append((test, a, b, outcome))
    return outcome


def dot(weights: Iterable[Value | Number], inputs: Iterable[Value | Number], bias: Value | Number | None = None) -> Value:
    """w0*x0 + w1*x1 + ... (+ bias) as a single graph node (op "dot")."""
    if not isinstance(weights, (list, tuple)):
        weights = list(weights)
    if not isinstance(inputs, (list, tuple)):
        inputs = list(inputs)
    if len(weights) != len(inputs):
        raise ValueError(f"dot needs as many weights as inputs, got {len(weights)} and {len(inputs)}")
    operands = (*weights, *inputs) if bias is None else (*weights, *inputs, bias)
    out = apply(DOT, *operands)
    if out is NotImplemented:
        bad = next(x for x in operands if not isinstance(x, (Value, numbers.Real)))
        raise TypeError(f"dot takes Values or real numbers, got {type(bad).__name__}")
    return out


def _checked(out, name: str, what: str, given: object):
    """out, or a TypeError naming the argument when apply found a non-number in it."""
    if out is NotImplemented:
        raise TypeError(f"{name}: {what} must be Values or real numbers, got {given!r}"[:200])
    return out


def maximum(a: Value | Number, b: Value | Number) -> Value:
    """The larger of a and b as one node (op "maximum"), as PyTorch's maximum: the gradient goes to
    the larger, half to each on a tie; NaN if either is NaN. (Python's max(a, b) returns one of
    the Values itself, so all of the gradient goes to it.)"""
    return _checked(apply(MAXIMUM, a, b), "maximum", "a and b", (a, b))


def minimum(a: Value | Number, b: Value | Number) -> Value:
    """The smaller of a and b as one node (op "minimum"), as PyTorch's minimum (see `maximum`)."""
    return _checked(apply(MINIMUM, a, b), "minimum", "a and b", (a, b))


def logsumexp(values: Iterable[Value | Number]) -> Value:
    """log(e**v0 + e**v1 + ...) as a single graph node (op "logsumexp"), exact for values of any size."""
    values = tuple(values)
    if not values:
        raise ValueError("logsumexp needs at least one value")
    out = apply(LOGSUMEXP, *values)
    if out is NotImplemented:
        bad = next(x for x in values if not isinstance(x, (Value, numbers.Real)))
        raise TypeError(f"logsumexp takes Values or real numbers, got {type(bad).__name__}")
    return out


def softmax(values: Iterable[Value | Number]) -> list[Value]:
    """e**v_i / (e**v0 + e**v1 + ...) for each value, as a list of Values that sum to 1.

    Each is e**(s_i - logsumexp(s)) with s_i = v_i - max(v): the same numbers (softmax does not
    change when every value moves by one constant), but no e** overflows, and the shifted values
    are small, so rounding in logsumexp stays small next to them. The max is taken by comparing
    the Values, so `trace` records which one it was (a guard) instead of fixing its number.
    """
    values = tuple(values)
    if not values:
        raise ValueError("softmax needs at least one value")
    top = max(values)  # the largest value itself; its own shifted value is exactly 0
    shifted = [v - top for v in values]
    total = logsumexp(shifted)
    return [(s - total).exp() for s in shifted]


ADD, SUB, MUL, DIV, POW, NEG = (OPS[name] for name in ("+", "-", "*", "/", "**", "neg"))
EXP, LOG, TANH, SIGMOID, RELU, DOT = (OPS[name] for name in ("exp", "log", "tanh", "sigmoid", "relu", "dot"))
ABS, SOFTPLUS, LOGSUMEXP = (OPS[name] for name in ("abs", "softplus", "logsumexp"))
SQRT, SIN, COS, TAN, ASIN, ACOS, ATAN, SINH, COSH, ASINH, ACOSH, ATANH = (OPS[name] for name in (
    "sqrt", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh"))
LOG1P, EXPM1, LOG2, LOG10, ERF, ERFC, SIGN = (OPS[name] for name in ("log1p", "expm1", "log2", "log10", "erf", "erfc", "sign"))
LEAKY_RELU, ELU, GELU, GELU_TANH, SILU, CLAMP = (OPS[name] for name in ("leaky_relu", "elu", "gelu", "gelu_tanh", "silu", "clamp"))
MAXIMUM, MINIMUM, REMAINDER = (OPS[name] for name in ("maximum", "minimum", "%"))

from .backward import backward  # noqa: E402  (backward.py needs Value defined first)
