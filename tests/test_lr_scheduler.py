"""Learning-rate schedules: the sequences of rates PyTorch's schedulers give (computed with
torch.optim.lr_scheduler and written here: the same float operations, so equal bit for bit), their
closed forms, two groups, chaining, state dicts and bad arguments."""

import math

import pytest

from autograd import Value
from nn import SGD, Adam, Adagrad
from nn.lr_scheduler import CosineAnnealingLR, ExponentialLR, LambdaLR, LinearLR, OneCycleLR, StepLR


def two_groups(optimizer_class=SGD, **options):
    """An optimizer with two groups, lr 0.1 and 0.02."""
    options.setdefault("lr", 0.1)
    return optimizer_class([{"params": [Value(0.0)], "lr": 0.1}, {"params": [Value(0.0)], "lr": 0.02}], **options)


def rates(scheduler, steps):
    """The first group's rate after the scheduler is made and after each of ``steps`` steps, the
    optimizer stepping first, as in a training loop."""
    seen = [scheduler.get_last_lr()[0]]
    for _ in range(steps):
        scheduler.optimizer.step()
        scheduler.step()
        seen.append(scheduler.get_last_lr()[0])
    return seen


# The first group's rates from torch.optim.lr_scheduler (torch 2.13), same optimizer, same steps.
TORCH = {
    "StepLR": [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125, 0.0125],
    "ExponentialLR": [0.1, 0.09000000000000001, 0.08100000000000002, 0.07290000000000002, 0.06561000000000002,
                      0.05904900000000002, 0.05314410000000002, 0.04782969000000002, 0.043046721000000024,
                      0.03874204890000002, 0.03486784401000002, 0.03138105960900001, 0.028242953648100012],
    "CosineAnnealingLR": [0.1, 0.0905463412215599, 0.06579634122155989, 0.035203658778440096, 0.010453658778440105, 0.001,
                          0.010453658778440102, 0.03520365877844012, 0.06579634122155993, 0.09054634122155995,
                          0.10000000000000005, 0.09054634122155998, 0.06579634122155995, 0.03520365877844014,
                          0.010453658778440116, 0.001, 0.010453658778440102, 0.03520365877844012, 0.06579634122155995,
                          0.09054634122155997, 0.1000000000000001, 0.09054634122156001, 0.06579634122156008,
                          0.035203658778440165],
    "LambdaLR": [0.1, 0.0475, 0.030083333333333337, 0.021434375, 0.016290125, 0.01289634895833333, 0.010501312723214284,
                 0.008729216201171872, 0.007371338125434026],
    "LinearLR": [0.010000000000000002, 0.03250000000000001, 0.055000000000000014, 0.07750000000000003,
                 0.10000000000000003, 0.10000000000000003, 0.10000000000000003, 0.10000000000000003, 0.10000000000000003],
    "OneCycleLR": [0.020000000000000018, 0.17489482710979154, 0.43964257956106434, 0.49720771772545586,
                   0.46650648492070584, 0.4058728269748815, 0.32368949884755166, 0.23131855133348753,
                   0.14153049910434962, 0.0667387650944153, 0.01728349371269761, 2e-06, 0.017283493712697582],
    "OneCycleLR linear three phases": [0.0004, 0.005200000000000001, 0.01, 0.0052, 0.0003999999999999993, 0.000320008,
                                       0.000240016, 0.000160024, 8.003199999999995e-05, 3.999999999997929e-08, -7.9952e-05],
}
TORCH_ONE_CYCLE_MOMENTUM = [0.9177302443521267, 0.8625744625914449, 0.8505584586887436, 0.856698729810778,
                            0.8688255099070633, 0.8852622412794547, 0.9037365046793212, 0.9216941869558779,
                            0.9366525935914912, 0.9465436874322102, 0.95]
