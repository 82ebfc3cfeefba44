"""Optimizers: SGD (with and without momentum), Adam and AdamW follow PyTorch's update rules, weight
decay included, checked against the same updates computed by hand with plain floats; each update
rule's statements, run by hand, give step()'s numbers bit for bit; parameter groups."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value
from nn import MLP, SGD, Adagrad, Adam, AdamW, RMSprop, mse_loss
from nn.optim import UpdateRule

# A gradient that changes sign and size from step to step, for two parameters.
GRADIENTS = [[0.5, -2.0], [-1.5, 0.25], [3.0, 1.0], [0.0, -0.75], [-0.2, 4.0]]
START = [1.0, -0.5]

gradient_runs = st.lists(
    st.lists(st.floats(-100, 100), min_size=2, max_size=2), min_size=1, max_size=8
)


def run(optimizer_class, gradients, **options):
    """Step an optimizer over two parameters, setting their grads by hand before each step."""
    params = [Value(x) for x in START]
    optimizer = optimizer_class(params, **options)
    for step_grads in gradients:
        for p, g in zip(params, step_grads):
            p.grad = g
        optimizer.step()
    return [p.data for p in params]


def sgd_by_hand(gradients, lr, momentum=0.0, weight_decay=0.0):
    """torch.optim.SGD: g += wd p;  b_1 = g_1, b_t = mu * b_(t-1) + g_t;  p -= lr * b_t."""
    params, buffers = list(START), None
    for g in gradients:
        g = [gi + weight_decay * p for gi, p in zip(g, params)]
        buffers = list(g) if buffers is None else [momentum * b + gi for b, gi in zip(buffers, g)]
        params = [p - lr * b for p, b in zip(params, buffers)]
    return params


def adam_by_hand(gradients, lr, betas, eps, weight_decay=0.0, decoupled=False):
    """torch.optim.Adam: g += wd p (AdamW instead: p *= 1 - lr wd);
    m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  p -= lr * mhat / (sqrt(vhat) + eps)."""
    b1, b2 = betas
    params, m, v = list(START), [0.0, 0.0], [0.0, 0.0]
    for t, g in enumerate(gradients, start=1):
        for i in range(len(params)):
            gi = g[i]
            if decoupled:
                params[i] *= 1 - lr * weight_decay
            else:
                gi += weight_decay * params[i]
            m[i] = b1 * m[i] + (1 - b1) * gi
            v[i] = b2 * v[i] + (1 - b2) * gi**2
            mhat = m[i] / (1 - b1**t)
            vhat = v[i] / (1 - b2**t)
            params[i] -= lr * mhat / (math.sqrt(vhat) + eps)
    return params


# --- SGD ----------------------------------------------------------------------------------------


def test_sgd_step_is_minus_lr_times_grad():
    p = Value(1.0)
    p.grad = 0.5
    SGD([p], lr=0.1).step()
    assert p.data == pytest.approx(1.0 - 0.1 * 0.5, rel=1e-12)


@pytest.mark.parametrize("lr", [0.1, 0.01])
def test_sgd_without_momentum_matches_hand_updates(lr):
    assert run(SGD, GRADIENTS, lr=lr) == pytest.approx(sgd_by_hand(GRADIENTS, lr), rel=1e-12)


@pytest.mark.parametrize("momentum", [0.5, 0.9, 1.5])
def test_sgd_with_momentum_matches_hand_updates(momentum):
    expected = sgd_by_hand(GRADIENTS, lr=0.1, momentum=momentum)
    assert run(SGD, GRADIENTS, lr=0.1, momentum=momentum) == pytest.approx(expected, rel=1e-12)


def test_sgd_momentum_first_step_uses_the_plain_gradient():
    # b_1 = g_1 (no (1 - mu) damping, no zero start): the first step equals momentum-free SGD.
    first = GRADIENTS[:1]
    assert run(SGD, first, lr=0.1, momentum=0.9) == run(SGD, first, lr=0.1)


@given(gradients=gradient_runs, momentum=st.floats(0, 0.99))
def test_sgd_matches_hand_updates_for_any_gradients(gradients, momentum):
    expected = sgd_by_hand(gradients, lr=0.05, momentum=momentum)
    assert run(SGD, gradients, lr=0.05, momentum=momentum) == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_sgd_with_zero_grad_leaves_parameters_alone():
    p = Value(2.0)
    SGD([p], lr=0.1).step()
    assert p.data == 2.0


# --- Adam ---------------------------------------------------------------------------------------


def test_adam_first_step_moves_each_parameter_by_about_lr_against_its_gradient():
    # After one step mhat = g and vhat = g**2, so the step is lr * g / (|g| + eps).
    params = [Value(x) for x in START]
    for p, g in zip(params, GRADIENTS[0]):
        p.grad = g
    Adam(params, lr=0.01).step()
    expected = [x - 0.01 * g / (abs(g) + 1e-8) for x, g in zip(START, GRADIENTS[0])]
    assert [p.data for p in params] == pytest.approx(expected, rel=1e-12)


def test_adam_defaults_match_hand_updates():
    expected = adam_by_hand(GRADIENTS, lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    assert run(Adam, GRADIENTS) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    "lr, betas, eps",
    [(0.1, (0.9, 0.999), 1e-8), (0.05, (0.5, 0.9), 1e-3), (0.2, (0.0, 0.0), 1e-8)],
)
def test_adam_matches_hand_updates(lr, betas, eps):
    expected = adam_by_hand(GRADIENTS, lr=lr, betas=betas, eps=eps)
    assert run(Adam, GRADIENTS, lr=lr, betas=betas, eps=eps) == pytest.approx(expected, rel=1e-12)


@given(gradients=gradient_runs, b1=st.floats(0, 0.99), b2=st.floats(0, 0.999))
def test_adam_matches_hand_updates_for_any_gradients(gradients, b1, b2):
    expected = adam_by_hand(gradients, lr=0.01, betas=(b1, b2), eps=1e-8)
    assert run(Adam, gradients, lr=0.01, betas=(b1, b2)) == pytest.approx(expected, rel=1e-12, abs=1e-12)


# --- weight decay -------------------------------------------------------------------------------


def test_sgd_weight_decay_adds_wd_times_p_to_the_gradient_two_steps_by_hand():
    p = Value(1.0)
    opt = SGD([p], lr=0.1, momentum=0.5, weight_decay=0.2)
    p.grad = 0.5
    opt.step()  # g = 0.5 + 0.2 * 1.0 = 0.7; b = 0.7; p = 1.0 - 0.07 = 0.93
    assert p.data == pytest.approx(0.93, rel=1e-12)
    p.grad = -1.0
    opt.step()  # g = -1.0 + 0.2 * 0.93 = -0.814; b = 0.5 * 0.7 - 0.814 = -0.464; p = 0.93 + 0.0464
    assert p.data == pytest.approx(0.9764, rel=1e-12)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize("weight_decay", [0.01, 0.5])
def test_sgd_with_weight_decay_matches_hand_updates(momentum, weight_decay):
    expected = sgd_by_hand(GRADIENTS, lr=0.1, momentum=momentum, weight_decay=weight_decay)
    assert run(SGD, GRADIENTS, lr=0.1, momentum=momentum, weight_decay=weight_decay) == pytest.approx(expected, rel=1e-12)


def test_adam_weight_decay_enters_the_gradient_and_adamw_shrinks_the_parameter_one_step_by_hand():
    # The first Adam step is -lr * sign(g) (mhat = g, vhat = g**2; eps = 0 here).
    p = Value(2.0)
    p.grad = -0.25
    Adam([p], lr=0.1, weight_decay=0.5, eps=0.0).step()  # g = -0.25 + 0.5 * 2.0 = 0.75: p = 2.0 - 0.1
    assert p.data == pytest.approx(1.9, rel=1e-12)
    p = Value(2.0)
    p.grad = -0.25
    AdamW([p], lr=0.1, weight_decay=0.5, eps=0.0).step()  # p = 2.0 * (1 - 0.1 * 0.5) = 1.9; g = -0.25: p + 0.1
    assert p.data == pytest.approx(2.0, rel=1e-12)


@pytest.mark.parametrize("weight_decay", [0.01, 0.3])
@pytest.mark.parametrize("optimizer_class, decoupled", [(Adam, False), (AdamW, True)])
def test_adam_and_adamw_with_weight_decay_match_hand_updates(optimizer_class, decoupled, weight_decay):
    expected = adam_by_hand(GRADIENTS, lr=0.05, betas=(0.9, 0.999), eps=1e-8, weight_decay=weight_decay, decoupled=decoupled)
    got = run(optimizer_class, GRADIENTS, lr=0.05, weight_decay=weight_decay)
    assert got == pytest.approx(expected, rel=1e-12)


@given(gradients=gradient_runs, wd=st.floats(0, 1), b1=st.floats(0, 0.99))
def test_adamw_matches_hand_updates_for_any_gradients(gradients, wd, b1):
    expected = adam_by_hand(gradients, lr=0.01, betas=(b1, 0.999), eps=1e-8, weight_decay=wd, decoupled=True)
    assert run(AdamW, gradients, lr=0.01, betas=(b1, 0.999), weight_decay=wd) == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_adamw_decays_by_default_as_torch_does():
    assert AdamW([Value(1.0)]).weight_decay == 0.01 and Adam([Value(1.0)]).weight_decay == 0.0


# --- a learning rate that changes between steps -------------------------------------------------


@pytest.mark.parametrize("optimizer_class", [SGD, Adam, AdamW])
def test_lr_may_be_changed_between_steps(optimizer_class):
    schedule = [0.1 * (1 - 0.9 * k / 5) for k in range(5)]  # as micrograd's demo: 1 - 0.9 k / steps
    params = [Value(x) for x in START]
    optimizer = optimizer_class(params, lr=schedule[0])
    for lr, step_grads in zip(schedule, GRADIENTS):
        optimizer.lr = lr
        for p, g in zip(params, step_grads):
            p.grad = g
        optimizer.step()
    if optimizer_class is SGD:  # the same as steps of a fresh SGD at each rate
        expected = list(START)
        for lr, g in zip(schedule, GRADIENTS):
            expected = [x - lr * gi for x, gi in zip(expected, g)]
        assert [p.data for p in params] == pytest.approx(expected, rel=1e-12)
    assert [p.data for p in params] != [p.data for p in [Value(x) for x in START]]


@pytest.mark.parametrize("optimizer_class", [SGD, Adam, AdamW])
@pytest.mark.parametrize("setting, bad", [("lr", -0.1), ("lr", math.nan), ("lr", "0.1"), ("weight_decay", -1.0)])
def test_a_bad_setting_made_between_steps_is_refused_when_step_runs(optimizer_class, setting, bad):
    p = Value(1.0)
    p.grad = 0.5
    optimizer = optimizer_class([p], lr=0.1)
    setattr(optimizer, setting, bad)
    with pytest.raises(ValueError, match=setting):
        optimizer.step()
    assert p.data == 1.0


@pytest.mark.parametrize("optimizer_class", [SGD, Adam, AdamW])
def test_rejects_bad_weight_decay(optimizer_class):
    with pytest.raises(ValueError, match="weight_decay"):
        optimizer_class([Value(1.0)], lr=0.1, weight_decay=-0.5)


# --- zero_grad and training ---------------------------------------------------------------------


@pytest.mark.parametrize("optimizer_class", [SGD, Adam])
def test_zero_grad_resets_every_parameter_grad(optimizer_class):
    params = [Value(1.0), Value(2.0)]
    (params[0] * params[1]).backward()
    optimizer = optimizer_class(params, lr=0.1)
    optimizer.zero_grad()
    assert [p.grad for p in params] == [0.0, 0.0]


@pytest.mark.parametrize("optimizer_class, lr", [(SGD, 0.05), (Adam, 0.05)])
def test_optimizer_lowers_the_loss_of_a_small_model(optimizer_class, lr):
    model = MLP(2, [4, 1], activation="tanh", seed=0)
    inputs, targets = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [1.0, -1.0, 0.5]
    optimizer = optimizer_class(model.parameters(), lr=lr)

    def loss():
        return mse_loss([model(x) for x in inputs], targets)

    initial = loss().data
    for _ in range(50):
        optimizer.zero_grad()
        loss().backward()
        optimizer.step()
    assert loss().data < initial / 2


# --- invalid arguments --------------------------------------------------------------------------


@pytest.mark.parametrize("optimizer_class", [SGD, Adam])
@pytest.mark.parametrize("lr", [-0.1, math.nan, "x", None])
def test_rejects_bad_learning_rate(optimizer_class, lr):
    with pytest.raises((ValueError, TypeError), match="lr"):
        optimizer_class([Value(1.0)], lr=lr)


@pytest.mark.parametrize(
    "optimizer_class, options",
    [
        (SGD, {"lr": math.inf}),
        (SGD, {"lr": 0.1, "momentum": math.inf}),
        (Adam, {"lr": math.inf}),
        (Adam, {"eps": math.inf}),
    ],
    ids=["sgd-lr", "sgd-momentum", "adam-lr", "adam-eps"],
)
def test_rejects_infinite_hyperparameters(optimizer_class, options):
    # The error message for these options promises a finite number.
    with pytest.raises(ValueError, match="finite"):
        optimizer_class([Value(1.0)], **options)


@pytest.mark.parametrize("momentum", [-0.1, math.nan, "0.9"])
def test_sgd_rejects_bad_momentum(momentum):
    with pytest.raises((ValueError, TypeError), match="momentum"):
        SGD([Value(1.0)], lr=0.1, momentum=momentum)


def test_sgd_needs_a_learning_rate():
    with pytest.raises(TypeError):
        SGD([Value(1.0)])


@pytest.mark.parametrize(
    "betas",
    [(1.0, 0.999), (0.9, 1.0), (-0.1, 0.999), (0.9, -0.5), (math.nan, 0.999), (0.9,), 0.9, "ab"],
)
def test_adam_rejects_betas_outside_zero_to_one(betas):
    with pytest.raises((ValueError, TypeError), match="betas"):
        Adam([Value(1.0)], betas=betas)


@pytest.mark.parametrize("eps", [-1e-8, math.nan])
def test_adam_rejects_bad_eps(eps):
    with pytest.raises(ValueError, match="eps"):
        Adam([Value(1.0)], eps=eps)


@pytest.mark.parametrize("optimizer_class", [SGD, Adam])
def test_rejects_empty_parameters(optimizer_class):
    with pytest.raises(ValueError, match="empty"):
        optimizer_class([], lr=0.1)


@pytest.mark.parametrize("optimizer_class", [SGD, Adam])
def test_rejects_parameters_that_are_not_values(optimizer_class):
    with pytest.raises(TypeError, match="float"):
        optimizer_class([Value(1.0), 2.0], lr=0.1)


@pytest.mark.parametrize("optimizer_class", [SGD, Adam])
def test_rejects_the_same_parameter_twice(optimizer_class):
    p = Value(1.0)
    with pytest.raises(ValueError, match="more than once"):
        optimizer_class([p, Value(2.0), p], lr=0.1)


def test_accepts_parameters_from_a_generator():
    model = MLP(3, [4, 1], seed=0)
    optimizer = SGD((p for p in model.parameters()), lr=0.1)
    assert optimizer.params == model.parameters()


# --- exactly the same float operations as by hand ------------------------------------------------


def adam_in_steps(gradients, lr, betas, eps, weight_decay=0.0, decoupled=False):
    """Adam with the step size and the root of the second correction computed once per step:
    p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)."""
    b1, b2 = betas
    params, m, v = list(START), [0.0, 0.0], [0.0, 0.0]
    for t, g in enumerate(gradients, start=1):
        step_size = lr / (1.0 - b1**t)
        v_correction = math.sqrt(1.0 - b2**t)
        for i in range(len(params)):
            gi = g[i]
            if weight_decay != 0.0:
                if decoupled:
                    params[i] = params[i] * (1.0 - lr * weight_decay)
                else:
                    gi = gi + weight_decay * params[i]
            m[i] = b1 * m[i] + (1.0 - b1) * gi
            v[i] = b2 * v[i] + (1.0 - b2) * gi * gi
            params[i] = params[i] - step_size * m[i] / (math.sqrt(v[i]) / v_correction + eps)
    return params


@given(gradients=gradient_runs, momentum=st.sampled_from([0.0, 0.5, 0.9]), wd=st.sampled_from([0.0, 0.01]))
def test_sgd_gives_the_hand_updates_bit_for_bit(gradients, momentum, wd):
    assert run(SGD, gradients, lr=0.05, momentum=momentum, weight_decay=wd) == sgd_by_hand(gradients, 0.05, momentum, wd)


@given(gradients=gradient_runs, wd=st.sampled_from([0.0, 0.3]), optimizer_class=st.sampled_from([Adam, AdamW]))
def test_adam_and_adamw_give_the_hand_updates_bit_for_bit(gradients, wd, optimizer_class):
    expected = adam_in_steps(gradients, 0.01, (0.9, 0.999), 1e-8, wd, decoupled=optimizer_class is AdamW)
    assert run(optimizer_class, gradients, lr=0.01, weight_decay=wd) == expected


# --- the update rule as data --------------------------------------------------------------------


def run_rule_by_hand(optimizer, gradients):
    """Run the optimizer's update rule statement by statement with exec, on copies of the numbers."""
    group = optimizer.param_groups[0]
    numbers = [p.data for p in group["params"]]
    step_state, param_state = None, None
    for step_grads in gradients:
        rule = optimizer.update_rule(group)
        if step_state is None:
            step_state, param_state = dict(rule.step_state), [dict(rule.param_state) for _ in numbers]
        names = {**rule.functions, **dict(zip(rule.hyper, optimizer.hypers(group))), **step_state}
        for statement in rule.per_step:
            exec(statement, names)
        step_state = {name: names[name] for name in rule.step_state}
        for i, g in enumerate(step_grads):
            local = {**names, **param_state[i], "p": numbers[i], "g": g}
            for statement in rule.per_param:
                exec(statement, local)
            numbers[i] = local["p"]
            param_state[i] = {name: local[name] for name in rule.param_state}
    return numbers


