"""autograd.trace for training loops: what the generated code is made of (number literals, names),
auxiliary outputs, keyword arguments, the fused training step with an optimizer, and every path's
source."""

import struct
from fractions import Fraction

import pytest

from autograd import Value, no_grad, trace
from autograd.tracing.codegen import literal
from nn import MLP, SGD, Adagrad, Adam, AdamW, RMSprop, mse_loss


def same(a, b) -> bool:
    """Equal bit for bit (0.0 and -0.0 differ; NaNs are equal)."""
    return struct.pack("<d", a) == struct.pack("<d", b) or (a != a and b != b)


# --- what the code is made of ---------------------------------------------------------------------


class Loud(float):
    """A float subclass whose own repr must never run while code is generated."""

    def __repr__(self):
        raise AssertionError("the float subclass's __repr__ ran")


def test_numbers_are_written_as_the_repr_of_the_plain_float():
    assert literal(Loud(2.5)) == "2.5"
    assert literal(Loud(-0.0)) == "(-0.0)"
    assert literal(Fraction(1, 4)) == "0.25"


def test_a_constant_held_as_a_float_subclass_is_written_as_the_plain_float():
    def f(x):
        k = (x * 2.0).parents[1]  # the constant 2.0 ...
        k.data = Loud(2.5)  # ... now a float subclass
        return x * k + k

    traced = trace(f, 1.0)
    assert traced(3.0) == f(Value(3.0)).data
    assert "2.5" in traced.source and "Loud" not in traced.source


def test_a_numpy_float_constant_is_written_as_a_plain_float_literal():
    np = pytest.importorskip("numpy")
    assert literal(np.float64(2.0)) == "2.0"

    def f(x):
        k = (x * 2.0).parents[1]
        k.data = np.float64(4.0)
        return x * k

    traced = trace(f, 1.0)
    assert traced(3.0) == f(Value(3.0)).data
    assert "np." not in traced.source and "float64" not in traced.source


def test_a_traced_function_named_like_a_guards_constant_replays():
    def k0(x):  # k0 is also the name the code gives the first number a guard compares with
        return x * 2.0 if x > Fraction(1, 3) else x * 3.0

    traced = trace(k0, 1.0)
    assert traced(1.0) == 2.0
    assert traced(0.25) == 0.75  # the other path: its guard reads the Fraction by name
    assert traced(0.5) == 1.0


def test_labels_that_look_like_generated_names_do_not_collide_with_them():
    def live(x):
        a = (x * 2.0).relu()
        a.label = "d_v1"
        b = a * x
        b.label = "v1"
        c = b + 1.0
        c.label = "live"
        d = c * 3.0
        d.label = "k0"
        e = d * a if d > Fraction(1, 2) else d
        e.label = "live_path_1"
        return e

    x = Value(1.5, "arg0")
    traced = trace(live, x)
    for v in (1.5, -1.0, 0.1, 2.0):
        eager = live(Value(v))
        assert same(traced(v), eager.data)


def test_names_grow_linearly_with_the_depth_of_a_nested_argument():
    depth = 2000
    arg = [1.5]
    for _ in range(depth):
        arg = [arg]

    def f(a):
        for _ in range(depth):
            a = a[0]
        return a[0] * 2.0

    traced = trace(f, arg)
    assert traced(arg) == 3.0
    assert len(traced.source) < 200 * depth  # the input names would make ~depth**2 characters


# --- auxiliary outputs and keyword arguments ---------------------------------------------------------


def test_has_aux_returns_the_aux_as_floats_in_its_nesting_and_takes_the_gradient_from_the_value():
    w = Value(0.5, "w")

    def f(x):
        pred = w * x
        loss = (pred - 1.0) * (pred - 1.0)
        return loss, [pred, (pred * 3.0, 2), []]

    traced = trace(f, 2.0, has_aux=True)
    loss, aux = traced(4.0)
    assert same(loss, (0.5 * 4.0 - 1.0) ** 2)
    assert aux == [2.0, (6.0, 2.0), []] and isinstance(aux[1], tuple)
    assert w.grad == 2 * (0.5 * 4.0 - 1.0) * 4.0  # from the loss alone, not from the aux
    (value, aux), grads = traced.value_and_grad(1.0)
    assert value == 0.25 and aux == [0.5, (1.5, 2.0), []] and grads == [2 * (0.5 - 1.0) * 0.5]