SCHEDULES = {
    "StepLR": (lambda opt: StepLR(opt, step_size=3, gamma=0.5), 10),
    "ExponentialLR": (lambda opt: ExponentialLR(opt, gamma=0.9), 12),
    "CosineAnnealingLR": (lambda opt: CosineAnnealingLR(opt, T_max=5, eta_min=0.001), 23),
    "LambdaLR": (lambda opt: LambdaLR(opt, lr_lambda=lambda e: 0.95**e / (1 + e)), 8),
    "LinearLR": (lambda opt: LinearLR(opt, start_factor=0.1, end_factor=1.0, total_iters=4), 8),
    "OneCycleLR": (lambda opt: OneCycleLR(opt, max_lr=0.5, total_steps=12), 12),
}


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_each_schedule_gives_pytorchs_rates_bit_for_bit(name):
    make, steps = SCHEDULES[name]
    assert rates(make(two_groups(momentum=0.9)), steps) == TORCH[name]


def test_one_cycle_moves_sgds_momentum_against_the_rate_as_pytorch_does():
    optimizer = two_groups(momentum=0.9)
    scheduler = OneCycleLR(optimizer, max_lr=0.5, total_steps=12)
    momentum = []
    for _ in range(11):
        optimizer.step()
        scheduler.step()
        momentum.append(optimizer.param_groups[0]["momentum"])
    assert momentum == TORCH_ONE_CYCLE_MOMENTUM


def test_one_cycle_in_three_linear_phases_moves_adams_beta1():
    optimizer = two_groups(Adam)
    scheduler = OneCycleLR(optimizer, max_lr=0.01, total_steps=10, anneal_strategy="linear", three_phase=True)
    assert optimizer.param_groups[0]["betas"] == (0.95, 0.999)
    seen = [scheduler.get_last_lr()[0]]
    for _ in range(10):
        scheduler.step()  # the optimizer is not stepped: the last rate, past the schedule, is negative
        seen.append(scheduler.get_last_lr()[0])
    assert seen == TORCH["OneCycleLR linear three phases"]
    assert optimizer.param_groups[1]["betas"] == (0.95, 0.999)
    with pytest.raises(ValueError, match="total_steps is 10"):
        scheduler.step()


# --- closed forms ---------------------------------------------------------------------------------


