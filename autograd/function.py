"""Your own op: a new primitive with its forward on floats and its derivative rule, registered in
the op table beside the built-in ops, so it works everywhere they do.

    import math
    from autograd import Value, define_op, gradcheck
    from autograd.ops import logistic

    @define_op("swish", derivative=lambda g, out, x: (g * (out + logistic(x) * (1.0 - out)),))
    def swish(x: float) -> float:
        "x * sigmoid(x).   d/dx = sigmoid(x) + x sigmoid(x) (1 - sigmoid(x)) = out + s (1 - out)"
        return x / (1.0 + math.exp(-x))

    y = swish(Value(0.5))     # a Value: y.op == "swish"
    gradcheck(swish, [0.5])   # True, or a GradcheckError naming each input that disagrees

The two functions have the form of the op table's entries (see `autograd.ops`):

- ``forward(*xs) -> float`` computes the output from the inputs' numbers (plain floats); it may
  raise a clear error where the math is undefined;
- ``derivative(g, out, *xs)`` returns ``dL/dx_i = g * d out/d x_i`` for each input (a tuple, or
  one value for a one-input op). Written with arithmetic operators and the helpers of
  `autograd.ops` (``logistic``, ``exponential``, ``natural_log``, ``cosine``, ``positive``, ...)
  it works on floats (``backward``) and on Values (``grad(..., create_graph=True)``, which
  differentiates it again). Branch on an input only by comparing it (``x > 0.0``) or through
  ``positive`` and ``sign``, never by ``float(x)``, so that `trace` records the comparison.

``backward``, ``grad`` (``create_graph=True`` too), ``gradcheck``, ``trace``, ``draw_dot`` and the
step-through page all read the op from the table. Generated code calls your two Python functions
under names made from the op's name (``user_op_swish``, ``user_slope_swish``): the name must be a
plain identifier, so it can never be anything but a name there. The step-through writes the op as
``swish(x)``. ``reads`` (what each input's local derivative reads, for the page) is optional: by
default each reads every input and the output.

Defining an op again under the same name replaces it (so a notebook cell can be run again); a
built-in op's name is refused.
"""

from __future__ import annotations

import keyword
import numbers
from typing import Callable

from .ops import OPS, Op, _reader
from .value import Value, apply

BUILT_IN = frozenset(OPS)  # the ops.py table before any op of a user's


def _check_name(name: object) -> str:
    if not isinstance(name, str):
        raise TypeError(f"an op's name must be a str, got {type(name).__name__}")
    if not (name.isascii() and name.isidentifier()) or keyword.iskeyword(name) or name.startswith("_"):
        raise ValueError(f"an op's name must be a plain Python identifier (letters, digits, _; not a keyword, not starting with _), got {name!r}"[:200])
    if name in BUILT_IN:
        raise ValueError(f"{name!r} is a built-in op; give yours another name")
    return name


class Function:
    """A primitive op of your own, registered in the op table: call it on Values or numbers to get a
    Value. Made by `define_op` (or directly: ``Function(name, forward, derivative)``)."""

    def __init__(self, name: str, forward: Callable[..., float], derivative: Callable[..., object], reads=None):
        self.name = name = _check_name(name)
        if not callable(forward) or not callable(derivative):
            raise TypeError(f"op {name!r}: forward and derivative must be functions")
        self.forward = forward
        self.derivative = derivative

        def checked_forward(*xs: float) -> float:
            out = forward(*xs)
            if type(out) is not float:
                if isinstance(out, bool) or not isinstance(out, numbers.Real):
                    raise TypeError(f"op {name!r}: forward must return a float, got {type(out).__name__}"
                                    + (" (forward gets floats and returns a float; the engine makes the Value)" if isinstance(out, Value) else ""))
                out = float(out)
            return out

        def checked_derivative(g, out, *xs):
            partials = derivative(g, out, *xs)
            if not isinstance(partials, (tuple, list)):
                partials = (partials,)
            if len(partials) != len(xs):
                raise ValueError(f"op {name!r}: derivative returned {len(partials)} values for {len(xs)} inputs")
            return partials

        checked_forward.__name__ = checked_forward.__qualname__ = f"user_op_{name}"
        checked_derivative.__name__ = checked_derivative.__qualname__ = f"user_slope_{name}"
        forward_name, slope_name = checked_forward.__name__, checked_derivative.__name__

        def code(*xs: str) -> str:
            return f"{forward_name}({', '.join(xs)})"

        def derivative_code(g: str, out: str, *xs: str) -> list[str]:
            call = f"{slope_name}({', '.join((g, out, *xs))})"
            return [f"{call}[{i}]" for i in range(len(xs))]

        def text(*xs: str) -> str:
            return f"{name}({', '.join(xs)})"

        if reads is None:
            reads = lambda n: [(*range(n), "out")] * n  # noqa: E731  (everything, unless told)
        elif isinstance(reads, tuple):
            reads = _reader(reads)
        self.op = Op(name, checked_forward, checked_derivative, code, derivative_code,
                     (checked_forward, checked_derivative), text, reads)
        OPS[name] = self.op

    def __call__(self, *inputs: Value | float) -> Value:
        out = apply(self.op, *inputs)
        if out is NotImplemented:
            bad = next(x for x in inputs if not isinstance(x, (Value, numbers.Real)))
            raise TypeError(f"{self.name} takes Values or real numbers, got {type(bad).__name__}")
        return out

    def __repr__(self) -> str:
        return f"Function({self.name!r})"


def define_op(name: str, derivative: Callable[..., object], reads=None) -> Callable[[Callable[..., float]], Function]:
    """Decorator: register the decorated forward function (floats in, a float out) with its
    ``derivative(g, out, *xs)`` as the op ``name``, and return the `Function` that applies it.

    ``reads`` (optional) says what each input's local derivative reads, as in the op table:
    one string per input naming ``x``, ``y`` and ``out`` (``("y", "x")``), or a function of the
    number of inputs."""
    def register(forward: Callable[..., float]) -> Function:
        return Function(name, forward, derivative, reads)

    return register
