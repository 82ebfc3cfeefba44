"""numerical_grad, gradcheck and GradcheckError."""

import math
import re

import pytest

import autograd.ops as ops_module
import autograd.value as value_module
from autograd import GradcheckError, Value, dot, gradcheck, numerical_grad


def use_mul_derivative(monkeypatch, derivative):
    """Make every `*` (forward unchanged) use ``derivative`` as its backprop rule."""
    patched = ops_module.OPS["*"]._replace(derivative=derivative)
    monkeypatch.setitem(ops_module.OPS, "*", patched)
    monkeypatch.setattr(value_module, "MUL", patched)


# --- numerical_grad -----------------------------------------------------------------------------


def test_numerical_grad_of_square():
    assert numerical_grad(lambda x: x * x, [3.0]) == [pytest.approx(6.0)]


def test_numerical_grad_gives_one_float_per_input():
    slopes = numerical_grad(lambda x, y: x * y + y.exp(), [2.0, 0.5])
    assert slopes == pytest.approx([0.5, 2.0 + math.exp(0.5)])
    assert all(type(s) is float for s in slopes)


def test_numerical_grad_accepts_values_and_numbers_mixed():
    x = Value(2.0)
    assert numerical_grad(lambda a, b: a * b, [x, 3]) == pytest.approx([3.0, 2.0])


def test_numerical_grad_leaves_value_inputs_alone():
    x = Value(2.0)
    x.grad = 0.5
    numerical_grad(lambda a: a * a, [x])
    assert (x.data, x.grad) == (2.0, 0.5)


def test_numerical_grad_accepts_f_returning_a_plain_number():
    assert numerical_grad(lambda x: x.data**2, [3.0]) == [pytest.approx(6.0)]


def test_numerical_grad_uses_the_given_eps():
    # For x**3 the central difference is exactly 3x**2 + eps**2, so a big eps shows up.
    assert numerical_grad(lambda x: x**3, [1.0], eps=0.1) == [pytest.approx(3.0 + 0.01)]


def test_numerical_grad_of_no_inputs_is_empty():
    assert numerical_grad(lambda: Value(1.0), []) == []


@pytest.mark.parametrize("eps", [0, 0.0, -1e-6, math.nan, math.inf])
def test_numerical_grad_rejects_bad_eps(eps):
    with pytest.raises(ValueError, match=re.escape(f"eps must be a finite number > 0, got {eps!r}")):
        numerical_grad(lambda x: x, [1.0], eps=eps)


@pytest.mark.parametrize("result, type_name", [("1.0", "str"), (None, "NoneType"), ([1.0], "list")])
def test_numerical_grad_rejects_f_returning_a_non_number(result, type_name):
    with pytest.raises(TypeError, match=f"f must return a Value or a number, got {type_name}"):
        numerical_grad(lambda x: result, [1.0])


def test_numerical_grad_rejects_a_non_number_input():
    with pytest.raises(TypeError, match=r"xs\[1\] is str"):
        numerical_grad(lambda x, y: x * y, [1.0, "2"])


def test_numerical_grad_rejects_a_bare_number_for_xs():
    with pytest.raises(TypeError, match="needs a sequence of numbers, got float"):
        numerical_grad(lambda x: x, 1.0)


# --- gradcheck ----------------------------------------------------------------------------------


def test_gradcheck_passes_for_a_correct_gradient():
    assert gradcheck(lambda x, y: (x * y).tanh() + (x / y).log(), [0.7, 1.3]) is True


def test_gradcheck_accepts_values_as_inputs():
    assert gradcheck(lambda w, x, b: dot([w], [x], b).sigmoid(), [Value(0.5), Value(-1.0), 0.25]) is True


def test_gradcheck_error_is_an_assertion_error():
    assert issubclass(GradcheckError, AssertionError)


def test_gradcheck_lists_exactly_the_inputs_with_a_wrong_gradient(monkeypatch):
    # A multiply whose derivative for its right operand is doubled: in a*b + c*d only b and d
    # (inputs 1 and 3) get wrong gradients.
    use_mul_derivative(monkeypatch, lambda g, out, x, y: (g * y, 2.0 * g * x))
    with pytest.raises(GradcheckError) as caught:
        gradcheck(lambda a, b, c, d: a * b + c * d, [2.0, 3.0, 5.0, 7.0])
    message = str(caught.value)
    assert message.startswith("gradient mismatch at 2 of 4 inputs")
    listed = [int(i) for i in re.findall(r"input (\d+) ", message)]
    assert listed == [1, 3]