def test_has_aux_with_one_number_and_a_flat_tuple():
    one = trace(lambda x: (x * x, x + 1.0), 1.0, has_aux=True)
    assert one(3.0) == (9.0, 4.0)
    flat = trace(lambda x: (x * x, (x, x * 2.0)), 1.0, has_aux=True)
    assert flat(3.0) == (9.0, (3.0, 6.0))


def test_has_aux_needs_a_pair_of_value_and_aux():
    with pytest.raises(TypeError, match=r"has_aux=True fn must return \(value, aux\)"):
        trace(lambda x: x * 2.0, 1.0, has_aux=True)
    with pytest.raises(TypeError, match="aux must be Values and numbers"):
        trace(lambda x: (x * 2.0, ["text"]), 1.0, has_aux=True)


def test_keyword_arguments_in_the_example_call_and_in_replays():
    def f(x, scale, shift=0.0):
        return x * scale + shift

    traced = trace(f, 1.0, scale=2.0, shift=0.5)
    assert traced(3.0, scale=4.0, shift=1.0) == 13.0
    assert traced(3.0, shift=1.0, scale=4.0) == 13.0  # any order of the same keys
    assert traced.value_and_grad(3.0, scale=4.0, shift=1.0) == (13.0, [4.0, 3.0, 1.0])
    with pytest.raises(TypeError, match="missing 'shift'"):
        traced(3.0, scale=4.0)
    with pytest.raises(TypeError, match="unexpected 'offset'"):
        traced(3.0, scale=4.0, shift=1.0, offset=2.0)


# --- the fused training step -------------------------------------------------------------------------


OPTIMIZERS = {
    "SGD": lambda ps: SGD(ps, lr=0.1),
    "SGD momentum, weight decay": lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01),
    "SGD nesterov": lambda ps: SGD(ps, lr=0.05, momentum=0.8, nesterov=True),
    "SGD dampening, maximize": lambda ps: SGD(ps, lr=0.01, momentum=0.5, dampening=0.3, maximize=True),
    "Adam": lambda ps: Adam(ps, lr=0.01),
    "Adam weight decay, amsgrad": lambda ps: Adam(ps, lr=0.01, weight_decay=0.1, amsgrad=True),
    "AdamW": lambda ps: AdamW(ps, lr=0.02),
    "RMSprop centered, momentum": lambda ps: RMSprop(ps, lr=0.01, centered=True, momentum=0.5),
    "Adagrad": lambda ps: Adagrad(ps, lr=0.1, lr_decay=0.01),
}
XS, YS = [[1.0, 0.5], [-0.3, 0.8], [0.2, -1.0]], [1.0, -1.0, 0.5]


def bits(xs):
    return [struct.pack("<d", x) if x is not None else None for x in xs]


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_the_fused_step_trains_exactly_like_the_eager_loop(name):
    make = OPTIMIZERS[name]
    eager_model, fused_model = MLP(2, [4, 1], seed=3), MLP(2, [4, 1], seed=3)
    unused_eager, unused_fused = Value(0.5), Value(0.5)  # in the optimizer, not in the loss
    eager_opt = make(eager_model.parameters() + [unused_eager])
    fused_opt = make(fused_model.parameters() + [unused_fused])
    step = trace(lambda x, y: mse_loss(fused_model(x), y), XS[0], YS[0], optimizer=fused_opt)
    for k in range(25):
        if k == 12:  # a schedule: the next call reads the new learning rate
            eager_opt.lr = fused_opt.lr = eager_opt.lr * 0.5
        x, y = XS[k % 3], YS[k % 3]
        eager_opt.zero_grad()
        loss = mse_loss(eager_model(x), y)
        loss.backward()
        eager_opt.step()
        assert same(step(x, y), loss.data)
    eager_params, fused_params = eager_opt.params, fused_opt.params
    assert bits([p.data for p in fused_params]) == bits([p.data for p in eager_params])
    assert bits([p.grad for p in fused_params]) == bits([p.grad for p in eager_params])
    assert repr(fused_opt.state_dict()) == repr(eager_opt.state_dict())


