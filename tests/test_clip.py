"""Gradient clipping: clip_grad_norm_ scales all gradients together by PyTorch's formula
(max_norm / (total + 1e-6), at most 1) and returns the norm they had; clip_grad_value_ clamps each."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value
from nn import clip_grad_norm_, clip_grad_value_

grads = st.lists(st.floats(-1e3, 1e3).filter(lambda g: g == 0 or abs(g) > 1e-100), min_size=1, max_size=6)


def with_grads(values):
    params = [Value(0.0) for _ in values]
    for p, g in zip(params, values):
        p.grad = g
    return params


def test_the_norm_3_4_clipped_to_1_by_hand():
    params = with_grads([3.0, 4.0])
    assert clip_grad_norm_(params, max_norm=1.0) == 5.0
    coefficient = 1.0 / (5.0 + 1e-6)
    assert [p.grad for p in params] == [3.0 * coefficient, 4.0 * coefficient]


def test_gradients_under_the_norm_stay_as_they_are():
    params = with_grads([0.3, -0.4])
    assert clip_grad_norm_(params, max_norm=10.0) == pytest.approx(0.5, rel=1e-15)
    assert [p.grad for p in params] == [0.3, -0.4]


@given(values=grads, max_norm=st.floats(0.01, 100))
def test_after_clipping_the_norm_is_at_most_max_norm(values, max_norm):
    params = with_grads(values)
    total = clip_grad_norm_(params, max_norm)
    assert total == pytest.approx(math.sqrt(sum(g * g for g in values)), rel=1e-12, abs=1e-300)
    after = math.sqrt(sum(p.grad ** 2 for p in params))
    assert after <= max_norm * (1 + 1e-12) or after == pytest.approx(total, rel=1e-12)
    coefficient = min(max_norm / (total + 1e-6), 1.0)
    assert [p.grad for p in params] == [g * coefficient for g in values]


@pytest.mark.parametrize("norm_type, expected", [(1.0, 7.0), (math.inf, 4.0), (3.0, (27 + 64) ** (1 / 3))])
def test_other_norms(norm_type, expected):
    assert clip_grad_norm_(with_grads([3.0, -4.0]), 100.0, norm_type=norm_type) == pytest.approx(expected, rel=1e-15)


def test_parameters_without_gradient_are_left_out():
    params = with_grads([3.0, 4.0])
    params[1].grad = None
    assert clip_grad_norm_(params, 1.0) == 3.0 and params[1].grad is None
    assert clip_grad_norm_(with_grads([None]), 1.0) == 0.0


def test_a_non_finite_norm_is_an_error_only_when_asked():
    params = with_grads([math.inf, 1.0])
    with pytest.raises(ValueError, match="not finite"):
        clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    assert params[1].grad == 1.0
    assert clip_grad_norm_(params, 1.0) == math.inf and params[1].grad == 0.0


def test_clip_grad_value_clamps_each_gradient():
    params = with_grads([-5.0, 0.25, 2.0])
    params.append(Value(1.0))
    params[-1].grad = None
    clip_grad_value_(params, 1.0)
    assert [p.grad for p in params] == [-1.0, 0.25, 1.0, None]
    single = with_grads([3.0])[0]
    clip_grad_value_(single, 0.5)
    assert single.grad == 0.5


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda ps: clip_grad_norm_(ps, -1.0), "max_norm"),
        (lambda ps: clip_grad_norm_(ps, 1.0, norm_type=0), "norm_type"),
        (lambda ps: clip_grad_norm_(ps, 1.0, norm_type="fro"), "norm_type"),
        (lambda ps: clip_grad_value_(ps, math.nan), "clip_value"),
    ],
)
def test_bad_arguments(call, error):
    with pytest.raises(ValueError, match=error):
        call(with_grads([1.0]))


def test_parameters_must_be_values():
    with pytest.raises(TypeError, match="float"):
        clip_grad_norm_([1.0], 1.0)
