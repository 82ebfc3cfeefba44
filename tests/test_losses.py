"""Losses: l1_loss, hinge_loss, binary_cross_entropy(_with_logits), cross_entropy, nll_loss,
huber_loss, smooth_l1_loss and kl_div (mse_loss is in test_nn.py), checked against PyTorch's
definitions computed by hand, PyTorch's numbers written in as literals, exact references,
finite differences and second derivatives; their errors; and NaN passing through every loss."""

import math
from decimal import Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, grad, gradcheck, numerical_grad
from nn import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)

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


@settings(max_examples=40, deadline=None)
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


@settings(max_examples=40, deadline=None)
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


# --- binary_cross_entropy_with_logits ----------------------------------------------------------


def test_binary_cross_entropy_with_logits_is_bce_with_logits():
    logits = [Value(2.0), Value(-1.0), Value(0.5)]
    targets = [1, 0, 0.25]
    by_hand = [-(y * math.log(sigmoid(z)) + (1 - y) * math.log(1 - sigmoid(z))) for z, y in zip([2.0, -1.0, 0.5], targets)]
    loss = binary_cross_entropy_with_logits(logits, targets)
    assert loss.data == pytest.approx(sum(by_hand) / 3, rel=1e-12)
    loss.backward()
    assert [z.grad for z in logits] == pytest.approx([(sigmoid(z) - y) / 3 for z, y in zip([2.0, -1.0, 0.5], targets)], rel=1e-12)


@pytest.mark.parametrize("z, y, loss, slope", [(1000.0, 1, 0.0, 0.0), (1000.0, 0, 1000.0, 1.0), (-1000.0, 0, 0.0, 0.0), (-1000.0, 1, 1000.0, -1.0), (1000.0, 0.5, 500.0, 0.5)])
def test_binary_cross_entropy_with_logits_is_exact_and_finite_for_huge_logits(z, y, loss, slope):
    logit = Value(z)
    out = binary_cross_entropy_with_logits(logit, y)
    assert out.data == loss
    out.backward()
    assert logit.grad == slope


def test_binary_cross_entropy_with_logits_keeps_tiny_losses_exact():
    # a confident right answer: the loss softplus(-40) = log(1 + e**-40) is about 4.2e-18, not 0
    assert binary_cross_entropy_with_logits(Value(40.0), 1).data == pytest.approx(math.log1p(math.exp(-40.0)), rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(pairs=st.lists(st.tuples(st.floats(-30.0, 30.0), st.floats(0.0, 1.0)), min_size=1, max_size=5))
def test_binary_cross_entropy_with_logits_is_softplus_minus_y_z_with_slope_sigmoid_minus_y(pairs):
    logits = [Value(z) for z, _ in pairs]
    targets = [y for _, y in pairs]
    loss = binary_cross_entropy_with_logits(logits, targets)
    assert loss.data == pytest.approx(sum(softplus(z) - y * z for z, y in pairs) / len(pairs), rel=1e-9, abs=1e-12)
    assert grad(loss, logits) == pytest.approx([(sigmoid(z) - y) / len(pairs) for z, y in pairs], rel=1e-9, abs=1e-15)


@settings(max_examples=40, deadline=None)
@given(pairs=st.lists(st.tuples(st.floats(-5.0, 5.0), st.floats(0.0, 1.0)), min_size=1, max_size=4))
def test_binary_cross_entropy_with_logits_first_and_second_derivatives_match_finite_differences(pairs):
    targets = [y for _, y in pairs]
    f = lambda *zs: binary_cross_entropy_with_logits(list(zs), targets)  # noqa: E731
    assert gradcheck(f, [z for z, _ in pairs])
    second_derivatives_match_finite_differences(f, [z for z, _ in pairs])


@pytest.mark.parametrize("bad", [-0.1, 1.5, math.nan, True])
def test_binary_cross_entropy_with_logits_targets_must_be_in_zero_to_one(bad):
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        binary_cross_entropy_with_logits([Value(0.0)], [bad])


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


@settings(max_examples=40, deadline=None)
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
        ([Value(1.0), Value(2.0)], 1.0, r"int class index or a list of 2 probabilities, got 1.0"),
        ([Value(1.0), Value(2.0)], True, r"int class index .*, got True"),
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
    "binary_cross_entropy_with_logits": (binary_cross_entropy_with_logits, 1.0),
    "huber_loss": (huber_loss, 1.0),
    "smooth_l1_loss": (smooth_l1_loss, 1.0),
}
WORDS = {"binary_cross_entropy_with_logits": "logits"}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_every_loss_checks_lengths_and_predictions(name):
    loss, target = LOSSES[name]
    word = WORDS.get(name, "predictions")
    with pytest.raises(ValueError, match=f"2 {word} but 3 targets"):
        loss([Value(0.5), Value(0.5)], [target] * 3)
    with pytest.raises(ValueError, match=f"no {word}"):
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


