"""Your own op: `define_op` (and `Function`) register a primitive in the op table, and it works
everywhere a built-in op does: backward, create_graph, gradcheck, trace, drawings and the
step-through. A wrong derivative is caught by gradcheck; a name is only ever a name."""

import math
import struct

import pytest

from autograd import Function, GradcheckError, Value, define_op, grad, gradcheck, numerical_grad, step_through, trace
from autograd.ops import OPS, logistic


@pytest.fixture(autouse=True)
def op_table_restored():
    """Each test's ops leave the table as they found it."""
    before = dict(OPS)
    yield
    OPS.clear()
    OPS.update(before)


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def define_swish(derivative=None):
    """swish(x) = x * sigmoid(x); d/dx = s + x s (1 - s) = out + s (1 - out), s = sigmoid(x)."""

    @define_op("swish", derivative=derivative or (lambda g, out, x: (g * (out + logistic(x) * (1.0 - out)),)))
    def swish(x: float) -> float:
        return x * sigmoid(x)

    return swish


POINTS = [-3.0, -0.5, 0.0, 0.7, 2.5]


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


@pytest.mark.parametrize("x", POINTS)
def test_your_op_makes_a_node_with_its_value_and_its_slope(x):
    swish = define_swish()
    v = Value(x)
    out = swish(v)
    assert (out.op, out.parents, out.data) == ("swish", (v,), x * sigmoid(x))
    out.backward()
    s = sigmoid(x)
    assert v.grad == pytest.approx(s + x * s * (1.0 - s), rel=1e-14, abs=1e-300)
    assert gradcheck(swish, [x])


def test_numbers_become_constant_inputs_and_other_things_are_a_type_error():
    swish = define_swish()
    assert swish(2.0).data == 2.0 * sigmoid(2.0)
    with pytest.raises(TypeError, match="swish takes Values or real numbers, got str"):
        swish("2")


def test_a_wrong_derivative_is_caught_by_gradcheck_with_the_input_that_disagrees():
    swish = define_swish(derivative=lambda g, out, x: (g * logistic(x),))  # forgot the x s (1 - s) term
    with pytest.raises(GradcheckError, match=r"1 of 1 inputs[\s\S]*input 0 \(x = 1.5\): backprop 0.817"):
        gradcheck(swish, [1.5])


@pytest.mark.parametrize("x", POINTS)
def test_its_derivative_rule_differentiates_again_with_create_graph(x):
    swish = define_swish()
    v = Value(x)
    (first,) = grad(swish(v), [v], create_graph=True)
    assert isinstance(first, Value)
    (second,) = grad(first, [v])
    expected = numerical_grad(lambda u: grad(swish(u), [u], create_graph=True)[0], [x])[0]
    assert second == pytest.approx(expected, rel=1e-5, abs=1e-7)


def test_trace_calls_your_functions_and_replays_bit_for_bit():
    swish = define_swish()
    traced = trace(lambda a, b: swish(a * b) + swish(a), 0.3, -1.2)
    assert "user_op_swish(" in traced.source
    for a, b in [(0.3, -1.2), (2.0, 0.5), (-4.0, 1.5)]:
        va, vb = Value(a), Value(b)
        out = swish(va * vb) + swish(va)
        out.backward()
        value, grads = traced.value_and_grad(a, b)
        assert bits(value) == bits(out.data)
        assert [bits(g) for g in grads] == [bits(va.grad), bits(vb.grad)]


def test_the_step_through_writes_it_by_name_and_draw_dot_shows_it():
    swish = define_swish()
    x = Value(0.5, "x")
    y = swish(x)
    y.label = "y"
    texts = [s.text for s in step_through(y).steps]
    assert "y = swish(x) = swish(0.5) = 0.3112" in texts
    pytest.importorskip("graphviz")
    from autograd import draw_dot

    assert "swish" in draw_dot(y).source


def test_an_op_of_two_inputs_with_reads():
    @define_op("smooth_max", derivative=lambda g, out, x, y: (g * math_exp_of(x - out), g * math_exp_of(y - out)), reads=("x out", "y out"))
    def smooth_max(x: float, y: float) -> float:
        """log(e**x + e**y).   d/dx = e**(x - out), d/dy = e**(y - out)."""
        m = max(x, y)
        return m + math.log(math.exp(x - m) + math.exp(y - m))

    a, b = Value(1.0), Value(2.0)
    out = smooth_max(a, b)
    assert out.data == pytest.approx(math.log(math.e + math.e**2), rel=1e-15)
    assert gradcheck(smooth_max, [1.0, 2.0]) and gradcheck(lambda x, y: grad(smooth_max(x, y), [x], create_graph=True)[0], [0.3, -0.4])
    assert [s.reads for s in step_through(out).steps if s.kind == "backward" and s.output is out] == [(a, out), (b, out)]


def math_exp_of(x):
    return math.exp(x) if isinstance(x, float) else x.exp()


def test_by_default_a_local_derivative_reads_every_input_and_the_output():
    swish = define_swish()
    x = Value(0.5)
    y = swish(x)
    assert [s.reads for s in step_through(y).steps if s.kind == "backward" and s.output is y] == [(x, y)]


def test_function_made_directly_and_a_one_value_derivative():
    cube = Function("cube", lambda x: x * x * x, lambda g, out, x: g * 3.0 * x * x)  # one input: one value is enough
    v = Value(2.0)
    cube(v).backward()
    assert (cube(v).data, v.grad, repr(cube)) == (8.0, 12.0, "Function('cube')")


def test_defining_an_op_again_replaces_it():
    define_swish(derivative=lambda g, out, x: (g * 0.0,))
    swish = define_swish()
    assert gradcheck(swish, [1.0])


@pytest.mark.parametrize("name", ["a-b", "x; import os", "swish(x)", "class", "_private", "", "naïve", "1st"])
def test_a_name_that_is_not_a_plain_identifier_is_refused(name):
    with pytest.raises(ValueError, match="plain Python identifier"):
        Function(name, lambda x: x, lambda g, out, x: (g,))


def test_a_built_in_ops_name_is_refused_and_the_table_keeps_it():
    exp = OPS["exp"]
    with pytest.raises(ValueError, match="'exp' is a built-in op"):
        Function("exp", lambda x: x, lambda g, out, x: (g,))
    assert OPS["exp"] is exp
    with pytest.raises(TypeError, match="must be a str"):
        Function(3, lambda x: x, lambda g, out, x: (g,))


def test_a_forward_that_returns_a_value_or_a_derivative_of_the_wrong_length_is_a_clear_error():
    bad_forward = Function("bad_forward", lambda x: Value(x), lambda g, out, x: (g,))
    with pytest.raises(TypeError, match="forward must return a float, got Value"):
        bad_forward(1.0)
    two_partials = Function("two_partials", lambda x: 2.0 * x, lambda g, out, x: (g, g))
    with pytest.raises(ValueError, match="derivative returned 2 values for 1 inputs"):
        two_partials(Value(1.0)).backward()
