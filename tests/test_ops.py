"""The ops abs, softplus and logsumexp, the softmax helper, Value.item and Value.detach; and the
NaN rule: a NaN that goes into any op of the table comes out as a NaN."""

import math
from contextlib import nullcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, dot, grad, gradcheck, logsumexp, no_grad, numerical_grad, softmax
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
    }  # fmt: skip
    return calls[name]()
