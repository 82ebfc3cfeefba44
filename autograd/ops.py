"""Every op the engine knows: its forward value and its local derivative, side by side.

An op is registered in the table ``OPS`` as two plain functions and a way to write it:

- ``forward(*xs) -> float`` computes the output from the inputs' numbers and raises a clear
  Python error where the math is undefined (log of 0, division by zero, ...);
- ``derivative(g, out, *xs) -> sequence`` is the vector-Jacobian product: given ``g = dL/d(out)``
  it returns ``dL/dx_i`` for each input. It is written with arithmetic operators and the
  helpers below only, so the very same function works on floats (plain backprop) and on Values
  (``create_graph=True``, which records the derivative as a graph that can be differentiated
  again);
- ``code(*xs) -> str`` writes ``forward`` as a Python expression, given its inputs as expressions
  (names or number literals): ``code("a", "b")`` is ``"a + b"`` for "+";
- ``derivative_code(g, out, *xs) -> list[str]`` writes ``derivative`` the same way: one expression
  per input, given the expressions of ``g``, ``out`` and the inputs;
- ``text(*xs) -> str`` writes the op for people, as the step-through page shows its arithmetic; it
  is ``code`` unless the code needs a call a reader need not see (``x ** y`` for ``power(x, y)``);
- ``reads(n) -> list[tuple]`` says, for each of the op's n inputs, which numbers that input's local
  derivative reads: input positions (ints) and ``"out"``. ``mul``'s d/dx reads y, ``tanh``'s reads
  out, ``relu``'s reads x (its sign), ``add``'s reads nothing. It is registered as one string per
  input naming ``x``, ``y`` and ``out`` (``("y", "x")`` for mul), or as a function of n.

An op with a parameter (leaky_relu's slope, elu's alpha, clamp's bounds, the divisor of ``%``) takes
it as one more input, so that one definition serves backward, ``trace`` (a number becomes a
constant: ``leaky_relu(x, 0.01)``) and the step-through, and a Value parameter gets its gradient.
Ops of a user's (`autograd.define_op`) are registered in this table too.

``autograd.trace`` builds its generated code from ``code`` and ``derivative_code`` alone, so the
contract for a new op is:

- ``code`` (a format string with ``{}`` or ``{x}``, ``{y}`` per input, or a function) must give
  bit for bit the number ``forward`` gives, for every input, and raise an exception of the same
  type where ``forward`` raises (the replay then re-runs ``forward`` to show the eager message);
- ``derivative_code`` (a tuple of format strings, one per input, with ``{g}``, ``{out}``, ``{x}``,
  ``{y}``; or a function) must give bit for bit the numbers of ``derivative`` on floats. Each
  expression is used as a term of a sum, so a conditional expression needs parentheses;
- the expressions may call the op's ``forward`` (by its function name), the ``functions`` the op
  lists, ``sum`` and the names ``inf`` and ``nan``, and nothing else. Where a rule is too intricate
  to inline (pow's special cases), call a function.

``tests/test_op_code.py`` checks this for every op in ``OPS`` on many inputs, edge values included,
and fails for an op registered without ``derivative_code``.
"""

from __future__ import annotations

import math
import operator
import sys
from typing import Callable, NamedTuple


class Op(NamedTuple):
    name: str
    forward: Callable[..., float]
    derivative: Callable[..., tuple]
    code: Callable[..., str]
    derivative_code: Callable[..., list] | None = None
    functions: tuple[Callable, ...] = ()  # what the code calls besides forward
    text: Callable[..., str] | None = None  # the op for people; None: as code
    reads: Callable[[int], list] | None = None  # per input: what its local derivative reads


OPS: dict[str, Op] = {}

INPUT_NAMES = ("x", "y")  # how the format strings of two-input ops name their inputs


def _named(exprs) -> dict[str, str]:
    return dict(zip(INPUT_NAMES, exprs)) if len(exprs) <= len(INPUT_NAMES) else {}


def op(name: str, derivative: Callable[..., tuple], code: str | Callable[..., str],
       derivative_code: tuple[str, ...] | Callable[..., list] | None = None, functions: tuple = (),
       text: str | Callable[..., str] | None = None, reads: tuple[str, ...] | Callable[[int], list] | None = None):
    """Register the decorated forward function, with its derivative and its code, as the op ``name``.

    ``code`` is a function of the inputs' expressions, or a format string such as ``"{} + {}"``;
    ``derivative_code`` a function ``(g, out, *xs) -> list of expressions``, or one format string
    per input such as ``("{g} * {y}", "{g} * {x}")``; ``text`` like ``code``, if it differs;
    ``reads`` one string per input naming what its local derivative reads (``("y", "x")``), or a
    function of the number of inputs giving a tuple of positions and ``"out"`` per input.
    """
    code, text = (_writer(c) if c is not None else None for c in (code, text))
    if isinstance(reads, tuple):
        reads = _reader(reads)
    if isinstance(derivative_code, tuple):
        templates = derivative_code
        derivative_code = lambda g, out, *xs: [t.format(g=g, out=out, **_named(xs)) for t in templates]  # noqa: E731

    def register(forward: Callable[..., float]) -> Callable[..., float]:
        OPS[name] = Op(name, forward, derivative, code, derivative_code, (forward, *functions), text or code, reads)
        return forward

    return register


