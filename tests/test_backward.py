"""backward(), no_grad, grad() (first and higher order) and dot()."""

import gc
import math
import sys

import pytest

from autograd import Value, dot, grad, is_grad_enabled, no_grad, numerical_grad


def records_graph() -> bool:
    """Whether ops currently record their parents (i.e. we are not inside no_grad)."""
    return (Value(1.0) * 2).parents != ()


# --- backward -----------------------------------------------------------------------------------


def test_backward_fills_grad_of_every_node():
    a, b = Value(2.0), Value(3.0)
    c = a * b
    d = c + a
    d.backward()
    # d = a*b + a: dd/da = b + 1, dd/db = a, dd/dc = 1, dd/dd = 1
    assert (a.grad, b.grad, c.grad, d.grad) == (4.0, 2.0, 1.0, 1.0)


def test_backward_of_a_leaf_sets_its_grad_to_one():
    x = Value(5.0)
    x.backward()
    assert x.grad == 1.0


def test_value_used_twice_collects_both_contributions():
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0  # d/da a**2 = 2a


def test_subtracting_a_value_from_itself_gives_zero_gradient():
    a = Value(3.0)
    (a - a).backward()
    assert a.grad == 0.0


def test_node_reached_by_paths_of_different_lengths_gets_all_its_gradient_first():
    # b feeds c both directly and through b*b, so b must be finished before it passes on to a.
    a = Value(2.0)
    b = a * 3
    c = b * b + b
    c.backward()
    assert b.grad == 2 * b.data + 1  # dc/db = 2b + 1 = 13
    assert a.grad == (2 * b.data + 1) * 3  # dc/da = (2b + 1) * 3 = 39


def test_grad_handles_a_node_reached_by_paths_of_different_lengths():
    a = Value(2.0)
    b = a * 3
    assert grad(b * b + b, [a]) == [39.0]  # (2b + 1) * 3 with b = 6


def test_shared_subexpression_matches_finite_differences():
    def f(x):
        s = x.sigmoid()
        return s * s + s

    x = Value(0.5)
    f(x).backward()
    assert x.grad == pytest.approx(numerical_grad(f, [0.5])[0])


def test_second_backward_adds_exactly_the_same_amounts():
    a, b = Value(1.3), Value(-0.7)
    c = (a * b).tanh()
    d = c * a + b.exp()
    nodes = [a, b, c, d, *c.parents, *d.parents]
    d.backward()
    first = [n.grad for n in nodes]
    d.backward()
    assert [n.grad for n in nodes] == [2 * g for g in first]


def test_repeated_backward_through_a_squared_node_gives_twice_not_three_times():
    # Regression: engines that push accumulated grads through again give 6bc here instead of 4bc.
    a, b = Value(2.0), Value(3.0)
    c = a * b
    d = c * c
    d.backward()
    d.backward()
    assert a.grad == 2 * (2 * b.data * c.data)


def test_backward_ignores_grads_already_on_the_nodes():
    a = Value(2.0)
    c = a * 3
    c.grad = 100.0  # left over from elsewhere; must not be propagated
    c.backward()
    assert a.grad == 3.0
    assert c.grad == 101.0


def test_backward_through_a_200000_deep_chain_needs_no_recursion():
    limit = sys.getrecursionlimit()
    x = Value(1.0)
    y = x
    for _ in range(200_000):
        y = -y
    y.backward()
    assert x.grad == 1.0  # an even number of negations
    assert sys.getrecursionlimit() == limit


def test_dropped_graph_needs_no_cycle_collector():
    def build_and_drop():
        a = Value(0.7)
        out = a
        for _ in range(500):
            out = (out * a + a).tanh()
        out.backward()
        (second,) = grad(grad(out, [a], create_graph=True)[0], [a])
        assert math.isfinite(second)

    gc.collect()
    gc.disable()
    try:
        build_and_drop()
        # Graphs hold no reference cycles, so plain reference counting freed everything.
        assert gc.collect() == 0
    finally:
        gc.enable()