RULE_CASES = [
    (SGD, {"lr": 0.1}),
    (SGD, {"lr": 0.1, "weight_decay": 0.2}),
    (SGD, {"lr": 0.1, "momentum": 0.9}),
    (SGD, {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.2}),
    (Adam, {"lr": 0.01}),
    (Adam, {"lr": 0.01, "weight_decay": 0.1}),
    (AdamW, {"lr": 0.01}),
    (AdamW, {"lr": 0.01, "betas": (0.5, 0.9), "eps": 1e-3, "weight_decay": 0.0}),
    (SGD, {"lr": 0.1, "momentum": 0.9, "dampening": 0.2, "maximize": True}),
    (SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    (Adam, {"lr": 0.01, "amsgrad": True, "maximize": True}),
    (RMSprop, {"lr": 0.01}),
    (RMSprop, {"lr": 0.01, "momentum": 0.5, "centered": True, "weight_decay": 0.1}),
    (Adagrad, {"lr": 0.1, "lr_decay": 0.1, "initial_accumulator_value": 0.5}),
]


@pytest.mark.parametrize("optimizer_class, options", RULE_CASES)
def test_the_rules_statements_run_by_hand_give_steps_numbers_bit_for_bit(optimizer_class, options):
    params = [Value(x) for x in START]
    by_hand = run_rule_by_hand(optimizer_class(params, **options), GRADIENTS)
    assert run(optimizer_class, GRADIENTS, **options) == by_hand
    assert by_hand != START


def test_sgds_rule_reads_like_the_math():
    rule = SGD([Value(1.0)], lr=0.1).update_rule(SGD([Value(1.0)], lr=0.1).param_groups[0])
    assert rule.per_param == ["p = p - lr * g"] and rule.hyper == ("lr", "momentum", "dampening", "weight_decay")
    assert rule.param_state == {} and rule.per_step == []
    momentum = SGD([Value(1.0)], lr=0.1, momentum=0.9, weight_decay=0.01)
    rule = momentum.update_rule(momentum.param_groups[0])
    assert rule.per_param == ["g = g + weight_decay * p", "b = g if b is None else momentum * b + g", "p = p - lr * b"]
    assert rule.param_state == {"b": None}


def test_adams_rule_counts_steps_once_per_step():
    opt = Adam([Value(1.0)])
    rule = opt.update_rule(opt.param_groups[0])
    assert rule.step_state == {"t": 0} and "t = t + 1" in rule.per_step
    assert set(rule.param_state) == {"m", "v"} and rule.functions == {"sqrt": math.sqrt}


def test_a_rule_refuses_names_that_would_clash_with_the_loop():
    with pytest.raises(ValueError, match="_s"):
        UpdateRule(("lr",), ["p = p - lr * g"], {"_s": 0.0})
    with pytest.raises(ValueError, match="differ"):
        UpdateRule(("lr",), ["p = p - lr * g"], {"lr": 0.0})


def test_the_state_is_kept_per_parameter_and_reads_like_a_dict():
    params = [Value(x) for x in START]
    opt = Adam(params, lr=0.1)
    for p, g in zip(params, GRADIENTS[0]):
        p.grad = g
    opt.step()
    assert opt.state[params[0]]["m"] == (1.0 - 0.9) * 0.5 and opt.state[params[1]].v == (1.0 - 0.999) * 4.0
    assert dict(opt.state[params[0]].items()) == {"m": (1.0 - 0.9) * 0.5, "v": (1.0 - 0.999) * 0.5 * 0.5}
    assert opt.group_state == [{"t": 1}]


def test_switching_momentum_off_and_on_keeps_the_buffer_as_torch_does():
    p = Value(1.0)
    opt = SGD([p], lr=0.1, momentum=0.5)
    expected = 1.0
    for momentum, g, b in [(0.5, 1.0, 1.0), (0.0, 2.0, None), (0.5, 4.0, 0.5 * 1.0 + 4.0)]:
        opt.momentum = momentum
        p.grad = g
        opt.step()
        expected = expected - 0.1 * (b if b is not None else g)
        assert p.data == expected
    assert opt.state[p]["b"] == 4.5


# --- parameter groups ---------------------------------------------------------------------------


def test_each_group_has_its_own_settings_and_the_rest_come_from_the_arguments():
    a, b = [Value(1.0)], [Value(1.0)]
    opt = SGD([{"params": a}, {"params": b, "lr": 0.5}], lr=0.1, momentum=0.0)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[1] == {
        "params": b, "lr": 0.5, "momentum": 0.0, "dampening": 0.0, "weight_decay": 0.0, "nesterov": False, "maximize": False,
    }
    a[0].grad = b[0].grad = 1.0
    opt.step()
    assert (a[0].data, b[0].data) == (1.0 - 0.1, 1.0 - 0.5)
    assert opt.params == a + b


def test_a_groups_lr_changed_between_steps_counts_at_the_next_step():
    p = Value(1.0)
    opt = Adam([{"params": [p]}], lr=0.1)
    p.grad = 1.0
    opt.param_groups[0]["lr"] = 0.5
    opt.step()
    assert p.data == pytest.approx(1.0 - 0.5, rel=1e-7)  # Adam's first step: lr * sign(g)


def test_opt_lr_is_the_one_groups_lr():
    p = Value(1.0)
    opt = SGD([p], lr=0.1)
    opt.lr = 0.25
    assert opt.param_groups[0]["lr"] == 0.25 and opt.lr == 0.25
    two = SGD([{"params": [Value(1.0)]}, {"params": [Value(2.0)]}], lr=0.1)
    with pytest.raises(AttributeError, match="param_groups"):
        two.lr
    with pytest.raises(AttributeError, match="param_groups"):
        two.lr = 0.3


def test_a_bad_setting_in_any_group_moves_no_parameter():
    a, b = Value(1.0), Value(2.0)
    opt = SGD([{"params": [a]}, {"params": [b]}], lr=0.1)
    a.grad = b.grad = 1.0
    opt.param_groups[1]["lr"] = -1.0
    with pytest.raises(ValueError, match=r"param_groups\[1\]\['lr'\]"):
        opt.step()
    assert (a.data, b.data) == (1.0, 2.0)


@pytest.mark.parametrize(
    "params, error",
    [
        ([{"params": [Value(1.0)]}, Value(2.0)], "both"),
        ([{"lr": 0.1}], "'params'"),
        ([{"params": [Value(1.0), 3.0]}], "float at index 1 of group 0"),
    ],
)
def test_bad_groups_are_refused(params, error):
    with pytest.raises(TypeError, match=error):
        SGD(params, lr=0.1)


def test_a_parameter_in_two_groups_is_refused():
    p = Value(1.0)
    with pytest.raises(ValueError, match="more than once"):
        SGD([{"params": [p]}, {"params": [p]}], lr=0.1)


def test_a_parameter_whose_grad_is_none_is_skipped_and_its_state_untouched():
    params = [Value(x) for x in START]
    opt = SGD(params, lr=0.1, momentum=0.9)
    params[0].grad, params[1].grad = None, 2.0
    opt.step()
    assert params[0].data == START[0] and params[0] not in opt.state
    assert params[1].data == START[1] - 0.1 * 2.0
    params[0].grad, params[1].grad = 1.0, None
    opt.step()
    assert params[0].data == START[0] - 0.1 * 1.0 and opt.state[params[1]]["b"] == 2.0
    assert params[1].data == START[1] - 0.1 * 2.0


# --- PyTorch's numbers over 300 steps -----------------------------------------------------------

# Each run: three parameters, whose gradient at step t is that of (p - c)**2 plus a fixed wobble,
# negated for maximize (so that every run settles). The numbers after 300 steps were computed with
# torch.optim (float64, foreach=False) in the same run. PyTorch's CPU kernels fuse multiply-adds
# (p + alpha * g rounds once), which plain Python floats cannot; so agreement is to about one
# rounding (2.3e-16 relative at most here), and bit for bit where no fused step made a difference.
TORCH_START, TORCH_CENTRES = [0.5, -1.0, 2.0], [1.0, -2.0, 0.5]
TORCH_RUNS = [
    (SGD, {'lr': 0.05}, [0.985581348510979, -1.9653316685049356, 0.5073065820926779]),
    (SGD, {'lr': 0.05, 'momentum': 0.9, 'dampening': 0.1, 'weight_decay': 0.01}, [1.0647870238680246, -1.873161381723921, 0.5705575144605906]),
    (SGD, {'lr': 0.05, 'momentum': 0.9, 'nesterov': True, 'weight_decay': 0.01}, [0.9707278340910301, -1.9077533644419602, 0.5348908075433382]),
    (SGD, {'lr': 0.05, 'momentum': 0.5, 'maximize': True}, [1.0000780900445547, -1.9545257167239447, 0.49180888760183283]),
    (Adam, {'lr': 0.05}, [1.0111562337730218, -1.9899947582835862, 0.5001039923913858]),
    (Adam, {'lr': 0.05, 'weight_decay': 0.01, 'amsgrad': True}, [1.0061824079982382, -1.9800253912951207, 0.4976136741238166]),
    (Adam, {'lr': 0.05, 'betas': (0.5, 0.9), 'maximize': True}, [1.0005206390653358, -1.9655502355895378, 0.4926030947973186]),
    (AdamW, {'lr': 0.05, 'amsgrad': True}, [1.00796245982139, -1.983113958569429, 0.49808612747642533]),
    (RMSprop, {'lr': 0.01}, [0.9960832439920522, -1.9891135832844928, 0.5023431685787809]),
    (RMSprop, {'lr': 0.01, 'alpha': 0.9, 'momentum': 0.5, 'centered': True, 'weight_decay': 0.01}, [0.9899480699543308, -1.9832724101933348, 0.48635963937181603]),
    (Adagrad, {'lr': 0.1}, [0.9982200875755163, -1.9928863251730036, 0.5193401885482164]),
    (Adagrad, {'lr': 0.1, 'lr_decay': 0.01, 'weight_decay': 0.01, 'initial_accumulator_value': 0.1, 'maximize': True}, [0.9902824599291418, -1.9520868204721986, 0.6775276002480421]),
]


def settle(optimizer_class, options, steps=300):
    params = [Value(x) for x in TORCH_START]
    optimizer = optimizer_class(params, **options)
    sign = -1.0 if options.get("maximize") else 1.0
    for t in range(steps):
        for i, p in enumerate(params):
            p.grad = sign * (2.0 * (p.data - TORCH_CENTRES[i]) + ((t * 37 + i * 11) % 17 - 8) / 8)
        optimizer.step()
    return [p.data for p in params]


@pytest.mark.parametrize("optimizer_class, options, torch_numbers", TORCH_RUNS, ids=lambda x: getattr(x, "__name__", None))
def test_300_steps_give_pytorchs_numbers(optimizer_class, options, torch_numbers):
    assert settle(optimizer_class, options) == pytest.approx(torch_numbers, rel=5e-16, abs=0)


# --- the options, by hand -------------------------------------------------------------------------


def test_sgd_dampening_scales_the_new_gradient_from_the_second_step_on():
    p = Value(1.0)
    opt = SGD([p], lr=0.1, momentum=0.5, dampening=0.25)
    p.grad = 2.0
    opt.step()  # b = 2.0 (the first step is not damped)
    assert p.data == 1.0 - 0.1 * 2.0
    p.grad = 4.0
    opt.step()  # b = 0.5 * 2.0 + 0.75 * 4.0 = 4.0
    assert p.data == 1.0 - 0.1 * 2.0 - 0.1 * 4.0


def test_sgd_nesterov_steps_along_the_gradient_plus_momentum_times_the_buffer():
    p = Value(1.0)
    opt = SGD([p], lr=0.1, momentum=0.5, nesterov=True)
    p.grad = 2.0
    opt.step()  # b = 2; g = 2 + 0.5 * 2 = 3
    assert p.data == 1.0 - 0.1 * 3.0
    p.grad = 1.0
    opt.step()  # b = 0.5 * 2 + 1 = 2; g = 1 + 0.5 * 2 = 2
    assert p.data == 1.0 - 0.1 * 3.0 - 0.1 * 2.0


@pytest.mark.parametrize("options", [{"momentum": 0.0}, {"momentum": 0.9, "dampening": 0.1}])
def test_sgd_nesterov_needs_momentum_and_no_dampening(options):
    with pytest.raises(ValueError, match="nesterov"):
        SGD([Value(1.0)], lr=0.1, nesterov=True, **options)


@given(gradients=gradient_runs)
@pytest.mark.parametrize(
    "optimizer_class, options",
    [(SGD, {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1}), (Adam, {"lr": 0.1, "amsgrad": True}),
     (RMSprop, {"lr": 0.01, "centered": True}), (Adagrad, {"lr": 0.1, "weight_decay": 0.1})],
)
def test_maximize_is_descent_on_the_negated_gradient_bit_for_bit(optimizer_class, options, gradients):
    negated = [[-g for g in step] for step in gradients]
    assert run(optimizer_class, gradients, maximize=True, **options) == run(optimizer_class, negated, **options)


def test_amsgrad_divides_by_the_largest_second_moment_so_far():
    # Grads 10 then 0.1: v drops at the second step, v_max keeps the first step's 0.1 * 100 ... decayed.
    p, q = Value(0.0), Value(0.0)
    plain, ams = Adam([p], lr=0.1, betas=(0.0, 0.5), eps=0.0), Adam([q], lr=0.1, betas=(0.0, 0.5), eps=0.0, amsgrad=True)
    for g in [10.0, 0.1]:
        p.grad = q.grad = g
        plain.step(), ams.step()
    # step 2: m = 0.1; v = 0.5 * 50 + 0.5 * 0.01 = 25.005, v_max = max(50, 25.005) = 50; v_correction = sqrt(0.75)
    assert ams.state[q]["v_max"] == 50.0
    assert q.data - (0.0 - 0.1 * 1.0) == pytest.approx(-0.1 * 0.1 / (math.sqrt(50.0) / math.sqrt(0.75)), rel=1e-12)
    assert p.data - (0.0 - 0.1 * 1.0) == pytest.approx(-0.1 * 0.1 / (math.sqrt(25.005) / math.sqrt(0.75)), rel=1e-12)


def test_rmsprop_first_step_by_hand():
    p = Value(1.0)
    p.grad = 2.0
    RMSprop([p], lr=0.01, alpha=0.9, eps=0.0).step()  # a = 0.1 * 4; p = 1 - 0.01 * 2 / sqrt(0.4)
    assert p.data == pytest.approx(1.0 - 0.01 * 2.0 / math.sqrt(0.4), rel=1e-15)


def test_rmsprop_centered_divides_by_the_spread_of_the_gradient():
    p = Value(1.0)
    opt = RMSprop([p], lr=0.01, alpha=0.5, eps=0.0, centered=True)
    p.grad = 2.0
    opt.step()  # a = 2, ga = 1: avg = sqrt(2 - 1) = 1
    assert p.data == pytest.approx(1.0 - 0.01 * 2.0, rel=1e-15)
    assert dict(opt.state[p].items()) == {"a": 2.0, "ga": 1.0}


def test_adagrad_steps_by_lr_over_the_root_of_the_summed_squares():
    p = Value(1.0)
    opt = Adagrad([p], lr=0.1, lr_decay=0.5, eps=0.0, initial_accumulator_value=5.0)
    p.grad = 2.0
    opt.step()  # s = 5 + 4 = 9: p = 1 - 0.1 * 2 / 3
    assert p.data == pytest.approx(1.0 - 0.1 * 2.0 / 3.0, rel=1e-15)
    p.grad = 4.0
    opt.step()  # s = 25; clr = 0.1 / (1 + 0.5): p -= clr * 4 / 5
    assert p.data == pytest.approx(1.0 - 0.1 * 2.0 / 3.0 - 0.1 / 1.5 * 0.8, rel=1e-15)


@pytest.mark.parametrize(
    "optimizer_class, setting, bad",
    [(SGD, "dampening", -0.1), (SGD, "nesterov", 1), (Adam, "amsgrad", "yes"), (AdamW, "maximize", None),
     (RMSprop, "alpha", math.nan), (RMSprop, "centered", 0), (Adagrad, "lr_decay", -1.0),
     (Adagrad, "initial_accumulator_value", math.inf)],
)
def test_the_new_options_are_checked(optimizer_class, setting, bad):
    with pytest.raises(ValueError, match=setting):
        optimizer_class([Value(1.0)], lr=0.1, **{setting: bad})


# --- grad None: "no gradient" -------------------------------------------------------------------


def test_zero_grad_sets_grads_to_none_when_asked_and_to_zero_by_default():
    params = [Value(1.0), Value(2.0)]
    opt = SGD(params, lr=0.1)
    opt.zero_grad(set_to_none=True)
    assert [p.grad for p in params] == [None, None]
    opt.zero_grad()
    assert [p.grad for p in params] == [0.0, 0.0]


def test_backward_treats_a_grad_of_none_as_zero():
    x, y = Value(3.0), Value(-2.0)
    x.grad, y.grad = None, 0.5
    (x * y + x).backward()  # d/dx = y + 1 = -1, d/dy = x = 3
    assert (x.grad, y.grad) == (-1.0, 0.5 + 3.0)
    (x * y + x).backward()
    assert (x.grad, y.grad) == (-2.0, 0.5 + 6.0)


@given(grads=st.lists(st.one_of(st.none(), st.floats(-10, 10)), min_size=3, max_size=3))
def test_backward_with_some_grads_none_adds_to_the_others_and_sets_the_rest(grads):
    xs = [Value(float(i + 1)) for i in range(3)]
    for x, g in zip(xs, grads):
        x.grad = g
    (xs[0] * xs[1] * xs[2]).backward()
    partials = [xs[1].data * xs[2].data, xs[0].data * xs[2].data, xs[0].data * xs[1].data]
    assert [x.grad for x in xs] == [d if g is None else g + d for g, d in zip(grads, partials)]


def test_grad_of_an_expression_ignores_grads_of_none():
    from autograd import grad

    x = Value(2.0)
    x.grad = None
    assert grad(x * x, [x]) == [4.0] and x.grad is None


def test_a_parameter_the_loss_does_not_reach_keeps_grad_none_and_does_not_move():
    used, unused = Value(1.0), Value(5.0)
    opt = AdamW([used, unused], lr=0.1, weight_decay=0.5)
    opt.zero_grad(set_to_none=True)
    (used * used).backward()
    assert unused.grad is None
    opt.step()
    assert unused.data == 5.0 and unused not in opt.state  # no decay, no move, no state
    assert used.data != 1.0


@pytest.mark.parametrize(
    "optimizer_class, options",
    [(SGD, {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1}), (SGD, {"lr": 0.1}), (Adam, {"amsgrad": True}),
     (AdamW, {}), (RMSprop, {"momentum": 0.5, "centered": True}), (Adagrad, {"weight_decay": 0.1})],
)
def test_every_optimizer_skips_a_parameter_without_gradient_and_keeps_its_state(optimizer_class, options):
    skipped, moved = Value(1.0), Value(2.0)
    opt = optimizer_class([skipped, moved], **options)
    skipped.grad = moved.grad = 0.5
    opt.step()
    before = (skipped.data, dict(opt.state[skipped].items()) if skipped in opt.state else None)
    skipped.grad, moved.grad = None, 0.25
    opt.step()
    assert (skipped.data, dict(opt.state[skipped].items()) if skipped in opt.state else None) == before
    alone = Value(1.0)
    check = optimizer_class([alone], **options)
    alone.grad = 0.5
    check.step()
    assert alone.data == skipped.data  # the first step was as usual


# --- state_dict ---------------------------------------------------------------------------------


def test_state_dict_has_pytorchs_shape():
    params = [Value(1.0), Value(2.0), Value(3.0)]
    opt = SGD([{"params": params[:2]}, {"params": params[2:], "lr": 0.5}], lr=0.1, momentum=0.9)
    params[0].grad, params[1].grad, params[2].grad = 1.0, None, 2.0
    opt.step()
    saved = opt.state_dict()
    assert saved["state"] == {0: {"b": 1.0}, 2: {"b": 2.0}}
    assert [group["params"] for group in saved["param_groups"]] == [[0, 1], [2]]
    assert saved["param_groups"][1]["lr"] == 0.5 and saved["param_groups"][0]["momentum"] == 0.9
    assert saved["group_state"] == [{}, {}]


@pytest.mark.parametrize(
    "optimizer_class, options",
    [(SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True}), (Adam, {"lr": 0.05, "amsgrad": True}),
     (AdamW, {"lr": 0.05}), (RMSprop, {"centered": True, "momentum": 0.3}), (Adagrad, {"lr_decay": 0.1})],
)
def test_an_optimizer_loaded_from_a_state_dict_goes_on_to_the_same_numbers_bit_for_bit(optimizer_class, options):
    params = [Value(x) for x in START]
    opt = optimizer_class(params, **options)
    for step_grads in GRADIENTS[:3]:
        for p, g in zip(params, step_grads):
            p.grad = g
        opt.step()
    copies = [Value(p.data) for p in params]
    other = optimizer_class(copies, lr=0.7)  # other settings: the state dict's replace them
    other.load_state_dict(opt.state_dict())
    for step_grads in GRADIENTS[3:]:
        for p, q, g in zip(params, copies, step_grads):
            p.grad = q.grad = g
        opt.step(), other.step()
    assert [q.data for q in copies] == [p.data for p in params]
    assert other.state_dict() == opt.state_dict()