def test_a_one_element_list_where_a_value_belongs_says_so():
    out = [Value(0.3)]  # what a Layer(n, 1) returns
    with pytest.raises(ValueError, match=r"list of one Value.*Layer\(n, 1\).*out\[0\]"):
        mse_loss(out, 1.0)
    with pytest.raises(ValueError, match=r"predictions 1 is a list of one Value"):
        mse_loss([Value(0.1), [Value(0.3)]], [0.0, 1.0])
    with pytest.raises(ValueError, match=r"list of one Value"):
        binary_cross_entropy_with_logits([[Value(0.3)]], [1.0])


@pytest.mark.parametrize("reduction", ["avg", None, "batchmean"])
def test_a_reduction_that_is_not_mean_sum_or_none_is_a_value_error(reduction):
    for loss in (mse_loss, l1_loss, huber_loss, smooth_l1_loss, binary_cross_entropy_with_logits):
        with pytest.raises(ValueError, match="reduction must be"):
            loss([Value(0.5)], [1.0], reduction=reduction)
    with pytest.raises(ValueError, match="reduction must be"):
        cross_entropy([Value(0.5), Value(1.0)], 0, reduction=reduction)


@pytest.mark.parametrize("loss", [mse_loss, l1_loss, huber_loss, smooth_l1_loss, binary_cross_entropy_with_logits, binary_cross_entropy])
def test_every_loss_reduces_by_mean_sum_or_none(loss):
    targets = [1.0, 0.0, 0.25]
    each = loss([Value(0.9), Value(0.2), Value(0.6)], targets, reduction="none")
    assert isinstance(each, list) and all(isinstance(v, Value) for v in each)
    numbers_each = [v.data for v in each]
    assert loss([Value(0.9), Value(0.2), Value(0.6)], targets, reduction="sum").data == pytest.approx(sum(numbers_each), rel=1e-15)
    assert loss([Value(0.9), Value(0.2), Value(0.6)], targets).data == pytest.approx(sum(numbers_each) / 3, rel=1e-15)


# --- binary_cross_entropy (from probabilities) --------------------------------------------------


def test_binary_cross_entropy_takes_probabilities_with_pytorchs_numbers():
    # torch.nn.functional.binary_cross_entropy in float64, p = 0 clamped to log >= -100
    probs, targets = [0.9, 0.2, 0.0, 1.0, 0.5], [1.0, 0.0, 1.0, 1.0, 0.3]
    assert binary_cross_entropy([Value(p) for p in probs], targets).data == pytest.approx(20.204330249506395, rel=1e-14)
    each = binary_cross_entropy([Value(p) for p in probs], targets, weight=[1.0, 2.0, 0.5, 1.0, 3.0], reduction="none")
    assert [v.data for v in each] == pytest.approx([0.10536051565782628, 0.44628710262841953, 50.0, 0.0, 2.0794415416798357], rel=1e-14)


@settings(max_examples=40, deadline=None)
@given(pairs=st.lists(st.tuples(st.floats(0.01, 0.99), st.floats(0.0, 1.0)), min_size=1, max_size=4))
def test_binary_cross_entropy_is_minus_y_log_p_with_slope_p_minus_y_over_p_one_minus_p(pairs):
    probs = [Value(p) for p, _ in pairs]
    loss = binary_cross_entropy(probs, [y for _, y in pairs])
    n = len(pairs)
    assert loss.data == pytest.approx(-sum(y * math.log(p) + (1 - y) * math.log(1 - p) for p, y in pairs) / n, rel=1e-12)
    assert grad(loss, probs) == pytest.approx([(p - y) / (p * (1 - p)) / n for p, y in pairs], rel=1e-9)
    assert gradcheck(lambda *ps: binary_cross_entropy(list(ps), [y for _, y in pairs]), [p for p, _ in pairs])