def test_step_and_exponential_schedules_follow_their_closed_forms():
    step = rates(StepLR(two_groups(), step_size=4, gamma=0.1), 12)
    assert step == pytest.approx([0.1 * 0.1 ** (t // 4) for t in range(13)], rel=1e-14)
    exponential = rates(ExponentialLR(two_groups(), gamma=0.5), 10)
    assert exponential == pytest.approx([0.1 * 0.5**t for t in range(11)], rel=1e-14)


def test_cosine_annealing_follows_half_a_cosine_to_eta_min():
    seen = rates(CosineAnnealingLR(two_groups(), T_max=10, eta_min=0.01), 10)
    assert seen == pytest.approx([0.01 + 0.09 * (1 + math.cos(math.pi * t / 10)) / 2 for t in range(11)], rel=1e-13)


def test_linear_warm_up_reaches_the_rate_and_stays():
    seen = rates(LinearLR(two_groups(), start_factor=0.25, total_iters=3), 6)
    assert seen == pytest.approx([0.1 * (0.25 + 0.75 * min(t, 3) / 3) for t in range(7)], rel=1e-14)


def test_lambda_may_be_one_per_group():
    optimizer = two_groups()
    scheduler = LambdaLR(optimizer, [lambda e: 1.0 / (e + 1), lambda e: 2.0**e])
    for _ in range(3):
        scheduler.step()
    assert scheduler.get_last_lr() == [0.1 / 4, 0.02 * 8] and scheduler.last_epoch == 3


def test_one_cycle_starts_at_max_over_div_factor_peaks_at_max_and_ends_far_below():
    optimizer = two_groups()
    scheduler = OneCycleLR(optimizer, max_lr=[1.0, 2.0], epochs=2, steps_per_epoch=10, pct_start=0.5, cycle_momentum=False)
    seen = [scheduler.get_last_lr()]
    for _ in range(19):
        scheduler.step()
        seen.append(scheduler.get_last_lr())
    assert seen[0] == pytest.approx([1.0 / 25, 2.0 / 25], rel=1e-14) and max(seen) == [1.0, 2.0]
    assert seen[-1] == pytest.approx([1.0 / 25 / 1e4, 2.0 / 25 / 1e4], rel=1e-9)


# --- with the optimizer ---------------------------------------------------------------------------


def test_the_schedule_sets_the_optimizers_lr_which_the_next_step_uses():
    p = Value(1.0)
    optimizer = SGD([p], lr=0.1)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.5)
    for lr in [0.1, 0.05, 0.025]:
        assert optimizer.lr == lr
        p.grad = 1.0
        before = p.data
        optimizer.step()
        assert p.data == before - lr * 1.0
        scheduler.step()


def test_two_schedules_on_one_optimizer_multiply_as_in_pytorch():
    optimizer = two_groups()
    warm, decay = LinearLR(optimizer, start_factor=0.5, total_iters=2), ExponentialLR(optimizer, gamma=0.9)
    for _ in range(4):
        warm.step(), decay.step()
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.1 * 0.9**4, rel=1e-14)


def test_a_schedule_resumes_from_its_state_dict():
    optimizer = two_groups()
    scheduler = CosineAnnealingLR(optimizer, T_max=6)
    for _ in range(3):
        scheduler.step()
    saved, lrs = scheduler.state_dict(), [g["lr"] for g in optimizer.param_groups]
    assert saved["last_epoch"] == 3 and "optimizer" not in saved
    again = two_groups()
    for group, lr in zip(again.param_groups, lrs):
        group["lr"], group["initial_lr"] = lr, [0.1, 0.02][again.param_groups.index(group)]
    resumed = CosineAnnealingLR(again, T_max=6, last_epoch=2)
    resumed.load_state_dict(saved)
    for _ in range(3):
        scheduler.step(), resumed.step()
    assert resumed.get_last_lr() == scheduler.get_last_lr()


@pytest.mark.parametrize(
    "make, error",
    [
        (lambda opt: StepLR(opt, step_size=0), "step_size"),
        (lambda opt: StepLR(opt, step_size=2.5), "step_size"),
        (lambda opt: ExponentialLR(opt, gamma=math.nan), "gamma"),
        (lambda opt: CosineAnnealingLR(opt, T_max=0), "T_max"),
        (lambda opt: LinearLR(opt, start_factor=0.0), "start_factor"),
        (lambda opt: LinearLR(opt, end_factor=1.5), "end_factor"),
        (lambda opt: LambdaLR(opt, [lambda e: 1.0]), "2 lr_lambdas"),
        (lambda opt: OneCycleLR(opt, max_lr=0.1), "total_steps"),
        (lambda opt: OneCycleLR(opt, max_lr=0.1, total_steps=5, anneal_strategy="exp"), "anneal_strategy"),
        (lambda opt: OneCycleLR(opt, max_lr=[0.1], total_steps=5), "max_lr"),
        (lambda opt: StepLR(opt, step_size=1, last_epoch=3), "initial_lr"),
    ],
)
def test_bad_arguments_are_refused(make, error):
    with pytest.raises(ValueError, match=error):
        make(two_groups())


def test_one_cycle_with_momentum_needs_an_optimizer_that_has_it():
    with pytest.raises(ValueError, match="Adagrad"):
        OneCycleLR(Adagrad([Value(1.0)]), max_lr=0.1, total_steps=5)
    assert OneCycleLR(Adagrad([Value(1.0)]), max_lr=0.1, total_steps=5, cycle_momentum=False).get_last_lr() == pytest.approx([0.1 / 25], rel=1e-14)


def test_a_scheduler_needs_an_optimizer():
    with pytest.raises(TypeError, match="optimizer"):
        StepLR([Value(1.0)], step_size=1)