def test_gradcheck_message_shows_backprop_and_finite_difference_values(monkeypatch):
    use_mul_derivative(monkeypatch, lambda g, out, x, y: (g * y, 2.0 * g * x))
    with pytest.raises(GradcheckError, match=r"input 1 \(x = 3\.0\): backprop 4\.0, finite differences (2\.0|1\.9999)\d*"):
        gradcheck(lambda a, b: a * b, [2.0, 3.0])  # d/db a*b = a = 2, the broken rule says 2a = 4


def test_gradcheck_catches_a_wrong_rule_used_through_the_operator(monkeypatch):
    use_mul_derivative(monkeypatch, lambda g, out, x, y: (g * y + 1.0, g * x))
    with pytest.raises(GradcheckError, match="input 0"):
        gradcheck(lambda a: a * 3, [2.0])


def scaled_mul_derivative(g, out, x, y):
    """The correct derivative of x*y, 1% too large."""
    return 1.01 * g * y, 1.01 * g * x


def test_gradcheck_passes_when_within_relative_tolerance(monkeypatch):
    use_mul_derivative(monkeypatch, scaled_mul_derivative)
    assert gradcheck(lambda a, b: a * b, [2.0, 3.0], atol=0.0, rtol=0.02) is True


def test_gradcheck_fails_when_outside_relative_tolerance(monkeypatch):
    use_mul_derivative(monkeypatch, scaled_mul_derivative)
    with pytest.raises(GradcheckError, match="mismatch at 2 of 2 inputs"):
        gradcheck(lambda a, b: a * b, [2.0, 3.0], atol=0.0, rtol=0.005)


def test_gradcheck_absolute_tolerance_is_per_input(monkeypatch):
    # At (2, 3) the errors are 0.03 (input 0, gradient 3) and 0.02 (input 1, gradient 2).
    use_mul_derivative(monkeypatch, scaled_mul_derivative)
    with pytest.raises(GradcheckError) as caught:
        gradcheck(lambda a, b: a * b, [2.0, 3.0], atol=0.025, rtol=0.0)
    assert re.findall(r"input (\d+) ", str(caught.value)) == ["0"]


def test_gradcheck_rejects_f_returning_a_non_value():
    with pytest.raises(TypeError, match="f must return a Value, got float"):
        gradcheck(lambda x: 1.0, [1.0])


def test_gradcheck_rejects_a_non_number_input():
    with pytest.raises(TypeError, match=r"gradcheck: xs\[0\] is NoneType"):
        gradcheck(lambda x: x, [None])


# --- a step out of f's domain -------------------------------------------------------------------


@pytest.mark.parametrize("check", [numerical_grad, gradcheck])
def test_a_step_out_of_the_domain_says_which_input_which_side_and_the_eps(check):
    with pytest.raises(ValueError) as excinfo:
        check(lambda x, y: x * y.log(), [1.0, 1e-7])
    message = str(excinfo.value)
    assert "input 1 - eps" in message and "x = 1e-07" in message and "eps = 1e-06" in message
    assert "left f's domain; try a smaller eps" in message
    assert isinstance(excinfo.value.__cause__, ValueError)
    assert "log of a number <= 0" in str(excinfo.value.__cause__)
    assert check(lambda x, y: x * y.log(), [1.0, 1e-7], eps=1e-9)  # a smaller eps works


def test_a_step_up_out_of_the_domain_keeps_the_error_type():
    with pytest.raises(ZeroDivisionError, match=r"input 0 \+ eps .*left f's domain") as excinfo:
        numerical_grad(lambda x: 1 / (x - 1.0), [1.0 - 1e-6])
    assert isinstance(excinfo.value.__cause__, ZeroDivisionError)


def test_an_f_that_fails_at_the_point_itself_raises_its_own_error():
    with pytest.raises(ValueError, match=r"^log of a number <= 0") as excinfo:
        numerical_grad(lambda x: x.log(), [-1.0])
    assert "domain" not in str(excinfo.value)


def test_an_f_with_a_bug_is_not_called_a_domain_error():
    def buggy(x):
        if x.data > 1.0:
            raise TypeError("a bug")
        return x

    with pytest.raises(TypeError, match="^a bug$"):
        numerical_grad(buggy, [1.0])