def _writer(code: str | Callable[..., str]) -> Callable[..., str]:
    """A format string such as ``"{x} + {y}"`` as a function of the inputs' expressions."""
    if not isinstance(code, str):
        return code
    return lambda *xs: code.format(*xs, **_named(xs))


def _reader(names: tuple[str, ...]) -> Callable[[int], list]:
    """Strings such as ``("y", "x")`` (one per input, naming x, y and out) as a function of n."""
    where = {name: i for i, name in enumerate(INPUT_NAMES)} | {"out": "out"}
    table = [tuple(where[word] for word in s.split()) for s in names]
    return lambda n: table


def positive(x) -> bool:
    """Whether x > 0, for a float or a Value. A Value is compared as a Value, never read as a
    float, so that `autograd.trace` records the comparison as a guard when a rule branches on it."""
    return x > 0.0


def equal(x, k: float) -> bool:
    """Whether x == k, for a float or a Value (compared as a Value: ``==`` of Values is identity)."""
    return x >= k and x <= k


def odd(x) -> bool:
    """Whether x is an odd integer, for a float or a Value; for a Value also whether it equals its
    number exactly (so a trace guards on that number: no comparison tells odd from even)."""
    k = x if isinstance(x, (int, float)) else x.data
    return equal(x, k) and k % 2.0 == 1.0


def natural_log(x):
    """log(x) for a float or a Value, so derivative rules may use it on either."""
    return math.log(x) if isinstance(x, (int, float)) else x.log()


def exponential(x):
    """e ** x for a float or a Value, so derivative rules may use it on either."""
    return math.exp(x) if isinstance(x, (int, float)) else x.exp()


def logistic(x):
    """sigmoid(x) for a float or a Value, so derivative rules may use it on either."""
    return sigmoid(x) if isinstance(x, (int, float)) else x.sigmoid()


def sign(x) -> float:
    """The sign of x's number as a float: 1.0, -1.0, 0.0 at 0, and NaN for NaN (for a float or a
    Value, compared as a Value: see `positive`)."""
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0 if x >= 0.0 else math.nan


@op("+", lambda g, out, x, y: (g, g), "{x} + {y}", ("{g}", "{g}"), reads=("", ""))
def add(x: float, y: float) -> float:
    """x + y.   d/dx = 1, d/dy = 1."""
    return x + y


@op("-", lambda g, out, x, y: (g, -g), "{x} - {y}", ("{g}", "-{g}"), reads=("", ""))
def sub(x: float, y: float) -> float:
    """x - y.   d/dx = 1, d/dy = -1."""
    return x - y


@op("*", lambda g, out, x, y: (g * y, g * x), "{x} * {y}", ("{g} * {y}", "{g} * {x}"), reads=("y", "x"))
def mul(x: float, y: float) -> float:
    """x * y.   d/dx = y, d/dy = x."""
    return x * y


@op("/", lambda g, out, x, y: (g / y, -g * out / y), "{x} / {y}", ("{g} / {y}", "-{g} * {out} / {y}"), reads=("y", "out y"))
def div(x: float, y: float) -> float:
    """x / y.   d/dx = 1/y, d/dy = -x/y**2 = -out/y."""
    if y == 0.0:
        raise ZeroDivisionError(f"division by zero: {x!r} / {y!r}")
    return x / y


@op("neg", lambda g, out, x: (-g,), "-{x}", ("-{g}",), reads=("",))
def neg(x: float) -> float:
    """-x.   d/dx = -1."""
    return -x


def power_dx(g, out, x, y):
    """d(x ** y)/dx times g, for floats or Values (compared as Values: see `positive`)."""
    if equal(x, 0.0) and 0.0 <= y < 1.0:
        # x**(y-1) is undefined at x = 0: x**0 is the constant 1 (d/dx = 0), and a root such as
        # x**0.5 has an infinite slope there (d/dx = inf, as its limit from the right).
        return g * 0.0 if equal(y, 0.0) or equal(g, 0.0) else g * math.inf
    try:
        return g * y * x ** (y - 1.0)
    except OverflowError:  # a tiny x to a negative power: the slope is beyond the floats
        if equal(g, 0.0) or equal(y, 0.0):
            return g * 0.0  # nothing flows back (as where the slope fits), not 0 * inf = nan
        return g * y * (math.inf if positive(x) or odd(y) else -math.inf)  # sign of x**(y-1)


