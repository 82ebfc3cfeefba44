"""Losses: l1_loss, hinge_loss, binary_cross_entropy and cross_entropy (mse_loss is in test_nn.py),
checked against PyTorch's definitions computed by hand, finite differences and second
derivatives; their errors; and NaN passing through every loss."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, grad, gradcheck, numerical_grad
from nn import binary_cross_entropy, cross_entropy, hinge_loss, l1_loss, mse_loss

numbers_ = st.floats(-10.0, 10.0)
away = numbers_.filter(lambda x: abs(x) > 1e-3)


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


def softplus(z):
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


def second_derivatives_match_finite_differences(f, point):
    xs = [Value(x) for x in point]
    for i, first in enumerate(grad(f(*xs), xs, create_graph=True)):
        expected = numerical_grad(lambda *vs, i=i: grad(f(*vs), vs, create_graph=True)[i], point)
        assert grad(first, xs) == pytest.approx(expected, rel=1e-4, abs=1e-6)


# --- l1_loss ------------------------------------------------------------------------------------


def test_l1_loss_is_the_mean_absolute_error():
    preds = [Value(1.0), Value(4.0), Value(-2.0)]
    loss = l1_loss(preds, [0.0, 2.0, 1.0])
    assert loss.data == pytest.approx((1.0 + 2.0 + 3.0) / 3)
    loss.backward()
    assert [p.grad for p in preds] == pytest.approx([1 / 3, 1 / 3, -1 / 3])


@given(pairs=st.lists(st.tuples(numbers_, numbers_).filter(lambda pt: abs(pt[0] - pt[1]) > 1e-3), min_size=1, max_size=5))
def test_l1_loss_matches_hand_and_finite_differences(pairs):
    preds, targets = [p for p, _ in pairs], [t for _, t in pairs]
    assert l1_loss([Value(p) for p in preds], targets).data == pytest.approx(sum(abs(p - t) for p, t in pairs) / len(pairs))
    assert gradcheck(lambda *ps: l1_loss(list(ps), targets), preds)


# --- hinge_loss ---------------------------------------------------------------------------------


def test_hinge_loss_is_the_mean_of_max_zero_one_minus_y_s():
    scores = [Value(2.0), Value(0.5), Value(0.3), Value(-3.0)]
    loss = hinge_loss(scores, [1, 1, -1, -1])
    assert loss.data == pytest.approx((0.0 + 0.5 + 1.3 + 0.0) / 4)
    loss.backward()
    assert [s.grad for s in scores] == pytest.approx([0.0, -0.25, 0.25, 0.0])


@given(pairs=st.lists(st.tuples(numbers_.filter(lambda s: abs(abs(s) - 1) > 1e-3), st.sampled_from([-1, 1])), min_size=1, max_size=5))
def test_hinge_loss_matches_hand_and_finite_differences(pairs):
    scores, targets = [s for s, _ in pairs], [y for _, y in pairs]
    by_hand = sum(max(0.0, 1.0 - y * s) for s, y in pairs) / len(pairs)
    assert hinge_loss([Value(s) for s in scores], targets).data == pytest.approx(by_hand)
    assert gradcheck(lambda *ss: hinge_loss(list(ss), targets), scores)


@pytest.mark.parametrize("bad", [0, 2, 0.5, True, math.nan])
def test_hinge_loss_targets_must_be_minus_one_or_one(bad):
    with pytest.raises(ValueError, match="-1 or 1"):
        hinge_loss([Value(1.0), Value(2.0)], [1, bad])


# --- binary_cross_entropy -----------------------------------------------------------------------


def test_binary_cross_entropy_is_bce_with_logits():
    logits = [Value(2.0), Value(-1.0), Value(0.5)]
    targets = [1, 0, 0.25]
    by_hand = [-(y * math.log(sigmoid(z)) + (1 - y) * math.log(1 - sigmoid(z))) for z, y in zip([2.0, -1.0, 0.5], targets)]
    loss = binary_cross_entropy(logits, targets)
    assert loss.data == pytest.approx(sum(by_hand) / 3, rel=1e-12)
    loss.backward()
    assert [z.grad for z in logits] == pytest.approx([(sigmoid(z) - y) / 3 for z, y in zip([2.0, -1.0, 0.5], targets)], rel=1e-12)


@pytest.mark.parametrize("z, y, loss, slope", [(1000.0, 1, 0.0, 0.0), (1000.0, 0, 1000.0, 1.0), (-1000.0, 0, 0.0, 0.0), (-1000.0, 1, 1000.0, -1.0), (1000.0, 0.5, 500.0, 0.5)])
def test_binary_cross_entropy_is_exact_and_finite_for_huge_logits(z, y, loss, slope):
    logit = Value(z)
    out = binary_cross_entropy(logit, y)
    assert out.data == loss
    out.backward()
    assert logit.grad == slope


def test_binary_cross_entropy_keeps_tiny_losses_exact():
    # a confident right answer: the loss softplus(-40) = log(1 + e**-40) is about 4.2e-18, not 0
    assert binary_cross_entropy(Value(40.0), 1).data == pytest.approx(math.log1p(math.exp(-40.0)), rel=1e-12)


@given(pairs=st.lists(st.tuples(st.floats(-30.0, 30.0), st.floats(0.0, 1.0)), min_size=1, max_size=5))
def test_binary_cross_entropy_is_softplus_minus_y_z_with_slope_sigmoid_minus_y(pairs):
    logits = [Value(z) for z, _ in pairs]
    targets = [y for _, y in pairs]
    loss = binary_cross_entropy(logits, targets)
    assert loss.data == pytest.approx(sum(softplus(z) - y * z for z, y in pairs) / len(pairs), rel=1e-9, abs=1e-12)
    assert grad(loss, logits) == pytest.approx([(sigmoid(z) - y) / len(pairs) for z, y in pairs], rel=1e-9, abs=1e-15)


@given(pairs=st.lists(st.tuples(st.floats(-5.0, 5.0), st.floats(0.0, 1.0)), min_size=1, max_size=4))
def test_binary_cross_entropy_first_and_second_derivatives_match_finite_differences(pairs):
    targets = [y for _, y in pairs]
    f = lambda *zs: binary_cross_entropy(list(zs), targets)  # noqa: E731
    assert gradcheck(f, [z for z, _ in pairs])
    second_derivatives_match_finite_differences(f, [z for z, _ in pairs])


@pytest.mark.parametrize("bad", [-0.1, 1.5, math.nan, True])
def test_binary_cross_entropy_targets_must_be_in_zero_to_one(bad):
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        binary_cross_entropy([Value(0.0)], [bad])


# --- cross_entropy ------------------------------------------------------------------------------


def test_cross_entropy_of_one_example_is_minus_log_softmax_of_its_class():
    logits = [Value(1.0), Value(2.0), Value(0.5)]
    total = math.exp(1.0) + math.exp(2.0) + math.exp(0.5)
    loss = cross_entropy(logits, 1)
    assert loss.data == pytest.approx(-math.log(math.exp(2.0) / total), rel=1e-12)
    loss.backward()  # softmax minus the one-hot target
    assert [z.grad for z in logits] == pytest.approx([math.exp(1.0) / total, math.exp(2.0) / total - 1, math.exp(0.5) / total], rel=1e-12)


def test_cross_entropy_of_several_examples_is_the_mean():
    batch = [[Value(1.0), Value(2.0)], [Value(0.0), Value(0.0)]]
    loss = cross_entropy(batch, [0, 1])
    expected = (-math.log(math.exp(1.0) / (math.exp(1.0) + math.exp(2.0))) + math.log(2.0)) / 2
    assert loss.data == pytest.approx(expected, rel=1e-12)


def test_cross_entropy_is_exact_for_huge_logits():
    assert cross_entropy([Value(1000.0), Value(-1000.0)], 0).data == 0.0
    assert cross_entropy([Value(1000.0), Value(-1000.0)], 1).data == 2000.0
    assert cross_entropy([Value(1000.0), Value(1000.0)], 1).data == pytest.approx(math.log(2.0))


@given(rows=st.lists(st.tuples(st.lists(st.floats(-8.0, 8.0), min_size=3, max_size=3), st.integers(0, 2)), min_size=1, max_size=3))
def test_cross_entropy_first_and_second_derivatives_match_finite_differences(rows):
    targets = [y for _, y in rows]
    flat = [z for zs, _ in rows for z in zs]

    def f(*zs):
        return cross_entropy([list(zs[3 * i : 3 * i + 3]) for i in range(len(rows))], targets)

    by_hand = sum(math.log(sum(math.exp(z) for z in zs)) - zs[y] for zs, y in rows) / len(rows)
    assert f(*[Value(z) for z in flat]).data == pytest.approx(by_hand, rel=1e-9, abs=1e-12)
    assert gradcheck(f, flat)
    second_derivatives_match_finite_differences(f, flat)


@pytest.mark.parametrize(
    "logits, targets, message",
    [
        ([Value(1.0), Value(2.0)], 2, "target 2 is out of range for 2 classes"),
        ([Value(1.0), Value(2.0)], -1, "target -1 is out of range"),
        ([Value(1.0), Value(2.0)], 1.0, "int class index, got 1.0"),
        ([Value(1.0), Value(2.0)], True, "int class index, got True"),
        ([[Value(1.0)], [Value(1.0)]], [0, 3], r"target 3 is out of range for 1 classes \(0 to 0\) \(example 1\)"),
        ([[Value(1.0)], [Value(1.0), Value(2.0)]], [0, 0], "example 1 has 2 logits, example 0 has 1"),
        ([[Value(1.0)], [Value(1.0)]], [0], "2 logits but 1 targets"),
        ([[Value(1.0)], [Value(1.0)]], 0, "one class index per example"),
        ([], [], "no logits"),
    ],
)
def test_cross_entropy_bad_targets_and_shapes_are_value_errors_naming_them(logits, targets, message):
    with pytest.raises(ValueError, match=message):
        cross_entropy(logits, targets)


def test_cross_entropy_logits_must_be_values():
    with pytest.raises(TypeError, match="must be Values, got float"):
        cross_entropy([1.0, 2.0], 0)


# --- every loss: shapes and NaN -----------------------------------------------------------------

LOSSES = {
    "mse_loss": (mse_loss, 1.0),
    "l1_loss": (l1_loss, 1.0),
    "hinge_loss": (hinge_loss, 1),
    "binary_cross_entropy": (binary_cross_entropy, 1.0),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_every_loss_checks_lengths_and_predictions(name):
    loss, target = LOSSES[name]
    with pytest.raises(ValueError, match="2 predictions but 3 targets"):
        loss([Value(0.5), Value(0.5)], [target] * 3)
    with pytest.raises(ValueError, match="no predictions"):
        loss([], [])
    with pytest.raises(TypeError, match="must be Values"):
        loss([0.5], [target])
    with pytest.raises(ValueError, match="one prediction and one target"):
        loss(Value(0.5), [target])


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_a_nan_prediction_gives_a_nan_loss(name):
    loss, target = LOSSES[name]
    assert math.isnan(loss(Value(math.nan), target).data)
    assert math.isnan(loss([Value(0.5), Value(math.nan)], [target, target]).data)


def test_a_nan_logit_gives_a_nan_cross_entropy():
    assert math.isnan(cross_entropy([Value(0.5), Value(math.nan)], 0).data)
    assert math.isnan(cross_entropy([[Value(0.5), Value(1.0)], [Value(math.nan), Value(1.0)]], [0, 1]).data)


def test_a_nan_regression_target_gives_a_nan_loss():
    assert math.isnan(mse_loss(Value(1.0), math.nan).data)
    assert math.isnan(l1_loss(Value(1.0), math.nan).data)
