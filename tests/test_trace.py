"""autograd.trace: a function traced once and replayed as generated code gives the numbers of
eager backward() bit for bit, keeps a path per guard outcome, and checks what it is given."""

import gc
import math
import random
import struct
import sys
import threading
import time
import tracemalloc

import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from autograd import TraceWarning, Value, dot, grad, no_grad, trace
from autograd.ops import OPS
from autograd.value import apply
from nn import MLP, SGD, Module, mse_loss


def same(a, b) -> bool:
    """Equal bit for bit (0.0 and -0.0 differ; NaNs are equal)."""
    return struct.pack("<d", a) == struct.pack("<d", b) or (a != a and b != b)


def same_list(xs, ys) -> bool:
    return len(xs) == len(ys) and all(same(x, y) for x, y in zip(xs, ys))


# --- random graphs over every op -----------------------------------------------------------------


def arity(name):
    """5 for dot, else the fewest inputs the op's forward takes (logsumexp: 1, clamp: 3)."""
    if name == "dot":
        return 5
    for n in (1, 2, 3):
        try:
            OPS[name].forward(*[0.5] * n)
        except TypeError:
            continue
        except (ArithmeticError, ValueError):
            pass  # outside the op's domain (acosh(0.5)), but it takes n inputs
        return n
    raise AssertionError(f"op {name!r} takes none of 1 to 3 inputs")


PHASES = [Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink]
CONSTANTS = [2.0, -0.5, 0.0, 3.0, 1e-3]
steps = st.tuples(st.sampled_from(sorted(OPS)), st.lists(st.integers(0, 60), min_size=5, max_size=5))
programs = st.lists(steps, min_size=1, max_size=12)
points = st.floats(-3.0, 3.0, allow_nan=False)


def build(program, inputs, params, sum_all):
    """Each step applies an op to earlier nodes, the live parameters or constants (a pick beyond
    the nodes is a constant number), so nodes are shared, used twice and mixed with numbers."""
    nodes = list(inputs) + list(params)
    for name, picks in program:
        pool = len(nodes) + len(CONSTANTS)
        args = []
        for p in picks[: arity(name)]:
            k = p % pool
            args.append(nodes[k] if k < len(nodes) else CONSTANTS[k - len(nodes)])
        if not any(isinstance(a, Value) for a in args):
            args[0] = nodes[-1]
        nodes.append(apply(OPS[name], *args))
    if not sum_all:
        return nodes[-1]
    total = nodes[len(inputs) + len(params)]
    for node in nodes[len(inputs) + len(params) + 1 :]:
        total = total + node
    return total


def eager(program, xs, params, sum_all):
    """(output, grads of params, grads of inputs) by backward() on a fresh graph, or the error."""
    for p in params:
        p.grad = 0.0
    inputs = [Value(x) for x in xs]
    out = build(program, inputs, params, sum_all)
    out.backward()
    wrt_inputs = grad(build(program, inputs, params, sum_all), inputs)
    return out.data, [p.grad for p in params], wrt_inputs


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=PHASES)
@given(program=programs, start=st.lists(points, min_size=2, max_size=2), later=st.lists(points, min_size=2, max_size=2),
       weights=st.lists(points, min_size=2, max_size=2), sum_all=st.booleans())
def test_random_graph_replays_bit_for_bit_like_backward(program, start, later, weights, sum_all):
    params = [Value(w) for w in weights]
    try:
        traced = trace(lambda a, b: build(program, [a, b], params, sum_all), *start)
        eager(program, start, params, sum_all)
    except (ArithmeticError, ValueError):
        assume(False)
    for xs in (start, later):
        try:
            out, param_grads, input_grads = eager(program, xs, params, sum_all)
        except (ArithmeticError, ValueError) as error:
            if not sum_all:
                continue  # the error may be in a node the output does not use, which a replay skips
            for p in params:
                p.grad = 0.0
            with pytest.raises(type(error)) as replayed:
                traced(*xs)
            assert str(replayed.value) == str(error)
            assert [p.grad for p in params] == [0.0, 0.0]  # a failed replay adds nothing
            continue
        for p in params:
            p.grad = 0.0
        assert same(traced(*xs), out)
        assert same_list([p.grad for p in params], param_grads)
        value, grads = traced.value_and_grad(*xs)
        assert same(value, out) and same_list(grads, input_grads)