def power_dy(g, out, x, y):
    """d(x ** y)/dy times g, for floats or Values: x**y * log(x), which exists only for x > 0; at
    x <= 0 it is taken as 0 (x**y is not a real function of y around there)."""
    return g * out * natural_log(x) if positive(x) else g * 0.0


@op("**", lambda g, out, x, y: (power_dx(g, out, x, y), power_dy(g, out, x, y)), "power({x}, {y})",
    ("power_dx({g}, {out}, {x}, {y})", "power_dy({g}, {out}, {x}, {y})"), functions=(power_dx, power_dy),
    text="{x} ** {y}", reads=("x y", "out x"))
def power(x: float, y: float) -> float:
    """x ** y.   d/dx = y * x**(y-1) (at x = 0: 0 for y = 0, inf for 0 < y < 1), d/dy = x**y * log(x) (0 where x <= 0)."""
    if math.isnan(x) or math.isnan(y):
        return math.nan  # even 1 ** nan and nan ** 0, which are 1 by the float rules: a NaN never vanishes
    if x < 0.0 and not float(y).is_integer():
        raise ValueError(f"negative base with a non-integer exponent: ({x!r}) ** {y!r}")
    if x == 0.0 and y < 0.0:
        raise ZeroDivisionError(f"zero to a negative power: {x!r} ** {y!r}")
    try:
        return x**y
    except OverflowError:
        base = f"({x!r})" if x < 0.0 else repr(x)
        raise OverflowError(f"result too large: {base} ** {y!r}") from None


@op("exp", lambda g, out, x: (g * out,), "exp({x})", ("{g} * {out}",), reads=("out",))
def exp(x: float) -> float:
    """e ** x.   d/dx = e ** x = out."""
    try:
        return math.exp(x)
    except OverflowError:
        raise OverflowError(f"result too large: exp({x!r})") from None


@op("log", lambda g, out, x: (g / x,), "log({x})", ("{g} / {x}",), reads=("x",))
def log(x: float) -> float:
    """Natural logarithm, for x > 0.   d/dx = 1/x."""
    if x <= 0.0:
        raise ValueError(f"log of a number <= 0: log({x!r})")
    return math.log(x)


@op("tanh", lambda g, out, x: (g * (1.0 - out * out),), "tanh({x})", ("{g} * (1.0 - {out} * {out})",), reads=("out",))
def tanh(x: float) -> float:
    """tanh(x) = (e**x - e**-x) / (e**x + e**-x).   d/dx = 1 - tanh(x)**2 = 1 - out**2."""
    return math.tanh(x)


