"""The ops abs, softplus and logsumexp, the softmax helper, Value.item and Value.detach; and the
NaN rule: a NaN that goes into any op of the table comes out as a NaN."""

import math
from contextlib import nullcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, dot, grad, gradcheck, logsumexp, maximum, minimum, no_grad, numerical_grad, softmax
from autograd.ops import OPS

finite = st.floats(-30.0, 30.0, allow_nan=False)
away_from_zero = finite.filter(lambda x: abs(x) > 1e-3)


def second_derivatives_match_finite_differences(f, point):
    """d2 f / dx_i dx_j by create_graph, against finite differences of the first derivatives."""
    xs = [Value(x) for x in point]
    firsts = grad(f(*xs), xs, create_graph=True)
    for i, first in enumerate(firsts):
        expected = numerical_grad(lambda *vs, i=i: grad(f(*vs), vs, create_graph=True)[i], point)
        assert grad(first, xs) == pytest.approx(expected, rel=1e-4, abs=1e-6)


# --- abs ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("x, value, slope", [(2.5, 2.5, 1.0), (-1.5, 1.5, -1.0), (0.0, 0.0, 0.0)])
def test_abs_value_and_slope(x, value, slope):
    v = Value(x)
    out = v.abs()
    assert (out.op, out.data) == ("abs", value)
    out.backward()
    assert v.grad == slope


def test_builtin_abs_of_a_value_is_the_abs_op():
    v = Value(-3.0)
    assert abs(v).data == 3.0 and abs(v).op == "abs" and abs(v).parents == (v,)


@given(x=away_from_zero)
def test_abs_gradient_matches_finite_differences(x):
    assert gradcheck(lambda v: v.abs() * v, [x])  # x |x| has slope 2|x|


@given(x=away_from_zero, y=away_from_zero)
def test_abs_second_derivatives_match_finite_differences(x, y):
    # kinks only where x = 0 or y = 0, which the inputs keep away from
    second_derivatives_match_finite_differences(lambda a, b: a.abs() * b * b + (a * b.abs()).tanh(), [x, y])


# --- softplus -----------------------------------------------------------------------------------


@given(x=st.floats(-700.0, 700.0))
def test_softplus_is_log_of_one_plus_e_to_the_x(x):
    assert Value(x).softplus().data == pytest.approx(math.log1p(math.exp(x)), rel=1e-15)


@pytest.mark.parametrize("x", [1000.0, 1e300, 710.0])
def test_softplus_of_a_large_number_is_the_number(x):
    assert Value(x).softplus().data == x


def test_softplus_of_a_very_negative_number_is_tiny_not_an_error():
    assert Value(-1000.0).softplus().data == 0.0  # e**-1000 is below the smallest float
    assert Value(-30.0).softplus().data == pytest.approx(9.357622968839737e-14, rel=1e-15)  # log1p(e**-30)


def test_softplus_keeps_the_small_correction_for_large_x():
    # softplus(40) = 40 + log(1 + e**-40): the correction is below 40's last digit but must not be
    # lost in the slope, which is sigmoid(40) = 1 - e**-40 / (1 + e**-40).
    v = Value(-40.0)
    v.softplus().backward()
    assert v.grad == pytest.approx(math.exp(-40.0), rel=1e-12)


@given(x=finite)
def test_softplus_slope_is_sigmoid(x):
    v = Value(x)
    v.softplus().backward()
    assert v.grad == pytest.approx(Value(x).sigmoid().data, rel=1e-12)


@given(x=st.floats(-8.0, 8.0))
def test_softplus_gradient_matches_finite_differences(x):
    assert gradcheck(lambda v: v.softplus(), [x])


@given(x=st.floats(-8.0, 8.0), y=st.floats(-2.0, 2.0))
def test_softplus_second_derivatives_match_finite_differences(x, y):
    second_derivatives_match_finite_differences(lambda a, b: (a * b + a).softplus(), [x, y])


# --- logsumexp and softmax ----------------------------------------------------------------------

small_lists = st.lists(st.floats(-20.0, 20.0), min_size=1, max_size=5)