@pytest.mark.parametrize(
    "change, error",
    [
        (lambda sd: sd["param_groups"].append(dict(sd["param_groups"][0])), "groups"),
        (lambda sd: sd["param_groups"][0]["params"].pop(), "parameters"),
        (lambda sd: sd["param_groups"][0].update(lr=-1.0), "lr"),
        (lambda sd: sd["param_groups"][0].pop("betas"), "betas"),
        (lambda sd: sd["state"].update({7: {"m": 0.0, "v": 0.0}}), "parameter 7"),
        (lambda sd: sd["state"][0].update(m="x"), "'m'"),
        (lambda sd: sd["state"][0].update(m=math.inf), "finite"),
        (lambda sd: sd["state"][0].pop("v"), "lacks"),
        (lambda sd: sd["group_state"][0].pop("t"), "lacks"),
        (lambda sd: sd.pop("state"), "'state'"),
    ],
)
def test_a_state_dict_that_does_not_fit_is_refused_and_nothing_changes(change, error):
    params = [Value(x) for x in START]
    opt = Adam(params, lr=0.1)
    for p, g in zip(params, GRADIENTS[0]):
        p.grad = g
    opt.step()
    before = opt.state_dict()
    saved = opt.state_dict()
    saved["param_groups"] = [dict(g, params=list(g["params"])) for g in saved["param_groups"]]
    saved["state"] = {k: dict(v) for k, v in saved["state"].items()}
    change(saved)
    other = Adam([Value(x) for x in START], lr=0.2)
    untouched = other.state_dict()
    with pytest.raises(ValueError, match=error):
        other.load_state_dict(saved)
    assert other.state_dict() == untouched and opt.state_dict() == before


def test_a_state_set_as_a_dict_is_kept_as_a_parameter_state_the_step_reads():
    p = Value(1.0)
    opt = SGD([p], lr=0.1, momentum=0.5)
    opt.state[p] = {"b": 2.0}
    p.grad = 1.0
    opt.step()  # b = 0.5 * 2 + 1 = 2
    assert p.data == 1.0 - 0.1 * 2.0 and opt.state[p].b == 2.0
    with pytest.raises(ValueError, match="finite"):
        opt.state[p] = {"b": math.nan}


def test_a_group_added_later_takes_the_optimizers_settings():
    a, b, c = Value(1.0), Value(1.0), Value(1.0)
    opt = SGD([a], lr=0.1, momentum=0.5)
    opt.add_param_group({"params": [b], "lr": 0.5})
    opt.param_groups.append({"params": [c]})  # as some PyTorch code does
    a.grad = b.grad = c.grad = 1.0
    opt.step()
    assert (a.data, b.data, c.data) == (1.0 - 0.1, 1.0 - 0.5, 1.0 - 0.1)
    assert opt.param_groups[2]["momentum"] == 0.5
    with pytest.raises(ValueError, match="more than once"):
        opt.add_param_group({"params": [a]})