@op("sigmoid", lambda g, out, x: (g * out * (1.0 - out),), "sigmoid({x})", ("{g} * {out} * (1.0 - {out})",), reads=("out",))
def sigmoid(x: float) -> float:
    """1 / (1 + e**-x), computed without overflow.   d/dx = out * (1 - out)."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)  # x < 0, so e**x cannot overflow
    return e / (1.0 + e)


@op("relu", lambda g, out, x: (g if positive(x) else g * 0.0,), "(0.0 if {x} <= 0.0 else {x})",
    ("({g} if {x} > 0.0 else {g} * 0.0)",), text="relu({x})", reads=("x",))
def relu(x: float) -> float:
    """max(0, x), with NaN passed through.   d/dx = 1 for x > 0, else 0 (0 at exactly x = 0)."""
    return 0.0 if x <= 0.0 else x  # nan <= 0.0 is False: a NaN stays NaN, never a plausible 0


def _dot_derivative(g, out, *args):
    n, has_bias = divmod(len(args), 2)
    partials = [g * x for x in args[n : 2 * n]]
    partials += [g * w for w in args[:n]]
    if has_bias:
        partials.append(g)
    return partials


def _dot_code(*args: str) -> str:
    # The products added exactly as forward's sum(..., 0.0) adds them: up to Python 3.11 sum() of
    # floats adds left to right, so a chain of + from 0.0 (no call: faster); from 3.12 on sum() of
    # floats is compensated, so the code calls sum() as forward does.
    n, has_bias = divmod(len(args), 2)
    products = [f"{w} * {x}" for w, x in zip(args[:n], args[n : 2 * n])]
    if _PLAIN_SUM:
        total = " + ".join(["0.0", *products])
        return f"{total} + {args[-1]}" if has_bias else total
    total = f"sum(({', '.join(products)}{',' if n == 1 else ''}), 0.0)"
    return f"{total} + {args[-1]}" if has_bias else total


_PLAIN_SUM = sys.version_info < (3, 12)  # sum() of floats adds them one by one, as + does


def _dot_derivative_code(g: str, out: str, *args: str) -> list[str]:
    n, has_bias = divmod(len(args), 2)
    return [f"{g} * {x}" for x in args[n : 2 * n]] + [f"{g} * {w}" for w in args[:n]] + ([g] if has_bias else [])


def _dot_text(*args: str) -> str:
    n, has_bias = divmod(len(args), 2)
    terms = " + ".join(f"{w} * {x}" for w, x in zip(args[:n], args[n : 2 * n])) or "0"
    return f"{terms} + {args[-1]}" if has_bias else terms


def _dot_reads(n_inputs: int) -> list[tuple]:
    # d/dw_i reads x_i, d/dx_i reads w_i, d/db reads nothing
    n, has_bias = divmod(n_inputs, 2)
    return [(n + i,) for i in range(n)] + [(i,) for i in range(n)] + ([()] if has_bias else [])


@op("dot", _dot_derivative, _dot_code, _dot_derivative_code, text=_dot_text, reads=_dot_reads)
def dot(*args: float) -> float:
    """w0*x0 + ... + w(n-1)*x(n-1) (+ b): one node for a neuron's weighted sum.

    Inputs are (w0..w(n-1), x0..x(n-1)) and optionally a bias b last.
    d/dw_i = x_i, d/dx_i = w_i, d/db = 1.
    """
    n, has_bias = divmod(len(args), 2)
    total = sum(map(operator.mul, args[:n], args[n : 2 * n]), 0.0)
    return total + args[-1] if has_bias else total


@op("abs", lambda g, out, x: (g * sign(x),), "abs({x})", ("{g} * sign({x})",), functions=(sign,), reads=("x",))
def absolute(x: float) -> float:
    """|x|.   d/dx = 1 for x > 0, -1 for x < 0, and 0 at exactly x = 0 (as for relu)."""
    return abs(x)


@op("softplus", lambda g, out, x: (g * logistic(x),), "softplus({x})", ("{g} * sigmoid({x})",), reads=("x",))
def softplus(x: float) -> float:
    """log(1 + e**x), a smooth relu.   d/dx = e**x / (1 + e**x) = sigmoid(x).

    Computed as x + log(1 + e**-x) for x > 0 and log(1 + e**x) otherwise (log1p), so e** never
    overflows and nothing is lost for large |x|: softplus(1000) is 1000.0, softplus(-1000) is
    e**-1000 rounded to 0.0, softplus(-30) is 9.36e-14 to full precision.
    """
    if x > 0.0:
        return x + math.log1p(math.exp(-x))
    return math.log1p(math.exp(x))  # also NaN for NaN


def _logsumexp_derivative(g, out, *xs):
    # d/dx_i = e**x_i / sum_j e**x_j = e**(x_i - out): the softmax, with an exponent <= 0
    return [g * exponential(x - out) for x in xs]


@op("logsumexp", _logsumexp_derivative, lambda *xs: f"logsumexp({', '.join(xs)})",
    lambda g, out, *xs: [f"{g} * exp({x} - {out})" for x in xs], reads=lambda n: [(i, "out") for i in range(n)])
def logsumexp(*xs: float) -> float:
    """log(e**x0 + e**x1 + ...), for one or more inputs.   d/dx_i = e**x_i / sum_j e**x_j = softmax_i.

    Computed as m + log1p(sum_{i != k} e**(x_i - m)) with m = x_k = max(x), so no e** overflows
    and the 1 that the largest term adds is never rounded into the small rest: exact for inputs of
    any size (logsumexp(1000, 1000) is 1000 + log 2, logsumexp(0, -20) is e**-20 to the last digits).
    """
    if any(map(math.isnan, xs)):
        return math.nan
    m = max(xs)
    if math.isinf(m):  # some x is +inf (the result is +inf), or every x is -inf (-inf)
        return m
    k = xs.index(m)
    return m + math.log1p(math.fsum([math.exp(x - m) for i, x in enumerate(xs) if i != k]))


# --- The math functions, the smooth activations, clamp, minimum/maximum and % ----------------------
#
# Helpers first: each works on a float (the op's forward) or a Value (the op's Value method), so a
# derivative rule that uses one works for plain backprop and for create_graph=True alike.


def square_root(x):
    """sqrt(x) for a float or a Value, so derivative rules may use it on either."""
    return sqrt(x) if isinstance(x, (int, float)) else x.sqrt()


def sine(x):
    """sin(x) for a float or a Value, so derivative rules may use it on either."""
    return sin(x) if isinstance(x, (int, float)) else x.sin()


def cosine(x):
    """cos(x) for a float or a Value, so derivative rules may use it on either."""
    return cos(x) if isinstance(x, (int, float)) else x.cos()


def hyperbolic_sine(x):
    """sinh(x) for a float or a Value, so derivative rules may use it on either."""
    return sinh(x) if isinstance(x, (int, float)) else x.sinh()


def hyperbolic_cosine(x):
    """cosh(x) for a float or a Value, so derivative rules may use it on either."""
    return cosh(x) if isinstance(x, (int, float)) else x.cosh()


def hyperbolic_tangent(x):
    """tanh(x) for a float or a Value, so derivative rules may use it on either."""
    return tanh(x) if isinstance(x, (int, float)) else x.tanh()


def exp_minus_one(x):
    """e**x - 1 (expm1, exact for small x) for a float or a Value, so derivative rules may use it on either."""
    return expm1(x) if isinstance(x, (int, float)) else x.expm1()


def error_function(x):
    """erf(x) for a float or a Value, so derivative rules may use it on either."""
    return erf(x) if isinstance(x, (int, float)) else x.erf()


def complementary_error_function(x):
    """erfc(x) = 1 - erf(x) for a float or a Value, so derivative rules may use it on either."""
    return erfc(x) if isinstance(x, (int, float)) else x.erfc()


def divide(g, d):
    """g / d for a slope whose denominator d >= 0 reaches 0 at the edge of the op's domain (sqrt at
    0, asin at 1): there the slope is infinite, g * inf, and 0 where g is 0 too (nothing flows
    back), as for x ** 0.5 at 0. For floats or Values (compared as Values: see `positive`)."""
    if equal(d, 0.0):
        return g * 0.0 if equal(g, 0.0) else g * math.inf
    return g / d


def _finite_argument(name: str, x: float) -> None:
    if math.isinf(x):
        raise ValueError(f"{name} of an infinite number: {name}({x!r})")


def sqrt(x: float) -> float:
    """Square root, for x >= 0.   d/dx = 1 / (2 sqrt(x)) = 1 / (2 out); inf at x = 0, as x ** 0.5's."""
    if x < 0.0:
        raise ValueError(f"sqrt of a negative number: sqrt({x!r})")
    return math.sqrt(x)


