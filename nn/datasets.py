"""Toy data sets to train on and to draw: two moons, two circles, spirals, XOR, and the seed post's
four examples.

Each function returns ``(xs, ys)``: ``xs`` a list of points, each a list of floats, and ``ys`` a list
of int labels, one per point. They are pure Python: every random number comes from
``random.Random(seed)``, so the same seed gives the same points on every machine, and ``seed=None``
gives fresh ones each call. ``noise`` is the standard deviation of Gaussian noise added to each
coordinate; with ``noise=0`` every point lies exactly where the docstring says.

    from nn.datasets import moons
    xs, ys = moons(100, noise=0.1, seed=0)   # 100 points [x, y], labels 0 and 1
"""

from __future__ import annotations

import math
import numbers
import random
from typing import Sequence

from ._checks import is_finite_real

__all__ = ["moons", "circles", "spiral", "xor", "seed_examples", "batches"]

Points = list[list[float]]
Labels = list[int]


def moons(n: int = 100, noise: float = 0.1, seed: int | None = None, *, shuffle: bool = True) -> tuple[Points, Labels]:
    """Two interleaving half circles in the plane, as scikit-learn's ``make_moons``.

    Shape: ``n`` points ``[x, y]``, labels 0 and 1. The ``n // 2`` points of label 0 lie on the upper
    half of the unit circle, ``(cos t, sin t)``; the other ``n - n // 2`` points, of label 1, on the
    lower half circle ``(1 - cos t, 0.5 - sin t)``, centred at (1, 0.5). In each moon ``t`` runs
    evenly from 0 to pi, both ends included. Then Gaussian noise of standard deviation ``noise`` is
    added to each coordinate. ``shuffle`` (default True) puts the points in random order; with
    ``shuffle=False`` all label-0 points come first, in order of ``t``.
    """
    n = _check_count("n", n)
    _check_noise(noise)
    rng = _rng(seed)
    outer, inner = n // 2, n - n // 2
    points = [[math.cos(t), math.sin(t)] for t in _evenly(0.0, math.pi, outer, endpoint=True)]
    points += [[1.0 - math.cos(t), 0.5 - math.sin(t)] for t in _evenly(0.0, math.pi, inner, endpoint=True)]
    labels = [0] * outer + [1] * inner
    return _finish(points, labels, noise, rng, shuffle)


def circles(
    n: int = 100, noise: float = 0.05, factor: float = 0.5, seed: int | None = None, *, shuffle: bool = True
) -> tuple[Points, Labels]:
    """A small circle inside a large one, as scikit-learn's ``make_circles``.

    Shape: ``n`` points ``[x, y]``, labels 0 and 1. The ``n // 2`` points of label 0 lie on the unit
    circle, the other ``n - n // 2`` points, of label 1, on the circle of radius ``factor`` (between 0
    and 1, both excluded); both are centred at the origin. In each circle the points are spaced
    evenly by angle, starting at angle 0, ``(r cos t, r sin t)`` for ``t = 2 pi k / m``. Then Gaussian
    noise of standard deviation ``noise`` is added to each coordinate. ``shuffle`` as in `moons`.
    """
    n = _check_count("n", n)
    _check_noise(noise)
    if isinstance(factor, bool) or not isinstance(factor, numbers.Real):
        raise TypeError(f"factor must be a number between 0 and 1, got {type(factor).__name__}")
    if not 0.0 < factor < 1.0:
        raise ValueError(f"factor must be between 0 and 1 (both excluded), got {factor!r}")
    rng = _rng(seed)
    outer, inner = n // 2, n - n // 2
    points = [[math.cos(t), math.sin(t)] for t in _evenly(0.0, 2 * math.pi, outer, endpoint=False)]
    points += [[factor * math.cos(t), factor * math.sin(t)] for t in _evenly(0.0, 2 * math.pi, inner, endpoint=False)]
    labels = [0] * outer + [1] * inner
    return _finish(points, labels, noise, rng, shuffle)


SPIRAL_WINDING = 4.0  # radians an arm turns through from the centre to radius 1


def spiral(
    n_per_class: int = 50, classes: int = 3, noise: float = 0.05, seed: int | None = None, *, shuffle: bool = True
) -> tuple[Points, Labels]:
    """Spiral arms that wind out from the centre, one arm per class.

    Shape: ``n_per_class * classes`` points ``[x, y]``, labels ``0 .. classes - 1``. Point ``i``
    (counting from 0) of class ``k`` lies at radius ``r = (i + 1) / n_per_class`` and angle
    ``t = 2 pi k / classes + 4 r`` (radians), that is at ``(r cos t, r sin t)``: each arm is the
    first arm turned by ``2 pi k / classes``, and every arm turns through 4 radians from the centre
    to radius 1. Then Gaussian noise of standard deviation ``noise`` is added to each coordinate.
    ``shuffle`` (default True) puts the points in random order; with ``shuffle=False`` they come
    class by class, outward.
    """
    n_per_class = _check_count("n_per_class", n_per_class)
    classes = _check_count("classes", classes, minimum=2)
    _check_noise(noise)
    rng = _rng(seed)
    points, labels = [], []
    for k in range(classes):
        for i in range(n_per_class):
            r = (i + 1) / n_per_class
            t = 2 * math.pi * k / classes + SPIRAL_WINDING * r
            points.append([r * math.cos(t), r * math.sin(t)])
            labels.append(k)
    return _finish(points, labels, noise, rng, shuffle)


