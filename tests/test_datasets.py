"""nn.datasets: the toy data sets have the shapes and labels their docstrings give, the same seed gives
the same points, and without noise every point lies exactly on its curve."""

import math
import random
import statistics

import pytest
from hypothesis import given, settings, strategies as st

import nn
from nn.datasets import batches, circles, moons, seed_examples, spiral, xor

sizes = st.integers(min_value=1, max_value=60)
noises = st.floats(min_value=0.0, max_value=2.0)
seeds = st.integers(min_value=0, max_value=2**32)
CLOSE = 1e-12


def assert_points(xs, ys, n, dims=2):
    assert isinstance(xs, list) and isinstance(ys, list)
    assert len(xs) == len(ys) == n
    for p in xs:
        assert isinstance(p, list) and len(p) == dims
        assert all(type(c) is float and math.isfinite(c) for c in p)
    assert all(type(y) is int for y in ys)


def angle(x, y):
    """The angle of (x, y) in [0, 2 pi)."""
    return math.atan2(y, x) % (2 * math.pi)


def same_angle(a, b):
    return abs(math.remainder(a - b, 2 * math.pi)) < 1e-9


def test_datasets_is_a_module_of_nn():
    assert nn.datasets.moons is moons
    assert "datasets" in nn.__all__


# moons


@given(sizes, noises, seeds)
def test_moons_shape_and_labels(n, noise, seed):
    xs, ys = moons(n, noise=noise, seed=seed)
    assert_points(xs, ys, n)
    assert ys.count(0) == n // 2 and ys.count(1) == n - n // 2