def sin(x: float) -> float:
    """Sine (radians), for finite x.   d/dx = cos(x)."""
    _finite_argument("sin", x)
    return math.sin(x)


def cos(x: float) -> float:
    """Cosine (radians), for finite x.   d/dx = -sin(x)."""
    _finite_argument("cos", x)
    return math.cos(x)


def tan(x: float) -> float:
    """Tangent (radians), for finite x.   d/dx = 1 + tan(x)**2 = 1 + out**2."""
    _finite_argument("tan", x)
    return math.tan(x)


def asin(x: float) -> float:
    """Inverse sine, for -1 <= x <= 1.   d/dx = 1 / sqrt(1 - x**2); inf at x = -1 and 1."""
    if abs(x) > 1.0:
        raise ValueError(f"asin of a number outside [-1, 1]: asin({x!r})")
    return math.asin(x)


def acos(x: float) -> float:
    """Inverse cosine, for -1 <= x <= 1.   d/dx = -1 / sqrt(1 - x**2); -inf at x = -1 and 1."""
    if abs(x) > 1.0:
        raise ValueError(f"acos of a number outside [-1, 1]: acos({x!r})")
    return math.acos(x)


def atan(x: float) -> float:
    """Inverse tangent.   d/dx = 1 / (1 + x**2)."""
    return math.atan(x)


def sinh(x: float) -> float:
    """Hyperbolic sine (e**x - e**-x) / 2.   d/dx = cosh(x)."""
    try:
        return math.sinh(x)
    except OverflowError:
        raise OverflowError(f"result too large: sinh({x!r})") from None


def cosh(x: float) -> float:
    """Hyperbolic cosine (e**x + e**-x) / 2.   d/dx = sinh(x)."""
    try:
        return math.cosh(x)
    except OverflowError:
        raise OverflowError(f"result too large: cosh({x!r})") from None


def asinh(x: float) -> float:
    """Inverse hyperbolic sine.   d/dx = 1 / sqrt(x**2 + 1)."""
    return math.asinh(x)


def acosh(x: float) -> float:
    """Inverse hyperbolic cosine, for x >= 1.   d/dx = 1 / sqrt((x - 1)(x + 1)); inf at x = 1."""
    if x < 1.0:
        raise ValueError(f"acosh of a number < 1: acosh({x!r})")
    return math.acosh(x)