def test_the_fused_steps_update_is_the_optimizers_rule_written_out():
    w = Value(0.3, "w")
    opt = SGD([w], lr=0.1, weight_decay=0.01)
    step = trace(lambda x: (w * x - 1.0) * (w * x - 1.0), 2.0, optimizer=opt)
    assert "        w = w - lr * d_w\n" in step.source
    assert "        d_w = d_w + weight_decay * w\n" in step.source
    opt.weight_decay = 0.0  # selects other statements: the code is written again
    before = w.data
    step(2.0)
    assert "weight_decay * w" not in step.source
    assert w.data == before - 0.1 * (0.0 + 2 * (before * 2.0 - 1.0) * 2.0)


def test_a_rule_that_changes_mid_training_still_matches_eager():
    eager_model, fused_model = MLP(2, [3, 1], seed=1), MLP(2, [3, 1], seed=1)
    eager_opt, fused_opt = SGD(eager_model.parameters(), lr=0.1), SGD(fused_model.parameters(), lr=0.1)
    step = trace(lambda x, y: mse_loss(fused_model(x), y), XS[0], YS[0], optimizer=fused_opt)
    for k in range(12):
        if k == 4:
            eager_opt.momentum = fused_opt.momentum = 0.9
        eager_opt.zero_grad()
        mse_loss(eager_model(XS[k % 3]), YS[k % 3]).backward()
        eager_opt.step()
        step(XS[k % 3], YS[k % 3])
    assert bits([p.data for p in fused_opt.params]) == bits([p.data for p in eager_opt.params])
    assert repr(fused_opt.state_dict()) == repr(eager_opt.state_dict())


def test_the_fused_step_returns_the_loss_and_aux_and_inside_no_grad_only_evaluates():
    model = MLP(2, [3, 1], seed=2)
    opt = SGD(model.parameters(), lr=0.1)

    def loss_fn(xs, ys):
        preds = [model(x) for x in xs]
        return mse_loss(preds, ys), preds

    step = trace(loss_fn, XS, YS, optimizer=opt, has_aux=True)
    with no_grad():
        before = [p.data for p in opt.params]
        loss, preds = step(XS, YS)
        assert [p.data for p in opt.params] == before  # no step
    eager_loss, eager_preds = loss_fn(XS, YS)
    assert same(loss, eager_loss.data) and preds == [p.data for p in eager_preds]
    assert step(XS, YS) == (loss, preds)  # the numbers before this step's update
    assert [p.data for p in opt.params] != before


def test_a_bad_setting_is_the_optimizers_error_and_nothing_moves():
    w = Value(0.3)
    opt = SGD([w], lr=0.1)
    step = trace(lambda x: w * x, 2.0, optimizer=opt)
    opt.lr = -1.0
    with pytest.raises(ValueError, match="lr"):
        step(2.0)
    assert w.data == 0.3


def test_trace_refuses_what_is_not_an_optimizer():
    with pytest.raises(TypeError, match="optimizer"):
        trace(lambda x: x * 2.0, 1.0, optimizer=[Value(1.0)])


# --- every path's source, and a limit on paths ----------------------------------------------------