@given(xs=small_lists)
def test_logsumexp_is_log_of_the_sum_of_exponentials(xs):
    assert logsumexp(xs).data == pytest.approx(math.log(sum(math.exp(x) for x in xs)), rel=1e-12, abs=1e-12)


def test_logsumexp_is_one_node_with_every_value_as_a_parent():
    xs = [Value(1.0), Value(2.0), Value(3.0)]
    out = logsumexp(xs)
    assert out.op == "logsumexp" and out.parents == tuple(xs)


@pytest.mark.parametrize("big", [1000.0, -1000.0, 1e300])
def test_logsumexp_is_exact_for_values_of_any_size(big):
    assert logsumexp([big, big]).data == big + math.log(2.0)
    assert logsumexp([big]).data == big
    assert logsumexp([big, big - 1000.0]).data == big  # e**-1000 does not show beside 1


def test_logsumexp_with_infinities():
    assert logsumexp([math.inf, 1.0]).data == math.inf
    assert logsumexp([-math.inf, -math.inf]).data == -math.inf
    assert logsumexp([-math.inf, 2.0]).data == 2.0


def test_logsumexp_takes_numbers_and_generators():
    assert logsumexp(float(x) for x in range(3)).data == pytest.approx(math.log(1 + math.e + math.e**2))


def test_logsumexp_of_nothing_is_an_error():
    with pytest.raises(ValueError, match="at least one value"):
        logsumexp([])


def test_logsumexp_of_a_string_is_a_type_error():
    with pytest.raises(TypeError, match="str"):
        logsumexp([Value(1.0), "2"])


@given(xs=small_lists)
def test_logsumexp_gradient_is_the_softmax(xs):
    values = [Value(x) for x in xs]
    assert grad(logsumexp(values), values) == pytest.approx([s.data for s in softmax(xs)], rel=1e-12, abs=1e-300)


@given(xs=small_lists)
def test_logsumexp_gradient_matches_finite_differences(xs):
    assert gradcheck(lambda *vs: logsumexp(vs), xs)


@given(xs=st.lists(st.floats(-5.0, 5.0), min_size=1, max_size=4))
def test_logsumexp_second_derivatives_match_finite_differences(xs):
    second_derivatives_match_finite_differences(lambda *vs: logsumexp([v * v for v in vs]), xs)


@given(xs=small_lists)
def test_softmax_is_positive_sums_to_one_and_keeps_the_order(xs):
    probabilities = [p.data for p in softmax(xs)]
    assert all(p > 0.0 for p in probabilities)
    assert math.fsum(probabilities) == pytest.approx(1.0, rel=1e-12)
    for x, p in zip(xs, probabilities):  # a larger value never gets a smaller probability
        assert all(p <= q for y, q in zip(xs, probabilities) if x <= y)


def test_softmax_of_huge_logits_does_not_overflow_and_stays_exact():
    assert [p.data for p in softmax([1000.0, 1000.0, -1000.0])] == [0.5, 0.5, 0.0]
    assert [p.data for p in softmax([1e300, 1e300])] == [0.5, 0.5]


def test_softmax_of_nothing_is_an_error():
    with pytest.raises(ValueError, match="at least one value"):
        softmax([])


@given(xs=st.lists(st.floats(-5.0, 5.0), min_size=2, max_size=4))
def test_softmax_gradient_matches_finite_differences(xs):
    weights = [0.5, -1.0, 2.0, 0.25][: len(xs)]
    assert gradcheck(lambda *vs: sum((w * p for w, p in zip(weights, softmax(vs))), Value(0.0)), xs)


# --- item and detach ----------------------------------------------------------------------------


def test_item_is_the_number_as_a_float():
    v = Value(3) * 2
    assert v.item() == 6.0 and type(v.item()) is float


def test_detach_is_a_new_leaf_with_the_same_number():
    x = Value(2.0)
    y = x * x
    d = y.detach()
    assert (d.data, d.parents, d.op) == (4.0, (), "")
    assert d is not y
    (d * x).backward()  # d is a constant: d(d * x)/dx = d, with nothing through y
    assert x.grad == 4.0 and y.grad == 0.0