def atanh(x: float) -> float:
    """Inverse hyperbolic tangent, for -1 < x < 1.   d/dx = 1 / (1 - x**2)."""
    if abs(x) >= 1.0:
        raise ValueError(f"atanh of a number outside (-1, 1): atanh({x!r})")
    return math.atanh(x)


def log1p(x: float) -> float:
    """log(1 + x), exact for small x, for x > -1.   d/dx = 1 / (1 + x)."""
    if x <= -1.0:
        raise ValueError(f"log1p of a number <= -1: log1p({x!r})")
    return math.log1p(x)


def expm1(x: float) -> float:
    """e**x - 1, exact for small x.   d/dx = e**x (not out + 1, which loses e**x for x << 0)."""
    try:
        return math.expm1(x)
    except OverflowError:
        raise OverflowError(f"result too large: expm1({x!r})") from None


LN2, LN10 = math.log(2.0), math.log(10.0)


def log2(x: float) -> float:
    """Base-2 logarithm, for x > 0.   d/dx = 1 / (x log 2)."""
    if x <= 0.0:
        raise ValueError(f"log2 of a number <= 0: log2({x!r})")
    return math.log2(x)


def log10(x: float) -> float:
    """Base-10 logarithm, for x > 0.   d/dx = 1 / (x log 10)."""
    if x <= 0.0:
        raise ValueError(f"log10 of a number <= 0: log10({x!r})")
    return math.log10(x)


TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def erf(x: float) -> float:
    """The error function 2/sqrt(pi) * integral from 0 to x of e**-t**2 dt.   d/dx = 2/sqrt(pi) * e**-x**2."""
    return math.erf(x)


def erfc(x: float) -> float:
    """1 - erf(x), exact where erf(x) is close to 1.   d/dx = -2/sqrt(pi) * e**-x**2."""
    return math.erfc(x)


_ONE_INPUT = [
    # name, forward, derivative, derivative_code, functions, reads
    ("sqrt", sqrt, lambda g, out, x: (divide(g, 2.0 * out),), "divide({g}, 2.0 * {out})", (divide,), "out"),
    ("sin", sin, lambda g, out, x: (g * cosine(x),), "{g} * cos({x})", (cos,), "x"),
    ("cos", cos, lambda g, out, x: (-g * sine(x),), "-{g} * sin({x})", (sin,), "x"),
    ("tan", tan, lambda g, out, x: (g * (1.0 + out * out),), "{g} * (1.0 + {out} * {out})", (), "out"),
    ("asin", asin, lambda g, out, x: (divide(g, square_root(1.0 - x * x)),), "divide({g}, sqrt(1.0 - {x} * {x}))", (divide, sqrt), "x"),
    ("acos", acos, lambda g, out, x: (-divide(g, square_root(1.0 - x * x)),), "-divide({g}, sqrt(1.0 - {x} * {x}))", (divide, sqrt), "x"),
    ("atan", atan, lambda g, out, x: (g / (1.0 + x * x),), "{g} / (1.0 + {x} * {x})", (), "x"),
    ("sinh", sinh, lambda g, out, x: (g * hyperbolic_cosine(x),), "{g} * cosh({x})", (cosh,), "x"),
    ("cosh", cosh, lambda g, out, x: (g * hyperbolic_sine(x),), "{g} * sinh({x})", (sinh,), "x"),
    ("asinh", asinh, lambda g, out, x: (g / square_root(x * x + 1.0),), "{g} / sqrt({x} * {x} + 1.0)", (sqrt,), "x"),
    ("acosh", acosh, lambda g, out, x: (divide(g, square_root((x - 1.0) * (x + 1.0))),),
     "divide({g}, sqrt(({x} - 1.0) * ({x} + 1.0)))", (divide, sqrt), "x"),
    ("atanh", atanh, lambda g, out, x: (g / (1.0 - x * x),), "{g} / (1.0 - {x} * {x})", (), "x"),
    ("log1p", log1p, lambda g, out, x: (g / (1.0 + x),), "{g} / (1.0 + {x})", (), "x"),
    ("expm1", expm1, lambda g, out, x: (g * exponential(x),), "{g} * exp({x})", (exp,), "x"),
    ("log2", log2, lambda g, out, x: (g / (x * LN2),), f"{{g}} / ({{x}} * {LN2!r})", (), "x"),
    ("log10", log10, lambda g, out, x: (g / (x * LN10),), f"{{g}} / ({{x}} * {LN10!r})", (), "x"),
    ("erf", erf, lambda g, out, x: (g * TWO_OVER_SQRT_PI * exponential(-x * x),),
     f"{{g}} * {TWO_OVER_SQRT_PI!r} * exp(-{{x}} * {{x}})", (exp,), "x"),
    ("erfc", erfc, lambda g, out, x: (-g * TWO_OVER_SQRT_PI * exponential(-x * x),),
     f"-{{g}} * {TWO_OVER_SQRT_PI!r} * exp(-{{x}} * {{x}})", (exp,), "x"),
    ("sign", sign, lambda g, out, x: (g * 0.0,), "{g} * 0.0", (), ""),
]
for _name, _forward, _derivative, _derivative_code, _functions, _reads in _ONE_INPUT:
    op(_name, _derivative, _name + "({x})", (_derivative_code,), _functions, reads=(_reads,))(_forward)