def test_the_source_shows_every_path_headed_by_its_guards():
    traced = trace(lambda x: x * 2.0 if x > 0.0 else x * 3.0, 1.0)
    traced(-1.0)
    assert len(traced.paths) == 2
    assert traced.paths[0].startswith("# path 0: guards (the outcomes it was traced with): x0 > 0.0 is True\n")
    assert traced.paths[1].startswith("# path 1: guards (the outcomes it was traced with): x0 > 0.0 is False\n")
    assert "x0 * 3.0" in traced.paths[1] and all(p in traced.source for p in traced.paths)


def test_a_function_that_branches_more_than_max_paths_is_refused_with_a_reason():
    def steps(x):
        y = x
        for threshold in (1.0, 2.0, 3.0, 4.0):
            y = y * 2.0 if x > threshold else y
        return y

    traced = trace(steps, 0.5, max_paths=3)
    assert traced(1.5) == 3.0 and traced(2.5) == 10.0
    with pytest.raises(RuntimeError, match="branches too much to trace"):
        traced(3.5)
    assert traced(0.0) == 0.0 and len(traced.paths) == 3
    with pytest.raises(ValueError, match="max_paths"):
        trace(steps, 0.5, max_paths=0)


def test_forward_computes_the_loss_alone_without_a_step_or_grads():
    w = Value(0.3, "w")
    opt = SGD([w], lr=0.1)
    step = trace(lambda x: (w * x - 1.0) * (w * x - 1.0), 2.0, optimizer=opt)
    step(2.0)
    data, grad = w.data, w.grad
    assert same(step.forward(3.0), (data * 3.0 - 1.0) * (data * 3.0 - 1.0))
    assert (w.data, w.grad) == (data, grad)  # no step, no gradient
    plain = trace(lambda x: w * x, 2.0)
    assert plain.forward(4.0) == w.data * 4.0 and w.grad == grad


def test_a_gradient_times_one_is_written_without_the_product():
    from autograd import dot

    w = Value(2.0)
    traced = trace(lambda b: dot([w, b], [1.0, 1.0]) * w, 3.0)
    backward = traced.source.split("# backward")[1]
    assert "* 1.0" not in backward
    assert traced(3.0) == 10.0 and w.grad == 2.0 * 2.0 + 3.0


def test_the_fused_step_with_parameter_groups_and_value_arguments_matches_eager():
    def run(use_trace):
        model = MLP(2, [3, 1], seed=4)
        params = model.parameters()
        opt = Adam([{"params": params[:6]}, {"params": params[6:], "lr": 0.05, "weight_decay": 0.1}], lr=0.01)
        x = Value(0.5)  # a Value argument gets its .grad, as from loss_fn(...).backward()
        loss_fn = lambda a, b: mse_loss(model([a, b]), 1.0)  # noqa: E731
        step = trace(loss_fn, x, 0.2, optimizer=opt) if use_trace else None
        losses = []
        for k in range(8):
            x.data = 0.5 + 0.1 * k
            if use_trace:
                losses.append(step(x, 0.2))
            else:
                opt.zero_grad()
                loss = loss_fn(x, 0.2)
                loss.backward()
                opt.step()
                losses.append(loss.data)
        return losses, [p.data for p in params], x.grad, repr(opt.state_dict())

    eager, fused = run(False), run(True)
    assert bits(fused[0]) == bits(eager[0]) and bits(fused[1]) == bits(eager[1])
    assert same(fused[2], eager[2]) and fused[3] == eager[3]


def test_a_parameter_added_to_the_optimizer_is_updated_by_the_fused_step():
    w, extra = Value(0.3), Value(1.0)
    opt = SGD([w], lr=0.1, weight_decay=0.5)
    step = trace(lambda x: w * x, 2.0, optimizer=opt)
    opt.param_groups[0]["params"].append(extra)  # not in the loss: its gradient is 0.0
    step(2.0)
    assert extra.data == 1.0 - 0.1 * (0.0 + 0.5 * 1.0) and extra.grad == 0.0
    opt.add_param_group({"params": [Value(2.0)], "lr": 0.2})
    step(2.0)
    assert opt.param_groups[1]["params"][0].data == 2.0 - 0.2 * (0.0 + 0.5 * 2.0)
