"""Value: construction, attributes, repr, identity, operators, errors, numerical stability,
and every op's derivative checked against finite differences."""

import math
import operator
from decimal import Decimal
from fractions import Fraction

import pytest

from autograd import Value, grad, no_grad, numerical_grad


# --- construction -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number, expected",
    [(3, 3.0), (-2.5, -2.5), (True, 1.0), (False, 0.0), (Fraction(1, 4), 0.25), (10**20, 1e20)],
)
def test_value_stores_any_real_number_as_float(number, expected):
    v = Value(number)
    assert v.data == expected
    assert type(v.data) is float


@pytest.mark.parametrize("type_name", ["float64", "float32", "int64", "uint8"])
def test_value_accepts_numpy_real_scalars(type_name):
    np = pytest.importorskip("numpy")
    v = Value(getattr(np, type_name)(3))
    assert v.data == 3.0
    assert type(v.data) is float


@pytest.mark.parametrize(
    "bad, type_name",
    [("1.0", "str"), (None, "NoneType"), (1 + 2j, "complex"), ([1.0], "list"), (Decimal("1.5"), "Decimal")],
)
def test_value_rejects_non_real_data_naming_its_type(bad, type_name):
    with pytest.raises(TypeError, match=type_name):
        Value(bad)


def test_value_rejects_another_value_as_data():
    with pytest.raises(TypeError, match="got Value"):
        Value(Value(1.0))


def test_value_rejects_non_str_label():
    with pytest.raises(TypeError, match="label must be a str, got int"):
        Value(1.0, label=5)


# --- attributes ---------------------------------------------------------------------------------


def test_new_value_is_a_leaf_with_zero_grad():
    v = Value(2.0, label="x")
    assert (v.data, v.grad, v.label, v.op, v.parents) == (2.0, 0.0, "x", "", ())


def test_label_defaults_to_empty():
    assert Value(1.0).label == ""


@pytest.mark.parametrize(
    "make, op",
    [
        (lambda a, b: a + b, "+"),
        (lambda a, b: a - b, "-"),
        (lambda a, b: a * b, "*"),
        (lambda a, b: a / b, "/"),
        (lambda a, b: a**b, "**"),
    ],
)
def test_binary_op_records_its_name_and_both_parents_in_order(make, op):
    a, b = Value(2.0), Value(3.0)
    out = make(a, b)
    assert out.op == op
    assert out.parents == (a, b)


@pytest.mark.parametrize("method, op", [("exp", "exp"), ("log", "log"), ("tanh", "tanh"), ("sigmoid", "sigmoid"), ("relu", "relu")])
def test_unary_method_records_its_name_and_parent(method, op):
    a = Value(0.5)
    out = getattr(a, method)()
    assert (out.op, out.parents) == (op, (a,))


def test_negation_records_neg():
    a = Value(0.5)
    out = -a
    assert (out.op, out.parents) == ("neg", (a,))


def test_same_value_twice_is_a_repeated_parent():
    a = Value(3.0)
    assert (a * a).parents == (a, a)


def test_number_operand_is_wrapped_as_a_constant_leaf():
    a = Value(1.0)
    out = a + 2
    assert out.parents[0] is a
    constant = out.parents[1]
    assert isinstance(constant, Value)
    assert (constant.data, constant.op, constant.parents) == (2.0, "", ())


def test_reflected_number_operand_comes_first_in_parents():
    a = Value(1.0)
    out = 2 - a
    assert out.parents[1] is a
    assert out.parents[0].data == 2.0


def test_ops_under_no_grad_make_leaves_with_the_same_data():
    a = Value(2.0)
    with no_grad():
        out = (a * 3).exp()
    assert (out.op, out.parents) == ("", ())
    assert out.data == math.exp(6.0)


# --- float, repr, identity ----------------------------------------------------------------------


def test_float_gives_data():
    assert float(Value(2.5)) == 2.5


def test_repr_shows_data_and_grad():
    v = Value(2.0)
    v.grad = 0.5
    assert repr(v) == "Value(data=2.0, grad=0.5)"


def test_repr_shows_label_when_set():
    assert repr(Value(2.0, label="w")) == "Value(data=2.0, grad=0.0, label='w')"


def test_equality_is_identity():
    a, b = Value(1.0), Value(1.0)
    assert a == a
    assert a != b


def test_values_with_equal_data_are_distinct_dict_keys():
    a, b = Value(1.0), Value(1.0)
    grads = {a: "a", b: "b"}
    assert grads[a] == "a" and grads[b] == "b"
    assert len({a, b, a}) == 2


# --- operators: forward values ------------------------------------------------------------------

BINARY = [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow]


@pytest.mark.parametrize("fn", BINARY, ids=lambda f: f.__name__)
@pytest.mark.parametrize("x, y", [(2.0, 3.0), (0.5, -1.5), (4, 2)])
def test_operators_match_float_arithmetic_with_values_or_numbers_on_either_side(fn, x, y):
    expected = fn(float(x), float(y))
    assert fn(Value(x), Value(y)).data == expected
    assert fn(Value(x), y).data == expected
    assert fn(x, Value(y)).data == expected