def test_binary_cross_entropy_of_sigmoid_is_the_loss_from_logits():
    z = Value(0.7)
    assert binary_cross_entropy(z.sigmoid(), 0.25).data == pytest.approx(binary_cross_entropy_with_logits(z, 0.25).data, rel=1e-14)


@pytest.mark.parametrize("bad", [-0.1, 1.5, 2.0])
def test_binary_cross_entropy_probabilities_must_be_in_zero_to_one(bad):
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\].*binary_cross_entropy_with_logits"):
        binary_cross_entropy([Value(0.5), Value(bad)], [1.0, 0.0])


# --- binary_cross_entropy_with_logits: weight and pos_weight --------------------------------------


def test_binary_cross_entropy_with_logits_pos_weight_and_weight_are_pytorchs():
    logits, targets = [2.0, -1.0, 0.5, 30.0], [1.0, 0.0, 0.25, 0.0]
    assert binary_cross_entropy_with_logits([Value(z) for z in logits], targets, pos_weight=3.0).data == pytest.approx(7.9450402992293485, rel=1e-14)
    total = binary_cross_entropy_with_logits(
        [Value(z) for z in logits], targets, weight=[1.0, 2.0, 3.0, 4.0], pos_weight=[2.0, 3.0, 0.5, 1.0], reduction="sum"
    )
    assert total.data == pytest.approx(123.24983148059555, rel=1e-14)


@settings(max_examples=40, deadline=None)
@given(z=st.floats(-8.0, 8.0), y=st.floats(0.0, 1.0), w=st.floats(0.1, 3.0), pw=st.floats(0.1, 3.0))
def test_binary_cross_entropy_with_logits_weighted_slope_is_closed_form(z, y, w, pw):
    # d/dz w * (pw * y * softplus(-z) + (1 - y) * softplus(z)) = w * ((1 - y) * sigmoid(z) - pw * y * sigmoid(-z))
    logit = Value(z)
    loss = binary_cross_entropy_with_logits(logit, y, weight=w, pos_weight=pw)
    assert loss.data == pytest.approx(w * (pw * y * softplus(-z) + (1 - y) * softplus(z)), rel=1e-12, abs=1e-15)
    loss.backward()
    assert logit.grad == pytest.approx(w * ((1 - y) * sigmoid(z) - pw * y * sigmoid(-z)), rel=1e-9, abs=1e-15)


def test_binary_cross_entropy_weights_must_be_one_number_or_one_per_example():
    with pytest.raises(ValueError, match="pos_weight must be a number or a list of 2 numbers"):
        binary_cross_entropy_with_logits([Value(0.0), Value(1.0)], [0.0, 1.0], pos_weight=[1.0])
    with pytest.raises(ValueError, match="weight must be a number"):
        binary_cross_entropy([Value(0.5)], [1.0], weight=True)


# --- cross_entropy: exact for large gaps, weight, ignore_index, label_smoothing, probabilities ----


def exact_cross_entropy(logits, y):
    """-log softmax(z)_y = log(1 + sum_{j != y} e**(z_j - z_y)), in 60-digit decimals, and its gradient."""
    with localcontext() as ctx:
        ctx.prec = 60
        z = [Decimal(v) for v in logits]
        e = [(zj - z[y]).exp() for zj in z]
        total = sum(e)
        loss = total.ln()
        slope = [ej / total for ej in e]
        slope[y] = -sum(ej for j, ej in enumerate(e) if j != y) / total
        return float(loss), [float(s) for s in slope]


@pytest.mark.parametrize(
    "logits, y",
    [([50.0, -50.0, 30.0], 0), ([1e4, 9980.0], 0), ([1e4, 9980.0], 1), ([-3e5, -3e5 - 25.0, -3e5 - 40.0], 0), ([0.5, 0.25, 1e-9], 2)],
)
def test_cross_entropy_is_exact_to_a_few_ulps_for_large_logit_gaps(logits, y):
    expected, slope = exact_cross_entropy(logits, y)
    zs = [Value(z) for z in logits]
    loss = cross_entropy(zs, y)
    assert abs(loss.data - expected) <= 4 * math.ulp(expected)
    loss.backward()
    for z, s in zip(zs, slope):
        assert z.grad == pytest.approx(s, rel=2e-14, abs=1e-300)