@given(st.integers(min_value=2, max_value=60))
def test_moons_without_noise_lie_on_their_half_circles(n):
    xs, ys = moons(n, noise=0.0, shuffle=False)
    outer, inner = xs[: n // 2], xs[n // 2 :]
    assert ys == [0] * len(outer) + [1] * len(inner)
    for moon, centre, upper in ((outer, (0.0, 0.0), True), (inner, (1.0, 0.5), False)):
        for i, (x, y) in enumerate(moon):
            dx, dy = x - centre[0], y - centre[1]
            assert math.hypot(dx, dy) == pytest.approx(1.0, abs=CLOSE)
            assert (dy >= -CLOSE) if upper else (dy <= CLOSE)
            # t runs evenly from 0 to pi: the upper moon is (cos t, sin t), the lower (1 - cos t, 0.5 - sin t)
            t = math.pi * i / (len(moon) - 1) if len(moon) > 1 else 0.0
            expected = (math.cos(t), math.sin(t)) if upper else (-math.cos(t), -math.sin(t))
            assert (dx, dy) == pytest.approx(expected, abs=CLOSE)


def test_moons_of_one_point_is_the_start_of_the_lower_moon():
    assert moons(1, noise=0.0) == ([[0.0, 0.5]], [1])


@given(sizes, seeds)
def test_moons_shuffle_reorders_points_with_their_labels(n, seed):
    ordered = sorted(zip(map(tuple, moons(n, 0.0, shuffle=False)[0]), moons(n, 0.0, shuffle=False)[1]))
    xs, ys = moons(n, 0.0, seed=seed)
    assert sorted(zip(map(tuple, xs), ys)) == ordered


@pytest.mark.parametrize("noise", [0.05, 0.3])
def test_moons_noise_is_the_standard_deviation_added_to_each_coordinate(noise):
    clean, _ = moons(4000, noise=0.0, shuffle=False)
    noisy, _ = moons(4000, noise=noise, seed=1, shuffle=False)
    for axis in (0, 1):
        offsets = [p[axis] - q[axis] for p, q in zip(noisy, clean)]
        assert statistics.fmean(offsets) == pytest.approx(0.0, abs=4 * noise / math.sqrt(4000))
        assert statistics.stdev(offsets) == pytest.approx(noise, rel=0.05)


# circles


@given(sizes, noises, st.floats(min_value=0.01, max_value=0.99), seeds)
def test_circles_shape_and_labels(n, noise, factor, seed):
    xs, ys = circles(n, noise=noise, factor=factor, seed=seed)
    assert_points(xs, ys, n)
    assert ys.count(0) == n // 2 and ys.count(1) == n - n // 2


@given(sizes, st.floats(min_value=0.01, max_value=0.99), seeds)
def test_circles_without_noise_lie_evenly_on_two_circles(n, factor, seed):
    xs, ys = circles(n, noise=0.0, factor=factor, seed=seed)
    for label, radius in ((0, 1.0), (1, factor)):
        points = [p for p, y in zip(xs, ys) if y == label]
        for x, y in points:
            assert math.hypot(x, y) == pytest.approx(radius, abs=CLOSE)
        # spaced evenly by angle, starting at angle 0: every angle is a multiple of 2 pi / count
        angles = sorted(angle(x, y) for x, y in points)
        for k, a in enumerate(angles):
            assert same_angle(a, 2 * math.pi * k / len(points))


# spiral


@given(st.integers(min_value=1, max_value=30), st.integers(min_value=2, max_value=6), noises, seeds)
def test_spiral_shape_and_labels(n_per_class, classes, noise, seed):
    xs, ys = spiral(n_per_class, classes=classes, noise=noise, seed=seed)
    assert_points(xs, ys, n_per_class * classes)
    assert sorted(set(ys)) == list(range(classes))
    assert all(ys.count(k) == n_per_class for k in range(classes))


@given(st.integers(min_value=1, max_value=30), st.integers(min_value=2, max_value=6))
def test_spiral_without_noise_lies_on_its_arms(n_per_class, classes):
    xs, ys = spiral(n_per_class, classes=classes, noise=0.0, shuffle=False)
    assert ys == [k for k in range(classes) for _ in range(n_per_class)]
    for (x, y), k, i in zip(xs, ys, [i for _ in range(classes) for i in range(n_per_class)]):
        r = (i + 1) / n_per_class
        assert math.hypot(x, y) == pytest.approx(r, abs=CLOSE)
        assert same_angle(angle(x, y), 2 * math.pi * k / classes + 4 * r)


def test_spiral_arms_are_turned_copies_of_the_first():
    n, classes = 20, 3
    xs, ys = spiral(n, classes=classes, noise=0.0, shuffle=False)
    first = xs[:n]
    for k in range(1, classes):
        turn = 2 * math.pi * k / classes
        turned = [[x * math.cos(turn) - y * math.sin(turn), x * math.sin(turn) + y * math.cos(turn)] for x, y in first]
        for p, q in zip(xs[k * n : (k + 1) * n], turned):
            assert p == pytest.approx(q, abs=CLOSE)


def test_spiral_arms_grow_outwards():
    xs, _ = spiral(10, noise=0.0, shuffle=False)
    radii = [math.hypot(x, y) for x, y in xs[:10]]
    assert radii == sorted(radii) and radii[-1] == pytest.approx(1.0)


# xor


@given(sizes, noises, seeds)
def test_xor_shape_and_labels(n, noise, seed):
    xs, ys = xor(n, noise=noise, seed=seed)
    assert_points(xs, ys, n)
    assert set(ys) <= {0, 1}


@given(sizes, seeds)
def test_xor_without_noise_labels_by_the_signs_in_the_square(n, seed):
    xs, ys = xor(n, noise=0.0, seed=seed)
    for (x, y), label in zip(xs, ys):
        assert -1.0 <= x <= 1.0 and -1.0 <= y <= 1.0
        assert label == (1 if (x > 0) != (y > 0) else 0)


@given(sizes, st.floats(min_value=0.01, max_value=1.0), seeds)
def test_xor_noise_moves_points_but_keeps_their_labels(n, noise, seed):
    clean, clean_labels = xor(n, noise=0.0, seed=seed)
    noisy, labels = xor(n, noise=noise, seed=seed)
    assert labels == clean_labels
    assert noisy != clean


def test_xor_has_both_labels_in_a_large_sample():
    _, ys = xor(1000, seed=0)
    assert 400 < ys.count(1) < 600


# all four


GENERATORS = [moons, circles, spiral, xor]


@pytest.mark.parametrize("make", GENERATORS)
@settings(max_examples=20)
@given(seed=seeds)
def test_the_same_seed_gives_the_same_points(make, seed):
    assert make(20, noise=0.1, seed=seed) == make(20, noise=0.1, seed=seed)


@pytest.mark.parametrize("make", GENERATORS)
def test_different_seeds_give_different_points(make):
    assert make(20, noise=0.1, seed=1) != make(20, noise=0.1, seed=2)
    assert make(20, noise=0.1) != make(20, noise=0.1)  # seed=None: fresh points each call


@pytest.mark.parametrize("make", GENERATORS)
def test_changing_the_points_returned_changes_no_later_call(make):
    xs, ys = make(10, noise=0.1, seed=3)
    xs[0][0] += 100.0
    ys[0] = 7
    assert make(10, noise=0.1, seed=3)[0][0][0] == pytest.approx(xs[0][0] - 100.0)


@pytest.mark.parametrize(
    "call, error, argument",
    [
        (lambda: moons(0), ValueError, "n"),
        (lambda: moons(-3), ValueError, "n"),
        (lambda: moons(10.0), TypeError, "n"),
        (lambda: moons("10"), TypeError, "n"),
        (lambda: moons(True), TypeError, "n"),
        (lambda: moons(10, noise=-0.1), ValueError, "noise"),
        (lambda: moons(10, noise=float("nan")), ValueError, "noise"),
        (lambda: moons(10, noise=float("inf")), ValueError, "noise"),
        (lambda: moons(10, noise="0.1"), TypeError, "noise"),
        (lambda: moons(10, seed=1.5), TypeError, "seed"),
        (lambda: moons(10, seed="1"), TypeError, "seed"),
        (lambda: moons(10, shuffle=None), TypeError, "shuffle"),
        (lambda: circles(0), ValueError, "n"),
        (lambda: circles(10, noise=-1), ValueError, "noise"),
        (lambda: circles(10, factor=0), ValueError, "factor"),
        (lambda: circles(10, factor=1), ValueError, "factor"),
        (lambda: circles(10, factor=1.5), ValueError, "factor"),
        (lambda: circles(10, factor=-0.5), ValueError, "factor"),
        (lambda: circles(10, factor=float("nan")), ValueError, "factor"),
        (lambda: circles(10, factor="0.5"), TypeError, "factor"),
        (lambda: spiral(0), ValueError, "n_per_class"),
        (lambda: spiral(5.5), TypeError, "n_per_class"),
        (lambda: spiral(5, classes=1), ValueError, "classes"),
        (lambda: spiral(5, classes=2.0), TypeError, "classes"),
        (lambda: spiral(5, noise=-0.01), ValueError, "noise"),
        (lambda: xor(0), ValueError, "n"),
        (lambda: xor(10, noise=-2), ValueError, "noise"),
        (lambda: xor(10, seed=[1]), TypeError, "seed"),
    ],
)
def test_bad_arguments_raise_an_error_naming_them(call, error, argument):
    with pytest.raises(error, match=rf"^{argument} "):
        call()


# the seed post


def test_seed_examples_are_the_posts_four():
    xs, ys = seed_examples()
    assert_points(xs, ys, 4, dims=3)
    assert xs == [[1, 0, 1], [0, 1, 1], [0, 0, 1], [1, 1, 1]]
    assert ys == [1, 1, 0, 0]
    assert ys == [int(a != b) for a, b, _ in xs]  # the label is the first input xor the second


def test_seed_examples_are_new_lists_each_call():
    xs, ys = seed_examples()
    xs[0][0], ys[0] = 5.0, 5
    assert seed_examples() == ([[1, 0, 1], [0, 1, 1], [0, 0, 1], [1, 1, 1]], [1, 1, 0, 0])


# noise too big for a float


@pytest.mark.parametrize("make", [moons, circles, spiral, xor])
def test_a_noise_too_big_for_a_float_is_a_value_error_naming_noise(make):
    with pytest.raises(ValueError, match="noise must be a finite number >= 0"):
        make(noise=10**400)


# batches


@given(n=st.integers(0, 40), batch_size=st.integers(1, 12), shuffle=st.booleans(), drop_last=st.booleans(), seed=seeds)
def test_batches_follow_dataloaders_order_rules(n, batch_size, shuffle, drop_last, seed):
    xs = [[float(i), -float(i)] for i in range(n)]
    ys = [i % 3 for i in range(n)]
    out = batches(xs, ys, batch_size, shuffle=shuffle, seed=seed, drop_last=drop_last)
    full, rest = divmod(n, batch_size)
    # torch.utils.data.DataLoader: len is n // b with drop_last, else ceil(n / b); only the last may be short
    assert len(out) == (full if drop_last or rest == 0 else full + 1)
    assert [len(xb) for xb, _ in out] == [batch_size] * full + ([] if drop_last or rest == 0 else [rest])
    seen = [x for xb, _ in out for x in xb]
    for xb, yb in out:  # each x stays with its y
        assert yb == [int(x[0]) % 3 for x in xb]
    assert len(set(map(tuple, seen))) == len(seen)  # no example twice
    if not shuffle:
        assert seen == xs[: len(seen)]
    elif not drop_last:
        assert sorted(seen) == sorted(xs)


def test_batches_with_a_seed_repeat_and_with_one_generator_change_each_epoch():
    xs, ys = list(range(20)), list(range(20))
    assert batches(xs, ys, 4, seed=3) == batches(xs, ys, 4, seed=3)
    assert batches(xs, ys, 4, seed=3) != batches(xs, ys, 4, seed=4)
    rng = random.Random(0)
    first, second = batches(xs, ys, 4, seed=rng), batches(xs, ys, 4, seed=rng)
    assert first != second
    rng = random.Random(0)
    assert batches(xs, ys, 4, seed=rng) == first  # the same epochs on every run
    assert batches(xs, ys, 8, shuffle=False) == [(xs[:8], ys[:8]), (xs[8:16], ys[8:16]), (xs[16:], ys[16:])]


@pytest.mark.parametrize(
    "args, error, message",
    [
        (([1, 2], [1], 1), ValueError, "2 xs but 1 ys"),
        (([1, 2], [1, 2], 0), ValueError, "batch_size must be a whole number >= 1"),
        (([1, 2], [1, 2], 1.5), ValueError, "batch_size must be"),
        (([1, 2], [1, 2], True), ValueError, "batch_size must be"),
        (("ab", [1, 2], 1), TypeError, "same length"),
    ],
)
def test_batches_bad_arguments_are_errors_naming_them(args, error, message):
    with pytest.raises(error, match=message):
        batches(*args)