# --- no_grad ------------------------------------------------------------------------------------


def test_no_grad_makes_leaves_with_unchanged_data():
    a = Value(2.0)
    recorded = (a * a + 1).log()
    with no_grad():
        plain = (a * a + 1).log()
    assert plain.data == recorded.data
    assert (plain.op, plain.parents) == ("", ())


def test_recording_resumes_after_no_grad():
    with no_grad():
        assert not records_graph()
    assert records_graph()


def test_no_grad_is_nestable():
    with no_grad():
        with no_grad():
            assert not records_graph()
        assert not records_graph()
    assert records_graph()


def test_same_no_grad_object_can_be_reentered_and_reused():
    ng = no_grad()
    with ng:
        with ng:
            assert not records_graph()
        assert not records_graph()
    assert records_graph()
    with ng:
        assert not records_graph()
    assert records_graph()


def test_no_grad_restores_recording_after_an_exception():
    with pytest.raises(ValueError, match="log"):
        with no_grad():
            Value(-1.0).log()
    assert records_graph()


def test_is_grad_enabled_tells_whether_ops_record():
    assert is_grad_enabled() and records_graph()
    with no_grad():
        assert not is_grad_enabled() and not records_graph()
        with no_grad():
            assert not is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_no_grad_enter_returns_the_context_manager():
    ng = no_grad()
    with ng as entered:
        assert entered is ng


# --- grad ---------------------------------------------------------------------------------------


def test_grad_returns_floats_in_input_order():
    x, y = Value(2.0), Value(5.0)
    result = grad(x * y + y, [y, x])
    assert result == [3.0, 5.0]  # d/dy = x + 1, d/dx = y
    assert all(type(g) is float for g in result)


def test_grad_leaves_every_grad_untouched():
    x, y = Value(2.0), Value(5.0)
    mid = x * y
    out = mid.exp()
    x.grad, y.grad, mid.grad = 1.5, -2.0, 7.0
    grad(out, [x, y])
    grad(out, [x, y], create_graph=True)
    assert (x.grad, y.grad, mid.grad, out.grad) == (1.5, -2.0, 7.0, 0.0)


def test_grad_of_unrelated_input_is_zero():
    x, unused = Value(2.0), Value(9.0)
    assert grad(x * x, [x, unused]) == [4.0, 0.0]


def test_grad_with_create_graph_gives_zero_value_for_unrelated_input():
    x, unused = Value(2.0), Value(9.0)
    _, zero = grad(x * x, [x, unused], create_graph=True)
    assert isinstance(zero, Value)
    assert zero.data == 0.0


def test_grad_of_output_with_respect_to_itself_is_one():
    x = Value(2.0)
    y = x.exp()
    assert grad(y, [y]) == [1.0]


def test_grad_with_create_graph_returns_values_with_the_same_numbers():
    x, y = Value(0.3), Value(-1.2)
    out = (x * y).tanh() + x.sigmoid()
    as_values = grad(out, [x, y], create_graph=True)
    assert all(isinstance(g, Value) for g in as_values)
    assert [g.data for g in as_values] == pytest.approx(grad(out, [x, y]))


@pytest.mark.parametrize("x", [-1.5, 0.5, 2.0])
def test_second_derivative_of_cube_is_six_x(x):
    v = Value(x)
    (first,) = grad(v**3, [v], create_graph=True)
    (second,) = grad(first, [v])
    assert second == pytest.approx(6 * x)


def test_third_derivative_of_cube_is_six():
    x = Value(1.7)
    (d1,) = grad(x**3, [x], create_graph=True)
    (d2,) = grad(d1, [x], create_graph=True)
    (d3,) = grad(d2, [x])
    assert d3 == pytest.approx(6.0)


def test_fourth_derivative_of_cube_is_zero_even_at_zero():
    x = Value(0.0)
    derivative = x**3
    for _ in range(4):
        (derivative,) = grad(derivative, [x], create_graph=True)
    assert derivative.data == 0.0