def test_cross_entropy_of_50_minus_50_30_is_2_0611536203e_minus_9():
    assert cross_entropy([Value(50.0), Value(-50.0), Value(30.0)], 0).data == pytest.approx(2.0611536203143807e-09, rel=4e-16)


# the same four examples for each of PyTorch's options below; class 2 of example 2 is ignored (-100)
Z = [[1.0, 2.0, 0.5], [0.3, -1.0, 2.0], [1.5, 0.2, -0.7], [0.0, 0.4, 0.9]]
W = [0.5, 2.0, 1.5]


def batch():
    return [[Value(z) for z in row] for row in Z]


def test_cross_entropy_weight_ignore_index_and_label_smoothing_are_pytorchs():
    # torch.nn.functional.cross_entropy(z, [1, 2, -100, 0], weight=W, label_smoothing=0.2) in float64
    rows = batch()
    loss = cross_entropy(rows, [1, 2, -100, 0], weight=W, label_smoothing=0.2)
    assert loss.data == pytest.approx(0.6841257105185378, rel=1e-14)
    loss.backward()
    torch_grad = [
        [0.09957115222366957, -0.14001853103451084, 0.040447378810841296],
        [0.04601600305754812, -0.0185214112365177, -0.027494591821030367],
        [0.0, 0.0, 0.0],
        [-0.07467300885672161, 0.016881970051495, 0.05779103880522661],
    ]
    for row, expected in zip(rows, torch_grad):
        assert [z.grad for z in row] == pytest.approx(expected, rel=1e-13, abs=1e-16)
    assert cross_entropy(batch(), [1, 2, -100, 0], weight=W, label_smoothing=0.2, reduction="sum").data == pytest.approx(2.736502842074151, rel=1e-14)
    each = cross_entropy(batch(), [1, 2, -100, 0], weight=W, label_smoothing=0.2, reduction="none")
    assert [v.data for v in each] == pytest.approx([1.0501550636681638, 0.7632304575994217, 0.0, 0.9231173208065654], rel=1e-14)
    assert cross_entropy(batch(), [1, 2, 1, 0], weight=W).data == pytest.approx(0.8818501898590405, rel=1e-14)
    assert cross_entropy(batch(), [1, 2, 1, 0], label_smoothing=0.1).data == pytest.approx(1.0202240201135264, rel=1e-14)


def test_cross_entropy_with_probability_targets_is_pytorchs():
    t = [[0.2, 0.5, 0.3], [0.0, 0.0, 1.0], [0.6, 0.4, 0.0], [1 / 3, 1 / 3, 1 / 3]]
    assert cross_entropy(batch(), t).data == pytest.approx(0.8335573534468597, rel=1e-14)
    assert cross_entropy(batch(), t, weight=W, label_smoothing=0.3).data == pytest.approx(1.402266034838883, rel=1e-14)
    each = cross_entropy(batch(), t, weight=W, reduction="none")
    assert [v.data for v in each] == pytest.approx([1.4947716153673147, 0.31353114981759034, 1.396946936783711, 1.4162346416131304], rel=1e-14)


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.tuples(st.lists(st.floats(-5.0, 5.0), min_size=3, max_size=3), st.integers(0, 2)), min_size=1, max_size=3),
       smoothing=st.floats(0.0, 1.0), weight=st.lists(st.floats(0.1, 2.0), min_size=3, max_size=3))
def test_cross_entropy_options_match_their_formula_and_finite_differences(rows, smoothing, weight):
    targets = [y for _, y in rows]
    flat = [z for zs, _ in rows for z in zs]

    def f(*zs):
        return cross_entropy([list(zs[3 * i : 3 * i + 3]) for i in range(len(rows))], targets, weight=weight, label_smoothing=smoothing)

    def by_hand():
        total = 0.0
        for zs, y in rows:
            lse = math.log(sum(math.exp(z) for z in zs))
            total += (1 - smoothing) * weight[y] * (lse - zs[y]) + smoothing / 3 * sum(w * (lse - z) for w, z in zip(weight, zs))
        return total / sum(weight[y] for _, y in rows)

    assert f(*[Value(z) for z in flat]).data == pytest.approx(by_hand(), rel=1e-9)
    assert gradcheck(f, flat)