def xor(n: int = 100, noise: float = 0.0, seed: int | None = None) -> tuple[Points, Labels]:
    """Points in the square [-1, 1] x [-1, 1], labelled by exclusive or of their signs.

    Shape: ``n`` points ``[x, y]``, labels 0 and 1. Each point is first drawn uniformly from the
    square; its label is 1 where exactly one of ``x > 0`` and ``y > 0`` holds (the second and fourth
    quadrants), else 0. Then Gaussian noise of standard deviation ``noise`` is added to each
    coordinate, so with noise some points near the axes end up on the other side of them.
    """
    n = _check_count("n", n)
    _check_noise(noise)
    rng = _rng(seed)
    points = [[rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)] for _ in range(n)]
    labels = [int((x > 0) != (y > 0)) for x, y in points]
    return _finish(points, labels, noise, rng, shuffle=False)


def seed_examples() -> tuple[list[list[float]], Labels]:
    """The seed post's four examples (from *Grokking Deep Learning*).

    Shape: 4 inputs of 3 numbers each, labels 0 and 1: [1, 0, 1] -> 1, [0, 1, 1] -> 1, [0, 0, 1] -> 0,
    [1, 1, 1] -> 0. The label is the first input exclusive-or the second; the third is always 1.
    A new list each call, so changing it changes nothing else.
    """
    xs = [[1.0, 0.0, 1.0], [0.0, 1.0, 1.0], [0.0, 0.0, 1.0], [1.0, 1.0, 1.0]]
    return xs, [1, 1, 0, 0]


def batches(
    xs: Sequence, ys: Sequence, batch_size: int, shuffle: bool = True, seed: int | random.Random | None = None, drop_last: bool = False
) -> list[tuple[list, list]]:
    """Mini-batches ``(xs_batch, ys_batch)`` of ``batch_size`` examples each, in the order rules of
    PyTorch's DataLoader: with ``shuffle`` the examples are put in a random order first (each x stays
    with its y), without it they keep theirs; every example is in exactly one batch; the last batch
    holds what is left (fewer than ``batch_size``) unless ``drop_last``, which leaves it out.

    The order comes from ``random.Random(seed)``, or from ``seed`` itself if it is a random.Random:
    pass one generator, ``rng = random.Random(0)``, to every epoch's call for a new order each
    epoch that is the same on every run. (The orders are Python's shuffle, not PyTorch's.)

        for xb, yb in batches(xs, ys, 16, seed=rng):
            loss = cross_entropy([model(x) for x in xb], yb)
    """
    if isinstance(xs, (str, bytes)) or not hasattr(xs, "__len__") or isinstance(ys, (str, bytes)) or not hasattr(ys, "__len__"):
        raise TypeError("batches takes xs and ys as lists (or other sequences) of the same length")
    if len(xs) != len(ys):
        raise ValueError(f"batches got {len(xs)} xs but {len(ys)} ys")
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
        raise ValueError(f"batch_size must be a whole number >= 1, got {batch_size!r}")
    if not isinstance(shuffle, bool) or not isinstance(drop_last, bool):
        raise TypeError("shuffle and drop_last must be True or False")
    order = list(range(len(xs)))
    if shuffle:
        rng = seed if isinstance(seed, random.Random) else _rng(seed)
        rng.shuffle(order)
    stop = len(order) - len(order) % batch_size if drop_last else len(order)
    return [
        ([xs[i] for i in order[start : start + batch_size]], [ys[i] for i in order[start : start + batch_size]])
        for start in range(0, stop, batch_size)
    ]


def _evenly(start: float, stop: float, count: int, endpoint: bool) -> list[float]:
    """``count`` numbers evenly from ``start`` towards ``stop`` (``stop`` included if ``endpoint``), as numpy's linspace."""
    if count <= 1:
        return [start] * count
    step = (stop - start) / (count - 1 if endpoint else count)
    values = [start + i * step for i in range(count)]
    if endpoint:
        values[-1] = stop
    return values


def _finish(points: Points, labels: Labels, noise: float, rng: random.Random, shuffle: bool) -> tuple[Points, Labels]:
    """Shuffle (points with their labels) if asked, then add the noise."""
    if not isinstance(shuffle, bool):
        raise TypeError(f"shuffle must be True or False, got {shuffle!r}")
    if shuffle:
        order = list(range(len(points)))
        rng.shuffle(order)
        points, labels = [points[i] for i in order], [labels[i] for i in order]
    if noise:
        points = [[c + rng.gauss(0.0, noise) for c in p] for p in points]
    return points, labels


def _check_count(name: str, n: object, minimum: int = 1) -> int:
    """n as an int; TypeError unless it is a whole number, ValueError if it is below ``minimum``."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{name} must be a whole number, got {type(n).__name__} {n!r}")
    if n < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {n}")
    return int(n)


def _check_noise(noise: object) -> None:
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real):
        raise TypeError(f"noise must be a number >= 0, got {type(noise).__name__}")
    if not (noise >= 0 and is_finite_real(noise)):  # an int too big for a float is not finite here
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}"[:200])


def _rng(seed: object) -> random.Random:
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
        raise TypeError(f"seed must be a whole number or None, got {type(seed).__name__} {seed!r}")
    return random.Random(None if seed is None else int(seed))