def tanh_second_derivative(x: Value) -> float:
    (d1,) = grad(x.tanh(), [x], create_graph=True)
    (d2,) = grad(d1, [x])
    return d2


@pytest.mark.parametrize("x", [-1.0, 0.2, 0.9])
def test_third_derivative_of_tanh_matches_finite_differences_of_second(x):
    v = Value(x)
    (d1,) = grad(v.tanh(), [v], create_graph=True)
    (d2,) = grad(d1, [v], create_graph=True)
    (d3,) = grad(d2, [v])
    assert d3 == pytest.approx(numerical_grad(tanh_second_derivative, [x])[0], rel=1e-5, abs=1e-6)


def test_mixed_second_derivative():
    x, y = Value(0.4), Value(1.3)
    (dx,) = grad((x * y).exp(), [x], create_graph=True)
    (dxdy,) = grad(dx, [y])
    # d/dx e^(xy) = y e^(xy); d/dy of that = e^(xy) (1 + xy)
    assert dxdy == pytest.approx(math.exp(0.4 * 1.3) * (1 + 0.4 * 1.3))


def test_create_graph_works_inside_no_grad():
    x = Value(2.0)
    y = x**3
    with no_grad():
        (first,) = grad(y, [x], create_graph=True)
        assert first.parents != ()
        assert not records_graph()
    assert grad(first, [x]) == [pytest.approx(12.0)]  # 6x at x = 2


def test_grad_rejects_non_value_output():
    with pytest.raises(TypeError, match="needs a Value as output, got float"):
        grad(1.0, [Value(1.0)])


def test_grad_rejects_non_value_inputs():
    x = Value(1.0)
    with pytest.raises(TypeError, match="got float at index 1"):
        grad(x * 2, [x, 1.0])


# --- dot ----------------------------------------------------------------------------------------


def test_dot_is_one_node_with_weights_inputs_and_bias_as_parents():
    w = [Value(0.5), Value(-1.0)]
    x = [Value(2.0), Value(3.0)]
    b = Value(0.25)
    out = dot(w, x, b)
    assert out.op == "dot"
    assert out.parents == (*w, *x, b)


def test_dot_without_bias_has_no_bias_parent():
    w, x = [Value(0.5)], [Value(2.0)]
    assert dot(w, x).parents == (*w, *x)


def test_dot_equals_the_unfused_sum_of_products():
    w = [Value(0.5), Value(-1.25), Value(3.0)]
    x = [Value(2.0), Value(0.1), Value(-0.7)]
    b = Value(0.3)
    unfused = w[0] * x[0] + w[1] * x[1] + w[2] * x[2] + b
    assert dot(w, x, b).data == pytest.approx(unfused.data)
    assert grad(dot(w, x, b), w + x + [b]) == pytest.approx(grad(unfused, w + x + [b]))


def test_dot_accepts_numbers_and_iterables():
    x = Value(2.0)
    out = dot((n for n in [3, 0.5]), [x, 4.0], bias=1)
    assert out.data == 3 * 2.0 + 0.5 * 4.0 + 1
    assert grad(out, [x]) == [3.0]


def test_dot_with_unequal_lengths_raises_value_error():
    with pytest.raises(ValueError, match="2 and 3"):
        dot([1.0, 2.0], [1.0, 2.0, 3.0])


@pytest.mark.parametrize(
    "weights, inputs, bias, type_name",
    [(["a"], [1.0], None, "str"), ([1.0], [None], None, "NoneType"), ([1.0], [1.0], [0.0], "list")],
)
def test_dot_with_non_number_raises_type_error(weights, inputs, bias, type_name):
    with pytest.raises(TypeError, match=f"got {type_name}"):
        dot(weights, inputs, bias)


@pytest.mark.parametrize("with_bias", [True, False])
def test_dot_gradient_matches_finite_differences(with_bias):
    point = [0.5, -1.2, 2.0, 0.3, -0.4, 1.1] + ([0.7] if with_bias else [])

    def f(*vs):
        return dot(vs[:3], vs[3:6], vs[6] if with_bias else None)

    xs = [Value(p) for p in point]
    assert grad(f(*xs), xs) == pytest.approx(numerical_grad(f, point), abs=1e-6)