# --- what a trace keeps: inputs, live leaves, constants ------------------------------------------


def test_a_model_trained_by_replays_follows_eager_training_exactly():
    xs, ys = [[1, 0, 1], [0, 1, 1], [0, 0, 1], [1, 1, 1]], [1, 1, 0, 0]
    models = [MLP(3, [4, 1], seed=0) for _ in range(2)]
    optimizers = [SGD(m.parameters(), lr=0.1) for m in models]
    step = trace(lambda x, y: mse_loss(models[1](x), y), xs[0], ys[0])
    for _ in range(20):
        for x, y in zip(xs, ys):
            optimizers[0].zero_grad()
            loss = mse_loss(models[0](x), y)
            loss.backward()
            optimizers[0].step()
            optimizers[1].zero_grad()
            assert same(step(x, y), loss.data)
            optimizers[1].step()
    assert models[0].state_dict() == models[1].state_dict()


def test_numbers_made_into_values_are_literals_and_captured_values_are_live():
    w = Value(3.0, "w")
    traced = trace(lambda x: x * 2.5 + w * Value(7.0, "seven") + x / 4, 1.0)
    assert "2.5" in traced.source and "4.0" in traced.source
    assert "w = live[0].data" in traced.source
    assert "seven = live[1].data" in traced.source  # fn may keep a Value it makes: it is read, never frozen
    assert traced(1.0) == 1.0 * 2.5 + 3.0 * 7.0 + 1.0 / 4
    assert w.grad == 7.0
    w.data = 5.0  # a live leaf is read at every replay
    assert traced(1.0) == 1.0 * 2.5 + 5.0 * 7.0 + 1.0 / 4
    assert w.grad == 14.0


def test_a_value_fn_keeps_stays_live():
    kept = []

    def f(x):
        c = Value(2.0)
        kept.append(c)
        return x * c

    traced = trace(f, 1.0)
    kept[0].data = 10.0
    assert traced(3.0) == 30.0
    assert kept[0].grad == 3.0


def test_a_parameter_made_by_an_op_is_live_and_trains_as_eagerly():
    class Scaled(Module):
        def __init__(self):
            self.w = Value(3.0) * 0.1  # a parameter that is not a leaf: made of constants by an op

        def forward(self, x):
            return self.w * x

    models = [Scaled(), Scaled()]
    optimizers = [SGD(m.parameters(), lr=0.1) for m in models]
    step = trace(lambda x, y: mse_loss(models[1](x), y), 1.0, 2.0)
    for _ in range(5):
        optimizers[0].zero_grad()
        loss = mse_loss(models[0](1.0), 2.0)
        loss.backward()
        optimizers[0].step()
        optimizers[1].zero_grad()
        assert same(step(1.0, 2.0), loss.data)
        optimizers[1].step()
    assert same(models[1].w.data, models[0].w.data) and models[0].w.data != Value(3.0).data * 0.1


def test_a_captured_value_made_by_an_op_is_read_at_every_replay_on_every_path():
    h = Value(2.0) * 3.0
    traced = trace(lambda x: x * h if h > 5 else -x * h, 1.0)
    h.data = 1.0  # the guard comes out otherwise: fn is traced again, and h is still live
    assert traced(2.0) == -2.0 and h.grad == -2.0
    h.data = 6.0
    assert traced(2.0) == 12.0 and h.grad == 0.0


def test_no_grad_replay_runs_the_forward_only():
    w = Value(0.5)
    traced = trace(lambda x: (w * x).tanh(), 2.0)
    with no_grad():
        assert traced(1.5) == math.tanh(0.75)
    assert w.grad == 0.0
    traced(1.5)
    assert w.grad != 0.0


def test_value_and_grad_matches_grad_and_changes_no_grad():
    w = Value(-1.25)

    def f(xs, y):
        return mse_loss(dot([w, w], xs).sigmoid(), y) + xs[0] ** 3

    traced = trace(f, [0.5, 0.25], 1.0)
    inputs = [Value(0.1), Value(-0.7), Value(0.3)]
    out = f(inputs[:2], inputs[2])
    value, grads = traced.value_and_grad([0.1, -0.7], 0.3)
    assert same(value, out.data) and same_list(grads, grad(out, inputs))
    assert w.grad == 0.0