def test_negation_value():
    assert (-Value(2.0)).data == -2.0


@pytest.mark.parametrize("method, fn", [("exp", math.exp), ("log", math.log), ("tanh", math.tanh)])
def test_unary_methods_match_math(method, fn):
    assert getattr(Value(0.7), method)().data == pytest.approx(fn(0.7))


def test_sigmoid_value():
    assert Value(0.0).sigmoid().data == 0.5
    assert Value(2.0).sigmoid().data == pytest.approx(1 / (1 + math.exp(-2.0)))


def test_relu_value():
    assert Value(-2.0).relu().data == 0.0
    assert Value(3.0).relu().data == 3.0


def test_relu_passes_a_nan_through_instead_of_hiding_it():
    assert math.isnan(Value(math.nan).relu().data)


# --- operators: type errors ---------------------------------------------------------------------

OPERATOR_FORMS = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
}


@pytest.mark.parametrize("symbol", OPERATOR_FORMS)
@pytest.mark.parametrize("bad, type_name", [("x", "str"), (None, "NoneType"), ([1.0], "list"), (Decimal(1), "Decimal")])
def test_operator_with_unsupported_operand_raises_type_error(symbol, bad, type_name):
    form = OPERATOR_FORMS[symbol]
    # Python names the operand's type, except for str/list "*", which it reads as repetition.
    with pytest.raises(TypeError, match=rf"{type_name}'|can't multiply sequence by non-int of type 'Value'"):
        form(Value(2.0), bad)


@pytest.mark.parametrize("symbol", OPERATOR_FORMS)
@pytest.mark.parametrize("bad", ["x", None, [1.0], Decimal(1)])
def test_reflected_operator_with_unsupported_operand_raises_type_error(symbol, bad):
    form = OPERATOR_FORMS[symbol]
    # The message comes from Python (or from str/list themselves); it always names Value.
    with pytest.raises(TypeError, match="Value"):
        form(bad, Value(2.0))


# --- domain errors ------------------------------------------------------------------------------


@pytest.mark.parametrize("x", [0.0, -1.5])
def test_log_of_non_positive_raises_value_error(x):
    with pytest.raises(ValueError, match=rf"log\({x!r}\)"):
        Value(x).log()


def test_division_by_zero_raises_zero_division_error():
    with pytest.raises(ZeroDivisionError, match=r"1\.0 / 0\.0"):
        Value(1.0) / 0


def test_reflected_division_by_zero_value():
    with pytest.raises(ZeroDivisionError, match=r"2\.0 / 0\.0"):
        2 / Value(0.0)


def test_negative_base_with_non_integer_exponent_raises_value_error():
    with pytest.raises(ValueError, match=r"\(-8\.0\) \*\* 0\.5"):
        Value(-8.0) ** 0.5


def test_negative_base_with_non_integer_value_exponent_raises_value_error():
    with pytest.raises(ValueError, match=r"\(-2\.0\) \*\* 1\.5"):
        (-2) ** Value(1.5)


def test_zero_to_negative_power_raises_zero_division_error():
    with pytest.raises(ZeroDivisionError, match=r"0\.0 \*\* -1\.0"):
        Value(0.0) ** -1


def test_exp_overflow_raises_overflow_error():
    with pytest.raises(OverflowError, match=r"exp\(1000\.0\)"):
        Value(1000.0).exp()


def test_pow_overflow_raises_overflow_error():
    with pytest.raises(OverflowError, match=r"10\.0 \*\* 400\.0"):
        Value(10.0) ** 400


@pytest.mark.parametrize(
    "x, y, slope",
    [
        (1e-300, -1.0, -math.inf),  # d/dx x**-1 = -x**-2
        (-1e-300, -1.0, -math.inf),
        (-1e-154, -2.0, math.inf),  # -2 * x**-3, and x**-3 < 0
        (1e-200, -1.5, -math.inf),
    ],
)
def test_slope_too_steep_for_a_float_is_infinite_not_an_error(x, y, slope):
    # The output itself fits in a float; only the derivative y * x**(y-1) does not.
    base = Value(x)
    out = base**y
    out.backward()
    assert math.isfinite(out.data) and base.grad == slope
    assert grad(base**y, [base], create_graph=True)[0].data == slope


def test_slope_too_steep_for_a_float_passes_on_a_zero_gradient_as_zero():
    x = Value(1e-200)
    (-(x**-1.0)).relu().backward()  # the relu is off: nothing flows back to x
    assert x.grad == 0.0
    tiny = Value(5e-310)
    (tiny**0.0).backward()  # x**0 is constant
    assert tiny.grad == 0.0


def test_negative_base_with_integer_exponent_is_fine():
    assert (Value(-2.0) ** 3).data == -8.0


# --- stability ----------------------------------------------------------------------------------