# --- the op table: each op's code, and NaN passing through -------------------------------------


def test_new_ops_write_themselves_as_python_expressions():
    assert OPS["abs"].code("x") == "abs(x)"
    assert OPS["softplus"].code("x") == "softplus(x)"
    assert OPS["logsumexp"].code("a", "b", "c") == "logsumexp(a, b, c)"


# For every op, ordinary inputs (inside its domain); each is replaced by NaN in turn.
ORDINARY_INPUTS = {
    "+": [1.5, 2.0], "-": [1.5, 2.0], "*": [1.5, 2.0], "/": [1.5, 2.0], "**": [1.5, 2.0], "neg": [1.5],
    "exp": [1.5], "log": [1.5], "tanh": [1.5], "sigmoid": [1.5], "relu": [1.5], "abs": [1.5],
    "softplus": [1.5], "dot": [0.5, 1.5, 2.0, -1.0, 0.25], "logsumexp": [1.5, 2.0, -3.0],
    "sqrt": [1.5], "sin": [1.5], "cos": [1.5], "tan": [1.5], "asin": [0.5], "acos": [0.5], "atan": [1.5],
    "sinh": [1.5], "cosh": [1.5], "asinh": [1.5], "acosh": [1.5], "atanh": [0.5], "log1p": [1.5], "erfc": [1.5],
    "expm1": [1.5], "log2": [1.5], "log10": [1.5], "erf": [1.5], "sign": [1.5], "leaky_relu": [1.5, 0.01],
    "elu": [1.5, 1.0], "gelu": [1.5], "gelu_tanh": [1.5], "silu": [1.5], "clamp": [1.5, 0.0, 2.0],
    "maximum": [1.5, 2.0], "minimum": [1.5, 2.0], "%": [1.5, 2.0],
}  # fmt: skip


def test_every_op_in_the_table_has_ordinary_inputs_here():
    assert set(ORDINARY_INPUTS) == set(OPS)


@pytest.mark.parametrize("name", sorted(ORDINARY_INPUTS))
@pytest.mark.parametrize("mode", ["recorded", "no_grad"])
def test_a_nan_input_gives_a_nan_output_for_every_op(name, mode):
    inputs = ORDINARY_INPUTS[name]
    assert not math.isnan(OPS[name].forward(*inputs))
    for i in range(len(inputs)):
        with_nan = [Value(math.nan if j == i else x) for j, x in enumerate(inputs)]
        with no_grad() if mode == "no_grad" else nullcontext():
            out = _apply(name, with_nan)
        assert math.isnan(out.data), f"{name} with NaN at input {i} gave {out.data!r}"


@pytest.mark.parametrize("x, y", [(1.0, math.nan), (math.nan, 0.0), (-2.0, math.nan), (0.0, math.nan)])
def test_power_never_turns_a_nan_into_a_number(x, y):
    # By the float rules 1 ** nan and nan ** 0 are 1.0: here a NaN is never hidden.
    assert math.isnan((Value(x) ** Value(y)).data)


def test_nan_slope_of_abs_shows_the_nan():
    v = Value(math.nan)
    v.abs().backward()
    assert math.isnan(v.grad)


def _apply(name, values):
    """The op ``name`` applied to Values, through the public API."""
    x = values[0]
    calls = {
        "+": lambda: x + values[1], "-": lambda: x - values[1], "*": lambda: x * values[1],
        "/": lambda: x / values[1], "**": lambda: x ** values[1], "neg": lambda: -x,
        "exp": x.exp, "log": x.log, "tanh": x.tanh, "sigmoid": x.sigmoid, "relu": x.relu,
        "abs": x.abs, "softplus": x.softplus,
        "dot": lambda: dot(values[:2], values[2:4], values[4]), "logsumexp": lambda: logsumexp(values),
        **{name: getattr(x, name) for name in ONE_INPUT}, "sign": x.sign, "gelu": x.gelu, "gelu_tanh": lambda: x.gelu(approximate="tanh"),
        "leaky_relu": lambda: x.leaky_relu(values[1]), "elu": lambda: x.elu(values[1]),
        "clamp": lambda: x.clamp(values[1], values[2]), "maximum": lambda: maximum(x, values[1]),
        "minimum": lambda: minimum(x, values[1]), "%": lambda: x % values[1].data,
    }  # fmt: skip
    return calls[name]()