def test_cross_entropy_with_every_target_ignored_is_nan_as_pytorch():
    assert math.isnan(cross_entropy([[Value(1.0), Value(2.0)]], [-100]).data)
    assert cross_entropy([[Value(1.0), Value(2.0)]], [-100], reduction="sum").data == 0.0
    assert cross_entropy([[Value(1.0), Value(2.0)], [Value(0.0), Value(1.0)]], [3, 1], ignore_index=3).data == pytest.approx(math.log1p(math.exp(-1.0)))


@pytest.mark.parametrize(
    "kwargs, targets, message",
    [
        ({"weight": [1.0, 2.0]}, [0, 1, 2, 0], "weight must be a list of 3 numbers"),
        ({"label_smoothing": 1.5}, [0, 1, 2, 0], r"label_smoothing must be a number in \[0, 1\]"),
        ({}, [[0.5, 0.5, 0.0], 1, 2, 0], "all be class indices or all be lists"),
        ({}, [[0.5, 0.5], [1.0, 0, 0], [1.0, 0, 0], [1.0, 0, 0]], "2 entries for 3 classes"),
        ({}, [[1.5, -0.5, 0.0]] * 4, r"probability targets must be numbers in \[0, 1\]"),
        ({"ignore_index": 1}, [[1.0, 0.0, 0.0]] * 4, "ignore_index is for class-index targets"),
    ],
)
def test_cross_entropy_bad_options_are_value_errors_naming_them(kwargs, targets, message):
    with pytest.raises(ValueError, match=message):
        cross_entropy(batch(), targets, **kwargs)


# --- nll_loss -----------------------------------------------------------------------------------


def log_softmax(zs):
    lse = math.log(sum(math.exp(z) for z in zs))
    return [z - lse for z in zs]


def test_nll_loss_takes_log_probabilities_with_pytorchs_numbers():
    log_probs = [[Value(x) for x in log_softmax(row)] for row in Z]
    assert nll_loss(log_probs, [1, 2, -100, 0], weight=W).data == pytest.approx(0.5105266771596011, rel=1e-14)
    each = nll_loss(log_probs, [1, 2, -100, 0], weight=W, reduction="none")
    assert [v.data for v in each] == pytest.approx([0.9287375682158898, 0.31353114981759034, 0.0, 0.799837990604924], rel=1e-14)
    loss = nll_loss(log_probs, [1, 2, 1, 0])
    assert loss.data == pytest.approx(0.974390686780193, rel=1e-14)
    loss.backward()  # d/dx_{n,c} = -1/N at each target, 0 elsewhere
    assert [[x.grad for x in row] for row in log_probs] == [[0, -0.25, 0], [0, 0, -0.25], [0, -0.25, 0], [-0.25, 0, 0]]


def test_nll_loss_of_log_softmax_is_cross_entropy():
    zs = [Value(1.0), Value(-0.5), Value(2.0)]
    total = zs[0].exp() + zs[1].exp() + zs[2].exp()
    log_probs = [z - total.log() for z in zs]
    assert nll_loss(log_probs, 1).data == pytest.approx(cross_entropy(zs, 1).data, rel=1e-14)


# --- huber_loss and smooth_l1_loss --------------------------------------------------------------

A, B = [0.2, -1.5, 3.0, 0.9], [0.0, 0.0, 0.5, 1.0]


def test_huber_and_smooth_l1_losses_are_pytorchs():
    assert huber_loss([Value(a) for a in A], B).data == pytest.approx(0.75625, rel=1e-14)
    each = huber_loss([Value(a) for a in A], B, delta=0.5, reduction="none")
    assert [v.data for v in each] == pytest.approx([0.020000000000000004, 0.625, 1.125, 0.0049999999999999975], rel=1e-14)
    assert smooth_l1_loss([Value(a) for a in A], B, beta=0.5).data == pytest.approx(0.8875, rel=1e-14)
    assert smooth_l1_loss([Value(a) for a in A], B, beta=2.0, reduction="sum").data == pytest.approx(2.0749999999999997, rel=1e-14)
    assert smooth_l1_loss([Value(a) for a in A], B, beta=0.0).data == pytest.approx(l1_loss([Value(a) for a in A], B).data, rel=1e-15)