def test_sigmoid_saturates_without_overflow():
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).sigmoid().data == 1.0


def test_sigmoid_gradient_vanishes_when_saturated():
    for x in (-1000.0, 1000.0):
        v = Value(x)
        v.sigmoid().backward()
        assert v.grad == 0.0


def test_tanh_saturates():
    assert Value(1000.0).tanh().data == 1.0
    assert Value(-1000.0).tanh().data == -1.0


def test_relu_derivative_is_zero_at_exactly_zero():
    x = Value(0.0)
    x.relu().backward()
    assert x.grad == 0.0


# --- every op and reflected form against finite differences ------------------------------------

# (name, function of Values, points away from kinks and domain edges)
OP_CASES = [
    ("add", lambda a, b: a + b, [(2.0, 3.0), (-1.0, 0.5)]),
    ("sub", lambda a, b: a - b, [(2.0, 3.0), (-1.0, 0.5)]),
    ("mul", lambda a, b: a * b, [(2.0, 3.0), (-1.5, 0.5)]),
    ("div", lambda a, b: a / b, [(2.0, 3.0), (-1.5, 0.25), (1.0, -4.0)]),
    ("pow_value_exponent", lambda a, b: a**b, [(2.0, 3.0), (0.5, -1.5), (1.5, 0.3)]),
    ("pow_small_base", lambda a, b: a**b, [(0.01, 2.5)]),
    ("neg", lambda a: -a, [(2.0,), (-0.3,)]),
    ("exp", lambda a: a.exp(), [(0.0,), (1.5,), (-3.0,)]),
    ("log", lambda a: a.log(), [(1.0,), (5.0,), (0.01,)]),
    ("tanh", lambda a: a.tanh(), [(0.0,), (0.8,), (-2.0,)]),
    ("sigmoid", lambda a: a.sigmoid(), [(0.0,), (1.2,), (-3.0,)]),
    ("relu", lambda a: a.relu(), [(1.5,), (-0.7,)]),
    ("add_number", lambda a: a + 2, [(1.0,)]),
    ("radd", lambda a: 2 + a, [(1.0,)]),
    ("sub_number", lambda a: a - 2, [(1.0,)]),
    ("rsub", lambda a: 2 - a, [(1.0,)]),
    ("mul_number", lambda a: a * 3, [(1.5,)]),
    ("rmul", lambda a: 3 * a, [(1.5,)]),
    ("div_number", lambda a: a / 4, [(1.5,)]),
    ("rdiv", lambda a: 2 / a, [(1.5,), (-0.5,)]),
    ("pow_number", lambda a: a**3, [(1.5,), (-2.0,)]),
    ("pow_fraction", lambda a: a**0.5, [(2.0,), (0.05,)]),
    ("pow_negative_exponent", lambda a: a**-2, [(1.5,), (-0.5,)]),
    ("rpow", lambda a: 2**a, [(1.5,), (-0.5,)]),
    ("rpow_fractional_base", lambda a: 0.5**a, [(3.0,)]),
    ("negative_base_integer_value_exponent", lambda a: a ** Value(3.0), [(-2.0,), (-0.5,)]),
]
POINT_CASES = [
    pytest.param(fn, point, id=f"{name}-{point}") for name, fn, points in OP_CASES for point in points
]


@pytest.mark.parametrize("fn, point", POINT_CASES)
def test_op_gradient_matches_finite_differences(fn, point):
    xs = [Value(x) for x in point]
    analytic = grad(fn(*xs), xs)
    assert analytic == pytest.approx(numerical_grad(fn, point), rel=1e-5, abs=1e-6)


def test_negative_base_exponent_derivative_is_taken_as_zero():
    # (-2) ** y is not a real function of y near an integer, so d/dy is defined as 0.
    base, exponent = Value(-2.0), Value(3.0)
    assert grad(base**exponent, [base, exponent]) == [12.0, 0.0]  # d/dx x**3 = 3 * (-2)**2


def test_pow_of_zero_base_with_zero_exponent_has_zero_gradient():
    # x ** 0 is the constant 1, so its derivative is 0 at every x, including x = 0.
    x = Value(0.0)
    (x**0).backward()
    assert x.grad == 0.0


def test_an_int_too_large_for_a_float_raises_overflow_error():
    with pytest.raises(OverflowError, match="Value.*too large"):
        Value(10**400)


def test_comparisons_compare_the_numbers_with_values_or_numbers_on_either_side():
    a, b = Value(1.0), Value(2.5)
    assert a < b and a <= b and b > a and b >= a and not a > b
    assert a < 2 and 2 > a and 0.5 < a and a >= 1 and 1 <= a
    values = [Value(3.0), a, b]
    assert max(values) is values[0] and min(values) is a
    assert sorted(values) == [a, b, values[0]]
    with pytest.raises(TypeError):
        a < "2"


def test_equality_and_hash_stay_identity():
    a, b = Value(1.0), Value(1.0)
    assert a != b and a == a and len({a, b}) == 2