# --- the math functions and the activations: sqrt, sin, ..., gelu, silu -------------------------

# Value method: (the math function it matches bit for bit, its slope in closed form, a range inside
# its domain for gradient checks)
ONE_INPUT = {
    "sqrt": (math.sqrt, lambda x: 0.5 / math.sqrt(x), (0.01, 30.0)),
    "sin": (math.sin, math.cos, (-10.0, 10.0)),
    "cos": (math.cos, lambda x: -math.sin(x), (-10.0, 10.0)),
    "tan": (math.tan, lambda x: 1.0 / math.cos(x) ** 2, (-1.4, 1.4)),
    "asin": (math.asin, lambda x: 1.0 / math.sqrt(1.0 - x * x), (-0.99, 0.99)),
    "acos": (math.acos, lambda x: -1.0 / math.sqrt(1.0 - x * x), (-0.99, 0.99)),
    "atan": (math.atan, lambda x: 1.0 / (1.0 + x * x), (-30.0, 30.0)),
    "sinh": (math.sinh, math.cosh, (-10.0, 10.0)),
    "cosh": (math.cosh, math.sinh, (-10.0, 10.0)),
    "asinh": (math.asinh, lambda x: 1.0 / math.sqrt(x * x + 1.0), (-30.0, 30.0)),
    "acosh": (math.acosh, lambda x: 1.0 / math.sqrt(x * x - 1.0), (1.01, 30.0)),
    "atanh": (math.atanh, lambda x: 1.0 / (1.0 - x * x), (-0.99, 0.99)),
    "log1p": (math.log1p, lambda x: 1.0 / (1.0 + x), (-0.99, 30.0)),
    "expm1": (math.expm1, math.exp, (-30.0, 10.0)),
    "log2": (math.log2, lambda x: 1.0 / (x * math.log(2.0)), (0.01, 30.0)),
    "log10": (math.log10, lambda x: 1.0 / (x * math.log(10.0)), (0.01, 30.0)),
    "erf": (math.erf, lambda x: 2.0 / math.sqrt(math.pi) * math.exp(-x * x), (-5.0, 5.0)),
    "erfc": (math.erfc, lambda x: -2.0 / math.sqrt(math.pi) * math.exp(-x * x), (-5.0, 5.0)),
    "silu": (lambda x: x / (1.0 + math.exp(-x)), lambda x: (1 + math.exp(-x) + x * math.exp(-x)) / (1 + math.exp(-x)) ** 2, (-30.0, 30.0)),
}