del _name, _forward, _derivative, _derivative_code, _functions, _reads


@op("leaky_relu", lambda g, out, x, slope: (g, g * 0.0) if positive(x) else (g * slope, g * x),
    "leaky_relu({x}, {y})", ("({g} if {x} > 0.0 else {g} * {y})", "({g} * 0.0 if {x} > 0.0 else {g} * {x})"),
    reads=("x y", "x"))
def leaky_relu(x: float, slope: float) -> float:
    """x for x > 0, else slope * x (PyTorch's negative_slope, 0.01 by default in Value.leaky_relu).

    d/dx = 1 for x > 0, else slope (slope at exactly 0, as PyTorch); d/dslope = 0 for x > 0, else x.
    """
    if slope != slope:
        return math.nan  # a NaN slope shows even where x > 0 does not use it
    return x if x > 0.0 else slope * x  # also NaN for a NaN x


@op("elu", lambda g, out, x, alpha: (g, g * 0.0) if positive(x) else (g * alpha * exponential(x), g * exp_minus_one(x)),
    "elu({x}, {y})", ("({g} if {x} > 0.0 else {g} * {y} * exp({x}))", "({g} * 0.0 if {x} > 0.0 else {g} * expm1({x}))"),
    functions=(exp, expm1), reads=("x y", "x"))
def elu(x: float, alpha: float) -> float:
    """x for x > 0, else alpha * (e**x - 1) (alpha 1.0 by default in Value.elu).

    d/dx = 1 for x > 0, else alpha * e**x; d/dalpha = 0 for x > 0, else e**x - 1.
    """
    if alpha != alpha:
        return math.nan  # a NaN alpha shows even where x > 0 does not use it
    return x if x > 0.0 else alpha * math.expm1(x)


SQRT_HALF = math.sqrt(0.5)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
GELU_BETA = math.sqrt(2.0 / math.pi)  # the tanh approximation's sqrt(2 / pi)
GELU_KAPPA = 0.044715


def gelu_slope(x):
    """d gelu(x)/dx = Phi(x) + x * phi(x): the normal distribution's cdf and x times its density.
    For a float or a Value."""
    return 0.5 * complementary_error_function(-x * SQRT_HALF) + x * exponential(-0.5 * x * x) * INV_SQRT_2PI


@op("gelu", lambda g, out, x: (g * gelu_slope(x),), "gelu({x})", ("{g} * gelu_slope({x})",), functions=(gelu_slope,), reads=("x",))
def gelu(x: float) -> float:
    """x * Phi(x) = x/2 * (1 + erf(x / sqrt 2)), PyTorch's GELU (approximate='none').

    d/dx = Phi(x) + x * phi(x), with phi(x) = e**(-x**2/2) / sqrt(2 pi) (see `gelu_slope`).
    Computed as x/2 * erfc(-x / sqrt 2), the same number without the cancellation in 1 + erf for
    x < 0: gelu(-10) is -7.6e-23 to the last digits (1 + erf gives 0.0, and 93 ulps off at -2.9).
    """
    return 0.5 * x * math.erfc(-x * SQRT_HALF)


def gelu_tanh_slope(x):
    """d gelu_tanh(x)/dx = s + 2 x s (1 - s) * sqrt(2/pi) * (1 + 3 * 0.044715 x**2), with
    s = sigmoid(2u) = (1 + tanh(u)) / 2 and u = sqrt(2/pi) * (x + 0.044715 x**3). For a float or a Value."""
    s = logistic(2.0 * GELU_BETA * (x + GELU_KAPPA * x * x * x))
    return s + 2.0 * x * s * (1.0 - s) * GELU_BETA * (1.0 + 3.0 * GELU_KAPPA * x * x)


@op("gelu_tanh", lambda g, out, x: (g * gelu_tanh_slope(x),), "gelu_tanh({x})", ("{g} * gelu_tanh_slope({x})",),
    functions=(gelu_tanh_slope,), reads=("x",))