@settings(max_examples=40, deadline=None)
@given(d=away, size=st.floats(0.1, 3.0))
def test_huber_slope_is_d_inside_and_plus_minus_delta_outside(d, size):
    for loss, kwargs, inside, outside in (
        (huber_loss, {"delta": size}, d, math.copysign(size, d)),
        (smooth_l1_loss, {"beta": size}, d / size, math.copysign(1.0, d)),
    ):
        if abs(abs(d) - size) < 1e-6:
            continue
        p = Value(d)
        loss(p, 0.0, **kwargs).backward()
        assert p.grad == pytest.approx(inside if abs(d) < size else outside, rel=1e-12)


@pytest.mark.parametrize("bad", [0.0, -1.0, math.inf, True])
def test_huber_delta_must_be_positive(bad):
    with pytest.raises(ValueError, match="delta must be a number > 0"):
        huber_loss(Value(1.0), 0.0, delta=bad)


# --- kl_div -------------------------------------------------------------------------------------

P = [[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]]
T = [[0.1, 0.0, 0.9], [0.5, 0.25, 0.25]]


def log_p():
    return [[Value(math.log(p)) for p in row] for row in P]


def test_kl_div_is_pytorchs_with_its_reductions():
    assert kl_div(log_p(), T).data == pytest.approx(0.09200413262149758, rel=1e-14)  # "mean": over all 6 elements
    assert kl_div(log_p(), T, reduction="sum").data == pytest.approx(0.5520247957289854, rel=1e-14)
    assert kl_div(log_p(), T, reduction="batchmean").data == pytest.approx(0.2760123978644927, rel=1e-14)
    each = kl_div(log_p(), T, reduction="none")
    assert [v.data for v in each] == pytest.approx([-0.06931471805599451, 0.0, 0.529007998411907, -0.09116077839697728, 0.22907268296853872, -0.04558038919848861], rel=1e-13, abs=1e-300)
    log_t = [[math.log(t) for t in row] for row in [[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]]]
    assert kl_div(log_p(), log_t, reduction="batchmean", log_target=True).data == pytest.approx(0.08872717066514721, rel=1e-14)


def test_kl_div_batchmean_of_one_distribution_is_the_divergence_over_its_length_and_sum_is_the_divergence():
    x = [Value(math.log(p)) for p in P[0]]
    divergence = sum(t * math.log(t / p) for t, p in zip(T[0], P[0]) if t > 0)
    assert kl_div(x, T[0], reduction="sum").data == pytest.approx(divergence, rel=1e-14)
    loss = kl_div(x, T[0], reduction="batchmean")
    assert loss.data == pytest.approx(divergence / 3, rel=1e-14)
    loss.backward()  # d/dx_i = -t_i / 3
    assert [v.grad for v in x] == pytest.approx([-t / 3 for t in T[0]], rel=1e-14)


def test_kl_div_refuses_negative_targets_and_other_reductions():
    with pytest.raises(ValueError, match="log_target=True"):
        kl_div([Value(-1.0)], [-0.5])
    with pytest.raises(ValueError, match="reduction must be one of"):
        kl_div([Value(-1.0)], [0.5], reduction="avg")


# --- losses under trace: their checks on numbers are guards -------------------------------------


def test_traced_losses_replay_eagers_numbers_and_checks():
    from autograd import trace

    ce = trace(lambda zs: cross_entropy(zs, 0), [50.0, -50.0, 30.0])
    zs = [Value(z) for z in [1e4, 9980.0]]
    assert trace(lambda zs: cross_entropy(zs, 0), [1e4, 9980.0]).value_and_grad([1e4, 9980.0]) == (cross_entropy(zs, 0).data, grad(cross_entropy(zs, 0), zs))
    assert ce([1.0, 2.0, 3.0]) == cross_entropy([Value(1.0), Value(2.0), Value(3.0)], 0).data
    huber = trace(lambda p, t: huber_loss(p, t, delta=0.5), 0.1, 0.0)
    assert huber(3.0, 0.0) == huber_loss(Value(3.0), 0.0, delta=0.5).data == 1.375  # the other side of |d| < delta
    bce = trace(lambda p, y: binary_cross_entropy(p, y), 0.5, 1.0)
    assert bce(0.25, 1.0) == pytest.approx(math.log(4.0), rel=1e-15)
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        bce(1.5, 1.0)
    with pytest.raises(ValueError, match=r"targets must be numbers in \[0, 1\]"):
        bce(0.5, 2.0)