@pytest.mark.parametrize("name", sorted(ONE_INPUT))
@given(data=st.data())
@settings(max_examples=25, deadline=None)
def test_each_function_gives_the_math_modules_number_and_its_closed_form_slope(name, data):
    function, slope, (lo, hi) = ONE_INPUT[name]
    x = data.draw(st.floats(lo, hi), label="x")
    v = Value(x)
    out = getattr(v, name)()
    assert out.op == name and out.parents == (v,)
    assert out.data == pytest.approx(function(x), rel=1e-14, abs=1e-300)
    if name != "silu":  # silu is x * sigmoid(x), the math module has no silu
        assert out.data == function(x)
    out.backward()
    assert v.grad == pytest.approx(slope(x), rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("name", sorted(ONE_INPUT))
@given(data=st.data())
@settings(max_examples=10, deadline=None)
def test_each_function_passes_gradcheck_and_its_second_derivative_too(name, data):
    lo, hi = ONE_INPUT[name][2]
    x = data.draw(st.floats(lo + 0.01 * (hi - lo), hi - 0.01 * (hi - lo)), label="x")
    assert gradcheck(lambda v: getattr(v, name)(), [x])
    # create_graph: the derivative rule, recorded as a graph, differentiates again
    first = lambda v: grad(getattr(v, name)(), [v], create_graph=True)[0]  # noqa: E731
    assert gradcheck(first, [x], rtol=1e-3, atol=1e-4)


def test_every_math_function_a_learner_reaches_for_has_a_value_method():
    # math.exp(v) would read v's number through __float__ and lose the gradient; each has a method
    for name in ["exp", "log", "sqrt", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh",
                 "asinh", "acosh", "atanh", "log1p", "expm1", "log2", "log10", "erf", "erfc"]:
        v = Value(0.5) if name != "acosh" else Value(1.5)
        assert getattr(v, name)().data == getattr(math, name)(v.data), name


@pytest.mark.parametrize("call, message", [
    (lambda: Value(-1.0).sqrt(), r"sqrt of a negative number: sqrt\(-1.0\)"),
    (lambda: Value(2.0).asin(), r"asin of a number outside \[-1, 1\]: asin\(2.0\)"),
    (lambda: Value(-1.5).acos(), r"acos of a number outside \[-1, 1\]: acos\(-1.5\)"),
    (lambda: Value(-1.0).log1p(), r"log1p of a number <= -1: log1p\(-1.0\)"),
    (lambda: Value(0.0).log2(), r"log2 of a number <= 0"),
    (lambda: Value(-3.0).log10(), r"log10 of a number <= 0"),
    (lambda: Value(0.5).acosh(), r"acosh of a number < 1"),
    (lambda: Value(1.0).atanh(), r"atanh of a number outside \(-1, 1\)"),
    (lambda: Value(math.inf).sin(), r"sin of an infinite number: sin\(inf\)"),
    (lambda: Value(-math.inf).tan(), r"tan of an infinite number"),
])  # fmt: skip
def test_outside_the_domain_is_a_clear_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("call, message", [
    (lambda: Value(1000.0).sinh(), r"result too large: sinh\(1000.0\)"),
    (lambda: Value(-1000.0).cosh(), r"result too large: cosh\(-1000.0\)"),
    (lambda: Value(1000.0).expm1(), r"result too large: expm1\(1000.0\)"),
])  # fmt: skip
def test_a_result_beyond_the_floats_is_a_clear_overflow_error(call, message):
    with pytest.raises(OverflowError, match=message):
        call()


def test_sqrt_at_zero_has_an_infinite_slope_as_the_power_one_half():
    for make in (lambda v: v.sqrt(), lambda v: v**0.5):
        v = Value(0.0)
        out = make(v)
        out.backward()
        assert (out.data, v.grad) == (0.0, math.inf)
        w = Value(0.0)
        (make(w) * 0.0).backward()  # nothing flows in: nothing flows back (not 0 * inf = nan)
        assert w.grad == 0.0


def test_slopes_at_the_edges_of_the_domain_are_exact():
    assert grad(Value(1.0).asin(), [v := Value(1.0)]) == [0.0]  # v not in the graph: 0
    for x, name, slope in [(1.0, "asin", math.inf), (-1.0, "asin", math.inf), (1.0, "acos", -math.inf),
                           (1.0, "acosh", math.inf), (0.0, "sqrt", math.inf), (0.0, "sign", 0.0),
                           (-1e-300, "log1p", 1.0), (1e-300, "expm1", 1.0), (0.0, "erf", 2.0 / math.sqrt(math.pi))]:
        v = Value(x)
        assert grad(getattr(v, name)(), [v]) == [slope], name


def test_expm1_and_log1p_keep_the_digits_that_exp_and_log_lose():
    assert Value(1e-20).expm1().data == 1e-20 and Value(1e-20).log1p().data == 1e-20
    v = Value(-40.0)
    v.expm1().backward()
    assert v.grad == math.exp(-40.0)  # e**x, not out + 1 (which is 0.0 here)


@pytest.mark.parametrize("name", sorted(ONE_INPUT))
def test_a_nan_passes_through_each_function_and_its_slope(name):
    v = Value(math.nan)
    out = getattr(v, name)()
    out.backward()
    assert math.isnan(out.data)
    assert math.isnan(v.grad)


def test_sign_is_one_minus_one_or_zero_with_slope_zero():
    xs = [Value(x) for x in (2.5, -0.1, 0.0)]
    assert [x.sign().data for x in xs] == [1.0, -1.0, 0.0]
    assert grad(sum((x.sign() * x for x in xs), Value(0.0)), xs) == [1.0, -1.0, 0.0]  # d(sign(x) x) = sign(x)


# PyTorch's numbers (float64): F.leaky_relu(x, 0.01), F.elu, F.gelu, F.gelu(approximate="tanh"), F.silu
# at x = -1.5 and 0.7: (value, slope)
TORCH_ACTIVATIONS = {
    "leaky_relu": {-1.5: (-0.015, 0.01), 0.7: (0.7, 1.0)},
    "elu": {-1.5: (-0.7768698398515702, 0.22313016014842982), 0.7: (0.7, 1.0)},
    "gelu": {-1.5: (-0.10021080190328704, -0.1274691922299796), 0.7: (0.5306254434438489, 0.9766141011336599)},
    "gelu_tanh": {-1.5: (-0.10042842301976707, -0.12771079315143308), 0.7: (0.5305701347051167, 0.976357218656104)},
    "silu": {-1.5: (-0.2736382857095345, -0.041294154299142946), 0.7: (0.46773144051771626, 0.8233867834733425)},
}
ACTIVATION_CALLS = {
    "leaky_relu": lambda v: v.leaky_relu(), "elu": lambda v: v.elu(), "gelu": lambda v: v.gelu(),
    "gelu_tanh": lambda v: v.gelu(approximate="tanh"), "silu": lambda v: v.silu(),
}


@pytest.mark.parametrize("name", sorted(TORCH_ACTIVATIONS))
@pytest.mark.parametrize("x", [-1.5, 0.7])
def test_activations_give_pytorchs_numbers(name, x):
    value, slope = TORCH_ACTIVATIONS[name][x]
    v = Value(x)
    out = ACTIVATION_CALLS[name](v)
    out.backward()
    assert out.data == pytest.approx(value, rel=1e-15, abs=1e-17)
    assert v.grad == pytest.approx(slope, rel=1e-14)


@pytest.mark.parametrize("name", sorted(ACTIVATION_CALLS))
@given(x=away_from_zero.filter(lambda x: abs(x) < 20.0))
@settings(max_examples=15, deadline=None)
def test_activations_pass_gradcheck_with_second_derivatives(name, x):
    call = ACTIVATION_CALLS[name]
    assert gradcheck(call, [x])
    assert gradcheck(lambda v: grad(call(v), [v], create_graph=True)[0], [x], atol=1e-4)


def test_leaky_relu_and_elu_take_their_parameter_and_give_it_a_gradient():
    x, slope = Value(-2.0), Value(0.2)
    out = x.leaky_relu(slope)
    assert (out.data, out.op, out.parents) == (-0.4, "leaky_relu", (x, slope))
    out.backward()
    assert (x.grad, slope.grad) == (0.2, -2.0)  # d/dslope = x where x <= 0
    assert gradcheck(lambda x, a: x.elu(a), [-0.7, 1.3]) and gradcheck(lambda x, a: x.leaky_relu(a), [-0.7, 0.3])
    zero = Value(0.0)
    zero.leaky_relu(0.2).backward()
    assert zero.grad == 0.2  # PyTorch's slope at exactly 0
    with pytest.raises(TypeError, match="negative_slope"):
        Value(1.0).leaky_relu("0.1")


def test_gelu_keeps_its_tail_where_one_plus_erf_or_tanh_cancels():
    # exact values (50 digits, rounded): x Phi(x) at -10, and x * sigmoid(2u) for the tanh form at -7.2
    assert Value(-10.0).gelu().data == pytest.approx(-7.619853024160527e-23, rel=1e-13)
    assert Value(-2.891032406903676).gelu().data == pytest.approx(-0.005550471767581488, rel=1e-15)
    assert Value(-10.0).gelu(approximate="tanh").data < 0.0  # 1 + tanh(u) would give -0.0


def test_gelu_refuses_an_unknown_approximation():
    with pytest.raises(ValueError, match="'none' or 'tanh'"):
        Value(1.0).gelu(approximate="erf")


# --- clamp, minimum, maximum and % ---------------------------------------------------------------


@pytest.mark.parametrize("x, lo, hi, value, slopes", [
    (0.5, 0.0, 1.0, 0.5, (1.0, 0.0, 0.0)),
    (-2.0, 0.0, 1.0, 0.0, (0.0, 1.0, 0.0)),
    (3.0, 0.0, 1.0, 1.0, (0.0, 0.0, 1.0)),
    (1.0, 0.0, 1.0, 1.0, (1.0, 0.0, 0.0)),  # at a bound: the slope is 1, as PyTorch's
    (0.0, 0.0, 1.0, 0.0, (1.0, 0.0, 0.0)),
    (0.5, 2.0, 1.0, 1.0, (0.0, 0.0, 1.0)),  # min > max: max wins, as PyTorch's
])  # fmt: skip
def test_clamp_values_and_slopes(x, lo, hi, value, slopes):
    vs = [Value(x), Value(lo), Value(hi)]
    out = vs[0].clamp(vs[1], vs[2])
    assert out.data == value
    assert grad(out, vs) == list(slopes)


def test_clamp_with_one_bound_and_without_any():
    assert Value(5.0).clamp(max=2.0).data == 2.0 and Value(-5.0).clamp(min=-1.0).data == -1.0
    assert Value(-5.0).clip(max=2.0).data == -5.0
    assert math.isnan(Value(math.nan).clamp(0.0, 1.0).data)
    with pytest.raises(ValueError, match="min or max"):
        Value(1.0).clamp()


@given(x=finite, lo=finite, hi=finite)
@settings(max_examples=50, deadline=None)
def test_clamp_is_max_then_min(x, lo, hi):
    assert Value(x).clamp(lo, hi).data == min(max(x, lo), hi)


def test_maximum_and_minimum_send_the_gradient_to_the_one_chosen_and_split_a_tie():
    a, b = Value(1.0), Value(3.0)
    assert (maximum(a, b).data, minimum(a, b).data, a.maximum(b).data, a.minimum(2.0).data) == (3.0, 1.0, 3.0, 1.0)
    assert grad(maximum(a, b), [a, b]) == [0.0, 1.0] and grad(minimum(a, b), [a, b]) == [1.0, 0.0]
    c = Value(3.0)
    assert grad(maximum(b, c), [b, c]) == [0.5, 0.5] and grad(minimum(b, c), [b, c]) == [0.5, 0.5]  # PyTorch's tie
    assert math.isnan(maximum(a, math.nan).data) and math.isnan(minimum(math.nan, b).data)
    assert gradcheck(lambda x, y: maximum(x * y, x + y) * minimum(x, y * y), [0.5, 2.5])


@pytest.mark.parametrize("x, y, value", [(-1.0, 3.0, 2.0), (5.5, -2.0, -0.5), (-5.5, 2.0, 0.5), (7.0, 2.5, 2.0)])
def test_percent_is_pytorchs_remainder_with_the_sign_of_the_divisor(x, y, value):
    # torch.remainder's numbers; torch.fmod(-1.0, 3.0) would be -1.0
    v = Value(x)
    out = v % y
    assert (out.data, out.op) == (value, "%")
    out.backward()
    assert v.grad == 1.0


def test_percent_by_zero_or_by_a_value_is_an_error():
    with pytest.raises(ZeroDivisionError, match=r"modulo by zero: 1.0 % 0.0"):
        Value(1.0) % 0.0
    with pytest.raises(TypeError, match="divisor must be a number"):
        Value(1.0) % Value(2.0)
    assert gradcheck(lambda v: (v * v) % 3.0, [1.1])