def test_an_input_the_output_does_not_use_has_gradient_zero():
    traced = trace(lambda x, y: x * x, 1.0, 2.0)
    assert traced.value_and_grad(3.0, 4.0) == (9.0, [6.0, 0.0])


def test_inputs_may_be_values_and_nested_lists():
    traced = trace(lambda pairs, z: pairs[0][0] * pairs[1][1] + z, [[1.0, 2.0], (3.0, 4.0)], Value(5.0))
    assert traced([[2, 0], [0, 3]], Value(1.0)) == 7.0
    assert traced.value_and_grad(((2.0, 0.0), (0.0, 3.0)), 1.0) == (7.0, [3.0, 0.0, 0.0, 2.0, 1.0])


def test_fn_gets_tuples_as_tuples_and_lists_as_lists():
    def fn(point, weights):
        assert type(point) is tuple and type(weights) is list and type(weights[1]) is tuple
        x, y = point
        return x * weights[0] + y * weights[1][0]

    traced = trace(fn, (1.0, 2.0), [3.0, (4.0,)])
    assert traced((1.0, 2.0), [3.0, (4.0,)]) == 11.0


def test_a_leaf_output_and_a_constant_output():
    w = Value(2.0)
    assert trace(lambda x: w, 1.0)(5.0) == 2.0 and w.grad == 1.0
    assert trace(lambda x: x, 1.0).value_and_grad(4.0) == (4.0, [1.0])
    assert trace(lambda x: Value(3.0) * 2.0, 1.0)(9.0) == 6.0


# --- guards ----------------------------------------------------------------------------------------


def test_guards_choose_the_path_fn_would_take():
    calls = []

    def f(x):
        calls.append(x)  # (not x.data: that would be a number baked into the trace)
        return x * 2.0 if x > 0 else 1.0 - x

    traced = trace(f, 1.0)
    assert "raise GuardFailed" in traced.source
    assert traced(3.0) == 6.0 and traced(-2.0) == 3.0 and traced(5.0) == 10.0 and traced(-1.0) == 2.0
    assert len(calls) == 2  # traced once per side, then replayed
    assert traced.value_and_grad(-3.0) == (4.0, [-1.0])
    assert traced.value_and_grad(3.0) == (6.0, [2.0])


def test_a_guard_is_checked_before_anything_made_after_it():
    # on x <= 0 the traced path's log(x) would raise: the guard must come first
    traced = trace(lambda x: (x * 1.0).log() if x * 1.0 > 0 else x * 3.0, 2.0)
    assert traced(-1.0) == -3.0


def test_max_over_values_is_guarded():
    traced = trace(lambda xs: max(xs) * 10.0, [1.0, 3.0, 2.0])
    assert traced([1.0, 3.0, 2.0]) == 30.0
    assert traced([5.0, 3.0, 2.0]) == 50.0
    assert traced([1.0, 3.0, 7.0]) == 70.0
    assert traced.value_and_grad([1.0, 3.0, 7.0]) == (70.0, [0.0, 0.0, 10.0])


# --- bad arguments and domain errors ---------------------------------------------------------------


