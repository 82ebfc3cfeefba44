"""The op table's code entries agree with its functions: for every op in OPS, the code `trace`
generates from ``code`` and ``derivative_code`` gives bit for bit the numbers of ``forward`` and
``derivative``, and raises the same errors, on many inputs, edge values included. A new op
registered without its code entries fails here."""

import math
import struct

import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from autograd import trace
from autograd.ops import OPS, op
from autograd.value import apply

EDGES = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, -3.0, 1e-300, -1e-300, 5e-324, 1e300, -1e300,
         709.0, 710.0, -745.5, 36.0, -36.0, math.inf, -math.inf, math.nan]
numbers = st.one_of(st.sampled_from(EDGES), st.floats(allow_nan=True, allow_infinity=True),
                    st.floats(-5.0, 5.0))


def arities(entry):
    """How many inputs the op takes: every count from 1 to 5 its forward accepts."""
    counts = []
    for n in range(1, 6):
        try:
            entry.forward(*[0.5] * n)
        except TypeError:
            continue
        except (ArithmeticError, ValueError):
            pass  # outside the op's domain (acosh(0.5)), but it takes n inputs
        counts.append(n)
    return counts


CASES = [(name, n) for name in sorted(OPS) for n in arities(OPS[name])]


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


def same(a, b) -> bool:
    """Equal bit for bit (so 0.0 and -0.0 differ, and a NaN equals a NaN)."""
    return bits(a) == bits(b) or (a != a and b != b)


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_op_has_code_for_its_forward_and_its_derivative(name):
    entry = OPS[name]
    assert callable(entry.code) and entry.derivative_code is not None, f"op {name!r} needs code and derivative_code"


def defined(entry, xs) -> bool:
    """Whether the op's forward gives a number at xs (not a domain error such as asin(3))."""
    try:
        entry.forward(*xs)
    except (ArithmeticError, ValueError):
        return False
    return True


def into_domain(entry, xs, other):
    """xs and other (numbers in [0.1, 3]) moved to where the op is defined: as they are, or divided
    by 3.1 (asin's [-1, 1]), or plus 1 (acosh's x >= 1)."""
    for move in (lambda x: x, lambda x: x / 3.1, lambda x: x + 1.0):
        moved, moved_other = [move(x) for x in xs], move(other)
        if defined(entry, moved) and defined(entry, [moved_other] * len(xs)):
            return moved, moved_other
    raise AssertionError(f"no inputs in the domain of {entry.name!r} near {xs}")


def traced_op(name, n, literals):
    """trace of k * op(inputs...), where each position is an input or (literals[i] not None) a
    number literal, and k (the last input) plays the gradient g flowing into the op."""
    entry = OPS[name]

    def f(*xs):
        *inputs, k = xs
        it = iter(inputs)
        operands = [lit if lit is not None else next(it) for lit in literals]
        return apply(entry, *operands) * k

    n_inputs = sum(lit is None for lit in literals)
    for example in (0.5, 2.0, 1.5, 3.0, -0.5, -2.0):
        try:
            return trace(f, *[example] * n_inputs, 1.0)
        except (ArithmeticError, ValueError):
            continue
    return None


@settings(max_examples=600, deadline=None)
@given(case=st.sampled_from(CASES), data=st.data())
def test_generated_code_matches_forward_and_derivative_bit_for_bit(case, data):
    name, n = case
    entry = OPS[name]
    xs = data.draw(st.lists(numbers, min_size=n, max_size=n), label="xs")
    as_literal = data.draw(st.lists(st.booleans(), min_size=n, max_size=n), label="literal")
    if all(as_literal):
        as_literal[0] = False
    g = data.draw(numbers, label="g")
    literals = [x if lit else None for x, lit in zip(xs, as_literal)]
    traced = traced_op(name, n, literals)
    assume(traced is not None)  # else no example point where the op is defined with these literals
    args = [x for x, lit in zip(xs, as_literal) if not lit]
    try:
        out = entry.forward(*xs)
    except (ArithmeticError, ValueError) as eager:
        with pytest.raises(type(eager)) as replayed:
            traced.value_and_grad(*args, g)
        assert str(replayed.value) == str(eager)
        event("compared errors")
        return
    event("compared numbers")
    value, grads = traced.value_and_grad(*args, g)
    expected = list(entry.derivative(g, out, *xs))
    assert same(value, out * g)
    assert same(grads[-1], 1.0 * out)  # d(out * k)/dk
    input_grads = [d for d, lit in zip(expected, as_literal) if not lit]
    assert len(grads[:-1]) == len(input_grads)
    for got, want in zip(grads[:-1], input_grads):
        assert same(got, want), (got, want)


@pytest.mark.parametrize("name, n", CASES)
def test_forward_code_alone_matches_forward_at_the_edges(name, n):
    entry = OPS[name]
    example = next(x for x in (0.5, 2.0) if defined(entry, [x] * n))
    traced = trace(lambda *xs: apply(entry, *xs), *[example] * n)
    for i, x in enumerate(EDGES):
        xs = [EDGES[(i + 3 * k) % len(EDGES)] for k in range(n)]
        xs[0] = x
        try:
            out = entry.forward(*xs)
        except (ArithmeticError, ValueError) as eager:
            with pytest.raises(type(eager), match=None) as replayed:
                traced(*xs)
            assert str(replayed.value) == str(eager)
            continue
        assert same(traced(*xs), out), xs


def test_an_op_without_derivative_code_cannot_be_traced(monkeypatch):
    monkeypatch.setattr("autograd.ops.OPS", dict(OPS))  # registering below must not leak into other tests
    import autograd.ops as ops

    @op("half", lambda g, out, x: (g * 0.5,), "half({x})")
    def half(x: float) -> float:
        return x * 0.5

    assert ops.OPS["half"].derivative_code is None
    monkeypatch.setitem(OPS, "half", ops.OPS["half"])
    with pytest.raises(NotImplementedError, match="'half' has no derivative_code"):
        trace(lambda x: apply(OPS["half"], x), 1.0)


@pytest.mark.parametrize("name, n", CASES)
def test_every_op_says_what_each_local_derivative_reads(name, n):
    entry = OPS[name]
    assert entry.reads is not None, f"op {name!r} needs reads"
    reads = entry.reads(n)
    assert len(reads) == n and all(r in range(n) or r == "out" for per_input in reads for r in per_input)


@settings(max_examples=30, deadline=None)
@given(xs=st.lists(st.floats(0.1, 3.0), min_size=6, max_size=6), other=st.floats(0.1, 3.0))
@pytest.mark.parametrize("name, n", CASES)
def test_a_local_derivative_depends_on_nothing_it_does_not_read(name, n, xs, other):
    # change one number the derivative of input i does not read: that derivative stays the same
    entry = OPS[name]
    xs = xs[:n]
    xs, other = into_domain(entry, xs, other)
    out = entry.forward(*xs)
    before = entry.derivative(1.0, out, *xs)
    for i, per_input in enumerate(entry.reads(n)):
        for j in [*range(n), "out"]:
            if j in per_input:
                continue
            changed = list(xs)
            if j == "out":
                after = entry.derivative(1.0, other, *xs)
            else:
                changed[j] = other
                after = entry.derivative(1.0, out, *changed)
            assert same(float(after[i]), float(before[i])), f"{name}: d/d input {i} reads {j!r}"
