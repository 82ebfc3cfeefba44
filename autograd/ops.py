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


@op("relu", lambda g, out, x: (g if positive(x) else g * 0.0,), "relu({x})", ("({g} if {x} > 0.0 else {g} * 0.0)",), reads=("x",))
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
    # sum() of the products, exactly as forward adds them (from Python 3.12 on, sum() of floats is
    # compensated, so a chain of + could differ in the last bit)
    n, has_bias = divmod(len(args), 2)
    products = ", ".join(f"{w} * {x}" for w, x in zip(args[:n], args[n : 2 * n]))
    total = f"sum(({products}{',' if n == 1 else ''}), 0.0)"
    return f"{total} + {args[-1]}" if has_bias else total


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