def test_arguments_of_another_structure_are_refused_with_both_structures():
    traced = trace(lambda xs, y: xs[0] * y, [1.0, 2.0, 3.0], 1.0)
    with pytest.raises(ValueError, match=r"expected arguments \(\[3 numbers\], number\), got \(\[2 numbers\], number\)"):
        traced([1.0, 2.0], 1.0)
    with pytest.raises(TypeError, match=r"got \(str, number\)"):
        traced("abc", 1.0)
    with pytest.raises(TypeError, match=r"got \(\[3 numbers\]\)"):
        traced([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match=r"got \(\[3 numbers\], list\)|got \(\[3 numbers\], \[1 number\]\)"):
        traced([1.0, 2.0, 3.0], [1.0])
    with pytest.raises(TypeError, match="must be a real number"):
        trace(lambda s: s, "text")
    with pytest.raises(TypeError, match="must return a Value"):
        trace(lambda x: 1.0, 2.0)


@pytest.mark.parametrize("fn, good, bad, error, message", [
    (lambda x: x.log(), 2.0, -1.5, ValueError, r"log of a number <= 0: log\(-1.5\)"),
    (lambda x: 1.0 / x, 2.0, 0.0, ZeroDivisionError, r"division by zero: 1.0 / 0.0"),
    (lambda x: x ** 0.5, 2.0, -4.0, ValueError, r"negative base .*\(-4.0\) \*\* 0.5"),
    (lambda x: x.exp(), 2.0, 1000.0, OverflowError, r"exp\(1000.0\)"),
])
def test_domain_errors_in_a_replay_are_the_eager_errors(fn, good, bad, error, message):
    traced = trace(fn, good)
    with pytest.raises(error, match=message):
        traced(bad)
    with pytest.raises(error, match=message):
        fn(Value(bad))


# --- generated code ---------------------------------------------------------------------------------


HOSTILE = ["x\nimport os", "a); os.system('x') #", "exp", "__class__", "ｅｘｐ", "sum", "live", "d_v1", "for", "\u2028os"]


def test_labels_only_ever_become_comments_or_plain_names():
    def f(xs, w):
        out = (xs[0] * w + xs[1]).relu()
        out.label = HOSTILE[0]
        return out * 2.0

    plain = trace(f, [1.0, 2.0], 3.0)
    labelled = trace(f, [Value(1.0, HOSTILE[1]), Value(2.0, HOSTILE[2])], Value(3.0, HOSTILE[3]))
    for label in HOSTILE:
        leaf = Value(1.0, label)
        t = trace(lambda x: x * leaf + (x * x).exp(), Value(0.5, label))
        assert t(0.25) == 0.25 * 1.0 + math.exp(0.0625)

    def code_only(source):
        return [line.split("  # ")[0] for line in source.splitlines()]

    assert code_only(labelled.source) == code_only(plain.source)
    assert "import os" not in "\n".join(code_only(labelled.source))
    for line in labelled.source.splitlines():
        if "os" in line:
            assert line.index("#") < line.index("os")
    assert labelled([1.0, 2.0], 3.0) == plain([1.0, 2.0], 3.0)


def test_the_source_names_nodes_after_their_labels_and_is_what_runs():
    w = Value(0.5, "w")

    def f(x):
        z = x * w
        z.label = "z"
        a = z.tanh()
        a.label = "a"
        return a

    traced = trace(f, Value(1.0, "x"))
    source = traced.source
    assert "z = x * w" in source and "a = tanh(z)" in source and "d_z = d_a * (1.0 - a * a)" in source
    assert "d_w = d_z * x" in source and "live[0].grad += d_w" in source
    assert source.count("def ") == 2  # the argument check and the one path


def test_a_100000_node_graph_traces_and_compiles_without_recursion():
    depth = 50_000  # two op nodes a step: 100,000 nodes
    limit = sys.getrecursionlimit()
    result = {}

    def run():
        traced = trace(lambda x: chain(x, depth), 1.0)
        result["value_and_grad"] = traced.value_and_grad(1.0)

    def chain(x, n):
        for _ in range(n):
            x = x * 1.0001 + 0.001
        return x

    sys.setrecursionlimit(300)
    try:
        worker = threading.Thread(target=run)
        worker.start()
        worker.join()
    finally:
        sys.setrecursionlimit(limit)
    x = Value(1.0)
    out = chain(x, depth)
    value, grads = result["value_and_grad"]
    assert same(value, out.data) and same_list(grads, grad(out, [x]))


def test_a_replay_allocates_nothing_that_stays():
    model = MLP(2, [8, 1], seed=1)
    step = trace(lambda x, y: mse_loss(model(x), y), [0.5, -0.5], 1.0)
    gc.collect()
    tracemalloc.start()
    try:
        for _ in range(100):  # the first replays under tracemalloc: new floats replace the grads' old ones
            step([0.3, 0.2], 1.0)
        growth = []
        for _ in range(3):  # something kept per replay grows every window; a one-off allocation elsewhere
            before = tracemalloc.get_traced_memory()[0]
            for _ in range(100):
                step([0.3, 0.2], 1.0)
            growth.append(tracemalloc.get_traced_memory()[0] - before)  # (a cache, the interpreter's own) in one at most
    finally:
        tracemalloc.stop()
    assert min(growth) < sys.getsizeof(Value(0.0)), growth  # not one Value (nor anything per replay) is kept


def test_the_seed_nets_traced_step_gives_the_demos_backprop_gradients():
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("demo", Path(__file__).resolve().parents[1] / "demo.py")
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    eager, replayed = demo.seed_network(21), demo.seed_network(21)
    gradients = demo.replayed_gradients(demo.traced_step(replayed))
    for x, y in zip(demo.INPUTS, demo.TARGETS):
        assert same_list(gradients(replayed, x, y), demo.backprop_gradients(eager, x, y))


def test_a_guard_against_an_exact_number_compares_exactly():
    from fractions import Fraction

    traced = trace(lambda x: x * 2.0 if x > Fraction(1, 3) else x * 0.0, 1.0)
    assert traced(0.5) == 1.0 and traced(0.25) == 0.0 and traced(1 / 3) == 0.0  # 1/3 as a float is below 1/3


def test_a_node_labelled_like_a_guards_number_does_not_hide_it():
    from fractions import Fraction

    def fn(x):
        k0 = x * 1.0
        k0.label = "k0"
        y = k0 * 3.0
        return y if y > Fraction(1, 3) else -y

    traced = trace(fn, 1.0)
    assert traced(0.05) == fn(Value(0.05)).data == -(0.05 * 3.0)


def test_a_function_named_like_an_op_traces_and_replays():
    def sigmoid(x):
        return x.sigmoid()

    def softplus(x):
        return x.softplus() + x.sigmoid()

    for fn in (sigmoid, softplus):
        traced = trace(fn, 1.0)
        assert traced(2.0) == fn(Value(2.0)).data


def test_a_traced_softmax_replays_as_eager_even_when_another_value_becomes_the_largest():
    from autograd import softmax

    traced = trace(lambda a, b, c: softmax([a, b, c])[0] * 3.0, 0.1, 2.0, -1.0)
    rng = random.Random(0)
    points = [[rng.uniform(-5.0, 5.0) for _ in range(3)] for _ in range(200)]
    for point in [[0.1, 2.0, -1.0], [800.0, 0.0, -5.0], [-3.0, -900.0, 1000.0]] + points:
        values = [Value(x) for x in point]
        eager = softmax(values)[0] * 3.0
        assert traced.value_and_grad(*point) == (eager.data, grad(eager, values))


# --- every replay is eager's numbers, or an error or a warning saying why ---------------------------


def eager_value_and_grads(fn, args, params=()):
    """fn(*args)'s number, each argument's gradient and each parameter's, by eager backward()."""
    for p in params:
        p.grad = 0.0
    inputs = [Value(a) for a in args]
    out = fn(*inputs)
    out.backward()
    return out.data, [x.grad for x in inputs], [p.grad for p in params]


def replayed_value_and_grads(traced, args, params=()):
    """The same by a replay, with the arguments passed as Values (which get their .grad)."""
    for p in params:
        p.grad = 0.0
    inputs = [Value(a) for a in args]
    value = traced(*inputs)
    return value, [x.grad for x in inputs], [p.grad for p in params]


def flat(result) -> list:
    value, input_grads, param_grads = result
    return [value, *input_grads, *param_grads]


def slope_of_relu_times_x(x):
    (g,) = grad(x.relu() * x, [x], create_graph=True)
    return g


def slope_of_abs_times_x(x):
    (g,) = grad(x.abs() * x, [x], create_graph=True)
    return g * x


def slopes_of_power(x, y):
    gx, gy = grad(x ** y, [x, y], create_graph=True)
    return gx + gy


@settings(max_examples=25, deadline=None)
@given(start=st.sampled_from([1.0, -1.0, 0.0]), later=st.lists(st.sampled_from([-2.0, -1.0, 0.0, 0.5, 2.0]), min_size=1, max_size=4))
def test_a_gradient_taken_inside_fn_branches_like_eager(start, later):
    for fn in (slope_of_relu_times_x, slope_of_abs_times_x):
        traced = trace(fn, start)
        for x in later:
            assert same_list(flat(replayed_value_and_grads(traced, [x])), flat(eager_value_and_grads(fn, [x])))
    traced = trace(slopes_of_power, start, 2.0)
    for x in later:
        for y in (0.0, 0.5, 2.0, 3.0):
            if x < 0.0 and y == 0.5 or x == 0.0 and y < 0.0:
                continue  # no real power there (an error in both)
            assert same_list(flat(replayed_value_and_grads(traced, [x, y])), flat(eager_value_and_grads(slopes_of_power, [x, y])))


def test_the_issues_gradient_inside_fn_example():
    assert trace(slope_of_relu_times_x, 1.0)(-1.0) == slope_of_relu_times_x(Value(-1.0)).data == 0.0


def test_a_detached_node_is_recomputed_and_passes_no_gradient():
    fn = lambda x: (x - x.detach()) ** 2 + x.detach()  # noqa: E731
    traced = trace(fn, 1.0)
    assert traced(5.0) == 5.0
    assert same_list(flat(replayed_value_and_grads(traced, [5.0])), flat(eager_value_and_grads(fn, [5.0])))
    assert traced.value_and_grad(5.0) == (5.0, [0.0])


def test_a_target_computed_under_no_grad_inside_fn_is_recomputed():
    w = Value(0.5)
    model = MLP(2, [3, 1], seed=3)

    def fn(x, y):
        with no_grad():
            target = (x * y).tanh() + model([y, x])  # numbers only: no gradient through them
        return (w * x - target) ** 2 + mse_loss(model([x, y]), target)

    traced = trace(fn, 1.0, 2.0)
    params = [w] + model.parameters()
    for point in ([0.5, -1.0], [2.0, 3.0], [-1.5, 0.25]):
        assert same_list(flat(replayed_value_and_grads(traced, point, params)), flat(eager_value_and_grads(fn, point, params)))


def test_the_first_op_that_fails_in_fns_own_order_gives_eagers_error():
    def fn(x, y):
        a = 1 / x
        b = y.log()
        return a + b if b > 0 else a - b

    traced = trace(fn, 1.0, 2.0)
    with pytest.raises(ZeroDivisionError, match=r"division by zero: 1.0 / 0.0"):
        fn(Value(0.0), Value(-1.0))
    with pytest.raises(ZeroDivisionError, match=r"division by zero: 1.0 / 0.0"):
        traced(0.0, -1.0)
    with pytest.raises(ValueError, match=r"log\(-1.0\)"):
        traced(2.0, -1.0)


def test_an_op_fn_computes_and_does_not_use_still_raises_as_in_eager():
    def fn(x):
        unused = x.log()  # noqa: F841  (eager raises here for x <= 0)
        return x * 2.0

    traced = trace(fn, 1.0)
    with pytest.raises(ValueError, match=r"log of a number <= 0: log\(-3.0\)"):
        traced(-3.0)


def test_reading_a_traced_number_warns_once_per_place_with_fns_line():
    import warnings

    def fn(x):
        y = x * 2.0
        if y.data > 0:  # bakes the branch in
            y = y * math.exp(x)  # bakes e**x in
        return y + x.item()

    with pytest.warns(TraceWarning) as caught:
        traced = trace(fn, 1.0)
        traced(2.0)
        traced(3.0)
    lines = [(w.filename, w.lineno) for w in caught]
    first = fn.__code__.co_firstlineno
    assert lines == [(__file__, first + 2), (__file__, first + 3), (__file__, first + 4)]
    assert all(issubclass(w.category, UserWarning) for w in caught)
    assert ".data" in str(caught[0].message) and "2.0" in str(caught[0].message) and "filterwarnings" in str(caught[0].message)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", category=TraceWarning)
        with pytest.raises(TraceWarning, match=r"\.item\(\)"):
            trace(lambda x: x * x.item(), 1.0)
        warnings.filterwarnings("ignore", category=TraceWarning)
        trace(lambda x: x * x.item(), 1.0)  # silenced


def test_numbers_of_constants_and_plain_traces_do_not_warn():
    import warnings

    c = Value(2.0) * 3.0
    with warnings.catch_warnings():
        warnings.filterwarnings("error", category=TraceWarning)
        traced = trace(lambda x: x * c.data + (Value(1.5) * 2.0).data + float(Value(1.0)), 1.0)
        assert traced(2.0) == 2.0 * 6.0 + 3.0 + 1.0
        model = MLP(2, [4, 1], seed=0)
        trace(lambda x, y: mse_loss(model(x), y), [0.5, -0.5], 1.0)([0.1, 0.2], 0.5)


def test_which_nodes_are_live_does_not_depend_on_reference_counts(monkeypatch):
    w = Value(3.0, "w")
    monkeypatch.setattr(sys, "getrefcount", lambda x: 1000)  # as a CPython with other counts might give
    traced = trace(lambda x: x * 2.5 + w * x, 1.0)
    assert "2.5" in traced.source and "w = live[0].data" in traced.source
    assert traced(2.0) == 2.0 * 2.5 + 3.0 * 2.0 and w.grad == 2.0


def test_a_captured_node_made_by_an_op_gets_its_grad_and_passes_it_on_as_in_eager():
    w = Value(3.0)
    h = w * 2.0
    fn = lambda x: (x * h).tanh() * h  # noqa: E731
    traced = trace(fn, 0.5)
    for x in (0.5, -0.25):
        for node in (w, h):
            node.grad = 0.0
        fn(Value(x)).backward()
        eager = [w.grad, h.grad]
        for node in (w, h):
            node.grad = 0.0
        traced(x)
        assert same_list([w.grad, h.grad], eager) and eager[1] != 0.0


def test_a_parameter_made_lazily_inside_fn_is_live():
    class Lazy(Module):
        def __init__(self):
            self.w = None

        def forward(self, x):
            if self.w is None:
                self.w = Value(0.5)  # made during the first call: the trace's call
            return self.w * x

    models = [Lazy(), Lazy()]
    traced = trace(lambda x: mse_loss(models[1](x), 3.0), 2.0)
    models[0](2.0)
    optimizers = [SGD(m.parameters(), lr=0.1) for m in models]
    for _ in range(5):
        optimizers[0].zero_grad()
        loss = mse_loss(models[0](2.0), 3.0)
        loss.backward()
        optimizers[0].step()
        optimizers[1].zero_grad()
        assert same(traced(2.0), loss.data)
        optimizers[1].step()
    assert same(models[1].w.data, models[0].w.data) and models[0].w.data != 0.5


def test_values_passed_as_arguments_get_their_grad_as_in_backward():
    w = Value(-0.75)
    fn = lambda xs, y: mse_loss(dot([w, w], xs).sigmoid(), y) + xs[0] ** 3  # noqa: E731
    traced = trace(fn, [0.5, 0.25], 1.0)
    inputs = [Value(0.1), Value(-0.7), Value(0.3)]
    copies = [Value(x.data) for x in inputs]
    fn(inputs[:2], inputs[2]).backward()
    eager = [w.grad] + [x.grad for x in inputs]
    w.grad = 0.0
    traced([copies[0], 0.0 + copies[1].data], copies[2])  # Values and numbers mixed
    assert same_list([w.grad, copies[0].grad, copies[2].grad], [eager[0], eager[1], eager[3]])
    assert copies[1].grad == 0.0 and all(x.grad != 0.0 for x in inputs)


def test_a_check_on_numbers_in_a_loss_is_replayed():
    from nn import binary_cross_entropy_with_logits

    traced = trace(binary_cross_entropy_with_logits, 0.0, 1.0)
    with pytest.raises(ValueError, match=r"targets must be numbers in \[0, 1\]"):
        binary_cross_entropy_with_logits(Value(3.0), 2.0)
    with pytest.raises(ValueError, match=r"targets must be numbers in \[0, 1\]"):
        traced(3.0, 2.0)
    assert traced(3.0, 0.25) == binary_cross_entropy_with_logits(Value(3.0), Value(0.25)).data
    from nn import binary_cross_entropy

    from_probabilities = trace(binary_cross_entropy, 0.5, 1.0)
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        from_probabilities(3.0, 1.0)
    assert from_probabilities(0.25, 0.5) == binary_cross_entropy(Value(0.25), Value(0.5)).data


def test_int_arguments_are_baked_in_and_a_different_int_takes_its_own_path():
    from nn import cross_entropy, hinge_loss

    traced = trace(cross_entropy, [0.1, 0.2, 0.3], 1)
    for target in (2, 0, 1, 2):
        logits = [Value(x) for x in (0.5, -1.0, 2.0)]
        eager = cross_entropy(logits, target)
        assert same_list([traced.value_and_grad([0.5, -1.0, 2.0], target)[0], *traced.value_and_grad([0.5, -1.0, 2.0], target)[1]],
                         [eager.data, *grad(eager, logits)])
    assert len(traced._paths) == 3
    with pytest.raises(ValueError, match="out of range"):
        traced([0.5, -1.0, 2.0], 3)
    with pytest.raises(TypeError, match="int"):
        traced([0.5, -1.0, 2.0], 1.0)
    hinge = trace(hinge_loss, [0.3, -0.2], [1, -1])
    assert hinge([0.5, 2], [-1, -1]) == hinge_loss([Value(0.5), Value(2.0)], [-1, -1]).data  # 2 at a float place is a number


def test_threads_leaving_a_path_at_once_trace_the_new_branch_once():
    calls = []
    start = threading.Barrier(8)

    def fn(x):
        calls.append(x)
        time.sleep(0.02)  # a slow fn: the other threads arrive while one traces it
        return x * 2.0 if x > 0 else -x

    traced = trace(fn, 1.0)
    results = []

    def run():
        start.wait()
        results.append(traced(-3.0))

    workers = [threading.Thread(target=run) for _ in range(8)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    assert results == [3.0] * 8 and len(calls) == 2 and len(traced._paths) == 2


def test_a_parameter_made_lazily_by_an_op_inside_fn_is_never_silently_frozen():
    class LazyScaled(Module):
        def __init__(self):
            self.w = None

        def forward(self, x):
            if self.w is None:
                self.w = Value(3.0) * 0.1  # made by an op during the trace's call, and kept
            return self.w * x

    model = LazyScaled()
    traced = trace(lambda x: mse_loss(model(x), 3.0), 2.0)
    optimizer = SGD(model.parameters(), lr=0.1)
    optimizer.zero_grad()
    assert same(traced(2.0), mse_loss(Value(3.0) * 0.1 * 2.0, 3.0).data) and model.w.grad != 0.0
    optimizer.step()
    with pytest.raises(RuntimeError, match="parameter made lazily"):
        traced(2.0)
    made_and_dropped = trace(lambda x: x * (Value(2.0) * 3.0), 1.0)  # the same kind of node, not kept
    assert made_and_dropped(5.0) == 30.0 and made_and_dropped(7.0) == 42.0


def one_input_ops():
    names = []
    for name, entry in sorted(OPS.items()):
        try:
            apply(entry, Value(0.5))
        except (TypeError, ValueError):
            continue  # an op of another number of inputs
        names.append(name)
    return names


@pytest.mark.parametrize("name", one_input_ops())
def test_every_ops_derivative_rule_is_guarded_when_fn_takes_a_gradient(name):
    entry = OPS[name]

    def slope(x):
        (g,) = grad(apply(entry, x) * x, [x], create_graph=True)
        return g

    def outcome(run, x):
        try:
            return run(x)
        except (ArithmeticError, ValueError) as error:
            return type(error)

    traced = trace(slope, 0.5)
    for x in (-2.0, -0.5, 0.0, 0.5, 1.0, 30.0, -30.0):
        eager, replayed = outcome(lambda v: slope(Value(v)).data, x), outcome(traced, x)
        assert eager == replayed if isinstance(eager, type) else same(eager, replayed)


@pytest.mark.parametrize("none_at", [[0], [3], [0, 5, 8], "all"])
def test_a_grad_of_none_counts_as_zero_in_a_replay_as_in_backward(none_at):
    # zero_grad(set_to_none=True) leaves "no gradient": a replay, like backward(), makes it the gradient
    eager, replayed = MLP(2, [3, 1], seed=4), MLP(2, [3, 1], seed=4)
    step = trace(lambda x, y: mse_loss(replayed(x), y), [0.5, -0.5], 1.0)
    for model in (eager, replayed):
        model.zero_grad()
        for i, p in enumerate(model.parameters()):
            if none_at == "all" or i in none_at:
                p.grad = None
    for x, y in [([0.3, 0.2], 1.0), ([-0.7, 0.9], -1.0)]:
        mse_loss(eager(x), y).backward()
        step(x, y)
    assert same_list([p.grad for p in replayed.parameters()], [p.grad for p in eager.parameters()])


def test_a_value_argument_with_a_grad_of_none_gets_its_gradient():
    x = Value(3.0)
    x.grad = None
    trace(lambda v: v * v, 1.0)(x)
    assert x.grad == 6.0


def test_module_zero_grad_can_set_grads_to_none():
    model = MLP(2, [3, 1], seed=0)
    mse_loss(model([0.5, 0.2]), 1.0).backward()
    model.zero_grad(set_to_none=True)
    assert all(p.grad is None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())