def gelu_tanh(x: float) -> float:
    """x/2 * (1 + tanh(u)), u = sqrt(2/pi) * (x + 0.044715 x**3): PyTorch's GELU(approximate='tanh').

    d/dx: see `gelu_tanh_slope`. Computed as x * sigmoid(2u), the same number without the
    cancellation in 1 + tanh(u) for x < 0 (which gives 0.0 from x = -7 on).
    """
    return x * sigmoid(2.0 * GELU_BETA * (x + GELU_KAPPA * x * x * x))


def silu_slope(x):
    """d silu(x)/dx = s * (1 + x * (1 - s)) with s = sigmoid(x). For a float or a Value."""
    s = logistic(x)
    return s * (1.0 + x * (1.0 - s))


@op("silu", lambda g, out, x: (g * silu_slope(x),), "silu({x})", ("{g} * silu_slope({x})",), functions=(silu_slope,), reads=("x",))
def silu(x: float) -> float:
    """x * sigmoid(x) (also called swish).   d/dx = s * (1 + x * (1 - s)), s = sigmoid(x)."""
    return x * sigmoid(x)


def _clamp_derivative(g, out, x, lo, hi):
    zero = g * 0.0
    return (
        g if lo <= x <= hi else zero,  # out is x
        g if x < lo <= hi else zero,  # out is lo
        g if x > hi or lo > hi else zero,  # out is hi
    )


def _clamp_derivative_code(g, out, x, lo, hi):
    return [f"({g} if {lo} <= {x} <= {hi} else {g} * 0.0)", f"({g} if {x} < {lo} <= {hi} else {g} * 0.0)",
            f"({g} if {x} > {hi} or {lo} > {hi} else {g} * 0.0)"]


@op("clamp", _clamp_derivative, "clamp({}, {}, {})", _clamp_derivative_code, reads=lambda n: [(0, 1, 2)] * 3)
def clamp(x: float, lo: float, hi: float) -> float:
    """min(max(x, lo), hi), PyTorch's clamp (Value.clamp(min, max) passes -inf or inf for a bound
    not given; hi wins where lo > hi). NaN in, NaN out.

    d/dx = 1 where lo <= x <= hi (bounds included, as PyTorch), d/dlo = 1 where x < lo <= hi,
    d/dhi = 1 where x > hi or lo > hi; else 0.
    """
    if x != x or lo != lo or hi != hi:
        return math.nan
    return min(max(x, lo), hi)


def _extreme_derivative(first):
    """The derivative of maximum (first = x > y) or minimum (first = x < y): the gradient goes to the
    input that is the result, half to each on a tie (as PyTorch), all to both where one is NaN."""
    def derivative(g, out, x, y):
        if first(x, y):
            return g, g * 0.0
        if first(y, x):
            return g * 0.0, g
        if x >= y:
            return g * 0.5, g * 0.5
        return g, g
    return derivative


def _extreme_code(symbol):
    other = {">": "<", "<": ">"}[symbol]
    return (f"({{g}} if {{x}} {symbol} {{y}} else {{g}} * 0.0 if {{x}} {other} {{y}} else {{g}} * 0.5 if {{x}} >= {{y}} else {{g}})",
            f"({{g}} * 0.0 if {{x}} {symbol} {{y}} else {{g}} if {{x}} {other} {{y}} else {{g}} * 0.5 if {{x}} >= {{y}} else {{g}})")


@op("maximum", _extreme_derivative(operator.gt), "maximum({x}, {y})", _extreme_code(">"), reads=("x y", "x y"))
def maximum(x: float, y: float) -> float:
    """The larger of x and y; NaN if either is NaN (PyTorch's maximum).

    d/dx = 1 where x > y, 1/2 where x = y, else 0 (and d/dy the other way round).
    """
    return math.nan if x != x or y != y else max(x, y)


@op("minimum", _extreme_derivative(operator.lt), "minimum({x}, {y})", _extreme_code("<"), reads=("x y", "x y"))
def minimum(x: float, y: float) -> float:
    """The smaller of x and y; NaN if either is NaN (PyTorch's minimum).

    d/dx = 1 where x < y, 1/2 where x = y, else 0 (and d/dy the other way round).
    """
    return math.nan if x != x or y != y else min(x, y)


@op("%", lambda g, out, x, y: (g, g * 0.0), "{x} % {y}", ("{g}", "{g} * 0.0"), reads=("", ""))
def remainder(x: float, y: float) -> float:
    """x % y = x - y * floor(x / y): Python's %, with the sign of the divisor y, as PyTorch's
    remainder (not fmod, which keeps x's sign): -1 % 3 is 2.

    d/dx = 1 (away from the jumps at multiples of y). The divisor is a number (``Value % 2.0``;
    a Value divisor is refused), so no gradient is taken for it: d/dy is given as 0.
    """
    if y == 0.0:
        raise ZeroDivisionError(f"modulo by zero: {x!r} % {y!r}")
    return x % y