def test_dot_second_derivatives_match_finite_differences():
    point = [0.5, -1.2, 0.3, 0.8, 0.2]

    def f(w0, w1, x0, x1, b):
        return dot([w0, w1], [x0, x1], b).tanh()

    def first_derivative(i):
        def d(*vs):
            return grad(f(*vs), vs, create_graph=True)[i]

        return d

    xs = [Value(p) for p in point]
    firsts = grad(f(*xs), xs, create_graph=True)
    for i, first in enumerate(firsts):
        assert grad(first, xs) == pytest.approx(numerical_grad(first_derivative(i), point), rel=1e-4, abs=1e-6)


def test_dot_weight_times_input_cross_derivative_is_one():
    w, x = Value(0.5), Value(2.0)
    (dw,) = grad(dot([w], [x]), [w], create_graph=True)
    assert grad(dw, [x]) == [1.0]  # d2/dw dx (w * x) = 1


def test_second_derivative_through_a_power_whose_exponent_passes_zero():
    # f(x) = (sigmoid(x) + 0.5) ** x = exp(x log(s + 0.5)); at x = 0, f'' = 2 s'(0) / (s(0) + 0.5) = 0.5
    x = Value(0.0)
    first, = grad((x.sigmoid() + 0.5) ** x, [x], create_graph=True)
    assert grad(first, [x]) == [pytest.approx(0.5)]


def test_a_backward_that_fails_adds_nothing_and_the_next_one_is_right(monkeypatch):
    from autograd.ops import OPS

    def failing_derivative(g, out, x):
        raise ArithmeticError("this derivative cannot be computed")

    x, y = Value(0.5), Value(2.0)
    root = x.exp() + y * y
    with monkeypatch.context() as patch:
        patch.setitem(OPS, "exp", OPS["exp"]._replace(derivative=failing_derivative))
        with pytest.raises(ArithmeticError):
            root.backward()
    assert (x.grad, y.grad, root.grad) == (0.0, 0.0, 0.0)
    root.backward()
    assert (x.grad, y.grad) == (pytest.approx(math.exp(0.5)), 4.0)


def test_slope_of_a_root_at_zero_is_infinite():
    x = Value(0.0)
    (x**0.5).backward()
    assert x.grad == math.inf


def test_a_number_to_a_value_power_backpropagates_at_zero_base():
    y = Value(0.5)
    (0 ** y).backward()  # the constant base 0 gets an infinite slope nobody reads; y gets 0
    assert y.grad == 0.0


def test_recording_is_per_thread():
    import threading

    inside = threading.Event()
    leave = threading.Event()

    def evaluate_without_graph():
        with no_grad():
            inside.set()
            leave.wait(5)

    other = threading.Thread(target=evaluate_without_graph)
    other.start()
    inside.wait(5)
    try:
        w = Value(2.0)
        (w * w).backward()  # this thread still records, though the other is inside no_grad
        assert w.grad == 4.0
    finally:
        leave.set()
        other.join()


def test_an_interrupted_reset_is_finished_by_the_next_pass():
    import autograd.backward as bw

    x = Value(3.0)
    stale = x * x
    stale._grad_sum = 123.0  # as if Ctrl-C had stopped a pass while it reset its sums
    bw._touched.append(stale)
    (stale + 1).backward()
    assert (stale.grad, x.grad) == (1.0, 6.0)


def test_backward_started_inside_a_backward_pass_raises_and_the_engine_recovers(monkeypatch):
    from autograd.ops import OPS

    def exp_derivative_that_backpropagates(g, out, x):
        Value(1.0).backward()
        return (g * out,)

    monkeypatch.setitem(OPS, "exp", OPS["exp"]._replace(derivative=exp_derivative_that_backpropagates))
    with pytest.raises(RuntimeError, match="while another one was running"):
        Value(1.0).exp().backward()
    x = Value(2.0)
    (x * x).backward()
    assert x.grad == 4.0
